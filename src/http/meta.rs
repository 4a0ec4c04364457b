//! Self-description: the JSON-LD context, the ontology, the shapes, the SPARQL service
//! description and the health check.

use super::error::Result;
use super::{graph_response, with_type, AppState};
use crate::config::Config;
use crate::rdf::{self, Contexts};
use crate::vocab::{self, Base};
use anyhow::Context as _;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::Response;
use axum::routing::get;
use axum::{Json, Router};
use oxigraph::io::RdfFormat;
use oxigraph::model::{GraphName, NamedNode, Term, Triple};
use std::path::Path;

/// What the service says about itself, read once at start-up.
pub struct SelfDescription {
    pub context: Vec<u8>,
    pub ontology: Vec<Triple>,
    pub shapes: Vec<Triple>,
    service: Vec<Triple>,
}

/// Reads every RDF file of a folder (or one file) into triples.
pub fn read_triples(path: &Path, base: &Base) -> anyhow::Result<Vec<Triple>> {
    let mut triples = Vec::new();
    for file in crate::store::rdf_files(path)? {
        let format = rdf::format_from_path(&file).unwrap_or(RdfFormat::Turtle);
        let data = std::fs::read(&file).with_context(|| format!("cannot read {}", file.display()))?;
        let quads = rdf::parse(&data, format, base.as_str(), &GraphName::DefaultGraph, true, &Contexts::default())
            .map_err(|e| anyhow::anyhow!("{}: {e}", file.display()))?;
        triples.extend(quads.into_iter().map(Triple::from));
    }
    Ok(triples)
}

pub fn read_context(config: &Config) -> anyhow::Result<Vec<u8>> {
    let path = config.ontology_dir.join("context.jsonld");
    std::fs::read(&path).with_context(|| format!("cannot read the JSON-LD context {}", path.display()))
}

impl SelfDescription {
    pub fn load(config: &Config, base: &Base, shapes: Vec<Triple>) -> anyhow::Result<Self> {
        Ok(Self {
            context: read_context(config)?,
            ontology: read_triples(&config.ontology_dir.join("tiers-lieux.ttl"), base)?,
            shapes,
            service: service_description(base),
        })
    }

    pub fn service_description(&self, headers: &HeaderMap) -> Result<Response> {
        graph_response(headers, &self.service)
    }
}

/// The SPARQL 1.1 Service Description of our endpoint.
fn service_description(base: &Base) -> Vec<Triple> {
    let endpoint = NamedNode::new_unchecked(base.sparql_endpoint());
    let service: Term = endpoint.clone().into();
    let dataset = oxigraph::model::BlankNode::default();
    let sd = |local: &str| NamedNode::new_unchecked(format!("{}{local}", vocab::SD));
    let formats = [
        "http://www.w3.org/ns/formats/SPARQL_Results_JSON",
        "http://www.w3.org/ns/formats/SPARQL_Results_XML",
        "http://www.w3.org/ns/formats/SPARQL_Results_CSV",
        "http://www.w3.org/ns/formats/SPARQL_Results_TSV",
        "http://www.w3.org/ns/formats/Turtle",
        "http://www.w3.org/ns/formats/N-Triples",
        "http://www.w3.org/ns/formats/N-Quads",
        "http://www.w3.org/ns/formats/RDF_XML",
        "http://www.w3.org/ns/formats/JSON-LD",
    ];
    let subject = oxigraph::model::NamedOrBlankNode::from(endpoint.clone());
    let mut triples = vec![
        Triple::new(subject.clone(), vocab::RDF_TYPE, vocab::SD_SERVICE),
        Triple::new(subject.clone(), vocab::SD_ENDPOINT, service),
        Triple::new(subject.clone(), vocab::SD_SUPPORTED_LANGUAGE, vocab::SD_SPARQL11_QUERY),
        Triple::new(subject.clone(), vocab::SD_SUPPORTED_LANGUAGE, vocab::SD_SPARQL11_UPDATE),
        Triple::new(subject.clone(), vocab::SD_FEATURE, vocab::SD_UNION_DEFAULT_GRAPH),
        Triple::new(subject.clone(), vocab::SD_DEFAULT_DATASET, dataset.clone()),
        Triple::new(dataset, vocab::RDF_TYPE, vocab::SD_DATASET),
    ];
    for format in formats {
        triples.push(Triple::new(subject.clone(), sd("resultFormat"), NamedNode::new_unchecked(format)));
    }
    triples
}

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/context.jsonld", get(context))
        .route("/ontology", get(ontology))
        .route("/shapes", get(shapes))
        .route("/health", get(health))
}

async fn context(State(state): State<AppState>) -> Response {
    with_type("application/ld+json", state.meta.context.clone())
}

async fn ontology(State(state): State<AppState>, headers: HeaderMap) -> Result<Response> {
    graph_response(&headers, &state.meta.ontology)
}

async fn shapes(State(state): State<AppState>, headers: HeaderMap) -> Result<Response> {
    graph_response(&headers, &state.meta.shapes)
}

async fn health() -> Json<serde_json::Value> {
    Json(serde_json::json!({ "status": "ok", "version": env!("CARGO_PKG_VERSION") }))
}
