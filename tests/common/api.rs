//! The harness of the resource API's tests over real HTTP: servers with writing networks, one
//! request read whole into an `Answer`, problem-body and refusal assertions, SPARQL counts. Apart
//! from `mod.rs` because only the resource API's test files (split by concern) share it.
#![allow(dead_code)]

use super::{repo_path, TestServer};
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

pub const TL: &str = "https://w3id.org/tiers-lieux/ns#";
pub const SH: &str = "http://www.w3.org/ns/shacl#";
pub const RFFLAB_TOKEN: &str = "t-rfflab";
pub const COMPAGNIE_TOKEN: &str = "t-compagnie";
pub const JSON_LD: &str = "application/ld+json";

/// A server with two writing networks: rfflab and compagnie-tiers-lieux.
pub fn start() -> TestServer {
    start_limited(None)
}

pub fn start_limited(max_body_bytes: Option<usize>) -> TestServer {
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
pub fn start_with_admin() -> TestServer {
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
pub struct Answer {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Vec<u8>,
}

impl Answer {
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap_or_else(|e| {
            panic!(
                "the body is not JSON ({e}), status {}: {}",
                self.status,
                self.text()
            )
        })
    }

    pub fn header(&self, name: &str) -> Option<String> {
        self.headers
            .get(name)
            .map(|v| v.to_str().unwrap().to_owned())
    }

    pub fn content_type(&self) -> String {
        self.header("content-type").unwrap_or_default()
    }
}

pub fn send(request: RequestBuilder) -> Answer {
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

pub fn get(http: &Client, url: &str, accept: Option<&str>) -> Answer {
    let mut request = http.get(url);
    if let Some(accept) = accept {
        request = request.header("accept", accept);
    }
    send(request)
}

/// A write request with an optional bearer token.
pub fn write(
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

pub fn post_jsonld(http: &Client, url: &str, token: &str, body: &Value) -> Answer {
    send(write(
        http,
        reqwest::Method::POST,
        url,
        Some(token),
        Some(JSON_LD),
        body.to_string(),
    ))
}

pub fn put_jsonld(
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
pub fn assert_problem(answer: &Answer, status: StatusCode, what: &str) -> Value {
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

pub fn context_url(server: &TestServer) -> String {
    format!("{}context.jsonld", server.base)
}

pub fn iri(server: &TestServer, path: &str) -> String {
    format!("{}{path}", server.base)
}

pub fn contexts(server: &TestServer) -> Contexts {
    let own = std::fs::read(repo_path("ontology/context.jsonld")).expect("the JSON-LD context");
    Contexts::new(own, &Base::new(&server.base))
}

/// Parses an RDF document the way a client would (JSON-LD with our context only).
pub fn triples(server: &TestServer, data: &[u8], format: RdfFormat) -> HashSet<Triple> {
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

pub fn objects_of(triples: &HashSet<Triple>, subject: &str, predicate: &str) -> Vec<Term> {
    let subject = NamedOrBlankNode::from(NamedNode::new(subject).unwrap());
    triples
        .iter()
        .filter(|t| t.subject == subject && t.predicate.as_str() == predicate)
        .map(|t| t.object.clone())
        .collect()
}

pub fn literal_values(terms: &[Term]) -> Vec<String> {
    terms
        .iter()
        .filter_map(|t| match t {
            Term::Literal(l) => Some(l.value().to_owned()),
            _ => None,
        })
        .collect()
}

pub fn sparql(server: &TestServer, http: &Client, query: &str) -> Value {
    let answer = send(
        http.get(server.url("/sparql"))
            .query(&[("query", query)])
            .header("accept", "application/sparql-results+json"),
    );
    assert_eq!(answer.status, StatusCode::OK, "{query}: {}", answer.text());
    answer.json()
}

pub fn ask(server: &TestServer, http: &Client, query: &str) -> bool {
    let answer = sparql(server, http, query);
    answer["boolean"]
        .as_bool()
        .unwrap_or_else(|| panic!("an ASK answer: {answer}"))
}

pub fn count(server: &TestServer, http: &Client, query: &str) -> u64 {
    let answer = sparql(server, http, query);
    answer["results"]["bindings"][0]["n"]["value"]
        .as_str()
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("a count: {answer}"))
}

/// Every quad of every named graph (data, meta, ontology, fixtures).
pub fn quad_count(server: &TestServer, http: &Client) -> u64 {
    count(
        server,
        http,
        "SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }",
    )
}

/// Sends a request that must be refused with `status` and a problem body, and checks that the
/// store holds exactly the same number of quads afterwards.
#[track_caller]
pub fn assert_refused(
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
pub fn member_ids(document: &Value) -> Vec<String> {
    document["member"]
        .as_array()
        .unwrap_or_else(|| panic!("member is an array: {document}"))
        .iter()
        .map(|m| m["id"].as_str().expect("a member has an id").to_owned())
        .collect()
}

pub fn list(server: &TestServer, http: &Client, path_and_query: &str) -> Value {
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
pub fn amount(value: &Value) -> f64 {
    match value {
        Value::String(s) => s.parse().unwrap_or_else(|_| panic!("a decimal: {value}")),
        Value::Number(n) => n.as_f64().unwrap(),
        _ => panic!("an amount: {value}"),
    }
}

pub fn urlencode(text: &str) -> String {
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

/// Writes a raw HTTP/1.1 request and reads what comes back until the server closes. The server
/// may answer and close before reading the whole request: a failed write or a reset after the
/// answer is not an error here.
pub fn raw_exchange(server: &TestServer, request: &[u8]) -> String {
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

pub fn place(server: &TestServer, name: &str) -> Value {
    json!({ "@context": context_url(server), "type": "Place", "name": name })
}

pub fn store_url(server: &TestServer, graph: &str) -> String {
    format!("{}?graph={}", server.url("/store"), urlencode(graph))
}
