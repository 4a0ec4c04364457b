//! The data graph of a proposed write: the store's union of named graphs, plus the quads the
//! write adds, minus the ones it removes from its own graph. Nothing is copied: look-ups go to
//! the store and are corrected by the change.

use super::{rdf::subject_ref, DataGraph, Shapes};
use crate::commits::{Key, Reads};
use oxigraph::model::{
    GraphName, GraphNameRef, NamedNode, NamedNodeRef, NamedOrBlankNode, NamedOrBlankNodeRef, Quad,
    Term, TermRef, Triple, TripleRef,
};
use oxigraph::store::Store;
use std::cell::RefCell;
use std::collections::{HashMap, HashSet, VecDeque};
use std::rc::Rc;
use std::sync::Mutex;

/// A change to one named graph: what it adds and what it removes.
#[derive(Clone, Debug, Default)]
pub struct Change {
    pub add: oxigraph::model::Graph,
    pub remove: oxigraph::model::Graph,
}

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

    fn generation(&self) -> u64 {
        self.lock().generation
    }

    /// The closure of `class`, if kept at `generation` (a view never mixes closures from
    /// before and after a change).
    fn get(&self, generation: u64, class: &Term) -> Option<Vec<Term>> {
        let inner = self.lock();
        if inner.generation != generation || inner.changing > 0 {
            return None;
        }
        inner.by_class.get(class).cloned()
    }

    fn put(&self, generation: u64, class: &Term, closure: &[Term]) {
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

/// What the validation of a change looks at.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Scope {
    /// What a write alters in the union graph: a triple some graph already holds alters
    /// nothing, so its subject is not checked again for it.
    Changes,
    /// Every node the payload speaks of, stored already or not: the dry run of
    /// `POST /validate?context=store` answers for the payload, not for what it would alter.
    Payload,
}

impl Change {
    /// Whether the change adds or removes an `rdfs:subClassOf` triple (the class hierarchy).
    pub fn touches_classes(&self) -> bool {
        let sub_class_of = oxigraph::model::vocab::rdfs::SUB_CLASS_OF;
        self.add
            .triples_for_predicate(sub_class_of)
            .next()
            .is_some()
            || self
                .remove
                .triples_for_predicate(sub_class_of)
                .next()
                .is_some()
    }

    /// The triples the change removes and adds back: the store can leave them as they are.
    pub fn unchanged(&self) -> oxigraph::model::Graph {
        self.remove
            .iter()
            .filter(|t| self.add.contains(*t))
            .collect()
    }

    /// The nodes whose validity a change can alter:
    /// - the subjects of what it adds or removes;
    /// - the objects, when a shape looks at them through that link (`sh:targetObjectsOf`,
    ///   inverse paths);
    /// - when what changed is read from other nodes ([`LinkedReads`](super::shapes::LinkedReads):
    ///   a type for `sh:class`, a property for `sh:node`…), the nodes that reach the changed one
    ///   along the shapes' paths, as many links back as shapes read;
    /// - for a change to the class hierarchy, the instances of the classes below it, and the
    ///   nodes that reach those.
    ///
    /// The dry run (`Scope::Payload`) checks every node of its payload, but reaches further
    /// only from what the payload would change.
    pub fn focus_nodes(&self, view: &StoreView<'_>, shapes: &Shapes, scope: Scope) -> Vec<Term> {
        let linked = &shapes.linked;
        let mut focus = Focus::default();
        // Changed nodes whose readers are concerned, with how many links back.
        let mut concerned: VecDeque<(Term, usize)> = VecDeque::new();
        let mut classes: Vec<Term> = Vec::new();
        let mut note = |t: TripleRef<'_>, changed: bool, focus: &mut Focus| {
            let subject = Term::from(t.subject.into_owned());
            focus.push(subject.clone());
            let predicate = t.predicate.as_str();
            if shapes.reaches_objects.contains(predicate) {
                focus.push(t.object.into_owned());
            }
            if !changed {
                return;
            }
            if linked.every_predicate || linked.subject_side.contains(predicate) {
                concerned.push_back((subject.clone(), linked.reach()));
            }
            if linked.object_side.contains(predicate) {
                concerned.push_back((t.object.into_owned(), linked.reach()));
            }
            if t.predicate == oxigraph::model::vocab::rdfs::SUB_CLASS_OF {
                classes.push(subject);
            }
        };
        for t in self.add.iter() {
            // A triple some graph already holds leaves the union graph as it was (a network
            // re-sending the labels of what its resource links to, say).
            let stored = view.stored_about(t.subject).iter().any(|q| {
                q.subject.as_ref() == t.subject
                    && q.predicate == t.predicate
                    && q.object.as_ref() == t.object
            });
            if stored && scope == Scope::Changes {
                continue;
            }
            note(t, !stored, &mut focus);
        }
        for t in self.remove.iter() {
            // Removed and added back: left as it is.
            if !self.add.contains(t) {
                note(t, true, &mut focus);
            }
        }
        for class in classes {
            for instance in view.instances_of(&class) {
                focus.push(instance.clone());
                concerned.push_back((instance, linked.reach()));
            }
        }
        // The nodes that reach the concerned ones along the shapes' paths, level by level.
        let mut done: HashMap<Term, usize> = HashMap::new();
        while let Some((node, links)) = concerned.pop_front() {
            if links == 0 || done.get(&node).is_some_and(|d| *d >= links) {
                continue;
            }
            done.insert(node.clone(), links);
            for reader in view.readers(&node, linked) {
                focus.push(reader.clone());
                concerned.push_back((reader, links - 1));
            }
        }
        focus.nodes
    }
}

/// Focus nodes in the order found, each once, literals left out.
#[derive(Default)]
struct Focus {
    seen: HashSet<Term>,
    nodes: Vec<Term>,
}

impl Focus {
    fn push(&mut self, t: Term) {
        if !matches!(t, Term::Literal(_)) && self.seen.insert(t.clone()) {
            self.nodes.push(t);
        }
    }
}

/// Stored quads shared between the caches of a view and their readers.
type Quads = Rc<[Quad]>;

pub struct StoreView<'a> {
    store: &'a Store,
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
        store: &'a Store,
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
    fn readers(&self, node: &Term, linked: &super::shapes::LinkedReads) -> Vec<Term> {
        let mut readers = Vec::new();
        if let Term::Literal(literal) = node {
            // Keyed by predicate: a look-up by a literal alone would conflict with any commit.
            for p in &linked.forward_links {
                let p = NamedNodeRef::new_unchecked(p);
                readers.extend(
                    self.stored_quads(None, Some(p), Some(literal.into()))
                        .map(|q| Term::from(q.subject)),
                );
            }
            return readers;
        }
        if !linked.forward_links.is_empty() {
            readers.extend(
                self.stored_quads(None, None, Some(node.as_ref()))
                    .filter(|q| linked.forward_links.contains(q.predicate.as_str()))
                    .map(|q| Term::from(q.subject)),
            );
        }
        if let (Some(subject), false) = (subject_ref(node), linked.inverse_links.is_empty()) {
            readers.extend(
                self.stored_quads(Some(subject), None, None)
                    .filter(|q| linked.inverse_links.contains(q.predicate.as_str()))
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
    fn stored_about(&self, s: NamedOrBlankNodeRef<'_>) -> Rc<[Quad]> {
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
            .quads_for_pattern(s, p, o, None)
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
            return super::subclass_closure(self, class);
        };
        if let Some(closure) = cache.get(generation, class) {
            return closure;
        }
        let closure = super::subclass_closure(self, class);
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
