//! Writes by networks: from parsed quads to a validated, atomic change of the network's own
//! graph, with provenance in the meta graph. `payload` shapes a request's body into a
//! resource's triples, `slugs` names new resources, `commit` validates and commits.

mod commit;
mod payload;
mod slugs;

pub use commit::{commit_new, commit_write};
pub use payload::{resource_triples, Shaped};
pub use slugs::{is_path_slug, slugify, SLUG_PATTERN};

use crate::validation::Change;
use oxigraph::model::NamedNode;
use shacl::ValidationReport;

#[derive(Debug, thiserror::Error)]
pub enum WriteError {
    #[error("the data does not conform to the shapes")]
    Invalid(ValidationReport),
    #[error("{0}")]
    Precondition(String),
    #[error("{0}")]
    BadRequest(String),
    #[error("{0}")]
    Forbidden(String),
    #[error("{0}")]
    NotFound(String),
    #[error("{0}")]
    Conflict(String),
    #[error(transparent)]
    Storage(#[from] oxigraph::store::StorageError),
}

/// A write by one network into its graph.
#[derive(Debug)]
pub struct Write {
    pub network: String,
    pub graph: NamedNode,
    pub change: Change,
    /// The resources the write is about (for the provenance record).
    pub resources: Vec<NamedNode>,
}
