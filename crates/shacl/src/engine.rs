//! Validation of focus nodes against compiled shapes.

use std::cmp::Ordering;
use std::collections::{HashMap, HashSet};

use oxrdf::vocab::rdf;
use oxrdf::{NamedNode, NamedNodeRef, Term};

use super::path::{dedup, Path};
use super::report::{ValidationReport, ValidationResult};
use super::shapes::{Constraint, Shape, ShapeId, Shapes, Target};
use super::values::{compare, has_datatype, lang_matches};
use super::vocab as sh;
use super::DataGraph;

/// Where results go. Nested shapes (`sh:node`, `sh:not`, logical and qualified
/// constraints) only need a yes/no answer, so they stop at the first failure and
/// never build result objects.
enum Sink<'r> {
    Collect(&'r mut Vec<ValidationResult>),
    Check { failed: bool },
}

impl Sink<'_> {
    fn report(&mut self, make: impl FnOnce() -> ValidationResult) {
        match self {
            Sink::Collect(results) => results.push(make()),
            Sink::Check { failed } => *failed = true,
        }
    }

    fn done(&self) -> bool {
        matches!(self, Sink::Check { failed: true })
    }
}

pub(crate) struct Engine<'a, D: DataGraph> {
    shapes: &'a Shapes,
    data: &'a D,
    /// (shape, focus) pairs being validated further up the stack: re-entering one
    /// means a recursive shape, which is treated as conforming so validation ends.
    active: HashSet<(ShapeId, Term)>,
    /// rdfs:subClassOf* closure per class, computed once per run from the data graph.
    superclasses: HashMap<Term, Vec<Term>>,
    // Owned once: the `DataGraph` API takes `&NamedNode`, and these are on hot paths.
    rdf_type: NamedNode,
}

impl<'a, D: DataGraph> Engine<'a, D> {
    pub(crate) fn new(shapes: &'a Shapes, data: &'a D) -> Self {
        Self {
            shapes,
            data,
            active: HashSet::new(),
            superclasses: HashMap::new(),
            rdf_type: rdf::TYPE.into_owned(),
        }
    }

    pub(crate) fn validate_all(mut self) -> ValidationReport {
        let mut results = Vec::new();
        for &sid in &self.shapes.targeted {
            for focus in self.focus_nodes(sid) {
                self.validate_shape(sid, &focus, &mut Sink::Collect(&mut results));
            }
        }
        ValidationReport::from_results(results)
    }

    pub(crate) fn validate_nodes(mut self, focus: &[Term]) -> ValidationReport {
        let mut results = Vec::new();
        let mut nodes = focus.to_vec();
        dedup(&mut nodes);
        for node in &nodes {
            for sid in self.shapes_targeting(node) {
                self.validate_shape(sid, node, &mut Sink::Collect(&mut results));
            }
        }
        ValidationReport::from_results(results)
    }

    fn focus_nodes(&self, sid: ShapeId) -> Vec<Term> {
        let mut nodes = Vec::new();
        for target in &self.shapes.shapes[sid].targets {
            match target {
                Target::Node(n) => nodes.push(n.clone()),
                Target::Class(c) => nodes.extend(self.data.instances_of(c)),
                Target::SubjectsOf(p) => nodes.extend(self.data.subjects_with_predicate(p)),
                Target::ObjectsOf(p) => nodes.extend(self.data.objects_with_predicate(p)),
            }
        }
        dedup(&mut nodes);
        nodes
    }

    /// Every active shape with a target selecting `node`, through the reverse indexes.
    fn shapes_targeting(&mut self, node: &Term) -> Vec<ShapeId> {
        let index = self.shapes;
        let mut ids = Vec::new();
        if let Some(found) = index.by_node.get(node) {
            ids.extend(found);
        }
        if !index.by_class.is_empty() {
            for class in self.data.objects(node, &self.rdf_type) {
                for c in self.superclasses(&class) {
                    if let Some(found) = index.by_class.get(c) {
                        ids.extend(found);
                    }
                }
            }
        }
        if !index.by_subjects_of.is_empty() {
            for p in self.data.predicates_of(node) {
                if let Some(found) = index.by_subjects_of.get(&p) {
                    ids.extend(found);
                }
            }
        }
        for (p, found) in &index.by_objects_of {
            if !self.data.subjects(p, node).is_empty() {
                ids.extend(found);
            }
        }
        ids.sort_unstable();
        ids.dedup();
        ids
    }

    /// `class` itself and all its rdfs:subClassOf ancestors.
    fn superclasses(&mut self, class: &Term) -> &[Term] {
        let data = self.data;
        self.superclasses
            .entry(class.clone())
            .or_insert_with(|| data.superclasses(class))
    }

    fn is_instance(&mut self, node: &Term, class: &Term) -> bool {
        if matches!(node, Term::Literal(_)) {
            return false;
        }
        self.data
            .objects(node, &self.rdf_type)
            .iter()
            .any(|t| t == class || self.superclasses(t).contains(class))
    }

    fn conforms(&mut self, sid: ShapeId, node: &Term) -> bool {
        let mut sink = Sink::Check { failed: false };
        self.validate_shape(sid, node, &mut sink);
        !sink.done()
    }

    fn validate_shape(&mut self, sid: ShapeId, focus: &Term, sink: &mut Sink<'_>) {
        let shapes = self.shapes;
        let shape = &shapes.shapes[sid];
        if shape.deactivated || shape.constraints.is_empty() {
            return;
        }
        let key = (sid, focus.clone());
        if !self.active.insert(key.clone()) {
            return;
        }
        let values = match &shape.path {
            Some(path) => path.values(self.data, focus),
            None => vec![focus.clone()],
        };
        for constraint in &shape.constraints {
            self.check(shape, constraint, focus, &values, sink);
            if sink.done() {
                break;
            }
        }
        self.active.remove(&key);
    }

    fn check(
        &mut self,
        shape: &Shape,
        constraint: &Constraint,
        focus: &Term,
        values: &[Term],
        sink: &mut Sink<'_>,
    ) {
        let result = |value: Option<&Term>, component: NamedNodeRef<'_>| {
            result(shape, focus, shape.path.as_ref(), value, component)
        };
        // Reports each value node for which `fails` holds.
        macro_rules! each_value {
            ($component:expr, |$v:ident| $fails:expr) => {
                for $v in values {
                    if $fails {
                        sink.report(|| result(Some($v), $component));
                        if sink.done() {
                            return;
                        }
                    }
                }
            };
        }
        match constraint {
            Constraint::Class(class) => {
                each_value!(sh::CLASS_COMPONENT, |v| !self.is_instance(v, class))
            }
            Constraint::Datatype(dt) => {
                each_value!(sh::DATATYPE_COMPONENT, |v| !has_datatype(v, dt.as_ref()))
            }
            Constraint::NodeKind(kind) => {
                each_value!(sh::NODE_KIND_COMPONENT, |v| !kind.matches(v))
            }
            Constraint::MinCount(min) => {
                if values.len() < *min {
                    sink.report(|| result(None, sh::MIN_COUNT_COMPONENT));
                }
            }
            Constraint::MaxCount(max) => {
                if values.len() > *max {
                    sink.report(|| result(None, sh::MAX_COUNT_COMPONENT));
                }
            }
            Constraint::MinExclusive(bound) => each_value!(sh::MIN_EXCLUSIVE_COMPONENT, |v| {
                compare(v, bound) != Some(Ordering::Greater)
            }),
            Constraint::MinInclusive(bound) => each_value!(sh::MIN_INCLUSIVE_COMPONENT, |v| {
                !matches!(compare(v, bound), Some(Ordering::Greater | Ordering::Equal))
            }),
            Constraint::MaxExclusive(bound) => each_value!(sh::MAX_EXCLUSIVE_COMPONENT, |v| {
                compare(v, bound) != Some(Ordering::Less)
            }),
            Constraint::MaxInclusive(bound) => each_value!(sh::MAX_INCLUSIVE_COMPONENT, |v| {
                !matches!(compare(v, bound), Some(Ordering::Less | Ordering::Equal))
            }),
            Constraint::MinLength(min) => each_value!(sh::MIN_LENGTH_COMPONENT, |v| {
                string_value(v).is_none_or(|s| s.chars().count() < *min)
            }),
            Constraint::MaxLength(max) => each_value!(sh::MAX_LENGTH_COMPONENT, |v| {
                string_value(v).is_none_or(|s| s.chars().count() > *max)
            }),
            Constraint::Pattern(re) => each_value!(sh::PATTERN_COMPONENT, |v| {
                string_value(v).is_none_or(|s| !re.is_match(s))
            }),
            Constraint::LanguageIn(ranges) => each_value!(sh::LANGUAGE_IN_COMPONENT, |v| {
                match v {
                    Term::Literal(l) => l
                        .language()
                        .is_none_or(|tag| !ranges.iter().any(|r| lang_matches(tag, r))),
                    _ => true,
                }
            }),
            Constraint::UniqueLang => {
                let mut seen: Vec<String> = Vec::new();
                let mut reported: Vec<String> = Vec::new();
                for v in values {
                    if let Term::Literal(l) = v {
                        if let Some(tag) = l.language() {
                            let tag = tag.to_ascii_lowercase();
                            if !seen.contains(&tag) {
                                seen.push(tag);
                            } else if !reported.contains(&tag) {
                                reported.push(tag);
                                sink.report(|| result(None, sh::UNIQUE_LANG_COMPONENT));
                            }
                        }
                    }
                }
            }
            Constraint::Equals(p) => {
                let others = self.data.objects(focus, p);
                each_value!(sh::EQUALS_COMPONENT, |v| !others.contains(v));
                for o in &others {
                    if !values.contains(o) {
                        sink.report(|| result(Some(o), sh::EQUALS_COMPONENT));
                    }
                }
            }
            Constraint::Disjoint(p) => {
                let others = self.data.objects(focus, p);
                each_value!(sh::DISJOINT_COMPONENT, |v| others.contains(v));
            }
            Constraint::LessThan(p) | Constraint::LessThanOrEquals(p) => {
                let strict = matches!(constraint, Constraint::LessThan(_));
                let component = if strict {
                    sh::LESS_THAN_COMPONENT
                } else {
                    sh::LESS_THAN_OR_EQUALS_COMPONENT
                };
                let others = self.data.objects(focus, p);
                for v in values {
                    for o in &others {
                        let ok = match compare(v, o) {
                            Some(Ordering::Less) => true,
                            Some(Ordering::Equal) => !strict,
                            _ => false,
                        };
                        if !ok {
                            sink.report(|| result(Some(v), component));
                        }
                    }
                }
            }
            Constraint::Not(s) => each_value!(sh::NOT_COMPONENT, |v| self.conforms(*s, v)),
            Constraint::And(list) => each_value!(sh::AND_COMPONENT, |v| {
                !list.iter().all(|s| self.conforms(*s, v))
            }),
            Constraint::Or(list) => each_value!(sh::OR_COMPONENT, |v| {
                !list.iter().any(|s| self.conforms(*s, v))
            }),
            Constraint::Xone(list) => each_value!(sh::XONE_COMPONENT, |v| {
                list.iter().filter(|s| self.conforms(**s, v)).count() != 1
            }),
            Constraint::Node(s) => each_value!(sh::NODE_COMPONENT, |v| !self.conforms(*s, v)),
            Constraint::Property(s) => {
                for v in values {
                    self.validate_shape(*s, v, sink);
                    if sink.done() {
                        return;
                    }
                }
            }
            Constraint::Qualified(q) => {
                let count = values
                    .iter()
                    .filter(|v| {
                        self.conforms(q.shape, v)
                            && !q.siblings.iter().any(|s| self.conforms(*s, v))
                    })
                    .count();
                if q.min.is_some_and(|min| count < min) {
                    sink.report(|| result(None, sh::QUALIFIED_MIN_COUNT_COMPONENT));
                }
                if q.max.is_some_and(|max| count > max) {
                    sink.report(|| result(None, sh::QUALIFIED_MAX_COUNT_COMPONENT));
                }
            }
            Constraint::Closed(allowed) => {
                for v in values {
                    for p in self.data.predicates_of(v) {
                        if allowed.contains(&p) {
                            continue;
                        }
                        for o in self.data.objects(v, &p) {
                            let path = Path::Predicate(p.clone());
                            sink.report(|| {
                                let mut r = result(Some(&o), sh::CLOSED_COMPONENT);
                                r.focus_node = v.clone();
                                r.path = Some(path);
                                r
                            });
                            if sink.done() {
                                return;
                            }
                        }
                    }
                }
            }
            Constraint::HasValue(expected) => {
                if !values.contains(expected) {
                    sink.report(|| result(None, sh::HAS_VALUE_COMPONENT));
                }
            }
            Constraint::In(allowed) => each_value!(sh::IN_COMPONENT, |v| !allowed.contains(v)),
        }
    }
}

fn result(
    shape: &Shape,
    focus: &Term,
    path: Option<&Path>,
    value: Option<&Term>,
    component: NamedNodeRef<'_>,
) -> ValidationResult {
    ValidationResult {
        focus_node: focus.clone(),
        path: path.cloned(),
        value: value.cloned(),
        source_shape: shape.id.clone(),
        component: component.into_owned(),
        severity: shape.severity.clone(),
        messages: shape.messages.clone(),
    }
}

/// `str()` of a term for the string-based constraints; blank nodes have none.
fn string_value(term: &Term) -> Option<&str> {
    match term {
        Term::NamedNode(n) => Some(n.as_str()),
        Term::Literal(l) => Some(l.value()),
        _ => None,
    }
}
