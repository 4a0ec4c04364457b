//! SHACL property paths: parsing from the shapes graph, evaluation over a data
//! graph, and serialisation back to RDF for reports.

use std::collections::{HashSet, VecDeque};
use std::fmt;

use oxrdf::vocab::rdf;
use oxrdf::{BlankNode, Graph, NamedNode, Term, TermRef, Triple};

use super::rdf::{object, read_list};
use super::vocab as sh;
use super::{DataGraph, ShaclError};

/// A compiled property path. Equality is structural, so two blank-node paths
/// written separately compare equal when they mean the same thing.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Path {
    Predicate(NamedNode),
    Inverse(Box<Path>),
    Sequence(Vec<Path>),
    Alternative(Vec<Path>),
    ZeroOrMore(Box<Path>),
    OneOrMore(Box<Path>),
    ZeroOrOne(Box<Path>),
}

/// Deeper paths than this can only come from a cyclic path definition.
const MAX_DEPTH: usize = 64;

impl Path {
    /// Parses the path rooted at `node` (the object of `sh:path` or `sh:resultPath`).
    pub fn from_graph(graph: &Graph, node: TermRef<'_>) -> Result<Path, ShaclError> {
        Self::parse(graph, node, 0)
    }

    fn parse(graph: &Graph, node: TermRef<'_>, depth: usize) -> Result<Path, ShaclError> {
        if depth > MAX_DEPTH {
            return Err(ShaclError::InvalidPath(format!(
                "{node} is nested too deeply"
            )));
        }
        let inner = |n: TermRef<'_>| Self::parse(graph, n, depth + 1).map(Box::new);
        let list = |n: TermRef<'_>| -> Result<Vec<Path>, ShaclError> {
            read_list(graph, n)?
                .iter()
                .map(|t| Self::parse(graph, t.as_ref(), depth + 1))
                .collect()
        };
        match node {
            TermRef::NamedNode(n) => Ok(Path::Predicate(n.into_owned())),
            TermRef::BlankNode(_) => {
                // A list wins over other path keys on the same node (W3C path-strange tests).
                if object(graph, node, rdf::FIRST).is_some() {
                    let items = list(node)?;
                    return match items.len() {
                        0 => Err(ShaclError::InvalidPath(format!(
                            "{node} is an empty sequence"
                        ))),
                        _ => Ok(Path::Sequence(items)),
                    };
                }
                if let Some(n) = object(graph, node, sh::INVERSE_PATH) {
                    return Ok(Path::Inverse(inner(n)?));
                }
                if let Some(n) = object(graph, node, sh::ALTERNATIVE_PATH) {
                    return Ok(Path::Alternative(list(n)?));
                }
                if let Some(n) = object(graph, node, sh::ZERO_OR_MORE_PATH) {
                    return Ok(Path::ZeroOrMore(inner(n)?));
                }
                if let Some(n) = object(graph, node, sh::ONE_OR_MORE_PATH) {
                    return Ok(Path::OneOrMore(inner(n)?));
                }
                if let Some(n) = object(graph, node, sh::ZERO_OR_ONE_PATH) {
                    return Ok(Path::ZeroOrOne(inner(n)?));
                }
                Err(ShaclError::InvalidPath(format!(
                    "{node} is not a SHACL path"
                )))
            }
            _ => Err(ShaclError::InvalidPath(format!(
                "{node} is not a SHACL path"
            ))),
        }
    }

    /// Every predicate the path follows, forwards into `forward`, backwards into `inverse`.
    pub fn predicates(
        &self,
        inverted: bool,
        forward: &mut HashSet<String>,
        inverse: &mut HashSet<String>,
    ) {
        match self {
            Path::Predicate(p) => {
                let out = if inverted { inverse } else { forward };
                out.insert(p.as_str().to_owned());
            }
            Path::Inverse(inner) => inner.predicates(!inverted, forward, inverse),
            Path::Sequence(paths) | Path::Alternative(paths) => {
                for path in paths {
                    path.predicates(inverted, forward, inverse);
                }
            }
            Path::ZeroOrMore(inner) | Path::OneOrMore(inner) | Path::ZeroOrOne(inner) => {
                inner.predicates(inverted, forward, inverse)
            }
        }
    }

    /// The most links the path follows from its focus node; `None` when unbounded.
    pub fn length(&self) -> Option<usize> {
        match self {
            Path::Predicate(_) => Some(1),
            Path::Inverse(inner) | Path::ZeroOrOne(inner) => inner.length(),
            Path::Sequence(paths) => paths.iter().map(Path::length).sum(),
            Path::Alternative(paths) => paths
                .iter()
                .map(Path::length)
                .try_fold(0, |longest, l| l.map(|l| longest.max(l))),
            Path::ZeroOrMore(_) | Path::OneOrMore(_) => None,
        }
    }

    /// The predicate when the path is a plain IRI (needed by `sh:closed`).
    pub fn as_predicate(&self) -> Option<&NamedNode> {
        match self {
            Path::Predicate(p) => Some(p),
            _ => None,
        }
    }

    /// The value nodes reached from `focus`, without duplicates.
    pub fn values(&self, data: &impl DataGraph, focus: &Term) -> Vec<Term> {
        let mut out = self.eval(data, focus, false);
        dedup(&mut out);
        out
    }

    /// May return duplicates; `values` removes them once at the end, which is cheaper
    /// than deduplicating every intermediate step of a simple predicate path.
    fn eval(&self, data: &impl DataGraph, start: &Term, inverse: bool) -> Vec<Term> {
        match self {
            Path::Predicate(p) if inverse => data.subjects(p, start),
            Path::Predicate(p) => data.objects(start, p),
            Path::Inverse(inner) => inner.eval(data, start, !inverse),
            Path::Sequence(steps) => {
                let mut current = vec![start.clone()];
                let mut step = |path: &Path| {
                    let mut next = Vec::new();
                    for node in &current {
                        next.extend(path.eval(data, node, inverse));
                    }
                    dedup(&mut next);
                    current = next;
                };
                if inverse {
                    steps.iter().rev().for_each(&mut step);
                } else {
                    steps.iter().for_each(&mut step);
                }
                current
            }
            Path::Alternative(options) => options
                .iter()
                .flat_map(|p| p.eval(data, start, inverse))
                .collect(),
            Path::ZeroOrMore(inner) => closure(inner, data, start, inverse, true),
            Path::OneOrMore(inner) => closure(inner, data, start, inverse, false),
            Path::ZeroOrOne(inner) => {
                let mut out = vec![start.clone()];
                out.extend(inner.eval(data, start, inverse));
                out
            }
        }
    }

    /// Writes the path as SHACL RDF into `graph` and returns its root node.
    pub fn to_rdf(&self, graph: &mut Graph) -> Term {
        let node = |predicate: oxrdf::NamedNodeRef<'_>, inner: &Path, graph: &mut Graph| {
            let b = BlankNode::default();
            let object = inner.to_rdf(graph);
            graph.insert(&Triple::new(b.clone(), predicate, object));
            Term::from(b)
        };
        match self {
            Path::Predicate(p) => p.clone().into(),
            Path::Inverse(p) => node(sh::INVERSE_PATH, p, graph),
            Path::ZeroOrMore(p) => node(sh::ZERO_OR_MORE_PATH, p, graph),
            Path::OneOrMore(p) => node(sh::ONE_OR_MORE_PATH, p, graph),
            Path::ZeroOrOne(p) => node(sh::ZERO_OR_ONE_PATH, p, graph),
            Path::Sequence(items) => write_list(items, graph),
            Path::Alternative(items) => {
                let b = BlankNode::default();
                let list = write_list(items, graph);
                graph.insert(&Triple::new(b.clone(), sh::ALTERNATIVE_PATH, list));
                b.into()
            }
        }
    }
}

fn write_list(items: &[Path], graph: &mut Graph) -> Term {
    let mut rest: Term = rdf::NIL.into_owned().into();
    for item in items.iter().rev() {
        let cell = BlankNode::default();
        let first = item.to_rdf(graph);
        graph.insert(&Triple::new(cell.clone(), rdf::FIRST, first));
        graph.insert(&Triple::new(cell.clone(), rdf::REST, rest));
        rest = cell.into();
    }
    rest
}

fn closure(
    inner: &Path,
    data: &impl DataGraph,
    start: &Term,
    inverse: bool,
    include_start: bool,
) -> Vec<Term> {
    let mut seen = HashSet::new();
    let mut out = Vec::new();
    if include_start {
        seen.insert(start.clone());
        out.push(start.clone());
    }
    let mut queue = VecDeque::from([start.clone()]);
    while let Some(node) = queue.pop_front() {
        for next in inner.eval(data, &node, inverse) {
            if seen.insert(next.clone()) {
                out.push(next.clone());
                queue.push_back(next);
            }
        }
    }
    out
}

/// Order-preserving deduplication; short lists (the common case) skip the hash set.
pub(crate) fn dedup(terms: &mut Vec<Term>) {
    if terms.len() < 2 {
        return;
    }
    if terms.len() <= 8 {
        let mut i = 1;
        while i < terms.len() {
            if terms[..i].contains(&terms[i]) {
                terms.remove(i);
            } else {
                i += 1;
            }
        }
        return;
    }
    let mut seen = HashSet::with_capacity(terms.len());
    terms.retain(|t| seen.insert(t.clone()));
}

/// SPARQL property path syntax, for text reports.
impl fmt::Display for Path {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let join = |f: &mut fmt::Formatter<'_>, items: &[Path], sep: &str| {
            write!(f, "(")?;
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    write!(f, "{sep}")?;
                }
                write!(f, "{item}")?;
            }
            write!(f, ")")
        };
        match self {
            Path::Predicate(p) => write!(f, "{p}"),
            Path::Inverse(p) => write!(f, "^{p}"),
            Path::Sequence(items) => join(f, items, " / "),
            Path::Alternative(items) => join(f, items, " | "),
            Path::ZeroOrMore(p) => write!(f, "{p}*"),
            Path::OneOrMore(p) => write!(f, "{p}+"),
            Path::ZeroOrOne(p) => write!(f, "{p}?"),
        }
    }
}
