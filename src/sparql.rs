//! SPARQL 1.1 over the store: query parsing, the protocol's dataset, the union default graph,
//! the timeout, content negotiation of results and their serialization.

use crate::http::error::{Error, Result};
use crate::rdf;
use crate::store::AppStore;
use oxigraph::io::RdfFormat;
use oxigraph::model::{GraphName, NamedNode, NamedOrBlankNode};
use oxigraph::sparql::results::{QueryResultsFormat, QueryResultsSerializer};
use oxigraph::sparql::{
    CancellationToken, DefaultServiceHandler, QueryEvaluationError, QueryResults, SparqlEvaluator,
};
use spargebra::SparqlParser;
use std::sync::Arc;
use std::time::Duration;

/// What a query produces decides which formats can answer it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum QueryForm {
    Select,
    Ask,
    Construct,
    Describe,
}

/// A result format: tabular (SELECT/ASK) or RDF (CONSTRUCT/DESCRIBE).
#[derive(Clone, Copy, Debug)]
pub enum ResultFormat {
    Results(QueryResultsFormat),
    Graph(RdfFormat),
}

impl ResultFormat {
    pub fn media_type(self) -> &'static str {
        match self {
            // Browsers that ask for `format=csv` should see text, with a charset.
            Self::Results(QueryResultsFormat::Csv) => "text/csv; charset=utf-8",
            Self::Results(QueryResultsFormat::Tsv) => "text/tab-separated-values; charset=utf-8",
            Self::Results(f) => f.media_type(),
            Self::Graph(f) => f.media_type(),
        }
    }
}

const RESULT_FORMATS: &[(&str, QueryResultsFormat)] = &[
    ("application/sparql-results+json", QueryResultsFormat::Json),
    ("application/sparql-results+xml", QueryResultsFormat::Xml),
    ("text/csv", QueryResultsFormat::Csv),
    ("text/tab-separated-values", QueryResultsFormat::Tsv),
    ("application/json", QueryResultsFormat::Json),
    ("application/xml", QueryResultsFormat::Xml),
];

const GRAPH_FORMATS: &[(&str, RdfFormat)] = &[
    ("text/turtle", RdfFormat::Turtle),
    ("application/n-triples", RdfFormat::NTriples),
    ("application/n-quads", RdfFormat::NQuads),
    ("application/rdf+xml", RdfFormat::RdfXml),
    ("application/ld+json", rdf::JSON_LD),
    ("application/trig", RdfFormat::TriG),
    ("text/plain", RdfFormat::NTriples),
];

impl QueryForm {
    /// Picks the result format from the `format` parameter (a short name or a media type), or
    /// else from Accept.
    pub fn result_format(self, accept: Option<&str>, format: Option<&str>) -> Result<ResultFormat> {
        let tabular = matches!(self, Self::Select | Self::Ask);
        if let Some(name) = format {
            let found = if tabular {
                match name.to_ascii_lowercase().as_str() {
                    "json" | "srj" => Some(QueryResultsFormat::Json),
                    "xml" | "srx" => Some(QueryResultsFormat::Xml),
                    "csv" => Some(QueryResultsFormat::Csv),
                    "tsv" => Some(QueryResultsFormat::Tsv),
                    other => QueryResultsFormat::from_media_type(other),
                }
                .map(ResultFormat::Results)
            } else {
                rdf::format_from_name(name).map(ResultFormat::Graph)
            };
            return found.ok_or_else(|| {
                Error::BadRequest(format!(
                    "unknown format {name:?} for a {self:?} query; use one of: {}",
                    if tabular {
                        "json, xml, csv, tsv"
                    } else {
                        "turtle, ntriples, nquads, rdfxml, jsonld, trig"
                    }
                ))
            });
        }
        if tabular {
            let offered: Vec<&str> = RESULT_FORMATS.iter().map(|(m, _)| *m).collect();
            rdf::negotiate(accept, &offered)
                .map(|i| ResultFormat::Results(RESULT_FORMATS[i].1))
                .ok_or_else(|| Error::NotAcceptable(offered))
        } else {
            let offered: Vec<&str> = GRAPH_FORMATS.iter().map(|(m, _)| *m).collect();
            rdf::negotiate(accept, &offered)
                .map(|i| ResultFormat::Graph(GRAPH_FORMATS[i].1))
                .ok_or_else(|| Error::NotAcceptable(offered))
        }
    }
}

/// A parsed query with its protocol dataset.
pub struct ParsedQuery {
    query: spargebra::Query,
    pub form: QueryForm,
    default_graphs: Vec<NamedNode>,
    named_graphs: Vec<NamedNode>,
}

/// Parses a query; `default-graph-uri` and `named-graph-uri` of the protocol override the
/// query's FROM / FROM NAMED.
pub fn parse_query(
    query: &str,
    base_iri: &str,
    default_graph_uris: &[String],
    named_graph_uris: &[String],
) -> Result<ParsedQuery> {
    let query = SparqlParser::new()
        .with_base_iri(base_iri)
        .map_err(Error::internal)?
        .parse_query(query)
        .map_err(|e| Error::BadRequest(format!("SPARQL syntax error: {e}")))?;
    let form = match &query {
        spargebra::Query::Select { .. } => QueryForm::Select,
        spargebra::Query::Ask { .. } => QueryForm::Ask,
        spargebra::Query::Construct { .. } => QueryForm::Construct,
        spargebra::Query::Describe { .. } => QueryForm::Describe,
    };
    let iris = |uris: &[String], what: &str| -> Result<Vec<NamedNode>> {
        uris.iter()
            .map(|u| {
                NamedNode::new(u)
                    .map_err(|e| Error::BadRequest(format!("invalid {what} {u:?}: {e}")))
            })
            .collect()
    };
    Ok(ParsedQuery {
        query,
        form,
        default_graphs: iris(default_graph_uris, "default-graph-uri")?,
        named_graphs: iris(named_graph_uris, "named-graph-uri")?,
    })
}

/// How long after its timeout a query that did not stop is answered for anyway.
const TIMEOUT_GRACE: Duration = Duration::from_millis(200);

/// How queries are evaluated: timeout and the SERVICE handler.
#[derive(Clone)]
pub struct QueryEngine {
    pub timeout: Duration,
    /// Serialized answers larger than this are refused rather than held in memory.
    pub max_result_bytes: usize,
    /// One permit per query being evaluated; a query past its timeout keeps its own until
    /// its thread ends.
    running: Arc<tokio::sync::Semaphore>,
    service_handler: Option<Arc<dyn Fn() -> Box<dyn ServiceHandlerFactory> + Send + Sync>>,
}

/// Builds the SERVICE handler for one evaluation (it carries the evaluation's deadline).
pub trait ServiceHandlerFactory: Send {
    fn attach(self: Box<Self>, evaluator: SparqlEvaluator) -> SparqlEvaluator;
}

impl<H: DefaultServiceHandler + Send + 'static> ServiceHandlerFactory for H {
    fn attach(self: Box<Self>, evaluator: SparqlEvaluator) -> SparqlEvaluator {
        evaluator.with_default_service_handler(*self)
    }
}

impl QueryEngine {
    pub fn new(timeout: Duration) -> Self {
        Self {
            timeout,
            max_result_bytes: 100_000_000,
            running: Arc::new(tokio::sync::Semaphore::new(16)),
            service_handler: None,
        }
    }

    /// How many queries are evaluated at once (at least one).
    pub fn set_max_running(&mut self, queries: usize) {
        self.running = Arc::new(tokio::sync::Semaphore::new(queries.max(1)));
    }

    pub fn with_service_handler(
        mut self,
        factory: impl Fn() -> Box<dyn ServiceHandlerFactory> + Send + Sync + 'static,
    ) -> Self {
        self.service_handler = Some(Arc::new(factory));
        self
    }

    fn evaluator(&self, token: &CancellationToken) -> SparqlEvaluator {
        let evaluator = SparqlEvaluator::new().with_cancellation_token(token.clone());
        match &self.service_handler {
            Some(factory) => factory().attach(evaluator),
            None => evaluator,
        }
    }

    /// Evaluates and serializes the whole answer on a blocking thread; a timer cancels the
    /// evaluation at the timeout, wherever it is.
    pub async fn execute(
        &self,
        store: &AppStore,
        parsed: ParsedQuery,
        format: ResultFormat,
    ) -> Result<Vec<u8>> {
        let permit = self.running.clone().try_acquire_owned().map_err(|_| {
            Error::Busy(
                "every query slot is taken by queries still running: try again later".into(),
            )
        })?;
        let token = CancellationToken::new();
        let evaluator = self.evaluator(&token);
        let store = store.store.clone();
        let timeout = self.timeout;
        let timer = {
            let token = token.clone();
            tokio::spawn(async move {
                tokio::time::sleep(timeout).await;
                token.cancel();
            })
        };
        let token_in_thread = token.clone();
        let limit = self.max_result_bytes;
        let evaluation = tokio::task::spawn_blocking(move || {
            let _permit = permit;
            let mut prepared = evaluator.for_query(parsed.query);
            let dataset = prepared.dataset_mut();
            if !parsed.default_graphs.is_empty() || !parsed.named_graphs.is_empty() {
                dataset.set_default_graph(
                    parsed
                        .default_graphs
                        .into_iter()
                        .map(GraphName::NamedNode)
                        .collect(),
                );
                dataset.set_available_named_graphs(
                    parsed
                        .named_graphs
                        .into_iter()
                        .map(NamedOrBlankNode::NamedNode)
                        .collect(),
                );
            } else if dataset.is_default_dataset() {
                dataset.set_default_graph_as_union();
            }
            let results = prepared.on_store(&store).execute()?;
            serialize_results(results, format, &token_in_thread, limit)
        });
        // The evaluator checks the token when it reads the store, not inside joins it holds in
        // memory: the answer does not wait for such a join to end. Its thread runs on, its
        // result thrown away.
        let Ok(outcome) =
            tokio::time::timeout(timeout.saturating_add(TIMEOUT_GRACE), evaluation).await
        else {
            token.cancel();
            tracing::warn!(?timeout, "a query is still running after its timeout");
            return Err(Error::Timeout(timeout));
        };
        timer.abort();
        match outcome.map_err(Error::internal)? {
            Ok(body) => Ok(body),
            Err(QueryEvaluationError::Cancelled) => Err(Error::Timeout(timeout)),
            Err(e) if token.is_cancelled() => {
                tracing::debug!(error = %e, "query stopped by its timeout");
                Err(Error::Timeout(timeout))
            }
            Err(QueryEvaluationError::Unexpected(e)) if too_large(e.as_ref()).is_some() => {
                Err(Error::BadRequest(format!(
                    "the results are larger than {} bytes: add a LIMIT or narrow the query",
                    too_large(e.as_ref()).unwrap_or_default()
                )))
            }
            Err(e) => Err(evaluation_error(e)),
        }
    }
}

#[derive(Debug, thiserror::Error)]
#[error("the results are larger than {0} bytes")]
struct ResultsTooLarge(usize);

fn too_large(e: &(dyn std::error::Error + 'static)) -> Option<usize> {
    let io = e.downcast_ref::<std::io::Error>()?;
    io.get_ref()?.downcast_ref::<ResultsTooLarge>().map(|t| t.0)
}

/// An in-memory answer that refuses to grow past its limit.
struct Bounded {
    buffer: Vec<u8>,
    limit: usize,
}

impl std::io::Write for Bounded {
    fn write(&mut self, data: &[u8]) -> std::io::Result<usize> {
        if self.buffer.len() + data.len() > self.limit {
            return Err(std::io::Error::other(ResultsTooLarge(self.limit)));
        }
        self.buffer.extend_from_slice(data);
        Ok(data.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Errors of the query itself (a failing SERVICE, a refused endpoint) are the client's; the
/// store's are ours.
fn evaluation_error(e: QueryEvaluationError) -> Error {
    match e {
        QueryEvaluationError::Dataset(_) | QueryEvaluationError::Unexpected(_) => {
            Error::internal(e)
        }
        QueryEvaluationError::Service(cause) => {
            Error::BadRequest(format!("SERVICE call failed: {cause}"))
        }
        other => Error::BadRequest(format!("query evaluation failed: {other}")),
    }
}

/// Serializes while checking the deadline between solutions: the engine checks it only when it
/// reads the store, and a join computed in memory can stream results without reading it.
fn serialize_results(
    results: QueryResults<'_>,
    format: ResultFormat,
    token: &CancellationToken,
    limit: usize,
) -> Result<Vec<u8>, QueryEvaluationError> {
    let sink = || Bounded {
        buffer: Vec::new(),
        limit,
    };
    let alive = || {
        if token.is_cancelled() {
            Err(QueryEvaluationError::Cancelled)
        } else {
            Ok(())
        }
    };
    let io = |e: std::io::Error| QueryEvaluationError::Unexpected(Box::new(e));
    match (results, format) {
        (QueryResults::Boolean(value), ResultFormat::Results(f)) => {
            QueryResultsSerializer::from_format(f)
                .serialize_boolean_to_writer(sink(), value)
                .map(|w| w.buffer)
                .map_err(io)
        }
        (QueryResults::Solutions(solutions), ResultFormat::Results(f)) => {
            let mut writer = QueryResultsSerializer::from_format(f)
                .serialize_solutions_to_writer(sink(), solutions.variables().to_vec())
                .map_err(io)?;
            for solution in solutions {
                alive()?;
                writer.serialize(&solution?).map_err(io)?;
            }
            writer.finish().map(|w| w.buffer).map_err(io)
        }
        (QueryResults::Graph(triples), ResultFormat::Graph(f)) => {
            let mut writer = rdf::serializer(f).for_writer(sink());
            for triple in triples {
                alive()?;
                writer.serialize_triple(&triple?).map_err(io)?;
            }
            writer.finish().map(|w| w.buffer).map_err(io)
        }
        _ => Err(QueryEvaluationError::Unexpected(
            "the result format does not match the query form".into(),
        )),
    }
}

/// Runs a SPARQL Update against the store (the caller has checked the admin token).
/// `using-graph-uri` / `using-named-graph-uri` of the protocol apply to operations without
/// their own USING; an update that has both is an error (SPARQL 1.1 Protocol §2.2.3).
pub async fn update(
    store: &AppStore,
    update: &str,
    using_graph_uris: &[String],
    using_named_graph_uris: &[String],
) -> Result<()> {
    let mut parsed = SparqlParser::new()
        .with_base_iri(store.base.as_str())
        .map_err(Error::internal)?
        .parse_update(update)
        .map_err(|e| Error::BadRequest(format!("SPARQL syntax error: {e}")))?;
    if !using_graph_uris.is_empty() || !using_named_graph_uris.is_empty() {
        let iris = |uris: &[String]| -> Result<Vec<NamedNode>> {
            uris.iter()
                .map(|u| {
                    NamedNode::new(u)
                        .map_err(|e| Error::BadRequest(format!("invalid graph IRI {u:?}: {e}")))
                })
                .collect()
        };
        let dataset = spargebra::algebra::QueryDataset {
            default: iris(using_graph_uris)?,
            named: Some(iris(using_named_graph_uris)?),
        };
        for operation in &mut parsed.operations {
            if let spargebra::GraphUpdateOperation::DeleteInsert { using, .. } = operation {
                if using.is_some() {
                    return Err(Error::BadRequest(
                        "the update has USING clauses and the request using-graph-uri parameters: use one or the other".into(),
                    ));
                }
                *using = Some(dataset.clone());
            }
        }
    }
    let prepared = SparqlEvaluator::new().for_update(parsed);
    let store = store.clone();
    tokio::task::spawn_blocking(move || {
        // Under the write lock, so that no network's write is validated against a state an
        // update is changing; what the update changes is not known, so kept closures go.
        let guard = store.lock_writes();
        let update = || prepared.on_store(&store.store).execute();
        store.announced(&guard, true, update, |_| None)
    })
    .await
    .map_err(Error::internal)?
    .map_err(|e| match e {
        oxigraph::sparql::UpdateEvaluationError::Storage(e) => Error::internal(e),
        other => Error::BadRequest(format!("update failed: {other}")),
    })
}
