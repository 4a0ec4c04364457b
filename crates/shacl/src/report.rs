//! The validation report and its RDF / text renderings.

use std::fmt::Write;

use oxrdf::vocab::{rdf, xsd};
use oxrdf::{BlankNode, Graph, Literal, NamedNode, Term, Triple};

use super::path::Path;
use super::vocab as sh;

#[derive(Debug, Clone, PartialEq)]
pub struct ValidationResult {
    pub focus_node: Term,
    /// `sh:resultPath`; `Path::to_rdf` gives its RDF form.
    pub path: Option<Path>,
    pub value: Option<Term>,
    pub source_shape: Term,
    pub component: NamedNode,
    pub severity: NamedNode,
    /// The shape's `sh:message`s, unexpanded (`{$value}` placeholders are left as is).
    pub messages: Vec<Literal>,
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct ValidationReport {
    pub conforms: bool,
    pub results: Vec<ValidationResult>,
}

impl ValidationReport {
    pub(crate) fn from_results(results: Vec<ValidationResult>) -> Self {
        Self {
            conforms: results.is_empty(),
            results,
        }
    }

    /// A standard `sh:ValidationReport`; paths are written as SHACL path RDF
    /// (blank-node lists for sequences).
    pub fn to_graph(&self) -> Graph {
        let mut g = Graph::new();
        let report = BlankNode::default();
        g.insert(&Triple::new(
            report.clone(),
            rdf::TYPE,
            sh::VALIDATION_REPORT,
        ));
        g.insert(&Triple::new(
            report.clone(),
            sh::CONFORMS,
            Literal::new_typed_literal(self.conforms.to_string(), xsd::BOOLEAN),
        ));
        for r in &self.results {
            let node = BlankNode::default();
            g.insert(&Triple::new(report.clone(), sh::RESULT, node.clone()));
            g.insert(&Triple::new(node.clone(), rdf::TYPE, sh::VALIDATION_RESULT));
            g.insert(&Triple::new(
                node.clone(),
                sh::FOCUS_NODE,
                r.focus_node.clone(),
            ));
            if let Some(path) = &r.path {
                let path = path.to_rdf(&mut g);
                g.insert(&Triple::new(node.clone(), sh::RESULT_PATH, path));
            }
            if let Some(value) = &r.value {
                g.insert(&Triple::new(node.clone(), sh::VALUE, value.clone()));
            }
            g.insert(&Triple::new(
                node.clone(),
                sh::SOURCE_SHAPE,
                r.source_shape.clone(),
            ));
            g.insert(&Triple::new(
                node.clone(),
                sh::SOURCE_CONSTRAINT_COMPONENT,
                r.component.clone(),
            ));
            g.insert(&Triple::new(
                node.clone(),
                sh::RESULT_SEVERITY,
                r.severity.clone(),
            ));
            for m in &r.messages {
                g.insert(&Triple::new(node.clone(), sh::RESULT_MESSAGE, m.clone()));
            }
        }
        g
    }

    /// One line per result: `<focus> <path>: <message or component> (value: …) [severity]`.
    pub fn to_text(&self) -> String {
        let mut out = String::new();
        for r in &self.results {
            let _ = write!(out, "{}", r.focus_node);
            if let Some(path) = &r.path {
                let _ = write!(out, " {path}");
            }
            let what = match r.messages.first() {
                Some(m) => m.value().to_owned(),
                None => short(r.component.as_str()).to_owned(),
            };
            let _ = write!(out, ": {what}");
            if let Some(v) = &r.value {
                let _ = write!(out, " (value: {v})");
            }
            let _ = writeln!(out, " [{}]", short(r.severity.as_str()));
        }
        out
    }
}

/// `sh:Violation` → `Violation`, keeping other IRIs whole enough to be recognisable.
fn short(iri: &str) -> &str {
    iri.strip_prefix("http://www.w3.org/ns/shacl#")
        .unwrap_or(iri)
}
