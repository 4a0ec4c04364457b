//! The SPARQL 1.1 endpoint over real HTTP: every protocol variant, result formats, errors,
//! the timeout and the update guard.

mod common;

use common::{client, TestServer};
use reqwest::StatusCode;

const ASK_ALL: &str = "ASK { ?s ?p ?o }";
const COUNT_PLACES: &str =
    "PREFIX tl: <https://w3id.org/tiers-lieux/ns#> SELECT (COUNT(?p) AS ?n) WHERE { ?p a tl:Place }";

fn content_type(response: &reqwest::blocking::Response) -> String {
    response
        .headers()
        .get("content-type")
        .map(|v| v.to_str().unwrap().to_owned())
        .unwrap_or_default()
}

#[test]
fn get_post_form_and_post_direct_give_the_same_answer() {
    let server = TestServer::start();
    let http = client();
    let get = http
        .get(server.url("/sparql"))
        .query(&[("query", COUNT_PLACES)])
        .header("accept", "application/sparql-results+json")
        .send()
        .unwrap();
    assert_eq!(get.status(), StatusCode::OK);
    assert!(content_type(&get).starts_with("application/sparql-results+json"));
    let get_body: serde_json::Value = get.json().unwrap();
    let count: u64 = get_body["results"]["bindings"][0]["n"]["value"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!(count >= 1, "the fixtures hold places: {get_body}");

    let form = http
        .post(server.url("/sparql"))
        .form(&[("query", COUNT_PLACES)])
        .header("accept", "application/sparql-results+json")
        .send()
        .unwrap();
    assert_eq!(form.status(), StatusCode::OK);
    assert_eq!(form.json::<serde_json::Value>().unwrap(), get_body);

    let direct = http
        .post(server.url("/query"))
        .header("content-type", "application/sparql-query")
        .header("accept", "application/sparql-results+json")
        .body(COUNT_PLACES)
        .send()
        .unwrap();
    assert_eq!(direct.status(), StatusCode::OK);
    assert_eq!(direct.json::<serde_json::Value>().unwrap(), get_body);
}

#[test]
fn select_and_ask_results_in_every_format() {
    let server = TestServer::start();
    let http = client();
    let cases = [
        (
            "application/sparql-results+json",
            "application/sparql-results+json",
            "\"bindings\"",
        ),
        (
            "application/sparql-results+xml",
            "application/sparql-results+xml",
            "<sparql",
        ),
        ("text/csv", "text/csv", "n\r\n"),
        (
            "text/tab-separated-values",
            "text/tab-separated-values",
            "?n\n",
        ),
    ];
    for (accept, expected_type, marker) in cases {
        let response = http
            .get(server.url("/sparql"))
            .query(&[("query", COUNT_PLACES)])
            .header("accept", accept)
            .send()
            .unwrap();
        assert_eq!(response.status(), StatusCode::OK, "{accept}");
        assert!(
            content_type(&response).starts_with(expected_type),
            "{accept}: {}",
            content_type(&response)
        );
        let body = response.text().unwrap();
        assert!(body.contains(marker), "{accept}: {body}");
    }
    // ASK in JSON and XML
    let ask = http
        .get(server.url("/sparql"))
        .query(&[("query", ASK_ALL)])
        .header("accept", "application/sparql-results+json")
        .send()
        .unwrap();
    assert_eq!(ask.json::<serde_json::Value>().unwrap()["boolean"], true);
    let ask_xml = http
        .get(server.url("/sparql"))
        .query(&[("query", "ASK { <http://nowhere.example/x> ?p ?o }")])
        .header("accept", "application/sparql-results+xml")
        .send()
        .unwrap()
        .text()
        .unwrap();
    assert!(ask_xml.contains("<boolean>false</boolean>"), "{ask_xml}");
    // The format parameter, for browsers
    let csv = http
        .get(server.url("/sparql"))
        .query(&[("query", COUNT_PLACES), ("format", "csv")])
        .header("accept", "text/html")
        .send()
        .unwrap();
    assert_eq!(csv.status(), StatusCode::OK);
    assert!(content_type(&csv).starts_with("text/csv"));
}

#[test]
fn construct_and_describe_in_every_rdf_format() {
    let server = TestServer::start();
    let http = client();
    let construct = "PREFIX tl: <https://w3id.org/tiers-lieux/ns#> CONSTRUCT { ?p tl:name ?n } WHERE { ?p a tl:Place ; tl:name ?n }";
    let describe = "PREFIX tl: <https://w3id.org/tiers-lieux/ns#> DESCRIBE ?p WHERE { ?p a tl:Network } LIMIT 1";
    let cases = [
        ("text/turtle", "text/turtle"),
        ("application/n-triples", "application/n-triples"),
        ("application/n-quads", "application/n-quads"),
        ("application/rdf+xml", "application/rdf+xml"),
        ("application/ld+json", "application/ld+json"),
    ];
    for query in [construct, describe] {
        for (accept, expected) in cases {
            let response = http
                .get(server.url("/sparql"))
                .query(&[("query", query)])
                .header("accept", accept)
                .send()
                .unwrap();
            assert_eq!(response.status(), StatusCode::OK, "{accept}");
            assert!(content_type(&response).starts_with(expected), "{accept}");
            let body = response.bytes().unwrap();
            // Parse the answer back with the matching parser: it must be real RDF with triples.
            let format = lieux_communs::rdf::format_from_media_type(expected).unwrap();
            let quads = lieux_communs::rdf::parse(
                &body,
                format,
                &server.base,
                &oxigraph::model::GraphName::DefaultGraph,
                false,
                &Default::default(),
            )
            .unwrap_or_else(|e| panic!("{accept}: {e}"));
            assert!(!quads.is_empty(), "{accept}: empty graph");
        }
    }
}

#[test]
fn default_graph_is_the_union_and_protocol_datasets_are_honoured() {
    let server = TestServer::start();
    let http = client();
    let fixtures = format!("{}graphs/fixtures", server.base);
    let count = |params: &[(&str, &str)]| -> u64 {
        let mut query: Vec<(&str, &str)> = vec![("query", COUNT_PLACES)];
        query.extend_from_slice(params);
        let body: serde_json::Value = http
            .get(server.url("/sparql"))
            .query(&query)
            .header("accept", "application/sparql-results+json")
            .send()
            .unwrap()
            .json()
            .unwrap();
        body["results"]["bindings"][0]["n"]["value"]
            .as_str()
            .unwrap()
            .parse()
            .unwrap()
    };
    let union = count(&[]);
    assert!(union > 0);
    assert_eq!(count(&[("default-graph-uri", &fixtures)]), union);
    assert_eq!(
        count(&[("default-graph-uri", "http://nowhere.example/graph")]),
        0
    );
    // named-graph-uri restricts GRAPH ?g
    let graphs: serde_json::Value = http
        .get(server.url("/sparql"))
        .query(&[
            (
                "query",
                "SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }",
            ),
            ("named-graph-uri", fixtures.as_str()),
        ])
        .header("accept", "application/sparql-results+json")
        .send()
        .unwrap()
        .json()
        .unwrap();
    let bindings = graphs["results"]["bindings"].as_array().unwrap();
    assert_eq!(bindings.len(), 1);
    assert_eq!(bindings[0]["g"]["value"], fixtures.as_str());
}

#[test]
fn errors_are_clear() {
    let server = TestServer::start();
    let http = client();
    let syntax = http
        .get(server.url("/sparql"))
        .query(&[("query", "SELEC ?x WHERE { ?x ?y }")])
        .send()
        .unwrap();
    assert_eq!(syntax.status(), StatusCode::BAD_REQUEST);
    assert!(content_type(&syntax).starts_with("application/problem+json"));
    let problem: serde_json::Value = syntax.json().unwrap();
    assert!(
        problem["detail"]
            .as_str()
            .unwrap()
            .contains("SPARQL syntax error"),
        "{problem}"
    );

    let not_acceptable = http
        .get(server.url("/sparql"))
        .query(&[("query", ASK_ALL)])
        .header("accept", "image/png")
        .send()
        .unwrap();
    assert_eq!(not_acceptable.status(), StatusCode::NOT_ACCEPTABLE);

    let unsupported = http
        .post(server.url("/sparql"))
        .header("content-type", "text/plain")
        .body(ASK_ALL)
        .send()
        .unwrap();
    assert_eq!(unsupported.status(), StatusCode::UNSUPPORTED_MEDIA_TYPE);

    let two = http
        .get(format!(
            "{}?query=ASK%7B%7D&query=ASK%7B%7D",
            server.url("/sparql")
        ))
        .send()
        .unwrap();
    assert_eq!(two.status(), StatusCode::BAD_REQUEST);
}

#[test]
fn service_description_without_a_query() {
    let server = TestServer::start();
    let response = client()
        .get(server.url("/sparql"))
        .header("accept", "text/turtle")
        .send()
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert!(content_type(&response).starts_with("text/turtle"));
    let body = response.text().unwrap();
    assert!(
        body.contains("http://www.w3.org/ns/sparql-service-description#") || body.contains("sd:"),
        "{body}"
    );
    assert!(body.contains("UnionDefaultGraph"), "{body}");
}

#[test]
fn cors_is_open_for_reads() {
    let server = TestServer::start();
    let response = client()
        .get(server.url("/sparql"))
        .query(&[("query", ASK_ALL)])
        .header("origin", "https://carto.example.org")
        .send()
        .unwrap();
    assert_eq!(
        response
            .headers()
            .get("access-control-allow-origin")
            .unwrap(),
        "*"
    );
}

/// A five-way cross product of the fixtures, about 10^12 solutions, none of which passes the
/// filter: the evaluation runs on past any timeout (Oxigraph checks its cancellation token when
/// it reads the store, not inside joins it holds in memory), with no answer to outgrow
/// `max_result_bytes` meanwhile (a fast machine did that within the second).
const RUNAWAY: &str = "SELECT * WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l . ?m ?n2 ?o \
    FILTER(STRLEN(STR(?c)) + STRLEN(STR(?f)) + STRLEN(STR(?i)) + STRLEN(STR(?l)) + STRLEN(STR(?o)) < 0) }";

/// A query past its timeout is stopped for real and gives its slot back; when every slot is
/// taken, a new query takes the slot of the oldest query of the busiest client, which is
/// answered 503: one client's runaway queries cannot keep others out.
#[test]
fn a_runaway_query_gives_its_slot_to_the_next_query() {
    let server = TestServer::start_with(|c| {
        c.query_timeout_s = 1;
        c.max_running_queries = 1;
    });
    let http = client();
    let query = |q: &str| {
        http.get(server.url("/sparql"))
            .query(&[("query", q)])
            .header("accept", "application/sparql-results+json")
            .send()
            .unwrap()
    };
    assert_eq!(query(RUNAWAY).status(), StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(
        query(ASK_ALL).status(),
        StatusCode::OK,
        "the slot was given back"
    );

    let long = TestServer::start_with(|c| {
        c.query_timeout_s = 30;
        c.max_running_queries = 1;
    });
    let url = long.url("/sparql");
    let runaway = std::thread::spawn(move || {
        let started = std::time::Instant::now();
        let answer = client()
            .get(url)
            .query(&[("query", RUNAWAY)])
            .send()
            .unwrap();
        (answer.status(), answer.text().unwrap(), started.elapsed())
    });
    std::thread::sleep(std::time::Duration::from_millis(500));
    let ask = http
        .get(long.url("/sparql"))
        .query(&[("query", ASK_ALL)])
        .header("accept", "application/sparql-results+json")
        .send()
        .unwrap();
    assert_eq!(ask.status(), StatusCode::OK);
    let (status, problem, took) = runaway.join().unwrap();
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{problem}");
    assert!(problem.contains("gave way"), "{problem}");
    assert!(
        took < std::time::Duration::from_secs(30),
        "evicted, not timed out: {took:?}"
    );
}

/// Sends a SPARQL Update with the admin token (`s3cret`) and checks it was done (204).
fn updated(server: &TestServer, update: &str) {
    let done = server.update(Some("s3cret"), update);
    assert_eq!(done.status(), StatusCode::NO_CONTENT);
}

/// Answers are kept until the next commit: the same query gets the same `ETag`, a 304 on
/// `If-None-Match`, and after a write (answered 2xx) the next query sees it.
#[test]
fn repeated_queries_are_revalidated_and_writes_are_seen_at_once() {
    let server = TestServer::start_with(|c| c.admin_token = Some("s3cret".into()));
    let http = client();
    let count = "SELECT (COUNT(*) AS ?n) WHERE { ?s <http://example.org/p> ?o }";
    let get = |tag: Option<&str>| {
        let mut request = http
            .get(server.url("/sparql"))
            .query(&[("query", count)])
            .header("accept", "application/sparql-results+json");
        if let Some(tag) = tag {
            request = request.header("if-none-match", tag);
        }
        request.send().unwrap()
    };
    let number = |response: reqwest::blocking::Response| -> u64 {
        let body: serde_json::Value = response.json().unwrap();
        body["results"]["bindings"][0]["n"]["value"]
            .as_str()
            .unwrap()
            .parse()
            .unwrap()
    };
    let first = get(None);
    assert_eq!(first.status(), StatusCode::OK);
    let tag = first.headers()["etag"].to_str().unwrap().to_owned();
    assert_eq!(first.headers()["cache-control"], "public, no-cache");
    assert_eq!(number(first), 0);
    let again = get(None);
    assert_eq!(
        again.headers()["etag"].to_str().unwrap(),
        tag,
        "same version, same tag"
    );
    assert_eq!(get(Some(&tag)).status(), StatusCode::NOT_MODIFIED);

    for n in 1..=3 {
        let insert = format!(
            "INSERT DATA {{ GRAPH <http://example.org/g> {{ <http://example.org/s{n}> <http://example.org/p> {n} }} }}"
        );
        updated(&server, &insert);
        let after = get(Some(&tag));
        assert_eq!(after.status(), StatusCode::OK, "a commit changes the tag");
        assert_eq!(
            number(after),
            n,
            "the write answered 2xx is seen by the next query"
        );
    }
}

/// A kept answer is found before the query is parsed again: it must still be the answer of
/// this request — its form, its format, its dataset — and a request the parse would refuse
/// must still be refused.
#[test]
fn kept_answers_are_served_only_to_the_same_request() {
    let server = TestServer::start_with(|c| c.admin_token = Some("s3cret".into()));
    let http = client();
    let insert = "INSERT DATA { GRAPH <http://example.org/g1> { <http://example.org/a> <http://example.org/p> 1 } \
                  GRAPH <http://example.org/g2> { <http://example.org/b> <http://example.org/p> 2 } }";
    updated(&server, insert);
    let ask = |query: &str, graphs: &[&str], accept: &str| {
        let mut params = vec![("query", query)];
        params.extend(graphs.iter().map(|g| ("default-graph-uri", *g)));
        let response = http
            .get(server.url("/sparql"))
            .query(&params)
            .header("accept", accept)
            .send()
            .unwrap();
        let status = response.status();
        let kind = response
            .headers()
            .get("content-type")
            .map(|v| v.to_str().unwrap().to_owned())
            .unwrap_or_default();
        (status, kind, response.text().unwrap())
    };
    let select = "SELECT ?s WHERE { ?s <http://example.org/p> ?o } ORDER BY ?s";
    let json = "application/sparql-results+json";
    let both = ["http://example.org/g1", "http://example.org/g2"];
    let first = ask(select, &both, json);
    assert_eq!(first.0, StatusCode::OK, "{}", first.2);
    assert!(first.2.contains("http://example.org/b"), "{}", first.2);
    assert_eq!(ask(select, &both, json), first, "asked again, kept");
    let csv = ask(select, &both, "text/csv");
    assert_eq!(csv.0, StatusCode::OK);
    assert!(csv.1.starts_with("text/csv"), "{csv:?}");
    assert_eq!(
        ask(select, &both, "application/n-triples").0,
        StatusCode::NOT_ACCEPTABLE,
        "a SELECT has no graph format, kept answer or not"
    );
    let one = ask(select, &both[..1], json);
    assert!(!one.2.contains("http://example.org/b"), "{}", one.2);
    let run_together = ask(
        select,
        &["http://example.org/g1 http://example.org/g2"],
        json,
    );
    assert_eq!(
        run_together.0,
        StatusCode::BAD_REQUEST,
        "not an IRI, whatever is kept: {}",
        run_together.2
    );

    let construct = "CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }";
    let triples = ask(construct, &both, "application/n-triples");
    assert_eq!(triples.0, StatusCode::OK);
    assert_eq!(ask(construct, &both, "application/n-triples"), triples);
    let turtle = ask(construct, &both, "text/turtle");
    assert!(turtle.1.starts_with("text/turtle"), "{turtle:?}");
    assert_eq!(
        ask(construct, &both, json).0,
        StatusCode::NOT_ACCEPTABLE,
        "a CONSTRUCT has no tabular format"
    );
}

#[test]
fn a_long_query_is_stopped_at_the_timeout() {
    let server = TestServer::start_with(|c| c.query_timeout_s = 1);
    let http = client();
    let started = std::time::Instant::now();
    let response = http
        .get(server.url("/sparql"))
        .query(&[("query", RUNAWAY)])
        .send()
        .unwrap();
    let elapsed = started.elapsed();
    assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);
    let problem: serde_json::Value = response.json().unwrap();
    assert!(
        problem["detail"].as_str().unwrap().contains("timeout"),
        "{problem}"
    );
    assert!(
        elapsed < std::time::Duration::from_secs(20),
        "stopped after {elapsed:?}"
    );
    // The server is free again: a small query answers.
    let after = http
        .get(server.url("/sparql"))
        .query(&[("query", ASK_ALL)])
        .send()
        .unwrap();
    assert_eq!(after.status(), StatusCode::OK);
}

#[test]
fn update_needs_the_admin_token() {
    let insert = "INSERT DATA { GRAPH <http://example.org/g> { <http://example.org/a> <http://example.org/b> \"c\" } }";
    let ask = "ASK { <http://example.org/a> <http://example.org/b> \"c\" }";
    // Without a configured token, updates are closed.
    let closed = TestServer::start();
    let refused = closed.update(None, insert);
    assert_eq!(refused.status(), StatusCode::UNAUTHORIZED);

    let server = TestServer::start_with(|c| c.admin_token = Some("s3cret".into()));
    let http = client();
    let asked = |http: &reqwest::blocking::Client| -> bool {
        http.get(server.url("/sparql"))
            .query(&[("query", ask)])
            .header("accept", "application/sparql-results+json")
            .send()
            .unwrap()
            .json::<serde_json::Value>()
            .unwrap()["boolean"]
            .as_bool()
            .unwrap()
    };
    let wrong = http
        .post(server.url("/sparql"))
        .bearer_auth("guess")
        .form(&[("update", insert)])
        .send()
        .unwrap();
    assert_eq!(wrong.status(), StatusCode::UNAUTHORIZED);
    assert!(!asked(&http), "a refused update changed nothing");
    let ok = server.update(Some("s3cret"), insert);
    assert!(ok.status().is_success(), "{}", ok.status());
    assert!(asked(&http));
    let via_get = http
        .get(server.url("/sparql"))
        .query(&[("update", insert)])
        .bearer_auth("s3cret")
        .send()
        .unwrap();
    assert_eq!(via_get.status(), StatusCode::BAD_REQUEST);
}

#[test]
fn answers_over_the_result_limit_are_refused() {
    let server = TestServer::start_with(|c| c.max_result_bytes = 10_000);
    let response = client()
        .get(server.url("/sparql"))
        .query(&[("query", "SELECT * WHERE { ?s ?p ?o }")])
        .send()
        .unwrap();
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    let problem: serde_json::Value = response.json().unwrap();
    assert!(
        problem["detail"].as_str().unwrap().contains("LIMIT"),
        "{problem}"
    );
    let small = client()
        .get(server.url("/sparql"))
        .query(&[("query", "SELECT * WHERE { ?s ?p ?o } LIMIT 5")])
        .send()
        .unwrap();
    assert_eq!(small.status(), StatusCode::OK);
}
