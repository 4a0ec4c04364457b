//! Queries evaluated in forked processes, so that a query past its timeout can be stopped for
//! real: Oxigraph checks its cancellation token only when it reads the store, and a join it
//! computes in memory runs on, holding a core, long after its answer was given up. A process can
//! be killed.
//!
//! A child is forked from the server itself: it is a copy-on-write snapshot of the in-memory
//! copy of the store (`crate::replica`), ready at once, with nothing to load and no staleness.
//! Forking a threaded process is sound only if the child touches nothing another thread may
//! have held locked at that instant, so the child touches the copy (no thread is inside it: the
//! fork holds its read lock, and only forked children read it), its own allocations (mimalloc's
//! heaps are per thread) and its pipe, and ends with `_exit`, running no destructor. It dies with
//! the server (`PR_SET_PDEATHSIG`) and at its CPU limit even if nobody kills it.

use crate::replica::Replica;
use oxigraph::store::Store;
use std::io;
use std::os::fd::{FromRawFd, OwnedFd};
use std::sync::Mutex;
use std::time::Duration;
use tokio::io::AsyncReadExt;

/// Forks one at a time, and closes the parent's end of the child's pipe before the next fork:
/// a sibling never inherits it, so the pipe ends when its child does.
static FORKING: Mutex<()> = Mutex::new(());

/// A forked evaluation; killed (and reaped) when dropped before it ended.
pub struct Child {
    pid: libc::pid_t,
    output: Option<tokio::net::unix::pipe::Receiver>,
    /// What the child wrote so far.
    answer: Vec<u8>,
    reaped: bool,
}

/// How a child ended.
pub enum Outcome {
    /// It wrote its whole answer and exited.
    Finished(Vec<u8>),
    /// Killed by a signal: its CPU limit, or `kill`.
    Killed,
    /// It panicked or could not write.
    Failed(String),
}

/// Forks a child that runs `job` on the copy and writes what it returns to its pipe. `None`
/// when the copy is off (the command-line tools, or a copy that could not follow a commit).
pub fn spawn(
    replica: &Replica,
    cpu_limit: Duration,
    job: impl FnOnce(&Store) -> Vec<u8>,
) -> Option<io::Result<Child>> {
    let copy = replica.read()?;
    let store = copy.as_ref()?;
    let _forking = FORKING
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    let mut fds = [0; 2];
    // SAFETY: `fds` has room for the two descriptors pipe2 writes.
    if unsafe { libc::pipe2(fds.as_mut_ptr(), libc::O_CLOEXEC) } != 0 {
        return Some(Err(io::Error::last_os_error()));
    }
    // SAFETY: both descriptors were just opened and are owned here alone.
    let (read, write) = unsafe { (OwnedFd::from_raw_fd(fds[0]), OwnedFd::from_raw_fd(fds[1])) };
    let parent = std::process::id();
    // SAFETY: the child runs only `child_main`, which keeps to what the module comment says and
    // never returns.
    match unsafe { libc::fork() } {
        -1 => Some(Err(io::Error::last_os_error())),
        0 => child_main(parent, write, cpu_limit, || job(store)),
        pid => {
            drop(write);
            drop(copy);
            Some(
                tokio::net::unix::pipe::Receiver::from_owned_fd(read).map(|output| Child {
                    pid,
                    output: Some(output),
                    answer: Vec::new(),
                    reaped: false,
                }),
            )
        }
    }
}

fn child_main(
    parent: u32,
    write: OwnedFd,
    cpu_limit: Duration,
    job: impl FnOnce() -> Vec<u8>,
) -> ! {
    // SAFETY: plain system calls on this process; `_exit` ends it without running destructors
    // or flushing buffers that belong to the parent.
    unsafe {
        libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL);
        if libc::getppid() as u32 != parent {
            libc::_exit(3);
        }
        let seconds = cpu_limit.as_secs().max(1) + 1;
        let limit = libc::rlimit {
            rlim_cur: seconds,
            rlim_max: seconds + 1,
        };
        libc::setrlimit(libc::RLIMIT_CPU, &limit);
    }
    let status = match std::panic::catch_unwind(std::panic::AssertUnwindSafe(job)) {
        Ok(answer) => {
            let mut file = std::fs::File::from(write);
            match io::Write::write_all(&mut file, &answer) {
                Ok(()) => 0,
                Err(_) => 4,
            }
        }
        Err(_) => 5,
    };
    // SAFETY: see above.
    unsafe { libc::_exit(status) }
}

impl Child {
    /// Reads the child's answer until it closes its pipe, then reaps it. Cancel-safe: what
    /// was read is kept in the child, and it is reaped only in the poll that says so, so a
    /// dropped call leaves a child that `kill` and drop still own.
    pub async fn finish(&mut self) -> Outcome {
        let read = match self.output.as_mut() {
            Some(output) => output.read_to_end(&mut self.answer).await,
            None => Ok(0),
        };
        self.output = None;
        let status = self.reap().await;
        match (read, status) {
            (Ok(_), Ok(status)) if libc::WIFEXITED(status) && libc::WEXITSTATUS(status) == 0 => {
                Outcome::Finished(std::mem::take(&mut self.answer))
            }
            (_, Ok(status)) if libc::WIFSIGNALED(status) => Outcome::Killed,
            (_, Ok(status)) => Outcome::Failed(format!(
                "the evaluation process ended with status {}",
                libc::WEXITSTATUS(status)
            )),
            (_, Err(e)) => Outcome::Failed(format!("the evaluation process was lost: {e}")),
        }
    }

    /// The child's pid, for [`demote`] while [`Child::finish`] runs.
    pub fn pid(&self) -> libc::pid_t {
        self.pid
    }

    /// Kills the child now, unless it was reaped (its pid may then be another process's);
    /// `finish` (or drop) reaps it.
    pub fn kill(&self) {
        if !self.reaped {
            // SAFETY: a plain system call on our own unreaped child.
            unsafe {
                libc::kill(self.pid, libc::SIGKILL);
            }
        }
    }

    /// Waits for the child to end without blocking a thread: it has closed its pipe, so it
    /// is exiting, and a few polls find it gone.
    async fn reap(&mut self) -> io::Result<libc::c_int> {
        loop {
            let mut status = 0;
            // SAFETY: `status` is a valid place for waitpid to write.
            match unsafe { libc::waitpid(self.pid, &mut status, libc::WNOHANG) } {
                0 => tokio::time::sleep(Duration::from_micros(200)).await,
                pid if pid == self.pid => {
                    self.reaped = true;
                    return Ok(status);
                }
                _ => {
                    let error = io::Error::last_os_error();
                    if error.kind() != io::ErrorKind::Interrupted {
                        return Err(error);
                    }
                }
            }
        }
    }
}

/// Lowers a running child's priority, so that queries that just started get the cores first.
/// Called while its [`Child::finish`] runs, before the timeout: the child is not reaped yet.
pub fn demote(pid: libc::pid_t) {
    // SAFETY: a plain system call.
    unsafe {
        libc::setpriority(libc::PRIO_PROCESS, pid as libc::id_t, 15);
    }
}

fn wait(pid: libc::pid_t) {
    let mut status = 0;
    // SAFETY: `status` is a valid place for waitpid to write.
    while unsafe { libc::waitpid(pid, &mut status, 0) } == -1
        && io::Error::last_os_error().kind() == io::ErrorKind::Interrupted
    {}
}

impl Drop for Child {
    fn drop(&mut self) {
        if !self.reaped {
            self.kill();
            let pid = self.pid;
            // Reaped off the runtime: a killed child is gone within moments.
            std::thread::spawn(move || wait(pid));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A wait given up and taken again (a timer that fires in a `select!`) loses nothing of
    /// what the child wrote: the answer, larger than a pipe's buffer, arrives whole.
    #[tokio::test]
    async fn an_interrupted_wait_loses_no_part_of_the_answer() {
        let replica = Replica::default();
        replica.enable(&Store::new().unwrap()).unwrap();
        let expected: Vec<u8> = (0..1_000_000u32).map(|i| (i % 251) as u8).collect();
        let sent = expected.clone();
        let mut child = spawn(&replica, Duration::from_secs(10), move |_| sent)
            .expect("the copy is on")
            .expect("forked");
        let mut interrupted = 0;
        let outcome = loop {
            match tokio::time::timeout(Duration::from_micros(100), child.finish()).await {
                Ok(outcome) => break outcome,
                Err(_) => interrupted += 1,
            }
        };
        assert!(interrupted > 0, "the wait was interrupted at least once");
        match outcome {
            Outcome::Finished(answer) => assert!(answer == expected, "the answer arrived whole"),
            Outcome::Killed => panic!("killed"),
            Outcome::Failed(why) => panic!("{why}"),
        }
    }
}
