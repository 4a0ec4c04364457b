//! The W3C SPARQL 1.1 Protocol tests (w3c/rdf-tests, sparql/sparql11/protocol) against the real
//! server over real HTTP.
//!
//! Each test gets a fresh server (empty store, admin token set); the files of its
//! `ut:graphData` are loaded into the named graphs their `rdfs:label` gives (and `qt:data` /
//! `ut:data`, if any, into the default graph) with SPARQL Update; then its requests are sent as
//! written, with `/sparql/` rewritten to our `/sparql` and the admin token added (the suite
//! tests the protocol, not our authorization). A response passes when its status is in one of
//! the expected classes and, for a 2xx with `mf:expectedFormat`, its body parses in the syntax
//! its Content-Type announces (and carries `mf:expectedBoolean` when there is one).
//!
//! Two tests pass for a reason weaker than the one the suite means: `bad_query_non_utf8` and
//! `bad_update_non_utf8` get their 400 because the UTF-16 body is not valid UTF-8, not because
//! the server looks at `charset=UTF-16` (it ignores the parameter).

use crate::common::{client, TestServer};
use crate::exchange::send;
use crate::manifest::{HttpTest, Request};
use lieux_communs::rdf::{self, Contexts};
use oxigraph::io::{RdfFormat, RdfParser, RdfSerializer};
use oxigraph::model::{GraphName, TripleRef};
use oxigraph::sparql::results::{
    QueryResultsFormat, QueryResultsParser, SliceQueryResultsParserOutput,
};

pub const ADMIN_TOKEN: &str = "w3c-sparql-protocol-suite";

/// Loads the test's data with SPARQL Update, as N-Triples inside INSERT DATA.
pub fn preload(
    server: &TestServer,
    http: &reqwest::blocking::Client,
    test: &HttpTest,
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
    let answer = send(server, http, request, &path, ADMIN_TOKEN, &[])?;
    if !answer.status.is_success() {
        return Ok(());
    }
    match request.expected_format.as_deref() {
        None => Ok(()),
        Some("boolean") => {
            match parse_results(&answer.content_type, &answer.body).map_err(|e| answer.fail(e))? {
                Results::Boolean(value) => match request.expected_boolean {
                    Some(expected) if expected != value => {
                        Err(answer.fail(format!("expected {expected}, got {value}")))
                    }
                    _ => Ok(()),
                },
                Results::Solutions => Err(answer.fail("expected a boolean, got solutions")),
            }
        }
        Some("tabular") => {
            match parse_results(&answer.content_type, &answer.body).map_err(|e| answer.fail(e))? {
                Results::Solutions => Ok(()),
                Results::Boolean(_) => Err(answer.fail("expected solutions, got a boolean")),
            }
        }
        Some("RDF") => {
            let format = RdfFormat::from_media_type(&answer.content_type)
                .ok_or_else(|| answer.fail("not an RDF media type"))?;
            rdf::parse(
                &answer.body,
                format,
                &server.base,
                &GraphName::DefaultGraph,
                false,
                &Contexts::default(),
            )
            .map(drop)
            .map_err(|e| answer.fail(format!("the RDF does not parse ({e})")))
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

/// Runs one test on a server of its own.
pub fn run(test: &HttpTest) -> Result<(), String> {
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
