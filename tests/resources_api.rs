//! The JSON-LD resource API over real HTTP: collections (filters, paging), one resource in every
//! representation, the JSON-LD round trip, the co-funding view, writes by networks, bad input
//! (each refused with a problem body and the store left as it was) and concurrent writes.

mod common;

use common::{client, repo_path, TestServer};
use lieux_communs::config::NetworkConfig;
use lieux_communs::rdf::{self, Contexts};
use lieux_communs::vocab::Base;
use oxigraph::io::RdfFormat;
use oxigraph::model::{GraphName, NamedNode, NamedOrBlankNode, Term, Triple};
use reqwest::blocking::{Client, RequestBuilder};
use reqwest::header::HeaderMap;
use reqwest::StatusCode;
use serde_json::{json, Value};
use std::collections::HashSet;
use std::io::{Read, Write};

const TL: &str = "https://w3id.org/tiers-lieux/ns#";
const SH: &str = "http://www.w3.org/ns/shacl#";
const RFFLAB_TOKEN: &str = "t-rfflab";
const COMPAGNIE_TOKEN: &str = "t-compagnie";
const JSON_LD: &str = "application/ld+json";

// ------------------------------------------------------------------------------------------------
// Harness
// ------------------------------------------------------------------------------------------------

/// A server with two writing networks: rfflab and compagnie-tiers-lieux.
fn start() -> TestServer {
    start_limited(None)
}

fn start_limited(max_body_bytes: Option<usize>) -> TestServer {
    TestServer::start_with(|config| {
        config.networks.insert(
            "rfflab".into(),
            NetworkConfig {
                token: RFFLAB_TOKEN.into(),
            },
        );
        config.networks.insert(
            "compagnie-tiers-lieux".into(),
            NetworkConfig {
                token: COMPAGNIE_TOKEN.into(),
            },
        );
        if let Some(limit) = max_body_bytes {
            config.max_body_bytes = limit;
        }
    })
}

/// A server where rfflab writes and `admin` may send SPARQL updates.
fn start_with_admin() -> TestServer {
    TestServer::start_with(|config| {
        config.networks.insert(
            "rfflab".into(),
            NetworkConfig {
                token: RFFLAB_TOKEN.into(),
            },
        );
        config.admin_token = Some("admin".into());
    })
}

/// A whole answer, read once.
struct Answer {
    status: StatusCode,
    headers: HeaderMap,
    body: Vec<u8>,
}

impl Answer {
    fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap_or_else(|e| {
            panic!(
                "the body is not JSON ({e}), status {}: {}",
                self.status,
                self.text()
            )
        })
    }

    fn header(&self, name: &str) -> Option<String> {
        self.headers
            .get(name)
            .map(|v| v.to_str().unwrap().to_owned())
    }

    fn content_type(&self) -> String {
        self.header("content-type").unwrap_or_default()
    }
}

fn send(request: RequestBuilder) -> Answer {
    let response = request.send().expect("the server answers");
    let status = response.status();
    let headers = response.headers().clone();
    let body = response.bytes().expect("a readable body").to_vec();
    Answer {
        status,
        headers,
        body,
    }
}

fn get(http: &Client, url: &str, accept: Option<&str>) -> Answer {
    let mut request = http.get(url);
    if let Some(accept) = accept {
        request = request.header("accept", accept);
    }
    send(request)
}

/// A write request with an optional bearer token.
fn write(
    http: &Client,
    method: reqwest::Method,
    url: &str,
    token: Option<&str>,
    content_type: Option<&str>,
    body: impl Into<reqwest::blocking::Body>,
) -> RequestBuilder {
    let mut request = http.request(method, url).body(body);
    if let Some(token) = token {
        request = request.header("authorization", format!("Bearer {token}"));
    }
    if let Some(content_type) = content_type {
        request = request.header("content-type", content_type);
    }
    request
}

fn post_jsonld(http: &Client, url: &str, token: &str, body: &Value) -> Answer {
    send(write(
        http,
        reqwest::Method::POST,
        url,
        Some(token),
        Some(JSON_LD),
        body.to_string(),
    ))
}

fn put_jsonld(
    http: &Client,
    url: &str,
    token: &str,
    body: &Value,
    if_match: Option<&str>,
) -> Answer {
    let mut request = write(
        http,
        reqwest::Method::PUT,
        url,
        Some(token),
        Some(JSON_LD),
        body.to_string(),
    );
    if let Some(tag) = if_match {
        request = request.header("if-match", tag);
    }
    send(request)
}

/// A problem body (RFC 9457) with the expected status; returns it for further checks.
#[track_caller]
fn assert_problem(answer: &Answer, status: StatusCode, what: &str) -> Value {
    assert_eq!(answer.status, status, "{what}: {}", answer.text());
    assert!(
        answer
            .content_type()
            .starts_with("application/problem+json"),
        "{what}: a problem body, not {:?}: {}",
        answer.content_type(),
        answer.text()
    );
    let problem = answer.json();
    assert_eq!(
        problem["status"],
        json!(status.as_u16()),
        "{what}: {problem}"
    );
    assert!(problem["type"].is_string(), "{what}: {problem}");
    assert!(
        problem["title"].as_str().is_some_and(|t| !t.is_empty()),
        "{what}: {problem}"
    );
    assert!(
        problem["detail"].as_str().is_some_and(|d| !d.is_empty()),
        "{what}: {problem}"
    );
    problem
}

fn context_url(server: &TestServer) -> String {
    format!("{}context.jsonld", server.base)
}

fn iri(server: &TestServer, path: &str) -> String {
    format!("{}{path}", server.base)
}

fn contexts(server: &TestServer) -> Contexts {
    let own = std::fs::read(repo_path("ontology/context.jsonld")).expect("the JSON-LD context");
    Contexts::new(own, &Base::new(&server.base))
}

/// Parses an RDF document the way a client would (JSON-LD with our context only).
fn triples(server: &TestServer, data: &[u8], format: RdfFormat) -> HashSet<Triple> {
    rdf::parse(
        data,
        format,
        &server.base,
        &GraphName::DefaultGraph,
        true,
        &contexts(server),
    )
    .unwrap_or_else(|e| {
        panic!(
            "cannot parse the {format} answer: {e}\n{}",
            String::from_utf8_lossy(data)
        )
    })
    .into_iter()
    .map(Triple::from)
    .collect()
}

fn objects_of(triples: &HashSet<Triple>, subject: &str, predicate: &str) -> Vec<Term> {
    let subject = NamedOrBlankNode::from(NamedNode::new(subject).unwrap());
    triples
        .iter()
        .filter(|t| t.subject == subject && t.predicate.as_str() == predicate)
        .map(|t| t.object.clone())
        .collect()
}

fn literal_values(terms: &[Term]) -> Vec<String> {
    terms
        .iter()
        .filter_map(|t| match t {
            Term::Literal(l) => Some(l.value().to_owned()),
            _ => None,
        })
        .collect()
}

fn sparql(server: &TestServer, http: &Client, query: &str) -> Value {
    let answer = send(
        http.get(server.url("/sparql"))
            .query(&[("query", query)])
            .header("accept", "application/sparql-results+json"),
    );
    assert_eq!(answer.status, StatusCode::OK, "{query}: {}", answer.text());
    answer.json()
}

fn ask(server: &TestServer, http: &Client, query: &str) -> bool {
    let answer = sparql(server, http, query);
    answer["boolean"]
        .as_bool()
        .unwrap_or_else(|| panic!("an ASK answer: {answer}"))
}

fn count(server: &TestServer, http: &Client, query: &str) -> u64 {
    let answer = sparql(server, http, query);
    answer["results"]["bindings"][0]["n"]["value"]
        .as_str()
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("a count: {answer}"))
}

/// Every quad of every named graph (data, meta, ontology, fixtures).
fn quad_count(server: &TestServer, http: &Client) -> u64 {
    count(
        server,
        http,
        "SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }",
    )
}

/// Sends a request that must be refused with `status` and a problem body, and checks that the
/// store holds exactly the same number of quads afterwards.
#[track_caller]
fn assert_refused(
    server: &TestServer,
    http: &Client,
    request: RequestBuilder,
    status: StatusCode,
    what: &str,
) -> Value {
    let before = quad_count(server, http);
    let answer = send(request);
    let problem = assert_problem(&answer, status, what);
    assert_eq!(
        quad_count(server, http),
        before,
        "{what}: the store changed"
    );
    problem
}

/// The ids of a collection page's members.
fn member_ids(document: &Value) -> Vec<String> {
    document["member"]
        .as_array()
        .unwrap_or_else(|| panic!("member is an array: {document}"))
        .iter()
        .map(|m| m["id"].as_str().expect("a member has an id").to_owned())
        .collect()
}

fn list(server: &TestServer, http: &Client, path_and_query: &str) -> Value {
    let answer = get(http, &server.url(path_and_query), Some(JSON_LD));
    assert_eq!(
        answer.status,
        StatusCode::OK,
        "GET {path_and_query}: {}",
        answer.text()
    );
    answer.json()
}

/// A JSON number or a numeric string, as a float (fundingSummary amounts are decimals as text).
fn amount(value: &Value) -> f64 {
    match value {
        Value::String(s) => s.parse().unwrap_or_else(|_| panic!("a decimal: {value}")),
        Value::Number(n) => n.as_f64().unwrap(),
        _ => panic!("an amount: {value}"),
    }
}

// ------------------------------------------------------------------------------------------------
// 1. Collections
// ------------------------------------------------------------------------------------------------

#[test]
fn every_collection_lists_the_fixtures() {
    let server = start();
    let http = client();
    let cases = [
        ("places", 3, "places/la-fabrique-des-possibles"),
        ("commons", 6, "commons/dokos"),
        ("contributors", 11, "contributors/jordan-thevenot"),
        (
            "pledges",
            6,
            "pledges/sur-adhesion-la-fabrique-des-possibles",
        ),
        ("campaigns", 2, "campaigns/adopte-un-commun-2021"),
        ("networks", 8, "networks/rfflab"),
    ];
    for (segment, at_least, known) in cases {
        let answer = get(&http, &server.url(&format!("/{segment}")), None);
        assert_eq!(
            answer.status,
            StatusCode::OK,
            "/{segment}: {}",
            answer.text()
        );
        assert!(
            answer.content_type().starts_with(JSON_LD),
            "/{segment}: {}",
            answer.content_type()
        );
        let document = answer.json();
        assert_eq!(
            document["@context"],
            json!(context_url(&server)),
            "/{segment}"
        );
        assert_eq!(document["id"], json!(iri(&server, segment)), "/{segment}");
        assert_eq!(document["type"], json!("Collection"), "/{segment}");
        let total = document["totalItems"]
            .as_u64()
            .unwrap_or_else(|| panic!("/{segment}: {document}"));
        assert!(
            total >= at_least,
            "/{segment}: {total} items, expected at least {at_least}"
        );
        let ids = member_ids(&document);
        assert_eq!(
            ids.len() as u64,
            total.min(50),
            "/{segment}: one page of members"
        );
        let prefix = iri(&server, &format!("{segment}/"));
        assert!(
            ids.iter().all(|id| id.starts_with(&prefix)),
            "/{segment}: {ids:?}"
        );
        assert!(
            ids.contains(&iri(&server, known)),
            "/{segment} lists {known}: {ids:?}"
        );
        assert!(
            document["view"]["first"].is_string(),
            "/{segment}: {document}"
        );
        assert!(
            document["view"]["last"].is_string(),
            "/{segment}: {document}"
        );
        // The collection is JSON-LD: read with our context, it states its members.
        let parsed = triples(&server, &answer.body, rdf::JSON_LD);
        let members = objects_of(
            &parsed,
            &iri(&server, segment),
            "http://www.w3.org/ns/hydra/core#member",
        );
        assert_eq!(members.len(), ids.len(), "/{segment}: hydra:member triples");
    }
}

#[test]
fn paging_follows_next_links_through_every_member() {
    let server = start();
    let http = client();
    let all = list(&server, &http, "/places");
    let all_ids = member_ids(&all);
    assert!(all_ids.len() >= 2, "{all}");

    let first = list(&server, &http, "/places?limit=1");
    assert_eq!(member_ids(&first).len(), 1);
    assert_eq!(first["totalItems"], all["totalItems"]);
    assert!(
        first["view"].get("previous").is_none(),
        "no previous page on page 1: {first}"
    );
    let next = first["view"]["next"]
        .as_str()
        .unwrap_or_else(|| panic!("a next link: {first}"))
        .to_owned();
    let second = get(&http, &next, Some(JSON_LD));
    assert_eq!(
        second.status,
        StatusCode::OK,
        "GET {next}: {}",
        second.text()
    );
    let second = second.json();
    assert_eq!(member_ids(&second).len(), 1);
    assert_ne!(
        member_ids(&first),
        member_ids(&second),
        "the next page has another member"
    );
    assert!(
        second["view"]["previous"].is_string(),
        "page 2 has a previous link: {second}"
    );

    // Walking the next links visits every member once, in the order of the whole list.
    let mut walked = Vec::new();
    let mut url = Some(server.url("/places?limit=1"));
    while let Some(current) = url {
        let page = get(&http, &current, Some(JSON_LD));
        assert_eq!(
            page.status,
            StatusCode::OK,
            "GET {current}: {}",
            page.text()
        );
        let page = page.json();
        walked.extend(member_ids(&page));
        assert!(
            walked.len() <= all_ids.len(),
            "the next links loop: {walked:?}"
        );
        url = page["view"]["next"].as_str().map(str::to_owned);
    }
    assert_eq!(walked, all_ids);

    // The last link is the last page, without a next link.
    let last = first["view"]["last"].as_str().unwrap().to_owned();
    let last = get(&http, &last, Some(JSON_LD)).json();
    assert!(last["view"].get("next").is_none(), "{last}");
    assert_eq!(member_ids(&last), vec![all_ids.last().unwrap().clone()]);

    // Links keep the filters.
    let filtered = list(&server, &http, "/pledges?commons=aiguilleurs&limit=1");
    let next = filtered["view"]["next"]
        .as_str()
        .unwrap_or_else(|| panic!("{filtered}"))
        .to_owned();
    assert!(next.contains("commons=aiguilleurs"), "{next}");
    let page2 = get(&http, &next, Some(JSON_LD)).json();
    assert_eq!(page2["totalItems"], filtered["totalItems"]);
}

#[test]
fn filters_by_name_network_commons_and_tag() {
    let server = start();
    let http = client();
    let fabrique = iri(&server, "places/la-fabrique-des-possibles");

    let by_name = list(&server, &http, "/places?q=fabrique");
    assert_eq!(member_ids(&by_name), vec![fabrique.clone()], "{by_name}");
    assert_eq!(by_name["totalItems"], json!(1));
    // Case and accents do not matter, on either side.
    for q in ["FABRIQUE", "Fabriqué", "fàbrique des POSSIBLES"] {
        let document = list(&server, &http, &format!("/places?q={}", urlencode(q)));
        assert_eq!(
            member_ids(&document),
            vec![fabrique.clone()],
            "q={q}: {document}"
        );
    }
    let cafe = list(
        &server,
        &http,
        &format!("/places?q={}", urlencode("pop cafe")),
    );
    assert_eq!(
        member_ids(&cafe),
        vec![iri(&server, "places/pop-cafe")],
        "{cafe}"
    );
    let appel = list(
        &server,
        &http,
        &format!("/campaigns?q={}", urlencode("appel a communs")),
    );
    assert_eq!(
        member_ids(&appel),
        vec![iri(&server, "campaigns/appel-a-communs-2024")],
        "{appel}"
    );
    let nothing = list(&server, &http, "/places?q=zzz-aucun-lieu");
    assert_eq!(nothing["totalItems"], json!(0));
    assert_eq!(member_ids(&nothing), Vec::<String>::new());

    // network: by slug or by IRI.
    let adopte = iri(&server, "campaigns/adopte-un-commun-2021");
    let by_slug = list(&server, &http, "/campaigns?network=communs-des-tiers-lieux");
    assert_eq!(member_ids(&by_slug), vec![adopte.clone()], "{by_slug}");
    let by_iri = list(
        &server,
        &http,
        &format!(
            "/campaigns?network={}",
            urlencode(&iri(&server, "networks/communs-des-tiers-lieux"))
        ),
    );
    assert_eq!(member_ids(&by_iri), vec![adopte.clone()], "{by_iri}");
    let funded = list(&server, &http, "/pledges?network=compagnie-tiers-lieux");
    assert_eq!(
        member_ids(&funded),
        vec![iri(
            &server,
            "pledges/aiguilleurs-2024-compagnie-tiers-lieux"
        )],
        "{funded}"
    );

    // commons
    let users = list(&server, &http, "/places?commons=dokos");
    assert_eq!(member_ids(&users), vec![fabrique.clone()], "{users}");
    let featuring = list(&server, &http, "/campaigns?commons=dokos");
    assert_eq!(member_ids(&featuring), vec![adopte], "{featuring}");
    let pledges = list(&server, &http, "/pledges?commons=aiguilleurs");
    let mut pledge_ids = member_ids(&pledges);
    pledge_ids.sort();
    let mut expected: Vec<String> = [
        "pledges/aiguilleurs-2024-compagnie-tiers-lieux",
        "pledges/aiguilleurs-2024-france-tiers-lieux",
        "pledges/aiguilleurs-2024-novapec",
    ]
    .iter()
    .map(|p| iri(&server, p))
    .collect();
    expected.sort();
    assert_eq!(pledge_ids, expected, "{pledges}");

    // tag (case-insensitive)
    let tagged = list(&server, &http, "/commons?tag=formation");
    assert_eq!(
        member_ids(&tagged),
        vec![iri(&server, "commons/aiguilleurs")],
        "{tagged}"
    );
}

#[test]
fn paging_parameters_out_of_range_are_refused() {
    let server = start();
    let http = client();
    for query in ["limit=0", "limit=1000", "limit=201", "page=0"] {
        let answer = get(
            &http,
            &server.url(&format!("/places?{query}")),
            Some(JSON_LD),
        );
        assert_problem(&answer, StatusCode::BAD_REQUEST, query);
    }
    for query in ["limit=1", "limit=200"] {
        let answer = get(
            &http,
            &server.url(&format!("/places?{query}")),
            Some(JSON_LD),
        );
        assert_eq!(answer.status, StatusCode::OK, "{query}: {}", answer.text());
    }
    // A page past the end is an empty page, not an error.
    let beyond = list(&server, &http, "/places?page=99");
    assert_eq!(member_ids(&beyond), Vec::<String>::new());
}

#[test]
fn non_numeric_paging_parameters_are_a_problem_body() {
    let server = start();
    let http = client();
    for query in ["limit=abc", "limit=-1", "page=deux"] {
        let answer = get(
            &http,
            &server.url(&format!("/places?{query}")),
            Some(JSON_LD),
        );
        assert_problem(&answer, StatusCode::BAD_REQUEST, query);
    }
}

fn urlencode(text: &str) -> String {
    let mut out = String::new();
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || b"-_.~".contains(&byte) {
            out.push(byte as char);
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

// ------------------------------------------------------------------------------------------------
// 2. One resource, every representation
// ------------------------------------------------------------------------------------------------

#[test]
fn a_resource_in_every_representation() {
    let server = start();
    let http = client();
    let url = server.url("/places/la-fabrique-des-possibles");
    let resource = iri(&server, "places/la-fabrique-des-possibles");

    // JSON-LD by default (reqwest sends Accept: */*), and for application/ld+json and application/json.
    for accept in [None, Some(JSON_LD), Some("application/json")] {
        let answer = get(&http, &url, accept);
        assert_eq!(
            answer.status,
            StatusCode::OK,
            "{accept:?}: {}",
            answer.text()
        );
        assert!(
            answer.content_type().starts_with(JSON_LD),
            "{accept:?}: {}",
            answer.content_type()
        );
        let document = answer.json();
        assert_eq!(document["@context"], json!(context_url(&server)));
        assert_eq!(document["id"], json!(resource));
        assert_eq!(document["type"], json!("Place"));
        assert_eq!(document["name"], json!("La Fabrique des possibles"));
    }
    // Without any Accept header at all.
    let raw = raw_get(&server, "/places/la-fabrique-des-possibles");
    assert!(raw.starts_with("HTTP/1.1 200"), "{raw}");
    assert!(
        raw.to_ascii_lowercase()
            .contains("content-type: application/ld+json"),
        "{raw}"
    );

    let ntriples = get(&http, &url, Some("application/n-triples"));
    assert_eq!(ntriples.status, StatusCode::OK);
    assert!(
        ntriples.content_type().starts_with("application/n-triples"),
        "{}",
        ntriples.content_type()
    );
    let reference = triples(&server, &ntriples.body, RdfFormat::NTriples);
    assert_eq!(
        literal_values(&objects_of(&reference, &resource, &format!("{TL}name"))),
        vec!["La Fabrique des possibles".to_owned()]
    );

    // Every RDF syntax states the same triples.
    for (accept, format) in [
        ("text/turtle", RdfFormat::Turtle),
        ("application/n-quads", RdfFormat::NQuads),
        ("application/rdf+xml", RdfFormat::RdfXml),
    ] {
        let answer = get(&http, &url, Some(accept));
        assert_eq!(answer.status, StatusCode::OK, "{accept}: {}", answer.text());
        assert!(
            answer.content_type().starts_with(accept),
            "{accept}: {}",
            answer.content_type()
        );
        assert_eq!(
            triples(&server, &answer.body, format),
            reference,
            "{accept}"
        );
    }
    // q-values decide.
    let answer = get(&http, &url, Some("application/ld+json;q=0.5, text/turtle"));
    assert!(
        answer.content_type().starts_with("text/turtle"),
        "{}",
        answer.content_type()
    );

    // HTML for people, in French, with the JSON-LD embedded.
    let html = get(
        &http,
        &url,
        Some("text/html,application/xhtml+xml,*/*;q=0.8"),
    );
    assert_eq!(html.status, StatusCode::OK);
    assert!(
        html.content_type().starts_with("text/html"),
        "{}",
        html.content_type()
    );
    let page = html.text();
    assert!(page.contains("lang=\"fr\""), "{page}");
    let script = "<script type=\"application/ld+json\">";
    let start = page
        .find(script)
        .unwrap_or_else(|| panic!("a JSON-LD script element: {page}"))
        + script.len();
    let end = start + page[start..].find("</script>").unwrap();
    let embedded: Value =
        serde_json::from_str(&page[start..end]).expect("the embedded JSON-LD is JSON");
    assert_eq!(embedded, get(&http, &url, Some(JSON_LD)).json());
    assert!(page.contains("La Fabrique des possibles"));

    // Nothing acceptable: 406 with a problem body.
    let answer = get(&http, &url, Some("image/png"));
    assert_problem(&answer, StatusCode::NOT_ACCEPTABLE, "Accept: image/png");
}

/// A GET without any Accept header (reqwest always sends one).
fn raw_get(server: &TestServer, path: &str) -> String {
    let request = format!(
        "GET {path} HTTP/1.1\r\nHost: {}\r\nConnection: close\r\n\r\n",
        server.addr
    );
    raw_exchange(server, request.as_bytes())
}

/// Writes a raw HTTP/1.1 request and reads what comes back until the server closes. The server
/// may answer and close before reading the whole request: a failed write or a reset after the
/// answer is not an error here.
fn raw_exchange(server: &TestServer, request: &[u8]) -> String {
    let mut stream = std::net::TcpStream::connect(server.addr).unwrap();
    stream
        .set_read_timeout(Some(std::time::Duration::from_secs(60)))
        .unwrap();
    let _ = stream.write_all(request);
    let mut out = Vec::new();
    let mut buffer = [0u8; 8192];
    loop {
        match stream.read(&mut buffer) {
            Ok(0) | Err(_) => break,
            Ok(n) => out.extend_from_slice(&buffer[..n]),
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[test]
fn etags_give_304_and_are_per_representation() {
    let server = start();
    let http = client();
    let url = server.url("/commons/dokos");
    let first = get(&http, &url, Some(JSON_LD));
    assert_eq!(first.status, StatusCode::OK);
    let tag = first.header("etag").expect("an ETag");
    assert!(
        tag.starts_with('"') && tag.ends_with('"'),
        "a strong quoted ETag: {tag}"
    );
    assert_eq!(
        get(&http, &url, Some(JSON_LD)).header("etag"),
        Some(tag.clone()),
        "stable"
    );

    let not_modified = send(
        http.get(&url)
            .header("accept", JSON_LD)
            .header("if-none-match", &tag),
    );
    assert_eq!(
        not_modified.status,
        StatusCode::NOT_MODIFIED,
        "{}",
        not_modified.text()
    );
    assert!(not_modified.body.is_empty());
    assert_eq!(not_modified.header("etag"), Some(tag.clone()));

    let other = send(
        http.get(&url)
            .header("accept", JSON_LD)
            .header("if-none-match", "\"0000000000000000-jsonld\""),
    );
    assert_eq!(other.status, StatusCode::OK);

    // Another representation has another tag: the JSON-LD tag does not validate Turtle.
    let turtle = send(
        http.get(&url)
            .header("accept", "text/turtle")
            .header("if-none-match", &tag),
    );
    assert_eq!(turtle.status, StatusCode::OK, "{}", turtle.text());
    let turtle_tag = turtle.header("etag").expect("an ETag on Turtle");
    assert_ne!(turtle_tag, tag);
    let turtle_again = send(
        http.get(&url)
            .header("accept", "text/turtle")
            .header("if-none-match", &turtle_tag),
    );
    assert_eq!(turtle_again.status, StatusCode::NOT_MODIFIED);
}

/// Representations are kept between reads: each kind of write is seen by the next read all
/// the same, in every representation, including a change to the label of a linked resource
/// and a SPARQL Update (which says nothing of what it changes).
#[test]
fn reads_follow_every_kind_of_write() {
    let server = start_with_admin();
    let http = client();
    let url = server.url("/contributors/jordan-thevenot");
    let jordan = iri(&server, "contributors/jordan-thevenot");
    let read = |accept: &str| {
        let answer = get(&http, &url, Some(accept));
        assert_eq!(answer.status, StatusCode::OK, "{}", answer.text());
        (answer.header("etag").expect("an ETag"), answer.text())
    };
    let update = |body: String| {
        let answer = send(
            http.post(server.url("/sparql"))
                .bearer_auth("admin")
                .header("content-type", "application/sparql-update")
                .body(body),
        );
        assert!(answer.status.is_success(), "{}", answer.text());
    };
    let (json_tag, _) = read(JSON_LD);
    let (turtle_tag, _) = read("text/turtle");
    assert_eq!(read(JSON_LD).0, json_tag, "read twice, the same");

    // A SPARQL Update about the resource itself.
    update(format!(
        "INSERT DATA {{ GRAPH <{}> {{ <{jordan}> <{TL}alternateName> \"Jordan T.\" }} }}",
        iri(&server, "graphs/rfflab")
    ));
    let (tag, json) = read(JSON_LD);
    assert_ne!(tag, json_tag);
    assert!(json.contains("Jordan T."), "{json}");
    let (tag, turtle) = read("text/turtle");
    assert_ne!(tag, turtle_tag);
    assert!(turtle.contains("Jordan T."), "{turtle}");

    // A resource it links to is renamed: it shows the new label.
    let linked = sparql(
        &server,
        &http,
        &format!("SELECT ?o WHERE {{ <{jordan}> ?p ?o . ?o <{TL}name> ?n }} LIMIT 1"),
    );
    let linked = linked["results"]["bindings"][0]["o"]["value"]
        .as_str()
        .expect("a contributor links to a named resource")
        .to_owned();
    let (before, json) = read(JSON_LD);
    assert!(!json.contains("Nom tout neuf"));
    update(format!(
        "DELETE {{ GRAPH ?g {{ <{linked}> <{TL}name> ?n }} }} \
         INSERT {{ GRAPH ?g {{ <{linked}> <{TL}name> \"Nom tout neuf\" }} }} \
         WHERE {{ GRAPH ?g {{ <{linked}> <{TL}name> ?n }} }}"
    ));
    let (after, json) = read(JSON_LD);
    assert_ne!(after, before);
    assert!(json.contains("Nom tout neuf"), "{json}");

    // A network's own resource, read between its writes in two representations.
    let created = post_jsonld(
        &http,
        &server.url("/places"),
        RFFLAB_TOKEN,
        &place(&server, "Lieu lu et relu"),
    );
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.text());
    let location = created.header("location").expect("a Location");
    let read_place = |accept: &str| get(&http, &location, Some(accept));
    for accept in [JSON_LD, "text/turtle"] {
        let answer = read_place(accept);
        assert!(
            answer.text().contains("Lieu lu et relu"),
            "{}",
            answer.text()
        );
    }
    let replaced = put_jsonld(
        &http,
        &location,
        RFFLAB_TOKEN,
        &place(&server, "Lieu renommé"),
        None,
    );
    assert!(replaced.status.is_success(), "{}", replaced.text());
    for accept in [JSON_LD, "text/turtle"] {
        let answer = read_place(accept);
        assert!(answer.text().contains("Lieu renommé"), "{}", answer.text());
        assert!(!answer.text().contains("Lieu lu et relu"));
    }
    let deleted = send(write(
        &http,
        reqwest::Method::DELETE,
        &location,
        Some(RFFLAB_TOKEN),
        None,
        String::new(),
    ));
    assert!(deleted.status.is_success(), "{}", deleted.text());
    for accept in [JSON_LD, "text/turtle"] {
        assert_eq!(read_place(accept).status, StatusCode::NOT_FOUND);
    }
}

/// With no representation kept, a conditional GET is answered from the resource's state.
#[test]
fn etags_give_304_with_no_representation_kept() {
    let server = TestServer::start_with(|config| config.kept_representations_bytes = 0);
    let http = client();
    let url = server.url("/commons/dokos");
    let first = get(&http, &url, Some("text/turtle"));
    assert_eq!(first.status, StatusCode::OK);
    let tag = first.header("etag").expect("an ETag");
    let again = send(
        http.get(&url)
            .header("accept", "text/turtle")
            .header("if-none-match", &tag),
    );
    assert_eq!(again.status, StatusCode::NOT_MODIFIED, "{}", again.text());
    assert!(again.body.is_empty());
    assert_eq!(again.header("etag"), Some(tag));
}

#[test]
fn unknown_resources_are_404_problems() {
    let server = start();
    let http = client();
    for path in [
        "/places/lieu-qui-n-existe-pas",
        "/commons/la-fabrique-des-possibles",
        "/nowhere/at-all",
    ] {
        let answer = get(&http, &server.url(path), Some(JSON_LD));
        assert_problem(&answer, StatusCode::NOT_FOUND, path);
    }
}

// ------------------------------------------------------------------------------------------------
// 3. Round trip: the JSON-LD says exactly what is stored
// ------------------------------------------------------------------------------------------------

#[test]
fn json_ld_reads_back_as_the_stored_triples() {
    let server = start();
    let http = client();
    for path in [
        "places/la-fabrique-des-possibles",
        "commons/aiguilleurs",
        "commons/dokos",
        "pledges/sur-adhesion-la-fabrique-des-possibles",
        "pledges/aiguilleurs-2024-novapec",
        "campaigns/adopte-un-commun-2021",
        "networks/rfflab",
        "networks/communs-des-tiers-lieux",
        "contributors/jordan-thevenot",
    ] {
        let url = server.url(&format!("/{path}"));
        let jsonld = get(&http, &url, Some(JSON_LD));
        assert_eq!(jsonld.status, StatusCode::OK, "{path}: {}", jsonld.text());
        let ntriples = get(&http, &url, Some("application/n-triples"));
        assert_eq!(ntriples.status, StatusCode::OK, "{path}");
        let from_jsonld = triples(&server, &jsonld.body, rdf::JSON_LD);
        let stored = triples(&server, &ntriples.body, RdfFormat::NTriples);
        assert!(!stored.is_empty(), "{path}");
        let missing: Vec<String> = stored
            .difference(&from_jsonld)
            .map(ToString::to_string)
            .collect();
        let extra: Vec<String> = from_jsonld
            .difference(&stored)
            .map(ToString::to_string)
            .collect();
        assert!(
            missing.is_empty() && extra.is_empty(),
            "{path}: the JSON-LD is not the stored description\nmissing from the JSON-LD: {missing:#?}\nonly in the JSON-LD: {extra:#?}\nJSON-LD: {}",
            jsonld.text()
        );
    }
    // The budget lines of the aiguilleurs are among the round-tripped triples.
    let ntriples = get(
        &http,
        &server.url("/commons/aiguilleurs"),
        Some("application/n-triples"),
    );
    let stored = triples(&server, &ntriples.body, RdfFormat::NTriples);
    let lines = objects_of(
        &stored,
        &iri(&server, "commons/aiguilleurs"),
        &format!("{TL}budgetLine"),
    );
    assert_eq!(lines.len(), 5, "five budget lines");
}

// ------------------------------------------------------------------------------------------------
// 4. The co-funding view
// ------------------------------------------------------------------------------------------------

fn funding_summary(server: &TestServer, http: &Client, path: &str) -> Value {
    let document = get(http, &server.url(path), Some(JSON_LD)).json();
    document
        .get("fundingSummary")
        .cloned()
        .unwrap_or_else(|| panic!("{path} has a fundingSummary: {document}"))
}

fn status_total(summary: &Value, status: &str) -> f64 {
    summary["pledgedByStatus"].get(status).map_or(0.0, amount)
}

#[test]
fn funding_summary_of_a_commons_with_budget_and_pledges() {
    let server = start();
    let http = client();
    // aiguilleurs: budget 5 × 8000; pledges 5000 confirmed, 10000 requested, one intention
    // without amount.
    let summary = funding_summary(&server, &http, "/commons/aiguilleurs");
    assert_eq!(amount(&summary["budgetTotal"]), 40000.0, "{summary}");
    assert_eq!(summary["pledgeCount"], json!(3), "{summary}");
    assert_eq!(status_total(&summary, "confirmed"), 5000.0, "{summary}");
    assert_eq!(status_total(&summary, "requested"), 10000.0, "{summary}");
    assert_eq!(amount(&summary["pledgedTotal"]), 15000.0, "{summary}");
    assert_eq!(summary["budgetCoveredPercent"], json!(12.5), "{summary}");
}

#[test]
fn a_pledge_posted_by_a_network_shows_in_the_funding_views() {
    let server = start();
    let http = client();
    let before = funding_summary(&server, &http, "/commons/dokos");
    let pledge = json!({
        "@context": context_url(&server),
        "type": "Pledge",
        "name": "RFFLab soutient Dokos",
        "funder": iri(&server, "networks/rfflab"),
        "pledgedTo": iri(&server, "commons/dokos"),
        "amount": "120",
        "status": format!("{TL}status-confirmed"),
    });
    let created = post_jsonld(&http, &server.url("/pledges"), RFFLAB_TOKEN, &pledge);
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.text());

    let after = funding_summary(&server, &http, "/commons/dokos");
    assert_eq!(
        after["pledgeCount"].as_u64().unwrap(),
        before["pledgeCount"].as_u64().unwrap() + 1,
        "{before} → {after}"
    );
    assert_eq!(
        amount(&after["pledgedTotal"]),
        amount(&before["pledgedTotal"]) + 120.0,
        "{before} → {after}"
    );
    assert_eq!(
        status_total(&after, "confirmed"),
        status_total(&before, "confirmed") + 120.0,
        "{before} → {after}"
    );
    // The view is not RDF: the stored description of dokos is unchanged by it.
    let document = get(&http, &server.url("/commons/dokos"), Some(JSON_LD));
    let stored = get(
        &http,
        &server.url("/commons/dokos"),
        Some("application/n-triples"),
    );
    assert_eq!(
        triples(&server, &document.body, rdf::JSON_LD),
        triples(&server, &stored.body, RdfFormat::NTriples),
        "fundingSummary must not read as RDF"
    );

    // The campaign lists its commons; a pledge of the campaign to dokos is counted for dokos.
    let campaign_url = "/campaigns/adopte-un-commun-2021";
    let by_commons = |http: &Client| -> Vec<Value> {
        let document = get(http, &server.url(campaign_url), Some(JSON_LD)).json();
        document["fundingByCommons"]
            .as_array()
            .unwrap_or_else(|| panic!("fundingByCommons is a list: {document}"))
            .clone()
    };
    let entries = by_commons(&http);
    for slug in ["dokos", "movilab", "cahier-d-activites"] {
        let commons = iri(&server, &format!("commons/{slug}"));
        let entry = entries
            .iter()
            .find(|e| e["commons"] == json!(commons))
            .unwrap_or_else(|| panic!("{commons} in fundingByCommons: {entries:?}"));
        assert!(entry["name"].is_string(), "{entry}");
    }
    // The three pledges of 2021 go to the campaign as a whole: 400 + 1000 + 50.
    let whole = entries
        .iter()
        .find(|e| e["commons"].is_null())
        .unwrap_or_else(|| panic!("the campaign-wide entry: {entries:?}"));
    assert_eq!(amount(&whole["pledgedTotal"]), 1450.0, "{whole}");
    assert_eq!(whole["pledgeCount"], json!(3), "{whole}");

    let dokos = iri(&server, "commons/dokos");
    let dokos_before = entries
        .iter()
        .find(|e| e["commons"] == json!(dokos))
        .unwrap()
        .clone();
    let campaign_pledge = json!({
        "@context": context_url(&server),
        "type": "Pledge",
        "name": "RFFLab adopte Dokos",
        "funder": iri(&server, "networks/rfflab"),
        "pledgedTo": dokos,
        "campaign": iri(&server, "campaigns/adopte-un-commun-2021"),
        "amount": "30",
        "status": format!("{TL}status-intention"),
    });
    let created = post_jsonld(
        &http,
        &server.url("/pledges"),
        RFFLAB_TOKEN,
        &campaign_pledge,
    );
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.text());
    let entries = by_commons(&http);
    let dokos_after = entries
        .iter()
        .find(|e| e["commons"] == json!(dokos))
        .unwrap();
    assert_eq!(
        amount(&dokos_after["pledgedTotal"]),
        amount(&dokos_before["pledgedTotal"]) + 30.0,
        "{dokos_after}"
    );
    assert_eq!(
        dokos_after["pledgeCount"].as_u64().unwrap(),
        dokos_before["pledgeCount"].as_u64().unwrap() + 1
    );
}

// ------------------------------------------------------------------------------------------------
// 5. Writes
// ------------------------------------------------------------------------------------------------

fn place(server: &TestServer, name: &str) -> Value {
    json!({ "@context": context_url(server), "type": "Place", "name": name })
}

#[test]
fn create_replace_and_delete_a_place() {
    let server = start();
    let http = client();
    let meta = iri(&server, "graphs/meta");
    let rfflab = iri(&server, "networks/rfflab");
    let rfflab_graph = iri(&server, "graphs/rfflab");

    // POST without @id: the server mints the IRI from the name.
    let created = post_jsonld(
        &http,
        &server.url("/places"),
        RFFLAB_TOKEN,
        &place(&server, "L'Atelier partagé"),
    );
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.text());
    let location = created.header("location").expect("a Location");
    let prefix = iri(&server, "places/");
    assert!(location.starts_with(&prefix), "{location}");
    let slug = location[prefix.len()..].to_owned();
    assert!(
        !slug.is_empty()
            && slug
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-'),
        "{location}"
    );
    assert_eq!(created.json()["name"], json!("L'Atelier partagé"));
    let created_tag = created.header("etag").expect("an ETag on 201");

    let read = get(&http, &location, Some(JSON_LD));
    assert_eq!(
        read.status,
        StatusCode::OK,
        "GET {location}: {}",
        read.text()
    );
    assert_eq!(read.json()["name"], json!("L'Atelier partagé"));
    assert_eq!(read.json()["id"], json!(location));
    assert_eq!(read.header("etag"), Some(created_tag.clone()));
    // It is listed and found by name.
    let found = list(
        &server,
        &http,
        &format!("/places?q={}", urlencode("atelier partage")),
    );
    assert_eq!(member_ids(&found), vec![location.clone()]);
    // Stored in the network's graph, with provenance in the meta graph.
    assert!(ask(
        &server,
        &http,
        &format!(
            "ASK {{ GRAPH <{rfflab_graph}> {{ <{location}> <{TL}name> \"L'Atelier partagé\" }} }}"
        )
    ));
    let provenance = format!(
        "PREFIX dct: <http://purl.org/dc/terms/> PREFIX prov: <http://www.w3.org/ns/prov#> \
         PREFIX xsd: <http://www.w3.org/2001/XMLSchema#> \
         ASK {{ GRAPH <{meta}> {{ <{location}> dct:modified ?when ; prov:wasAttributedTo <{rfflab}> . \
         <{rfflab_graph}> prov:wasAttributedTo <{rfflab}> . FILTER(datatype(?when) = xsd:dateTime) }} }}"
    );
    assert!(
        ask(&server, &http, &provenance),
        "graphs/meta records who and when"
    );

    // POST again with that @id: 409.
    let mut again = place(&server, "Doublon");
    again["@id"] = json!(location);
    let conflict = assert_refused(
        &server,
        &http,
        write(
            &http,
            reqwest::Method::POST,
            &server.url("/places"),
            Some(RFFLAB_TOKEN),
            Some(JSON_LD),
            again.to_string(),
        ),
        StatusCode::CONFLICT,
        "POST an existing @id",
    );
    assert!(
        conflict["detail"].as_str().unwrap().contains(&slug),
        "{conflict}"
    );

    // PUT with the current ETag replaces the name.
    let resource_url = server.url(&format!("/places/{slug}"));
    let replaced = put_jsonld(
        &http,
        &resource_url,
        RFFLAB_TOKEN,
        &place(&server, "Atelier renommé"),
        Some(&created_tag),
    );
    assert_eq!(replaced.status, StatusCode::OK, "{}", replaced.text());
    let read = get(&http, &resource_url, Some(JSON_LD));
    assert_eq!(read.json()["name"], json!("Atelier renommé"));
    let stored = triples(
        &server,
        &get(&http, &resource_url, Some("application/n-triples")).body,
        RdfFormat::NTriples,
    );
    assert_eq!(
        literal_values(&objects_of(&stored, &location, &format!("{TL}name"))),
        vec!["Atelier renommé".to_owned()],
        "the old name is gone"
    );
    assert!(!ask(
        &server,
        &http,
        &format!("ASK {{ GRAPH ?g {{ <{location}> ?p \"L'Atelier partagé\" }} }}")
    ));
    assert_eq!(
        count(
            &server,
            &http,
            &format!("SELECT (COUNT(?w) AS ?n) WHERE {{ GRAPH <{meta}> {{ <{location}> <http://purl.org/dc/terms/modified> ?w }} }}")
        ),
        1,
        "one dct:modified per resource"
    );
    // The old ETag no longer gives 304.
    let stale = send(
        http.get(&resource_url)
            .header("accept", JSON_LD)
            .header("if-none-match", &created_tag),
    );
    assert_eq!(stale.status, StatusCode::OK);

    // PUT with a stale ETag: 412, nothing changes.
    let current_tag = read.header("etag").unwrap();
    assert_ne!(current_tag, created_tag);
    let precondition = assert_refused(
        &server,
        &http,
        write(
            &http,
            reqwest::Method::PUT,
            &resource_url,
            Some(RFFLAB_TOKEN),
            Some(JSON_LD),
            place(&server, "Nom perdu").to_string(),
        )
        .header("if-match", &created_tag),
        StatusCode::PRECONDITION_FAILED,
        "PUT with a stale If-Match",
    );
    assert!(precondition["detail"].is_string());
    let read = get(&http, &resource_url, Some(JSON_LD));
    assert_eq!(
        read.json()["name"],
        json!("Atelier renommé"),
        "unchanged after 412"
    );
    assert_eq!(read.header("etag"), Some(current_tag));

    // DELETE: 204, then 404 on read and on a second delete.
    let deleted = send(write(
        &http,
        reqwest::Method::DELETE,
        &resource_url,
        Some(RFFLAB_TOKEN),
        None,
        "",
    ));
    assert_eq!(deleted.status, StatusCode::NO_CONTENT, "{}", deleted.text());
    assert_problem(
        &get(&http, &resource_url, Some(JSON_LD)),
        StatusCode::NOT_FOUND,
        "GET after DELETE",
    );
    let twice = send(write(
        &http,
        reqwest::Method::DELETE,
        &resource_url,
        Some(RFFLAB_TOKEN),
        None,
        "",
    ));
    assert_problem(&twice, StatusCode::NOT_FOUND, "DELETE twice");
    assert!(!ask(
        &server,
        &http,
        &format!("ASK {{ GRAPH <{rfflab_graph}> {{ <{location}> ?p ?o }} }}")
    ));
    let gone = list(
        &server,
        &http,
        &format!("/places?q={}", urlencode("atelier")),
    );
    assert!(!member_ids(&gone).contains(&location), "{gone}");
}

#[test]
fn turtle_bodies_and_imports_are_written_to_the_network_graph() {
    let server = start();
    let http = client();
    let turtle =
        format!("@prefix tl: <{TL}> .\n[] a tl:Commons ; tl:name \"Commun écrit en Turtle\" .\n");
    let created = send(write(
        &http,
        reqwest::Method::POST,
        &server.url("/commons"),
        Some(COMPAGNIE_TOKEN),
        Some("text/turtle"),
        turtle,
    ));
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.text());
    let location = created.header("location").unwrap();
    assert!(
        location.starts_with(&iri(&server, "commons/")),
        "{location}"
    );
    assert_eq!(
        get(&http, &location, Some(JSON_LD)).json()["name"],
        json!("Commun écrit en Turtle")
    );
    assert!(ask(
        &server,
        &http,
        &format!(
            "ASK {{ GRAPH <{}> {{ <{location}> ?p ?o }} }}",
            iri(&server, "graphs/compagnie-tiers-lieux")
        )
    ));

    // A JSON-LD @graph import of two resources.
    let import = json!({
        "@context": context_url(&server),
        "@graph": [
            { "@id": iri(&server, "places/lieu-importe-un"), "type": "Place", "name": "Lieu importé un",
              "memberOf": [iri(&server, "networks/rfflab")] },
            { "@id": iri(&server, "places/lieu-importe-deux"), "type": "Place", "name": "Lieu importé deux" }
        ]
    });
    let imported = post_jsonld(&http, &server.url("/import"), RFFLAB_TOKEN, &import);
    assert_eq!(imported.status, StatusCode::OK, "{}", imported.text());
    assert_eq!(
        imported.json()["resources"],
        json!(2),
        "{}",
        imported.text()
    );
    for (slug, name) in [
        ("lieu-importe-un", "Lieu importé un"),
        ("lieu-importe-deux", "Lieu importé deux"),
    ] {
        let read = get(
            &http,
            &server.url(&format!("/places/{slug}")),
            Some(JSON_LD),
        );
        assert_eq!(read.status, StatusCode::OK, "{slug}: {}", read.text());
        assert_eq!(read.json()["name"], json!(name));
    }
    let members = list(&server, &http, "/places?network=rfflab");
    assert_eq!(
        member_ids(&members),
        vec![iri(&server, "places/lieu-importe-un")],
        "{members}"
    );

    // N-Quads into the network's own graph are accepted.
    let nquads = format!(
        "<{}> <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> <{TL}Place> <{}> .\n<{}> <{TL}name> \"Lieu en N-Quads\" <{}> .\n",
        iri(&server, "places/lieu-en-n-quads"),
        iri(&server, "graphs/rfflab"),
        iri(&server, "places/lieu-en-n-quads"),
        iri(&server, "graphs/rfflab"),
    );
    let answer = send(write(
        &http,
        reqwest::Method::POST,
        &server.url("/import"),
        Some(RFFLAB_TOKEN),
        Some("application/n-quads"),
        nquads,
    ));
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.text());
    assert_eq!(
        get(&http, &server.url("/places/lieu-en-n-quads"), Some(JSON_LD)).json()["name"],
        json!("Lieu en N-Quads")
    );
}

// ------------------------------------------------------------------------------------------------
// 6. Bad input: a problem body, and the store as it was
// ------------------------------------------------------------------------------------------------

#[test]
fn writes_need_a_known_network_token() {
    let server = start();
    let http = client();
    let body = place(&server, "Lieu sans jeton").to_string();
    let places = server.url("/places");
    let fabrique = server.url("/places/la-fabrique-des-possibles");
    for (what, token) in [
        ("no token", None),
        ("wrong token", Some("t-inconnu")),
        ("empty token", Some("")),
    ] {
        let answer_post = assert_refused(
            &server,
            &http,
            write(
                &http,
                reqwest::Method::POST,
                &places,
                token,
                Some(JSON_LD),
                body.clone(),
            ),
            StatusCode::UNAUTHORIZED,
            &format!("POST, {what}"),
        );
        assert!(answer_post["detail"].is_string());
        assert_refused(
            &server,
            &http,
            write(
                &http,
                reqwest::Method::PUT,
                &fabrique,
                token,
                Some(JSON_LD),
                body.clone(),
            ),
            StatusCode::UNAUTHORIZED,
            &format!("PUT, {what}"),
        );
        assert_refused(
            &server,
            &http,
            write(&http, reqwest::Method::DELETE, &fabrique, token, None, ""),
            StatusCode::UNAUTHORIZED,
            &format!("DELETE, {what}"),
        );
        assert_refused(
            &server,
            &http,
            write(
                &http,
                reqwest::Method::POST,
                &server.url("/import"),
                token,
                Some(JSON_LD),
                body.clone(),
            ),
            StatusCode::UNAUTHORIZED,
            &format!("import, {what}"),
        );
    }
    let answer = send(write(
        &http,
        reqwest::Method::POST,
        &places,
        None,
        Some(JSON_LD),
        body,
    ));
    assert_eq!(answer.header("www-authenticate").as_deref(), Some("Bearer"));
    // A network deletes only its own statements: the fixtures are not its to delete.
    assert_refused(
        &server,
        &http,
        write(
            &http,
            reqwest::Method::DELETE,
            &fabrique,
            Some(RFFLAB_TOKEN),
            None,
            "",
        ),
        StatusCode::NOT_FOUND,
        "DELETE a fixture",
    );
    assert_eq!(get(&http, &fabrique, Some(JSON_LD)).status, StatusCode::OK);
}

#[test]
fn imports_into_another_graph_are_forbidden() {
    let server = start();
    let http = client();
    let subject = iri(&server, "places/lieu-intrus");
    for graph in [
        "graphs/compagnie-tiers-lieux",
        "graphs/fixtures",
        "graphs/meta",
    ] {
        let graph = iri(&server, graph);
        let nquads = format!(
            "<{subject}> <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> <{TL}Place> <{graph}> .\n<{subject}> <{TL}name> \"Intrus\" <{graph}> .\n"
        );
        assert_refused(
            &server,
            &http,
            write(
                &http,
                reqwest::Method::POST,
                &server.url("/import"),
                Some(RFFLAB_TOKEN),
                Some("application/n-quads"),
                nquads,
            ),
            StatusCode::FORBIDDEN,
            &format!("N-Quads into <{graph}>"),
        );
    }
    // One quad in the own graph and one in another: nothing is written.
    let own = iri(&server, "graphs/rfflab");
    let other = iri(&server, "graphs/compagnie-tiers-lieux");
    let mixed = format!(
        "<{subject}> <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> <{TL}Place> <{own}> .\n<{subject}> <{TL}name> \"Intrus\" <{own}> .\n<{subject}> <{TL}description> \"ailleurs\" <{other}> .\n"
    );
    assert_refused(
        &server,
        &http,
        write(
            &http,
            reqwest::Method::POST,
            &server.url("/import"),
            Some(RFFLAB_TOKEN),
            Some("application/n-quads"),
            mixed,
        ),
        StatusCode::FORBIDDEN,
        "N-Quads partly into another graph",
    );
    assert_eq!(
        get(&http, &server.url("/places/lieu-intrus"), Some(JSON_LD)).status,
        StatusCode::NOT_FOUND
    );
}

#[test]
fn syntax_errors_say_where() {
    let server = start();
    let http = client();
    let places = server.url("/places");
    let post = |content_type: &str, body: String| {
        write(
            &http,
            reqwest::Method::POST,
            &places,
            Some(RFFLAB_TOKEN),
            Some(content_type),
            body,
        )
    };
    // A missing comma on line 4.
    let json = format!(
        "{{\n  \"@context\": \"{}\",\n  \"type\": \"Place\"\n  \"name\": \"Sans virgule\"\n}}\n",
        context_url(&server)
    );
    let problem = assert_refused(
        &server,
        &http,
        post(JSON_LD, json),
        StatusCode::BAD_REQUEST,
        "malformed JSON",
    );
    assert_eq!(problem["line"], json!(4), "{problem}");
    assert!(
        problem["column"].as_u64().is_some_and(|c| c >= 1),
        "{problem}"
    );

    // Turtle: an unterminated string on line 3.
    let turtle = format!("@prefix tl: <{TL}> .\n<places/x> a tl:Place ;\n  tl:name \"sans fin .\n");
    let problem = assert_refused(
        &server,
        &http,
        post("text/turtle", turtle),
        StatusCode::BAD_REQUEST,
        "malformed Turtle",
    );
    assert_eq!(problem["line"], json!(3), "{problem}");
    assert!(problem["column"].as_u64().is_some(), "{problem}");

    // Valid JSON, invalid JSON-LD.
    for body in [
        json!({ "@context": 5 }),
        json!({ "@context": context_url(&server), "@id": 5, "type": "Place", "name": "x" }),
        json!({ "@context": { "name": { "@id": format!("{TL}name"), "@container": "@bogus" } }, "name": "x" }),
        json!({ "@context": { "@version": 2 }, "name": "x" }),
    ] {
        assert_refused(
            &server,
            &http,
            post(JSON_LD, body.to_string()),
            StatusCode::BAD_REQUEST,
            &format!("invalid JSON-LD {body}"),
        );
    }
}

#[test]
fn remote_contexts_are_refused_without_any_request() {
    let server = start();
    let http = client();
    let trap = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    trap.set_nonblocking(true).unwrap();
    let remote = format!("http://{}/context.jsonld", trap.local_addr().unwrap());
    let bodies = [
        json!({ "@context": remote, "type": "Place", "name": "Lieu au contexte distant" }),
        json!({ "@context": [context_url(&server), remote], "type": "Place", "name": "Lieu au contexte mêlé" }),
    ];
    for body in &bodies {
        for path in ["/places", "/import"] {
            let problem = assert_refused(
                &server,
                &http,
                write(
                    &http,
                    reqwest::Method::POST,
                    &server.url(path),
                    Some(RFFLAB_TOKEN),
                    Some(JSON_LD),
                    body.to_string(),
                ),
                StatusCode::BAD_REQUEST,
                &format!("remote context on {path}"),
            );
            assert!(
                problem["detail"].as_str().unwrap().contains(&remote),
                "the detail names the context: {problem}"
            );
        }
    }
    match trap.accept() {
        Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {}
        Ok((_, peer)) => panic!("the server fetched the remote context (connection from {peer})"),
        Err(e) => panic!("accept: {e}"),
    }
}

/// The results of a 422 report, checked as JSON and as JSON-LD.
#[track_caller]
fn assert_invalid(
    server: &TestServer,
    http: &Client,
    request: RequestBuilder,
    focus: &str,
    path: &str,
    component: &str,
) {
    let before = quad_count(server, http);
    let answer = send(request);
    assert_eq!(
        answer.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{focus}: {}",
        answer.text()
    );
    assert!(
        answer.content_type().starts_with(JSON_LD),
        "{focus}: {}",
        answer.content_type()
    );
    assert_eq!(
        quad_count(server, http),
        before,
        "{focus}: the store changed"
    );
    let report = answer.json();
    assert_eq!(report["conforms"], json!(false), "{report}");
    let results = report["result"]
        .as_array()
        .unwrap_or_else(|| panic!("result is a list: {report}"));
    assert!(
        results.iter().any(|r| r["focusNode"] == json!(focus)),
        "a result with focusNode {focus}: {report}"
    );
    // As RDF: a result about the focus node, on the path, from the component.
    let parsed = triples(server, &answer.body, rdf::JSON_LD);
    let focus_term = Term::from(NamedNode::new(focus).unwrap());
    let matching: Vec<&NamedOrBlankNode> = parsed
        .iter()
        .filter(|t| t.predicate.as_str() == format!("{SH}focusNode") && t.object == focus_term)
        .map(|t| &t.subject)
        .filter(|r| {
            let has = |p: &str, o: &str| {
                parsed.iter().any(|t| {
                    t.subject == **r
                        && t.predicate.as_str() == p
                        && t.object == Term::from(NamedNode::new(o).unwrap())
                })
            };
            has(&format!("{SH}resultPath"), path)
                && has(
                    &format!("{SH}sourceConstraintComponent"),
                    &format!("{SH}{component}"),
                )
        })
        .collect();
    assert!(
        !matching.is_empty(),
        "a {component} result on {path} for {focus}: {report}"
    );
}

#[test]
fn shape_violations_are_422_with_the_report() {
    let server = start();
    let http = client();
    let post = |collection: &str, content_type: &str, body: String| {
        write(
            &http,
            reqwest::Method::POST,
            &server.url(&format!("/{collection}")),
            Some(RFFLAB_TOKEN),
            Some(content_type),
            body,
        )
    };
    let invalid = |file: &str| {
        std::fs::read_to_string(repo_path(&format!("fixtures/invalid/{file}"))).unwrap()
    };

    // A place without a name.
    let nameless = iri(&server, "places/lieu-sans-nom");
    let body = json!({ "@context": context_url(&server), "@id": nameless, "type": "Place", "description": "Sans nom" });
    assert_invalid(
        &server,
        &http,
        post("places", JSON_LD, body.to_string()),
        &nameless,
        &format!("{TL}name"),
        "MinCountConstraintComponent",
    );
    // The invalid fixtures, posted as Turtle.
    assert_invalid(
        &server,
        &http,
        post("places", "text/turtle", invalid("missing-name.ttl")),
        &iri(&server, "places/lieu-sans-nom"),
        &format!("{TL}name"),
        "MinCountConstraintComponent",
    );
    assert_invalid(
        &server,
        &http,
        post("pledges", "text/turtle", invalid("amount-as-string.ttl")),
        &iri(&server, "pledges/montant-en-texte"),
        &format!("{TL}amount"),
        "DatatypeConstraintComponent",
    );
    assert_invalid(
        &server,
        &http,
        post("pledges", "text/turtle", invalid("unknown-status.ttl")),
        &iri(&server, "pledges/statut-inconnu"),
        &format!("{TL}status"),
        "InConstraintComponent",
    );
    assert_invalid(
        &server,
        &http,
        post(
            "pledges",
            "text/turtle",
            invalid("pledge-to-missing-commons.ttl"),
        ),
        &iri(&server, "pledges/vers-commun-inexistant"),
        &format!("{TL}pledgedTo"),
        "ClassConstraintComponent",
    );
    assert_invalid(
        &server,
        &http,
        post("places", "text/turtle", invalid("bad-postal-code.ttl")),
        &iri(&server, "places/code-postal-faux#address"),
        &format!("{TL}postalCode"),
        "PatternConstraintComponent",
    );
    // A pledge with an amount in words (JSON-LD), and one with neither commons nor campaign.
    let pledge = iri(&server, "pledges/montant-en-lettres");
    let body = json!({
        "@context": context_url(&server), "@id": pledge, "type": "Pledge",
        "funder": iri(&server, "networks/rfflab"), "pledgedTo": iri(&server, "commons/dokos"),
        "amount": { "@value": "cent vingt" }, "status": format!("{TL}status-confirmed")
    });
    assert_invalid(
        &server,
        &http,
        post("pledges", JSON_LD, body.to_string()),
        &pledge,
        &format!("{TL}amount"),
        "DatatypeConstraintComponent",
    );
    let aimless = iri(&server, "pledges/sans-destinataire");
    let body = json!({
        "@context": context_url(&server), "@id": aimless, "type": "Pledge", "name": "Sans destinataire",
        "funder": iri(&server, "networks/rfflab"), "amount": "10", "status": format!("{TL}status-confirmed")
    });
    let before = quad_count(&server, &http);
    let answer = send(post("pledges", JSON_LD, body.to_string()));
    assert_eq!(
        answer.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        answer.text()
    );
    let report = answer.json();
    assert_eq!(report["conforms"], json!(false));
    assert!(
        report["result"]
            .as_array()
            .unwrap()
            .iter()
            .any(|r| r["focusNode"] == json!(aimless)),
        "{report}"
    );
    assert_eq!(quad_count(&server, &http), before);

    // An import is atomic: one invalid resource and nothing is written.
    let import = json!({
        "@context": context_url(&server),
        "@graph": [
            { "@id": iri(&server, "places/lieu-valide-importe"), "type": "Place", "name": "Lieu valide" },
            { "@id": iri(&server, "places/lieu-invalide-importe"), "type": "Place" }
        ]
    });
    assert_invalid(
        &server,
        &http,
        write(
            &http,
            reqwest::Method::POST,
            &server.url("/import"),
            Some(RFFLAB_TOKEN),
            Some(JSON_LD),
            import.to_string(),
        ),
        &iri(&server, "places/lieu-invalide-importe"),
        &format!("{TL}name"),
        "MinCountConstraintComponent",
    );
    assert_eq!(
        get(
            &http,
            &server.url("/places/lieu-valide-importe"),
            Some(JSON_LD)
        )
        .status,
        StatusCode::NOT_FOUND,
        "nothing of a refused import is written"
    );
    // A PUT that would leave a second name is refused too, and the place keeps its name.
    let put = write(
        &http,
        reqwest::Method::PUT,
        &server.url("/places/la-fabrique-des-possibles"),
        Some(RFFLAB_TOKEN),
        Some(JSON_LD),
        place(&server, "Deuxième nom").to_string(),
    );
    assert_invalid(
        &server,
        &http,
        put,
        &iri(&server, "places/la-fabrique-des-possibles"),
        &format!("{TL}name"),
        "MaxCountConstraintComponent",
    );
}

#[test]
fn unknown_media_types_are_415() {
    let server = start();
    let http = client();
    let body = place(&server, "Lieu en PNG").to_string();
    for content_type in [Some("image/png"), Some("text/csv"), None] {
        let problem = assert_refused(
            &server,
            &http,
            write(
                &http,
                reqwest::Method::POST,
                &server.url("/places"),
                Some(RFFLAB_TOKEN),
                content_type,
                body.clone(),
            ),
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            &format!("Content-Type {content_type:?}"),
        );
        assert!(
            problem["detail"].as_str().unwrap().contains(JSON_LD),
            "lists the accepted types: {problem}"
        );
    }
}

#[test]
fn bodies_over_the_limit_are_413() {
    let limit = 64 * 1024;
    let server = start_limited(Some(limit));
    let http = client();
    let mut big = place(&server, "Lieu trop bavard");
    big["description"] = json!("bla ".repeat(limit / 2));
    let body = big.to_string();
    assert!(body.len() > limit);
    let before = quad_count(&server, &http);
    let answer = send(write(
        &http,
        reqwest::Method::POST,
        &server.url("/places"),
        Some(RFFLAB_TOKEN),
        Some(JSON_LD),
        body.clone(),
    ));
    let problem = assert_problem(
        &answer,
        StatusCode::PAYLOAD_TOO_LARGE,
        "a body over the limit",
    );
    // The unread rest of the body makes the connection unusable: the client must not reuse it
    // (it would lose the next request, as the store count below would).
    assert_eq!(
        answer.header("connection").as_deref(),
        Some("close"),
        "a 413 closes the connection"
    );
    assert_eq!(
        quad_count(&server, &http),
        before,
        "a body over the limit: the store changed"
    );
    assert!(
        problem["detail"]
            .as_str()
            .unwrap()
            .contains(&limit.to_string()),
        "{problem}"
    );
    // Streamed without Content-Length (chunked): the limit holds as well. Sent over a raw
    // socket, since an HTTP client may give up sending once the server has answered.
    let before = quad_count(&server, &http);
    let mut request = format!(
        "POST /import HTTP/1.1\r\nHost: {}\r\nAuthorization: Bearer {RFFLAB_TOKEN}\r\n\
         Content-Type: {JSON_LD}\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n",
        server.addr
    )
    .into_bytes();
    for chunk in body.as_bytes().chunks(8192) {
        request.extend_from_slice(format!("{:x}\r\n", chunk.len()).as_bytes());
        request.extend_from_slice(chunk);
        request.extend_from_slice(b"\r\n");
    }
    request.extend_from_slice(b"0\r\n\r\n");
    let answer = raw_exchange(&server, &request);
    assert!(
        answer.starts_with("HTTP/1.1 413"),
        "a streamed body over the limit: {answer}"
    );
    assert!(
        answer
            .to_ascii_lowercase()
            .contains("content-type: application/problem+json"),
        "{answer}"
    );
    assert_eq!(
        quad_count(&server, &http),
        before,
        "a streamed body over the limit: the store changed"
    );
    // Just under the limit is read.
    let small = post_jsonld(
        &http,
        &server.url("/places"),
        RFFLAB_TOKEN,
        &place(&server, "Lieu concis"),
    );
    assert_eq!(small.status, StatusCode::CREATED, "{}", small.text());
}

#[test]
fn deeply_nested_json_is_refused_and_the_server_lives_on() {
    let server = start_limited(Some(64 * 1024));
    let http = client();
    let depth = 10_000;
    let arrays = format!("{}{}", "[".repeat(depth), "]".repeat(depth));
    let objects = format!("{}1{}", "{\"a\":".repeat(depth), "}".repeat(depth));
    let in_graph = format!(
        "{{\"@context\":\"{}\",\"@graph\":{}}}",
        context_url(&server),
        arrays
    );
    for (what, body) in [
        ("arrays", &arrays),
        ("objects", &objects),
        ("@graph", &in_graph),
    ] {
        assert!(body.len() < 64 * 1024);
        for path in ["/places", "/import"] {
            assert_refused(
                &server,
                &http,
                write(
                    &http,
                    reqwest::Method::POST,
                    &server.url(path),
                    Some(RFFLAB_TOKEN),
                    Some(JSON_LD),
                    body.clone(),
                ),
                StatusCode::BAD_REQUEST,
                &format!("{depth} nested {what} on {path}"),
            );
        }
    }
    let health = get(&http, &server.url("/health"), None);
    assert_eq!(health.status, StatusCode::OK, "{}", health.text());
    let read = get(
        &http,
        &server.url("/places/la-fabrique-des-possibles"),
        Some(JSON_LD),
    );
    assert_eq!(read.status, StatusCode::OK);
}

#[test]
fn ids_outside_the_collection_are_refused() {
    let server = start();
    let http = client();
    for id in [
        "http://example.org/lieux/ailleurs".to_owned(),
        iri(&server, "commons/un-lieu-chez-les-communs"),
        iri(&server, "places/Majuscules"),
        iri(&server, "places/sous/dossier"),
        iri(&server, "graphs/rfflab"),
    ] {
        let body = json!({ "@context": context_url(&server), "@id": id, "type": "Place", "name": "Ailleurs" });
        assert_refused(
            &server,
            &http,
            write(
                &http,
                reqwest::Method::POST,
                &server.url("/places"),
                Some(RFFLAB_TOKEN),
                Some(JSON_LD),
                body.to_string(),
            ),
            StatusCode::BAD_REQUEST,
            &format!("POST /places with @id {id}"),
        );
    }
    // A PUT whose body names another resource.
    let body = json!({
        "@context": context_url(&server), "@id": iri(&server, "places/la-mine"), "type": "Place", "name": "La mine"
    });
    assert_refused(
        &server,
        &http,
        write(
            &http,
            reqwest::Method::PUT,
            &server.url("/places/pop-cafe"),
            Some(RFFLAB_TOKEN),
            Some(JSON_LD),
            body.to_string(),
        ),
        StatusCode::BAD_REQUEST,
        "PUT /places/pop-cafe describing la-mine",
    );
}

// ------------------------------------------------------------------------------------------------
// 7. Concurrent writes
// ------------------------------------------------------------------------------------------------

#[test]
fn concurrent_writes_are_atomic() {
    let server = start();
    let http = client();
    let created = post_jsonld(
        &http,
        &server.url("/places"),
        RFFLAB_TOKEN,
        &place(&server, "Lieu disputé"),
    );
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.text());
    let shared = created.header("location").unwrap();
    let shared_url = shared.clone();
    let places_before = list(&server, &http, "/places")["totalItems"]
        .as_u64()
        .unwrap();

    let threads = 16;
    let barrier = std::sync::Barrier::new(threads);
    let outcomes: Vec<(bool, String, Answer)> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..threads)
            .map(|i| {
                let (barrier, server, shared_url) = (&barrier, &server, &shared_url);
                scope.spawn(move || {
                    let http = client();
                    let is_put = i % 2 == 1;
                    let name = if is_put {
                        format!("Nom disputé {i}")
                    } else {
                        format!("Lieu concurrent {i}")
                    };
                    barrier.wait();
                    let answer = if is_put {
                        put_jsonld(&http, shared_url, RFFLAB_TOKEN, &place(server, &name), None)
                    } else {
                        post_jsonld(
                            &http,
                            &server.url("/places"),
                            RFFLAB_TOKEN,
                            &place(server, &name),
                        )
                    };
                    (is_put, name, answer)
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });

    let mut put_names = Vec::new();
    let mut created_count = 0;
    for (is_put, name, answer) in &outcomes {
        assert!(
            !answer.status.is_server_error(),
            "{name}: {} {}",
            answer.status,
            answer.text()
        );
        if !answer.status.is_success() {
            continue;
        }
        if *is_put {
            put_names.push(name.clone());
        } else {
            created_count += 1;
            let location = answer.header("location").expect("a Location");
            let read = get(&http, &location, Some(JSON_LD));
            assert_eq!(read.status, StatusCode::OK, "{name}: {}", read.text());
            assert_eq!(read.json()["name"], json!(name));
        }
    }
    let places_after = list(&server, &http, "/places")["totalItems"]
        .as_u64()
        .unwrap();
    assert_eq!(places_after, places_before + created_count);
    let stored = triples(
        &server,
        &get(&http, &shared_url, Some("application/n-triples")).body,
        RdfFormat::NTriples,
    );
    let names = literal_values(&objects_of(&stored, &shared, &format!("{TL}name")));
    assert_eq!(names.len(), 1, "exactly one name, no mixing: {names:?}");
    assert!(
        put_names.contains(&names[0]),
        "the final name {:?} is one of the PUT bodies {put_names:?}",
        names[0]
    );
    assert_eq!(
        get(&http, &shared_url, Some(JSON_LD)).json()["name"],
        json!(names[0])
    );

    // Every unconditional write of valid data succeeds: a PUT replaces whatever the previous
    // PUT left, so none of them may be refused because of another.
    let refused: Vec<String> = outcomes
        .iter()
        .filter(|(_, _, a)| !a.status.is_success())
        .map(|(is_put, name, a)| {
            format!(
                "{} {name}: {} {}",
                if *is_put { "PUT" } else { "POST" },
                a.status,
                a.text()
            )
        })
        .collect();
    assert!(
        refused.is_empty(),
        "valid concurrent writes refused: {refused:#?}"
    );
}

// ------------------------------------------------------------------------------------------------
// 8. Graph Store Protocol at /store
// ------------------------------------------------------------------------------------------------

fn store_url(server: &TestServer, graph: &str) -> String {
    format!("{}?graph={}", server.url("/store"), urlencode(graph))
}

#[test]
fn graph_store_reads_any_graph() {
    let server = start();
    let http = client();
    let fixtures = iri(&server, "graphs/fixtures");
    let answer = get(
        &http,
        &store_url(&server, &fixtures),
        Some("application/n-triples"),
    );
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.text());
    assert!(
        answer.content_type().starts_with("application/n-triples"),
        "{}",
        answer.content_type()
    );
    let graph = triples(&server, &answer.body, RdfFormat::NTriples);
    assert_eq!(
        literal_values(&objects_of(
            &graph,
            &iri(&server, "places/la-fabrique-des-possibles"),
            &format!("{TL}name")
        )),
        vec!["La Fabrique des possibles".to_owned()]
    );
    // A relative name is taken under {base}graphs/; Turtle and JSON-LD say the same.
    let relative = get(
        &http,
        &format!("{}?graph=fixtures", server.url("/store")),
        Some("text/turtle"),
    );
    assert_eq!(relative.status, StatusCode::OK, "{}", relative.text());
    assert_eq!(triples(&server, &relative.body, RdfFormat::Turtle), graph);
    let jsonld = get(&http, &store_url(&server, &fixtures), Some(JSON_LD));
    assert_eq!(jsonld.status, StatusCode::OK, "{}", jsonld.text());
    assert_eq!(triples(&server, &jsonld.body, rdf::JSON_LD), graph);
    // The default graph is the union.
    let union = get(
        &http,
        &format!("{}?default", server.url("/store")),
        Some("application/n-triples"),
    );
    assert_eq!(union.status, StatusCode::OK);
    assert!(triples(&server, &union.body, RdfFormat::NTriples).is_superset(&graph));

    assert_problem(
        &get(
            &http,
            &store_url(&server, "http://example.org/no-such-graph"),
            None,
        ),
        StatusCode::NOT_FOUND,
        "an unknown graph",
    );
    assert_problem(
        &get(&http, &server.url("/store"), None),
        StatusCode::BAD_REQUEST,
        "no graph named",
    );
    assert_problem(
        &get(
            &http,
            &format!("{}&default", store_url(&server, &fixtures)),
            None,
        ),
        StatusCode::BAD_REQUEST,
        "both ?graph and ?default",
    );
    assert_problem(
        &get(&http, &store_url(&server, &fixtures), Some("image/png")),
        StatusCode::NOT_ACCEPTABLE,
        "Accept: image/png on /store",
    );
}

#[test]
fn graph_store_admin_writes_any_named_graph_but_the_provenance() {
    let server = start_with_admin();
    let http = client();
    let elsewhere = "http://www.example/gsp/person/1.ttl";
    let body = "<http://www.example/gsp/person/1> <http://xmlns.com/foaf/0.1/name> \"Jane\" .\n";
    let gsp = |method: reqwest::Method, url: String, token: &str| {
        send(write(
            &http,
            method,
            &url,
            Some(token),
            Some("text/turtle"),
            body,
        ))
    };
    // A network may not write there; the admin token may, as SPARQL Update lets it.
    let refused = gsp(
        reqwest::Method::PUT,
        store_url(&server, elsewhere),
        RFFLAB_TOKEN,
    );
    assert_eq!(refused.status, StatusCode::FORBIDDEN, "{}", refused.text());
    let put = gsp(reqwest::Method::PUT, store_url(&server, elsewhere), "admin");
    assert_eq!(put.status, StatusCode::CREATED, "{}", put.text());
    let read = get(
        &http,
        &store_url(&server, elsewhere),
        Some("application/n-triples"),
    );
    assert_eq!(read.status, StatusCode::OK);
    assert!(read.text().contains("\"Jane\""), "{}", read.text());
    // Neither the provenance graph nor the union default graph is written.
    let meta = gsp(
        reqwest::Method::PUT,
        store_url(&server, &iri(&server, "graphs/meta")),
        "admin",
    );
    assert_eq!(meta.status, StatusCode::FORBIDDEN, "{}", meta.text());
    let default = gsp(
        reqwest::Method::PUT,
        format!("{}?default", server.url("/store")),
        "admin",
    );
    assert_eq!(default.status, StatusCode::FORBIDDEN, "{}", default.text());
    let deleted = send(write(
        &http,
        reqwest::Method::DELETE,
        &store_url(&server, elsewhere),
        Some("admin"),
        None,
        "",
    ));
    assert_eq!(deleted.status, StatusCode::NO_CONTENT, "{}", deleted.text());
    assert_eq!(
        get(&http, &store_url(&server, elsewhere), None).status,
        StatusCode::NOT_FOUND
    );
}

#[test]
fn graph_store_writes_only_the_own_graph() {
    let server = start();
    let http = client();
    let own = iri(&server, "graphs/rfflab");
    let meta = iri(&server, "graphs/meta");
    let gsp = |method: reqwest::Method, graph: &str, token: Option<&str>, body: String| {
        write(
            &http,
            method,
            &store_url(&server, graph),
            token,
            Some("text/turtle"),
            body,
        )
    };
    let turtle = |slug: &str, name: &str| {
        format!("@prefix tl: <{TL}> .\n<places/{slug}> a tl:Place ; tl:name \"{name}\" .\n")
    };
    let read_own = |http: &Client| {
        let answer = get(
            http,
            &store_url(&server, &own),
            Some("application/n-triples"),
        );
        assert_eq!(answer.status, StatusCode::OK, "{}", answer.text());
        triples(&server, &answer.body, RdfFormat::NTriples)
    };

    // PUT into the own, empty graph: 201; the graph holds exactly what was sent.
    let put = send(gsp(
        reqwest::Method::PUT,
        &own,
        Some(RFFLAB_TOKEN),
        turtle("lieu-gsp-un", "Lieu GSP un"),
    ));
    assert_eq!(put.status, StatusCode::CREATED, "{}", put.text());
    let sent = triples(
        &server,
        turtle("lieu-gsp-un", "Lieu GSP un").as_bytes(),
        RdfFormat::Turtle,
    );
    assert_eq!(read_own(&http), sent);
    let place_url = server.url("/places/lieu-gsp-un");
    assert_eq!(
        get(&http, &place_url, Some(JSON_LD)).json()["name"],
        json!("Lieu GSP un")
    );
    assert!(ask(
        &server,
        &http,
        &format!(
            "ASK {{ GRAPH <{meta}> {{ <{}> <http://purl.org/dc/terms/modified> ?w ; \
             <http://www.w3.org/ns/prov#wasAttributedTo> <{}> }} }}",
            iri(&server, "places/lieu-gsp-un"),
            iri(&server, "networks/rfflab")
        )
    ));

    // POST adds.
    let post = send(gsp(
        reqwest::Method::POST,
        &own,
        Some(RFFLAB_TOKEN),
        turtle("lieu-gsp-deux", "Lieu GSP deux"),
    ));
    assert!(post.status.is_success(), "{} {}", post.status, post.text());
    let both = read_own(&http);
    assert!(both.is_superset(&sent));
    assert_eq!(both.len(), sent.len() * 2);

    // PUT replaces the whole graph.
    let put = send(gsp(
        reqwest::Method::PUT,
        &own,
        Some(RFFLAB_TOKEN),
        turtle("lieu-gsp-trois", "Lieu GSP trois"),
    ));
    assert_eq!(put.status, StatusCode::NO_CONTENT, "{}", put.text());
    assert_eq!(
        read_own(&http),
        triples(
            &server,
            turtle("lieu-gsp-trois", "Lieu GSP trois").as_bytes(),
            RdfFormat::Turtle
        )
    );
    // The same content again: still a replacement of an existing graph.
    let again = send(gsp(
        reqwest::Method::PUT,
        &own,
        Some(RFFLAB_TOKEN),
        turtle("lieu-gsp-trois", "Lieu GSP trois"),
    ));
    assert_eq!(again.status, StatusCode::NO_CONTENT, "{}", again.text());
    assert_problem(
        &get(&http, &place_url, Some(JSON_LD)),
        StatusCode::NOT_FOUND,
        "replaced away",
    );

    // Refused: no token, another network's graph, the fixtures, the default graph, invalid data.
    let body = turtle("lieu-gsp-refuse", "Lieu GSP refusé");
    assert_refused(
        &server,
        &http,
        gsp(reqwest::Method::PUT, &own, None, body.clone()),
        StatusCode::UNAUTHORIZED,
        "GSP PUT without token",
    );
    for graph in [
        iri(&server, "graphs/compagnie-tiers-lieux"),
        iri(&server, "graphs/fixtures"),
        meta.clone(),
    ] {
        for method in [
            reqwest::Method::PUT,
            reqwest::Method::POST,
            reqwest::Method::DELETE,
        ] {
            assert_refused(
                &server,
                &http,
                gsp(method.clone(), &graph, Some(RFFLAB_TOKEN), body.clone()),
                StatusCode::FORBIDDEN,
                &format!("GSP {method} into <{graph}>"),
            );
        }
    }
    assert_refused(
        &server,
        &http,
        write(
            &http,
            reqwest::Method::PUT,
            &format!("{}?default", server.url("/store")),
            Some(RFFLAB_TOKEN),
            Some("text/turtle"),
            body,
        ),
        StatusCode::FORBIDDEN,
        "GSP PUT into the default graph",
    );
    let before = quad_count(&server, &http);
    let nameless = send(gsp(
        reqwest::Method::POST,
        &own,
        Some(RFFLAB_TOKEN),
        format!("@prefix tl: <{TL}> .\n<places/lieu-gsp-sans-nom> a tl:Place .\n"),
    ));
    assert_eq!(
        nameless.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        nameless.text()
    );
    assert_eq!(nameless.json()["conforms"], json!(false));
    assert_eq!(quad_count(&server, &http), before);

    // DELETE empties the graph: then it is gone.
    let deleted = send(gsp(
        reqwest::Method::DELETE,
        &own,
        Some(RFFLAB_TOKEN),
        String::new(),
    ));
    assert!(
        deleted.status.is_success(),
        "{} {}",
        deleted.status,
        deleted.text()
    );
    assert_problem(
        &get(&http, &server.url("/places/lieu-gsp-trois"), Some(JSON_LD)),
        StatusCode::NOT_FOUND,
        "after DELETE",
    );
    assert_problem(
        &get(
            &http,
            &store_url(&server, &own),
            Some("application/n-triples"),
        ),
        StatusCode::NOT_FOUND,
        "GET a deleted graph",
    );
    assert_refused(
        &server,
        &http,
        gsp(
            reqwest::Method::DELETE,
            &own,
            Some(RFFLAB_TOKEN),
            String::new(),
        ),
        StatusCode::NOT_FOUND,
        "DELETE a deleted graph",
    );
}

/// Concurrent POSTs each get their own outcome: valid ones succeed (with no body under
/// `Prefer: return=minimal`), an invalid one gets a report about itself only, writes minting
/// the same name get distinct IRIs.
#[test]
fn concurrent_posts_keep_their_own_outcomes() {
    let server = start();
    let http = client();
    let before = list(&server, &http, "/places")["totalItems"]
        .as_u64()
        .unwrap();
    let threads = 18;
    let barrier = std::sync::Barrier::new(threads);
    let outcomes: Vec<(usize, Answer)> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..threads)
            .map(|i| {
                let (barrier, server) = (&barrier, &server);
                scope.spawn(move || {
                    let http = client();
                    let body = match i % 3 {
                        // The same name: minted IRIs must differ.
                        0 => place(server, "Lieu jumeau"),
                        // No name: invalid.
                        1 => json!({
                            "@context": context_url(server),
                            "@id": iri(server, &format!("places/sans-nom-{i}")),
                            "type": "Place",
                            "description": "Sans nom"
                        }),
                        _ => place(server, &format!("Lieu groupé {i}")),
                    };
                    barrier.wait();
                    let answer = send(
                        http.post(server.url("/places"))
                            .bearer_auth(RFFLAB_TOKEN)
                            .header("content-type", JSON_LD)
                            .header("prefer", "return=minimal")
                            .body(body.to_string()),
                    );
                    (i, answer)
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    let mut locations = HashSet::new();
    for (i, answer) in &outcomes {
        if i % 3 == 1 {
            assert_eq!(
                answer.status,
                StatusCode::UNPROCESSABLE_ENTITY,
                "{i}: {}",
                answer.text()
            );
            let report = answer.json();
            let focus: HashSet<&Value> = report["result"]
                .as_array()
                .unwrap()
                .iter()
                .map(|r| &r["focusNode"])
                .collect();
            assert_eq!(
                focus,
                HashSet::from([&json!(iri(&server, &format!("places/sans-nom-{i}")))]),
                "the report of write {i} speaks of its own place only: {report}"
            );
        } else {
            assert_eq!(answer.status, StatusCode::CREATED, "{i}: {}", answer.text());
            assert!(answer.body.is_empty(), "return=minimal: no body");
            assert_eq!(
                answer.header("preference-applied").as_deref(),
                Some("return=minimal")
            );
            let location = answer.header("location").expect("a Location");
            assert!(locations.insert(location.clone()), "{location} given twice");
            assert_eq!(get(&http, &location, Some(JSON_LD)).status, StatusCode::OK);
        }
    }
    assert_eq!(locations.len(), 12);
    let after = list(&server, &http, "/places")["totalItems"]
        .as_u64()
        .unwrap();
    assert_eq!(after, before + 12);
    for i in (1..threads).step_by(3) {
        let absent = get(
            &http,
            &server.url(&format!("/places/sans-nom-{i}")),
            Some(JSON_LD),
        );
        assert_eq!(absent.status, StatusCode::NOT_FOUND);
    }
}

/// An import of many new resources goes through Oxigraph's bulk loader: it must read back like
/// any write, be replaced by a later import, and leave nothing behind when it is invalid.
#[test]
fn large_imports_are_validated_atomic_and_replaceable() {
    let server = start();
    let http = client();
    let count = 3_000; // 5 triples each: over the bulk loader's threshold (10 000)
    let graph = |name_of: &dyn Fn(usize) -> String, postal: &str| {
        let nodes: Vec<Value> = (0..count)
            .map(|i| {
                json!({
                    "@id": iri(&server, &format!("places/en-nombre-{i}")),
                    "type": "Place",
                    "name": name_of(i),
                    "address": {
                        "@id": iri(&server, &format!("places/en-nombre-{i}#address")),
                        "postalCode": postal,
                        "locality": "Rennes"
                    }
                })
            })
            .collect();
        json!({ "@context": context_url(&server), "@graph": nodes }).to_string()
    };
    let import = |body: String| {
        send(write(
            &http,
            reqwest::Method::POST,
            &server.url("/import"),
            Some(RFFLAB_TOKEN),
            Some(JSON_LD),
            body,
        ))
    };
    let before = quad_count(&server, &http);
    let answer = import(graph(&|i| format!("Lieu n° {i}"), "35000"));
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.text());
    assert_eq!(answer.json()["resources"], json!(count));
    let read = get(&http, &server.url("/places/en-nombre-1234"), Some(JSON_LD));
    assert_eq!(read.status, StatusCode::OK, "{}", read.text());
    assert_eq!(read.json()["name"], json!("Lieu n° 1234"));
    let rfflab = iri(&server, "networks/rfflab");
    assert!(ask(
        &server,
        &http,
        &format!(
            "ASK {{ GRAPH <{}> {{ <{}> <http://purl.org/dc/terms/modified> ?d ; <http://www.w3.org/ns/prov#wasAttributedTo> <{rfflab}> }} }}",
            iri(&server, "graphs/meta"),
            iri(&server, "places/en-nombre-1999")
        )
    ));
    let imported = quad_count(&server, &http);
    assert!(
        imported >= before + 6 * count as u64,
        "{before} → {imported}"
    );

    // Invalid (a postal code of 4 digits everywhere): 422, nothing changes.
    let answer = import(graph(&|i| format!("Autre nom {i}"), "3500"));
    assert_eq!(answer.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(quad_count(&server, &http), imported);

    // A new import of the same resources replaces them: one name each, no leftovers.
    let answer = import(graph(&|i| format!("Nouveau nom {i}"), "35700"));
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.text());
    assert_eq!(quad_count(&server, &http), imported);
    let stored = triples(
        &server,
        &get(
            &http,
            &server.url("/places/en-nombre-7"),
            Some("application/n-triples"),
        )
        .body,
        RdfFormat::NTriples,
    );
    let place7 = iri(&server, "places/en-nombre-7");
    assert_eq!(
        literal_values(&objects_of(&stored, &place7, &format!("{TL}name"))),
        ["Nouveau nom 7"]
    );
}

/// Validation keeps the `rdfs:subClassOf` closures of classes from one write to the next: a
/// subclass written into a network's graph (and the write that brings it), or removed by a
/// SPARQL Update, is seen by the very next write.
#[test]
fn a_new_subclass_is_seen_by_the_next_write() {
    let server = start_with_admin();
    let http = client();
    let own = iri(&server, "graphs/rfflab");
    let add_to_own_graph = |turtle: String| {
        let answer = send(write(
            &http,
            reqwest::Method::POST,
            &store_url(&server, &own),
            Some(RFFLAB_TOKEN),
            Some("text/turtle"),
            turtle,
        ));
        assert!(answer.status.is_success(), "{}", answer.text());
    };
    let network = iri(&server, "networks/reseau-ouest");
    add_to_own_graph(format!(
        "<{network}> a <http://example.org/ns#ReseauRegional> ; <{TL}name> \"Réseau de l'Ouest\" ."
    ));
    let member = |name: &str| {
        let mut body = place(&server, name);
        body["memberOf"] = json!(network);
        post_jsonld(&http, &server.url("/places"), RFFLAB_TOKEN, &body)
    };

    // Not a tl:Network (yet): refused on sh:class, and the class's closure is now kept.
    let refused = member("Lieu de l'Ouest");
    assert_eq!(
        refused.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        refused.text()
    );
    assert_eq!(refused.json()["conforms"], json!(false));
    assert!(refused.text().contains("memberOf"), "{}", refused.text());

    // A network says its class is a kind of tl:Network, and adds a member in the same write:
    // that write is judged with the hierarchy it brings, and the next one sees it too.
    let member_place = iri(&server, "places/lieu-du-sud");
    add_to_own_graph(format!(
        "<http://example.org/ns#ReseauRegional> <http://www.w3.org/2000/01/rdf-schema#subClassOf> <{TL}Network> .
         <{member_place}> a <{TL}Place> ; <{TL}name> \"Lieu du Sud\" ; <{TL}memberOf> <{network}> ."
    ));
    let accepted = member("Lieu de l'Ouest");
    assert_eq!(accepted.status, StatusCode::CREATED, "{}", accepted.text());

    // An update removes it again: the next write is refused again.
    let update = send(
        http.post(server.url("/sparql"))
            .bearer_auth("admin")
            .header("content-type", "application/sparql-update")
            .body(format!(
                "DELETE DATA {{ GRAPH <{own}> {{ <http://example.org/ns#ReseauRegional> \
                 <http://www.w3.org/2000/01/rdf-schema#subClassOf> <{TL}Network> }} }}"
            )),
    );
    assert!(update.status.is_success(), "{}", update.text());
    let refused = member("Lieu de l'Ouest bis");
    assert_eq!(
        refused.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        refused.text()
    );
}
