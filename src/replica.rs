//! A copy of the whole store, kept in step with every commit, that SPARQL queries are
//! evaluated on in forked processes (see `sparql::isolated`).
//!
//! Two reasons: the copy is an index built for reading (`crate::quad_index`), on which
//! Oxigraph's evaluator answers the partners' queries several times faster than on its RocksDB
//! store, and a process forked from this one is a consistent, copy-on-write snapshot of it that
//! can be killed when its query runs away. A commit logs its delta before its write is
//! answered, under the write lock of the store; the copy applies the logged deltas when it is
//! next read (so a query that follows a write answered 2xx sees it), all at once: inserting
//! one write's quads into the middle of the index's long sorted lists (the subjects of a class,
//! of a predicate) moves their tails, and a run of writes with no query between them would pay
//! that at every commit. Forks take the read side of the copy's lock, so that no child starts
//! from a half-applied change.

use crate::quad_index::QuadIndex;
use oxigraph::model::Quad;
use oxigraph::store::{StorageError, Store};
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, OnceLock, RwLock, RwLockReadGuard, RwLockWriteGuard};

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

/// Deltas left unapplied at most: a long run of writes with no query between them applies
/// them in batches of this many, under the write lock of the commit that completes one (each
/// batch sorts again the long lists it reached: 64 cost a POST ~30 µs of CPU, 256 a quarter
/// of that).
const APPLY_AFTER_DELTAS: u64 = 256;

/// How many deltas a worker may be behind before it is replaced rather than brought up to date.
const LOGGED_DELTAS: usize = 512;

#[derive(Default)]
pub struct Replica {
    /// Off in the command-line tools (nothing queries a copy there) until `serve` turns it on.
    enabled: AtomicBool,
    copy: RwLock<Option<QuadIndex>>,
    /// The version of the log the copy has applied (changed under the copy's write lock).
    applied: AtomicU64,
    /// Quads removed from the copy since it was made.
    removals: AtomicUsize,
    /// The latest deltas: those the copy has not applied yet, and those the query workers
    /// forked from an earlier state of it need.
    log: std::sync::Mutex<Log>,
}

/// Where the store stands: `epoch` changes when the copy is made again (a worker forked before
/// then cannot follow), `version` at each delta; `deltas` holds the latest ones.
#[derive(Default)]
pub struct Log {
    pub epoch: u64,
    pub version: u64,
    deltas: std::collections::VecDeque<(u64, Arc<Logged>)>,
}

/// A logged delta, and its encoding for the workers, made when one first needs it.
pub struct Logged {
    delta: Delta,
    encoded: OnceLock<Vec<u8>>,
}

impl Logged {
    /// The delta as a worker reads it (see [`apply_encoded`]).
    pub fn encoded(&self) -> &[u8] {
        self.encoded.get_or_init(|| encode(&self.delta))
    }
}

impl Log {
    /// The deltas after `version` of `epoch`, oldest first, and the version they lead to;
    /// `None` when they are no longer all kept (or the copy was made again).
    pub fn since(&self, epoch: u64, version: u64) -> Option<(Vec<Arc<Logged>>, u64)> {
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

/// A delta as a worker reads it: the length of the removed quads' N-Quads, them, the length
/// of the inserted quads' N-Quads, them. A message holds one or more.
fn encode(delta: &Delta) -> Vec<u8> {
    let mut message = Vec::new();
    for quads in [&delta.removed, &delta.inserted] {
        let mut nquads = Vec::new();
        for quad in quads {
            nquads.extend_from_slice(quad.to_string().as_bytes());
            nquads.extend_from_slice(b" .\n");
        }
        message.extend((nquads.len() as u64).to_le_bytes());
        message.extend(nquads);
    }
    message
}

/// Applies the deltas of a message of [`encode`]d deltas to `copy`, as one batch.
pub fn apply_encoded(copy: &mut QuadIndex, mut message: &[u8]) -> Result<(), String> {
    let mut deltas = Vec::new();
    while !message.is_empty() {
        let removed = next_quads(&mut message)?;
        let inserted = next_quads(&mut message)?;
        deltas.push(Delta { removed, inserted });
    }
    apply(copy, deltas.iter());
    Ok(())
}

/// The quads of the next length-prefixed N-Quads of `message`, which is moved past them.
fn next_quads(message: &mut &[u8]) -> Result<Vec<Quad>, String> {
    let length = message
        .get(..8)
        .and_then(|n| n.try_into().ok())
        .map(u64::from_le_bytes)
        .ok_or("a delta without its length")? as usize;
    let (nquads, rest) = message[8..]
        .split_at_checked(length)
        .ok_or("a short delta")?;
    *message = rest;
    oxigraph::io::RdfParser::from_format(oxigraph::io::RdfFormat::NQuads)
        .for_slice(nquads)
        .collect::<Result<_, _>>()
        .map_err(|e| e.to_string())
}

impl Replica {
    /// Copies the whole of `source` and keeps following its commits from now on.
    pub fn enable(&self, source: &Store) -> Result<(), StorageError> {
        self.remake(source, false)?;
        self.enabled.store(true, Ordering::Release);
        Ok(())
    }

    /// Makes the copy again from `source`: a new epoch, which no logged delta leads into.
    ///
    /// The new copy is made before the copy's lock is taken (seconds on a large store):
    /// meanwhile queries go on reading the copy as it stood before this commit, which is not
    /// answered yet, and commits wait for the store's write lock that the caller holds. For a
    /// commit, the log's version moves together with the swap, under the copy's lock: moved
    /// before, a query catching up in between would find no delta leading to the new version
    /// and turn the copy off.
    fn remake(&self, source: &Store, commit: bool) -> Result<(), StorageError> {
        let made = copy_of(source)?;
        let mut copy = self.write();
        if commit {
            self.lock_log().version += 1;
        }
        let old = copy.replace(made);
        self.removals.store(0, Ordering::Relaxed);
        {
            let mut log = self.lock_log();
            log.epoch += 1;
            log.deltas.clear();
            self.applied.store(log.version, Ordering::Release);
        }
        drop(copy);
        // Freed once readers may go on.
        drop(old);
        Ok(())
    }

    pub fn is_enabled(&self) -> bool {
        self.enabled.load(Ordering::Acquire)
    }

    /// Records a commit of `source` for the copy. Called under the store's write lock, after
    /// the commit and before it is announced. A failure leaves the copy off (queries go back
    /// to the store itself) rather than stale.
    pub fn follow(&self, source: &Store, replication: Replication) {
        if !self.is_enabled() {
            return;
        }
        let worn = self.removals.load(Ordering::Relaxed) >= RECOPY_AFTER_REMOVALS;
        let outcome = match replication {
            Replication::Delta(delta) if !worn => {
                self.removals
                    .fetch_add(delta.removed.len(), Ordering::Relaxed);
                let behind = {
                    let mut log = self.lock_log();
                    log.version += 1;
                    let version = log.version;
                    let logged = Logged {
                        delta,
                        encoded: OnceLock::new(),
                    };
                    log.deltas.push_back((version, Arc::new(logged)));
                    if log.deltas.len() > LOGGED_DELTAS {
                        log.deltas.pop_front();
                    }
                    version.saturating_sub(self.applied.load(Ordering::Acquire))
                };
                if behind >= APPLY_AFTER_DELTAS {
                    self.catch_up();
                }
                Ok(())
            }
            // A commit all the same: the store's version moves.
            _ => self.remake(source, true),
        };
        if let Err(error) = outcome {
            self.turn_off(&error);
        }
    }

    /// Applies the deltas the copy lacks, as one batch.
    fn catch_up(&self) {
        let mut copy = self.write();
        let Some(index) = copy.as_mut() else {
            return;
        };
        let pending = {
            let log = self.lock_log();
            log.since(log.epoch, self.applied.load(Ordering::Acquire))
        };
        // Never `None`: fewer deltas are left unapplied than the log keeps, and the epoch
        // changes with the copy. Were it to happen, the copy goes off rather than stale.
        let Some((deltas, version)) = pending else {
            drop(copy);
            self.turn_off(&"the log no longer holds the deltas it lacks");
            return;
        };
        apply(index, deltas.iter().map(|logged| &logged.delta));
        self.applied.store(version, Ordering::Release);
    }

    fn turn_off(&self, error: &dyn std::fmt::Display) {
        tracing::error!(%error, "the in-memory copy could not follow a commit: turned off");
        self.enabled.store(false, Ordering::Release);
        *self.write() = None;
    }

    /// The copy with every logged delta applied, read-locked: no change is applied to it
    /// while the guard lives.
    pub fn read(&self) -> Option<RwLockReadGuard<'_, Option<QuadIndex>>> {
        if !self.is_enabled() {
            return None;
        }
        if self.applied.load(Ordering::Acquire) != self.lock_log().version {
            self.catch_up();
        }
        let guard = self
            .copy
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        guard.is_some().then_some(guard)
    }

    /// The version of the log the copy stands at; stable while a guard of [`Replica::read`]
    /// lives.
    pub fn applied(&self) -> u64 {
        self.applied.load(Ordering::Acquire)
    }

    /// Where the store stands, and its latest deltas.
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

/// Applies deltas in order, the insertions of a run of deltas that remove nothing (new
/// resources: the usual write) going into the index together.
fn apply<'a>(copy: &mut QuadIndex, deltas: impl Iterator<Item = &'a Delta>) {
    let mut inserted: Vec<&Quad> = Vec::new();
    for delta in deltas {
        if !delta.removed.is_empty() {
            copy.extend(inserted.drain(..).map(Quad::as_ref));
            for quad in &delta.removed {
                copy.remove(quad.as_ref());
            }
        }
        inserted.extend(&delta.inserted);
    }
    copy.extend(inserted.into_iter().map(Quad::as_ref));
}

/// The copy of `source`, with the resources of each class numbered one after the other (ids
/// are in load order, see `crate::quad_index`): the RocksDB store gives quads in the order of
/// its hashes, which scattered a class's resources over the whole index. Places per region,
/// which reads every place's address, went from 5.4 to 2.8 ms (pledged totals 24.7 → 23.6).
/// The quads themselves are read as a stream, as before: only the typed resources are held.
fn copy_of(source: &Store) -> Result<QuadIndex, StorageError> {
    use oxigraph::model::{NamedOrBlankNode, Term, TermRef};
    // Each resource under each of its classes, the classes in the order met: numbered under
    // its first.
    let mut classes: rustc_hash::FxHashMap<Term, usize> = rustc_hash::FxHashMap::default();
    let mut members: Vec<Vec<NamedOrBlankNode>> = Vec::new();
    for quad in source.quads_for_pattern(None, Some(crate::vocab::RDF_TYPE), None, None) {
        let quad = quad?;
        let class = *classes.entry(quad.object).or_insert_with(|| {
            members.push(Vec::new());
            members.len() - 1
        });
        members[class].push(quad.subject);
    }
    let first = members
        .iter()
        .flatten()
        .map(|subject| TermRef::from(subject.as_ref()));
    QuadIndex::from_quads_numbering(first, source.iter())
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use oxigraph::model::{GraphName, Literal, NamedNode, Term};

    /// A quad of one test graph, told apart by `n`.
    pub(crate) fn quad(n: i64) -> Quad {
        Quad::new(
            NamedNode::new_unchecked("http://x/s"),
            NamedNode::new_unchecked("http://x/p"),
            Literal::from(n),
            GraphName::NamedNode(NamedNode::new_unchecked("http://x/g")),
        )
    }

    /// The resources of one class are numbered one after the other, whatever order the store
    /// gives them in, and the copy holds the store's quads.
    #[test]
    fn the_copy_numbers_a_class_together() {
        let source = Store::new().unwrap();
        let class = |name: &str| NamedNode::new_unchecked(format!("http://x/{name}"));
        for n in 0..200 {
            let subject = NamedNode::new_unchecked(format!("http://x/r{n}"));
            let graph = GraphName::NamedNode(class("g"));
            let kind = class(if n % 2 == 0 { "Place" } else { "Pledge" });
            for (predicate, object) in [
                (crate::vocab::RDF_TYPE.into_owned(), Term::from(kind)),
                (class("amount"), Literal::from(n).into()),
            ] {
                source
                    .insert(&Quad::new(
                        subject.clone(),
                        predicate,
                        object,
                        graph.clone(),
                    ))
                    .unwrap();
            }
        }
        let copy = copy_of(&source).unwrap();
        assert_eq!(sorted(copy.quads()), quads(&source));
        let ids = |parity: usize| -> Vec<u32> {
            (parity..200)
                .step_by(2)
                .map(|n| {
                    let subject = NamedNode::new_unchecked(format!("http://x/r{n}"));
                    copy.id_of(subject.as_ref().into()).unwrap()
                })
                .collect()
        };
        let (places, pledges) = (ids(0), ids(1));
        let apart = places.iter().max() < pledges.iter().min()
            || pledges.iter().max() < places.iter().min();
        assert!(apart, "places {places:?}, pledges {pledges:?}");
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

    /// Deltas left unapplied, then applied together (at a read, or when enough are pending),
    /// give what applying each in turn gives: a quad's last change holds.
    #[test]
    fn deltas_applied_together_give_what_each_in_turn_gives() {
        let source = Store::new().unwrap();
        let replica = Replica::default();
        replica.enable(&source).unwrap();
        let copied = |r: &Replica| sorted(r.read().unwrap().as_ref().unwrap().quads());
        // Inserted then removed, removed then inserted again, inserted twice: in one batch.
        let steps: [(&[i64], &[i64]); 4] = [
            (&[], &[1, 2, 3]),
            (&[2], &[4]),
            (&[4], &[2, 5]),
            (&[], &[5, 6]),
        ];
        for (removed, inserted) in steps {
            for n in removed {
                source.remove(&quad(*n)).unwrap();
            }
            for n in inserted {
                source.insert(&quad(*n)).unwrap();
            }
            replica.follow(
                &source,
                Replication::Delta(Delta {
                    removed: removed.iter().map(|n| quad(*n)).collect(),
                    inserted: inserted.iter().map(|n| quad(*n)).collect(),
                }),
            );
        }
        assert_eq!(replica.applied(), 0, "nothing applied before a read");
        assert_eq!(copied(&replica), quads(&source));
        assert_eq!(replica.applied(), replica.lock_log().version);

        // A long run of writes with no read is applied in batches as it goes.
        for n in 10..10 + APPLY_AFTER_DELTAS as i64 {
            source.insert(&quad(n)).unwrap();
            replica.follow(
                &source,
                Replication::Delta(Delta {
                    removed: Vec::new(),
                    inserted: vec![quad(n)],
                }),
            );
        }
        assert_eq!(replica.applied(), replica.lock_log().version);
        assert_eq!(copied(&replica), quads(&source));
    }

    /// Several encoded deltas in one message are applied as the copy applies them.
    #[test]
    fn an_encoded_run_of_deltas_applies_like_the_deltas() {
        let deltas = [
            Delta {
                removed: Vec::new(),
                inserted: vec![quad(1), quad(2)],
            },
            Delta {
                removed: vec![quad(1)],
                inserted: vec![quad(3)],
            },
            Delta::default(),
        ];
        let mut direct = QuadIndex::default();
        apply(&mut direct, deltas.iter());
        let message: Vec<u8> = deltas.iter().flat_map(encode).collect();
        let mut decoded = QuadIndex::default();
        apply_encoded(&mut decoded, &message).unwrap();
        assert_eq!(sorted(decoded.quads()), sorted(direct.quads()));
        assert_eq!(sorted(direct.quads()), vec![quad(2), quad(3)]);
        assert!(apply_encoded(&mut decoded, &message[..message.len() - 3]).is_err());
    }
}
