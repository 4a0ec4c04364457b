//! The shapes of the service and what is done with them: validate a graph, validate a write in
//! the context of the store, render the report (JSON-LD with our context, Turtle, text).

use super::{
    validate, validate_nodes, Change, DataGraph, Scope, Shapes, StoreView, ValidationReport,
};
use crate::commits::Reads;
use crate::rdf;
use crate::render::Compactor;
use crate::store::AppStore;
use anyhow::Context as _;
use oxigraph::io::RdfFormat;
use oxigraph::model::{Graph, NamedNodeRef, NamedOrBlankNode, Term, Triple};
use std::path::Path;

pub struct Validator {
    shapes: Shapes,
    shape_triples: Vec<Triple>,
}

impl Validator {
    /// Reads a shapes file, or every RDF file of a folder; relative IRIs resolve against each
    /// file's own location, as in any RDF tool.
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

    pub fn from_documents(documents: &[crate::bundled::Document]) -> anyhow::Result<Self> {
        let graph: Graph = crate::bundled::triples(documents, "file:///")?
            .into_iter()
            .collect();
        anyhow::ensure!(!graph.is_empty(), "no shapes found");
        let shapes = Shapes::from_graph(&graph)?;
        Ok(Self {
            shapes,
            shape_triples: graph.iter().map(|t| t.into_owned()).collect(),
        })
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
        let view = StoreView::new(&store.store, &store.classes, graph, change);
        let focus = change.focus_nodes(&view, &self.shapes, Scope::Payload);
        validate_nodes(&self.shapes, &view, &focus)
    }

    /// Validates a write to `graph` on what it alters in the store's union graph, and says
    /// which added triples `graph` already holds (the commit can leave them as they are) and
    /// where it looked in the store.
    pub(crate) fn check_write(
        &self,
        store: &AppStore,
        graph: NamedNodeRef<'_>,
        change: &Change,
    ) -> (ValidationReport, Graph, Reads) {
        let view = StoreView::new(&store.store, &store.classes, graph, change);
        let focus = change.focus_nodes(&view, &self.shapes, Scope::Changes);
        let report = validate_nodes(&self.shapes, &view, &focus);
        let held = change.add.iter().filter(|t| view.holds(*t)).collect();
        (report, held, view.into_reads())
    }
}

/// How a report is written out.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ReportFormat {
    Text,
    Turtle,
    NTriples,
    JsonLd,
}

impl ReportFormat {
    pub fn media_type(self) -> &'static str {
        match self {
            Self::Text => "text/plain; charset=utf-8",
            Self::Turtle => "text/turtle",
            Self::NTriples => "application/n-triples",
            Self::JsonLd => "application/ld+json",
        }
    }
}

pub fn render_report(
    report: &ValidationReport,
    format: ReportFormat,
    compactor: &Compactor,
) -> Vec<u8> {
    match format {
        ReportFormat::Text => report_text(report).into_bytes(),
        ReportFormat::Turtle | ReportFormat::NTriples => {
            let graph = report.to_graph();
            let triples: Vec<Triple> = graph.iter().map(|t| t.into_owned()).collect();
            let syntax = if format == ReportFormat::Turtle {
                RdfFormat::Turtle
            } else {
                RdfFormat::NTriples
            };
            rdf::serialize_triples(&triples, syntax).unwrap_or_default()
        }
        ReportFormat::JsonLd => {
            let graph = report.to_graph();
            let triples: Vec<Triple> = graph.iter().map(|t| t.into_owned()).collect();
            let root = triples
                .iter()
                .find(|t| t.predicate == super::vocab::CONFORMS)
                .map(|t| t.subject.clone())
                .unwrap_or_else(|| NamedOrBlankNode::BlankNode(Default::default()));
            let value = compactor.render(&triples, &root, &|_: &Term| true);
            serde_json::to_vec_pretty(&value).unwrap_or_default()
        }
    }
}

/// One line per result — where (focus node and path), what (the constraint), why (the
/// messages, French then English) — and a closing summary line.
pub fn report_text(report: &ValidationReport) -> String {
    use std::fmt::Write;
    let mut out = String::new();
    for r in &report.results {
        let component = r
            .component
            .as_str()
            .trim_start_matches("http://www.w3.org/ns/shacl#")
            .trim_end_matches("ConstraintComponent");
        let severity = r
            .severity
            .as_str()
            .trim_start_matches("http://www.w3.org/ns/shacl#");
        let _ = write!(out, "{severity}: {}", r.focus_node);
        if let Some(path) = &r.path {
            let _ = write!(out, " {path}");
        }
        let _ = write!(out, " — {component}");
        if let Some(value) = &r.value {
            let _ = write!(out, " (value {value})");
        }
        let mut messages: Vec<_> = r.messages.iter().collect();
        messages.sort_by_key(|m| match m.language() {
            Some("fr") => 0,
            Some("en") => 1,
            _ => 2,
        });
        if !messages.is_empty() {
            let text: Vec<&str> = messages.iter().map(|m| m.value()).collect();
            let _ = write!(out, ": {}", text.join(" / "));
        }
        out.push('\n');
    }
    let _ = writeln!(
        out,
        "{}: {} result(s)",
        if report.conforms {
            "conforms"
        } else {
            "does not conform"
        },
        report.results.len()
    );
    out
}
