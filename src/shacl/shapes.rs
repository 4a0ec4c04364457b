//! Compiles a shapes graph into an immutable, index-addressed set of shapes, so that
//! validation never reads the shapes graph again (regexes, lists and paths are parsed
//! here once).

use std::collections::{HashMap, HashSet};

use oxigraph::model::vocab::{rdf, rdfs};
use oxigraph::model::{Graph, Literal, NamedNode, NamedNodeRef, Term, TermRef};
use regex::Regex;

use super::path::Path;
use super::rdf::{is_true, object, objects, read_list};
use super::vocab as sh;
use super::ShaclError;

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
    Pattern(Regex),
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
    pub(crate) reaches_objects: HashSet<String>,
    /// What shapes read of nodes other than their focus node (see [`LinkedReads`]).
    pub(crate) linked: LinkedReads,
}

/// What shapes read of the nodes their focus node links to: a triple added to or removed from
/// such a node can change the validity of the nodes that link to it (`sh:class`, `sh:node`,
/// paths of several steps…), up to `depth` links back along the shapes' paths.
#[derive(Debug, Default)]
pub(crate) struct LinkedReads {
    /// Predicates read forwards from a linked node: changing `x p o` concerns who links to x.
    pub subject_side: HashSet<String>,
    /// Predicates read backwards from a linked node: changing `s p x` concerns who links to x.
    pub object_side: HashSet<String>,
    /// Every predicate of a linked node is read (`sh:closed` on it).
    pub every_predicate: bool,
    /// The predicates paths follow forwards (`f p x`: f reaches x) and backwards (`x p f`).
    pub forward_links: HashSet<String>,
    pub inverse_links: HashSet<String>,
    /// How many links back the nodes concerned can be…
    depth: usize,
    /// …or any number: unbounded paths, shapes nested in themselves.
    unbounded: bool,
}

/// Past this depth, the walk over nested shapes counts the reads as unbounded.
const MAX_WALK_DEPTH: usize = 8;

impl LinkedReads {
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
    /// subjects of target predicates, and every shape they reference.
    pub fn from_graph(graph: &Graph) -> Result<Shapes, ShaclError> {
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
        while let Some(id) = compiler.pending.pop() {
            compiler.compile(id)?;
        }
        let mut shapes = compiler.shapes;
        link_qualified_siblings(&mut shapes);
        Ok(Self::index(shapes))
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

    fn pattern(&self, node: TermRef<'_>, pattern: TermRef<'_>) -> Result<Regex, ShaclError> {
        let TermRef::Literal(pattern) = pattern else {
            return Err(invalid(node, "sh:pattern must be a literal"));
        };
        let flags = match object(self.graph, node, sh::FLAGS) {
            Some(TermRef::Literal(f)) => f.value(),
            _ => "",
        };
        // XPath flags: `q` quotes the whole pattern; the others map onto `regex` flags.
        let source = if flags.contains('q') {
            regex::escape(pattern.value())
        } else {
            pattern.value().to_owned()
        };
        regex::RegexBuilder::new(&source)
            .case_insensitive(flags.contains('i'))
            .multi_line(flags.contains('m'))
            .dot_matches_new_line(flags.contains('s'))
            .ignore_whitespace(flags.contains('x'))
            .build()
            .map_err(|e| invalid(node, format!("invalid sh:pattern: {e}")))
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
