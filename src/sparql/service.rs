//! `SERVICE`: a query reaches only the endpoints of the configured allow-list
//! (`federation.service_allow_list`), within what is left of the query's time; any other is
//! refused before a request is made.

use crate::federation::client_builder;
use oxigraph::model::NamedNode;
use oxigraph::sparql::results::{
    QueryResultsFormat, QueryResultsParser, ReaderQueryResultsParserOutput,
};
use oxigraph::sparql::{DefaultServiceHandler, QueryEvaluationError, QuerySolutionIter};
use spargebra::algebra::GraphPattern;
use std::io::Read;
use std::sync::Arc;
use std::time::{Duration, Instant};

pub struct AllowListServiceHandler {
    allowed: Arc<Vec<String>>,
    roots: Arc<Vec<reqwest::Certificate>>,
    deadline: Instant,
    /// A partner's answer is read whole before it is parsed: bounded as our own answers are
    /// (`max_result_bytes`), so that an endpoint of the allow-list cannot fill our memory.
    max_answer_bytes: usize,
}

impl AllowListServiceHandler {
    pub fn new(
        allowed: Arc<Vec<String>>,
        roots: Arc<Vec<reqwest::Certificate>>,
        timeout: Duration,
        max_answer_bytes: usize,
    ) -> Self {
        Self {
            allowed,
            roots,
            deadline: Instant::now() + timeout,
            max_answer_bytes,
        }
    }
}

/// Why a call to `endpoint` is refused.
pub fn not_allowed(endpoint: &str, allowed: &[String]) -> String {
    format!(
        "SERVICE <{endpoint}> is not on this server's allow-list (federation.service_allow_list){}",
        if allowed.is_empty() {
            ", which is empty".to_owned()
        } else {
            format!(": {}", allowed.join(", "))
        }
    )
}

fn service_error(message: String) -> QueryEvaluationError {
    QueryEvaluationError::Service(message.into())
}

impl DefaultServiceHandler for AllowListServiceHandler {
    type Error = QueryEvaluationError;

    fn handle(
        &self,
        service_name: &NamedNode,
        pattern: &GraphPattern,
        base_iri: Option<&oxiri::Iri<String>>,
    ) -> Result<QuerySolutionIter<'static>, Self::Error> {
        if !self.allowed.iter().any(|a| a == service_name.as_str()) {
            return Err(service_error(not_allowed(
                service_name.as_str(),
                &self.allowed,
            )));
        }
        let remaining = self.deadline.saturating_duration_since(Instant::now());
        if remaining.is_zero() {
            return Err(QueryEvaluationError::Cancelled);
        }
        let query = spargebra::Query::Select {
            dataset: None,
            pattern: pattern.clone(),
            base_iri: base_iri.cloned(),
        }
        .to_string();
        let client = client_builder(&self.roots)
            .timeout(remaining)
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(|e| service_error(format!("cannot build the HTTP client: {e}")))?;
        let response = client
            .post(service_name.as_str())
            .header("content-type", "application/sparql-query")
            .header(
                "accept",
                "application/sparql-results+json, application/sparql-results+xml",
            )
            .body(query)
            .send()
            .map_err(|e| service_error(format!("SERVICE <{}>: {e}", service_name.as_str())))?;
        if !response.status().is_success() {
            return Err(service_error(format!(
                "SERVICE <{}> answered {}",
                service_name.as_str(),
                response.status()
            )));
        }
        let content_type = response
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned();
        let format = QueryResultsFormat::from_media_type(&content_type).ok_or_else(|| {
            service_error(format!(
                "SERVICE <{}> answered with {content_type:?}, not SPARQL results",
                service_name.as_str()
            ))
        })?;
        let mut body = Vec::new();
        let limit = self.max_answer_bytes as u64;
        response
            .take(limit + 1)
            .read_to_end(&mut body)
            .map_err(|e| service_error(format!("SERVICE <{}>: {e}", service_name.as_str())))?;
        if body.len() as u64 > limit {
            return Err(service_error(format!(
                "SERVICE <{}> answered more than {limit} bytes (max_result_bytes)",
                service_name.as_str()
            )));
        }
        let ReaderQueryResultsParserOutput::Solutions(reader) =
            QueryResultsParser::from_format(format)
                .for_reader(std::io::Cursor::new(body))
                .map_err(|e| {
                    service_error(format!(
                        "SERVICE <{}>: invalid results: {e}",
                        service_name.as_str()
                    ))
                })?
        else {
            return Err(service_error(format!(
                "SERVICE <{}> did not answer solutions",
                service_name.as_str()
            )));
        };
        let variables: Arc<[oxigraph::sparql::Variable]> = reader.variables().into();
        Ok(QuerySolutionIter::new(
            variables,
            Box::new(reader.map(|s| s.map_err(|e| QueryEvaluationError::Service(Box::new(e))))),
        ))
    }
}
