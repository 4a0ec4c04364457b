//! Benchmarks on the synthetic dataset, figures written to `bench-results/`.
//!
//! `cargo bench --bench bench` (or `./dev.sh bench`). Under `cargo test` this target only checks
//! that it builds and exits: timings belong here, not in tests.

use lieux_communs::config::Config;
use lieux_communs::generate::{self, Sizes};
use lieux_communs::sparql::parse_query;
use oxigraph::model::GraphName;
use std::fmt::Write as _;
use std::time::{Duration, Instant};

const TL: &str = "PREFIX tl: <https://w3id.org/tiers-lieux/ns#>\n";

/// The six partner queries of the issue, over the synthetic dataset.
fn queries(base: &str) -> Vec<(&'static str, String)> {
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

fn main() -> anyhow::Result<()> {
    if !std::env::args().any(|a| a == "--bench") {
        println!("bench: run with `cargo bench --bench bench`; nothing to do under cargo test");
        return Ok(());
    }
    let out_dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("bench-results");
    std::fs::create_dir_all(&out_dir)?;
    let store_dir = std::env::temp_dir().join(format!("lieux-communs-bench-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&store_dir);

    let listener = std::net::TcpListener::bind("127.0.0.1:0")?;
    let addr = listener.local_addr()?;
    let base = format!("http://{addr}/");
    let config = Config {
        store: store_dir.clone(),
        base_iri: base.clone(),
        ..Config::default()
    };
    let state = lieux_communs::build_state(config)?;

    let started = Instant::now();
    let quads = generate::generate(
        &state.store.base,
        &Sizes::default(),
        42,
        &GraphName::NamedNode(state.store.graph("synthetic")),
    );
    let generated = started.elapsed();
    let started = Instant::now();
    state.store.insert_quads(&quads)?;
    let loaded = started.elapsed();
    let mut report = String::new();
    writeln!(report, "# SPARQL benchmark — synthetic dataset ({} quads, RocksDB store)\n", quads.len())?;
    writeln!(report, "generate: {:.2} s; bulk load: {:.2} s ({:.0} quads/s)\n", generated.as_secs_f64(), loaded.as_secs_f64(), quads.len() as f64 / loaded.as_secs_f64())?;
    writeln!(report, "Each query answered as JSON (SELECT) or Turtle (CONSTRUCT/DESCRIBE), one client, sequential requests with keep-alive.\n")?;
    writeln!(report, "| query | engine q/s | HTTP q/s | engine ms/q | HTTP ms/q | HTTP layer cost |")?;
    writeln!(report, "|---|---:|---:|---:|---:|---:|")?;

    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
    let server_state = state.clone();
    runtime.spawn(async move {
        listener.set_nonblocking(true).unwrap();
        let listener = tokio::net::TcpListener::from_std(listener).unwrap();
        axum::serve(listener, lieux_communs::http::router(server_state)).await.unwrap();
    });
    let http = reqwest::blocking::Client::new();
    let budget = Duration::from_secs(4);

    for (name, query) in queries(&base) {
        // Engine alone: what the handler does minus HTTP (parse, evaluate, serialize).
        let engine = state.engine.clone();
        let store = state.store.clone();
        let direct = measure(budget, || {
            let parsed = parse_query(&query, &base, &[], &[]).unwrap();
            let format = parsed.form.result_format(None, None).unwrap();
            let body = runtime.block_on(engine.execute(&store, parsed, format)).unwrap();
            assert!(!body.is_empty());
        });
        let url = format!("http://{addr}/sparql");
        let over_http = measure(budget, || {
            let response = http.get(&url).query(&[("query", query.as_str())]).send().unwrap();
            assert!(response.status().is_success(), "{name}: {}", response.status());
            assert!(!response.bytes().unwrap().is_empty());
        });
        let cost = (over_http - direct) / direct * 100.0;
        writeln!(
            report,
            "| {name} | {:.0} | {:.0} | {:.3} | {:.3} | {cost:+.1} % |",
            1000.0 / direct,
            1000.0 / over_http,
            direct,
            over_http
        )?;
        eprintln!("{name}: engine {direct:.3} ms, http {over_http:.3} ms");
    }
    let path = out_dir.join("sparql.md");
    std::fs::write(&path, &report)?;
    println!("{report}\nwritten to {}", path.display());
    drop(state);
    let _ = std::fs::remove_dir_all(&store_dir);
    Ok(())
}

/// Mean milliseconds per call: a warm-up, then as many calls as fit in the budget (at least 5).
fn measure(budget: Duration, mut f: impl FnMut()) -> f64 {
    for _ in 0..3 {
        f();
    }
    let started = Instant::now();
    let mut n = 0u32;
    while n < 5 || started.elapsed() < budget {
        f();
        n += 1;
    }
    started.elapsed().as_secs_f64() * 1000.0 / f64::from(n)
}
