//! The W3C SPARQL 1.1 Protocol tests (w3c/rdf-tests, sparql/sparql11/protocol, copied under
//! `../shared/suites/sparql/protocol/`) against the real server over real HTTP.
//!
//! The manifest is read with Oxigraph and walked in order. Each test gets a fresh server (empty
//! store, admin token set); the files of its `ut:graphData` are loaded into the named graphs
//! their `rdfs:label` gives (and `qt:data` / `ut:data`, if any, into the default graph) with
//! SPARQL Update; then its requests are sent as written, with `/sparql/` rewritten to our
//! `/sparql` and the admin token added (the suite tests the protocol, not our authorization).
//! A response passes when its status is in one of the expected classes and, for a 2xx with
//! `mf:expectedFormat`, its body parses in the syntax its Content-Type announces (and carries
//! `mf:expectedBoolean` when there is one).
//!
//! Run with `cargo test --test w3c_sparql_protocol -- --nocapture` to see the failures and the
//! score.

mod common;

use common::{client, shared_path, TestServer};
use lieux_communs::rdf::{self, Contexts};
use oxigraph::io::{RdfFormat, RdfParser, RdfSerializer};
use oxigraph::model::vocab::{rdf as rdf_ns, rdfs};
use oxigraph::model::{
    Graph, GraphName, LiteralRef, NamedNodeRef, NamedOrBlankNodeRef, TermRef, TripleRef,
};
use oxigraph::sparql::results::{
    QueryResultsFormat, QueryResultsParser, SliceQueryResultsParserOutput,
};
use std::path::{Path, PathBuf};

/// The number of tests that pass today (all of them): a lower score is a regression.
///
/// No test is known to fail. Two pass for a reason weaker than the one the suite means:
/// `bad_query_non_utf8` and `bad_update_non_utf8` get their 400 because the UTF-16 body is not
/// valid UTF-8, not because the server looks at `charset=UTF-16` (it ignores the parameter).
const EXPECTED_PASSES: usize = 34;

const ADMIN_TOKEN: &str = "w3c-sparql-protocol-suite";
const MANIFEST: &str = "suites/sparql/protocol/manifest.ttl";

const HTS_STATUS_CODE: &str = "http://www.w3.org/2011/http-statusCodes#StatusCode";

const MF_MANIFEST: NamedNodeRef<'static> =
    iri("http://www.w3.org/2001/sw/DataAccess/tests/test-manifest#Manifest");
const MF_ENTRIES: NamedNodeRef<'static> =
    iri("http://www.w3.org/2001/sw/DataAccess/tests/test-manifest#entries");
const MF_NAME: NamedNodeRef<'static> =
    iri("http://www.w3.org/2001/sw/DataAccess/tests/test-manifest#name");
const MF_ACTION: NamedNodeRef<'static> =
    iri("http://www.w3.org/2001/sw/DataAccess/tests/test-manifest#action");
const MF_EXPECTED_STATUS: NamedNodeRef<'static> =
    iri("http://www.w3.org/2001/sw/DataAccess/tests/test-manifest#expectedStatus");
const MF_EXPECTED_FORMAT: NamedNodeRef<'static> =
    iri("http://www.w3.org/2001/sw/DataAccess/tests/test-manifest#expectedFormat");
const MF_EXPECTED_BOOLEAN: NamedNodeRef<'static> =
    iri("http://www.w3.org/2001/sw/DataAccess/tests/test-manifest#expectedBoolean");
const QT_DATA: NamedNodeRef<'static> =
    iri("http://www.w3.org/2001/sw/DataAccess/tests/test-query#data");
const QT_GRAPH_DATA: NamedNodeRef<'static> =
    iri("http://www.w3.org/2001/sw/DataAccess/tests/test-query#graphData");
const UT_DATA: NamedNodeRef<'static> = iri("http://www.w3.org/2009/sparql/tests/test-update#data");
const UT_GRAPH_DATA: NamedNodeRef<'static> =
    iri("http://www.w3.org/2009/sparql/tests/test-update#graphData");
const UT_GRAPH: NamedNodeRef<'static> =
    iri("http://www.w3.org/2009/sparql/tests/test-update#graph");
const HT_REQUESTS: NamedNodeRef<'static> = iri("http://www.w3.org/2011/http#requests");
const HT_METHOD_NAME: NamedNodeRef<'static> = iri("http://www.w3.org/2011/http#methodName");
const HT_ABSOLUTE_PATH: NamedNodeRef<'static> = iri("http://www.w3.org/2011/http#absolutePath");
const HT_HEADERS: NamedNodeRef<'static> = iri("http://www.w3.org/2011/http#headers");
const HT_FIELD_NAME: NamedNodeRef<'static> = iri("http://www.w3.org/2011/http#fieldName");
const HT_FIELD_VALUE: NamedNodeRef<'static> = iri("http://www.w3.org/2011/http#fieldValue");
const HT_BODY: NamedNodeRef<'static> = iri("http://www.w3.org/2011/http#body");
const HT_RESP: NamedNodeRef<'static> = iri("http://www.w3.org/2011/http#resp");
const CNT_CHARS: NamedNodeRef<'static> = iri("http://www.w3.org/2011/content#chars");
const CNT_BYTES: NamedNodeRef<'static> = iri("http://www.w3.org/2011/content#bytes");
const CNT_CHARACTER_ENCODING: NamedNodeRef<'static> =
    iri("http://www.w3.org/2011/content#characterEncoding");

const fn iri(value: &'static str) -> NamedNodeRef<'static> {
    NamedNodeRef::new_unchecked(value)
}

/// One test of the manifest.
struct ProtocolTest {
    /// The local name of the test IRI (`query_post_form`…).
    id: String,
    name: String,
    /// (file, graph IRI); `None` for the default graph.
    data: Vec<(PathBuf, Option<String>)>,
    requests: Vec<Request>,
}

struct Request {
    method: String,
    absolute_path: String,
    headers: Vec<(String, String)>,
    body: Option<Vec<u8>>,
    /// Status classes: 2 for `hts:StatusCode2xx`…
    expected_status: Vec<u16>,
    expected_format: Option<String>,
    expected_boolean: Option<bool>,
}

/// The manifest graph and the questions the runner asks it.
struct Manifest {
    graph: Graph,
}

impl Manifest {
    fn load(path: &Path) -> Self {
        let data = std::fs::read(path)
            .unwrap_or_else(|e| panic!("cannot read the manifest {}: {e}", path.display()));
        let base = url::Url::from_file_path(path).expect("an absolute manifest path");
        let mut graph = Graph::new();
        let parser = RdfParser::from_format(RdfFormat::Turtle)
            .with_base_iri(base.as_str())
            .expect("a file URL is a valid base IRI");
        for quad in parser.for_slice(&data) {
            let quad = quad.unwrap_or_else(|e| panic!("{}: {e}", path.display()));
            graph.insert(TripleRef::from(quad.as_ref()));
        }
        Self { graph }
    }

    fn object<'a>(
        &'a self,
        subject: NamedOrBlankNodeRef<'_>,
        predicate: NamedNodeRef<'_>,
    ) -> Option<TermRef<'a>> {
        self.graph.object_for_subject_predicate(subject, predicate)
    }

    fn objects<'a>(
        &'a self,
        subject: NamedOrBlankNodeRef<'a>,
        predicate: NamedNodeRef<'a>,
    ) -> impl Iterator<Item = TermRef<'a>> + 'a {
        self.graph.objects_for_subject_predicate(subject, predicate)
    }

    fn node<'a>(
        &'a self,
        subject: NamedOrBlankNodeRef<'_>,
        predicate: NamedNodeRef<'_>,
    ) -> Option<NamedOrBlankNodeRef<'a>> {
        self.object(subject, predicate).and_then(as_node)
    }

    fn literal<'a>(
        &'a self,
        subject: NamedOrBlankNodeRef<'_>,
        predicate: NamedNodeRef<'_>,
    ) -> Option<LiteralRef<'a>> {
        match self.object(subject, predicate)? {
            TermRef::Literal(literal) => Some(literal),
            _ => None,
        }
    }

    fn string(
        &self,
        subject: NamedOrBlankNodeRef<'_>,
        predicate: NamedNodeRef<'_>,
    ) -> Option<String> {
        self.literal(subject, predicate)
            .map(|l| l.value().to_owned())
    }

    /// The members of the rdf:List that starts at `head`, in order.
    fn list<'a>(&'a self, head: TermRef<'a>) -> Vec<TermRef<'a>> {
        let mut items = Vec::new();
        let mut current = head;
        while current != TermRef::NamedNode(rdf_ns::NIL) {
            let node = as_node(current).expect("an rdf:List node is an IRI or a blank node");
            items.push(
                self.object(node, rdf_ns::FIRST)
                    .expect("an rdf:List node has rdf:first"),
            );
            current = self
                .object(node, rdf_ns::REST)
                .expect("an rdf:List node has rdf:rest");
        }
        items
    }

    fn tests(&self) -> Vec<ProtocolTest> {
        let manifest = self
            .graph
            .subject_for_predicate_object(rdf_ns::TYPE, MF_MANIFEST)
            .expect("the manifest has an mf:Manifest");
        let entries = self
            .object(manifest, MF_ENTRIES)
            .expect("the manifest has mf:entries");
        self.list(entries)
            .into_iter()
            .map(|entry| self.test(as_node(entry).expect("a test is an IRI or a blank node")))
            .collect()
    }

    fn test(&self, test: NamedOrBlankNodeRef<'_>) -> ProtocolTest {
        let id = match test {
            NamedOrBlankNodeRef::NamedNode(n) => n
                .as_str()
                .rsplit(['#', '/'])
                .next()
                .unwrap_or(n.as_str())
                .to_owned(),
            NamedOrBlankNodeRef::BlankNode(b) => b.to_string(),
        };
        let action = self.node(test, MF_ACTION).expect("a test has an mf:action");
        // Data may hang on the test (as in this manifest) or on its action (as in the query
        // and update suites).
        let mut data = Vec::new();
        for holder in [test, action] {
            for predicate in [QT_DATA, UT_DATA] {
                for file in self.objects(holder, predicate) {
                    data.push((file_path(file), None));
                }
            }
            for file in self.objects(holder, QT_GRAPH_DATA) {
                let graph = match file {
                    TermRef::NamedNode(n) => n.as_str().to_owned(),
                    other => panic!("{id}: unexpected qt:graphData {other}"),
                };
                data.push((file_path(file), Some(graph)));
            }
            for graph_data in self.objects(holder, UT_GRAPH_DATA) {
                let graph_data = as_node(graph_data).expect("ut:graphData is a node");
                let file = self
                    .object(graph_data, UT_GRAPH)
                    .expect("ut:graphData has ut:graph");
                let label = self.string(graph_data, rdfs::LABEL);
                let graph = label.unwrap_or_else(|| file_iri(file).to_owned());
                data.push((file_path(file), Some(graph)));
            }
        }
        let requests = self
            .object(action, HT_REQUESTS)
            .map(|head| self.list(head))
            .unwrap_or_default()
            .into_iter()
            .map(|request| self.request(as_node(request).expect("a request is a node")))
            .collect();
        ProtocolTest {
            name: self.string(test, MF_NAME).unwrap_or_else(|| id.clone()),
            id,
            data,
            requests,
        }
    }

    fn request(&self, request: NamedOrBlankNodeRef<'_>) -> Request {
        let headers = self
            .object(request, HT_HEADERS)
            .map(|head| self.list(head))
            .unwrap_or_default()
            .into_iter()
            .map(|header| {
                let header = as_node(header).expect("a header is a node");
                (
                    self.string(header, HT_FIELD_NAME)
                        .expect("a header has ht:fieldName"),
                    self.string(header, HT_FIELD_VALUE).unwrap_or_default(),
                )
            })
            .collect();
        let body = self.node(request, HT_BODY).map(|body| self.body(body));
        let response = self
            .node(request, HT_RESP)
            .expect("a request has an ht:resp");
        let expected_status = self
            .objects(response, MF_EXPECTED_STATUS)
            .filter_map(|status| match status {
                TermRef::NamedNode(n) => n.as_str().strip_prefix(HTS_STATUS_CODE),
                _ => None,
            })
            .filter_map(|class| class.strip_suffix("xx")?.parse().ok())
            .collect();
        Request {
            method: self
                .string(request, HT_METHOD_NAME)
                .expect("a request has ht:methodName"),
            absolute_path: self
                .string(request, HT_ABSOLUTE_PATH)
                .expect("a request has ht:absolutePath"),
            headers,
            body,
            expected_status,
            expected_format: self.string(response, MF_EXPECTED_FORMAT),
            expected_boolean: self
                .literal(response, MF_EXPECTED_BOOLEAN)
                .map(|l| matches!(l.value(), "true" | "1")),
        }
    }

    /// The bytes a `cnt:Content` stands for: text in its `cnt:characterEncoding`, or base64.
    fn body(&self, body: NamedOrBlankNodeRef<'_>) -> Vec<u8> {
        if let Some(chars) = self.string(body, CNT_CHARS) {
            let encoding = self
                .string(body, CNT_CHARACTER_ENCODING)
                .unwrap_or_else(|| "UTF-8".into());
            return encode(&chars, &encoding);
        }
        if let Some(bytes) = self.string(body, CNT_BYTES) {
            return decode_base64(&bytes);
        }
        panic!("unsupported ht:body content: neither cnt:chars nor cnt:bytes")
    }
}

fn as_node(term: TermRef<'_>) -> Option<NamedOrBlankNodeRef<'_>> {
    match term {
        TermRef::NamedNode(n) => Some(n.into()),
        TermRef::BlankNode(b) => Some(b.into()),
        _ => None,
    }
}

fn file_iri(term: TermRef<'_>) -> &str {
    match term {
        TermRef::NamedNode(n) => n.as_str(),
        other => panic!("a data file is named by an IRI, not {other}"),
    }
}

fn file_path(term: TermRef<'_>) -> PathBuf {
    let iri = file_iri(term);
    url::Url::parse(iri)
        .ok()
        .and_then(|url| url.to_file_path().ok())
        .unwrap_or_else(|| panic!("data file <{iri}> is not a local file"))
}

/// Text as the bytes of a character encoding; "UTF-16" is big-endian with a byte order mark,
/// as RFC 2781 has it.
fn encode(text: &str, encoding: &str) -> Vec<u8> {
    let utf16 = |big_endian: bool| -> Vec<u8> {
        text.encode_utf16()
            .flat_map(|unit| {
                if big_endian {
                    unit.to_be_bytes()
                } else {
                    unit.to_le_bytes()
                }
            })
            .collect()
    };
    match encoding.to_ascii_uppercase().as_str() {
        "UTF-8" | "UTF8" => text.as_bytes().to_vec(),
        "UTF-16" => [[0xFE, 0xFF].to_vec(), utf16(true)].concat(),
        "UTF-16BE" => utf16(true),
        "UTF-16LE" => utf16(false),
        "ISO-8859-1" | "LATIN1" | "US-ASCII" | "ASCII" => text
            .chars()
            .map(|c| u8::try_from(u32::from(c)).expect("a character of the encoding"))
            .collect(),
        other => panic!("unsupported cnt:characterEncoding {other}"),
    }
}

fn decode_base64(text: &str) -> Vec<u8> {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut bytes = Vec::new();
    let (mut buffer, mut bits) = (0u32, 0u32);
    for c in text
        .bytes()
        .filter(|c| !c.is_ascii_whitespace() && *c != b'=')
    {
        let value = ALPHABET
            .iter()
            .position(|a| *a == c)
            .expect("a base64 character");
        buffer = (buffer << 6) | value as u32;
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            bytes.push((buffer >> bits) as u8);
            buffer &= (1 << bits) - 1;
        }
    }
    bytes
}

/// Loads the test's data with SPARQL Update, as N-Triples inside INSERT DATA.
fn preload(
    server: &TestServer,
    http: &reqwest::blocking::Client,
    test: &ProtocolTest,
) -> Result<(), String> {
    for (file, graph) in &test.data {
        let data =
            std::fs::read(file).map_err(|e| format!("cannot read {}: {e}", file.display()))?;
        let mut triples = RdfSerializer::from_format(RdfFormat::NTriples).for_writer(Vec::new());
        for quad in RdfParser::from_format(RdfFormat::NTriples).for_slice(&data) {
            let quad = quad.map_err(|e| format!("{}: {e}", file.display()))?;
            triples
                .serialize_triple(TripleRef::from(quad.as_ref()))
                .map_err(|e| e.to_string())?;
        }
        let triples = String::from_utf8(triples.finish().map_err(|e| e.to_string())?)
            .map_err(|e| e.to_string())?;
        let update = match graph {
            Some(graph) => format!("INSERT DATA {{ GRAPH <{graph}> {{\n{triples}}} }}"),
            None => format!("INSERT DATA {{\n{triples}}}"),
        };
        let response = http
            .post(server.url("/sparql"))
            .bearer_auth(ADMIN_TOKEN)
            .header("content-type", "application/sparql-update")
            .body(update)
            .send()
            .map_err(|e| format!("preloading {}: {e}", file.display()))?;
        if !response.status().is_success() {
            return Err(format!(
                "preloading {} answered {}: {}",
                file.display(),
                response.status(),
                response.text().unwrap_or_default()
            ));
        }
    }
    Ok(())
}

/// Sends one request and checks its response.
fn check(
    server: &TestServer,
    http: &reqwest::blocking::Client,
    request: &Request,
) -> Result<(), String> {
    let path = match request.absolute_path.strip_prefix("/sparql/") {
        Some(rest) => format!("/sparql{rest}"),
        None => {
            return Err(format!(
                "ht:absolutePath {:?} is not under /sparql/",
                request.absolute_path
            ))
        }
    };
    let method = reqwest::Method::from_bytes(request.method.as_bytes())
        .map_err(|e| format!("invalid method {:?}: {e}", request.method))?;
    let mut builder = http
        .request(method, server.url(&path))
        .bearer_auth(ADMIN_TOKEN);
    for (name, value) in &request.headers {
        builder = builder.header(name, value);
    }
    if let Some(body) = &request.body {
        builder = builder.body(body.clone());
    }
    let described = format!("{} {path}", request.method);
    let response = builder.send().map_err(|e| format!("{described}: {e}"))?;
    let status = response.status();
    let content_type = response
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_owned();
    let body = response
        .bytes()
        .map_err(|e| format!("{described}: reading the body: {e}"))?;
    let answered = || {
        format!(
            "{described} answered {status} ({content_type}): {}",
            String::from_utf8_lossy(&body[..body.len().min(300)])
        )
    };
    if !request.expected_status.contains(&(status.as_u16() / 100)) {
        let expected: Vec<String> = request
            .expected_status
            .iter()
            .map(|c| format!("{c}xx"))
            .collect();
        return Err(format!(
            "expected {}; {}",
            expected.join(" or "),
            answered()
        ));
    }
    if !status.is_success() {
        return Ok(());
    }
    match request.expected_format.as_deref() {
        None => Ok(()),
        Some("boolean") => match parse_results(&content_type, &body)
            .map_err(|e| format!("{e}; {}", answered()))?
        {
            Results::Boolean(value) => match request.expected_boolean {
                Some(expected) if expected != value => {
                    Err(format!("expected {expected}, got {value}; {}", answered()))
                }
                _ => Ok(()),
            },
            Results::Solutions => Err(format!("expected a boolean, got solutions; {}", answered())),
        },
        Some("tabular") => {
            match parse_results(&content_type, &body).map_err(|e| format!("{e}; {}", answered()))? {
                Results::Solutions => Ok(()),
                Results::Boolean(_) => {
                    Err(format!("expected solutions, got a boolean; {}", answered()))
                }
            }
        }
        Some("RDF") => {
            let format = rdf::format_from_media_type(&content_type)
                .ok_or_else(|| format!("not an RDF media type; {}", answered()))?;
            rdf::parse(
                &body,
                format,
                &server.base,
                &GraphName::DefaultGraph,
                false,
                &Contexts::default(),
            )
            .map(drop)
            .map_err(|e| format!("the RDF does not parse ({e}); {}", answered()))
        }
        Some(other) => Err(format!("unknown mf:expectedFormat {other:?}")),
    }
}

enum Results {
    Boolean(bool),
    Solutions,
}

/// Parses SPARQL results in the syntax of their Content-Type. CSV cannot carry a boolean and
/// Oxigraph does not read it back: a CSV answer only has to have a header line.
fn parse_results(content_type: &str, body: &[u8]) -> Result<Results, String> {
    let format = QueryResultsFormat::from_media_type(content_type)
        .ok_or_else(|| "not a SPARQL results media type".to_owned())?;
    if format == QueryResultsFormat::Csv {
        let text = std::str::from_utf8(body).map_err(|e| format!("CSV is not UTF-8: {e}"))?;
        return match text.split_once("\r\n") {
            Some((header, _)) if !header.is_empty() => Ok(Results::Solutions),
            _ => Err("CSV results without a header line".into()),
        };
    }
    match QueryResultsParser::from_format(format).for_slice(body) {
        Ok(SliceQueryResultsParserOutput::Boolean(value)) => Ok(Results::Boolean(value)),
        Ok(SliceQueryResultsParserOutput::Solutions(solutions)) => {
            for solution in solutions {
                solution.map_err(|e| format!("the results do not parse: {e}"))?;
            }
            Ok(Results::Solutions)
        }
        Err(e) => Err(format!("the results do not parse: {e}")),
    }
}

fn run(test: &ProtocolTest) -> Result<(), String> {
    let server = TestServer::start_with(|config| {
        config.load_fixtures = false;
        config.admin_token = Some(ADMIN_TOKEN.into());
    });
    let http = client();
    preload(&server, &http, test)?;
    if test.requests.is_empty() {
        return Err("the test has no ht:requests".into());
    }
    for (index, request) in test.requests.iter().enumerate() {
        check(&server, &http, request).map_err(|e| format!("request {}: {e}", index + 1))?;
    }
    Ok(())
}

#[test]
fn w3c_sparql_protocol_suite() {
    let path = shared_path(MANIFEST);
    let path = path
        .canonicalize()
        .unwrap_or_else(|e| panic!("the suite is missing at {}: {e}", path.display()));
    let tests = Manifest::load(&path).tests();
    assert!(!tests.is_empty(), "no test in {}", path.display());
    let mut failed = 0;
    for test in &tests {
        if let Err(reason) = run(test) {
            failed += 1;
            eprintln!("FAIL {} ({}): {reason}", test.id, test.name);
        }
    }
    let passed = tests.len() - failed;
    eprintln!("SPARQL protocol: {passed} passed, {failed} failed");
    assert!(
        passed >= EXPECTED_PASSES,
        "SPARQL protocol: {passed} tests pass, fewer than the {EXPECTED_PASSES} that passed before"
    );
}
