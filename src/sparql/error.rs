//! What can go wrong with a query or an update; `http::error` maps each case to a status code.

use super::QueryForm;
use std::time::Duration;

#[derive(Debug, thiserror::Error)]
pub enum QueryError {
    #[error("SPARQL syntax error: {0}")]
    Syntax(String),
    #[error("invalid {parameter} {given:?}: {reason}")]
    InvalidGraph {
        parameter: &'static str,
        given: String,
        reason: String,
    },
    #[error("unknown format {given:?} for a {form:?} query; use one of: {}", match form {
        QueryForm::Select | QueryForm::Ask => "json, xml, csv, tsv",
        _ => "turtle, ntriples, nquads, rdfxml, jsonld, trig",
    })]
    UnknownFormat { given: String, form: QueryForm },
    #[error("none of the media types in Accept is available here; available: {}", .0.join(", "))]
    NotAcceptable(Vec<&'static str>),
    #[error("the update has USING clauses and the request using-graph-uri parameters: use one or the other")]
    UsingTwice,
    #[error("the results are larger than {0} bytes: add a LIMIT or narrow the query")]
    ResultsTooLarge(usize),
    #[error("SERVICE call failed: {0}")]
    Service(String),
    #[error("query evaluation failed: {0}")]
    Evaluation(String),
    #[error("update failed: {0}")]
    Update(String),
    #[error("the query was stopped after the {}-second timeout", .0.as_secs())]
    Timeout(Duration),
    /// Every query slot is taken (by queries still running, maybe past their timeout).
    #[error("every query slot is taken by queries still running: try again later")]
    Busy,
    /// Every slot was taken and this query, the oldest of the busiest client, gave way.
    #[error(
        "the service is busy and this query, the oldest of its client, gave way: try again later"
    )]
    Evicted,
    #[error("internal error")]
    Internal(#[source] anyhow::Error),
}
