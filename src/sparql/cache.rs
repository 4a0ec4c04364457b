//! Answers kept for the store's current version: partner dashboards send the same queries again
//! and again, and between two commits the same query on the same dataset gives the same answer.
//! Any commit makes every kept answer stale at once (they are kept for one version only);
//! memory is bounded (`kept_answers_bytes`), and an answer over a sixteenth of it is not kept.

use super::ResultFormat;
use bytes::Bytes;
use std::collections::{HashMap, VecDeque};
use std::sync::Mutex;

/// The largest answer kept: a sixteenth of the budget.
const SHARE: usize = 16;

pub struct AnswerCache {
    /// What the kept answers may take in all (0: none is kept).
    budget: usize,
    kept: Mutex<Kept>,
}

#[derive(Default)]
struct Kept {
    version: u64,
    answers: HashMap<String, Bytes>,
    /// Insertion order, for giving the oldest up when over budget.
    order: VecDeque<String>,
    bytes: usize,
}

/// Whether a query's answer may change without a commit: SERVICE calls, clocks, random
/// numbers, fresh identifiers (looked for in the text without its white space, so `NOW ()`
/// is seen too). Such answers are not kept.
pub fn is_volatile(text: &str) -> bool {
    let squeezed: String = text
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect::<String>()
        .to_ascii_uppercase();
    const VOLATILE: [&str; 6] = ["SERVICE", "NOW(", "RAND(", "UUID(", "STRUUID(", "BNODE("];
    VOLATILE.iter().any(|v| squeezed.contains(v))
}

/// What identifies an answer at a version: the format, the protocol's dataset and the query's
/// text (the base IRI is the server's, the same for all). The text comes last and IRIs hold no
/// white space, so the parts cannot run into each other.
pub fn key<'a>(
    text: &str,
    default_graphs: impl IntoIterator<Item = &'a str>,
    named_graphs: impl IntoIterator<Item = &'a str>,
    format: ResultFormat,
) -> String {
    let joined = |iris: &mut dyn Iterator<Item = &'a str>| iris.collect::<Vec<_>>().join(" ");
    format!(
        "{}\n{}\n{}\n{text}",
        format.media_type(),
        joined(&mut default_graphs.into_iter()),
        joined(&mut named_graphs.into_iter()),
    )
}

/// A short, stable tag of an answer at a version (for `ETag`).
pub fn tag(key: &str, version: u64) -> String {
    use std::hash::{Hash, Hasher};
    let mut hasher = std::hash::DefaultHasher::new();
    key.hash(&mut hasher);
    format!("W/\"q{version:x}-{:016x}\"", hasher.finish())
}

impl AnswerCache {
    pub fn new(budget: usize) -> Self {
        Self {
            budget,
            kept: Mutex::default(),
        }
    }

    pub fn get(&self, key: &str, version: u64) -> Option<Bytes> {
        let kept = self.lock();
        (kept.version == version)
            .then(|| kept.answers.get(key).cloned())
            .flatten()
    }

    /// Keeps an answer computed at `version` (read before evaluating: an answer computed
    /// while a commit landed is kept for the older version, and never served).
    pub fn put(&self, key: String, version: u64, answer: Bytes) {
        if answer.len() > self.budget / SHARE {
            return;
        }
        let mut kept = self.lock();
        if version < kept.version {
            return;
        }
        if version > kept.version {
            *kept = Kept {
                version,
                ..Kept::default()
            };
        }
        kept.bytes += answer.len();
        if let Some(old) = kept.answers.insert(key.clone(), answer) {
            kept.bytes -= old.len();
        } else {
            kept.order.push_back(key);
        }
        while kept.bytes > self.budget {
            let Some(oldest) = kept.order.pop_front() else {
                break;
            };
            if let Some(old) = kept.answers.remove(&oldest) {
                kept.bytes -= old.len();
            }
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Kept> {
        self.kept
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const BUDGET_BYTES: usize = 64 << 10;
    const LARGEST_BYTES: usize = BUDGET_BYTES / SHARE;

    #[test]
    fn answers_are_kept_for_one_version_within_the_budget() {
        let cache = AnswerCache::new(BUDGET_BYTES);
        cache.put("q".into(), 3, Bytes::from_static(b"a"));
        assert_eq!(cache.get("q", 3).as_deref(), Some(&b"a"[..]));
        assert!(cache.get("q", 4).is_none(), "a commit makes it stale");
        cache.put("r".into(), 4, Bytes::from_static(b"b"));
        assert!(cache.get("q", 3).is_none(), "older versions are dropped");
        cache.put("late".into(), 3, Bytes::from_static(b"c"));
        assert!(
            cache.get("late", 3).is_none(),
            "an answer from before is not kept"
        );
        let big = Bytes::from(vec![0; LARGEST_BYTES]);
        for i in 0..(BUDGET_BYTES / LARGEST_BYTES + 2) {
            cache.put(format!("big{i}"), 4, big.clone());
        }
        assert!(cache.lock().bytes <= BUDGET_BYTES);
        assert!(cache.get("big0", 4).is_none(), "the oldest gave way");
        assert!(cache
            .get(&format!("big{}", BUDGET_BYTES / LARGEST_BYTES + 1), 4)
            .is_some());
    }
}
