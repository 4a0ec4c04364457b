//! The data graph of a proposed write: the store's union of named graphs, plus the quads the
//! write adds, minus the ones it removes from its own graph. Nothing is copied: look-ups go to
//! the store and are corrected by the change.

use super::{rdf::subject_ref, DataGraph, Shapes};
use oxigraph::model::{
    GraphName, GraphNameRef, NamedNode, NamedNodeRef, NamedOrBlankNodeRef, Term, TermRef, Triple,
};
use oxigraph::store::Store;
use std::collections::HashSet;

/// A change to one named graph: what it adds and what it removes.
#[derive(Clone, Debug, Default)]
pub struct Change {
    pub add: oxigraph::model::Graph,
    pub remove: oxigraph::model::Graph,
}

impl Change {
    /// The triples the change removes and adds back: the store can leave them as they are.
    pub fn unchanged(&self) -> oxigraph::model::Graph {
        self.remove
            .iter()
            .filter(|t| self.add.contains(*t))
            .collect()
    }

    /// The nodes whose validity a change can alter: subjects of what it adds, objects of what
    /// it adds when a shape looks at them through that link (`sh:targetObjectsOf`, inverse
    /// paths), subjects of what it removes, and — when something is removed — the nodes that
    /// point to a changed subject (their links may have lost their target). A link's target
    /// is otherwise checked from the subject's side (`sh:class`, `sh:node`…).
    pub fn focus_nodes(&self, view: &StoreView<'_>, shapes: &Shapes) -> Vec<Term> {
        let mut seen = HashSet::new();
        let mut focus = Vec::new();
        let mut push = |t: Term, focus: &mut Vec<Term>| {
            if !matches!(t, Term::Literal(_)) && seen.insert(t.clone()) {
                focus.push(t);
            }
        };
        for t in self.add.iter() {
            push(t.subject.into_owned().into(), &mut focus);
            if shapes.reaches_objects.contains(t.predicate.as_str()) {
                push(t.object.into_owned(), &mut focus);
            }
        }
        let mut removed_subjects = Vec::new();
        let mut seen_removed = HashSet::new();
        for t in self.remove.iter() {
            let subject = Term::from(t.subject.into_owned());
            if seen_removed.insert(subject.clone()) {
                removed_subjects.push(subject);
            }
            if shapes.reaches_objects.contains(t.predicate.as_str()) {
                push(t.object.into_owned(), &mut focus);
            }
        }
        for s in &removed_subjects {
            push(s.clone(), &mut focus);
            if let Some(subject) = subject_ref(s) {
                for q in view
                    .store
                    .quads_for_pattern(
                        None,
                        None,
                        Some(Term::from(subject.into_owned()).as_ref()),
                        None,
                    )
                    .flatten()
                {
                    push(q.subject.into(), &mut focus);
                }
            }
        }
        focus
    }
}

pub struct StoreView<'a> {
    store: &'a Store,
    graph: GraphName,
    change: &'a Change,
}

impl<'a> StoreView<'a> {
    pub fn new(store: &'a Store, graph: NamedNodeRef<'_>, change: &'a Change) -> Self {
        Self {
            store,
            graph: graph.into_owned().into(),
            change,
        }
    }

    /// The store's quads for a pattern, without those the change removes from its graph.
    fn stored(
        &self,
        s: Option<NamedOrBlankNodeRef<'_>>,
        p: Option<NamedNodeRef<'_>>,
        o: Option<TermRef<'_>>,
    ) -> impl Iterator<Item = Triple> + '_ {
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
            .map(Triple::from)
    }

    fn unique<T: Eq + std::hash::Hash + Clone>(items: impl Iterator<Item = T>) -> Vec<T> {
        let mut seen = HashSet::new();
        items.filter(|i| seen.insert(i.clone())).collect()
    }
}

impl DataGraph for StoreView<'_> {
    fn objects(&self, subject: &Term, predicate: &NamedNode) -> Vec<Term> {
        let Some(s) = subject_ref(subject) else {
            return Vec::new();
        };
        let added = self
            .change
            .add
            .objects_for_subject_predicate(s, predicate)
            .map(TermRef::into_owned);
        Self::unique(
            self.stored(Some(s), Some(predicate.as_ref()), None)
                .map(|t| t.object)
                .chain(added),
        )
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
                .stored(Some(s), Some(predicate.as_ref()), Some(object.as_ref()))
                .next()
                .is_some()
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
        Self::unique(
            self.stored(Some(s), None, None)
                .map(|t| t.predicate)
                .chain(added),
        )
    }
}
