//! SHACL Core validation over Oxigraph's RDF model ([`oxrdf`]): see the README below, which
//! is this crate's documentation and whose example is tested as a doctest.
#![doc = include_str!("../README.md")]

mod data_graph;
mod engine;
mod path;
mod pattern;
mod rdf;
mod report;
mod shapes;
mod values;
pub mod vocab;

use oxrdf::Term;

pub use data_graph::{subclass_closure, DataGraph};
pub use path::Path;
pub use rdf::subject_ref;
pub use report::{ValidationReport, ValidationResult};
pub use shapes::{LinkedReads, LoadWarning, Loaded, Shapes};

#[derive(Debug, thiserror::Error)]
pub enum ShaclError {
    #[error("invalid shape {shape}: {message}")]
    InvalidShape { shape: String, message: String },
    #[error("invalid property path: {0}")]
    InvalidPath(String),
    #[error("invalid RDF list: {0}")]
    InvalidList(String),
}

/// Validates every focus node selected by the targets of the active shapes.
pub fn validate(shapes: &Shapes, data: &impl DataGraph) -> ValidationReport {
    engine::Engine::new(shapes, data).validate_all()
}

/// Validates only `focus`: each node against the shapes whose targets select it
/// (`sh:targetNode`, `sh:targetClass` including implicit class targets and
/// subclasses, `sh:targetSubjectsOf`, `sh:targetObjectsOf`). Meant for checking
/// just the resources a write touches.
pub fn validate_nodes(shapes: &Shapes, data: &impl DataGraph, focus: &[Term]) -> ValidationReport {
    engine::Engine::new(shapes, data).validate_nodes(focus)
}
