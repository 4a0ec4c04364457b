//! `/store`: the SPARQL 1.1 Graph Store HTTP Protocol. Any graph can be read; a network
//! writes (PUT, POST, DELETE) only its own graph, the admin token any named graph, validated
//! like any other write.

use super::error::{Error, Result};
use super::openapi::{problem, rdf_body};
use super::routes::{operation, route, Route};
use super::{auth, graph_response, AppState};
use crate::store::AppStore;
use crate::validation::Change;
use crate::writes::{Write, WriteError};
use axum::body::Body;
use axum::extract::{RawQuery, State};
use axum::http::Method;
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use oxigraph::model::{Graph, GraphName, GraphNameRef, NamedNode, Triple};
use serde_json::json;

/// Who the provenance names for a write made with the admin token.
const ADMIN: &str = "admin";

enum Target {
    /// `?default`: the default graph, which is the union of all graphs here.
    Default,
    Named(NamedNode),
}

fn target(state: &AppState, raw: Option<String>) -> Result<Target> {
    let raw = raw.unwrap_or_default();
    let mut graph = None;
    let mut default = false;
    for (key, value) in url::form_urlencoded::parse(raw.as_bytes()) {
        match key.as_ref() {
            "graph" => graph = Some(value.into_owned()),
            "default" => default = true,
            _ => {}
        }
    }
    match (graph, default) {
        (Some(_), true) => Err(Error::BadRequest(
            "give either ?graph=IRI or ?default, not both".into(),
        )),
        (Some(g), false) => {
            // A relative graph name is taken under {base}graphs/.
            let iri = if g.contains(':') {
                g
            } else {
                state.store.base.graph(&g)
            };
            NamedNode::new(&iri)
                .map(Target::Named)
                .map_err(|e| Error::BadRequest(format!("invalid graph IRI {iri:?}: {e}")))
        }
        (None, true) => Ok(Target::Default),
        (None, false) => Err(Error::BadRequest(
            "name the graph: ?graph=IRI or ?default".into(),
        )),
    }
}

/// Above this many quads a named graph is read as the whole store is (see [`AppState::whole_store_read`]).
const LARGE_GRAPH_QUADS: usize = 10_000;

pub async fn get(
    State(state): State<AppState>,
    RawQuery(raw): RawQuery,
    headers: HeaderMap,
) -> Result<Response> {
    let target = target(&state, raw)?;
    let mut permit = match target {
        Target::Default => Some(state.whole_store_read()?),
        Target::Named(_) => None,
    };
    let store = state.store.clone();
    let triples = tokio::task::spawn_blocking(move || -> Result<Option<Vec<Triple>>> {
        let graph = match &target {
            Target::Named(g) => {
                let size = store
                    .store
                    .quads_for_pattern(None, None, None, Some(g.as_ref().into()))
                    .take(LARGE_GRAPH_QUADS + 1)
                    .count();
                // A graph whose statements were all deleted no longer exists for the protocol.
                if size == 0 {
                    return Ok(None);
                }
                // A large graph costs what a read of the whole store costs: it waits for the
                // same two turns, so that repeated GETs of it cannot pin the CPU.
                if size > LARGE_GRAPH_QUADS {
                    permit = Some(state.whole_store_read()?);
                }
                Some(g.clone())
            }
            Target::Default => None,
        };
        let _permit = permit;
        let mut triples = Vec::new();
        let mut seen = std::collections::HashSet::new();
        for quad in store.store.quads_for_pattern(
            None,
            None,
            None,
            graph.as_ref().map(|g| g.as_ref().into()),
        ) {
            let quad = quad?;
            if quad.graph_name.as_ref() == GraphNameRef::DefaultGraph && graph.is_none() {
                continue;
            }
            let triple = Triple::from(quad);
            if seen.insert(triple.clone()) {
                triples.push(triple);
            }
        }
        Ok(Some(triples))
    })
    .await
    .map_err(Error::internal)??;
    match triples {
        Some(triples) => graph_response(&headers, &triples),
        None => Err(Error::NotFound("no such graph in the store".into())),
    }
}

/// The graph a write changes, and who writes: a network writes its own graph only; the admin
/// token writes any named graph (as SPARQL Update lets it) but the provenance the server keeps.
fn own_graph(
    state: &AppState,
    headers: &HeaderMap,
    raw: Option<String>,
) -> Result<(String, NamedNode)> {
    if state.is_admin(headers) {
        let meta = state.store.graph(crate::vocab::GRAPH_META);
        return match target(state, raw)? {
            Target::Named(g) if g == meta => Err(Error::Forbidden(format!(
                "{meta} holds the provenance the server records: it is not written directly"
            ))),
            Target::Named(g) => Ok((ADMIN.into(), g)),
            Target::Default => Err(Error::Forbidden(
                "the default graph is the union of all graphs: name the graph to write (?graph=IRI)"
                    .into(),
            )),
        };
    }
    let network = auth::network(state, headers)?;
    let own = state.store.graph(&network);
    match target(state, raw)? {
        Target::Named(g) if g == own => Ok((network, own)),
        Target::Named(g) => Err(Error::Forbidden(format!(
            "network {network} writes only to its own graph {own}, not {g}"
        ))),
        Target::Default => Err(Error::Forbidden(format!(
            "the default graph is the union of all graphs; network {network} writes only to {own}"
        ))),
    }
}

/// Commits a change to the caller's graph; `change` computes it under the write lock from the
/// graph's current content.
async fn write(
    state: &AppState,
    network: String,
    graph: NamedNode,
    change: impl FnOnce(Graph) -> Result<Change, WriteError> + Send + 'static,
) -> Result<Write> {
    let store = state.store.clone();
    let validator = state.validator.clone();
    tokio::task::spawn_blocking(move || {
        crate::writes::commit_write(&store, &validator, |store| {
            let current = current(store, &graph)?;
            let change = change(current)?;
            let resources: Vec<NamedNode> = change
                .add
                .iter()
                .chain(change.remove.iter())
                .filter_map(|t| match t.subject {
                    oxigraph::model::NamedOrBlankNodeRef::NamedNode(n)
                        if !n.as_str().contains('#') =>
                    {
                        Some(n.into_owned())
                    }
                    _ => None,
                })
                .collect::<std::collections::BTreeSet<_>>()
                .into_iter()
                .collect();
            Ok(Write {
                network,
                graph,
                change,
                resources,
            })
        })
    })
    .await
    .map_err(Error::internal)?
    .map_err(|e| super::resources::write_error(state, e))
}

async fn body_graph(state: &AppState, headers: &HeaderMap, body: Body) -> Result<Graph> {
    let body = state.read_body(body).await?;
    let quads = state.parse_rdf_body(headers, &body, &GraphName::DefaultGraph)?;
    Ok(quads
        .into_iter()
        .map(|q| Triple::new(q.subject, q.predicate, q.object))
        .collect())
}

fn current(store: &AppStore, graph: &NamedNode) -> Result<Graph, WriteError> {
    let mut out = Graph::new();
    for quad in store
        .store
        .quads_for_pattern(None, None, None, Some(graph.as_ref().into()))
    {
        out.insert(&Triple::from(quad?));
    }
    Ok(out)
}

pub async fn put(
    State(state): State<AppState>,
    RawQuery(raw): RawQuery,
    headers: HeaderMap,
    body: Body,
) -> Result<Response> {
    let (network, graph) = own_graph(&state, &headers, raw)?;
    let add = body_graph(&state, &headers, body).await?;
    let written = write(&state, network, graph, move |remove| {
        Ok(Change { add, remove })
    })
    .await?;
    // Nothing replaced: the graph is new.
    Ok(super::empty(if written.change.remove.is_empty() {
        StatusCode::CREATED
    } else {
        StatusCode::NO_CONTENT
    }))
}

pub async fn post(
    State(state): State<AppState>,
    RawQuery(raw): RawQuery,
    headers: HeaderMap,
    body: Body,
) -> Result<Response> {
    let (network, graph) = own_graph(&state, &headers, raw)?;
    let add = body_graph(&state, &headers, body).await?;
    write(&state, network, graph, move |_| {
        Ok(Change {
            add,
            remove: Graph::new(),
        })
    })
    .await?;
    Ok(super::empty(StatusCode::NO_CONTENT))
}

pub async fn delete(
    State(state): State<AppState>,
    RawQuery(raw): RawQuery,
    headers: HeaderMap,
) -> Result<Response> {
    let (network, graph) = own_graph(&state, &headers, raw)?;
    let name = graph.clone();
    write(&state, network, graph, move |remove| {
        if remove.is_empty() {
            return Err(WriteError::NotFound(format!("the graph {name} is empty")));
        }
        Ok(Change {
            add: Graph::new(),
            remove,
        })
    })
    .await?;
    Ok(super::empty(StatusCode::NO_CONTENT))
}

/// `/store`, the Graph Store Protocol endpoint.
pub fn routes() -> Vec<Route> {
    vec![route(
        "/store",
        vec![
            operation(
                Method::GET,
                get,
                json!({ "summary": "Graph Store Protocol: read a graph (?graph=IRI or ?default)", "responses": { "200": { "description": "the graph by Accept" }, "404": problem("no such graph") } }),
            ),
            operation(
                Method::PUT,
                put,
                json!({ "summary": "replace the caller's own graph (the admin token: any named graph)", "security": [{ "network": [] }], "requestBody": rdf_body("the graph"), "responses": { "201": { "description": "created" }, "204": { "description": "replaced" }, "403": problem("another network's graph"), "422": { "description": "validation report" } } }),
            ),
            operation(
                Method::POST,
                post,
                json!({ "summary": "add to the caller's own graph", "security": [{ "network": [] }], "requestBody": rdf_body("triples"), "responses": { "204": { "description": "added" }, "403": problem("another network's graph") } }),
            ),
            operation(
                Method::DELETE,
                delete,
                json!({ "summary": "empty the caller's own graph", "security": [{ "network": [] }], "responses": { "204": { "description": "deleted" }, "403": problem("another network's graph") } }),
            ),
        ],
    )]
}
