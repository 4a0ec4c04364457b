//! The shapes of the service and what is done with them: validate a graph, validate a write in
//! the context of the store.

use super::{Change, Scope, StoreView};
use crate::commits::Reads;
use crate::reading::Quads;
use crate::store::AppStore;
use anyhow::Context as _;
use oxigraph::model::{Graph, NamedNodeRef, Triple};
use shacl::{validate, validate_nodes, DataGraph, LoadWarning, Shapes, ValidationReport};
use std::path::Path;

pub struct Validator {
    shapes: Shapes,
    shape_triples: Vec<Triple>,
    warnings: Vec<LoadWarning>,
}

impl Validator {
    /// Reads a shapes file, or every RDF file of a folder; relative IRIs resolve against each
    /// file's own location, as in any RDF tool. A shape that cannot be compiled (a pattern no
    /// regex engine accepts…) is left out and listed in [`warnings`](Self::warnings); a file
    /// that is not RDF refuses the whole load.
    pub fn load(path: &Path) -> anyhow::Result<Self> {
        Self::from_documents(&crate::bundled::documents(&[], Some(path))?)
            .with_context(|| format!("invalid shapes in {}", path.display()))
    }

    /// The shapes the binary carries, or those of `folder` when it is given.
    pub fn bundled_or(folder: Option<&Path>) -> anyhow::Result<Self> {
        match folder {
            Some(folder) => Self::load(folder),
            None => Self::from_documents(&crate::bundled::documents(crate::bundled::SHAPES, None)?),
        }
    }

    /// One validator per shapes file of the carried shapes (or of `folder`), named after the
    /// file: the shape sets a developer may validate an export against alone. Each file of ours
    /// is whole (no shape refers to one in another file).
    pub fn sets(folder: Option<&Path>) -> anyhow::Result<Vec<(String, Self)>> {
        let documents = match folder {
            Some(folder) => crate::bundled::documents(&[], Some(folder))?,
            None => crate::bundled::documents(crate::bundled::SHAPES, None)?,
        };
        documents
            .iter()
            .map(|document| {
                let name = Path::new(&document.name)
                    .file_stem()
                    .and_then(|s| s.to_str())
                    .unwrap_or(&document.name)
                    .to_owned();
                let validator = Self::from_documents(std::slice::from_ref(document))
                    .with_context(|| format!("invalid shapes in {}", document.name))?;
                Ok((name, validator))
            })
            .collect()
    }

    pub fn from_documents(documents: &[crate::bundled::Document]) -> anyhow::Result<Self> {
        let graph: Graph = crate::bundled::triples(documents, "file:///")?
            .into_iter()
            .collect();
        anyhow::ensure!(!graph.is_empty(), "no shapes found");
        let loaded = Shapes::load(&graph);
        Ok(Self {
            shapes: loaded.shapes,
            shape_triples: graph.iter().map(|t| t.into_owned()).collect(),
            warnings: loaded.warnings,
        })
    }

    /// The shapes left out at load, each with why; whoever loads the shapes tells them.
    pub fn warnings(&self) -> &[LoadWarning] {
        &self.warnings
    }

    pub fn shape_triples(&self) -> &[Triple] {
        &self.shape_triples
    }

    pub fn shapes(&self) -> &Shapes {
        &self.shapes
    }

    pub fn validate(&self, data: &impl DataGraph) -> ValidationReport {
        validate(&self.shapes, data)
    }

    /// Validates a payload as if written to `graph`: the store's union graph plus the change,
    /// reporting on every node the payload speaks of and the nodes it references (the dry
    /// run of `POST /validate?context=store`).
    pub fn validate_change(
        &self,
        store: &AppStore,
        graph: NamedNodeRef<'_>,
        change: &Change,
    ) -> ValidationReport {
        store.reading(|quads| {
            let view = StoreView::new(quads, &store.classes, graph, change);
            let focus = change.focus_nodes(&view, &self.shapes, Scope::Payload);
            validate_nodes(&self.shapes, &view, &focus)
        })
    }

    /// Validates a write to `graph` on what it alters in the store's union graph, and says
    /// which added triples `graph` already holds (the commit can leave them as they are) and
    /// where it looked in the store. `quads` is the store, or its copy (under the write lock,
    /// where the copy brought up to date holds exactly what the store holds).
    pub(crate) fn check_write(
        &self,
        store: &AppStore,
        quads: &dyn Quads,
        graph: NamedNodeRef<'_>,
        change: &Change,
    ) -> (ValidationReport, Graph, Reads) {
        let view = StoreView::new(quads, &store.classes, graph, change);
        let focus = change.focus_nodes(&view, &self.shapes, Scope::Changes);
        let report = validate_nodes(&self.shapes, &view, &focus);
        let held = change.add.iter().filter(|t| view.holds(*t)).collect();
        (report, held, view.into_reads())
    }
}
