//! The data graph of a proposed write: the store's union of named graphs, plus the quads the
//! write adds, minus the ones it removes from its own graph. Nothing is copied: look-ups go to
//! the store (or its in-memory copy, see `crate::reading`) and are corrected by the change.

use super::{Change, ClassCache};
use crate::commits::{Key, Reads};
use crate::reading;
use oxigraph::model::{
    GraphName, GraphNameRef, NamedNode, NamedNodeRef, NamedOrBlankNode, NamedOrBlankNodeRef, Quad,
    Term, TermRef, Triple, TripleRef,
};
use shacl::{subject_ref, DataGraph, LinkedReads};
use std::cell::RefCell;
use std::collections::{HashMap, HashSet};
use std::rc::Rc;

/// Stored quads shared between the caches of a view and their readers.
type Quads = Rc<[Quad]>;

pub struct StoreView<'a> {
    store: &'a dyn reading::Quads,
    graph: GraphName,
    change: &'a Change,
    /// What the store says about the subjects of the change, read once: their validation asks
    /// for one property after another, and each store look-up is a RocksDB seek.
    about: RefCell<HashMap<NamedOrBlankNode, Quads>>,
    /// The values of one property of other nodes (the types of linked resources…), read once:
    /// all that is said about them may be much more than what is asked.
    values: RefCell<HashMap<(NamedOrBlankNode, NamedNode), Quads>>,
    /// Kept class closures, when the change leaves the class hierarchy as stored.
    classes: Option<(&'a ClassCache, u64)>,
    /// Where the view looked in the store, for the write's conflict check.
    reads: RefCell<Reads>,
}

impl<'a> StoreView<'a> {
    pub fn new(
        store: &'a dyn reading::Quads,
        classes: &'a ClassCache,
        graph: NamedNodeRef<'_>,
        change: &'a Change,
    ) -> Self {
        Self {
            store,
            graph: graph.into_owned().into(),
            change,
            about: RefCell::default(),
            values: RefCell::default(),
            classes: (!change.touches_classes()).then(|| (classes, classes.generation())),
            reads: RefCell::default(),
        }
    }

    /// Where the view looked in the store so far.
    pub fn into_reads(self) -> Reads {
        self.reads.into_inner()
    }

    /// The stored nodes one link from `node` along the shapes' paths: subjects of `s p node`
    /// for the predicates paths follow forwards, objects of `node p o` for those they follow
    /// backwards.
    pub(super) fn readers(&self, node: &Term, linked: &LinkedReads) -> Vec<Term> {
        let mut readers = Vec::new();
        if let Term::Literal(literal) = node {
            // Keyed by predicate: a look-up by a literal alone would conflict with any commit.
            for p in linked.forward_links() {
                let p = NamedNodeRef::new_unchecked(p);
                readers.extend(
                    self.stored_quads(None, Some(p), Some(literal.into()))
                        .map(|q| Term::from(q.subject)),
                );
            }
            return readers;
        }
        if !linked.forward_links().is_empty() {
            readers.extend(
                self.stored_quads(None, None, Some(node.as_ref()))
                    .filter(|q| linked.forward_links().contains(q.predicate.as_str()))
                    .map(|q| Term::from(q.subject)),
            );
        }
        if let (Some(subject), false) = (subject_ref(node), linked.inverse_links().is_empty()) {
            readers.extend(
                self.stored_quads(Some(subject), None, None)
                    .filter(|q| linked.inverse_links().contains(q.predicate.as_str()))
                    .map(|q| q.object),
            );
        }
        readers
    }

    /// Notes a look-up by its most selective bound position.
    fn record(
        &self,
        s: Option<NamedOrBlankNodeRef<'_>>,
        p: Option<NamedNodeRef<'_>>,
        o: Option<TermRef<'_>>,
    ) {
        let key = match (s, p, o) {
            (Some(s), _, _) => Key::Subject(s.into_owned()),
            // The store matches literals by value ("01" and "1" as integers are one term), so
            // no literal is a key: the look-up is keyed by its predicate instead.
            (None, _, Some(o)) if !o.is_literal() => Key::Object(o.into_owned()),
            (None, Some(p), _) => Key::Predicate(p.into_owned()),
            (None, None, _) => {
                self.reads.borrow_mut().everything = true;
                return;
            }
        };
        self.reads.borrow_mut().keys.insert(key);
    }

    /// Whether the change's own graph already holds this triple.
    pub fn holds(&self, t: TripleRef<'_>) -> bool {
        self.stored_about(t.subject).iter().any(|q| {
            q.graph_name == self.graph
                && q.predicate == t.predicate
                && q.object.as_ref() == t.object
        })
    }

    /// The stored quads of `s` with predicate `p`.
    fn stored_values(&self, s: NamedOrBlankNodeRef<'_>, p: &NamedNode) -> Rc<[Quad]> {
        let key = (s.into_owned(), p.clone());
        if let Some(found) = self.values.borrow().get(&key) {
            return Rc::clone(found);
        }
        let changed = self.change.add.triples_for_subject(s).next().is_some()
            || self.change.remove.triples_for_subject(s).next().is_some();
        let found: Rc<[Quad]> = if changed || self.about.borrow().contains_key(&key.0) {
            self.stored_about(s)
                .iter()
                .filter(|q| q.predicate == *p)
                .cloned()
                .collect()
        } else {
            self.stored_quads(Some(s), Some(p.as_ref()), None).collect()
        };
        self.values.borrow_mut().insert(key, Rc::clone(&found));
        found
    }

    /// The stored quads of a subject, read from the store once per view.
    pub(super) fn stored_about(&self, s: NamedOrBlankNodeRef<'_>) -> Rc<[Quad]> {
        if let Some(found) = self.about.borrow().get(&s.into_owned()) {
            return Rc::clone(found);
        }
        let found: Rc<[Quad]> = self.stored_quads(Some(s), None, None).collect();
        self.about
            .borrow_mut()
            .insert(s.into_owned(), Rc::clone(&found));
        found
    }

    /// The store's triples for a pattern, without those the change removes from its graph.
    fn stored(
        &self,
        s: Option<NamedOrBlankNodeRef<'_>>,
        p: Option<NamedNodeRef<'_>>,
        o: Option<TermRef<'_>>,
    ) -> impl Iterator<Item = Triple> + '_ {
        self.stored_quads(s, p, o).map(Triple::from)
    }

    fn stored_quads(
        &self,
        s: Option<NamedOrBlankNodeRef<'_>>,
        p: Option<NamedNodeRef<'_>>,
        o: Option<TermRef<'_>>,
    ) -> impl Iterator<Item = Quad> + '_ {
        self.record(s, p, o);
        self.store
            .matching(s, p, o, None)
            .filter_map(Result::ok)
            .filter(move |q| {
                q.graph_name.as_ref() != GraphNameRef::DefaultGraph
                    && !(q.graph_name == self.graph
                        && self.change.remove.contains(oxigraph::model::TripleRef::new(
                            &q.subject,
                            &q.predicate,
                            &q.object,
                        )))
            })
    }

    fn unique<T: Eq + std::hash::Hash + Clone>(items: impl Iterator<Item = T>) -> Vec<T> {
        let mut seen = HashSet::new();
        items.filter(|i| seen.insert(i.clone())).collect()
    }
}

impl DataGraph for StoreView<'_> {
    fn superclasses(&self, class: &Term) -> Vec<Term> {
        let Some((cache, generation)) = self.classes.filter(|_| class.is_named_node()) else {
            return shacl::subclass_closure(self, class);
        };
        if let Some(closure) = cache.get(generation, class) {
            return closure;
        }
        let closure = shacl::subclass_closure(self, class);
        cache.put(generation, class, &closure);
        closure
    }

    fn objects(&self, subject: &Term, predicate: &NamedNode) -> Vec<Term> {
        let Some(s) = subject_ref(subject) else {
            return Vec::new();
        };
        let added = self
            .change
            .add
            .objects_for_subject_predicate(s, predicate)
            .map(TermRef::into_owned);
        let stored = self.stored_values(s, predicate);
        Self::unique(stored.iter().map(|q| q.object.clone()).chain(added))
    }

    fn subjects(&self, predicate: &NamedNode, object: &Term) -> Vec<Term> {
        let added = self
            .change
            .add
            .subjects_for_predicate_object(predicate, object)
            .map(|s| Term::from(s.into_owned()));
        Self::unique(
            self.stored(None, Some(predicate.as_ref()), Some(object.as_ref()))
                .map(|t| Term::from(t.subject))
                .chain(added),
        )
    }

    fn contains(&self, subject: &Term, predicate: &NamedNode, object: &Term) -> bool {
        let Some(s) = subject_ref(subject) else {
            return false;
        };
        let triple = oxigraph::model::TripleRef::new(s, predicate, object);
        self.change.add.contains(triple)
            || self
                .stored_values(s, predicate)
                .iter()
                .any(|q| q.object == *object)
    }

    fn subjects_with_predicate(&self, predicate: &NamedNode) -> Vec<Term> {
        let added = self
            .change
            .add
            .triples_for_predicate(predicate)
            .map(|t| Term::from(t.subject.into_owned()));
        Self::unique(
            self.stored(None, Some(predicate.as_ref()), None)
                .map(|t| Term::from(t.subject))
                .chain(added),
        )
    }

    fn objects_with_predicate(&self, predicate: &NamedNode) -> Vec<Term> {
        let added = self
            .change
            .add
            .triples_for_predicate(predicate)
            .map(|t| t.object.into_owned());
        Self::unique(
            self.stored(None, Some(predicate.as_ref()), None)
                .map(|t| t.object)
                .chain(added),
        )
    }

    fn predicates_of(&self, subject: &Term) -> Vec<NamedNode> {
        let Some(s) = subject_ref(subject) else {
            return Vec::new();
        };
        let added = self
            .change
            .add
            .triples_for_subject(s)
            .map(|t| t.predicate.into_owned());
        let stored = self.stored_about(s);
        Self::unique(stored.iter().map(|t| t.predicate.clone()).chain(added))
    }
}
