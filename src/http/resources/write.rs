//! Writes by networks into their own graph: POST, PUT and DELETE on a resource, If-Match, the
//! `Prefer: return=minimal` answer, and the mapping of write failures to problems. Apart because
//! writes run on a blocking thread under the store's write lock, unlike every read here.

use super::etag::{etag, state_tag};
use super::funding::resource_document;
use super::negotiation::REPRESENTATIONS;
use super::{collection, target};
use crate::http::error::{Error, Result};
use crate::http::{auth, headers, with_type, AppState};
use crate::resources;
use crate::store::AppStore;
use crate::validation::{render_report, Change, ReportFormat, Validator};
use crate::vocab::{self, Collection};
use crate::writes::{self, Write, WriteError};
use axum::body::Body;
use axum::extract::{Path, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::Response;
use axum_extra::headers::IfMatch;
use oxigraph::model::{Graph, GraphName, NamedNode};

/// Maps a write failure to the HTTP answer (422 carries the validation report as JSON-LD).
pub(in crate::http) fn write_error(state: &AppState, error: WriteError) -> Error {
    match error {
        WriteError::Invalid(report) => Error::Invalid {
            report_jsonld: render_report(&report, ReportFormat::JsonLd, &state.compactor),
        },
        WriteError::Precondition(m) => Error::PreconditionFailed(m),
        WriteError::BadRequest(m) => Error::BadRequest(m),
        WriteError::Forbidden(m) => Error::Forbidden(m),
        WriteError::NotFound(m) => Error::NotFound(m),
        WriteError::Conflict(m) => Error::Conflict(m),
        WriteError::Storage(e) => Error::internal(e),
    }
}

/// Runs a write on a blocking thread: `prepare` builds it under the write lock.
pub(super) async fn commit(
    state: &AppState,
    prepare: impl FnOnce(&AppStore) -> Result<Write, WriteError> + Send + 'static,
) -> Result<Write> {
    on_store(state, move |store, validator| {
        writes::commit_write(store, validator, prepare)
    })
    .await
}

/// Runs `job` on a blocking thread, with the store and the validator.
async fn on_store(
    state: &AppState,
    job: impl FnOnce(&AppStore, &Validator) -> Result<Write, WriteError> + Send + 'static,
) -> Result<Write> {
    let store = state.store.clone();
    let validator = state.validator.clone();
    tokio::task::spawn_blocking(move || job(&store, &validator))
        .await
        .map_err(Error::internal)?
        .map_err(|e| write_error(state, e))
}

/// If-Match: the client's ETag must name the resource's current state (in any of its
/// representations); `*` asks that the resource exist.
fn check_if_match(
    store: &AppStore,
    resource: &NamedNode,
    if_match: Option<&IfMatch>,
) -> Result<(), WriteError> {
    let Some(if_match) = if_match else {
        return Ok(());
    };
    let meta = store.graph(vocab::GRAPH_META);
    let current = resources::describe(&store.store, resource.as_ref(), meta.as_ref())?;
    let tag = state_tag(&current);
    let matches = if *if_match == IfMatch::any() {
        !current.is_empty()
    } else {
        headers::matches_any(
            if_match,
            REPRESENTATIONS
                .iter()
                .map(|(media_type, _)| etag(&tag, media_type)),
        )
    };
    if matches {
        Ok(())
    } else {
        Err(WriteError::Precondition(format!(
            "If-Match does not match the current state of {resource}: read it again"
        )))
    }
}

pub async fn create(
    State(state): State<AppState>,
    Path(segment): Path<String>,
    headers: HeaderMap,
    body: Body,
) -> Result<Response> {
    let collection = collection(&segment)?;
    let network = auth::network(&state, &headers)?;
    let body = state.read_body(body).await?;
    let quads = state.parse_rdf_body(&headers, &body, &GraphName::DefaultGraph)?;
    let graph = state.store.graph(&network);
    let base = state.store.base.as_str().trim_end_matches('/').to_owned();
    // Reads nothing but whether the resource exists: validated before the write lock is taken.
    let prepare = move |store: &AppStore| {
        let writes::Shaped {
            iri,
            triples: add,
            minted,
        } = writes::resource_triples(store, collection, quads.clone(), None)?;
        // A minted IRI was free a moment ago: one taken since by a write committed meanwhile
        // is found under the write lock (this write read its subject), where it is minted
        // again. Looked up again here, it would be refused for a race the client did not make.
        if !minted && store.exists(iri.as_ref())? {
            return Err(WriteError::Conflict(format!(
                "{iri} already exists: use PUT {} to replace your statements about it",
                iri.as_str().strip_prefix(&base).unwrap_or(iri.as_str())
            )));
        }
        Ok(Write {
            network: network.clone(),
            graph: graph.clone(),
            change: Change {
                add,
                remove: Graph::new(),
            },
            resources: vec![iri],
        })
    };
    let write = on_store(&state, move |store, validator| {
        writes::commit_new(store, validator, prepare)
    })
    .await?;
    let iri = write.resources[0].clone();
    let mut response =
        created_or_ok(&state, &headers, collection, &iri, StatusCode::CREATED).await?;
    response.headers_mut().insert(
        header::LOCATION,
        HeaderValue::from_str(iri.as_str()).map_err(Error::internal)?,
    );
    Ok(response)
}

/// The answer to a successful POST or PUT: the resource as it now reads, or nothing when the
/// client asked for `Prefer: return=minimal` (RFC 7240), which spares a bulk client the
/// description it would throw away.
async fn created_or_ok(
    state: &AppState,
    headers: &HeaderMap,
    collection: &Collection,
    iri: &NamedNode,
    status: StatusCode,
) -> Result<Response> {
    if headers::prefers_minimal(headers) {
        let mut response = crate::http::empty(status);
        response.headers_mut().insert(
            "preference-applied",
            HeaderValue::from_static("return=minimal"),
        );
        return Ok(response);
    }
    // From the store, not the copy: reading the copy would bring it up to date after every
    // write, which its batching avoids (measured: POSTs with 8 connections 3-9 % slower).
    let meta = state.store.graph(vocab::GRAPH_META);
    let triples = resources::describe(&state.store.store, iri.as_ref(), meta.as_ref())?;
    let document = resource_document(state, collection, iri, &triples).await?;
    let mut response = with_type(
        "application/ld+json",
        serde_json::to_vec_pretty(&document).map_err(Error::internal)?,
    );
    *response.status_mut() = status;
    response.headers_mut().insert(
        header::ETAG,
        HeaderValue::from_str(&etag(&state_tag(&triples), "application/ld+json"))
            .map_err(Error::internal)?,
    );
    Ok(response)
}

pub async fn replace(
    State(state): State<AppState>,
    Path((segment, slug)): Path<(String, String)>,
    headers: HeaderMap,
    body: Body,
) -> Result<Response> {
    let (collection, iri) = target(&state, &segment, &slug)?;
    let network = auth::network(&state, &headers)?;
    let body = state.read_body(body).await?;
    let quads = state.parse_rdf_body(&headers, &body, &GraphName::DefaultGraph)?;
    let graph = state.store.graph(&network);
    let (resource, expected) = (iri.clone(), headers::if_match(&headers));
    let existed = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let existed_in = existed.clone();
    commit(&state, move |store| {
        check_if_match(store, &resource, expected.as_ref())?;
        let add = writes::resource_triples(store, collection, quads, Some(&resource))?.triples;
        let remove = store.statements_about(&graph, resource.as_ref())?;
        existed_in.store(
            store.exists(resource.as_ref())?,
            std::sync::atomic::Ordering::Relaxed,
        );
        Ok(Write {
            network,
            graph,
            change: Change { add, remove },
            resources: vec![resource],
        })
    })
    .await?;
    let status = if existed.load(std::sync::atomic::Ordering::Relaxed) {
        StatusCode::OK
    } else {
        StatusCode::CREATED
    };
    created_or_ok(&state, &headers, collection, &iri, status).await
}

pub async fn delete(
    State(state): State<AppState>,
    Path((segment, slug)): Path<(String, String)>,
    headers: HeaderMap,
) -> Result<Response> {
    let (_, iri) = target(&state, &segment, &slug)?;
    let network = auth::network(&state, &headers)?;
    let graph = state.store.graph(&network);
    let expected = headers::if_match(&headers);
    commit(&state, move |store| {
        check_if_match(store, &iri, expected.as_ref())?;
        let remove = store.statements_about(&graph, iri.as_ref())?;
        if remove.is_empty() {
            return Err(WriteError::NotFound(format!(
                "the graph of network {network} says nothing about {iri}: a network deletes only its own statements"
            )));
        }
        Ok(Write {
            network,
            graph,
            change: Change { add: Graph::new(), remove },
            resources: vec![iri],
        })
    })
    .await?;
    Ok(crate::http::empty(StatusCode::NO_CONTENT))
}
