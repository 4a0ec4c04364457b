//! Federated SPARQL between two servers on loopback, the SERVICE allow-list, and the feeds
//! partners consume: /dump, VoID, GoGoCarto elements, OpenAPI.

mod common;

use common::{client, TestServer};
use reqwest::StatusCode;
use std::io::Read;

const BASE: &str = "http://localhost:8080/";

fn select(server: &TestServer, query: &str) -> (StatusCode, serde_json::Value) {
    let response = client()
        .get(server.url("/sparql"))
        .query(&[("query", query)])
        .header("accept", "application/sparql-results+json")
        .send()
        .unwrap();
    let status = response.status();
    (status, response.json().unwrap_or_default())
}

#[test]
fn a_query_on_a_joins_its_places_with_the_pledges_of_b() {
    // Both instances mint the same IRIs, as two copies of the same dataset would.
    let b = TestServer::start_with(|c| c.base_iri = BASE.into());
    let b_endpoint = b.url("/sparql");
    let allowed = b_endpoint.clone();
    let a = TestServer::start_with(move |c| {
        c.base_iri = BASE.into();
        c.federation.service_allow_list = vec![allowed];
    });
    let query = format!(
        "PREFIX tl: <https://w3id.org/tiers-lieux/ns#>
         SELECT ?name ?amount WHERE {{
           ?place a tl:Place ; tl:name ?name .
           SERVICE <{b_endpoint}> {{ ?pledge tl:funder ?place ; tl:amount ?amount }}
         }} ORDER BY ?name"
    );
    let (status, body) = select(&a, &query);
    assert_eq!(status, StatusCode::OK, "{body}");
    let rows = body["results"]["bindings"].as_array().unwrap();
    let names: Vec<&str> = rows
        .iter()
        .map(|r| r["name"]["value"].as_str().unwrap())
        .collect();
    assert!(names.contains(&"La mine"), "{names:?}");
    assert!(names.contains(&"La Fabrique des possibles"), "{names:?}");
}

#[test]
fn a_service_answer_is_bounded_like_our_own_answers() {
    let b = TestServer::start();
    let b_endpoint = b.url("/sparql");
    let allowed = b_endpoint.clone();
    // A's own answer (one count) is tiny; what B sends back (every triple) is not.
    let a = TestServer::start_with(move |c| {
        c.federation.service_allow_list = vec![allowed];
        c.max_result_bytes = 2_000;
    });
    let (status, body) = select(
        &a,
        &format!("SELECT (COUNT(*) AS ?n) WHERE {{ SERVICE <{b_endpoint}> {{ ?s ?p ?o }} }}"),
    );
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    let detail = body["detail"].as_str().unwrap_or_default();
    assert!(
        detail.contains("more than 2000 bytes"),
        "the problem names the bound: {detail}"
    );
    // Within the bound, the same SERVICE answers.
    let (status, body) = select(
        &a,
        &format!("SELECT (COUNT(*) AS ?n) WHERE {{ SERVICE <{b_endpoint}> {{ ?s a <https://w3id.org/tiers-lieux/ns#Network> }} }}"),
    );
    assert_eq!(status, StatusCode::OK, "{body}");
    assert!(
        body["results"]["bindings"][0]["n"]["value"]
            .as_str()
            .unwrap()
            .parse::<u32>()
            .unwrap()
            > 0
    );
}

#[test]
fn services_off_the_allow_list_are_refused_without_a_request() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    listener.set_nonblocking(true).unwrap();
    let trap = format!("http://{}/sparql", listener.local_addr().unwrap());
    let a = TestServer::start();
    let (status, _) = select(
        &a,
        &format!("SELECT * WHERE {{ SERVICE <{trap}> {{ ?s ?p ?o }} }}"),
    );
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let detail = client()
        .get(a.url("/sparql"))
        .query(&[(
            "query",
            format!("SELECT * WHERE {{ SERVICE <{trap}> {{ ?s ?p ?o }} }}"),
        )])
        .send()
        .unwrap()
        .json::<serde_json::Value>()
        .unwrap()["detail"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(detail.contains("allow-list"), "{detail}");
    std::thread::sleep(std::time::Duration::from_millis(200));
    assert!(
        listener.accept().is_err(),
        "no connection may reach a refused service"
    );
}

#[test]
fn dump_is_gzipped_nquads_of_everything() {
    let server = TestServer::start();
    let response = client().get(server.url("/dump")).send().unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.headers()["content-encoding"], "gzip");
    let compressed = response.bytes().unwrap();
    let mut nquads = String::new();
    flate2::read::GzDecoder::new(&compressed[..])
        .read_to_string(&mut nquads)
        .unwrap();
    let quads = lieux_communs::rdf::parse(
        nquads.as_bytes(),
        oxigraph::io::RdfFormat::NQuads,
        &server.base,
        &oxigraph::model::GraphName::DefaultGraph,
        false,
        &Default::default(),
    )
    .unwrap();
    assert!(quads.len() > 200, "{} quads", quads.len());
    assert!(nquads.contains(&format!("<{}graphs/fixtures>", server.base)));
}

#[test]
fn void_openapi_and_gogocarto_elements() {
    let server = TestServer::start();
    let http = client();
    let void = http
        .get(server.url("/.well-known/void"))
        .header("accept", "text/turtle")
        .send()
        .unwrap()
        .text()
        .unwrap();
    assert!(
        void.contains("sparqlEndpoint") && void.contains("graphs/fixtures"),
        "{void}"
    );

    let openapi: serde_json::Value = http
        .get(server.url("/openapi.json"))
        .send()
        .unwrap()
        .json()
        .unwrap();
    assert_eq!(openapi["openapi"], "3.1.0");
    for path in [
        "/sparql",
        "/{collection}",
        "/{collection}/{slug}",
        "/import",
        "/store",
        "/validate",
        "/dump",
    ] {
        assert!(openapi["paths"][path].is_object(), "{path} missing");
    }

    // A place with an address and coordinates, then our GoGoCarto feed shows it.
    let token = "t";
    let server = TestServer::start_with(|c| {
        c.networks.insert(
            "rfflab".into(),
            lieux_communs::config::NetworkConfig {
                token: token.into(),
            },
        );
    });
    let place = serde_json::json!({
        "@context": format!("{}context.jsonld", server.base),
        "type": "Place",
        "name": "Le Tiers-Lieu d'essai",
        "address": { "streetAddress": "1 rue des Communs", "postalCode": "69001", "locality": "Lyon" },
        "geo": { "latitude": "45.764", "longitude": "4.8357" }
    });
    let created = http
        .post(server.url("/places"))
        .bearer_auth(token)
        .header("content-type", "application/ld+json")
        .body(place.to_string())
        .send()
        .unwrap();
    assert_eq!(
        created.status(),
        StatusCode::CREATED,
        "{}",
        created.text().unwrap()
    );
    let elements: serde_json::Value = http
        .get(server.url("/api/elements.json"))
        .send()
        .unwrap()
        .json()
        .unwrap();
    assert_eq!(elements["ontology"], "gogofull");
    let data = elements["data"].as_array().unwrap();
    let mine = data
        .iter()
        .find(|e| e["name"] == "Le Tiers-Lieu d'essai")
        .expect("the new place is in the feed");
    assert_eq!(mine["geo"]["latitude"], 45.764);
    assert_eq!(mine["address"]["postalCode"], "69001");
    assert!(data
        .iter()
        .any(|e| e["name"] == "La Fabrique des possibles"));
}

#[test]
fn scheduled_harvests_run_and_report_their_last_outcome() {
    // A GoGoCarto map on loopback, answering from the payload file (hidden e-mails, a latitude
    // out of range…).
    let payload =
        std::fs::read_to_string(common::repo_path("fixtures/gogocarto/quirks-elements.json"))
            .unwrap();
    let map = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let map_url = format!("http://{}/?name=essai", map.local_addr().unwrap());
    std::thread::spawn(move || {
        for stream in map.incoming().flatten() {
            let mut stream = stream;
            let mut request = [0u8; 4096];
            let _ = std::io::Read::read(&mut stream, &mut request);
            let response = format!(
                "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{payload}",
                payload.len()
            );
            let _ = std::io::Write::write_all(&mut stream, response.as_bytes());
        }
    });
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let dead_url = format!("http://{}/?retries=0", closed.local_addr().unwrap());
    drop(closed);
    let server = TestServer::start_with(move |c| {
        c.harvests = vec![
            lieux_communs::config::HarvestSchedule {
                source: "gogocarto".into(),
                url: map_url,
                interval_s: 3600,
            },
            lieux_communs::config::HarvestSchedule {
                source: "communecter".into(),
                url: dead_url,
                interval_s: 3600,
            },
        ];
    });
    let started = std::time::Instant::now();
    let harvests = loop {
        let body: serde_json::Value = client()
            .get(server.url("/harvests"))
            .send()
            .unwrap()
            .json()
            .unwrap();
        if body["harvests"].as_array().is_some_and(|h| h.len() == 2) {
            break body["harvests"].as_array().unwrap().clone();
        }
        assert!(
            started.elapsed() < std::time::Duration::from_secs(30),
            "harvests did not report: {body}"
        );
        std::thread::sleep(std::time::Duration::from_millis(100));
    };
    let gogocarto = harvests
        .iter()
        .find(|h| h["source"] == "gogocarto")
        .unwrap();
    assert_eq!(gogocarto["ok"], true, "{gogocarto}");
    assert_eq!(gogocarto["outcome"]["harvested"], 3, "{gogocarto}");
    // Lose fields, not places: each value left out is reported on its record.
    let warned = gogocarto["outcome"]["warned"].as_array().unwrap();
    let ruche = warned.iter().find(|w| w["id"] == "10kw").unwrap();
    assert_eq!(ruche["name"], "La Ruche du Marais");
    assert_eq!(ruche["fields"][0]["field"], "email");
    assert_eq!(ruche["fields"][0]["value"], "hidden");
    assert!(
        ruche["fields"][0]["reason"]
            .as_str()
            .unwrap()
            .contains("email"),
        "{ruche}"
    );
    assert!(gogocarto["outcome"]["skipped"]
        .as_array()
        .unwrap()
        .iter()
        .any(|s| s["id"] == "10jA" && s["reason"].as_str().unwrap().contains("name")));
    let communecter = harvests
        .iter()
        .find(|h| h["source"] == "communecter")
        .unwrap();
    assert_eq!(communecter["ok"], false, "{communecter}");
    assert!(
        communecter["error"].as_str().unwrap().contains("127.0.0.1"),
        "{communecter}"
    );
    let (status, body) = select(
        &server,
        &format!(
            "SELECT ?name WHERE {{ GRAPH <{}graphs/gogocarto-essai> {{ ?p <https://w3id.org/tiers-lieux/ns#name> ?name }} }}",
            server.base
        ),
    );
    assert_eq!(status, StatusCode::OK);
    let names: Vec<&str> = body["results"]["bindings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| b["name"]["value"].as_str().unwrap())
        .collect();
    assert!(names.contains(&"La Ruche du Marais"), "{names:?}");
}

/// `LOAD` in a SPARQL Update, even with the admin token, fetches nothing: a listener proves it.
#[test]
fn sparql_load_makes_no_connection() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    listener.set_nonblocking(true).unwrap();
    let trap = format!("http://{}/data.ttl", listener.local_addr().unwrap());
    let server = TestServer::start_with(|c| c.admin_token = Some("s3cret".into()));
    for update in [
        format!("LOAD <{trap}>"),
        format!("LOAD SILENT <{trap}> INTO GRAPH <http://example.org/g>"),
    ] {
        let answer = server.update(Some("s3cret"), &update);
        assert_eq!(answer.status(), StatusCode::BAD_REQUEST, "{update}");
        let problem: serde_json::Value = answer.json().unwrap();
        assert!(
            problem["detail"]
                .as_str()
                .unwrap()
                .contains("LOAD is not available"),
            "{problem}"
        );
    }
    std::thread::sleep(std::time::Duration::from_millis(200));
    assert!(
        listener.accept().is_err(),
        "no connection may reach the URL a LOAD names"
    );
}
