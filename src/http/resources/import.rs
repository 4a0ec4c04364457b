//! `POST /import`: a network's whole graph in one request, with its blank nodes skolemized.
//! Apart because it writes many resources at once and names the nodes it stores, where the
//! other writes touch one resource named by its path.

use super::write::commit;
use crate::http::auth;
use crate::http::error::{Error, Result};
use crate::http::AppState;
use crate::validation::Change;
use crate::writes::Write;
use axum::body::Body;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use oxigraph::model::{Graph, GraphName, NamedNode, NamedOrBlankNode, Term, Triple};
use serde_json::json;

/// `POST /import`: a whole `@graph` (or Turtle, N-Triples, N-Quads…) into the network's graph,
/// atomically: for every resource it describes, the network's previous statements are replaced.
pub async fn import(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Body,
) -> Result<Response> {
    let network = auth::network(&state, &headers)?;
    let body = state.read_body(body).await?;
    let graph = state.store.graph(&network);
    let quads = state.parse_rdf_body(&headers, &body, &GraphName::NamedNode(graph.clone()))?;
    if let Some(other) = quads
        .iter()
        .find(|q| q.graph_name != GraphName::NamedNode(graph.clone()))
    {
        return Err(Error::Forbidden(format!(
            "the payload writes to graph {} but network {network} writes only to {graph}",
            other.graph_name
        )));
    }
    if quads.is_empty() {
        return Err(Error::BadRequest("the body holds no RDF statement".into()));
    }
    let write = commit(&state, move |store| {
        let add: Graph = skolemize(store, quads.into_iter().map(Triple::from));
        let mut resources = Vec::new();
        let mut seen = std::collections::HashSet::new();
        for t in add.iter() {
            if let oxigraph::model::NamedOrBlankNodeRef::NamedNode(n) = t.subject {
                if !n.as_str().contains('#') && seen.insert(n) {
                    resources.push(n.into_owned());
                }
            }
        }
        let remove = store.statements_about_all(&graph, &resources)?;
        Ok(Write {
            network,
            graph,
            change: Change { add, remove },
            resources,
        })
    })
    .await?;
    Ok(axum::Json(
        json!({ "imported": write.change.add.len(), "resources": write.resources.len() }),
    )
    .into_response())
}

/// Blank nodes become IRIs under `{base}.well-known/genid/` (RDF 1.1 §3.5), so that every
/// stored node can be named in later requests. Each import names them anew: re-importing a
/// payload with blank nodes leaves the previous ones (PUT on `/store` replaces a whole graph).
fn skolemize(store: &crate::store::AppStore, triples: impl Iterator<Item = Triple>) -> Graph {
    let mut names = std::collections::HashMap::new();
    let mut name = |b: &oxigraph::model::BlankNode| -> NamedNode {
        names
            .entry(b.clone())
            .or_insert_with(|| {
                NamedNode::new_unchecked(format!(
                    "{}.well-known/genid/{}",
                    store.base.as_str(),
                    oxigraph::model::BlankNode::default().as_str()
                ))
            })
            .clone()
    };
    triples
        .map(|t| {
            let subject: NamedOrBlankNode = match &t.subject {
                NamedOrBlankNode::BlankNode(b) => name(b).into(),
                s => s.clone(),
            };
            let object: Term = match &t.object {
                Term::BlankNode(b) => name(b).into(),
                o => o.clone(),
            };
            Triple::new(subject, t.predicate, object)
        })
        .collect()
}
