//! Benchmarks on the synthetic dataset, figures written to `bench-results/`.
//!
//! `./dev.sh bench [sparql|shacl|api]` (= `cargo bench --bench bench -- …`, a release build).
//! Without `--bench` (as in `cargo test --all-targets`) this target only checks that it builds
//! and exits: timings belong here, not in tests.

mod support;

use lieux_communs::config::Config;
use lieux_communs::generate::{self, Sizes};
use lieux_communs::sparql::parse_query;
use oxigraph::model::GraphName;
use std::fmt::Write as _;
use std::time::{Duration, Instant};
use support::queries;

fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().collect();
    if !args.iter().any(|a| a == "--bench") {
        println!(
            "bench: run with `./dev.sh bench [sparql|shacl|api]`; nothing to do without --bench"
        );
        return Ok(());
    }
    // `RUST_LOG=lieux_communs=debug` shows, among others, each write's validation and commit
    // times; errors only otherwise.
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("error")),
        )
        .with_writer(std::io::stderr)
        .init();
    let out_dir = support::results_dir()?;
    let wanted = |name: &str| {
        let named: Vec<&String> = args
            .iter()
            .skip(1)
            .filter(|a| !a.starts_with('-'))
            .collect();
        named.is_empty() || named.iter().any(|a| a.as_str() == name)
    };
    if wanted("sparql") {
        sparql_bench(&out_dir)?;
    }
    if wanted("shacl") {
        shacl_bench(&out_dir)?;
    }
    if wanted("api") {
        api_bench(&out_dir)?;
    }
    Ok(())
}

fn sparql_bench(out_dir: &std::path::Path) -> anyhow::Result<()> {
    let store_dir =
        std::env::temp_dir().join(format!("lieux-communs-bench-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&store_dir);

    let listener = std::net::TcpListener::bind("127.0.0.1:0")?;
    let addr = listener.local_addr()?;
    let base = format!("http://{addr}/");
    let config = Config {
        store: store_dir.clone(),
        base_iri: base.clone(),
        // Evaluation measured, not the answers kept between commits.
        kept_answers_bytes: 0,
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
    let places = state
        .store
        .store
        .quads_for_pattern(
            None,
            Some(lieux_communs::vocab::RDF_TYPE),
            Some(lieux_communs::vocab::PLACE.into()),
            None,
        )
        .count();
    anyhow::ensure!(
        places >= Sizes::default().places,
        "the synthetic places are not in the store ({places})"
    );
    let mut report = String::new();
    writeln!(
        report,
        "# SPARQL benchmark — synthetic dataset ({} quads, RocksDB store)\n",
        quads.len()
    )?;
    writeln!(
        report,
        "generate: {:.2} s; written into the server's store: {:.2} s ({:.0} quads/s; Oxigraph's bulk loader in one batch, then the in-memory query copy made again from the store; `lieux-communs load` alone: `sparql-peers.md`)\n",
        generated.as_secs_f64(),
        loaded.as_secs_f64(),
        quads.len() as f64 / loaded.as_secs_f64()
    )?;
    writeln!(report, "Each query answered as JSON (SELECT) or Turtle (CONSTRUCT/DESCRIBE), one client, sequential requests with keep-alive.\n")?;
    writeln!(
        report,
        "| query | engine q/s | HTTP q/s | engine ms/q | HTTP ms/q | HTTP layer cost |"
    )?;
    writeln!(report, "|---|---:|---:|---:|---:|---:|")?;

    let runtime = serve(listener, &state)?;
    let http = reqwest::blocking::Client::new();
    let budget = Duration::from_secs(4);

    for (name, query) in queries(&base) {
        // Engine alone: what the handler does minus HTTP (parse, evaluate, serialize).
        let engine = state.engine.clone();
        let store = state.store.clone();
        let direct = measure(budget, || {
            let parsed = parse_query(&query, &base, &[], &[]).unwrap();
            let format = parsed.form.result_format(None, None).unwrap();
            let key = engine.answer_key(&store, &parsed, format);
            let body = runtime
                .block_on(engine.execute(&store, parsed, format, key, "bench"))
                .unwrap();
            assert!(!body.is_empty());
        });
        let url = format!("http://{addr}/sparql");
        let over_http = measure(budget, || {
            let response = http
                .get(&url)
                .query(&[("query", query.as_str())])
                .send()
                .unwrap();
            assert!(
                response.status().is_success(),
                "{name}: {}",
                response.status()
            );
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

/// SHACL: our engine on the whole synthetic dataset, then pyshacl on the same file and shapes.
fn shacl_bench(out_dir: &std::path::Path) -> anyhow::Result<()> {
    use lieux_communs::validation::Validator;
    use oxigraph::model::{Graph, Triple};
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let base = lieux_communs::vocab::Base::new("http://localhost:8080/");
    let data_file = std::env::temp_dir().join("lieux-communs-bench-synthetic.nt");
    let quads = support::synthetic_ntriples(&base, &data_file)?;
    let graph: Graph = quads.iter().map(|q| Triple::from(q.clone())).collect();
    let started = Instant::now();
    let validator = Validator::load(&root.join("shapes"))?;
    let compile = started.elapsed();
    let mut runs = Vec::new();
    let mut conforms = false;
    for _ in 0..3 {
        let started = Instant::now();
        let report = validator.validate(&graph);
        runs.push(started.elapsed().as_secs_f64());
        conforms = report.conforms;
    }
    let ours = runs.iter().cloned().fold(f64::INFINITY, f64::min);

    // Validation of one write in the context of a store holding the whole dataset.
    let app = lieux_communs::store::AppStore::open(&Config {
        memory: true,
        base_iri: base.as_str().to_owned(),
        ..Config::default()
    })?;
    let store = &app.store;
    let synthetic = oxigraph::model::NamedNode::new_unchecked(base.graph("synthetic"));
    let mut loader = store.bulk_loader();
    loader.load_quads(quads.iter().map(|q| {
        oxigraph::model::Quad::new(
            q.subject.clone(),
            q.predicate.clone(),
            q.object.clone(),
            synthetic.clone(),
        )
    }))?;
    loader.commit()?;
    let pledge = lieux_communs::rdf::parse(
        "@prefix tl: <https://w3id.org/tiers-lieux/ns#> . @prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
            <pledges/bench> a tl:Pledge ; tl:funder <places/synthetic-place-0001> ; tl:pledgedTo <commons/synthetic-commons-0001> ;
            tl:amount \"50\"^^xsd:decimal ; tl:status tl:status-intention .".as_bytes(),
        oxigraph::io::RdfFormat::Turtle, base.as_str(), &GraphName::DefaultGraph, true, &Default::default()).map_err(|e| anyhow::anyhow!("{e}"))?;
    let change = lieux_communs::validation::Change {
        add: pledge.into_iter().map(Triple::from).collect(),
        remove: Graph::new(),
    };
    let network = oxigraph::model::NamedNode::new_unchecked(base.graph("rfflab"));
    let check = validator.validate_change(&app, network.as_ref(), &change);
    anyhow::ensure!(
        check.conforms,
        "the benchmark's write does not conform: {}",
        lieux_communs::validation::report_text(&check)
    );
    let per_write = measure(Duration::from_secs(3), || {
        assert!(
            validator
                .validate_change(&app, network.as_ref(), &change)
                .conforms
        );
    });

    let mut report = String::new();
    writeln!(
        report,
        "# SHACL benchmark — synthetic dataset ({} triples, {} shapes)\n",
        graph.len(),
        validator.shapes().shape_count()
    )?;
    writeln!(report, "| engine | validate whole dataset | conforms |")?;
    writeln!(report, "|---|---:|---|")?;
    writeln!(
        report,
        "| lieux-communs (in-memory graph, best of 3) | {ours:.3} s | {conforms} |"
    )?;
    let py = run_pyshacl(&data_file, &root.join("shapes"));
    match &py {
        Ok(v) => {
            let secs = v["validate_s"].as_f64().unwrap_or(f64::NAN);
            writeln!(
                report,
                "| pyshacl {} (inference none; parsing not counted: {:.1} s) | {secs:.1} s | {} |",
                v["pyshacl"].as_str().unwrap_or("?"),
                v["parse_s"].as_f64().unwrap_or(f64::NAN),
                v["conforms"]
            )?;
            writeln!(
                report,
                "\nlieux-communs is **{:.0}×** faster than pyshacl on the same data and shapes.",
                secs / ours
            )?;
        }
        Err(e) => writeln!(report, "| pyshacl | not measured: {e} | |")?,
    }
    writeln!(report, "\nShapes compiled in {:.2} ms. One write (a pledge) validated in the context of a store holding the whole dataset: **{:.3} ms**.", compile.as_secs_f64() * 1000.0, per_write)?;
    std::fs::write(out_dir.join("shacl.md"), &report)?;
    println!("{report}");
    Ok(())
}

/// Creates (once) a virtual environment with pyshacl under the target directory and runs it.
fn run_pyshacl(
    data: &std::path::Path,
    shapes: &std::path::Path,
) -> anyhow::Result<serde_json::Value> {
    use std::process::Command;
    let target = std::env::var("CARGO_TARGET_DIR")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|_| std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("target"));
    let venv = target.join("bench-venv");
    let python = venv.join("bin/python");
    if !python.exists() {
        anyhow::ensure!(
            Command::new("python3")
                .args(["-m", "venv"])
                .arg(&venv)
                .status()?
                .success(),
            "python3 -m venv failed"
        );
        anyhow::ensure!(
            Command::new(&python)
                .args(["-m", "pip", "install", "-q", "pyshacl==0.40.*"])
                .status()?
                .success(),
            "pip install pyshacl failed"
        );
    }
    let script =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("benches/pyshacl_validate.py");
    let output = Command::new(&python)
        .arg(script)
        .arg(data)
        .arg(shapes)
        .output()?;
    anyhow::ensure!(
        output.status.success(),
        "pyshacl failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    Ok(serde_json::from_slice(&output.stdout)?)
}

/// API: validated ingest through `POST /import` and through one `POST /{collection}` per
/// resource, then `GET` of one resource as JSON-LD under wrk (Debian's package) with 32
/// connections.
fn api_bench(out_dir: &std::path::Path) -> anyhow::Result<()> {
    use lieux_communs::config::NetworkConfig;
    use oxigraph::model::{NamedOrBlankNode, Term, Triple};
    let listener = std::net::TcpListener::bind("127.0.0.1:0")?;
    let addr = listener.local_addr()?;
    let base = format!("http://{addr}/");
    let store_dir =
        std::env::temp_dir().join(format!("lieux-communs-bench-api-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&store_dir);
    let mut config = Config {
        store: store_dir.clone(),
        base_iri: base.clone(),
        max_body_bytes: 100_000_000,
        ..Config::default()
    };
    config.networks.insert(
        "bench".into(),
        NetworkConfig {
            token: "bench-token".into(),
        },
    );
    let state = lieux_communs::build_state(config)?;
    let _server = serve(listener, &state)?;

    // The synthetic dataset as one JSON-LD document per resource, rendered by our own renderer.
    let quads = generate::generate(
        &state.store.base,
        &Sizes::default(),
        42,
        &GraphName::DefaultGraph,
    );
    let triples: Vec<Triple> = quads.into_iter().map(Triple::from).collect();
    let mut by_resource: Vec<(NamedOrBlankNode, Vec<Triple>)> = Vec::new();
    let mut index = std::collections::HashMap::new();
    for t in &triples {
        let owner = match &t.subject {
            NamedOrBlankNode::NamedNode(n) => {
                NamedOrBlankNode::from(oxigraph::model::NamedNode::new_unchecked(
                    n.as_str().split('#').next().unwrap_or_default(),
                ))
            }
            other => other.clone(),
        };
        let slot = *index.entry(owner.clone()).or_insert_with(|| {
            by_resource.push((owner.clone(), Vec::new()));
            by_resource.len() - 1
        });
        by_resource[slot].1.push(t.clone());
    }
    // (collection, IRI, document) of every resource.
    let documents: Vec<(String, String, String)> = by_resource
        .iter()
        .map(|(root, own)| {
            let iri = root.to_string().trim_matches(['<', '>']).to_owned();
            let collection = iri
                .trim_start_matches(base.as_str())
                .split('/')
                .next()
                .unwrap_or_default()
                .to_owned();
            let mut doc = state
                .compactor
                .render(own, root, &|t: &Term| t.to_string().contains('#'));
            doc["@context"] = serde_json::Value::String(state.store.base.context());
            (collection, iri, doc.to_string())
        })
        .collect();
    let mean_size =
        documents.iter().map(|(_, _, d)| d.len()).sum::<usize>() / documents.len().max(1);
    let http = reqwest::blocking::Client::builder()
        .timeout(Duration::from_secs(900))
        .build()?;

    // 1. POST /import of the whole dataset in one request: commons and their contributors
    // point at each other, so no split into batches would validate on its own.
    let graph: Vec<serde_json::Value> = documents
        .iter()
        .map(|(_, _, d)| {
            let mut v: serde_json::Value = serde_json::from_str(d).unwrap();
            v.as_object_mut().unwrap().remove("@context");
            v
        })
        .collect();
    let body =
        serde_json::json!({ "@context": state.store.base.context(), "@graph": graph }).to_string();
    let body_mb = body.len() as f64 / 1e6;
    let import = |body: String| -> anyhow::Result<f64> {
        let started = Instant::now();
        let response = http
            .post(format!("{base}import"))
            .bearer_auth("bench-token")
            .header("content-type", "application/ld+json")
            .body(body)
            .send()?;
        anyhow::ensure!(
            response.status().is_success(),
            "import: {} {}",
            response.status(),
            response.text()?
        );
        Ok(started.elapsed().as_secs_f64())
    };
    let import_secs = import(body.clone())?;
    let import_rate = documents.len() as f64 / import_secs;
    // The same export pushed again: every resource is replaced by what it already says.
    let reimport_secs = import(body)?;
    let reimport_rate = documents.len() as f64 / reimport_secs;

    // 2. One POST per resource under wrk, each validated in context and committed on its own:
    // the resources of the dataset again, each under a new IRI (benches/post.lua renames it),
    // linking to the imported ones. All but the commons: they and their contributors point at
    // each other (sh:class both ways), so only a batch holding both validates. Shuffled, so
    // that any stretch of the run has the dataset's mix; then the places alone, the largest
    // documents.
    let marked = |wanted: &dyn Fn(&str) -> bool| -> Vec<String> {
        let mut lines: Vec<String> = documents
            .iter()
            .filter(|(c, _, _)| wanted(c))
            .map(|(collection, iri, doc)| {
                // The resource's own IRI, and those of the nodes it owns (`#address`…).
                let slug = iri.rsplit('/').next().unwrap_or_default();
                let renamed = format!("{base}{collection}/@@{slug}");
                let doc = doc
                    .replace(&format!("\"{iri}\""), &format!("\"{renamed}\""))
                    .replace(&format!("\"{iri}#"), &format!("\"{renamed}#"));
                format!("{collection}\t{doc}")
            })
            .collect();
        use rand::seq::SliceRandom;
        use rand::SeedableRng;
        lines.shuffle(&mut rand_chacha::ChaCha8Rng::seed_from_u64(7));
        lines
    };
    let mix = marked(&|c| c != "commons");
    let mix_mean = mix.iter().map(String::len).sum::<usize>() / mix.len().max(1);
    let mix_file = store_dir.with_extension("mix.tsv");
    std::fs::write(&mix_file, mix.join("\n"))?;
    let places = marked(&|c| c == "places");
    let places_mean = places.iter().map(String::len).sum::<usize>() / places.len().max(1);
    let places_file = store_dir.with_extension("places.tsv");
    std::fs::write(&places_file, places.join("\n"))?;
    let script = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("benches/post.lua");
    let mut created_total = 0;
    let mut post_load = |connections: usize, file: &std::path::Path, run: &str| {
        let run = wrk(&[
            format!("-t{}", connections.min(2)).as_ref(),
            format!("-c{connections}").as_ref(),
            "-d10s".as_ref(),
            "-s".as_ref(),
            script.as_os_str(),
            base.as_ref(),
            "--".as_ref(),
            file.as_os_str(),
            "bench-token".as_ref(),
            run.as_ref(),
        ])?;
        let failed = run.number("failed ");
        anyhow::ensure!(failed == 0.0, "{failed} POSTs were refused: {}", run.stderr);
        created_total += run.number("created ") as usize;
        Ok(run)
    };
    let sequential = post_load(1, &mix_file, "a")?;
    let parallel = post_load(8, &mix_file, "b")?;
    let places_parallel = post_load(8, &places_file, "c")?;
    // Every 201 is a resource in the network's graph, readable by anyone; the store may hold
    // a few more: the POSTs still in flight when wrk stopped counting (at most one per
    // connection).
    let counted: usize = http
        .post(format!("{base}sparql"))
        .header("accept", "text/csv")
        .form(&[(
            "query",
            format!(
                "SELECT (COUNT(DISTINCT ?r) AS ?n) WHERE {{ GRAPH <{base}graphs/bench> {{ ?r a ?class FILTER(CONTAINS(STR(?r), \"/load-\") && !CONTAINS(STR(?r), \"#\")) }} }}"
            ),
        )])
        .send()?
        .text()?
        .lines()
        .nth(1)
        .and_then(|n| n.trim().parse().ok())
        .unwrap_or_default();
    anyhow::ensure!(
        (created_total..=created_total + 1 + 8 + 8).contains(&counted),
        "{created_total} resources created, but the store counts {counted}"
    );
    let _ = std::fs::remove_file(&mix_file);
    let _ = std::fs::remove_file(&places_file);

    // 3. GET one resource as JSON-LD under wrk, 32 connections: as served (the representation
    // is kept until the next commit), then by a server on the same store that keeps none and
    // renders the resource for every request.
    // The same place as an HTML page: its page is rendered from the same JSON-LD document.
    let get_load = |base: &str, accept: &str| {
        wrk(&[
            "-t2".as_ref(),
            "-c32".as_ref(),
            "-d10s".as_ref(),
            "-H".as_ref(),
            format!("Accept: {accept}").as_ref(),
            format!("{base}places/synthetic-place-0042").as_ref(),
        ])
    };
    let get = get_load(&base, "application/ld+json")?;
    let get_html = get_load(&base, "text/html")?;
    let rendering = {
        let mut state = state.clone();
        state.representations = std::sync::Arc::new(
            lieux_communs::http::representations::Representations::new(0),
        );
        let listener = std::net::TcpListener::bind("127.0.0.1:0")?;
        let other = format!("http://{}/", listener.local_addr()?);
        let _server = serve(listener, &state)?;
        (
            get_load(&other, "application/ld+json")?,
            get_load(&other, "text/html")?,
        )
    };
    let (rendering, rendering_html) = rendering;
    let mut report = String::new();
    writeln!(report, "# API benchmark — synthetic dataset ({} resources, JSON-LD documents of {} bytes on average)\n", documents.len(), mean_size)?;
    writeln!(report, "| what | figure | goal |")?;
    writeln!(report, "|---|---:|---:|")?;
    writeln!(report, "| validated ingest, POST /import (the whole dataset, {body_mb:.0} MB, one request, into an empty graph) | {import_rate:.0} documents/s ({import_secs:.1} s in all) | ≥ 2 000 |")?;
    writeln!(report, "| validated ingest, the same POST /import again (each resource replaced by the same statements) | {reimport_rate:.0} documents/s ({reimport_secs:.1} s in all) | ≥ 2 000 |")?;
    writeln!(report, "| validated ingest, one POST per resource (the dataset but its commons, shuffled; {mix_mean} bytes on average), wrk -c8 -t2 -d10s | {:.0} documents/s, p99 {} | ≥ 2 000 |", parallel.number("Requests/sec:"), parallel.p99())?;
    writeln!(report, "| the same, wrk -c1 (one connection waiting for each answer) | {:.0} documents/s, p99 {} | |", sequential.number("Requests/sec:"), sequential.p99())?;
    writeln!(report, "| the same, places only ({places_mean} bytes on average, ~20 triples each), wrk -c8 -t2 -d10s | {:.0} documents/s, p99 {} | |", places_parallel.number("Requests/sec:"), places_parallel.p99())?;
    writeln!(report, "| GET one place as JSON-LD, wrk -c32 -t2 -d10s (its representation kept until the next commit) | {:.0} requests/s, p99 {} | ≥ 10 000/s, p99 < 10 ms |", get.number("Requests/sec:"), get.p99())?;
    writeln!(report, "| the same, rendered for every request (`kept_representations_bytes = 0`) | {:.0} requests/s, p99 {} | |", rendering.number("Requests/sec:"), rendering.p99())?;
    writeln!(report, "| GET the same place as an HTML page (kept until the next commit) | {:.0} requests/s, p99 {} | as JSON-LD |", get_html.number("Requests/sec:"), get_html.p99())?;
    writeln!(
        report,
        "| the same HTML page, rendered for every request | {:.0} requests/s, p99 {} | |",
        rendering_html.number("Requests/sec:"),
        rendering_html.p99()
    )?;
    writeln!(report, "\n{created_total} resources created by the POSTs, each answered 201, all found in the store afterwards ({counted} with those in flight when wrk stopped).")?;
    writeln!(
        report,
        "\nPOST, wrk -c8:\n```\n{}```\n\nGET, wrk -c32:\n```\n{}```\n\nGET rendered for every request, wrk -c32:\n```\n{}```",
        parallel.text, get.text, rendering.text
    )?;
    std::fs::write(out_dir.join("api.md"), &report)?;
    println!("{report}");
    drop(state);
    let _ = std::fs::remove_dir_all(&store_dir);
    Ok(())
}

/// One run of wrk (Debian's package), with its latency distribution.
struct Wrk {
    text: String,
    stderr: String,
}

impl Wrk {
    /// The number after `prefix` at the start of a line of wrk's output.
    fn number(&self, prefix: &str) -> f64 {
        self.text
            .lines()
            .find_map(|l| l.trim_start().strip_prefix(prefix))
            .and_then(|rest| rest.split_whitespace().next())
            .and_then(|n| n.parse().ok())
            .unwrap_or(f64::NAN)
    }

    fn p99(&self) -> &str {
        self.text
            .lines()
            .find_map(|l| l.trim_start().strip_prefix("99%"))
            .map_or("?", str::trim)
    }
}

fn wrk(args: &[&std::ffi::OsStr]) -> anyhow::Result<Wrk> {
    let out = std::process::Command::new("wrk")
        .arg("--latency")
        .args(args)
        .output()
        .map_err(|e| anyhow::anyhow!("cannot run wrk ({e}): `apt-get install wrk`"))?;
    let run = Wrk {
        text: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    };
    anyhow::ensure!(out.status.success(), "wrk failed: {}", run.stderr);
    Ok(run)
}

/// Serves the state on the listener from a runtime of its own, as `lieux-communs serve` does.
fn serve(
    listener: std::net::TcpListener,
    state: &lieux_communs::http::AppState,
) -> anyhow::Result<tokio::runtime::Runtime> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    let state = state.clone();
    listener.set_nonblocking(true)?;
    runtime.spawn(async move {
        let listener = tokio::net::TcpListener::from_std(listener).expect("a bound listener");
        lieux_communs::http::serve(listener, state)
            .await
            .expect("the server runs");
    });
    Ok(runtime)
}
