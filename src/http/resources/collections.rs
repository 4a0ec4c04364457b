//! A collection as a Hydra `Collection`: filters, paging with `PartialCollectionView` links,
//! and the GeoJSON, HTML and RDF forms of a page. Apart because listing shares nothing with a
//! single resource's read path but the negotiation table.

use super::collection;
use super::negotiation::{negotiate, Repr};
use crate::http::error::{Error, Result};
use crate::http::{with_type, AppState, QueryParams};
use crate::rdf;
use crate::resources::{self, Filters};
use crate::vocab;
use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::response::Response;
use oxigraph::model::{GraphName, NamedNode};
use serde::Deserialize;
use serde_json::{json, Value};

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
        && crate::http::pages::wants_geojson(&headers, params.format.as_deref());
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
        return crate::http::pages::places_geojson(&state, filters).await;
    }
    let store = state.store.clone();
    let members = tokio::task::spawn_blocking(move || {
        store.reading(|quads| resources::members(quads, collection, &filters))
    })
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
            crate::http::pages::collection_page(&state, collection, &document, filters).await?
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
