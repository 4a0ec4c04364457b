//! Small helpers for reading the shapes graph (an in-memory `Graph`).

use std::collections::HashSet;

use oxrdf::vocab::{rdf, xsd};
use oxrdf::{Graph, NamedNodeRef, NamedOrBlankNodeRef, Term, TermRef};

use super::ShaclError;

/// The subject form of a term; `None` for literals (and RDF 1.2 triple terms), which
/// can never have outgoing edges. For [`DataGraph`](crate::DataGraph) implementations, whose
/// look-ups take terms.
pub fn subject_ref(term: &Term) -> Option<NamedOrBlankNodeRef<'_>> {
    match term {
        Term::NamedNode(n) => Some(n.into()),
        Term::BlankNode(b) => Some(b.into()),
        _ => None,
    }
}

pub(crate) fn subject_of(term: TermRef<'_>) -> Option<NamedOrBlankNodeRef<'_>> {
    match term {
        TermRef::NamedNode(n) => Some(n.into()),
        TermRef::BlankNode(b) => Some(b.into()),
        _ => None,
    }
}

pub(crate) fn objects<'a>(
    graph: &'a Graph,
    subject: TermRef<'a>,
    predicate: NamedNodeRef<'a>,
) -> impl Iterator<Item = TermRef<'a>> + 'a {
    subject_of(subject)
        .into_iter()
        .flat_map(move |s| graph.objects_for_subject_predicate(s, predicate))
}

pub(crate) fn object<'a>(
    graph: &'a Graph,
    subject: TermRef<'a>,
    predicate: NamedNodeRef<'a>,
) -> Option<TermRef<'a>> {
    objects(graph, subject, predicate).next()
}

/// Reads an RDF collection. Cycles and branching lists are rejected rather than
/// followed, since a malformed shapes graph must not hang compilation.
pub(crate) fn read_list(graph: &Graph, head: TermRef<'_>) -> Result<Vec<Term>, ShaclError> {
    let mut items = Vec::new();
    let mut seen = HashSet::new();
    let mut node = head;
    while node != rdf::NIL.into() {
        if !seen.insert(node) {
            return Err(ShaclError::InvalidList(format!("{head} is cyclic")));
        }
        let first = object(graph, node, rdf::FIRST)
            .ok_or_else(|| ShaclError::InvalidList(format!("{node} has no rdf:first")))?;
        items.push(first.into_owned());
        node = object(graph, node, rdf::REST)
            .ok_or_else(|| ShaclError::InvalidList(format!("{node} has no rdf:rest")))?;
    }
    Ok(items)
}

/// SHACL only recognises the literal `true` for boolean switches (see the W3C test
/// uniqueLang-002, where `"1"^^xsd:boolean` must not activate the constraint).
pub(crate) fn is_true(term: Option<TermRef<'_>>) -> bool {
    matches!(term, Some(TermRef::Literal(l)) if l.datatype() == xsd::BOOLEAN && l.value() == "true")
}
