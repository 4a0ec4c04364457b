//! The French web interface: the home page, the SPARQL editor, the validator and the API
//! reference, and the HTML and GeoJSON forms of collections and resources. Data come from the
//! same functions as the JSON-LD API (`resources::members`, the compact resource document, the
//! funding views); `render::pages` lays them out.

use super::error::{Error, Result};
use super::{accept, AppState, QueryParams};
use crate::rdf;
use crate::reading::Quads;
use crate::render::geojson::{self, Link, PlaceFeature};
use crate::render::pages::{
    self, Choice, CollectionPage, Count, FundingRow, Item, SearchGroup, Site,
};
use crate::resources::{self, Filters, Member};
use crate::vocab::{self, Collection};
use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use oxigraph::model::{NamedNode, NamedNodeRef, NamedOrBlankNodeRef, Term};
use serde_json::Value;
use std::collections::HashMap;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/", get(home))
        .route("/assets/{*path}", get(super::assets::get))
        .route("/api", get(api_reference))
        .route("/validate", get(validator))
}

/// Whether the client prefers an HTML page to the machine representations of a route.
pub fn wants_html(headers: &HeaderMap) -> bool {
    let offered = ["application/json", "text/turtle", "text/html"];
    rdf::negotiate(accept(headers), &offered) == Some(2)
}

/// Whether a collection read asks for GeoJSON (`Accept: application/geo+json` or
/// `?format=geojson`).
pub fn wants_geojson(headers: &HeaderMap, format: Option<&str>) -> bool {
    format.is_some_and(|f| f.eq_ignore_ascii_case("geojson"))
        || accept(headers).is_some_and(|a| a.contains(geojson::MEDIA_TYPE))
}

/// Members on the home page's search results, per collection.
const SEARCH_SHOWN: usize = 10;

#[derive(serde::Deserialize)]
pub struct HomeParams {
    q: Option<String>,
}

async fn home(
    State(state): State<AppState>,
    QueryParams(params): QueryParams<HomeParams>,
) -> Result<Response> {
    let query = params.q.filter(|q| !q.trim().is_empty());
    let store = state.store.clone();
    let base = state.store.base.as_str().to_owned();
    let html = tokio::task::spawn_blocking(move || {
        store.reading(|quads| home_page(quads, &base, query.as_deref()))
    })
    .await
    .map_err(Error::internal)?;
    Ok(Html(html).into_response())
}

/// The home page: each collection's count, and what a search found in each.
fn home_page(quads: &dyn Quads, base: &str, query: Option<&str>) -> String {
    let site = Site { base };
    let counts: Vec<Count> = vocab::COLLECTIONS
        .iter()
        .map(|c| Count {
            segment: c.segment,
            label: c.label_fr,
            count: resources::members(quads, c, &Filters::default()).len(),
        })
        .collect();
    let results: Vec<SearchGroup> = match query {
        Some(q) => vocab::COLLECTIONS
            .iter()
            .map(|c| {
                let filters = Filters {
                    q: Some(q.to_owned()),
                    ..Filters::default()
                };
                let found = resources::members(quads, c, &filters);
                SearchGroup {
                    segment: c.segment,
                    label: c.label_fr,
                    total: found.len(),
                    items: items(&site, found.iter().take(SEARCH_SHOWN)),
                }
            })
            .collect(),
        None => Vec::new(),
    };
    pages::home(&counts, query, &results)
}

fn items<'a>(site: &Site<'_>, members: impl Iterator<Item = &'a Member>) -> Vec<Item> {
    members
        .map(|m| Item {
            href: site.href(m.iri.as_str()),
            name: m.name.clone().unwrap_or_else(|| m.iri.as_str().to_owned()),
        })
        .collect()
}

/// The HTML page of a collection, from its Hydra document.
pub async fn collection_page(
    state: &AppState,
    collection: &'static Collection,
    document: &Value,
    filters: pages::FilterValues,
) -> Result<Vec<u8>> {
    let store = state.store.clone();
    let networks = tokio::task::spawn_blocking(move || {
        let networks = vocab::collection("networks").expect("the networks collection");
        store.reading(|quads| resources::members(quads, networks, &Filters::default()))
    })
    .await
    .map_err(Error::internal)?;
    let base = state.store.base.as_str();
    let networks = networks
        .iter()
        .map(|m| Choice {
            value: m
                .iri
                .as_str()
                .strip_prefix(&state.store.base.resource("networks", ""))
                .unwrap_or(m.iri.as_str())
                .to_owned(),
            label: m.name.clone().unwrap_or_else(|| m.iri.as_str().to_owned()),
        })
        .collect();
    let map = (collection.class == vocab::PLACE)
        .then_some((state.config.map_tiles_url.as_str(), MAP_ATTRIBUTION));
    let page = CollectionPage {
        segment: collection.segment,
        title: collection.label_fr,
        filters,
        networks,
        map,
    };
    Ok(pages::collection(&Site { base }, &page, document).into_bytes())
}

const MAP_ATTRIBUTION: &str = "© les contributeurs d'OpenStreetMap";

/// The places passing `filters` that have coordinates, as a GeoJSON FeatureCollection.
pub async fn places_geojson(state: &AppState, filters: Filters) -> Result<Response> {
    let store = state.store.clone();
    let features = tokio::task::spawn_blocking(move || {
        store.reading(|store| {
            let places = vocab::collection("places").expect("the places collection");
            let links =
                |node: NamedOrBlankNodeRef<'_>, property: NamedNodeRef<'static>| -> Vec<Link> {
                    resources::linked(store, node, property)
                        .into_iter()
                        .map(|n| Link {
                            name: resources::label(store, n.as_ref().into())
                                .unwrap_or_else(|| n.as_str().to_owned()),
                            id: n.into_string(),
                        })
                        .collect()
                };
            resources::members(store, places, &filters)
                .into_iter()
                .filter_map(|m| {
                    let node: NamedOrBlankNodeRef<'_> = m.iri.as_ref().into();
                    let (longitude, latitude) = resources::coordinates(store, node)?;
                    let locality = resources::objects(store, node, vocab::ADDRESS)
                        .into_iter()
                        .find_map(|a| match a {
                            Term::NamedNode(n) => {
                                resources::text_of(store, n.as_ref().into(), vocab::LOCALITY)
                            }
                            Term::BlankNode(b) => {
                                resources::text_of(store, b.as_ref().into(), vocab::LOCALITY)
                            }
                            Term::Literal(_) => None,
                        });
                    Some(PlaceFeature {
                        name: m.name.clone().unwrap_or_else(|| m.iri.as_str().to_owned()),
                        longitude,
                        latitude,
                        locality,
                        networks: links(node, vocab::MEMBER_OF),
                        place_types: links(node, vocab::PLACE_TYPE),
                        id: m.iri.into_string(),
                    })
                })
                .collect::<Vec<_>>()
        })
    })
    .await
    .map_err(Error::internal)?;
    let body =
        serde_json::to_vec(&geojson::feature_collection(&features)).map_err(Error::internal)?;
    Ok(super::with_type(geojson::MEDIA_TYPE, body))
}

/// Resources linking to a resource, shown on its page: (collection, the filter that finds them).
fn neighbour_filters(
    collection: &Collection,
    iri: &NamedNode,
) -> Vec<(&'static str, Filters, String)> {
    let slug_param = |name: &str| format!("{name}={}", url_encode(iri.as_str()));
    let by = |segments: &[&'static str], filters: Filters, param: String| {
        segments
            .iter()
            .map(|s| (*s, filters.clone(), param.clone()))
            .collect::<Vec<_>>()
    };
    match collection.segment {
        "commons" => by(
            &["contributors", "pledges", "places", "campaigns"],
            Filters {
                commons: Some(iri.clone()),
                ..Filters::default()
            },
            slug_param("commons"),
        ),
        "networks" | "places" => by(
            if collection.segment == "networks" {
                &["places", "pledges", "campaigns"][..]
            } else {
                &["pledges"][..]
            },
            Filters {
                network: Some(iri.clone()),
                ..Filters::default()
            },
            slug_param("network"),
        ),
        "campaigns" => by(
            &["pledges"],
            Filters {
                campaign: Some(iri.clone()),
                ..Filters::default()
            },
            slug_param("campaign"),
        ),
        _ => Vec::new(),
    }
}

fn url_encode(text: &str) -> String {
    url::form_urlencoded::byte_serialize(text.as_bytes()).collect()
}

const NEIGHBOURS_SHOWN: usize = 50;

/// The HTML page of a resource, from its compact JSON-LD document (with its funding view).
pub async fn resource_page(
    state: &AppState,
    collection: &Collection,
    iri: &NamedNode,
    document: &Value,
) -> Result<Vec<u8>> {
    let store = state.store.clone();
    let wanted = neighbour_filters(collection, iri);
    let doc = document.clone();
    let base = state.store.base.as_str().to_owned();
    let (neighbours, funding) = tokio::task::spawn_blocking(move || {
        store.reading(|quads| {
            let site = Site { base: &base };
            let neighbours: Vec<(String, String, Vec<Item>, usize)> = wanted
                .into_iter()
                .filter_map(|(segment, filters, param)| {
                    let other = vocab::collection(segment)?;
                    let found = resources::members(quads, other, &filters);
                    Some((
                        other.label_fr.to_owned(),
                        format!("/{segment}?{param}"),
                        items(&site, found.iter().take(NEIGHBOURS_SHOWN)),
                        found.len(),
                    ))
                })
                .collect();
            let funding = funding_rows(quads, &site, &doc);
            (neighbours, funding)
        })
    })
    .await
    .map_err(Error::internal)?;
    let title = document
        .get("name")
        .and_then(Value::as_str)
        .unwrap_or(iri.as_str());
    let page = pages::ResourcePage {
        title,
        class_label: class_label(collection),
        iri: iri.as_str(),
        labels: &state.term_labels,
        neighbours,
        funding,
        is_campaign: collection.class == vocab::CAMPAIGN,
    };
    Ok(pages::resource(
        &Site {
            base: state.store.base.as_str(),
        },
        &page,
        document,
    )
    .into_bytes())
}

fn class_label(collection: &Collection) -> &'static str {
    match collection.segment {
        "places" => "Tiers-lieu",
        "commons" => "Commun",
        "contributors" => "Contributeur·ice",
        "pledges" => "Intention de financement",
        "campaigns" => "Campagne",
        "networks" => "Réseau",
        _ => collection.label_fr,
    }
}

fn amount(value: &Value) -> f64 {
    match value {
        Value::String(s) => s.parse().unwrap_or(0.0),
        Value::Number(n) => n.as_f64().unwrap_or(0.0),
        _ => 0.0,
    }
}

/// The funding rows of a commun's page (its `fundingSummary`) or of a campaign's page (one per
/// commun of its `fundingByCommons`, each with the commun's own summary).
fn funding_rows(store: &dyn Quads, site: &Site<'_>, document: &Value) -> Vec<FundingRow> {
    let from_summary = |summary: &Value| {
        let status = |s: &str| amount(&summary["pledgedByStatus"][s]);
        (
            amount(&summary["budgetTotal"]),
            amount(&summary["pledgedTotal"]),
            status("confirmed"),
            status("paid"),
            amount(&summary["pledgedByKind"]["membership-share"]),
        )
    };
    if let Some(summary) = document.get("fundingSummary") {
        let (budget, pledged, confirmed, paid, membership_shares) = from_summary(summary);
        return vec![FundingRow {
            commons: document["id"].as_str().map(|id| Item {
                href: site.href(id),
                name: "Ce commun".into(),
            }),
            budget,
            pledged,
            confirmed,
            paid,
            membership_shares,
            campaign: None,
        }];
    }
    let Some(Value::Array(rows)) = document.get("fundingByCommons") else {
        return Vec::new();
    };
    rows.iter()
        .map(|row| {
            let campaign = Some((
                amount(&row["pledgedTotal"]),
                row["pledgeCount"].as_u64().unwrap_or(0) as usize,
            ));
            let shares = amount(&row["membershipShareTotal"]);
            match row["commons"].as_str().and_then(|c| NamedNode::new(c).ok()) {
                Some(commons) => {
                    let summary =
                        serde_json::to_value(resources::funding_summary(store, commons.as_ref()))
                            .unwrap_or_default();
                    let (budget, pledged, confirmed, paid, _) = from_summary(&summary);
                    FundingRow {
                        commons: Some(Item {
                            href: site.href(commons.as_str()),
                            name: row["name"].as_str().unwrap_or(commons.as_str()).to_owned(),
                        }),
                        budget,
                        pledged,
                        confirmed,
                        paid,
                        membership_shares: shares,
                        campaign,
                    }
                }
                None => FundingRow {
                    commons: None,
                    budget: 0.0,
                    pledged: 0.0,
                    confirmed: 0.0,
                    paid: 0.0,
                    membership_shares: shares,
                    campaign,
                },
            }
        })
        .collect()
}

/// French labels of the context's terms, from the ontology's `rdfs:label`s: made once, when
/// the server starts (each page made them again took a fifth of its time).
pub(super) fn term_labels(app: &crate::app::App) -> HashMap<String, String> {
    let mut by_iri: HashMap<&str, &str> = HashMap::new();
    for t in &app.described.ontology {
        if t.predicate == vocab::RDFS_LABEL {
            if let (oxigraph::model::NamedOrBlankNode::NamedNode(s), Term::Literal(l)) =
                (&t.subject, &t.object)
            {
                if l.language() == Some("fr") {
                    by_iri.insert(s.as_str(), l.value());
                }
            }
        }
    }
    app.compactor
        .terms()
        .filter_map(|(term, iri)| {
            let label = by_iri.get(iri)?;
            let mut label = label.to_string();
            if let Some(first) = label.get(..1) {
                label.replace_range(..1, &first.to_uppercase());
            }
            Some((term.to_owned(), label))
        })
        .collect()
}

/// `GET /sparql` asked by a browser without a query: the editor.
pub fn sparql_editor(state: &AppState) -> Response {
    let base = state.store.base.as_str();
    let examples = vec![
        (
            "Tiers-lieux d'un réseau, avec leur adresse",
            format!(
                "SELECT ?name ?street ?postalCode ?locality WHERE {{\n  ?place tl:memberOf <{base}networks/compagnie-tiers-lieux> ; tl:name ?name .\n  OPTIONAL {{ ?place tl:address ?a . ?a tl:streetAddress ?street ; tl:postalCode ?postalCode ; tl:locality ?locality }}\n}} ORDER BY ?name LIMIT 10"
            ),
        ),
        (
            "Total promis par commun (hors intentions annulées)",
            "SELECT ?commons ?name (SUM(?amount) AS ?pledged) (COUNT(?pledge) AS ?pledges) WHERE {\n  ?pledge a tl:Pledge ; tl:pledgedTo ?commons ; tl:amount ?amount .\n  ?commons tl:name ?name .\n  FILTER NOT EXISTS { ?pledge tl:status tl:status-cancelled }\n} GROUP BY ?commons ?name ORDER BY DESC(?pledged) LIMIT 10".to_owned(),
        ),
        (
            "Les communs et leur maturité",
            "SELECT ?commons ?name ?maturity WHERE {\n  ?commons a tl:Commons ; tl:name ?name .\n  OPTIONAL { ?commons tl:maturity/skos:prefLabel ?maturity FILTER(lang(?maturity) = \"fr\") }\n} ORDER BY ?name".to_owned(),
        ),
        (
            "Nombre de ressources par classe",
            "SELECT ?class (COUNT(?s) AS ?count) WHERE {\n  ?s a ?class .\n  FILTER(STRSTARTS(STR(?class), STR(tl:)))\n} GROUP BY ?class ORDER BY DESC(?count)".to_owned(),
        ),
    ];
    Html(pages::sparql(&examples, vocab::PREFIXES)).into_response()
}

async fn validator(State(state): State<AppState>) -> Html<String> {
    let mut choices = vec![Choice {
        value: "all".into(),
        label: "Toutes les formes du service (tiers-lieux, communs, financements, réseaux)".into(),
    }];
    choices.extend(state.shape_sets.keys().map(|name| Choice {
        value: name.clone(),
        label: shape_set_label(name),
    }));
    Html(pages::validator(&choices))
}

/// The French name of a shapes file of ours; another file keeps its own name.
fn shape_set_label(name: &str) -> String {
    match name {
        "place" => "Tiers-lieux seulement".into(),
        "commons" => "Communs, contributeurs, budgets et besoins seulement".into(),
        "funding" => "Engagements de financement et campagnes seulement".into(),
        "network" => "Réseaux seulement".into(),
        "concepts" => "Vocabulaires (concepts) seulement".into(),
        other => format!("Formes du fichier {other}"),
    }
}

async fn api_reference() -> Html<String> {
    Html(pages::api_reference())
}
