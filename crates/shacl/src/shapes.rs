//! Compiles a shapes graph into an immutable, index-addressed set of shapes, so that
//! validation never reads the shapes graph again (regexes, lists and paths are parsed
//! here once).

use std::collections::{HashMap, HashSet};

use super::path::Path;
use super::pattern::Pattern;
use super::rdf::{is_true, object, objects, read_list};
use super::vocab as sh;
use super::ShaclError;
use oxrdf::vocab::{rdf, rdfs};
use oxrdf::{Graph, Literal, NamedNode, NamedNodeRef, Term, TermRef};

pub(crate) type ShapeId = usize;

#[derive(Debug)]
pub(crate) enum Target {
    Node(Term),
    Class(Term),
    SubjectsOf(NamedNode),
    ObjectsOf(NamedNode),
}

#[derive(Debug, Clone, Copy)]
pub(crate) enum NodeKind {
    Iri,
    BlankNode,
    Literal,
    BlankNodeOrIri,
    BlankNodeOrLiteral,
    IriOrLiteral,
}

impl NodeKind {
    fn from_iri(iri: NamedNodeRef<'_>) -> Option<Self> {
        Some(match iri {
            i if i == sh::IRI => Self::Iri,
            i if i == sh::BLANK_NODE => Self::BlankNode,
            i if i == sh::LITERAL => Self::Literal,
            i if i == sh::BLANK_NODE_OR_IRI => Self::BlankNodeOrIri,
            i if i == sh::BLANK_NODE_OR_LITERAL => Self::BlankNodeOrLiteral,
            i if i == sh::IRI_OR_LITERAL => Self::IriOrLiteral,
            _ => return None,
        })
    }

    pub(crate) fn matches(self, term: &Term) -> bool {
        let (iri, blank, literal) = match term {
            Term::NamedNode(_) => (true, false, false),
            Term::BlankNode(_) => (false, true, false),
            Term::Literal(_) => (false, false, true),
            #[allow(unreachable_patterns)] // RDF 1.2 triple terms, when that feature is on
            _ => (false, false, false),
        };
        match self {
            Self::Iri => iri,
            Self::BlankNode => blank,
            Self::Literal => literal,
            Self::BlankNodeOrIri => blank || iri,
            Self::BlankNodeOrLiteral => blank || literal,
            Self::IriOrLiteral => iri || literal,
        }
    }
}

#[derive(Debug)]
pub(crate) struct Qualified {
    pub shape: ShapeId,
    pub min: Option<usize>,
    pub max: Option<usize>,
    pub disjoint: bool,
    /// Filled after all shapes are compiled, since siblings are found through parents.
    pub siblings: Vec<ShapeId>,
}

#[derive(Debug)]
pub(crate) enum Constraint {
    Class(Term),
    Datatype(NamedNode),
    NodeKind(NodeKind),
    MinCount(usize),
    MaxCount(usize),
    MinExclusive(Term),
    MinInclusive(Term),
    MaxExclusive(Term),
    MaxInclusive(Term),
    MinLength(usize),
    MaxLength(usize),
    Pattern(Pattern),
    LanguageIn(Vec<String>),
    UniqueLang,
    Equals(NamedNode),
    Disjoint(NamedNode),
    LessThan(NamedNode),
    LessThanOrEquals(NamedNode),
    Not(ShapeId),
    And(Vec<ShapeId>),
    Or(Vec<ShapeId>),
    Xone(Vec<ShapeId>),
    Node(ShapeId),
    Property(ShapeId),
    Qualified(Qualified),
    Closed(HashSet<NamedNode>),
    HasValue(Term),
    In(HashSet<Term>),
}

#[derive(Debug)]
pub(crate) struct Shape {
    /// The shape's node in the shapes graph, reported as `sh:sourceShape`.
    pub id: Term,
    /// `Some` for property shapes.
    pub path: Option<Path>,
    pub targets: Vec<Target>,
    pub deactivated: bool,
    pub severity: NamedNode,
    pub messages: Vec<Literal>,
    pub constraints: Vec<Constraint>,
}

/// A compiled shapes graph. Immutable once built, so it can be shared across threads.
#[derive(Debug)]
pub struct Shapes {
    pub(crate) shapes: Vec<Shape>,
    /// Active shapes that have at least one target, for whole-graph validation.
    pub(crate) targeted: Vec<ShapeId>,
    // Reverse target indexes, so `validate_nodes` finds a node's shapes without scanning.
    pub(crate) by_node: HashMap<Term, Vec<ShapeId>>,
    pub(crate) by_class: HashMap<Term, Vec<ShapeId>>,
    pub(crate) by_subjects_of: HashMap<NamedNode, Vec<ShapeId>>,
    pub(crate) by_objects_of: HashMap<NamedNode, Vec<ShapeId>>,
    /// Predicates whose objects a shape can see through the link (targets of
    /// `sh:targetObjectsOf`, predicates of inverse paths): adding `s p o` can change the
    /// validity of `o` only for these.
    reaches_objects: HashSet<String>,
    /// What shapes read of nodes other than their focus node (see [`LinkedReads`]).
    linked: LinkedReads,
}

/// A compiled shapes graph, and the shapes of it that could not be compiled.
#[derive(Debug)]
pub struct Loaded {
    pub shapes: Shapes,
    /// One for each shape left out, sorted by shape. A shape left out is treated as
    /// deactivated (every node conforms to it), so the other shapes validate as written.
    pub warnings: Vec<LoadWarning>,
}

/// A shape that could not be compiled: an `sh:pattern` no regex engine here accepts, a
/// malformed list or path, a count that is not a number…
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoadWarning {
    /// The shape's node in the shapes graph.
    pub shape: Term,
    /// For a blank-node shape, where it stands: what refers to it and its `sh:path`.
    pub context: Option<String>,
    pub reason: String,
}

impl std::fmt::Display for LoadWarning {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "shape {}", self.shape)?;
        if let Some(context) = &self.context {
            write!(f, " ({context})")?;
        }
        write!(f, " left out: {}", self.reason)
    }
}

/// What shapes read of the nodes their focus node links to: a triple added to or removed from
/// such a node can change the validity of the nodes that link to it (`sh:class`, `sh:node`,
/// paths of several steps…), up to [`reach`](Self::reach) links back along the shapes' paths.
/// What an incremental validator needs to find the nodes a change concerns.
#[derive(Debug, Default)]
pub struct LinkedReads {
    subject_side: HashSet<String>,
    object_side: HashSet<String>,
    every_predicate: bool,
    forward_links: HashSet<String>,
    inverse_links: HashSet<String>,
    /// How many links back the nodes concerned can be…
    depth: usize,
    /// …or any number: unbounded paths, shapes nested in themselves.
    unbounded: bool,
}

/// Past this depth, the walk over nested shapes counts the reads as unbounded.
const MAX_WALK_DEPTH: usize = 8;

impl LinkedReads {
    /// Predicates read forwards from a linked node: changing `x p o` concerns who links to x.
    pub fn subject_side(&self) -> &HashSet<String> {
        &self.subject_side
    }

    /// Predicates read backwards from a linked node: changing `s p x` concerns who links to x.
    pub fn object_side(&self) -> &HashSet<String> {
        &self.object_side
    }

    /// Whether every predicate of a linked node is read (`sh:closed` on it).
    pub fn every_predicate(&self) -> bool {
        self.every_predicate
    }

    /// The predicates paths follow forwards: with `f p x`, f reaches x.
    pub fn forward_links(&self) -> &HashSet<String> {
        &self.forward_links
    }

    /// The predicates paths follow backwards: with `x p f`, f reaches x.
    pub fn inverse_links(&self) -> &HashSet<String> {
        &self.inverse_links
    }

    /// How many links back from a changed node its readers can be.
    pub fn reach(&self) -> usize {
        if self.unbounded {
            usize::MAX
        } else {
            self.depth
        }
    }

    /// Notes what `shape` reads when evaluated on a node `depth` links from a focus node.
    fn walk(
        &mut self,
        shapes: &[Shape],
        id: ShapeId,
        depth: usize,
        seen: &mut HashSet<(ShapeId, usize)>,
    ) {
        let depth = if depth > MAX_WALK_DEPTH {
            self.unbounded = true;
            MAX_WALK_DEPTH
        } else {
            depth
        };
        if !seen.insert((id, depth)) {
            return;
        }
        let shape = &shapes[id];
        let mut value_depth = depth;
        if let Some(path) = &shape.path {
            path.predicates(false, &mut self.forward_links, &mut self.inverse_links);
            let length = path.length().unwrap_or_else(|| {
                self.unbounded = true;
                MAX_WALK_DEPTH
            });
            value_depth = depth + length;
            // The path reads the triples of the nodes it passes, the last excepted.
            if value_depth > 1 {
                path.predicates(false, &mut self.subject_side, &mut self.object_side);
                self.deepen(value_depth - 1);
            }
        }
        for constraint in &shape.constraints {
            match constraint {
                Constraint::Class(_) => self.read(value_depth, rdf::TYPE.as_str()),
                Constraint::Equals(p)
                | Constraint::Disjoint(p)
                | Constraint::LessThan(p)
                | Constraint::LessThanOrEquals(p) => self.read(depth, p.as_str()),
                Constraint::Closed(_) if value_depth > 0 => {
                    self.every_predicate = true;
                    self.deepen(value_depth);
                }
                Constraint::Not(nested)
                | Constraint::Node(nested)
                | Constraint::Property(nested) => self.walk(shapes, *nested, value_depth, seen),
                Constraint::And(list) | Constraint::Or(list) | Constraint::Xone(list) => {
                    for nested in list {
                        self.walk(shapes, *nested, value_depth, seen);
                    }
                }
                Constraint::Qualified(q) => {
                    for nested in std::iter::once(&q.shape).chain(&q.siblings) {
                        self.walk(shapes, *nested, value_depth, seen);
                    }
                }
                _ => {}
            }
        }
    }

    fn read(&mut self, depth: usize, predicate: &str) {
        if depth > 0 {
            self.subject_side.insert(predicate.to_owned());
            self.deepen(depth);
        }
    }

    fn deepen(&mut self, depth: usize) {
        if depth > MAX_WALK_DEPTH {
            self.unbounded = true;
        }
        self.depth = self.depth.max(depth);
    }
}

impl Shapes {
    /// Compiles every shape of the graph: nodes typed `sh:NodeShape`/`sh:PropertyShape`,
    /// subjects of target predicates, and every shape they reference. A shape that cannot be
    /// compiled is left out with a warning; the others load.
    pub fn load(graph: &Graph) -> Loaded {
        let mut compiler = Compiler {
            graph,
            shapes: Vec::new(),
            index: HashMap::new(),
            pending: Vec::new(),
        };
        for class in [sh::NODE_SHAPE, sh::PROPERTY_SHAPE] {
            for s in graph.subjects_for_predicate_object(rdf::TYPE, class) {
                compiler.id_for(s.into_owned().into());
            }
        }
        for target in [
            sh::TARGET_NODE,
            sh::TARGET_CLASS,
            sh::TARGET_SUBJECTS_OF,
            sh::TARGET_OBJECTS_OF,
        ] {
            for t in graph.triples_for_predicate(target) {
                compiler.id_for(t.subject.into_owned().into());
            }
        }
        let mut warnings = Vec::new();
        while let Some(id) = compiler.pending.pop() {
            if let Err(error) = compiler.compile(id) {
                let shape = &mut compiler.shapes[id];
                shape.deactivated = true;
                warnings.push(LoadWarning {
                    shape: shape.id.clone(),
                    context: context_of(graph, shape.id.as_ref()),
                    reason: match error {
                        ShaclError::InvalidShape { message, .. } => message,
                        other => other.to_string(),
                    },
                });
            }
        }
        warnings.sort_by_key(ToString::to_string);
        let mut shapes = compiler.shapes;
        link_qualified_siblings(&mut shapes);
        Loaded {
            shapes: Self::index(shapes),
            warnings,
        }
    }

    /// Like [`load`](Self::load), but refuses the shapes graph if any shape cannot be compiled.
    pub fn from_graph(graph: &Graph) -> Result<Shapes, ShaclError> {
        let loaded = Self::load(graph);
        match loaded.warnings.into_iter().next() {
            None => Ok(loaded.shapes),
            Some(warning) => Err(ShaclError::InvalidShape {
                shape: match warning.context {
                    Some(context) => format!("{} ({context})", warning.shape),
                    None => warning.shape.to_string(),
                },
                message: warning.reason,
            }),
        }
    }

    /// Whether some shape sees the objects of `predicate` through the link (a target of
    /// `sh:targetObjectsOf`, a predicate of an inverse path): adding or removing `s p o` can
    /// change the validity of `o` only for these.
    pub fn reaches_objects(&self, predicate: &str) -> bool {
        self.reaches_objects.contains(predicate)
    }

    /// What the shapes read of nodes other than their focus node.
    pub fn linked_reads(&self) -> &LinkedReads {
        &self.linked
    }

    pub fn shape_count(&self) -> usize {
        self.shapes.len()
    }

    fn index(shapes: Vec<Shape>) -> Shapes {
        let mut result = Shapes {
            shapes: Vec::new(),
            targeted: Vec::new(),
            by_node: HashMap::new(),
            by_class: HashMap::new(),
            by_subjects_of: HashMap::new(),
            by_objects_of: HashMap::new(),
            reaches_objects: HashSet::new(),
            linked: LinkedReads::default(),
        };
        for shape in &shapes {
            if let Some(path) = &shape.path {
                path.predicates(false, &mut HashSet::new(), &mut result.reaches_objects);
            }
        }
        for (id, shape) in shapes.iter().enumerate() {
            if shape.deactivated || shape.targets.is_empty() {
                continue;
            }
            result.targeted.push(id);
            for target in &shape.targets {
                let list = match target {
                    Target::Node(n) => result.by_node.entry(n.clone()).or_default(),
                    Target::Class(c) => result.by_class.entry(c.clone()).or_default(),
                    Target::SubjectsOf(p) => result.by_subjects_of.entry(p.clone()).or_default(),
                    Target::ObjectsOf(p) => {
                        result.reaches_objects.insert(p.as_str().to_owned());
                        result.by_objects_of.entry(p.clone()).or_default()
                    }
                };
                if !list.contains(&id) {
                    list.push(id);
                }
            }
        }
        let mut seen = HashSet::new();
        for &id in &result.targeted {
            result.linked.walk(&shapes, id, 0, &mut seen);
        }
        result.shapes = shapes;
        result
    }
}

struct Compiler<'g> {
    graph: &'g Graph,
    shapes: Vec<Shape>,
    index: HashMap<Term, ShapeId>,
    pending: Vec<ShapeId>,
}

fn invalid(shape: TermRef<'_>, message: impl Into<String>) -> ShaclError {
    ShaclError::InvalidShape {
        shape: shape.to_string(),
        message: message.into(),
    }
}

fn as_iri<'a>(shape: TermRef<'_>, term: TermRef<'a>, what: &str) -> Result<NamedNode, ShaclError> {
    match term {
        TermRef::NamedNode(n) => Ok(n.into_owned()),
        _ => Err(invalid(
            shape,
            format!("{what} must be an IRI, found {term}"),
        )),
    }
}

fn as_count(shape: TermRef<'_>, term: TermRef<'_>, what: &str) -> Result<usize, ShaclError> {
    match term {
        TermRef::Literal(l) => l.value().trim().parse().ok(),
        _ => None,
    }
    .ok_or_else(|| {
        invalid(
            shape,
            format!("{what} must be a non-negative integer, found {term}"),
        )
    })
}

impl Compiler<'_> {
    /// Referenced shapes get an id before they are compiled, which is what lets
    /// recursive shape references terminate.
    fn id_for(&mut self, term: Term) -> ShapeId {
        if let Some(&id) = self.index.get(&term) {
            return id;
        }
        let id = self.shapes.len();
        self.shapes.push(Shape {
            id: term.clone(),
            path: None,
            targets: Vec::new(),
            deactivated: false,
            severity: sh::VIOLATION.into_owned(),
            messages: Vec::new(),
            constraints: Vec::new(),
        });
        self.index.insert(term, id);
        self.pending.push(id);
        id
    }

    fn id_list(&mut self, list: TermRef<'_>) -> Result<Vec<ShapeId>, ShaclError> {
        Ok(read_list(self.graph, list)?
            .into_iter()
            .map(|t| self.id_for(t))
            .collect())
    }

    fn compile(&mut self, id: ShapeId) -> Result<(), ShaclError> {
        let graph = self.graph;
        let node_term = self.shapes[id].id.clone();
        let node = node_term.as_ref();
        let path = object(graph, node, sh::PATH)
            .map(|p| Path::from_graph(graph, p))
            .transpose()?;
        let targets = self.targets(node)?;
        let deactivated = is_true(object(graph, node, sh::DEACTIVATED));
        let severity = match object(graph, node, sh::SEVERITY) {
            Some(TermRef::NamedNode(n)) => n.into_owned(),
            _ => sh::VIOLATION.into_owned(),
        };
        let messages = objects(graph, node, sh::MESSAGE)
            .filter_map(|m| match m {
                TermRef::Literal(l) => Some(l.into_owned()),
                _ => None,
            })
            .collect();
        let constraints = self.constraints(node)?;
        let shape = &mut self.shapes[id];
        shape.path = path;
        shape.targets = targets;
        shape.deactivated = deactivated;
        shape.severity = severity;
        shape.messages = messages;
        shape.constraints = constraints;
        Ok(())
    }

    fn targets(&self, node: TermRef<'_>) -> Result<Vec<Target>, ShaclError> {
        let graph = self.graph;
        let mut targets = Vec::new();
        for t in objects(graph, node, sh::TARGET_NODE) {
            targets.push(Target::Node(t.into_owned()));
        }
        for t in objects(graph, node, sh::TARGET_CLASS) {
            targets.push(Target::Class(t.into_owned()));
        }
        for t in objects(graph, node, sh::TARGET_SUBJECTS_OF) {
            targets.push(Target::SubjectsOf(as_iri(node, t, "sh:targetSubjectsOf")?));
        }
        for t in objects(graph, node, sh::TARGET_OBJECTS_OF) {
            targets.push(Target::ObjectsOf(as_iri(node, t, "sh:targetObjectsOf")?));
        }
        // Implicit class target: a shape that is also an rdfs:Class targets its instances.
        let has_type = |c: NamedNodeRef<'_>| objects(graph, node, rdf::TYPE).any(|t| t == c.into());
        if has_type(rdfs::CLASS) && (has_type(sh::NODE_SHAPE) || has_type(sh::PROPERTY_SHAPE)) {
            targets.push(Target::Class(node.into_owned()));
        }
        Ok(targets)
    }

    fn constraints(&mut self, node: TermRef<'_>) -> Result<Vec<Constraint>, ShaclError> {
        let graph = self.graph;
        let Some(subject) = super::rdf::subject_of(node) else {
            return Ok(Vec::new());
        };
        let mut out = Vec::new();
        for triple in graph.triples_for_subject(subject) {
            let p = triple.predicate;
            let o = triple.object;
            let c = match p {
                p if p == sh::CLASS => Constraint::Class(o.into_owned()),
                p if p == sh::DATATYPE => Constraint::Datatype(as_iri(node, o, "sh:datatype")?),
                p if p == sh::NODE_KIND => {
                    let iri = as_iri(node, o, "sh:nodeKind")?;
                    Constraint::NodeKind(
                        NodeKind::from_iri(iri.as_ref())
                            .ok_or_else(|| invalid(node, format!("unknown sh:nodeKind {iri}")))?,
                    )
                }
                p if p == sh::MIN_COUNT => Constraint::MinCount(as_count(node, o, "sh:minCount")?),
                p if p == sh::MAX_COUNT => Constraint::MaxCount(as_count(node, o, "sh:maxCount")?),
                p if p == sh::MIN_LENGTH => {
                    Constraint::MinLength(as_count(node, o, "sh:minLength")?)
                }
                p if p == sh::MAX_LENGTH => {
                    Constraint::MaxLength(as_count(node, o, "sh:maxLength")?)
                }
                p if p == sh::MIN_EXCLUSIVE => Constraint::MinExclusive(o.into_owned()),
                p if p == sh::MIN_INCLUSIVE => Constraint::MinInclusive(o.into_owned()),
                p if p == sh::MAX_EXCLUSIVE => Constraint::MaxExclusive(o.into_owned()),
                p if p == sh::MAX_INCLUSIVE => Constraint::MaxInclusive(o.into_owned()),
                p if p == sh::PATTERN => Constraint::Pattern(self.pattern(node, o)?),
                p if p == sh::LANGUAGE_IN => Constraint::LanguageIn(
                    read_list(graph, o)?
                        .into_iter()
                        .map(|t| match t {
                            Term::Literal(l) => Ok(l.value().to_owned()),
                            other => Err(invalid(node, format!("sh:languageIn member {other}"))),
                        })
                        .collect::<Result<_, _>>()?,
                ),
                p if p == sh::UNIQUE_LANG => {
                    if !is_true(Some(o)) {
                        continue;
                    }
                    Constraint::UniqueLang
                }
                p if p == sh::EQUALS => Constraint::Equals(as_iri(node, o, "sh:equals")?),
                p if p == sh::DISJOINT => Constraint::Disjoint(as_iri(node, o, "sh:disjoint")?),
                p if p == sh::LESS_THAN => Constraint::LessThan(as_iri(node, o, "sh:lessThan")?),
                p if p == sh::LESS_THAN_OR_EQUALS => {
                    Constraint::LessThanOrEquals(as_iri(node, o, "sh:lessThanOrEquals")?)
                }
                p if p == sh::NOT => Constraint::Not(self.id_for(o.into_owned())),
                p if p == sh::AND => Constraint::And(self.id_list(o)?),
                p if p == sh::OR => Constraint::Or(self.id_list(o)?),
                p if p == sh::XONE => Constraint::Xone(self.id_list(o)?),
                p if p == sh::NODE => Constraint::Node(self.id_for(o.into_owned())),
                p if p == sh::PROPERTY => Constraint::Property(self.id_for(o.into_owned())),
                p if p == sh::QUALIFIED_VALUE_SHAPE => {
                    let count = |what| {
                        object(graph, node, what)
                            .map(|t| as_count(node, t, "qualified count"))
                            .transpose()
                    };
                    let (min, max) = (
                        count(sh::QUALIFIED_MIN_COUNT)?,
                        count(sh::QUALIFIED_MAX_COUNT)?,
                    );
                    if min.is_none() && max.is_none() {
                        continue;
                    }
                    Constraint::Qualified(Qualified {
                        shape: self.id_for(o.into_owned()),
                        min,
                        max,
                        disjoint: is_true(object(graph, node, sh::QUALIFIED_VALUE_SHAPES_DISJOINT)),
                        siblings: Vec::new(),
                    })
                }
                p if p == sh::CLOSED => {
                    if !is_true(Some(o)) {
                        continue;
                    }
                    Constraint::Closed(self.closed_allowed(node)?)
                }
                p if p == sh::HAS_VALUE => Constraint::HasValue(o.into_owned()),
                p if p == sh::IN => Constraint::In(read_list(graph, o)?.into_iter().collect()),
                _ => continue,
            };
            out.push(c);
        }
        Ok(out)
    }

    fn pattern(&self, node: TermRef<'_>, pattern: TermRef<'_>) -> Result<Pattern, ShaclError> {
        let TermRef::Literal(pattern) = pattern else {
            return Err(invalid(node, "sh:pattern must be a literal"));
        };
        let flags = match object(self.graph, node, sh::FLAGS) {
            Some(TermRef::Literal(f)) => f.value(),
            _ => "",
        };
        Pattern::new(pattern.value(), flags).map_err(|e| {
            invalid(
                node,
                format!("invalid sh:pattern {:?}: {e}", pattern.value()),
            )
        })
    }

    /// Predicates a closed shape allows: IRI paths of its property shapes plus
    /// `sh:ignoredProperties`.
    fn closed_allowed(&self, node: TermRef<'_>) -> Result<HashSet<NamedNode>, ShaclError> {
        let graph = self.graph;
        let mut allowed: HashSet<NamedNode> = objects(graph, node, sh::PROPERTY)
            .filter_map(|p| match object(graph, p, sh::PATH) {
                Some(TermRef::NamedNode(n)) => Some(n.into_owned()),
                _ => None,
            })
            .collect();
        if let Some(list) = object(graph, node, sh::IGNORED_PROPERTIES) {
            for t in read_list(graph, list)? {
                if let Term::NamedNode(n) = t {
                    allowed.insert(n);
                }
            }
        }
        Ok(allowed)
    }
}

/// Sibling shapes of a disjoint qualified constraint in property shape Q are the
/// `sh:qualifiedValueShape`s of the other `sh:property` shapes of Q's parents.
fn link_qualified_siblings(shapes: &mut [Shape]) {
    let mut parents: HashMap<ShapeId, Vec<ShapeId>> = HashMap::new();
    for (id, shape) in shapes.iter().enumerate() {
        for c in &shape.constraints {
            if let Constraint::Property(child) = c {
                parents.entry(*child).or_default().push(id);
            }
        }
    }
    let qualified_of = |shape: &Shape| -> Vec<ShapeId> {
        shape
            .constraints
            .iter()
            .filter_map(|c| match c {
                Constraint::Qualified(q) => Some(q.shape),
                _ => None,
            })
            .collect()
    };
    let mut updates = Vec::new();
    for (id, shape) in shapes.iter().enumerate() {
        let own = qualified_of(shape);
        if !shape
            .constraints
            .iter()
            .any(|c| matches!(c, Constraint::Qualified(q) if q.disjoint))
        {
            continue;
        }
        let mut siblings = Vec::new();
        for parent in parents.get(&id).into_iter().flatten() {
            for c in &shapes[*parent].constraints {
                if let Constraint::Property(child) = c {
                    for q in qualified_of(&shapes[*child]) {
                        if !own.contains(&q) && !siblings.contains(&q) {
                            siblings.push(q);
                        }
                    }
                }
            }
        }
        updates.push((id, siblings));
    }
    for (id, siblings) in updates {
        for c in &mut shapes[id].constraints {
            if let Constraint::Qualified(q) = c {
                if q.disjoint {
                    q.siblings.clone_from(&siblings);
                }
            }
        }
    }
}

/// Where a blank-node shape stands, for a warning a person can act on: what refers to it
/// (`sh:property of <…PlaceShape>`) and its path.
fn context_of(graph: &Graph, shape: TermRef<'_>) -> Option<String> {
    let TermRef::BlankNode(node) = shape else {
        return None;
    };
    let mut parts = Vec::new();
    if let Some(parent) = graph.triples_for_object(node).next() {
        let predicate = parent.predicate.as_str();
        let predicate = match predicate.strip_prefix(sh::NAMESPACE) {
            Some(local) => format!("sh:{local}"),
            None => format!("<{predicate}>"),
        };
        parts.push(format!("{predicate} of {}", parent.subject));
    }
    if let Some(path) = object(graph, shape, sh::PATH) {
        let path =
            Path::from_graph(graph, path).map_or_else(|_| path.to_string(), |p| p.to_string());
        parts.push(format!("sh:path {path}"));
    }
    (!parts.is_empty()).then(|| parts.join(", "))
}
