//! One resource's GET: the negotiated representation, its ETag and 304, and the representation
//! cache that spares rendering a resource whose state has not changed. Apart because this is the
//! hot read path, measured and tuned on its own.

use super::etag::{etag, state_tag};
use super::funding::resource_document;
use super::negotiation::{negotiate, Repr};
use super::target;
use crate::http::error::{Error, Result};
use crate::http::representations::Kept;
use crate::http::{headers, with_type, AppState};
use crate::rdf;
use crate::resources;
use crate::vocab::{self, Collection};
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::Response;
use oxigraph::model::{NamedNode, NamedOrBlankNode, Triple};

/// One resource's description, read on the async worker: a few index look-ups bounded by the
/// resource's own size cost less than handing them to a blocking thread (measured: GET went
/// from 5 000 to 9 000 requests/s when the other hand-off went away).
pub(super) async fn describe(state: &AppState, iri: &NamedNode) -> Result<Vec<Triple>> {
    let meta = state.store.graph(vocab::GRAPH_META);
    Ok(state
        .store
        .reading(|quads| resources::describe(quads, iri.as_ref(), meta.as_ref()))?)
}

pub async fn get_one(
    State(state): State<AppState>,
    Path((segment, slug)): Path<(String, String)>,
    headers: HeaderMap,
) -> Result<Response> {
    let (collection, iri) = target(&state, &segment, &slug)?;
    let (repr, media_type) = negotiate(&headers)?;
    let version = state.store.commits.version();
    if let Some(kept) = state.representations.get(iri.as_str(), media_type, version) {
        return Ok(answer(&headers, media_type, kept.etag, kept.body));
    }
    let triples = describe(&state, &iri).await?;
    if !triples
        .iter()
        .any(|t| t.subject == NamedOrBlankNode::from(iri.clone()))
    {
        return Err(Error::NotFound(format!("no resource {iri}")));
    }
    let etag =
        HeaderValue::from_str(&etag(&state_tag(&triples), media_type)).map_err(Error::internal)?;
    // A client that holds this state gets its 304 without the body being rendered.
    if headers::not_modified(&headers, &etag) {
        return Ok(answer(&headers, media_type, etag, Bytes::new()));
    }
    let body: Bytes = rendered(&state, collection, &iri, &triples, repr)
        .await?
        .into();
    state.representations.put(
        iri.as_str(),
        media_type,
        Kept {
            version,
            etag: etag.clone(),
            body: body.clone(),
        },
    );
    Ok(answer(&headers, media_type, etag, body))
}

/// The representation, or 304 when the client holds it already.
fn answer(headers: &HeaderMap, media_type: &str, etag: HeaderValue, body: Bytes) -> Response {
    let mut response = if headers::not_modified(headers, &etag) {
        crate::http::empty(StatusCode::NOT_MODIFIED)
    } else {
        with_type(media_type, body)
    };
    response.headers_mut().insert(header::ETAG, etag);
    response
}

/// A resource's triples rendered in the representation asked for.
async fn rendered(
    state: &AppState,
    collection: &Collection,
    iri: &NamedNode,
    triples: &[Triple],
    repr: Repr,
) -> Result<Vec<u8>> {
    Ok(match repr {
        Repr::Rdf(format) => rdf::serialize_triples(triples, format)?,
        Repr::JsonLd | Repr::Html => {
            let document = resource_document(state, collection, iri, triples).await?;
            if repr == Repr::JsonLd {
                serde_json::to_vec_pretty(&document).map_err(Error::internal)?
            } else {
                crate::http::pages::resource_page(state, collection, iri, &document).await?
            }
        }
    })
}
