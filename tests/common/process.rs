//! The server as a process of its own: what an operator runs, killed or stopped with signals.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

/// An empty folder of its own under the system's temporary folder, removed at the end.
pub struct TempDir(pub PathBuf);

impl TempDir {
    pub fn new(name: &str) -> Self {
        let path =
            std::env::temp_dir().join(format!("lieux-communs-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&path);
        std::fs::create_dir_all(&path).unwrap();
        Self(path)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// `binary serve --bind 127.0.0.1:0 ARGS…` run from `dir`, and every line it logs.
pub struct Server {
    pub child: Child,
    pub url: String,
    lines: mpsc::Receiver<String>,
    logged: Vec<String>,
}

impl Server {
    pub fn start(binary: &Path, dir: &Path, args: &[&str], env: &[(&str, &str)]) -> Self {
        let mut child = Command::new(binary)
            .current_dir(dir)
            .args(["serve", "--bind", "127.0.0.1:0"])
            .args(args)
            .env_remove("RUST_LOG")
            .envs(env.iter().copied())
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let (tx, lines) = mpsc::channel();
        let stderr = child.stderr.take().unwrap();
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        let mut logged = Vec::new();
        loop {
            let Ok(line) = lines.recv_timeout(Duration::from_secs(120)) else {
                let _ = child.kill();
                let _ = child.wait();
                panic!("the server did not start; it logged:\n{logged:#?}");
            };
            logged.push(line.clone());
            if let Some(at) = line.find("http://127.0.0.1:") {
                let url = line[at..]
                    .split(|c: char| c.is_whitespace() || c == '"')
                    .next()
                    .unwrap()
                    .to_owned();
                return Self {
                    child,
                    url,
                    lines,
                    logged,
                };
            }
        }
    }

    pub fn get(&self, path: &str, accept: &str) -> reqwest::blocking::Response {
        super::client()
            .get(format!("{}{path}", self.url))
            .header("accept", accept)
            .send()
            .unwrap()
    }

    /// Every line logged so far.
    pub fn logged(&mut self) -> &[String] {
        std::thread::sleep(Duration::from_millis(200));
        self.logged.extend(self.lines.try_iter());
        &self.logged
    }

    /// The CPU time the server used so far, its children's that ended included (Linux).
    pub fn cpu_time(&self) -> Duration {
        let stat = std::fs::read_to_string(format!("/proc/{}/stat", self.child.id()))
            .expect("the server's /proc stat");
        // Fields after the command name (in parentheses, which may hold spaces): utime is the
        // 14th field, stime, cutime and cstime follow.
        let after = &stat[stat.rfind(')').unwrap() + 2..];
        let fields: Vec<u64> = after
            .split(' ')
            .skip(11)
            .take(4)
            .map(|f| f.parse().unwrap())
            .collect();
        // SAFETY: sysconf has no preconditions.
        let ticks = unsafe { libc::sysconf(libc::_SC_CLK_TCK) } as u64;
        Duration::from_millis(fields.iter().sum::<u64>() * 1000 / ticks)
    }

    /// Sends SIGTERM and waits up to `within` for the process to end; whether it did.
    pub fn terminate(&mut self, within: Duration) -> bool {
        // SAFETY: a plain system call on our own child.
        unsafe {
            libc::kill(self.child.id() as libc::pid_t, libc::SIGTERM);
        }
        let deadline = std::time::Instant::now() + within;
        while std::time::Instant::now() < deadline {
            if self.child.try_wait().unwrap().is_some() {
                return true;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        false
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
