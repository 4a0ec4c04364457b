//! Runs the W3C SHACL Core test suite (sht:Validate entries) through the public API.

use std::collections::HashSet;
use std::fs::File;
use std::io::BufReader;
use std::path::{Path as FsPath, PathBuf};
use std::sync::Arc;

use lieux_communs::shacl::{self, Path, Shapes, ValidationReport, ValidationResult};
use oxigraph::io::{RdfFormat, RdfParser};
use oxigraph::model::vocab::{rdf, xsd};
use oxigraph::model::{Graph, NamedNode, NamedNodeRef, NamedOrBlankNodeRef, Term, TermRef};

const SUITE: &str = "/work/shared/suites/shacl/tests/manifest.ttl";
const MF: &str = "http://www.w3.org/2001/sw/DataAccess/tests/test-manifest#";
const SHT: &str = "http://www.w3.org/ns/shacl-test#";
const SH: &str = "http://www.w3.org/ns/shacl#";

fn iri(ns: &str, local: &str) -> NamedNode {
    NamedNode::new_unchecked(format!("{ns}{local}"))
}

fn file_iri(path: &FsPath) -> String {
    format!("file://{}", path.display())
}

fn load(path: &FsPath) -> Graph {
    let reader = BufReader::new(File::open(path).unwrap_or_else(|e| panic!("{path:?}: {e}")));
    let mut graph = Graph::new();
    let parser = RdfParser::from_format(RdfFormat::Turtle)
        .with_base_iri(file_iri(path))
        .expect("base IRI");
    for quad in parser.for_reader(reader) {
        let quad = quad.unwrap_or_else(|e| panic!("{path:?}: {e}"));
        graph.insert(quad.as_ref());
    }
    graph
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

fn list<'a>(g: &'a Graph, mut node: TermRef<'a>) -> Vec<Term> {
    let mut out = Vec::new();
    while node != rdf::NIL.into() {
        out.push(
            object(g, node, &rdf::FIRST.into_owned())
                .expect("rdf:first")
                .into_owned(),
        );
        node = object(g, node, &rdf::REST.into_owned()).expect("rdf:rest");
    }
    out
}

struct Test {
    name: String,
    manifest: Arc<Graph>,
    manifest_iri: String,
    entry: Term,
}

fn collect(path: &FsPath, seen: &mut HashSet<PathBuf>, tests: &mut Vec<Test>) {
    if !seen.insert(path.to_path_buf()) {
        return;
    }
    let graph = Arc::new(load(path));
    let manifest_iri = file_iri(path);
    let to_path = |t: TermRef<'_>| match t {
        TermRef::NamedNode(n) => {
            PathBuf::from(n.as_str().strip_prefix("file://").expect("file IRI"))
        }
        other => panic!("not a file IRI: {other}"),
    };
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
            collect(&to_path(inc.as_ref()), seen, tests);
        }
        if let Some(entries) = object(&graph, m.as_ref(), &iri(MF, "entries")) {
            for entry in list(&graph, entries) {
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
}

/// Loads a graph named by the manifest; the manifest's own file is reused as is so
/// blank nodes shared with the expected report keep their identity.
fn graph_for(test: &Test, iri: TermRef<'_>, cache: &mut Vec<(String, Arc<Graph>)>) -> Arc<Graph> {
    let TermRef::NamedNode(n) = iri else {
        panic!("graph must be an IRI")
    };
    if n.as_str() == test.manifest_iri {
        return Arc::clone(&test.manifest);
    }
    if let Some((_, g)) = cache.iter().find(|(k, _)| k == n.as_str()) {
        return Arc::clone(g);
    }
    let g = Arc::new(load(FsPath::new(
        n.as_str().strip_prefix("file://").unwrap(),
    )));
    cache.push((n.as_str().to_owned(), Arc::clone(&g)));
    g
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
    let data = graph_for(test, data_iri, cache);
    let shapes_graph = graph_for(test, shapes_iri, cache);
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

#[test]
fn w3c_shacl_core() {
    let mut tests = Vec::new();
    collect(FsPath::new(SUITE), &mut HashSet::new(), &mut tests);
    let validate_type: Term = iri(SHT, "Validate").into();
    tests.retain(|t| {
        subj(t.entry.as_ref()).is_some_and(|s| {
            t.manifest.contains(oxigraph::model::TripleRef::new(
                s,
                rdf::TYPE,
                &validate_type,
            ))
        })
    });
    let mut cache = Vec::new();
    let mut failures = Vec::new();
    for test in &tests {
        if let Err(e) = run(test, &mut cache) {
            failures.push(format!("{}: {e}", test.name));
        }
    }
    for f in &failures {
        println!("FAIL {f}");
    }
    let failed = failures.len();
    println!(
        "SHACL Core: {} passed, {failed} failed",
        tests.len() - failed
    );
    assert_eq!(tests.len(), 98, "the suite has 98 sht:Validate tests");
    assert_eq!(failed, 0, "failing tests: {failures:#?}");
}
