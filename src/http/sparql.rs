//! `/sparql` (and `/query`): the SPARQL 1.1 Protocol. Queries are open; updates need the admin
//! token. Without a query, GET answers the service description.

use super::error::{Error, Result};
use super::headers::{not_modified, Peer};
use super::openapi::{problem, query_param};
use super::routes::{operation, route, Route};
use super::{accept, with_type, AppState};
use crate::sparql::{self, parse_query};
use axum::body::Body;
use axum::extract::{RawQuery, State};
use axum::http::{header, HeaderMap};
use axum::http::{Method, StatusCode};
use axum::response::Response;
use serde_json::json;

/// The protocol's parameters, from a query string or a form body; names may repeat.
#[derive(Default)]
struct Params {
    query: Vec<String>,
    update: Vec<String>,
    default_graph_uri: Vec<String>,
    named_graph_uri: Vec<String>,
    using_graph_uri: Vec<String>,
    using_named_graph_uri: Vec<String>,
    format: Option<String>,
}

impl Params {
    fn parse(encoded: &[u8]) -> Self {
        let mut params = Self::default();
        for (key, value) in url::form_urlencoded::parse(encoded) {
            let value = value.into_owned();
            match key.as_ref() {
                "query" => params.query.push(value),
                "update" => params.update.push(value),
                "default-graph-uri" => params.default_graph_uri.push(value),
                "named-graph-uri" => params.named_graph_uri.push(value),
                "using-graph-uri" => params.using_graph_uri.push(value),
                "using-named-graph-uri" => params.using_named_graph_uri.push(value),
                "format" | "output" => params.format = Some(value),
                _ => {}
            }
        }
        params
    }

    fn single(values: Vec<String>, name: &str) -> Result<Option<String>> {
        if values.len() > 1 {
            return Err(Error::BadRequest(format!(
                "the request has {} '{name}' parameters; exactly one is allowed",
                values.len()
            )));
        }
        Ok(values.into_iter().next())
    }
}

pub async fn get(
    State(state): State<AppState>,
    RawQuery(raw): RawQuery,
    peer: Peer,
    headers: HeaderMap,
) -> Result<Response> {
    let mut params = Params::parse(raw.unwrap_or_default().as_bytes());
    if !params.update.is_empty() {
        return Err(Error::BadRequest(
            "SPARQL Update must be sent with POST".into(),
        ));
    }
    match Params::single(std::mem::take(&mut params.query), "query")? {
        Some(query) => run_query(&state, &headers, &peer, query, params).await,
        None if super::pages::wants_html(&headers) => Ok(super::pages::sparql_editor(&state)),
        None => super::graph_response(&headers, state.described.service()),
    }
}

pub async fn post(
    State(state): State<AppState>,
    RawQuery(raw): RawQuery,
    peer: Peer,
    headers: HeaderMap,
    body: Body,
) -> Result<Response> {
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let essence = content_type
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    let url_params = Params::parse(raw.unwrap_or_default().as_bytes());
    let body = state.read_body(body).await?;
    let utf8 = |bytes: &[u8]| {
        String::from_utf8(bytes.to_vec())
            .map_err(|e| Error::BadRequest(format!("the request body is not UTF-8: {e}")))
    };
    match essence.as_str() {
        "application/x-www-form-urlencoded" => {
            let mut params = Params::parse(&body);
            if params.format.is_none() {
                params.format = url_params.format;
            }
            let query = Params::single(std::mem::take(&mut params.query), "query")?;
            let update = Params::single(std::mem::take(&mut params.update), "update")?;
            match (query, update) {
                (Some(query), None) => run_query(&state, &headers, &peer, query, params).await,
                (None, Some(update)) => run_update(&state, &headers, &update, &params).await,
                (Some(_), Some(_)) => Err(Error::BadRequest(
                    "the request has both 'query' and 'update'; send one operation".into(),
                )),
                (None, None) => Err(Error::BadRequest(
                    "the form has neither a 'query' nor an 'update' parameter".into(),
                )),
            }
        }
        "application/sparql-query" => {
            if !url_params.query.is_empty() {
                return Err(Error::BadRequest(
                    "a direct POST carries the query in its body, not also in the URL".into(),
                ));
            }
            run_query(&state, &headers, &peer, utf8(&body)?, url_params).await
        }
        "application/sparql-update" => {
            run_update(&state, &headers, &utf8(&body)?, &url_params).await
        }
        _ => Err(Error::UnsupportedMediaType {
            given: format!("{content_type:?}"),
            accepted: vec![
                "application/sparql-query",
                "application/sparql-update",
                "application/x-www-form-urlencoded",
            ],
        }),
    }
}

async fn run_query(
    state: &AppState,
    headers: &HeaderMap,
    peer: &Peer,
    query: String,
    params: Params,
) -> Result<Response> {
    let accept = accept(headers);
    if let Some((body, format, key)) = state.engine.kept_answer(
        &state.store,
        &query,
        &params.default_graph_uri,
        &params.named_graph_uri,
        accept,
        params.format.as_deref(),
    ) {
        let tag = entity_tag(&key);
        return Ok(not_modified_answer(headers, tag.as_ref())
            .unwrap_or_else(|| answer(format, body, tag.as_ref())));
    }
    let parsed = parse_query(
        &query,
        state.store.base.as_str(),
        &params.default_graph_uri,
        &params.named_graph_uri,
    )?;
    let format = parsed
        .form
        .result_format(accept, params.format.as_deref())?;
    let key = state.engine.answer_key(&state.store, &parsed, format);
    let tag = entity_tag(&key);
    if let Some(not_modified) = not_modified_answer(headers, tag.as_ref()) {
        return Ok(not_modified);
    }
    let body = state
        .engine
        .execute(&state.store, parsed, format, key, &peer.0)
        .await?;
    Ok(answer(format, body, tag.as_ref()))
}

fn entity_tag(key: &sparql::AnswerKey) -> Option<header::HeaderValue> {
    key.tag()
        .and_then(|t| header::HeaderValue::from_str(&t).ok())
}

/// 304 when the client holds the answer of this tag (`If-None-Match`).
fn not_modified_answer(headers: &HeaderMap, tag: Option<&header::HeaderValue>) -> Option<Response> {
    tag.filter(|t| not_modified(headers, t))
        .map(|tag| revalidated(super::empty(StatusCode::NOT_MODIFIED), tag))
}

fn answer(
    format: sparql::ResultFormat,
    body: bytes::Bytes,
    tag: Option<&header::HeaderValue>,
) -> Response {
    let response = with_type(format.media_type(), body);
    match tag {
        Some(tag) => revalidated(response, tag),
        None => response,
    }
}

/// An answer that caches may keep, but must check again (`If-None-Match`) before reusing:
/// any commit changes it.
fn revalidated(mut response: Response, tag: &header::HeaderValue) -> Response {
    let headers = response.headers_mut();
    headers.insert(header::ETAG, tag.clone());
    headers.insert(
        header::CACHE_CONTROL,
        header::HeaderValue::from_static("public, no-cache"),
    );
    headers.insert(header::VARY, header::HeaderValue::from_static("Accept"));
    response
}

async fn run_update(
    state: &AppState,
    headers: &HeaderMap,
    update: &str,
    params: &Params,
) -> Result<Response> {
    if state.config.admin_token.is_none() {
        return Err(Error::Unauthorized(
            "SPARQL Update is disabled: no admin token is configured".into(),
        ));
    }
    if !state.is_admin(headers) {
        return Err(Error::Unauthorized(
            "SPARQL Update needs the admin token (Authorization: Bearer …)".into(),
        ));
    }
    sparql::update(
        &state.store,
        update,
        &params.using_graph_uri,
        &params.using_named_graph_uri,
    )
    .await?;
    Ok(super::empty(axum::http::StatusCode::NO_CONTENT))
}

/// `/sparql` and its alias `/query`.
pub fn routes() -> Vec<Route> {
    let get_doc = json!({ "summary": "SPARQL 1.1 query (query=…), or the service description without a query",
        "parameters": [query_param("query", "the query"), query_param("default-graph-uri", "repeatable"), query_param("named-graph-uri", "repeatable"), query_param("format", "json, xml, csv, tsv, turtle, ntriples, nquads, rdfxml, jsonld")],
        "responses": { "200": { "description": "results by Accept" }, "400": problem("syntax error"), "406": problem("no acceptable format"), "503": problem("query timeout, or every query slot taken") } });
    let post_doc = json!({ "summary": "SPARQL 1.1 query or update (form, application/sparql-query, application/sparql-update); update needs the admin token",
        "security": [{}, { "network": [] }],
        "responses": { "200": { "description": "results" }, "204": { "description": "update done" }, "400": problem("syntax error"), "401": problem("update without the admin token"), "415": problem("unknown content type"), "503": problem("query timeout, or every query slot taken") } });
    ["/sparql", "/query"]
        .into_iter()
        .map(|path| {
            route(
                path,
                vec![
                    operation(Method::GET, get, get_doc.clone()),
                    operation(Method::POST, post, post_doc.clone()),
                ],
            )
        })
        .collect()
}
