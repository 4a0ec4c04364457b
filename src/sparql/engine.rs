//! Queries evaluated on the store, bounded: a timeout, a number of queries running at once, a
//! largest answer.

use super::results::{evaluation_error, serialize_results, too_large};
use super::{ParsedQuery, QueryError, ResultFormat};
use crate::store::AppStore;
use oxigraph::model::{GraphName, NamedOrBlankNode};
use oxigraph::sparql::{
    CancellationToken, DefaultServiceHandler, QueryEvaluationError, SparqlEvaluator,
};
use std::sync::Arc;
use std::time::Duration;

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
    ) -> Result<Vec<u8>, QueryError> {
        let permit = self
            .running
            .clone()
            .try_acquire_owned()
            .map_err(|_| QueryError::Busy)?;
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
            return Err(QueryError::Timeout(timeout));
        };
        timer.abort();
        match outcome.map_err(|e| QueryError::Internal(e.into()))? {
            Ok(body) => Ok(body),
            Err(QueryEvaluationError::Cancelled) => Err(QueryError::Timeout(timeout)),
            Err(e) if token.is_cancelled() => {
                tracing::debug!(error = %e, "query stopped by its timeout");
                Err(QueryError::Timeout(timeout))
            }
            Err(QueryEvaluationError::Unexpected(e)) if too_large(e.as_ref()).is_some() => Err(
                QueryError::ResultsTooLarge(too_large(e.as_ref()).unwrap_or_default()),
            ),
            Err(e) => Err(evaluation_error(e)),
        }
    }
}
