//! The server as an operator runs it, shared by the crash and soak benchmarks: started from the
//! built binary on a store folder, killed, started again, and watched through /proc (Linux).
//! The start itself is the tests' (`tests/common/process.rs`), so that both wait for the same
//! "listening on http://…" line.
#![allow(dead_code)]

#[path = "../../tests/common/process.rs"]
mod server;

pub use server::{Server, TempDir};

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

/// The base IRI every benchmark server gets: fixed, because each start binds a new free port and
/// the stored IRIs must stay those of the first start.
pub const BASE: &str = "http://lieux.test/";

/// What `tests/common/process.rs` asks its parent module for.
pub fn client() -> reqwest::blocking::Client {
    reqwest::blocking::Client::builder()
        .timeout(Duration::from_secs(60))
        .build()
        .expect("an HTTP client")
}

pub fn binary() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_lieux-communs"))
}

pub fn results_dir() -> PathBuf {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("bench-results");
    std::fs::create_dir_all(&dir).expect("bench-results/");
    dir
}

/// Whether `cargo bench` runs us: `cargo test --all-targets` runs bench targets too, without
/// `--bench`, and a benchmark has no place there.
pub fn benchmarking(name: &str) -> bool {
    if std::env::args().any(|a| a == "--bench") {
        return true;
    }
    println!("{name}: run with `./dev.sh bench {name}`; nothing to do without --bench");
    false
}

/// The value after `--name` on the command line.
pub fn option<T: std::str::FromStr>(name: &str) -> Option<T> {
    let args: Vec<String> = std::env::args().collect();
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1))
        .and_then(|v| v.parse().ok())
}

/// A configuration file in `dir` with these networks (name, token) besides `extra` lines.
pub fn write_config(dir: &Path, networks: &[(String, String)], extra: &str) -> PathBuf {
    let mut text = format!("base_iri = \"{BASE}\"\n{extra}\n");
    for (name, token) in networks {
        text.push_str(&format!("[networks.{name}]\ntoken = \"{token}\"\n"));
    }
    let path = dir.join("config.toml");
    std::fs::write(&path, text).expect("the configuration file");
    path
}

/// `lieux-communs serve --config CONFIG --store STORE` run from `dir`, and how long it took to
/// listen.
pub fn start(dir: &Path, config: &Path, store: &Path) -> (Server, Duration) {
    let started = Instant::now();
    let server = Server::start(
        &binary(),
        dir,
        &[
            "--config",
            config.to_str().expect("a UTF-8 path"),
            "--store",
            store.to_str().expect("a UTF-8 path"),
        ],
        // Info lines would pile up unread in the channel of `Server`.
        &[("RUST_LOG", "warn,lieux_communs=info")],
    );
    (server, started.elapsed())
}

/// SIGKILL, nothing else: the process gets no chance to flush or finish anything.
pub fn kill(mut server: Server) {
    server.child.kill().expect("SIGKILL the server");
    server.child.wait().expect("reap the server");
}

/// A command-line run of the binary; its standard output, or why it failed.
pub fn cli(dir: &Path, args: &[&str]) -> Result<std::process::Output, String> {
    let output = Command::new(binary())
        .current_dir(dir)
        .args(args)
        .env_remove("RUST_LOG")
        .output()
        .map_err(|e| format!("cannot run lieux-communs {}: {e}", args.join(" ")))?;
    Ok(output)
}

/// Memory of one process from /proc, in kB.
#[derive(Clone, Copy, Debug, Default)]
pub struct Memory {
    pub rss: u64,
    pub hwm: u64,
    /// Proportional set size: shared pages divided among their sharers, so that the parent
    /// and its copy-on-write children add up to what they really hold.
    pub pss: u64,
}

pub fn memory(pid: u32) -> Option<Memory> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let field = |text: &str, name: &str| {
        text.lines()
            .find_map(|l| l.strip_prefix(name))
            .and_then(|rest| rest.split_whitespace().next())
            .and_then(|n| n.parse().ok())
            .unwrap_or(0)
    };
    let rollup = std::fs::read_to_string(format!("/proc/{pid}/smaps_rollup")).unwrap_or_default();
    Some(Memory {
        rss: field(&status, "VmRSS:"),
        hwm: field(&status, "VmHWM:"),
        pss: field(&rollup, "Pss:"),
    })
}

/// The processes whose parent is `pid` (the forked SPARQL evaluations of a server).
pub fn children(pid: u32) -> Vec<u32> {
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return Vec::new();
    };
    entries
        .filter_map(|e| e.ok()?.file_name().to_str()?.parse::<u32>().ok())
        .filter(|&candidate| {
            std::fs::read_to_string(format!("/proc/{candidate}/stat"))
                .ok()
                .and_then(|stat| {
                    // The parent's pid is the 2nd field after the command name, which is in
                    // parentheses and may hold spaces.
                    let after = &stat[stat.rfind(')')? + 2..];
                    after.split(' ').nth(1)?.parse::<u32>().ok()
                })
                == Some(pid)
        })
        .collect()
}

/// The `q` quantile (0–1) of sorted durations, in milliseconds.
pub fn quantile_ms(sorted: &[Duration], q: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let index = ((sorted.len() - 1) as f64 * q).round() as usize;
    sorted[index].as_secs_f64() * 1000.0
}

/// A copy of a folder (a stopped store), so that several runs start from the same data.
pub fn copy_dir(from: &Path, to: &Path) -> std::io::Result<()> {
    std::fs::create_dir_all(to)?;
    for entry in std::fs::read_dir(from)? {
        let entry = entry?;
        let target = to.join(entry.file_name());
        if entry.file_type()?.is_dir() {
            copy_dir(&entry.path(), &target)?;
        } else {
            std::fs::copy(entry.path(), target)?;
        }
    }
    Ok(())
}
