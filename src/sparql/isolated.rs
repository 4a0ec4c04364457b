//! Queries evaluated in worker processes, so that a query past its timeout can be stopped for
//! real: Oxigraph checks its cancellation token only when it reads the store, and a join it
//! computes in memory runs on, holding a core, long after its answer was given up. A process can
//! be killed.
//!
//! A worker is forked from the server: a copy-on-write snapshot of the in-memory copy of the
//! store (`crate::replica`), ready at once. It then lives on, answering one query after the
//! other, and is brought up to date before each by the deltas committed since it last ran
//! (kept by the replica's log): a query sees every write answered before it. Reusing workers
//! matters: a fork and the page faults of a new process cost more than a short query.
//!
//! Forking a threaded process is sound only if the child touches nothing another thread may
//! have held locked at that instant, so a worker touches the copy (no thread is inside it: the
//! fork holds its only read lock, and only forks read it), its own allocations (mimalloc's heaps
//! are per thread) and its socket, and ends with `_exit`, running no destructor. It dies with
//! the server (`PR_SET_PDEATHSIG`).

use super::precedence::Precedence;
use super::{ParsedQuery, QueryError, ResultFormat};
use crate::quad_index::QuadIndex;
use crate::replica::Replica;
use std::io::{self, Read, Write};
use std::os::unix::net::UnixStream;
use std::sync::{Arc, Mutex};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// Forks one at a time: a worker forked meanwhile would inherit the parent's end of another's
/// socket, and keep it open after the parent closed it.
static FORKING: Mutex<()> = Mutex::new(());

/// A worker process, killed (and reaped) when dropped.
pub struct Worker {
    pid: libc::pid_t,
    socket: tokio::net::UnixStream,
    /// Where its copy stands (see `replica::Log`).
    epoch: u64,
    version: u64,
    /// Knows whether it was demoted; told when it is killed.
    precedence: Arc<Precedence>,
}

/// Idle workers, at most `keep`.
pub struct Workers {
    idle: Mutex<Vec<Worker>>,
    keep: usize,
    precedence: Arc<Precedence>,
}

/// A query as a worker reads it: its text and protocol dataset (parsed again in the worker),
/// the format and the largest answer.
#[derive(serde::Serialize, serde::Deserialize)]
struct Job {
    text: String,
    base: String,
    default_graphs: Vec<String>,
    named_graphs: Vec<String>,
    format: String,
    limit: usize,
}

impl Workers {
    pub fn new(keep: usize, precedence: Arc<Precedence>) -> Self {
        Self {
            idle: Mutex::default(),
            keep,
            precedence,
        }
    }

    /// A worker up to date with the copy, ready for a query: an idle one brought up to date,
    /// or one forked now. `None` when the copy is off.
    pub async fn take(&self, replica: &Replica) -> Option<io::Result<Worker>> {
        loop {
            let idle = self.lock().pop();
            let Some(mut worker) = idle else {
                return fork(replica, &self.precedence);
            };
            let pending = replica.lock_log().since(worker.epoch, worker.version);
            // Too far behind (or the copy was made again): another is forked.
            let Some((deltas, version)) = pending else {
                continue;
            };
            match worker.catch_up(&deltas, version).await {
                Ok(()) => return Some(Ok(worker)),
                Err(error) => tracing::warn!(%error, "a query worker could not catch up: replaced"),
            }
        }
    }

    /// Keeps a worker that answered for the next query, unless enough are kept or it was
    /// demoted (its priority cannot be raised again without privilege).
    pub fn give_back(&self, worker: Worker) {
        let mut idle = self.lock();
        if !self.precedence.is_demoted(worker.pid) && idle.len() < self.keep {
            idle.push(worker);
        }
    }

    /// Ends every idle worker (the server is stopping).
    pub fn clear(&self) {
        self.lock().clear();
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Vec<Worker>> {
        self.idle
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

fn fork(replica: &Replica, precedence: &Arc<Precedence>) -> Option<io::Result<Worker>> {
    // Taken first: at the fork, the read guard below is then the only one on the copy, and
    // the child, dropping it, can take the copy for its own.
    let _forking = FORKING
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    let copy = replica.read()?;
    // The copy's own version: deltas logged since are sent to the worker before its query.
    let (epoch, version) = (replica.lock_log().epoch, replica.applied());
    let (ours, theirs) = match UnixStream::pair() {
        Ok(pair) => pair,
        Err(e) => return Some(Err(e)),
    };
    let parent = std::process::id();
    // SAFETY: the child runs only `worker_main`, which keeps to what the module comment says
    // and never returns.
    match unsafe { libc::fork() } {
        -1 => Some(Err(io::Error::last_os_error())),
        0 => {
            drop(ours);
            // The child's memory is its own: its image of the copy becomes its working copy,
            // changed by the deltas it is sent (pages are copied as they are written).
            drop(copy);
            let index = replica.write().take().unwrap_or_default();
            worker_main(parent, theirs, index)
        }
        pid => {
            drop(theirs);
            drop(copy);
            let socket = ours
                .set_nonblocking(true)
                .and_then(|()| tokio::net::UnixStream::from_std(ours));
            Some(socket.map(|socket| Worker {
                pid,
                socket,
                epoch,
                version,
                precedence: Arc::clone(precedence),
            }))
        }
    }
}

/// A worker's life: deltas (`D`) applied, queries (`Q`) answered, until the server closes
/// its socket.
fn worker_main(parent: u32, mut socket: UnixStream, mut index: QuadIndex) -> ! {
    // SAFETY: plain system calls on this process.
    unsafe {
        libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL);
        if libc::getppid() as u32 != parent {
            libc::_exit(3);
        }
        let none = libc::rlimit {
            rlim_cur: 0,
            rlim_max: 0,
        };
        libc::setrlimit(libc::RLIMIT_CORE, &none);
    }
    let status = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| loop {
        let Ok((kind, message)) = read_message(&mut socket) else {
            return 0;
        };
        let reply = match kind {
            b'D' => match crate::replica::apply_encoded(&mut index, &message) {
                Ok(()) => Vec::new(),
                Err(_) => return 6,
            },
            b'Q' => answer(&index, &message),
            _ => return 7,
        };
        let mut framed = (reply.len() as u64).to_le_bytes().to_vec();
        framed.extend(reply);
        if socket.write_all(&framed).is_err() {
            return 4;
        }
    }))
    .unwrap_or(5);
    // SAFETY: ends the process without running destructors or flushing the parent's buffers.
    unsafe { libc::_exit(status) }
}

fn read_message(socket: &mut UnixStream) -> io::Result<(u8, Vec<u8>)> {
    let mut head = [0u8; 9];
    socket.read_exact(&mut head)?;
    let length = u64::from_le_bytes(head[1..].try_into().expect("8 bytes")) as usize;
    let mut message = vec![0; length];
    socket.read_exact(&mut message)?;
    Ok((head[0], message))
}

/// Evaluates a job and encodes the answer (see `engine::encode`).
fn answer(index: &QuadIndex, message: &[u8]) -> Vec<u8> {
    let outcome = serde_json::from_slice::<Job>(message)
        .map_err(|e| QueryError::Internal(e.into()))
        .and_then(|job| {
            let format = ResultFormat::from_tag(&job.format).ok_or_else(|| {
                QueryError::Internal(anyhow::anyhow!("unknown format {}", job.format))
            })?;
            let parsed =
                super::parse_query(&job.text, &job.base, &job.default_graphs, &job.named_graphs)?;
            super::engine::evaluate_on(index, parsed, format, job.limit)
        });
    super::engine::encode(outcome)
}

impl Worker {
    /// Sends the deltas the worker lacks, so that it stands at `version`.
    async fn catch_up(
        &mut self,
        deltas: &[std::sync::Arc<crate::replica::Logged>],
        version: u64,
    ) -> io::Result<()> {
        // One message, applied as one batch.
        if !deltas.is_empty() {
            let message = deltas
                .iter()
                .map(|d| d.encoded())
                .collect::<Vec<_>>()
                .concat();
            self.send(b'D', &message).await?;
            let acknowledged = self.receive().await?;
            if !acknowledged.is_empty() {
                return Err(io::Error::other("a delta was not applied"));
            }
        }
        self.version = version;
        Ok(())
    }

    /// Sends a query; [`Worker::receive`] gets its answer.
    pub async fn send_query(
        &mut self,
        parsed: &ParsedQuery,
        base: &str,
        format: ResultFormat,
        limit: usize,
    ) -> io::Result<()> {
        let job = Job {
            text: parsed.text.clone(),
            base: base.to_owned(),
            default_graphs: parsed
                .default_graphs
                .iter()
                .map(|g| g.as_str().to_owned())
                .collect(),
            named_graphs: parsed
                .named_graphs
                .iter()
                .map(|g| g.as_str().to_owned())
                .collect(),
            format: format.tag(),
            limit,
        };
        let message = serde_json::to_vec(&job).map_err(io::Error::other)?;
        self.send(b'Q', &message).await
    }

    async fn send(&mut self, kind: u8, message: &[u8]) -> io::Result<()> {
        let mut head = vec![kind];
        head.extend((message.len() as u64).to_le_bytes());
        self.socket.write_all(&head).await?;
        self.socket.write_all(message).await
    }

    /// The worker's next reply. Not cancel-safe: a worker whose wait was given up is killed,
    /// never reused.
    pub async fn receive(&mut self) -> io::Result<Vec<u8>> {
        let mut length = [0u8; 8];
        self.socket.read_exact(&mut length).await?;
        let mut reply = vec![0; u64::from_le_bytes(length) as usize];
        self.socket.read_exact(&mut reply).await?;
        Ok(reply)
    }

    pub fn pid(&self) -> libc::pid_t {
        self.pid
    }
}

/// The CPU time a worker has used so far (Linux's /proc; `None` elsewhere or once it is gone).
pub fn cpu_time(pid: libc::pid_t) -> Option<std::time::Duration> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // After the command name (in parentheses, which may hold spaces), utime and stime are the
    // 12th and 13th fields.
    let mut fields = stat.get(stat.rfind(')')? + 2..)?.split(' ').skip(11);
    let ticks: u64 = fields.next()?.parse::<u64>().ok()? + fields.next()?.parse::<u64>().ok()?;
    // SAFETY: sysconf has no preconditions.
    let per_second = unsafe { libc::sysconf(libc::_SC_CLK_TCK) }.max(1) as u64;
    Some(std::time::Duration::from_millis(ticks * 1000 / per_second))
}

impl Drop for Worker {
    fn drop(&mut self) {
        let pid = self.pid;
        self.precedence.gone(pid);
        // SAFETY: our own child, not reaped before (only this drop reaps it).
        unsafe {
            libc::kill(pid, libc::SIGKILL);
        }
        // Reaped off the runtime: a killed process is gone within moments.
        std::thread::spawn(move || {
            let mut status = 0;
            // SAFETY: `status` is a valid place for waitpid to write.
            while unsafe { libc::waitpid(pid, &mut status, 0) } == -1
                && io::Error::last_os_error().kind() == io::ErrorKind::Interrupted
            {}
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::replica::tests::quad;
    use oxigraph::store::Store;

    /// A worker kept between queries sees the commits made since it last answered.
    #[tokio::test]
    async fn a_kept_worker_follows_the_commits() {
        let source = Store::new().unwrap();
        source.insert(&quad(1)).unwrap();
        let replica = Replica::default();
        replica.enable(&source).unwrap();
        let workers = Workers::new(1, Arc::default());
        let count = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }";
        let format = ResultFormat::from_tag("r:application/sparql-results+json").unwrap();
        for n in 1..=3 {
            let mut worker = workers.take(&replica).await.unwrap().unwrap();
            let parsed = super::super::parse_query(count, "http://x/", &[], &[]).unwrap();
            worker
                .send_query(&parsed, "http://x/", format, 1 << 20)
                .await
                .unwrap();
            let reply = super::super::engine::decode(worker.receive().await.unwrap()).unwrap();
            let text = String::from_utf8(reply.to_vec()).unwrap();
            assert!(text.contains(&format!("\"value\":\"{n}\"")), "{n}: {text}");
            workers.give_back(worker);
            source.insert(&quad(n + 1)).unwrap();
            replica.follow(
                &source,
                crate::replica::Replication::Delta(crate::replica::Delta {
                    removed: Vec::new(),
                    inserted: vec![quad(n + 1)],
                }),
            );
        }
        assert_eq!(workers.lock().len(), 1, "one worker served them all");
    }
}
