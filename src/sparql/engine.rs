//! Queries evaluated on the store, bounded: a timeout, a number of queries running at once, a
//! largest answer.

use super::cache::{self, AnswerCache};
use super::isolated::Workers;
use super::precedence::Precedence;
use super::results::{evaluation_error, serialize_results, too_large};
use super::slots::Slots;
use super::{ParsedQuery, QueryError, QueryForm, ResultFormat};
use crate::quad_index::{QuadIndex, QueryView};
use crate::store::AppStore;
use bytes::Bytes;
use oxigraph::model::{GraphName, NamedNode, NamedNodeRef, NamedOrBlankNode};
use oxigraph::sparql::{
    CancellationToken, DefaultServiceHandler, PreparedSparqlQuery, QueryEvaluationError,
    QueryResults, SparqlEvaluator,
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
    /// The same number of slots for queries in child processes, which can be taken back.
    slots: Arc<Slots>,
    /// Worker processes kept between queries.
    workers: Arc<Workers>,
    /// Which queries run at full priority, and the demoted workers stopped meanwhile.
    precedence: Arc<Precedence>,
    cache: Arc<AnswerCache>,
    service_handler: Option<Arc<dyn Fn() -> Box<dyn ServiceHandlerFactory> + Send + Sync>>,
    /// The endpoints `SERVICE` may call (`federation.service_allow_list`).
    allowed_services: Arc<Vec<String>>,
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

/// A query's answer at a store version: `key` is `None` for answers that are not kept.
pub struct AnswerKey {
    key: Option<String>,
    version: u64,
}

impl AnswerKey {
    /// The entity tag of the answer, for conditional requests; `None` when it is not kept.
    pub fn tag(&self) -> Option<String> {
        self.key.as_deref().map(|key| cache::tag(key, self.version))
    }
}

impl QueryEngine {
    pub fn new(timeout: Duration) -> Self {
        let precedence = Arc::<Precedence>::default();
        Self {
            timeout,
            max_result_bytes: 100_000_000,
            running: Arc::new(tokio::sync::Semaphore::new(16)),
            slots: Arc::new(Slots::new(16)),
            workers: Arc::new(Workers::new(KEPT_WORKERS, Arc::clone(&precedence))),
            precedence,
            cache: Arc::new(AnswerCache::new(64 << 20)),
            service_handler: None,
            allowed_services: Arc::default(),
        }
    }

    /// Memory for answers kept until the next commit (0: none).
    pub fn set_kept_answers(&mut self, bytes: usize) {
        self.cache = Arc::new(AnswerCache::new(bytes));
    }

    /// How many queries are evaluated at once (at least one).
    pub fn set_max_running(&mut self, queries: usize) {
        self.running = Arc::new(tokio::sync::Semaphore::new(queries.max(1)));
        self.slots = Arc::new(Slots::new(queries.max(1)));
    }

    /// The handler of `SERVICE` calls to the endpoints of `allowed`, which alone are called.
    pub fn with_service_handler(
        mut self,
        allowed: Arc<Vec<String>>,
        factory: impl Fn() -> Box<dyn ServiceHandlerFactory> + Send + Sync + 'static,
    ) -> Self {
        self.service_handler = Some(Arc::new(factory));
        self.allowed_services = allowed;
        self
    }

    fn evaluator(&self, token: &CancellationToken) -> SparqlEvaluator {
        let evaluator = SparqlEvaluator::new().with_cancellation_token(token.clone());
        match &self.service_handler {
            Some(factory) => factory().attach(evaluator),
            None => evaluator,
        }
    }

    /// Evaluates and serializes the whole answer, or gives the one kept for `key`: in a forked process on the in-memory copy
    /// of the store when it is on (see [`super::isolated`]), else on a blocking thread. Queries
    /// that call `SERVICE` stay in this process: the HTTP client's threads are not in a child.
    pub async fn execute(
        &self,
        store: &AppStore,
        parsed: ParsedQuery,
        format: ResultFormat,
        AnswerKey { key, version }: AnswerKey,
        client: &str,
    ) -> Result<Bytes, QueryError> {
        if let Some(kept) = key.as_deref().and_then(|k| self.cache.get(k, version)) {
            return Ok(kept);
        }
        let isolated = if self.calls_out(&parsed)? {
            None
        } else if let Some(answer) = self.execute_at_once(store, &parsed, format) {
            Some(answer)
        } else {
            self.execute_isolated(store, &parsed, format, client).await
        };
        let answer = match isolated {
            Some(answer) => answer?,
            None => self.execute_in_process(store, parsed, format).await?,
        };
        let answer = Bytes::from(answer);
        if let Some(key) = key {
            self.cache.put(key, version, answer.clone());
        }
        Ok(answer)
    }

    /// What identifies this query's answer at the store's current version, read once per
    /// request (before evaluating) for both the `ETag` and the kept answers.
    pub fn answer_key(
        &self,
        store: &AppStore,
        parsed: &ParsedQuery,
        format: ResultFormat,
    ) -> AnswerKey {
        let key = (!cache::is_volatile(&parsed.text)).then(|| {
            cache::key(
                &parsed.text,
                parsed.default_graphs.iter().map(NamedNode::as_str),
                parsed.named_graphs.iter().map(NamedNode::as_str),
                format,
            )
        });
        AnswerKey {
            key,
            version: store.commits.version(),
        }
    }

    /// The answer kept for a query asked before, found without parsing it again: on a kept
    /// answer the parse is most of the work. Its form (tabular or graph) is not known without
    /// the parse, so the answer is looked for under the format of each; no media type is of
    /// both, so an answer found was kept for a query of that form, in the format this request
    /// negotiates for it. Graph IRIs are checked as the parse would, so that the key's parts
    /// stay apart.
    pub fn kept_answer(
        &self,
        store: &AppStore,
        text: &str,
        default_graph_uris: &[String],
        named_graph_uris: &[String],
        accept: Option<&str>,
        format: Option<&str>,
    ) -> Option<(Bytes, ResultFormat, AnswerKey)> {
        if default_graph_uris
            .iter()
            .chain(named_graph_uris)
            .any(|iri| NamedNodeRef::new(iri).is_err())
        {
            return None;
        }
        let version = store.commits.version();
        [QueryForm::Select, QueryForm::Construct]
            .into_iter()
            .find_map(|form| {
                let format = form.result_format(accept, format).ok()?;
                let key = cache::key(
                    text,
                    default_graph_uris.iter().map(String::as_str),
                    named_graph_uris.iter().map(String::as_str),
                    format,
                );
                let answer = self.cache.get(&key, version)?;
                Some((
                    answer,
                    format,
                    AnswerKey {
                        key: Some(key),
                        version,
                    },
                ))
            })
    }

    /// Whether the query calls an endpoint of the allow-list, and so must run here. A call to
    /// any other endpoint is refused before evaluation, unless `SILENT` (it then fails quietly
    /// in a worker), so that no query reaches this process but those that need it.
    fn calls_out(&self, parsed: &ParsedQuery) -> Result<bool, QueryError> {
        let mut out = false;
        for call in super::services::calls(&parsed.query) {
            match call.endpoint {
                Some(endpoint) if self.allowed_services.contains(&endpoint) => out = true,
                _ if call.silent => {}
                Some(endpoint) => {
                    return Err(QueryError::Service(super::service::not_allowed(
                        &endpoint,
                        &self.allowed_services,
                    )))
                }
                None => {
                    return Err(QueryError::Service(
                        "SERVICE with a variable endpoint is not supported: name an endpoint of federation.service_allow_list".into(),
                    ))
                }
            }
        }
        Ok(out)
    }

    /// A query that cannot run away (see [`ParsedQuery::describes_named_resources`]) is
    /// evaluated here on the copy, without a worker's round trip: most of a one-resource
    /// `DESCRIBE`'s time went there. `None` for any other query, or when the copy is off.
    fn execute_at_once(
        &self,
        store: &AppStore,
        parsed: &ParsedQuery,
        format: ResultFormat,
    ) -> Option<Result<Vec<u8>, QueryError>> {
        if !parsed.describes_named_resources() {
            return None;
        }
        let copy = store.replica.read()?;
        let index = copy.as_ref()?;
        let _foreground = self.precedence.foreground();
        Some(evaluate_on(
            index,
            parsed.clone(),
            format,
            self.max_result_bytes,
        ))
    }

    /// The query in a worker process that has a slot (see [`Slots`]): at full priority (see
    /// [`Precedence`]) until it has used [`DEMOTE_AFTER`] of CPU, killed at the timeout or when
    /// evicted, kept for the next query when it answered. `None` when the copy is off.
    async fn execute_isolated(
        &self,
        store: &AppStore,
        parsed: &ParsedQuery,
        format: ResultFormat,
        client: &str,
    ) -> Option<Result<Vec<u8>, QueryError>> {
        let slot = match self.slots.take(client) {
            Ok(slot) => slot,
            Err(busy) => return Some(Err(busy)),
        };
        let mut foreground = Some(self.precedence.foreground());
        let mut worker = match self.workers.take(&store.replica).await? {
            Ok(worker) => worker,
            Err(e) => return Some(Err(QueryError::Internal(e.into()))),
        };
        let deadline = tokio::time::sleep(self.timeout);
        tokio::pin!(deadline);
        let pid = worker.pid();
        // Demoted by the CPU it used, not by the time it waited: a query that waits for a core
        // behind others has done nothing to deserve a lower priority.
        let started = super::isolated::cpu_time(pid).unwrap_or_default();
        let mut watch = tokio::time::interval(DEMOTE_AFTER / 4);
        let limit = self.max_result_bytes;
        let outcome = {
            let exchange = async {
                worker
                    .send_query(parsed, store.base.as_str(), format, limit)
                    .await?;
                worker.receive().await
            };
            tokio::pin!(exchange);
            loop {
                tokio::select! {
                    reply = &mut exchange => break Ok(reply),
                    _ = watch.tick(), if foreground.is_some() => {
                        let used = super::isolated::cpu_time(pid).unwrap_or_default();
                        if used.saturating_sub(started) >= DEMOTE_AFTER {
                            // No longer at full priority first, or it would stop itself.
                            foreground = None;
                            self.precedence.demote(pid);
                        }
                    }
                    () = &mut deadline => break Err(QueryError::Timeout(self.timeout)),
                    () = slot.evicted() => break Err(QueryError::Evicted),
                }
            }
        };
        // A worker that did not answer is dropped, which kills it.
        Some(match outcome {
            Ok(Ok(reply)) => {
                self.workers.give_back(worker);
                decode(reply)
            }
            Ok(Err(lost)) => Err(QueryError::Internal(anyhow::anyhow!(
                "the query worker was lost: {lost}"
            ))),
            Err(QueryError::Timeout(timeout)) => {
                tracing::info!(?timeout, "a query was stopped at its timeout");
                Err(QueryError::Timeout(timeout))
            }
            Err(other) => Err(other),
        })
    }

    /// Ends every query running in a child now (the server is stopping).
    pub fn stop_all(&self) {
        self.slots.evict_all();
        self.workers.clear();
    }

    /// Evaluates and serializes the whole answer on a blocking thread; a timer cancels the
    /// evaluation at the timeout, wherever it is.
    async fn execute_in_process(
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
            evaluate(
                evaluator,
                |prepared| prepared.on_store(&store).execute(),
                parsed,
                format,
                &token_in_thread,
                limit,
            )
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
            Err(e) if token.is_cancelled() => {
                tracing::debug!(error = %e, "query stopped by its timeout");
                Err(QueryError::Timeout(timeout))
            }
            other => other,
        }
    }
}

/// Idle workers kept for the next queries: as many as the cores of a small server; more
/// queries at once fork more workers, which end after their query.
const KEPT_WORKERS: usize = 4;

/// How much CPU a query uses at full priority: after that it gives way to the queries that
/// start.
pub const DEMOTE_AFTER: Duration = Duration::from_millis(400);

/// Evaluates `parsed` on what `bind` binds it to (the store, or a worker's index; the union of
/// the graphs as default graph, unless the protocol's dataset says otherwise) and serializes
/// the answer.
fn evaluate<'a>(
    evaluator: SparqlEvaluator,
    bind: impl FnOnce(PreparedSparqlQuery) -> Result<QueryResults<'a>, QueryEvaluationError>,
    parsed: ParsedQuery,
    format: ResultFormat,
    token: &CancellationToken,
    limit: usize,
) -> Result<Vec<u8>, QueryError> {
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
    // A panic in the engine (Oxigraph's ORDER BY has panicked on a comparison that was not a
    // total order, found by fuzzing) is this query's failure, answered as such; the server and
    // the worker live on.
    let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        bind(prepared).and_then(|results| serialize_results(results, format, token, limit))
    }))
    .map_err(|panic| {
        let why = panic
            .downcast_ref::<&str>()
            .map(|s| (*s).to_owned())
            .or_else(|| panic.downcast_ref::<String>().cloned())
            .unwrap_or_default();
        tracing::warn!(%why, "the query engine panicked on a query");
        QueryError::Evaluation(format!(
            "the query engine could not evaluate this query ({why}); simplify it (ORDER BY, BIND) and try again"
        ))
    })?;
    outcome.map_err(|e| match e {
        QueryEvaluationError::Cancelled => QueryError::Timeout(Duration::ZERO),
        QueryEvaluationError::Unexpected(e) if too_large(e.as_ref()).is_some() => {
            QueryError::ResultsTooLarge(too_large(e.as_ref()).unwrap_or_default())
        }
        e => evaluation_error(e),
    })
}

/// Evaluates on the copy (in a worker, or a bounded query here): no cancellation token, a
/// worker is killed instead.
pub(super) fn evaluate_on(
    index: &QuadIndex,
    parsed: ParsedQuery,
    format: ResultFormat,
    limit: usize,
) -> Result<Vec<u8>, QueryError> {
    let never = CancellationToken::new();
    evaluate(
        SparqlEvaluator::new(),
        |prepared| {
            prepared
                .on_queryable_dataset(QueryView::new(index))
                .execute()
        },
        parsed,
        format,
        &never,
        limit,
    )
}

/// A worker's answer: a tag byte, then the serialized results or the error's text.
pub(super) fn encode(answer: Result<Vec<u8>, QueryError>) -> Vec<u8> {
    let (tag, body) = match answer {
        Ok(body) => (0, body),
        Err(QueryError::ResultsTooLarge(limit)) => (1, limit.to_string().into_bytes()),
        Err(QueryError::Evaluation(message)) => (2, message.into_bytes()),
        Err(QueryError::Service(message)) => (3, message.into_bytes()),
        Err(other) => (4, format!("{other:#}").into_bytes()),
    };
    let mut frame = Vec::with_capacity(body.len() + 1);
    frame.push(tag);
    frame.extend(body);
    frame
}

pub(super) fn decode(mut frame: Vec<u8>) -> Result<Vec<u8>, QueryError> {
    if frame.is_empty() {
        return Err(QueryError::Internal(anyhow::anyhow!(
            "the evaluation process wrote no answer"
        )));
    }
    let tag = frame.remove(0);
    let text = || String::from_utf8_lossy(&frame).into_owned();
    match tag {
        0 => Ok(frame),
        1 => Err(QueryError::ResultsTooLarge(
            text().parse().unwrap_or_default(),
        )),
        2 => Err(QueryError::Evaluation(text())),
        3 => Err(QueryError::Service(text())),
        _ => Err(QueryError::Internal(anyhow::anyhow!(
            "the evaluation process failed: {}",
            text()
        ))),
    }
}
