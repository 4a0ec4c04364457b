//! What the bench targets share: the partner queries, the synthetic dataset as a file, where
//! the figures go. A target may use a part of it only.
#![allow(dead_code)]

use lieux_communs::generate::{self, Sizes};
use lieux_communs::vocab::Base;
use oxigraph::model::{GraphName, Quad};
use std::path::{Path, PathBuf};

const TL: &str = "PREFIX tl: <https://w3id.org/tiers-lieux/ns#>\n";

/// The six partner queries of the issue, over the synthetic dataset.
pub fn queries(base: &str) -> Vec<(&'static str, String)> {
    vec![
        (
            "places of a network with address",
            format!("{TL}SELECT ?place ?name ?street ?postal ?town WHERE {{ ?place tl:memberOf <{base}networks/synthetic-network-02> ; tl:name ?name ; tl:address ?a . ?a tl:streetAddress ?street ; tl:postalCode ?postal ; tl:locality ?town }}"),
        ),
        (
            "commons with pledged totals",
            format!("{TL}SELECT ?commons (SUM(?amount) AS ?total) (COUNT(?pledge) AS ?pledges) WHERE {{ ?pledge a tl:Pledge ; tl:pledgedTo ?commons ; tl:amount ?amount }} GROUP BY ?commons ORDER BY DESC(?total) LIMIT 50"),
        ),
        (
            "name filter",
            format!("{TL}SELECT ?place ?name WHERE {{ ?place a tl:Place ; tl:name ?name FILTER(CONTAINS(LCASE(?name), \"lyon 12\")) }}"),
        ),
        (
            "describe one place",
            format!("DESCRIBE <{base}places/synthetic-place-0042>"),
        ),
        (
            "places per region",
            format!("{TL}SELECT ?region (COUNT(?place) AS ?n) WHERE {{ ?place a tl:Place ; tl:address/tl:region ?region }} GROUP BY ?region ORDER BY ?region"),
        ),
        (
            "construct one network's subgraph",
            format!("{TL}CONSTRUCT {{ ?place ?p ?o }} WHERE {{ ?place tl:memberOf <{base}networks/synthetic-network-05> ; ?p ?o }}"),
        ),
    ]
}

/// Queries that never end on any store of more than a few triples: a cross product of the
/// store with itself four times. The second spells SERVICE in a literal (such a literal once
/// sent a query out of the killable workers).
pub const RUNAWAYS: [&str; 2] = [
    "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }",
    "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l FILTER(?c != \"SERVICE\") }",
];

/// The synthetic dataset (default sizes, seed 42, IRIs under `base`) written to `path` as
/// N-Triples, so that every engine compared reads the very same statements.
pub fn synthetic_ntriples(base: &Base, path: &Path) -> anyhow::Result<Vec<Quad>> {
    let quads = generate::generate(base, &Sizes::default(), 42, &GraphName::DefaultGraph);
    std::fs::write(
        path,
        lieux_communs::rdf::serialize_quads(&quads, oxigraph::io::RdfFormat::NTriples)?,
    )?;
    Ok(quads)
}

/// `bench-results/` of the repository, created when missing.
pub fn results_dir() -> anyhow::Result<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("bench-results");
    std::fs::create_dir_all(&dir)?;
    Ok(dir)
}
