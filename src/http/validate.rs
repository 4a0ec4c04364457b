//! `POST /validate`: validate any RDF payload against the shapes and store nothing.

use super::error::{Error, Result};
use super::openapi::{problem, query_param, rdf_body};
use super::routes::{operation, route, Route};
use super::{accept, with_type, AppState, QueryParams};
use crate::rdf;
use crate::validation::{render_report, Change, ReportFormat};
use axum::body::Body;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::http::Method;
use axum::response::Response;
use oxigraph::model::{Graph, GraphName, NamedNode, Triple};
use serde::Deserialize;
use serde_json::json;

const REPORT_TYPES: &[(&str, ReportFormat)] = &[
    ("application/ld+json", ReportFormat::JsonLd),
    ("text/turtle", ReportFormat::Turtle),
    ("application/n-triples", ReportFormat::NTriples),
    ("text/plain", ReportFormat::Text),
];

#[derive(Deserialize)]
pub struct Params {
    /// `none` (default): the payload alone; `store`: the payload as if written, seen together
    /// with the store's data (links to resources of the store resolve).
    #[serde(default)]
    context: Option<String>,
    /// `all` (default), or the name of one shapes file (`place`, `commons`…).
    #[serde(default)]
    shapes: Option<String>,
}

pub async fn post(
    State(state): State<AppState>,
    QueryParams(params): QueryParams<Params>,
    headers: HeaderMap,
    body: Body,
) -> Result<Response> {
    let offered: Vec<&'static str> = REPORT_TYPES.iter().map(|(m, _)| *m).collect();
    let format = rdf::negotiate(accept(&headers), &offered)
        .map(|i| REPORT_TYPES[i].1)
        .ok_or_else(|| Error::NotAcceptable(offered))?;
    let body = state.read_body(body).await?;
    let quads = state.parse_rdf_body(&headers, &body, &GraphName::DefaultGraph)?;
    let mut data = Graph::new();
    for quad in quads {
        data.insert(&Triple::from(quad));
    }
    let in_store = match params.context.as_deref() {
        None | Some("none") => false,
        Some("store") => true,
        Some(other) => {
            return Err(Error::BadRequest(format!(
                "unknown context {other:?}: use 'none' (the payload alone) or 'store'"
            )))
        }
    };
    let validator = match params.shapes.as_deref() {
        None | Some("all") => state.validator.clone(),
        Some(name) => state.shape_sets.get(name).cloned().ok_or_else(|| {
            Error::BadRequest(format!(
                "unknown shape set {name:?}: use 'all' or one of {}",
                state
                    .shape_sets
                    .keys()
                    .map(String::as_str)
                    .collect::<Vec<_>>()
                    .join(", ")
            ))
        })?,
    };
    let store = state.store.clone();
    let report = tokio::task::spawn_blocking(move || {
        if in_store {
            let scratch = NamedNode::new_unchecked(store.base.graph("validate"));
            let change = Change {
                add: data,
                remove: Graph::new(),
            };
            validator.validate_change(&store, scratch.as_ref(), &change)
        } else {
            validator.validate(&data)
        }
    })
    .await
    .map_err(Error::internal)?;
    Ok(with_type(
        format.media_type(),
        render_report(&report, format, &state.compactor),
    ))
}

/// `POST /validate`.
pub fn routes() -> Vec<Route> {
    vec![route(
        "/validate",
        vec![operation(
            Method::POST,
            post,
            json!({ "summary": "validate an RDF payload against the shapes; stores nothing",
            "parameters": [query_param("context", "none (default) or store"), query_param("shapes", "all (default), or one shapes file: place, commons, funding, network, concepts")], "requestBody": rdf_body("the data"),
            "responses": { "200": { "description": "the report: application/ld+json, text/turtle, application/n-triples or text/plain" }, "400": problem("syntax error with line and column"), "413": problem("too large"), "415": problem("unknown media type") } }),
        )],
    )]
}
