//! What the engine reads of the data: the [`DataGraph`] trait, implemented here for an
//! in-memory [`Graph`]; a store (or a store seen through a pending change) implements it too.

use std::collections::{HashSet, VecDeque};

use oxrdf::vocab::{rdf as rdf_vocab, rdfs};
use oxrdf::{Graph, NamedNode, Term, TermRef};

use crate::path;
use crate::rdf::subject_ref;

/// Read access to the data graph.
///
/// Results may contain duplicates (e.g. a union of named graphs); the engine
/// deduplicates where SHACL semantics need sets.
pub trait DataGraph {
    /// Objects of `subject predicate ?o`; empty for literal subjects.
    fn objects(&self, subject: &Term, predicate: &NamedNode) -> Vec<Term>;
    fn subjects(&self, predicate: &NamedNode, object: &Term) -> Vec<Term>;
    fn contains(&self, subject: &Term, predicate: &NamedNode, object: &Term) -> bool;
    /// For `sh:targetSubjectsOf`.
    fn subjects_with_predicate(&self, predicate: &NamedNode) -> Vec<Term>;
    /// For `sh:targetObjectsOf`.
    fn objects_with_predicate(&self, predicate: &NamedNode) -> Vec<Term>;
    /// For `sh:closed`.
    fn predicates_of(&self, subject: &Term) -> Vec<NamedNode>;

    /// SHACL instances of `class`: nodes with `rdf:type` of `class` or of one of its
    /// `rdfs:subClassOf*` descendants. Override if the store can do better.
    fn instances_of(&self, class: &Term) -> Vec<Term> {
        let rdf_type = rdf_vocab::TYPE.into_owned();
        let sub_class_of = rdfs::SUB_CLASS_OF.into_owned();
        let mut classes = HashSet::from([class.clone()]);
        let mut queue = VecDeque::from([class.clone()]);
        let mut out = Vec::new();
        let mut seen = HashSet::new();
        while let Some(c) = queue.pop_front() {
            for instance in self.subjects(&rdf_type, &c) {
                if seen.insert(instance.clone()) {
                    out.push(instance);
                }
            }
            for sub in self.subjects(&sub_class_of, &c) {
                if classes.insert(sub.clone()) {
                    queue.push_back(sub);
                }
            }
        }
        out
    }

    /// `class` itself and all its `rdfs:subClassOf` ancestors. Override to keep them across
    /// validations.
    fn superclasses(&self, class: &Term) -> Vec<Term> {
        subclass_closure(self, class)
    }

    /// Whether `node` is a SHACL instance of `class` (see [`DataGraph::instances_of`]).
    fn is_instance_of(&self, node: &Term, class: &Term) -> bool {
        let sub_class_of = rdfs::SUB_CLASS_OF.into_owned();
        let mut seen = HashSet::new();
        let mut queue: VecDeque<Term> = self.objects(node, &rdf_vocab::TYPE.into_owned()).into();
        while let Some(c) = queue.pop_front() {
            if &c == class {
                return true;
            }
            if seen.insert(c.clone()) {
                queue.extend(self.objects(&c, &sub_class_of));
            }
        }
        false
    }
}

impl DataGraph for Graph {
    fn objects(&self, subject: &Term, predicate: &NamedNode) -> Vec<Term> {
        match subject_ref(subject) {
            Some(s) => self
                .objects_for_subject_predicate(s, predicate)
                .map(TermRef::into_owned)
                .collect(),
            None => Vec::new(),
        }
    }

    fn subjects(&self, predicate: &NamedNode, object: &Term) -> Vec<Term> {
        self.subjects_for_predicate_object(predicate, object)
            .map(|s| s.into_owned().into())
            .collect()
    }

    fn contains(&self, subject: &Term, predicate: &NamedNode, object: &Term) -> bool {
        subject_ref(subject)
            .is_some_and(|s| Graph::contains(self, oxrdf::TripleRef::new(s, predicate, object)))
    }

    fn subjects_with_predicate(&self, predicate: &NamedNode) -> Vec<Term> {
        let mut out: Vec<Term> = self
            .triples_for_predicate(predicate)
            .map(|t| t.subject.into_owned().into())
            .collect();
        path::dedup(&mut out);
        out
    }

    fn objects_with_predicate(&self, predicate: &NamedNode) -> Vec<Term> {
        let mut out: Vec<Term> = self
            .triples_for_predicate(predicate)
            .map(|t| t.object.into_owned())
            .collect();
        path::dedup(&mut out);
        out
    }

    fn predicates_of(&self, subject: &Term) -> Vec<NamedNode> {
        let Some(s) = subject_ref(subject) else {
            return Vec::new();
        };
        let mut out: Vec<NamedNode> = Vec::new();
        for t in self.triples_for_subject(s) {
            if out.last().is_none_or(|last| last.as_ref() != t.predicate) {
                out.push(t.predicate.into_owned());
            }
        }
        out.dedup();
        out
    }
}

/// `class` itself and all its `rdfs:subClassOf` ancestors in `data`.
pub fn subclass_closure<D: DataGraph + ?Sized>(data: &D, class: &Term) -> Vec<Term> {
    let sub_class_of = rdfs::SUB_CLASS_OF.into_owned();
    let mut seen = vec![class.clone()];
    let mut queue = VecDeque::from([class.clone()]);
    while let Some(c) = queue.pop_front() {
        for sup in data.objects(&c, &sub_class_of) {
            if !seen.contains(&sup) {
                seen.push(sup.clone());
                queue.push_back(sup);
            }
        }
    }
    seen
}
