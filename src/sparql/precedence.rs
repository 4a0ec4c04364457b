//! Queries at full priority go first: the workers demoted for the CPU they used (see
//! `engine::DEMOTE_AFTER`) are stopped (`SIGSTOP`) while a query at full priority is being
//! evaluated, and continued (`SIGCONT`) as soon as none is. The idle scheduling class alone
//! does not keep them off a core the measuring client or the server's own threads leave free
//! for a moment, and a runaway that gets one evicts the partner query's data from the caches
//! they share: with four runaway clients on two cores, a 25 ms query took 43 ms
//! (`bench-results/sparql-peers.md`). A demoted query still runs whenever no other does, and
//! is still killed at its timeout (a stopped process can be killed).

use std::collections::HashSet;
use std::sync::{Arc, Mutex};

/// The demoted workers, and how many queries at full priority are being evaluated.
#[derive(Default)]
pub struct Precedence {
    state: Mutex<State>,
}

#[derive(Default)]
struct State {
    foreground: usize,
    demoted: HashSet<libc::pid_t>,
}

/// A query at full priority, being evaluated: the demoted workers stay stopped until the last
/// one is dropped.
pub struct Foreground(Arc<Precedence>);

impl Precedence {
    /// Marks a query at full priority as running (stopping the demoted workers if it is the
    /// only one).
    pub fn foreground(self: &Arc<Self>) -> Foreground {
        let mut state = self.lock();
        state.foreground += 1;
        if state.foreground == 1 {
            signal(&state.demoted, libc::SIGSTOP);
        }
        Foreground(Arc::clone(self))
    }

    /// Demotes a running worker for good: the idle scheduling class, which runs only when
    /// nothing else wants the core (by the scheduler's weights, four runaways at niceness 15
    /// would still take about a tenth of a core from a query sharing it), or the lowest
    /// niceness where that class is refused; and stopped at once if a query at full priority
    /// is running. Its pid must be an unreaped child of this process until [`Self::gone`]:
    /// only then can no other process have taken it.
    pub fn demote(&self, pid: libc::pid_t) {
        let param = libc::sched_param { sched_priority: 0 };
        // SAFETY: plain system calls on an unreaped child.
        unsafe {
            if libc::sched_setscheduler(pid, libc::SCHED_IDLE, &param) != 0 {
                libc::setpriority(libc::PRIO_PROCESS, pid as libc::id_t, 19);
            }
        }
        let mut state = self.lock();
        if state.demoted.insert(pid) && state.foreground > 0 {
            signal(&[pid], libc::SIGSTOP);
        }
    }

    pub fn is_demoted(&self, pid: libc::pid_t) -> bool {
        self.lock().demoted.contains(&pid)
    }

    /// Forgets a worker about to be killed and reaped.
    pub fn gone(&self, pid: libc::pid_t) {
        self.lock().demoted.remove(&pid);
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

impl Drop for Foreground {
    fn drop(&mut self) {
        let mut state = self.0.lock();
        state.foreground -= 1;
        if state.foreground == 0 {
            signal(&state.demoted, libc::SIGCONT);
        }
    }
}

fn signal<'a>(pids: impl IntoIterator<Item = &'a libc::pid_t>, signal: libc::c_int) {
    for &pid in pids {
        // SAFETY: a plain system call; `pid` is an unreaped child (see `Precedence::demoted`).
        unsafe {
            libc::kill(pid, signal);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::process::{Child, Command};
    use std::time::{Duration, Instant};

    /// The state letter of /proc/PID/stat: `T` when stopped.
    fn state(child: &Child) -> char {
        let stat = std::fs::read_to_string(format!("/proc/{}/stat", child.id())).unwrap();
        stat[stat.rfind(')').unwrap() + 2..].chars().next().unwrap()
    }

    /// Signals are delivered asynchronously: waits for the state to show it.
    fn settles(child: &Child, stopped: bool) -> bool {
        let until = Instant::now() + Duration::from_secs(5);
        while Instant::now() < until {
            if (state(child) == 'T') == stopped {
                return true;
            }
            std::thread::sleep(Duration::from_millis(5));
        }
        false
    }

    /// A demoted process runs only on cores nothing else wants.
    #[test]
    fn a_demoted_worker_yields_to_every_other_process() {
        let mut child = Command::new("sleep").arg("30").spawn().unwrap();
        let pid = child.id() as libc::pid_t;
        let precedence = Precedence::default();
        precedence.demote(pid);
        assert!(precedence.is_demoted(pid));
        // SAFETY: plain system calls on our child, not reaped yet.
        let (policy, nice) = unsafe {
            (
                libc::sched_getscheduler(pid),
                libc::getpriority(libc::PRIO_PROCESS, pid as libc::id_t),
            )
        };
        precedence.gone(pid);
        assert!(!precedence.is_demoted(pid));
        child.kill().unwrap();
        child.wait().unwrap();
        assert!(
            policy == libc::SCHED_IDLE || nice == 19,
            "policy {policy}, niceness {nice}"
        );
    }

    #[test]
    fn demoted_workers_stop_while_a_query_at_full_priority_runs() {
        let mut child = Command::new("sleep").arg("30").spawn().unwrap();
        let pid = child.id() as libc::pid_t;
        let precedence = Arc::new(Precedence::default());
        precedence.demote(pid);
        assert!(settles(&child, false), "no query runs: it goes on");
        let first = precedence.foreground();
        assert!(settles(&child, true), "stopped while a query runs");
        let second = precedence.foreground();
        drop(first);
        std::thread::sleep(Duration::from_millis(50));
        assert_eq!(state(&child), 'T', "still stopped: another query runs");
        drop(second);
        assert!(settles(&child, false), "continued after the last one");
        // Demoted while a query runs: stopped at once; forgotten, never signalled again.
        let third = precedence.foreground();
        let mut other = Command::new("sleep").arg("30").spawn().unwrap();
        precedence.demote(other.id() as libc::pid_t);
        assert!(settles(&other, true));
        precedence.gone(other.id() as libc::pid_t);
        drop(third);
        std::thread::sleep(Duration::from_millis(50));
        assert_eq!(state(&other), 'T', "a forgotten worker is left alone");
        for process in [&mut child, &mut other] {
            process.kill().unwrap();
            process.wait().unwrap();
        }
    }
}
