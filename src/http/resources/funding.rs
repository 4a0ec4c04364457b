//! The compact JSON-LD document of a resource, with the co-funding views of commons and
//! campaigns. Apart because these views are computed, not stored: they are the one place where a
//! resource's document says more than its triples, and both reads and writes answer with it.

use crate::http::error::{Error, Result};
use crate::http::AppState;
use crate::resources;
use crate::vocab::{self, Collection};
use oxigraph::model::{NamedNode, Term, Triple};
use serde_json::Value;

/// The compact JSON-LD of a resource, with the co-funding view for commons and campaigns. The
/// view is computed on each read and is not RDF data: its keys are not in the context, so a
/// JSON-LD processor reads exactly the stored triples.
pub(super) async fn resource_document(
    state: &AppState,
    collection: &Collection,
    iri: &NamedNode,
    triples: &[Triple],
) -> Result<Value> {
    let mut document = state
        .compactor
        .render(triples, &iri.clone().into(), &|_: &Term| true);
    let class = collection.class;
    if class != vocab::COMMONS && class != vocab::CAMPAIGN {
        return Ok(document);
    }
    let store = state.store.clone();
    let node = iri.clone();
    let view = tokio::task::spawn_blocking(move || {
        if class == vocab::COMMONS {
            Some((
                "fundingSummary",
                serde_json::to_value(
                    store.reading(|quads| resources::funding_summary(quads, node.as_ref())),
                ),
            ))
        } else if class == vocab::CAMPAIGN {
            Some((
                "fundingByCommons",
                serde_json::to_value(
                    store.reading(|quads| resources::campaign_totals(quads, node.as_ref())),
                ),
            ))
        } else {
            None
        }
    })
    .await
    .map_err(Error::internal)?;
    if let (Some((key, value)), Value::Object(map)) = (view, &mut document) {
        map.insert(key.into(), value.map_err(Error::internal)?);
    }
    Ok(document)
}
