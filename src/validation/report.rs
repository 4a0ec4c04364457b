//! A validation report written out: JSON-LD with our context, Turtle, N-Triples, or text
//! lines for a person.

use crate::rdf;
use crate::render::Compactor;
use oxigraph::io::RdfFormat;
use oxigraph::model::{NamedOrBlankNode, Term, Triple};
use shacl::ValidationReport;

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
                .find(|t| t.predicate == shacl::vocab::CONFORMS)
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
