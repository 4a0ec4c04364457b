//! Our shapes against our data: fixtures and the synthetic dataset conform, each hand-made
//! invalid record gives exactly its expected violation, writes are validated in the context of
//! the store, and the CLI and HTTP entry points answer as documented.

mod common;

use common::{client, repo_path, TestServer};
use lieux_communs::generate::{generate, Sizes};
use lieux_communs::rdf::{self, Contexts};
use lieux_communs::validation::{Change, Validator};
use lieux_communs::vocab::Base;
use oxigraph::model::{Graph, GraphName, NamedNode, Quad, Term, Triple};
use reqwest::StatusCode;
use shacl::ValidationReport;
use std::process::Command;

const BASE: &str = "http://localhost:8080/";
const TL: &str = "https://w3id.org/tiers-lieux/ns#";
const SH: &str = "http://www.w3.org/ns/shacl#";

fn validator() -> Validator {
    Validator::load(&repo_path("shapes")).expect("our shapes compile")
}

fn read(path: &std::path::Path) -> Vec<Quad> {
    let data = std::fs::read(path).unwrap();
    let format = rdf::format_from_path(path).unwrap();
    rdf::parse(
        &data,
        format,
        BASE,
        &GraphName::DefaultGraph,
        true,
        &Contexts::default(),
    )
    .unwrap()
}

fn graph_of(files: &[std::path::PathBuf]) -> Graph {
    let mut graph = Graph::new();
    for file in files {
        for q in read(file) {
            graph.insert(&Triple::from(q));
        }
    }
    graph
}

fn fixture_files() -> Vec<std::path::PathBuf> {
    lieux_communs::bundled::rdf_files(&repo_path("fixtures")).unwrap()
}

#[test]
fn the_fixtures_conform() {
    let report = validator().validate(&graph_of(&fixture_files()));
    assert!(
        report.conforms,
        "{}",
        lieux_communs::validation::report_text(&report)
    );
}

#[test]
fn the_synthetic_dataset_conforms() {
    let quads = generate(
        &Base::new(BASE),
        &Sizes::default(),
        42,
        &GraphName::DefaultGraph,
    );
    let mut graph = Graph::new();
    for q in quads {
        graph.insert(&Triple::from(q));
    }
    let report = validator().validate(&graph);
    assert!(
        report.conforms,
        "{}",
        lieux_communs::validation::report_text(&ValidationReport {
            conforms: false,
            results: report.results.into_iter().take(10).collect()
        })
    );
}

/// (file, focus node, path, component, value)
const INVALID: &[(&str, &str, &str, &str, Option<&str>)] = &[
    (
        "missing-name.ttl",
        "places/lieu-sans-nom",
        "name",
        "MinCountConstraintComponent",
        None,
    ),
    (
        "amount-as-string.ttl",
        "pledges/montant-en-texte",
        "amount",
        "DatatypeConstraintComponent",
        Some("\"400 €\""),
    ),
    (
        "pledge-to-missing-commons.ttl",
        "pledges/vers-commun-inexistant",
        "pledgedTo",
        "ClassConstraintComponent",
        Some("<http://localhost:8080/commons/commun-inexistant>"),
    ),
    (
        "bad-postal-code.ttl",
        "places/code-postal-faux#address",
        "postalCode",
        "PatternConstraintComponent",
        Some("\"7500\""),
    ),
    (
        "unknown-status.ttl",
        "pledges/statut-inconnu",
        "status",
        "InConstraintComponent",
        Some("<https://w3id.org/tiers-lieux/ns#status-promised>"),
    ),
];

#[test]
fn each_invalid_record_gives_exactly_its_violation() {
    let validator = validator();
    let fixtures = graph_of(&fixture_files());
    for (file, focus, path, component, value) in INVALID {
        let record = graph_of(&[repo_path("fixtures/invalid").join(file)]);
        // Alone, and together with the fixtures: the same single result.
        let mut with_fixtures = fixtures.clone();
        for t in record.iter() {
            with_fixtures.insert(t);
        }
        for data in [&record, &with_fixtures] {
            let report = validator.validate(data);
            assert_eq!(report.results.len(), 1, "{file}: {:?}", report.results);
            let r = &report.results[0];
            assert_eq!(
                r.focus_node,
                Term::from(NamedNode::new(format!("{BASE}{focus}")).unwrap()),
                "{file}"
            );
            assert_eq!(
                r.path.as_ref().unwrap().to_string(),
                format!("<{TL}{path}>"),
                "{file}"
            );
            assert_eq!(r.component.as_str(), format!("{SH}{component}"), "{file}");
            assert_eq!(r.severity.as_str(), format!("{SH}Violation"), "{file}");
            assert_eq!(
                r.value.as_ref().map(ToString::to_string).as_deref(),
                *value,
                "{file}"
            );
            let languages: Vec<_> = r.messages.iter().filter_map(|m| m.language()).collect();
            assert!(
                languages.contains(&"fr") && languages.contains(&"en"),
                "{file}: {:?}",
                r.messages
            );
        }
    }
}

#[test]
fn a_write_is_validated_in_the_context_of_the_store() {
    let validator = validator();
    let app = lieux_communs::store::AppStore::open(&lieux_communs::config::Config {
        memory: true,
        base_iri: BASE.into(),
        ..Default::default()
    })
    .unwrap();
    let store = &app.store;
    let fixtures = NamedNode::new(format!("{BASE}graphs/fixtures")).unwrap();
    for file in fixture_files() {
        for q in read(&file) {
            store
                .insert(&Quad::new(
                    q.subject,
                    q.predicate,
                    q.object,
                    fixtures.clone(),
                ))
                .unwrap();
        }
    }
    let network_graph = NamedNode::new(format!("{BASE}graphs/rfflab")).unwrap();
    let pledge = |commons: &str| -> Graph {
        let turtle = format!(
            "@prefix tl: <{TL}> . @prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
             <pledges/new> a tl:Pledge ; tl:funder <networks/rfflab> ; tl:pledgedTo <commons/{commons}> ;
               tl:amount \"100\"^^xsd:decimal ; tl:status tl:status-intention ."
        );
        let quads = rdf::parse(
            turtle.as_bytes(),
            oxigraph::io::RdfFormat::Turtle,
            BASE,
            &GraphName::DefaultGraph,
            true,
            &Contexts::default(),
        )
        .unwrap();
        quads.into_iter().map(Triple::from).collect()
    };
    // Dokos exists only in the store (fixtures graph): the pledge is valid.
    let change = Change {
        add: pledge("dokos"),
        remove: Graph::new(),
    };
    let report = validator.validate_change(&app, network_graph.as_ref(), &change);
    assert!(report.conforms, "{:?}", report.results);
    // A commun that exists nowhere: one violation, on the pledge only (not on the store's data).
    let change = Change {
        add: pledge("nowhere"),
        remove: Graph::new(),
    };
    let report = validator.validate_change(&app, network_graph.as_ref(), &change);
    assert_eq!(report.results.len(), 1, "{:?}", report.results);
    assert_eq!(
        report.results[0].focus_node.to_string(),
        format!("<{BASE}pledges/new>")
    );
    // Removing the name of a place in its own graph is seen by the validation.
    let place = NamedNode::new(format!("{BASE}places/la-fabrique-des-possibles")).unwrap();
    let name = NamedNode::new(format!("{TL}name")).unwrap();
    let mut remove = Graph::new();
    for q in store.quads_for_pattern(Some(place.as_ref().into()), Some(name.as_ref()), None, None) {
        remove.insert(&Triple::from(q.unwrap()));
    }
    let change = Change {
        add: Graph::new(),
        remove,
    };
    let report = validator.validate_change(&app, fixtures.as_ref(), &change);
    assert_eq!(report.results.len(), 1, "{:?}", report.results);
    assert!(report.results[0]
        .component
        .as_str()
        .ends_with("MinCountConstraintComponent"));
}

const BIN: &str = env!("CARGO_BIN_EXE_lieux-communs");

#[test]
fn cli_validate_exit_codes_and_formats() {
    let run = |args: &[&str]| {
        Command::new(BIN)
            .arg("validate")
            .args(args)
            .output()
            .unwrap()
    };
    let fixtures: Vec<String> = fixture_files()
        .iter()
        .map(|p| p.display().to_string())
        .collect();
    let mut args: Vec<&str> = fixtures.iter().map(String::as_str).collect();
    let ok = run(&args);
    assert_eq!(
        ok.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&ok.stdout)
    );
    assert!(String::from_utf8_lossy(&ok.stdout).contains("conforms"));

    let invalid = repo_path("fixtures/invalid/missing-name.ttl")
        .display()
        .to_string();
    let bad = run(&[&invalid]);
    assert_eq!(bad.status.code(), Some(1));
    let text = String::from_utf8_lossy(&bad.stdout);
    assert!(
        text.contains("lieu-sans-nom") && text.contains("MinCount"),
        "{text}"
    );

    let turtle = run(&["--format", "turtle", &invalid]);
    assert_eq!(turtle.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&turtle.stdout).contains("sh:ValidationReport")
            || String::from_utf8_lossy(&turtle.stdout).contains("ValidationReport")
    );
    let jsonld = run(&["--format", "jsonld", &invalid]);
    let report: serde_json::Value = serde_json::from_slice(&jsonld.stdout).unwrap();
    assert_eq!(report["conforms"], false);
    assert_eq!(report["result"].as_array().unwrap().len(), 1);

    let dir = std::env::temp_dir().join(format!("lc-validate-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let broken = dir.join("broken.ttl");
    std::fs::write(&broken, "<a> <b> <c> .\n<d> <e> .\n").unwrap();
    let error = run(&[broken.to_str().unwrap()]);
    assert_eq!(error.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&error.stderr);
    assert!(
        stderr.contains("broken.ttl") && stderr.contains("line 2"),
        "{stderr}"
    );
    assert_eq!(run(&["/nonexistent/file.ttl"]).status.code(), Some(2));
    args.push(&invalid);
    assert_eq!(run(&args).status.code(), Some(1));
}

/// Shapes written for other validators: a shape no regex engine compiles is told on standard
/// error, with its IRI and why, and the other shapes validate (the engine's own tests compare
/// their results with pyshacl's).
#[test]
fn cli_validate_tells_the_shapes_it_leaves_out_and_validates_with_the_others() {
    let dir = std::env::temp_dir().join(format!("lc-validate-shapes-{}", std::process::id()));
    let shapes = dir.join("shapes");
    std::fs::create_dir_all(&shapes).unwrap();
    let engine_data = repo_path("crates/shacl/tests/data");
    for file in ["patterns-shapes.ttl", "broken-shapes.ttl"] {
        std::fs::copy(engine_data.join(file), shapes.join(file)).unwrap();
    }
    let output = Command::new(BIN)
        .args(["validate", "--shapes"])
        .arg(&shapes)
        .arg(engine_data.join("patterns-data.ttl"))
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    let warnings: Vec<&str> = stderr
        .lines()
        .filter(|l| l.starts_with("warning: "))
        .collect();
    assert_eq!(warnings.len(), 2, "{stderr}");
    assert!(
        warnings.iter().any(|w| w.contains(
            "shape <http://example.org/BrokenShape> left out: invalid sh:pattern \"[z-a]\""
        )),
        "{stderr}"
    );
    assert!(
        warnings.iter().any(|w| w.contains("(sh:property of <http://example.org/AccountShape>, sh:path <http://example.org/nickname>) left out: invalid sh:pattern")),
        "{stderr}"
    );
    assert!(
        stdout.contains("does not conform: 11 result(s)"),
        "{stdout}"
    );
    assert!(
        stdout.contains(
            "<http://example.org/a2> <http://example.org/password> — Pattern (value \"abcdefgh\")"
        ),
        "{stdout}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn http_validate_answers_reports_and_stores_nothing() {
    let server = TestServer::start_with(|c| c.max_body_bytes = 50_000);
    let http = client();
    let invalid =
        std::fs::read_to_string(repo_path("fixtures/invalid/unknown-status.ttl")).unwrap();
    let count = || -> String {
        http.get(server.url("/sparql"))
            .query(&[(
                "query",
                "SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }",
            )])
            .header("accept", "text/csv")
            .send()
            .unwrap()
            .text()
            .unwrap()
    };
    let before = count();
    let response = http
        .post(server.url("/validate"))
        .header("content-type", "text/turtle")
        .body(invalid.clone())
        .send()
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert!(response.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("application/ld+json"));
    let report: serde_json::Value = response.json().unwrap();
    assert_eq!(report["conforms"], false);
    let result = &report["result"][0];
    assert!(
        result["focusNode"]
            .as_str()
            .unwrap()
            .ends_with("pledges/statut-inconnu"),
        "{report}"
    );
    assert!(
        result["resultMessage"]["fr"].is_string() && result["resultMessage"]["en"].is_string(),
        "{report}"
    );

    let text = http
        .post(server.url("/validate"))
        .header("content-type", "text/turtle")
        .header("accept", "text/plain")
        .body(invalid.clone())
        .send()
        .unwrap()
        .text()
        .unwrap();
    assert!(
        text.contains("statut-inconnu") && text.contains("does not conform"),
        "{text}"
    );

    let turtle = http
        .post(server.url("/validate"))
        .header("content-type", "text/turtle")
        .header("accept", "text/turtle")
        .body(std::fs::read_to_string(repo_path("fixtures/networks.ttl")).unwrap())
        .send()
        .unwrap()
        .text()
        .unwrap();
    assert!(turtle.contains("true"), "{turtle}");

    // A pledge to a commun of the store conforms only in the context of the store.
    let pledge = format!(
        "{{\"@context\":\"https://w3id.org/tiers-lieux/context.jsonld\",\"id\":\"{}pledges/p\",\"type\":\"Pledge\",\"funder\":\"{}networks/rfflab\",\"pledgedTo\":\"{}commons/dokos\",\"amount\":\"20\",\"status\":\"tl:status-intention\"}}",
        server.base, server.base, server.base
    );
    let alone: serde_json::Value = http
        .post(server.url("/validate"))
        .header("content-type", "application/ld+json")
        .body(pledge.clone())
        .send()
        .unwrap()
        .json()
        .unwrap();
    assert_eq!(alone["conforms"], false, "{alone}");
    let in_store: serde_json::Value = http
        .post(server.url("/validate?context=store"))
        .header("content-type", "application/ld+json")
        .body(pledge)
        .send()
        .unwrap()
        .json()
        .unwrap();
    assert_eq!(in_store["conforms"], true, "{in_store}");

    let syntax = http
        .post(server.url("/validate"))
        .header("content-type", "text/turtle")
        .body("<a> <b> <c> .\n<d> <e> .")
        .send()
        .unwrap();
    assert_eq!(syntax.status(), StatusCode::BAD_REQUEST);
    let problem: serde_json::Value = syntax.json().unwrap();
    assert_eq!(problem["line"], 2, "{problem}");

    let too_big = http
        .post(server.url("/validate"))
        .header("content-type", "text/turtle")
        .body(vec![b' '; 60_000])
        .send()
        .unwrap();
    assert_eq!(too_big.status(), StatusCode::PAYLOAD_TOO_LARGE);

    let unknown = http
        .post(server.url("/validate"))
        .header("content-type", "application/pdf")
        .body("%PDF")
        .send()
        .unwrap();
    assert_eq!(unknown.status(), StatusCode::UNSUPPORTED_MEDIA_TYPE);
    assert_eq!(count(), before, "validation stores nothing");
}

#[test]
fn shapes_are_served_as_turtle_and_jsonld() {
    let server = TestServer::start();
    let http = client();
    let turtle = http
        .get(server.url("/shapes"))
        .header("accept", "text/turtle")
        .send()
        .unwrap();
    assert_eq!(turtle.status(), StatusCode::OK);
    assert!(turtle.text().unwrap().contains("NodeShape"));
    let jsonld = http
        .get(server.url("/shapes"))
        .header("accept", "application/ld+json")
        .send()
        .unwrap();
    assert_eq!(jsonld.status(), StatusCode::OK);
    let body = jsonld.bytes().unwrap();
    let quads = rdf::parse(
        &body,
        rdf::JSON_LD,
        BASE,
        &GraphName::DefaultGraph,
        true,
        &Contexts::default(),
    )
    .unwrap();
    assert_eq!(quads.len(), validator().shape_triples().len());
}

/// A developer can validate an export against one shapes file: a pledge with an unknown status
/// fails the funding shapes, and the shapes of places alone find nothing to check in it.
#[test]
fn http_validate_against_one_shape_set() {
    let server = TestServer::start();
    let http = client();
    let invalid =
        std::fs::read_to_string(repo_path("fixtures/invalid/unknown-status.ttl")).unwrap();
    let conforms = |shapes: &str| -> serde_json::Value {
        let response = http
            .post(server.url(&format!("/validate?shapes={shapes}")))
            .header("content-type", "text/turtle")
            .body(invalid.clone())
            .send()
            .unwrap();
        assert_eq!(response.status(), StatusCode::OK, "{shapes}");
        response.json::<serde_json::Value>().unwrap()["conforms"].clone()
    };
    assert_eq!(conforms("all"), false);
    assert_eq!(conforms("funding"), false);
    assert_eq!(conforms("place"), true);
    let unknown = http
        .post(server.url("/validate?shapes=nope"))
        .header("content-type", "text/turtle")
        .body(invalid.clone())
        .send()
        .unwrap();
    assert_eq!(unknown.status(), StatusCode::BAD_REQUEST);
    let problem: serde_json::Value = unknown.json().unwrap();
    let detail = problem["detail"].as_str().unwrap();
    assert!(
        detail.contains("funding") && detail.contains("place"),
        "{detail}"
    );
}
