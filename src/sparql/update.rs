//! SPARQL Update, run under the write lock (the caller has checked the admin token).

use super::QueryError;
use crate::store::AppStore;
use oxigraph::model::NamedNode;
use oxigraph::sparql::SparqlEvaluator;
use spargebra::SparqlParser;

/// Runs a SPARQL Update against the store (the caller has checked the admin token).
/// `using-graph-uri` / `using-named-graph-uri` of the protocol apply to operations without
/// their own USING; an update that has both is an error (SPARQL 1.1 Protocol §2.2.3).
pub async fn update(
    store: &AppStore,
    update: &str,
    using_graph_uris: &[String],
    using_named_graph_uris: &[String],
) -> Result<(), QueryError> {
    super::query::refuse_deep(update)?;
    let mut parsed = SparqlParser::new()
        .with_base_iri(store.base.as_str())
        .map_err(|e| QueryError::Internal(e.into()))?
        .parse_update(update)
        .map_err(|e| QueryError::Syntax(e.to_string()))?;
    // The server fetches nothing a request names: whether Oxigraph could fetch depends on the
    // features its dependants turn on, so LOAD is refused here, before evaluation.
    if parsed
        .operations
        .iter()
        .any(|o| matches!(o, spargebra::GraphUpdateOperation::Load { .. }))
    {
        return Err(QueryError::Update(
            "LOAD is not available: the server fetches no URL a request names; load files with \
             `lieux-communs load`, or send the data to /store"
                .into(),
        ));
    }
    if !using_graph_uris.is_empty() || !using_named_graph_uris.is_empty() {
        let iris =
            |uris: &[String], parameter: &'static str| -> Result<Vec<NamedNode>, QueryError> {
                uris.iter()
                    .map(|u| {
                        NamedNode::new(u).map_err(|e| QueryError::InvalidGraph {
                            parameter,
                            given: u.clone(),
                            reason: e.to_string(),
                        })
                    })
                    .collect()
            };
        let dataset = spargebra::algebra::QueryDataset {
            default: iris(using_graph_uris, "using-graph-uri")?,
            named: Some(iris(using_named_graph_uris, "using-named-graph-uri")?),
        };
        for operation in &mut parsed.operations {
            if let spargebra::GraphUpdateOperation::DeleteInsert { using, .. } = operation {
                if using.is_some() {
                    return Err(QueryError::UsingTwice);
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
        store.announced(&guard, true, update, |_| {
            (None, crate::replica::Replication::Everything)
        })
    })
    .await
    .map_err(|e| QueryError::Internal(e.into()))?
    .map_err(|e| match e {
        oxigraph::sparql::UpdateEvaluationError::Storage(e) => QueryError::Internal(e.into()),
        other => QueryError::Update(other.to_string()),
    })
}
