//! The store's commits as a version number, and what the latest ones touched: a write prepared
//! and validated before it took the write lock commits only if no commit since then touched
//! what it read (optimistic concurrency); a representation rendered at a version is reused
//! while the version stands.

use oxigraph::model::{NamedNode, NamedOrBlankNode, Term, TripleRef};
use std::collections::{HashSet, VecDeque};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;

/// Where a read looked, or a commit wrote: a read of a subject's triples is altered only by a
/// commit that adds or removes a triple of that subject, and likewise for objects and
/// predicates. Keeping the position apart means that linking to a resource (object) does not
/// disturb a read of that resource's own triples (subject).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Key {
    Subject(NamedOrBlankNode),
    Object(Term),
    Predicate(NamedNode),
}

impl Key {
    /// What the log keeps of a key: a hash, so that a commit's entry stays small whatever its
    /// terms (two keys sharing a hash only make a conflict of what was none).
    fn id(&self) -> u64 {
        use std::hash::{Hash, Hasher};
        let mut hasher = std::hash::DefaultHasher::new();
        self.hash(&mut hasher);
        hasher.finish()
    }
}

/// What a validation read, as keys; `everything` when a read had no bound position.
#[derive(Clone, Debug, Default)]
pub struct Reads {
    pub keys: HashSet<Key>,
    pub everything: bool,
}

/// What a commit touched (see [`Key::id`]): `None` when it is not known (SPARQL Update, file
/// loads), for large commits, or when it changed the class hierarchy, which every validation
/// reads through kept closures.
pub type Touched = Option<HashSet<u64>>;

/// The keys a commit touches by adding or removing `triple`. Literals are no keys: the store
/// matches them by value, and reads of a literal are keyed by their predicate.
pub fn touch(keys: &mut HashSet<u64>, triple: TripleRef<'_>) {
    keys.insert(Key::Subject(triple.subject.into_owned()).id());
    keys.insert(Key::Predicate(triple.predicate.into_owned()).id());
    if !triple.object.is_literal() {
        keys.insert(Key::Object(triple.object.into_owned()).id());
    }
}

/// How many commits are remembered: an optimistic write that saw an older version gives way.
const REMEMBERED: usize = 256;

#[derive(Default)]
pub struct CommitLog {
    version: AtomicU64,
    recent: Mutex<VecDeque<(u64, Touched)>>,
}

impl CommitLog {
    /// The number of commits so far. Read it before reading the store: a commit landing
    /// meanwhile makes what was read look stale, never the other way round.
    pub fn version(&self) -> u64 {
        self.version.load(Ordering::Acquire)
    }

    /// Records a commit (or a failed attempt) once its effects are visible.
    pub fn committed(&self, touched: Touched) {
        let mut recent = self.lock();
        let version = self.version.load(Ordering::Acquire) + 1;
        recent.push_back((version, touched));
        if recent.len() > REMEMBERED {
            recent.pop_front();
        }
        self.version.store(version, Ordering::Release);
    }

    /// Whether a commit after version `seen` touched anything `reads` looked at (or may have,
    /// when it is no longer remembered).
    pub fn conflicts(&self, seen: u64, reads: &Reads) -> bool {
        let recent = self.lock();
        let now = self.version.load(Ordering::Acquire);
        if now == seen {
            return false;
        }
        if reads.everything || recent.front().is_none_or(|(first, _)| *first > seen + 1) {
            return true;
        }
        let read: Vec<u64> = reads.keys.iter().map(Key::id).collect();
        recent
            .iter()
            .filter(|(version, _)| *version > seen)
            .any(|(_, touched)| match touched {
                None => true,
                Some(keys) => read.iter().any(|k| keys.contains(k)),
            })
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, VecDeque<(u64, Touched)>> {
        self.recent
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use oxigraph::model::{Literal, NamedNodeRef};

    fn node(iri: &str) -> NamedNode {
        NamedNode::new_unchecked(iri)
    }

    fn reads(keys: impl IntoIterator<Item = Key>) -> Reads {
        Reads {
            keys: keys.into_iter().collect(),
            everything: false,
        }
    }

    #[test]
    fn a_commit_conflicts_with_the_reads_of_what_it_touched_only() {
        let log = CommitLog::default();
        let seen = log.version();
        let mut keys = HashSet::new();
        touch(
            &mut keys,
            TripleRef::new(
                NamedNodeRef::new_unchecked("http://x/a"),
                NamedNodeRef::new_unchecked("http://x/link"),
                NamedNodeRef::new_unchecked("http://x/b"),
            ),
        );
        touch(
            &mut keys,
            TripleRef::new(
                NamedNodeRef::new_unchecked("http://x/a"),
                NamedNodeRef::new_unchecked("http://x/code"),
                &Literal::from(1),
            ),
        );
        assert_eq!(keys.len(), 4, "no key for the literal");
        log.committed(Some(keys));
        assert_eq!(log.version(), seen + 1);
        // Its subject's triples and its object's incoming links changed…
        assert!(log.conflicts(seen, &reads([Key::Subject(node("http://x/a").into())])));
        assert!(log.conflicts(seen, &reads([Key::Object(node("http://x/b").into())])));
        // …not the triples of what it links to, nor anything for a later reader.
        assert!(!log.conflicts(seen, &reads([Key::Subject(node("http://x/b").into())])));
        assert!(!log.conflicts(seen + 1, &reads([Key::Subject(node("http://x/a").into())])));
        // A read with no bound position conflicts with any commit.
        let all = Reads {
            everything: true,
            ..Reads::default()
        };
        assert!(log.conflicts(seen, &all));
    }

    #[test]
    fn unknown_or_forgotten_commits_conflict() {
        let log = CommitLog::default();
        log.committed(None);
        let untouched = reads([Key::Subject(node("http://x/z").into())]);
        assert!(log.conflicts(0, &untouched));
        let seen = log.version();
        for _ in 0..=REMEMBERED {
            log.committed(Some(HashSet::new()));
        }
        assert!(log.conflicts(seen, &untouched), "older than remembered");
        assert!(!log.conflicts(seen + 2, &untouched));
    }
}
