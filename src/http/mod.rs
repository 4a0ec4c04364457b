//! The HTTP surface: shared state, the router and its tower layers.

pub mod assets;
pub mod auth;
pub mod error;
pub mod headers;
pub mod meta;
pub mod openapi;
pub mod pages;
pub mod representations;
pub mod resources;
pub mod routes;
mod serve;
pub mod sparql;
pub mod store;
pub mod validate;

use crate::app::App;
use crate::rdf;
use axum::body::{Body, Bytes};
use axum::extract::DefaultBodyLimit;
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Router;
use error::{Error, Result};
use oxigraph::io::RdfFormat;
use oxigraph::model::Triple;
use oxigraph::model::{GraphName, Quad};
use std::sync::Arc;
use std::time::Duration;
use tower_http::compression::CompressionLayer;
use tower_http::cors::{Any, CorsLayer};
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::TraceLayer;

/// The triples of each named graph.
pub type GraphCounts = Arc<Vec<(oxigraph::model::NamedNode, usize)>>;

/// What a handler needs: the application core, and the caches that exist for HTTP only.
#[derive(Clone)]
pub struct AppState {
    /// Shared, not cloned field by field: axum clones the state for every request.
    pub app: Arc<App>,
    pub representations: Arc<representations::Representations>,
    /// Reads that go through the whole store (`/dump`, VoID's counts, the Graph Store's
    /// default graph): two at a time, so that repeating them cannot pin every core.
    pub whole_store_reads: Arc<tokio::sync::Semaphore>,
    /// VoID's triple counts per graph, at the store's version they were counted at.
    pub void_counts: Arc<std::sync::Mutex<Option<(u64, GraphCounts)>>>,
    /// The French label of each term of the context, for the HTML pages.
    pub term_labels: Arc<std::collections::HashMap<String, String>>,
    /// `/openapi.json`, written once: building it walks every route (~0.3 ms a request).
    pub openapi: Bytes,
}

/// Handlers read the core's parts directly (`state.store`, `state.validator`…).
impl std::ops::Deref for AppState {
    type Target = App;

    fn deref(&self) -> &App {
        &self.app
    }
}

impl AppState {
    /// A permit for a read through the whole store, or 503 when two run already.
    pub fn whole_store_read(&self) -> Result<tokio::sync::OwnedSemaphorePermit, Error> {
        self.whole_store_reads.clone().try_acquire_owned().map_err(|_| {
            Error::Busy(
                "two reads of the whole store (dump, VoID, default graph) run already: try again shortly"
                    .into(),
            )
        })
    }

    pub fn new(app: App) -> Self {
        let representations = Arc::new(representations::Representations::new(
            app.config.kept_representations_bytes,
        ));
        let openapi = serde_json::to_vec(&openapi::document(
            app.store.base.as_str(),
            routes::paths(&all_routes()),
        ))
        .map(Bytes::from)
        .unwrap_or_default();
        Self {
            openapi,
            term_labels: Arc::new(pages::term_labels(&app)),
            app: Arc::new(app),
            representations,
            whole_store_reads: Arc::new(tokio::sync::Semaphore::new(2)),
            void_counts: Arc::default(),
        }
    }

    /// Reads a request body; tower-http's `RequestBodyLimitLayer` (see [`router`]) stops it at
    /// the configured limit.
    pub async fn read_body(&self, body: Body) -> Result<Bytes> {
        let limit = self.config.max_body_bytes;
        axum::body::to_bytes(body, usize::MAX).await.map_err(|e| {
            if is_length_limit(&e) {
                Error::PayloadTooLarge(limit)
            } else {
                Error::BadRequest(format!("cannot read the request body: {e}"))
            }
        })
    }

    /// Parses a request body as RDF, by its Content-Type: 415 for an unknown type, 400 with the
    /// position of a syntax error. Triples land in `graph`.
    pub fn parse_rdf_body(
        &self,
        headers: &HeaderMap,
        body: &[u8],
        graph: &GraphName,
    ) -> Result<Vec<Quad>> {
        let content_type = headers
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("");
        let format = rdf::format_from_media_type(content_type).ok_or_else(|| {
            Error::UnsupportedMediaType {
                given: rdf::unreadable_media_type(content_type),
                accepted: RDF_INPUT_TYPES.to_vec(),
            }
        })?;
        rdf::parse(
            body,
            format,
            self.store.base.as_str(),
            graph,
            false,
            &self.contexts,
        )
        .map_err(|error| Error::Syntax {
            what: "the request body is not valid",
            error,
        })
    }

    /// True when the request carries the admin token (compared in constant time).
    pub fn is_admin(&self, headers: &HeaderMap) -> bool {
        match (&self.config.admin_token, headers::bearer(headers)) {
            (Some(expected), Some(given)) => constant_time_eq(expected, &given),
            _ => false,
        }
    }
}

fn is_length_limit(e: &axum::Error) -> bool {
    let mut source: Option<&(dyn std::error::Error + 'static)> = Some(e);
    while let Some(err) = source {
        if err.is::<http_body_util::LengthLimitError>() {
            return true;
        }
        source = err.source();
    }
    false
}

/// Query-string parameters; a value of the wrong type is a 400 problem, like every error.
pub struct QueryParams<T>(pub T);

impl<T: serde::de::DeserializeOwned, S: Send + Sync> axum::extract::FromRequestParts<S>
    for QueryParams<T>
{
    type Rejection = Error;

    async fn from_request_parts(parts: &mut axum::http::request::Parts, state: &S) -> Result<Self> {
        axum::extract::Query::<T>::from_request_parts(parts, state)
            .await
            .map(|axum::extract::Query(value)| QueryParams(value))
            .map_err(|e| Error::BadRequest(format!("invalid query parameters: {}", e.body_text())))
    }
}

pub fn constant_time_eq(a: &str, b: &str) -> bool {
    use subtle::ConstantTimeEq;
    a.len() == b.len() && bool::from(a.as_bytes().ct_eq(b.as_bytes()))
}

pub fn accept(headers: &HeaderMap) -> Option<&str> {
    headers.get(header::ACCEPT).and_then(|v| v.to_str().ok())
}

/// The RDF media types accepted in request bodies.
pub const RDF_INPUT_TYPES: &[&str] = &[
    "application/ld+json",
    "text/turtle",
    "application/n-triples",
    "application/n-quads",
    "application/trig",
    "application/rdf+xml",
];

/// The RDF syntaxes a graph can be answered in, in the server's order of preference.
pub const GRAPH_MEDIA_TYPES: &[(&str, RdfFormat)] = &[
    ("text/turtle", RdfFormat::Turtle),
    ("application/ld+json", rdf::JSON_LD),
    ("application/n-triples", RdfFormat::NTriples),
    ("application/n-quads", RdfFormat::NQuads),
    ("application/rdf+xml", RdfFormat::RdfXml),
    ("application/trig", RdfFormat::TriG),
];

/// Picks an RDF syntax from Accept among `offered` (a slice of GRAPH_MEDIA_TYPES order).
pub fn negotiate_rdf(
    headers: &HeaderMap,
    offered: &[(&'static str, RdfFormat)],
) -> Result<RdfFormat> {
    let types: Vec<&'static str> = offered.iter().map(|(m, _)| *m).collect();
    rdf::negotiate(accept(headers), &types)
        .map(|i| offered[i].1)
        .ok_or(Error::NotAcceptable(types))
}

/// A graph answered in the syntax the client asked for.
pub fn graph_response(headers: &HeaderMap, triples: &[Triple]) -> Result<Response> {
    let format = negotiate_rdf(headers, GRAPH_MEDIA_TYPES)?;
    let body = rdf::serialize_triples(triples, format)?;
    Ok(with_type(format.media_type(), body))
}

/// An answer with a status and no body (204, 304…).
pub fn empty(status: axum::http::StatusCode) -> Response {
    let mut response = Response::new(Body::empty());
    *response.status_mut() = status;
    response
}

pub fn with_type(media_type: &str, body: impl Into<Body>) -> Response {
    let mut response = Response::new(body.into());
    if let Ok(value) = HeaderValue::from_str(media_type) {
        response.headers_mut().insert(header::CONTENT_TYPE, value);
    }
    response
        .headers_mut()
        .insert(header::VARY, HeaderValue::from_static("Accept"));
    response
}

/// Bodies over the limit (tower-http answers 413 itself when Content-Length tells) and requests
/// past their time (408) get a problem body like every other error. Both leave the rest of the
/// body unread, so the connection cannot carry another request: `Connection: close` tells the
/// client, whose pool would otherwise reuse it and lose its next request (RFC 9112, 9.6).
/// A plain map of the response (tower's `MapResponseLayer`): as an axum `from_fn` middleware,
/// which boxes a future for each request, it cost a fifth of the requests/s of a kept GET.
fn problem_for_layers(limit: usize, response: Response) -> Response {
    let is_problem = response
        .headers()
        .get(header::CONTENT_TYPE)
        .is_some_and(|t| t.as_bytes().starts_with(b"application/problem+json"));
    let mut response = match response.status() {
        StatusCode::PAYLOAD_TOO_LARGE if !is_problem => {
            Error::PayloadTooLarge(limit).into_response()
        }
        StatusCode::REQUEST_TIMEOUT if !is_problem => Error::RequestTimeout.into_response(),
        _ => response,
    };
    if matches!(
        response.status(),
        StatusCode::PAYLOAD_TOO_LARGE | StatusCode::REQUEST_TIMEOUT
    ) {
        response
            .headers_mut()
            .insert(header::CONNECTION, HeaderValue::from_static("close"));
    }
    response
}

/// Every route of the service, module by module (the router and `/openapi.json` read it).
pub fn all_routes() -> Vec<routes::Route> {
    [
        sparql::routes(),
        validate::routes(),
        store::routes(),
        meta::routes(),
        resources::routes(),
    ]
    .into_iter()
    .flatten()
    .collect()
}

pub fn router(state: AppState) -> Router {
    let limit = state.config.max_body_bytes;
    // Queries get their own timeout (503); the request as a whole, slow bodies included, gets
    // this one.
    let request_timeout = Duration::from_secs(
        state
            .config
            .request_timeout_s
            .max(state.config.query_timeout_s.saturating_add(5)),
    );
    // Reads are open to every origin; writes need a bearer token, which CORS does not allow,
    // so browsers on other origins cannot write.
    let cors = CorsLayer::new()
        .allow_origin(Any)
        .allow_methods([Method::GET, Method::HEAD, Method::POST, Method::OPTIONS])
        .allow_headers([header::ACCEPT, header::CONTENT_TYPE])
        .expose_headers([header::CONTENT_TYPE, header::ETAG, header::LOCATION]);
    routes::router(&all_routes())
        .merge(pages::routes())
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        // One stack, applied once: each `Router::layer` boxes the service it wraps again.
        .layer(
            tower::ServiceBuilder::new()
                .layer(TraceLayer::new_for_http())
                .layer(cors)
                .layer(CompressionLayer::new())
                .layer(tower::util::MapResponseLayer::new(
                    move |response: axum::http::Response<tower_http::limit::ResponseBody<Body>>| {
                        problem_for_layers(limit, response.into_response())
                    },
                ))
                .layer(RequestBodyLimitLayer::new(limit))
                .layer(TimeoutLayer::with_status_code(
                    StatusCode::REQUEST_TIMEOUT,
                    request_timeout,
                ))
                .layer(DefaultBodyLimit::disable()),
        )
        .with_state(state)
}

async fn method_not_allowed(method: Method, uri: axum::http::Uri) -> impl IntoResponse {
    Error::MethodNotAllowed(format!("{method} is not allowed on {}", uri.path()))
}

async fn not_found(method: Method, uri: axum::http::Uri) -> impl IntoResponse {
    Error::NotFound(format!("no resource at {method} {}", uri.path()))
}

pub use serve::serve;
