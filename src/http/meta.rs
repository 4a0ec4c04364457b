//! Self-description: the JSON-LD context, the ontology, the shapes, the SPARQL service
//! description and the health check.

use super::error::Result;
use super::routes::{operation, route, Route};
use super::{graph_response, with_type, AppState};
use crate::vocab;
use axum::extract::State;
use axum::http::Method;
use axum::http::{header, HeaderMap};
use axum::response::{IntoResponse, Response};
use axum::Json;
use oxigraph::io::RdfFormat;
use oxigraph::model::{NamedNode, Triple};
use serde_json::json;
use std::sync::Arc;

pub fn routes() -> Vec<Route> {
    let ok = |description: &str| json!({ "200": { "description": description } });
    let get_doc =
        |summary: &str, answer: &str| json!({ "summary": summary, "responses": ok(answer) });
    vec![
        route(
            "/context.jsonld",
            vec![operation(
                Method::GET,
                context,
                get_doc("the JSON-LD context of the API", "application/ld+json"),
            )],
        ),
        route(
            "/ontology",
            vec![operation(
                Method::GET,
                ontology,
                get_doc("the ontology", "by Accept"),
            )],
        ),
        route(
            "/shapes",
            vec![operation(
                Method::GET,
                shapes,
                get_doc("the SHACL shapes", "by Accept"),
            )],
        ),
        route(
            "/health",
            vec![operation(Method::GET, health, get_doc("liveness", "ok"))],
        ),
        route(
            "/.well-known/void",
            vec![operation(
                Method::GET,
                void,
                get_doc("VoID description of the dataset", "by Accept"),
            )],
        ),
        route(
            "/openapi.json",
            vec![operation(
                Method::GET,
                openapi,
                get_doc("this document", "OpenAPI 3.1"),
            )],
        ),
        route(
            "/dump",
            vec![operation(
                Method::GET,
                dump,
                get_doc(
                    "all data as N-Quads, gzip, streamed",
                    "application/n-quads, Content-Encoding: gzip",
                ),
            )],
        ),
        route(
            "/api/elements.json",
            vec![operation(
                Method::GET,
                gogocarto_elements,
                get_doc(
                    "our places in GoGoCarto's element format, for a map's external source",
                    "JSON",
                ),
            )],
        ),
        route(
            "/harvests",
            vec![operation(
                Method::GET,
                harvests,
                get_doc("the last outcome of each harvest", "JSON"),
            )],
        ),
    ]
}

async fn context(State(state): State<AppState>) -> Response {
    with_type("application/ld+json", state.described.context.clone())
}

async fn ontology(State(state): State<AppState>, headers: HeaderMap) -> Result<Response> {
    graph_response(&headers, &state.described.ontology)
}

async fn shapes(State(state): State<AppState>, headers: HeaderMap) -> Result<Response> {
    graph_response(&headers, &state.described.shapes)
}

async fn health() -> Json<serde_json::Value> {
    Json(serde_json::json!({ "status": "ok", "version": env!("CARGO_PKG_VERSION") }))
}

async fn openapi(State(state): State<AppState>) -> Response {
    (
        [(header::CONTENT_TYPE, "application/json")],
        state.openapi.clone(),
    )
        .into_response()
}

/// VoID: the dataset, its SPARQL endpoint, its vocabularies and the triples of each graph.
async fn void(State(state): State<AppState>, headers: HeaderMap) -> Result<Response> {
    let counts = void_counts(&state).await?;
    void_response(&state, &headers, &counts)
}

/// The triples of each named graph, counted once per store version.
async fn void_counts(state: &AppState) -> Result<Arc<Vec<(NamedNode, usize)>>> {
    let version = state.store.commits.version();
    let kept = state
        .void_counts
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
        .clone();
    if let Some((_, counts)) = kept.filter(|(at, _)| *at == version) {
        return Ok(counts);
    }
    let permit = state.whole_store_read()?;
    let store = state.store.clone();
    let counts = tokio::task::spawn_blocking(move || -> anyhow::Result<Vec<(NamedNode, usize)>> {
        let _permit = permit;
        let mut counts = Vec::new();
        for graph in store.store.named_graphs() {
            if let oxigraph::model::NamedOrBlankNode::NamedNode(g) = graph? {
                let n = store
                    .store
                    .quads_for_pattern(None, None, None, Some(g.as_ref().into()))
                    .count();
                counts.push((g, n));
            }
        }
        Ok(counts)
    })
    .await
    .map_err(super::error::Error::internal)?
    .map_err(super::error::Error::internal)?;
    let counts = Arc::new(counts);
    *state
        .void_counts
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner) = Some((version, counts.clone()));
    Ok(counts)
}

fn void_response(
    state: &AppState,
    headers: &HeaderMap,
    counts: &[(NamedNode, usize)],
) -> Result<Response> {
    let base = &state.store.base;
    let void = |local: &str| NamedNode::new_unchecked(format!("{}{local}", vocab::VOID));
    let dataset = NamedNode::new_unchecked(format!("{}.well-known/void#dataset", base.as_str()));
    let mut triples = vec![
        Triple::new(dataset.clone(), vocab::RDF_TYPE, void("Dataset")),
        Triple::new(
            dataset.clone(),
            NamedNode::new_unchecked(format!("{}title", vocab::DCT)),
            oxigraph::model::Literal::new_language_tagged_literal_unchecked(
                "Lieux Communs : tiers-lieux et communs",
                "fr",
            ),
        ),
        Triple::new(
            dataset.clone(),
            void("sparqlEndpoint"),
            NamedNode::new_unchecked(base.sparql_endpoint()),
        ),
        Triple::new(
            dataset.clone(),
            void("dataDump"),
            NamedNode::new_unchecked(format!("{}dump", base.as_str())),
        ),
        Triple::new(
            dataset.clone(),
            void("uriSpace"),
            oxigraph::model::Literal::new_simple_literal(base.as_str()),
        ),
        Triple::new(
            dataset.clone(),
            void("triples"),
            oxigraph::model::Literal::from(counts.iter().map(|(_, n)| *n as i64).sum::<i64>()),
        ),
    ];
    for ns in [
        vocab::TL,
        vocab::SCHEMA,
        vocab::SKOS,
        vocab::DCT,
        vocab::PROV,
        vocab::VF,
        vocab::PAIR,
    ] {
        triples.push(Triple::new(
            dataset.clone(),
            void("vocabulary"),
            NamedNode::new_unchecked(ns),
        ));
    }
    for (graph, n) in counts {
        let subset = NamedNode::new_unchecked(format!(
            "{}.well-known/void#graph-{}",
            base.as_str(),
            graph.as_str().rsplit('/').next().unwrap_or("graph")
        ));
        triples.push(Triple::new(dataset.clone(), void("subset"), subset.clone()));
        triples.push(Triple::new(
            subset.clone(),
            vocab::RDF_TYPE,
            void("Dataset"),
        ));
        triples.push(Triple::new(
            subset.clone(),
            NamedNode::new_unchecked(format!("{}name", vocab::SD)),
            graph.clone(),
        ));
        triples.push(Triple::new(
            subset,
            void("triples"),
            oxigraph::model::Literal::from(*n as i64),
        ));
    }
    graph_response(headers, &triples)
}

/// All data as gzipped N-Quads, streamed: the store is read on a blocking thread and sent on
/// as it is compressed, so a large store never sits in memory.
async fn dump(State(state): State<AppState>) -> Result<Response> {
    let permit = state.whole_store_read()?;
    let (tx, rx) = tokio::sync::mpsc::channel::<std::io::Result<axum::body::Bytes>>(16);
    let store = state.store.clone();
    tokio::task::spawn_blocking(move || {
        let _permit = permit;
        let sink = ChannelWriter {
            tx: tx.clone(),
            buffer: Vec::with_capacity(64 * 1024),
        };
        let mut gzip = flate2::write::GzEncoder::new(sink, flate2::Compression::fast());
        let outcome = (|| -> anyhow::Result<()> {
            let mut serializer =
                oxigraph::io::RdfSerializer::from_format(RdfFormat::NQuads).for_writer(&mut gzip);
            for quad in store.store.iter() {
                serializer.serialize_quad(&quad?)?;
            }
            serializer.finish()?;
            Ok(())
        })();
        match outcome.and_then(|()| Ok(gzip.finish()?)) {
            Ok(mut sink) => {
                let _ = std::io::Write::flush(&mut sink);
            }
            Err(e) => {
                tracing::error!(error = %e, "dump interrupted");
                let _ = tx.blocking_send(Err(std::io::Error::other("dump interrupted")));
            }
        }
    });
    let stream = tokio_stream_from(rx);
    let mut response = Response::new(axum::body::Body::from_stream(stream));
    let headers = response.headers_mut();
    headers.insert(
        axum::http::header::CONTENT_TYPE,
        axum::http::HeaderValue::from_static("application/n-quads"),
    );
    headers.insert(
        axum::http::header::CONTENT_ENCODING,
        axum::http::HeaderValue::from_static("gzip"),
    );
    headers.insert(
        axum::http::header::CONTENT_DISPOSITION,
        axum::http::HeaderValue::from_static("attachment; filename=\"lieux-communs.nq.gz\""),
    );
    Ok(response)
}

fn tokio_stream_from(
    mut rx: tokio::sync::mpsc::Receiver<std::io::Result<axum::body::Bytes>>,
) -> impl futures_util::Stream<Item = std::io::Result<axum::body::Bytes>> {
    futures_util::stream::poll_fn(move |cx| rx.poll_recv(cx))
}

/// Sends what is written in chunks of about 64 KiB.
struct ChannelWriter {
    tx: tokio::sync::mpsc::Sender<std::io::Result<axum::body::Bytes>>,
    buffer: Vec<u8>,
}

impl std::io::Write for ChannelWriter {
    fn write(&mut self, data: &[u8]) -> std::io::Result<usize> {
        self.buffer.extend_from_slice(data);
        if self.buffer.len() >= 64 * 1024 {
            self.flush()?;
        }
        Ok(data.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        if !self.buffer.is_empty() {
            let chunk = axum::body::Bytes::from(std::mem::take(&mut self.buffer));
            self.tx.blocking_send(Ok(chunk)).map_err(|_| {
                std::io::Error::new(std::io::ErrorKind::BrokenPipe, "client went away")
            })?;
        }
        Ok(())
    }
}

/// Our places as a GoGoCarto external source.
async fn gogocarto_elements(State(state): State<AppState>) -> Result<Json<serde_json::Value>> {
    let store = state.store.clone();
    let elements =
        tokio::task::spawn_blocking(move || crate::federation::gogocarto::elements(&store))
            .await
            .map_err(super::error::Error::internal)?
            .map_err(super::error::Error::internal)?;
    Ok(Json(elements))
}

/// The last outcome of each scheduled harvest.
async fn harvests(State(state): State<AppState>) -> Json<serde_json::Value> {
    Json(serde_json::json!({ "harvests": state.harvests.snapshot() }))
}
