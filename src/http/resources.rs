//! Every class endpoint, generic over `vocab::COLLECTIONS`: read a collection or a resource in
//! the negotiated format, and writes by networks into their own graph.

use super::error::{Error, Result};
use super::openapi::{
    collection_param, prefer_param, problem, query_param, rdf_body, slug_param, write_responses,
};
use super::representations::Kept;
use super::routes::{operation, route, Route};
use super::{accept, auth, headers, with_type, AppState, QueryParams};
use crate::rdf;
use crate::resources::{self, Filters};
use crate::store::AppStore;
use crate::validation::{render_report, Change, ReportFormat, Validator};
use crate::vocab::{self, Collection};
use crate::writes::{self, Write, WriteError};
use axum::body::{Body, Bytes};
use axum::extract::{Path, State};
use axum::http::Method;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum_extra::headers::IfMatch;
use oxigraph::io::RdfFormat;
use oxigraph::model::{Graph, GraphName, NamedNode, NamedOrBlankNode, Term, Triple};
use serde::Deserialize;
use serde_json::{json, Value};
use std::hash::{Hash, Hasher};

/// The representations of resources and collections, in the server's order of preference.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Repr {
    JsonLd,
    Html,
    Rdf(RdfFormat),
}

const REPRESENTATIONS: &[(&str, Repr)] = &[
    ("application/ld+json", Repr::JsonLd),
    ("application/json", Repr::JsonLd),
    ("text/html", Repr::Html),
    ("text/turtle", Repr::Rdf(RdfFormat::Turtle)),
    ("application/n-triples", Repr::Rdf(RdfFormat::NTriples)),
    ("application/n-quads", Repr::Rdf(RdfFormat::NQuads)),
    ("application/rdf+xml", Repr::Rdf(RdfFormat::RdfXml)),
];

fn negotiate(headers: &HeaderMap) -> Result<(Repr, &'static str)> {
    let offered: Vec<&'static str> = REPRESENTATIONS.iter().map(|(m, _)| *m).collect();
    let index =
        rdf::negotiate(accept(headers), &offered).ok_or_else(|| Error::NotAcceptable(offered))?;
    let (media_type, repr) = REPRESENTATIONS[index];
    // application/json is served as JSON-LD.
    Ok((
        repr,
        if repr == Repr::JsonLd {
            "application/ld+json"
        } else {
            media_type
        },
    ))
}

fn collection(segment: &str) -> Result<&'static Collection> {
    vocab::collection(segment).ok_or_else(|| {
        Error::NotFound(format!(
            "no collection /{segment}; collections: {}",
            vocab::COLLECTIONS
                .iter()
                .map(|c| c.segment)
                .collect::<Vec<_>>()
                .join(", ")
        ))
    })
}

fn check_slug(slug: &str) -> Result<()> {
    if !writes::is_path_slug(slug) {
        return Err(Error::NotFound(format!("no resource with slug {slug:?}")));
    }
    Ok(())
}

#[derive(Deserialize, Default)]
pub struct ListParams {
    q: Option<String>,
    network: Option<String>,
    tag: Option<String>,
    region: Option<String>,
    commons: Option<String>,
    campaign: Option<String>,
    page: Option<usize>,
    limit: Option<usize>,
    /// `geojson` for the places as GeoJSON.
    format: Option<String>,
}

const MAX_LIMIT: usize = 200;
const DEFAULT_LIMIT: usize = 50;

/// `network=rfflab` or a full IRI.
fn resource_param(
    state: &AppState,
    segment: &str,
    value: Option<String>,
) -> Result<Option<NamedNode>> {
    value
        .filter(|v| !v.trim().is_empty())
        .map(|v| {
            let iri = if v.contains(':') {
                v.clone()
            } else {
                state.store.base.resource(segment, v.trim())
            };
            NamedNode::new(iri)
                .map_err(|e| Error::BadRequest(format!("invalid {segment} {v:?}: {e}")))
        })
        .transpose()
}

pub async fn list(
    State(state): State<AppState>,
    Path(segment): Path<String>,
    QueryParams(mut params): QueryParams<ListParams>,
    headers: HeaderMap,
) -> Result<Response> {
    let collection = collection(&segment)?;
    // An empty field of a form filters nothing.
    for value in [&mut params.q, &mut params.tag, &mut params.region] {
        if value.as_deref().is_some_and(|v| v.trim().is_empty()) {
            *value = None;
        }
    }
    let geojson = collection.class == vocab::PLACE
        && super::pages::wants_geojson(&headers, params.format.as_deref());
    let (repr, media_type) = if geojson {
        (Repr::JsonLd, "")
    } else {
        negotiate(&headers)?
    };
    let limit = params.limit.unwrap_or(DEFAULT_LIMIT);
    if limit == 0 || limit > MAX_LIMIT {
        return Err(Error::BadRequest(format!(
            "limit must be between 1 and {MAX_LIMIT}"
        )));
    }
    let page = params.page.unwrap_or(1);
    if page == 0 {
        return Err(Error::BadRequest("page numbers start at 1".into()));
    }
    let filters = Filters {
        q: params.q.clone(),
        network: resource_param(&state, "networks", params.network.clone())?,
        tag: params.tag.clone(),
        region: params.region.clone(),
        commons: resource_param(&state, "commons", params.commons.clone())?,
        campaign: resource_param(&state, "campaigns", params.campaign.clone())?,
    };
    if geojson {
        return super::pages::places_geojson(&state, filters).await;
    }
    let store = state.store.clone();
    let members =
        tokio::task::spawn_blocking(move || resources::members(&store.store, collection, &filters))
            .await
            .map_err(Error::internal)?;
    let total = members.len();
    let last = total.div_ceil(limit).max(1);
    let page_url = |p: usize| {
        let mut url = url::Url::parse(&format!(
            "{}{}",
            state.store.base.as_str(),
            collection.segment
        ))
        .expect("the base IRI is a URL");
        {
            let mut query = url.query_pairs_mut();
            for (key, value) in [
                ("q", &params.q),
                ("network", &params.network),
                ("tag", &params.tag),
                ("region", &params.region),
                ("commons", &params.commons),
                ("campaign", &params.campaign),
            ] {
                if let Some(v) = value {
                    query.append_pair(key, v);
                }
            }
            query.append_pair("page", &p.to_string());
            query.append_pair("limit", &limit.to_string());
        }
        url.to_string()
    };
    let member_values: Vec<Value> = members
        .iter()
        .skip((page - 1).saturating_mul(limit))
        .take(limit)
        .map(|m| {
            let mut member = json!({ "id": m.iri.as_str(), "type": collection.class_term() });
            if let Some(name) = &m.name {
                member["name"] = Value::String(name.clone());
            }
            member
        })
        .collect();
    let mut view = json!({
        "id": page_url(page),
        "type": "PartialCollectionView",
        "first": page_url(1),
        "last": page_url(last),
    });
    if page < last {
        view["next"] = Value::String(page_url(page + 1));
    }
    if page > 1 {
        view["previous"] = Value::String(page_url(page - 1));
    }
    let document = json!({
        "@context": state.store.base.context(),
        "id": format!("{}{}", state.store.base.as_str(), collection.segment),
        "type": "Collection",
        "totalItems": total,
        "member": member_values,
        "view": view,
    });
    let body = match repr {
        Repr::JsonLd => serde_json::to_vec_pretty(&document).map_err(Error::internal)?,
        Repr::Html => {
            let filters = crate::render::pages::FilterValues {
                q: params.q,
                network: params.network,
                tag: params.tag,
                region: params.region,
                commons: params.commons,
                campaign: params.campaign,
                limit,
            };
            super::pages::collection_page(&state, collection, &document, filters).await?
        }
        Repr::Rdf(format) => {
            // Other syntaxes are the JSON-LD document read back as RDF: one source of truth.
            let quads = rdf::parse(
                &serde_json::to_vec(&document).map_err(Error::internal)?,
                rdf::JSON_LD,
                state.store.base.as_str(),
                &GraphName::DefaultGraph,
                true,
                &state.contexts,
            )
            .map_err(|e| Error::internal(anyhow::anyhow!("our own collection document: {e}")))?;
            rdf::serialize_quads(&quads, format)?
        }
    };
    Ok(with_type(media_type, body))
}

/// A strong validator of a resource's state; each representation gets its own suffix, and
/// If-Match accepts any of them.
fn state_tag(triples: &[Triple]) -> String {
    // A sum of per-triple hashes: independent of the order the store returns them in, with no
    // sorting or string building on the read path.
    let digest = triples.iter().fold(0u64, |sum, triple| {
        let mut hasher = std::collections::hash_map::DefaultHasher::new();
        triple.hash(&mut hasher);
        sum.wrapping_add(hasher.finish())
    });
    format!("{digest:016x}")
}

fn etag(state_tag: &str, media_type: &str) -> String {
    let suffix = match media_type {
        "application/ld+json" => "jsonld",
        "text/html" => "html",
        "text/turtle" => "ttl",
        "application/n-triples" => "nt",
        "application/n-quads" => "nq",
        _ => "rdfxml",
    };
    format!("\"{state_tag}-{suffix}\"")
}

/// The collection and the IRI a `/{collection}/{slug}` path names.
fn target(state: &AppState, segment: &str, slug: &str) -> Result<(&'static Collection, NamedNode)> {
    let collection = collection(segment)?;
    check_slug(slug)?;
    Ok((collection, resource_iri(state, collection, slug)))
}

fn resource_iri(state: &AppState, collection: &Collection, slug: &str) -> NamedNode {
    NamedNode::new_unchecked(state.store.base.resource(collection.segment, slug))
}

/// One resource's description, read on the async worker: a few index look-ups bounded by the
/// resource's own size cost less than handing them to a blocking thread (measured: GET went
/// from 5 000 to 9 000 requests/s when the other hand-off went away).
async fn describe(state: &AppState, iri: &NamedNode) -> Result<Vec<Triple>> {
    let meta = state.store.graph(vocab::GRAPH_META);
    Ok(resources::describe(
        &state.store.store,
        iri.as_ref(),
        meta.as_ref(),
    )?)
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
        super::empty(StatusCode::NOT_MODIFIED)
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
                super::pages::resource_page(state, collection, iri, &document).await?
            }
        }
    })
}

/// The compact JSON-LD of a resource, with the co-funding view for commons and campaigns. The
/// view is computed on each read and is not RDF data: its keys are not in the context, so a
/// JSON-LD processor reads exactly the stored triples.
async fn resource_document(
    state: &AppState,
    collection: &Collection,
    iri: &NamedNode,
    triples: &[Triple],
) -> Result<Value> {
    let mut document = state
        .compactor
        .render(triples, &iri.clone().into(), &|_: &Term| true);
    let class = collection.class;
    if class != vocab::COMMONS && class != vocab::CAMPAIGN {
        return Ok(document);
    }
    let store = state.store.clone();
    let node = iri.clone();
    let view = tokio::task::spawn_blocking(move || {
        if class == vocab::COMMONS {
            Some((
                "fundingSummary",
                serde_json::to_value(resources::funding_summary(&store.store, node.as_ref())),
            ))
        } else if class == vocab::CAMPAIGN {
            Some((
                "fundingByCommons",
                serde_json::to_value(resources::campaign_totals(&store.store, node.as_ref())),
            ))
        } else {
            None
        }
    })
    .await
    .map_err(Error::internal)?;
    if let (Some((key, value)), Value::Object(map)) = (view, &mut document) {
        map.insert(key.into(), value.map_err(Error::internal)?);
    }
    Ok(document)
}

/// Maps a write failure to the HTTP answer (422 carries the validation report as JSON-LD).
pub(super) fn write_error(state: &AppState, error: WriteError) -> Error {
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
async fn commit(
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
        let (iri, add) = writes::resource_triples(store, collection, quads.clone(), None)?;
        if store.exists(iri.as_ref())? {
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
        let mut response = super::empty(status);
        response.headers_mut().insert(
            "preference-applied",
            HeaderValue::from_static("return=minimal"),
        );
        return Ok(response);
    }
    let triples = describe(state, iri).await?;
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
        let (_, add) = writes::resource_triples(store, collection, quads, Some(&resource))?;
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
    Ok(super::empty(StatusCode::NO_CONTENT))
}

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

/// The collections, their resources, and `POST /import`.
pub fn routes() -> Vec<Route> {
    let (collection, slug, prefer) = (collection_param(), slug_param(), prefer_param());
    let resource = json!({ "description": "the resource, by Accept: application/ld+json (default), text/turtle, application/n-triples, application/n-quads, application/rdf+xml, text/html" });
    vec![
        route(
            "/import",
            vec![operation(
                Method::POST,
                import,
                json!({ "summary": "a whole graph from a network, atomic", "security": [{ "network": [] }], "requestBody": rdf_body("JSON-LD @graph, Turtle, N-Triples, N-Quads…"),
            "responses": write_responses(&[("200", json!({ "description": "imported" })), ("403", problem("quads for another graph"))]) }),
            )],
        ),
        route(
            "/{collection}",
            vec![
                operation(
                    Method::GET,
                    list,
                    json!({ "summary": "a Hydra collection", "parameters": [collection.clone(), query_param("q", "name contains (accent- and case-insensitive)"), query_param("network", "slug or IRI"), query_param("tag", "tag"), query_param("region", "postal code prefix or region name"), query_param("commons", "slug or IRI"), query_param("page", "from 1"), query_param("limit", "1 to 200")],
                "responses": { "200": { "description": "JSON-LD collection (member, totalItems, view)" }, "400": problem("bad paging"), "404": problem("unknown collection") } }),
                ),
                operation(
                    Method::POST,
                    create,
                    json!({ "summary": "create a resource in the network's graph", "security": [{ "network": [] }], "parameters": [collection.clone(), prefer.clone()], "requestBody": rdf_body("the resource; without @id the IRI is minted from its name"),
                "responses": write_responses(&[("201", json!({ "description": "created; Location is the IRI" })), ("409", problem("already exists"))]) }),
                ),
            ],
        ),
        route(
            "/{collection}/{slug}",
            vec![
                operation(
                    Method::GET,
                    get_one,
                    json!({ "summary": "one resource", "parameters": [collection.clone(), slug.clone()], "responses": { "200": resource, "304": { "description": "If-None-Match matched" }, "404": problem("unknown resource"), "406": problem("no acceptable format") } }),
                ),
                operation(
                    Method::PUT,
                    replace,
                    json!({ "summary": "replace this network's statements about the resource", "security": [{ "network": [] }], "parameters": [collection.clone(), slug.clone(), prefer], "requestBody": rdf_body("the resource"),
                "responses": write_responses(&[("200", json!({ "description": "replaced" })), ("201", json!({ "description": "created" })), ("412", problem("If-Match does not match"))]) }),
                ),
                operation(
                    Method::DELETE,
                    delete,
                    json!({ "summary": "delete this network's statements about the resource", "security": [{ "network": [] }], "parameters": [collection, slug],
                "responses": { "204": { "description": "deleted" }, "401": problem("no token"), "404": problem("nothing of this network about it"), "412": problem("If-Match does not match"), "422": { "description": "the deletion breaks other resources' links" } } }),
                ),
            ],
        ),
    ]
}
