//! "Lose fields, not places": a harvested record is checked alone against the shapes, and each
//! value the shapes refuse (an e-mail placeholder, a malformed web address, an out-of-range
//! coordinate, a value of the wrong datatype) is left out and reported on that record, field by
//! field. Only a record whose identity does not hold (no name, no usable type) is skipped.

use super::record::Record;
use crate::validation::Validator;
use crate::vocab;
use oxigraph::model::{NamedNode, NamedNodeRef, NamedOrBlankNode, Term, Triple, TripleRef};
use shacl::{Path, ValidationResult};

/// What makes a record what it is: a value refused here is a record skipped.
const IDENTIFYING: &[NamedNodeRef<'static>] = &[vocab::NAME, vocab::RDF_TYPE];

/// More rounds cannot help: each round removes at least one triple, and a record has few
/// nested nodes.
const MAX_ROUNDS: usize = 16;

/// Leaves out of `record` every value the shapes refuse, with a warning for each. `Err` holds
/// why the record cannot be kept.
pub fn conform(validator: &Validator, record: &mut Record) -> Result<(), String> {
    for _ in 0..MAX_ROUNDS {
        let report = validator.validate(&record.triples);
        let violations: Vec<&ValidationResult> = report
            .results
            .iter()
            .filter(|r| r.severity.as_ref() == shacl::vocab::VIOLATION)
            .collect();
        if violations.is_empty() {
            return Ok(());
        }
        let mut fatal = Vec::new();
        let mut changed = false;
        for result in violations {
            match repair(record, result) {
                Repair::Done => changed = true,
                Repair::AlreadyDone => {}
                Repair::Fatal(why) => fatal.push(why),
            }
        }
        if !fatal.is_empty() {
            fatal.sort();
            fatal.dedup();
            return Err(fatal.join("; "));
        }
        if !changed {
            break;
        }
    }
    let report = validator.validate(&record.triples);
    Err(report
        .results
        .iter()
        .map(|r| format!("{}: {}", place_of(record, r), message(r)))
        .collect::<Vec<_>>()
        .join("; "))
}

enum Repair {
    Done,
    /// An earlier result of the same round removed the value already.
    AlreadyDone,
    Fatal(String),
}

fn repair(record: &mut Record, result: &ValidationResult) -> Repair {
    let predicate = match &result.path {
        Some(Path::Predicate(p)) => Some(p.clone()),
        _ => None,
    };
    let Some(focus) = subject_of(&result.focus_node) else {
        return Repair::Fatal(message(result));
    };
    let on_record = focus == record.iri;
    let owned = !on_record && is_owned(record, &focus);
    if !on_record && !owned {
        return Repair::Fatal(format!("{}: {}", result.focus_node, message(result)));
    }
    let identifying = |p: &NamedNode| IDENTIFYING.iter().any(|i| *i == p.as_ref());
    match (predicate, &result.value) {
        // One value refused: that value goes.
        (Some(p), Some(value)) if !(on_record && identifying(&p)) => {
            let triple = Triple::new(focus.clone(), p, value.clone());
            if !record.triples.contains(&triple) {
                return Repair::AlreadyDone;
            }
            let field = field_of(record, &triple);
            remove_value(record, &triple);
            record.warn(&field, term_text(value), message(result));
            Repair::Done
        }
        // Too many values of a field of the record: they all go, since none is the one.
        (Some(p), None) if on_record && !identifying(&p) => {
            let values: Vec<Triple> = record
                .triples
                .triples_for_subject(&focus)
                .filter(|t| t.predicate == p.as_ref())
                .map(TripleRef::into_owned)
                .collect();
            if values.is_empty() {
                return Repair::AlreadyDone;
            }
            let field = field_of(record, &values[0]);
            let written: Vec<String> = values.iter().map(|t| term_text(&t.object)).collect();
            for t in &values {
                remove_value(record, t);
            }
            record.warn(&field, written.join(" | "), message(result));
            Repair::Done
        }
        // A nested node that does not hold (coordinates without a latitude): the node goes.
        _ if owned => {
            let links = links_to(record, &focus);
            if links.is_empty() {
                return Repair::AlreadyDone;
            }
            let field = fragment_name(record, &focus);
            let written = describe(record, &focus);
            for link in &links {
                remove_value(record, link);
            }
            record.warn(&field, written, message(result));
            Repair::Done
        }
        _ => Repair::Fatal(format!("{}: {}", place_of(record, result), message(result))),
    }
}

/// Removes a triple, and the node it points to when the record owns it and nothing else
/// points there; a nested node left with nothing but its type goes too.
fn remove_value(record: &mut Record, triple: &Triple) {
    record.triples.remove(triple);
    record.fields.remove(triple);
    if let Term::NamedNode(n) = &triple.object {
        if is_owned(record, n) && !is_referenced(record, n) {
            remove_node(record, n);
        }
    }
    if let NamedOrBlankNode::NamedNode(subject) = &triple.subject {
        if *subject != record.iri && is_owned(record, subject) {
            let left = record
                .triples
                .triples_for_subject(subject)
                .filter(|t| t.predicate != vocab::RDF_TYPE)
                .count();
            if left == 0 {
                for link in links_to(record, subject) {
                    record.triples.remove(&link);
                }
                remove_node(record, subject);
            }
        }
    }
}

fn remove_node(record: &mut Record, node: &NamedNode) {
    let triples: Vec<Triple> = record
        .triples
        .triples_for_subject(node)
        .map(TripleRef::into_owned)
        .collect();
    for t in triples {
        record.triples.remove(&t);
        record.fields.remove(&t);
    }
}

/// The triples of the record that point to `node`.
fn links_to(record: &Record, node: &NamedNode) -> Vec<Triple> {
    record
        .triples
        .iter()
        .filter(|t| t.object == oxigraph::model::TermRef::from(node.as_ref()))
        .map(TripleRef::into_owned)
        .collect()
}

fn is_referenced(record: &Record, node: &NamedNode) -> bool {
    !links_to(record, node).is_empty()
}

/// `{iri}#address`, `{iri}#geo`: the nodes a record owns.
fn is_owned(record: &Record, node: &NamedNode) -> bool {
    node.as_str()
        .strip_prefix(record.iri.as_str())
        .is_some_and(|rest| rest.starts_with('#'))
}

fn subject_of(term: &Term) -> Option<NamedNode> {
    match term {
        Term::NamedNode(n) => Some(n.clone()),
        _ => None,
    }
}

/// The source field a triple came from, or a name made from the property.
fn field_of(record: &Record, triple: &Triple) -> String {
    if let Some(field) = record.fields.get(triple) {
        return field.clone();
    }
    let property = local_name(triple.predicate.as_str());
    match &triple.subject {
        NamedOrBlankNode::NamedNode(n) if *n != record.iri => {
            format!("{}.{property}", fragment_name(record, n))
        }
        _ => property.to_owned(),
    }
}

/// The source field of a nested node: the common prefix of its parts' fields (`geo` for
/// `geo.latitude` and `geo.longitude`), else its fragment.
fn fragment_name(record: &Record, node: &NamedNode) -> String {
    let fields: Vec<&String> = record
        .triples
        .triples_for_subject(node)
        .filter_map(|t| record.fields.get(&t.into_owned()))
        .collect();
    let prefixes: Vec<&str> = fields
        .iter()
        .filter_map(|f| f.rsplit_once('.').map(|(prefix, _)| prefix))
        .collect();
    if let Some(first) = prefixes.first() {
        if prefixes.iter().all(|p| p == first) && prefixes.len() == fields.len() {
            return (*first).to_owned();
        }
    }
    if !fields.is_empty() {
        let mut names: Vec<&str> = fields.iter().map(|f| f.as_str()).collect();
        names.sort();
        return names.join("+");
    }
    node.as_str()
        .rsplit_once('#')
        .map_or_else(|| node.as_str().to_owned(), |(_, f)| f.to_owned())
}

/// A nested node's values, for the report (`latitude 95, longitude 2.3`).
fn describe(record: &Record, node: &NamedNode) -> String {
    let mut parts: Vec<String> = record
        .triples
        .triples_for_subject(node)
        .filter(|t| t.predicate != vocab::RDF_TYPE)
        .map(|t| {
            format!(
                "{} {}",
                local_name(t.predicate.as_str()),
                term_text(&t.object.into_owned())
            )
        })
        .collect();
    parts.sort();
    parts.join(", ")
}

fn place_of(record: &Record, result: &ValidationResult) -> String {
    let path = match &result.path {
        Some(Path::Predicate(p)) => local_name(p.as_str()).to_owned(),
        Some(other) => other.to_string(),
        None => String::new(),
    };
    match subject_of(&result.focus_node) {
        Some(n) if n == record.iri => path,
        Some(n) if is_owned(record, &n) => format!("{}.{path}", fragment_name(record, &n)),
        _ => format!("{} {path}", result.focus_node),
    }
}

fn local_name(iri: &str) -> &str {
    iri.rsplit(['#', '/']).next().unwrap_or(iri)
}

/// The shape's English message, else its first, else the constraint's name.
fn message(result: &ValidationResult) -> String {
    result
        .messages
        .iter()
        .find(|m| m.language() == Some("en"))
        .or_else(|| result.messages.first())
        .map(|m| m.value().to_owned())
        .unwrap_or_else(|| {
            local_name(result.component.as_str())
                .trim_end_matches("ConstraintComponent")
                .to_owned()
        })
}

pub fn term_text(term: &Term) -> String {
    match term {
        Term::NamedNode(n) => n.as_str().to_owned(),
        Term::Literal(l) => l.value().to_owned(),
        other => other.to_string(),
    }
}
