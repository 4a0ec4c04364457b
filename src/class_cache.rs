//! The `rdfs:subClassOf` closures of the store's classes, kept across validations.

use oxigraph::model::Term;
use std::collections::HashMap;
use std::sync::Mutex;

/// The `rdfs:subClassOf` closures of the store's classes, kept across validations: every typed
/// node needs the ancestors of its classes, and the class hierarchy (the ontology) changes
/// almost never. Whoever changes the store without saying which triples (SPARQL Update, loads)
/// or writes a subClassOf triple does it [`while_changing`](Self::while_changing) the cache.
#[derive(Default)]
pub struct ClassCache {
    inner: Mutex<Closures>,
}

#[derive(Default)]
struct Closures {
    /// Counts the changes begun and ended: a closure is kept and read at one generation only.
    generation: u64,
    /// Changes running (one at a time under the write lock, but nothing relies on it).
    changing: usize,
    by_class: HashMap<Term, Vec<Term>>,
}

const MAX_KEPT_CLASSES: usize = 4096;

impl ClassCache {
    /// Runs a change that may touch the class hierarchy. Meanwhile, and until it ends,
    /// closures are neither read nor kept: a validation computes them from the store, as it
    /// is, and none computed before the change is read after it.
    pub fn while_changing<T>(&self, change: impl FnOnce() -> T) -> T {
        /// Ends the change, even if it panics.
        struct Ending<'a>(&'a ClassCache);
        impl Drop for Ending<'_> {
            fn drop(&mut self) {
                let mut inner = self.0.lock();
                inner.generation += 1;
                inner.changing -= 1;
                inner.by_class.clear();
            }
        }
        {
            let mut inner = self.lock();
            inner.generation += 1;
            inner.changing += 1;
            inner.by_class.clear();
        }
        let _ending = Ending(self);
        change()
    }

    pub(super) fn generation(&self) -> u64 {
        self.lock().generation
    }

    /// The closure of `class`, if kept at `generation` (a view never mixes closures from
    /// before and after a change).
    pub(super) fn get(&self, generation: u64, class: &Term) -> Option<Vec<Term>> {
        let inner = self.lock();
        if inner.generation != generation || inner.changing > 0 {
            return None;
        }
        inner.by_class.get(class).cloned()
    }

    pub(super) fn put(&self, generation: u64, class: &Term, closure: &[Term]) {
        let mut inner = self.lock();
        // Bounded: anyone may send types to `POST /validate`, and made-up classes are kept
        // too (their closure is themselves); the ontology's classes come first.
        if inner.generation == generation
            && inner.changing == 0
            && inner.by_class.len() < MAX_KEPT_CLASSES
        {
            inner.by_class.insert(class.clone(), closure.to_vec());
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Closures> {
        self.inner
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}
