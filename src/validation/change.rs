//! A proposed write to one named graph, and the nodes whose validity it can alter.

use super::StoreView;
use oxigraph::model::{Graph, Term, TripleRef};
use shacl::{DataGraph, Shapes};
use std::collections::{HashMap, HashSet, VecDeque};

/// A change to one named graph: what it adds and what it removes.
#[derive(Clone, Debug, Default)]
pub struct Change {
    pub add: Graph,
    pub remove: Graph,
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
    pub fn unchanged(&self) -> Graph {
        self.remove
            .iter()
            .filter(|t| self.add.contains(*t))
            .collect()
    }

    /// The nodes whose validity a change can alter:
    /// - the subjects of what it adds or removes;
    /// - the objects, when a shape looks at them through that link (`sh:targetObjectsOf`,
    ///   inverse paths);
    /// - when what changed is read from other nodes ([`LinkedReads`](shacl::LinkedReads):
    ///   a type for `sh:class`, a property for `sh:node`…), the nodes that reach the changed one
    ///   along the shapes' paths, as many links back as shapes read;
    /// - for a change to the class hierarchy, the instances of the classes below it, and the
    ///   nodes that reach those.
    ///
    /// The dry run (`Scope::Payload`) checks every node of its payload, but reaches further
    /// only from what the payload would change.
    pub fn focus_nodes(&self, view: &StoreView<'_>, shapes: &Shapes, scope: Scope) -> Vec<Term> {
        let linked = shapes.linked_reads();
        let mut focus = Focus::default();
        // Changed nodes whose readers are concerned, with how many links back.
        let mut concerned: VecDeque<(Term, usize)> = VecDeque::new();
        let mut classes: Vec<Term> = Vec::new();
        let mut note = |t: TripleRef<'_>, changed: bool, focus: &mut Focus| {
            let subject = Term::from(t.subject.into_owned());
            focus.push(subject.clone());
            let predicate = t.predicate.as_str();
            if shapes.reaches_objects(predicate) {
                focus.push(t.object.into_owned());
            }
            if !changed {
                return;
            }
            if linked.every_predicate() || linked.subject_side().contains(predicate) {
                concerned.push_back((subject.clone(), linked.reach()));
            }
            if linked.object_side().contains(predicate) {
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
