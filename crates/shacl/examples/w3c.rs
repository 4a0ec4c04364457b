//! Runs the W3C SHACL Core test suite (its 98 `sht:Validate` entries) through the public API:
//!
//! ```text
//! cargo run -q -p lieux-communs-shacl --example w3c -- <SUITES>/shacl
//! ```
//!
//! where `<SUITES>/shacl/tests/manifest.ttl` is the suite's manifest (the layout of
//! w3c/data-shapes' `tests/` folder). Prints the score and each failure; exits 0 only when
//! every test passes, 1 when one fails, 2 when the suite cannot be read.

use std::collections::HashSet;
use std::fs::File;
use std::io::BufReader;
use std::path::{Path as FsPath, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;

use oxrdf::vocab::{rdf, xsd};
use oxrdf::{Graph, NamedNode, NamedNodeRef, NamedOrBlankNodeRef, Term, TermRef};
use oxttl::TurtleParser;
use shacl::{Path, Shapes, ValidationReport, ValidationResult};

/// The number of `sht:Validate` entries of the SHACL Core suite (2019 freeze of SHACL 1.0).
const EXPECTED_TESTS: usize = 98;
const MF: &str = "http://www.w3.org/2001/sw/DataAccess/tests/test-manifest#";
const SHT: &str = "http://www.w3.org/ns/shacl-test#";
const SH: &str = "http://www.w3.org/ns/shacl#";

fn iri(ns: &str, local: &str) -> NamedNode {
    NamedNode::new_unchecked(format!("{ns}{local}"))
}

/// `path` must be absolute (the suite folder is canonicalized once).
fn file_iri(path: &FsPath) -> String {
    url::Url::from_file_path(path)
        .map(String::from)
        .unwrap_or_else(|()| format!("file://{}", path.display()))
}

fn file_path(iri: &str) -> Result<PathBuf, String> {
    url::Url::parse(iri)
        .ok()
        .and_then(|u| u.to_file_path().ok())
        .ok_or_else(|| format!("not a file IRI: {iri}"))
}

fn load(path: &FsPath) -> Result<Graph, String> {
    let file = File::open(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    let mut graph = Graph::new();
    let parser = TurtleParser::new()
        .with_base_iri(file_iri(path))
        .map_err(|e| format!("{}: {e}", path.display()))?;
    for triple in parser.for_reader(BufReader::new(file)) {
        let triple = triple.map_err(|e| format!("{}: {e}", path.display()))?;
        graph.insert(triple.as_ref());
    }
    Ok(graph)
}

fn subj(t: TermRef<'_>) -> Option<NamedOrBlankNodeRef<'_>> {
    match t {
        TermRef::NamedNode(n) => Some(n.into()),
        TermRef::BlankNode(b) => Some(b.into()),
        _ => None,
    }
}

fn object<'a>(g: &'a Graph, s: TermRef<'a>, p: &NamedNode) -> Option<TermRef<'a>> {
    g.object_for_subject_predicate(subj(s)?, p)
}

fn list<'a>(g: &'a Graph, mut node: TermRef<'a>) -> Result<Vec<Term>, String> {
    let mut out = Vec::new();
    while node != rdf::NIL.into() {
        let first = object(g, node, &rdf::FIRST.into_owned());
        out.push(first.ok_or(format!("{node}: no rdf:first"))?.into_owned());
        node = object(g, node, &rdf::REST.into_owned()).ok_or(format!("{node}: no rdf:rest"))?;
    }
    Ok(out)
}

struct Test {
    name: String,
    manifest: Arc<Graph>,
    manifest_iri: String,
    entry: Term,
}

/// The entries of the manifest at `path` and of those it includes (`mf:include`).
fn collect(
    path: &FsPath,
    seen: &mut HashSet<PathBuf>,
    tests: &mut Vec<Test>,
) -> Result<(), String> {
    if !seen.insert(path.to_path_buf()) {
        return Ok(());
    }
    let graph = Arc::new(load(path)?);
    let manifest_iri = file_iri(path);
    let manifests: Vec<Term> = graph
        .subjects_for_predicate_object(rdf::TYPE, &iri(MF, "Manifest"))
        .map(|s| s.into_owned().into())
        .collect();
    for m in manifests {
        let Some(subject) = subj(m.as_ref()) else {
            continue;
        };
        let includes: Vec<Term> = graph
            .objects_for_subject_predicate(subject, &iri(MF, "include"))
            .map(TermRef::into_owned)
            .collect();
        for inc in includes {
            let Term::NamedNode(inc) = inc else {
                return Err(format!(
                    "{}: mf:include {inc} is not an IRI",
                    path.display()
                ));
            };
            collect(&file_path(inc.as_str())?, seen, tests)?;
        }
        if let Some(entries) = object(&graph, m.as_ref(), &iri(MF, "entries")) {
            for entry in list(&graph, entries)? {
                let name = entry.to_string();
                tests.push(Test {
                    name: name
                        .trim_matches(['<', '>'])
                        .rsplit("/core/")
                        .next()
                        .unwrap_or(&name)
                        .to_owned(),
                    manifest: Arc::clone(&graph),
                    manifest_iri: manifest_iri.clone(),
                    entry,
                });
            }
        }
    }
    Ok(())
}

/// Loads a graph named by the manifest; the manifest's own file is reused as is so
/// blank nodes shared with the expected report keep their identity.
fn graph_for(
    test: &Test,
    iri: TermRef<'_>,
    cache: &mut Vec<(String, Arc<Graph>)>,
) -> Result<Arc<Graph>, String> {
    let TermRef::NamedNode(n) = iri else {
        return Err(format!("graph {iri} is not an IRI"));
    };
    if n.as_str() == test.manifest_iri {
        return Ok(Arc::clone(&test.manifest));
    }
    if let Some((_, g)) = cache.iter().find(|(k, _)| k == n.as_str()) {
        return Ok(Arc::clone(g));
    }
    let g = Arc::new(load(&file_path(n.as_str())?)?);
    cache.push((n.as_str().to_owned(), Arc::clone(&g)));
    Ok(g)
}

/// A comparable rendering of one result. Blank nodes keep their identity only when
/// they come from the manifest's own graph (same parse as the expected report).
fn key(
    focus: &Term,
    path: Option<&Path>,
    value: Option<&Term>,
    shape: &Term,
    component: &str,
    severity: &str,
    (data_shared, shapes_shared): (bool, bool),
) -> String {
    let term = |t: &Term, shared: bool| match t {
        Term::BlankNode(_) if !shared => "_:any".to_owned(),
        other => other.to_string(),
    };
    format!(
        "focus={} path={} value={} shape={} component={} severity={}",
        term(focus, data_shared),
        path.map(ToString::to_string).unwrap_or_default(),
        value.map(|v| term(v, data_shared)).unwrap_or_default(),
        term(shape, shapes_shared),
        component,
        severity
    )
}

fn run(test: &Test, cache: &mut Vec<(String, Arc<Graph>)>) -> Result<(), String> {
    let g = &test.manifest;
    let entry = test.entry.as_ref();
    let action = object(g, entry, &iri(MF, "action")).ok_or("no mf:action")?;
    let data_iri = object(g, action, &iri(SHT, "dataGraph")).ok_or("no dataGraph")?;
    let shapes_iri = object(g, action, &iri(SHT, "shapesGraph")).ok_or("no shapesGraph")?;
    let data = graph_for(test, data_iri, cache)?;
    let shapes_graph = graph_for(test, shapes_iri, cache)?;
    let data_shared = Arc::ptr_eq(&data, &test.manifest);
    let shapes_shared = Arc::ptr_eq(&shapes_graph, &test.manifest);

    let shapes = Shapes::from_graph(&shapes_graph).map_err(|e| format!("shapes: {e}"))?;
    let report: ValidationReport = shacl::validate(&shapes, &*data);

    let expected = object(g, entry, &iri(MF, "result")).ok_or("no mf:result")?;
    let sh = |local: &str| iri(SH, local);
    let conforms = match object(g, expected, &sh("conforms")) {
        Some(TermRef::Literal(l)) if l.datatype() == xsd::BOOLEAN => l.value() == "true",
        other => return Err(format!("bad sh:conforms {other:?}")),
    };
    let mut expected_keys: Vec<String> = Vec::new();
    let expected_subject = subj(expected).ok_or("bad mf:result")?;
    for r in g.objects_for_subject_predicate(expected_subject, &sh("result")) {
        let get = |p: &str| object(g, r, &sh(p)).map(TermRef::into_owned);
        let path = object(g, r, &sh("resultPath"))
            .map(|p| Path::from_graph(g, p))
            .transpose()
            .map_err(|e| e.to_string())?;
        let named = |t: Option<Term>| match t {
            Some(Term::NamedNode(n)) => n.as_str().to_owned(),
            other => format!("{other:?}"),
        };
        expected_keys.push(key(
            &get("focusNode").ok_or("no focusNode")?,
            path.as_ref(),
            get("value").as_ref(),
            &get("sourceShape").ok_or("no sourceShape")?,
            &named(get("sourceConstraintComponent")),
            &named(get("resultSeverity")),
            (data_shared, shapes_shared),
        ));
    }
    let actual_key = |r: &ValidationResult| {
        key(
            &r.focus_node,
            r.path.as_ref(),
            r.value.as_ref(),
            &r.source_shape,
            r.component.as_str(),
            r.severity.as_str(),
            (data_shared, shapes_shared),
        )
    };
    let mut actual_keys: Vec<String> = report.results.iter().map(actual_key).collect();
    expected_keys.sort();
    actual_keys.sort();

    // The RDF rendering must agree with the structured report.
    let rendered = report.to_graph();
    let rendered_results = rendered
        .triples_for_predicate(NamedNodeRef::new_unchecked(&format!("{SH}result")))
        .count();
    if rendered_results != report.results.len() {
        return Err("to_graph lost results".into());
    }

    if conforms != report.conforms || expected_keys != actual_keys {
        let only = |a: &[String], b: &[String]| {
            let mut b = b.to_vec();
            a.iter()
                .filter(|x| match b.iter().position(|y| y == *x) {
                    Some(i) => {
                        b.remove(i);
                        false
                    }
                    None => true,
                })
                .cloned()
                .collect::<Vec<_>>()
        };
        return Err(format!(
            "conforms expected {conforms} got {}\n    missing: {:#?}\n    unexpected: {:#?}",
            report.conforms,
            only(&expected_keys, &actual_keys),
            only(&actual_keys, &expected_keys)
        ));
    }
    Ok(())
}

fn main() -> ExitCode {
    let Some(folder) = std::env::args_os().nth(1).map(PathBuf::from) else {
        eprintln!("usage: w3c <SUITES>/shacl (the folder holding tests/manifest.ttl)");
        return ExitCode::from(2);
    };
    match run_suite(&folder) {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::FAILURE,
        Err(e) => {
            eprintln!("W3C SHACL Core: {e}");
            ExitCode::from(2)
        }
    }
}

/// Runs every `sht:Validate` entry; `Ok(false)` when one fails, `Err` when the suite cannot
/// be read.
fn run_suite(folder: &FsPath) -> Result<bool, String> {
    let folder = std::fs::canonicalize(folder)
        .map_err(|e| format!("no suite folder at {}: {e}", folder.display()))?;
    let manifest = folder.join("tests").join("manifest.ttl");
    if !manifest.is_file() {
        return Err(format!("no manifest at {}", manifest.display()));
    }
    let mut tests = Vec::new();
    collect(&manifest, &mut HashSet::new(), &mut tests)?;
    let validate_type: Term = iri(SHT, "Validate").into();
    tests.retain(|t| {
        subj(t.entry.as_ref()).is_some_and(|s| {
            t.manifest
                .contains(oxrdf::TripleRef::new(s, rdf::TYPE, &validate_type))
        })
    });
    if tests.len() != EXPECTED_TESTS {
        return Err(format!(
            "{} has {} sht:Validate tests, not the suite's {EXPECTED_TESTS}",
            manifest.display(),
            tests.len()
        ));
    }
    let mut cache = Vec::new();
    let mut failed = 0;
    for test in &tests {
        if let Err(e) = run(test, &mut cache) {
            println!("FAIL {}: {e}", test.name);
            failed += 1;
        }
    }
    println!(
        "W3C SHACL Core: {}/{} passed",
        tests.len() - failed,
        tests.len()
    );
    Ok(failed == 0)
}
