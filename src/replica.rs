//! A copy of the whole store, kept in step with every commit, that SPARQL queries are
//! evaluated on in forked processes (see `sparql::isolated`).
//!
//! Two reasons: the copy is an index built for reading (`crate::quad_index`), on which
//! Oxigraph's evaluator answers the partners' queries several times faster than on its RocksDB
//! store, and a process forked from this one is a consistent, copy-on-write snapshot of it that
//! can be killed when its query runs away. A commit updates the copy before its write is
//! answered, under the write lock of the store, so that a query that follows a write answered
//! 2xx sees it; forks take the read side of the copy's lock, so that no child starts from a
//! half-applied change.

use crate::quad_index::QuadIndex;
use oxigraph::model::Quad;
use oxigraph::store::{StorageError, Store};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{RwLock, RwLockReadGuard, RwLockWriteGuard};

/// What a commit changed, when it is known quad by quad.
#[derive(Debug, Default)]
pub struct Delta {
    pub removed: Vec<Quad>,
    pub inserted: Vec<Quad>,
}

/// How the copy follows a commit: by its delta, or (SPARQL Update, file loads, bulk inserts,
/// whose quads are not listed) by copying the store again.
#[derive(Debug)]
pub enum Replication {
    Delta(Delta),
    Everything,
}

/// The index keeps the terms of the quads it loses (ids are never reused): after this many
/// removals the copy is made again from the store, which bounds the memory a long run of
/// replacing writes takes.
const RECOPY_AFTER_REMOVALS: usize = 200_000;

#[derive(Default)]
pub struct Replica {
    /// Off in the command-line tools (nothing queries a copy there) until `serve` turns it on.
    enabled: AtomicBool,
    copy: RwLock<Option<QuadIndex>>,
    /// Quads removed from the copy since it was made.
    removals: AtomicUsize,
    /// The latest deltas, for the query workers forked from an earlier state of the copy.
    log: std::sync::Mutex<Log>,
}

/// Where the copy stands: `epoch` changes when it is made again (a worker forked before then
/// cannot follow), `version` at each delta; `deltas` holds the latest ones, N-Quads encoded.
#[derive(Default)]
pub struct Log {
    pub epoch: u64,
    pub version: u64,
    deltas: std::collections::VecDeque<(u64, std::sync::Arc<Vec<u8>>)>,
}

/// How many deltas a worker may be behind before it is replaced rather than brought up to date.
const LOGGED_DELTAS: usize = 512;

impl Log {
    /// The deltas after `version` of `epoch`, oldest first, and the version they lead to;
    /// `None` when they are no longer all kept (or the copy was made again).
    pub fn since(&self, epoch: u64, version: u64) -> Option<(Vec<std::sync::Arc<Vec<u8>>>, u64)> {
        if epoch != self.epoch {
            return None;
        }
        if version < self.version
            && self
                .deltas
                .front()
                .is_none_or(|(first, _)| *first > version + 1)
        {
            return None;
        }
        let pending = self
            .deltas
            .iter()
            .filter(|(v, _)| *v > version)
            .map(|(_, d)| d.clone())
            .collect();
        Some((pending, self.version))
    }
}

/// A delta as a worker reads it: the length of the removed quads' N-Quads, then them, then the
/// inserted quads' N-Quads.
fn encode(delta: &Delta) -> Vec<u8> {
    let nquads = |quads: &[Quad]| {
        let mut out = Vec::new();
        for quad in quads {
            out.extend_from_slice(quad.to_string().as_bytes());
            out.extend_from_slice(b" .\n");
        }
        out
    };
    let removed = nquads(&delta.removed);
    let mut message = (removed.len() as u64).to_le_bytes().to_vec();
    message.extend(removed);
    message.extend(nquads(&delta.inserted));
    message
}

/// Applies a delta message of [`encode`] to `copy`.
pub fn apply_encoded(copy: &mut QuadIndex, message: &[u8]) -> Result<(), String> {
    let split = message
        .get(..8)
        .and_then(|n| n.try_into().ok())
        .map(u64::from_le_bytes)
        .ok_or("a delta without its length")? as usize;
    let (removed, inserted) = message[8..]
        .split_at_checked(split)
        .ok_or("a short delta")?;
    let parse = |bytes: &[u8]| -> Result<Vec<Quad>, String> {
        oxigraph::io::RdfParser::from_format(oxigraph::io::RdfFormat::NQuads)
            .for_slice(bytes)
            .collect::<Result<_, _>>()
            .map_err(|e| e.to_string())
    };
    let delta = Delta {
        removed: parse(removed)?,
        inserted: parse(inserted)?,
    };
    apply(copy, &delta);
    Ok(())
}

impl Replica {
    /// Copies the whole of `source` and keeps following its commits from now on.
    pub fn enable(&self, source: &Store) -> Result<(), StorageError> {
        let mut copy = self.write();
        *copy = Some(copy_of(source)?);
        self.lock_log().epoch += 1;
        self.enabled.store(true, Ordering::Release);
        Ok(())
    }

    pub fn is_enabled(&self) -> bool {
        self.enabled.load(Ordering::Acquire)
    }

    /// Brings the copy in line with a commit of `source`. Called under the store's write lock,
    /// after the commit and before it is announced. A failure leaves the copy off (queries go
    /// back to the store itself) rather than stale.
    pub fn follow(&self, source: &Store, replication: Replication) {
        if !self.is_enabled() {
            return;
        }
        let mut copy = self.write();
        let worn = self.removals.load(Ordering::Relaxed) >= RECOPY_AFTER_REMOVALS;
        let outcome = match (&mut *copy, replication) {
            (Some(index), Replication::Delta(delta)) if !worn => {
                self.removals
                    .fetch_add(delta.removed.len(), Ordering::Relaxed);
                apply(index, &delta);
                let mut log = self.lock_log();
                log.version += 1;
                let version = log.version;
                log.deltas
                    .push_back((version, std::sync::Arc::new(encode(&delta))));
                if log.deltas.len() > LOGGED_DELTAS {
                    log.deltas.pop_front();
                }
                Ok(())
            }
            (_, _) => copy_of(source).map(|fresh| {
                *copy = Some(fresh);
                self.removals.store(0, Ordering::Relaxed);
                let mut log = self.lock_log();
                log.epoch += 1;
                log.version += 1;
                log.deltas.clear();
            }),
        };
        if let Err(error) = outcome {
            tracing::error!(%error, "the in-memory copy could not follow a commit: turned off");
            self.enabled.store(false, Ordering::Release);
            *copy = None;
        }
    }

    /// The copy, read-locked: no change is applied to it while the guard lives.
    pub fn read(&self) -> Option<RwLockReadGuard<'_, Option<QuadIndex>>> {
        if !self.is_enabled() {
            return None;
        }
        let guard = self
            .copy
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        guard.is_some().then_some(guard)
    }

    /// Where the copy stands, and its latest deltas.
    pub fn lock_log(&self) -> std::sync::MutexGuard<'_, Log> {
        self.log
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// The copy, write-locked. Also how a forked worker takes the copy for its own (see
    /// `sparql::isolated`).
    pub fn write(&self) -> RwLockWriteGuard<'_, Option<QuadIndex>> {
        self.copy
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

fn apply(copy: &mut QuadIndex, delta: &Delta) {
    for quad in &delta.removed {
        copy.remove(quad.as_ref());
    }
    copy.extend(delta.inserted.iter().map(Quad::as_ref));
}

fn copy_of(source: &Store) -> Result<QuadIndex, StorageError> {
    QuadIndex::from_quads(source.iter())
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use oxigraph::model::{GraphName, Literal, NamedNode};

    /// A quad of one test graph, told apart by `n`.
    pub(crate) fn quad(n: i64) -> Quad {
        Quad::new(
            NamedNode::new_unchecked("http://x/s"),
            NamedNode::new_unchecked("http://x/p"),
            Literal::from(n),
            GraphName::NamedNode(NamedNode::new_unchecked("http://x/g")),
        )
    }

    fn sorted(quads: impl Iterator<Item = Quad>) -> Vec<Quad> {
        let mut all: Vec<Quad> = quads.collect();
        all.sort_by_key(ToString::to_string);
        all
    }

    fn quads(store: &Store) -> Vec<Quad> {
        sorted(store.iter().map(Result::unwrap))
    }

    #[test]
    fn the_copy_follows_deltas_and_whole_copies() {
        let source = Store::new().unwrap();
        source.insert(&quad(1)).unwrap();
        let replica = Replica::default();
        replica.follow(&source, Replication::Everything);
        assert!(replica.read().is_none(), "off until enabled");
        replica.enable(&source).unwrap();
        let copied = |r: &Replica| sorted(r.read().unwrap().as_ref().unwrap().quads());
        assert_eq!(copied(&replica), quads(&source));

        source.remove(&quad(1)).unwrap();
        source.insert(&quad(2)).unwrap();
        replica.follow(
            &source,
            Replication::Delta(Delta {
                removed: vec![quad(1)],
                inserted: vec![quad(2)],
            }),
        );
        assert_eq!(copied(&replica), quads(&source));

        source.insert(&quad(3)).unwrap();
        replica.follow(&source, Replication::Everything);
        assert_eq!(copied(&replica), quads(&source));
    }
}
