//! The body of `POST /{collection}` or `PUT /{collection}/{slug}` shaped into one resource's
//! triples.

use super::slugs::{is_slug, mint};
use super::WriteError;
use crate::store::AppStore;
use crate::vocab::{self, Collection};
use oxigraph::model::{BlankNode, Graph, NamedNode, NamedOrBlankNode, Quad, Term, Triple};
use std::collections::HashMap;

/// One resource's triples and its IRI.
pub struct Shaped {
    pub iri: NamedNode,
    pub triples: Graph,
    /// The IRI was minted here (free when minted), not given by the request.
    pub minted: bool,
}

/// Turns the parsed body of `POST /{collection}` or `PUT /{collection}/{slug}` into the
/// resource's triples: finds the root node (the one typed with the collection's class, or the
/// only node nothing points to), gives it `target` (or mints one from its name when it is a
/// blank node and `target` is None), checks that its IRI is under the collection, and names
/// the blank nodes it owns `{iri}#{property}` so that later writes can replace them.
pub fn resource_triples(
    store: &AppStore,
    collection: &Collection,
    quads: Vec<Quad>,
    target: Option<&NamedNode>,
) -> Result<Shaped, WriteError> {
    let triples: Vec<Triple> = quads.into_iter().map(Triple::from).collect();
    if triples.is_empty() {
        return Err(WriteError::BadRequest(
            "the body holds no RDF statement".into(),
        ));
    }
    let root = find_root(&triples, collection)?;
    let prefix = store.base.resource(collection.segment, "");
    let minted = target.is_none() && matches!(root, NamedOrBlankNode::BlankNode(_));
    let iri = match (&root, target) {
        (NamedOrBlankNode::NamedNode(n), Some(t)) if n != t => {
            return Err(WriteError::BadRequest(format!(
                "the body describes {n} but the request is for {t}: its @id must be the resource's IRI or absent"
            )))
        }
        (_, Some(t)) => t.clone(),
        (NamedOrBlankNode::NamedNode(n), None) => {
            let slug = n.as_str().strip_prefix(&prefix).unwrap_or_default();
            if !is_slug(slug) {
                return Err(WriteError::BadRequest(format!(
                    "@id {n} is outside this collection: resources of /{} are minted as {prefix}{{slug}} (slug: a-z, 0-9 and '-'); leave @id out to let the server mint it",
                    collection.segment
                )));
            }
            n.clone()
        }
        (NamedOrBlankNode::BlankNode(_), None) => {
            let name = triples
                .iter()
                .find(|t| t.subject == root && t.predicate == vocab::NAME)
                .and_then(|t| match &t.object {
                    Term::Literal(l) => Some(l.value().to_owned()),
                    _ => None,
                })
                .ok_or_else(|| WriteError::BadRequest("a resource without @id needs a name, from which its IRI is minted".into()))?;
            mint(store, collection, &name)?
        }
    };
    let class: Term = collection.class.into_owned().into();
    let other_types: Vec<String> = triples
        .iter()
        .filter(|t| t.subject == root && t.predicate == vocab::RDF_TYPE && t.object != class)
        .map(|t| t.object.to_string())
        .collect();
    let has_class = triples
        .iter()
        .any(|t| t.subject == root && t.predicate == vocab::RDF_TYPE && t.object == class);
    if !has_class && !other_types.is_empty() {
        return Err(WriteError::BadRequest(format!(
            "the resource is typed {} but /{} holds resources of type <{}>",
            other_types.join(", "),
            collection.segment,
            collection.class.as_str()
        )));
    }
    let mut graph = own_blank_nodes(&triples, &root, &iri);
    // A resource written to a collection is of its class, said or not.
    graph.insert(&Triple::new(iri.clone(), vocab::RDF_TYPE, collection.class));
    Ok(Shaped {
        iri,
        triples: graph,
        minted,
    })
}

fn find_root(triples: &[Triple], collection: &Collection) -> Result<NamedOrBlankNode, WriteError> {
    let class: Term = collection.class.into_owned().into();
    let typed: Vec<&NamedOrBlankNode> = triples
        .iter()
        .filter(|t| t.predicate == vocab::RDF_TYPE && t.object == class)
        .map(|t| &t.subject)
        .collect();
    match typed.as_slice() {
        [one] => return Ok((*one).clone()),
        [] => {}
        _ => {
            return Err(WriteError::BadRequest(format!(
                "the body describes {} resources of type <{}>; send one per request, or use POST /import",
                typed.len(),
                collection.class.as_str()
            )))
        }
    }
    let objects: std::collections::HashSet<&Term> = triples.iter().map(|t| &t.object).collect();
    let mut roots: Vec<&NamedOrBlankNode> = triples
        .iter()
        .map(|t| &t.subject)
        .filter(|s| !objects.contains(&Term::from((*s).clone())))
        .collect();
    roots.dedup();
    match roots.as_slice() {
        [one] => Ok((*one).clone()),
        _ => Err(WriteError::BadRequest(format!(
            "cannot tell which node is the resource: give it \"type\": \"{}\"",
            collection.class_term()
        ))),
    }
}

/// Renames the root to `iri` and every blank node to `{iri}#{property}` (with a number when the
/// same property owns several).
fn own_blank_nodes(triples: &[Triple], root: &NamedOrBlankNode, iri: &NamedNode) -> Graph {
    let mut names: HashMap<BlankNode, NamedNode> = HashMap::new();
    let mut used: HashMap<String, usize> = HashMap::new();
    // Name blank nodes after the property that links to them, parents first.
    let mut frontier = vec![root.clone()];
    while let Some(parent) = frontier.pop() {
        for t in triples.iter().filter(|t| t.subject == parent) {
            if let Term::BlankNode(b) = &t.object {
                if names.contains_key(b) || NamedOrBlankNode::from(b.clone()) == *root {
                    continue;
                }
                let local = t
                    .predicate
                    .as_str()
                    .rsplit(['#', '/'])
                    .next()
                    .unwrap_or("node")
                    .to_owned();
                let n = used.entry(local.clone()).or_insert(0);
                *n += 1;
                let fragment = if *n == 1 {
                    local
                } else {
                    format!("{local}-{n}")
                };
                names.insert(
                    b.clone(),
                    NamedNode::new_unchecked(format!("{}#{fragment}", iri.as_str())),
                );
                frontier.push(b.clone().into());
            }
        }
    }
    let rename_subject = |s: &NamedOrBlankNode| -> NamedOrBlankNode {
        if s == root {
            return iri.clone().into();
        }
        match s {
            NamedOrBlankNode::BlankNode(b) => {
                names.get(b).map_or_else(|| s.clone(), |n| n.clone().into())
            }
            other => other.clone(),
        }
    };
    let rename_object = |o: &Term| -> Term {
        match o {
            Term::BlankNode(b) if NamedOrBlankNode::from(b.clone()) == *root => iri.clone().into(),
            Term::BlankNode(b) => names.get(b).map_or_else(|| o.clone(), |n| n.clone().into()),
            Term::NamedNode(n) if NamedOrBlankNode::from(n.clone()) == *root => iri.clone().into(),
            other => other.clone(),
        }
    };
    triples
        .iter()
        .map(|t| {
            Triple::new(
                rename_subject(&t.subject),
                t.predicate.clone(),
                rename_object(&t.object),
            )
        })
        .collect()
}
