//! Pins the public API's behaviour on small hand-made graphs, separate shapes and data graphs
//! as a user of the crate has them.

use oxrdf::{Graph, NamedNode, Term};
use oxttl::TurtleParser;
use shacl::{validate, validate_nodes, Path, Shapes, ValidationResult};

fn parse(turtle: &str) -> Graph {
    let mut graph = Graph::new();
    for triple in TurtleParser::new().for_slice(turtle) {
        graph.insert(triple.expect("valid Turtle").as_ref());
    }
    graph
}

fn people_shapes() -> Graph {
    parse(include_str!("data/people-shapes.ttl"))
}

fn people_data() -> Graph {
    parse(include_str!("data/people-data.ttl"))
}

fn ex(local: &str) -> Term {
    NamedNode::new_unchecked(format!("http://example.org/{local}")).into()
}

fn component(r: &ValidationResult) -> &str {
    r.component
        .as_str()
        .trim_start_matches("http://www.w3.org/ns/shacl#")
}

#[test]
fn reports_violations_through_the_public_api() {
    let shapes = Shapes::from_graph(&people_shapes()).expect("shapes compile");
    assert_eq!(shapes.shape_count(), 7);
    let data = people_data();
    let report = validate(&shapes, &data);
    assert!(!report.conforms);

    let mut found: Vec<(String, &str)> = report
        .results
        .iter()
        .map(|r| (r.focus_node.to_string(), component(r)))
        .collect();
    found.sort();
    let mut expected = vec![
        // Carol has two names; bob (a Person through rdfs:subClassOf) fails the
        // nested sh:node through Carol, and both Alice's and Bob's friends' names
        // are checked by the sequence path.
        (
            "<http://example.org/carol>".to_owned(),
            "MaxCountConstraintComponent",
        ),
        (
            "<http://example.org/carol>".to_owned(),
            "MinInclusiveConstraintComponent",
        ),
        (
            "<http://example.org/alice>".to_owned(),
            "NodeConstraintComponent",
        ),
        (
            "<http://example.org/bob>".to_owned(),
            "NodeConstraintComponent",
        ),
        (
            "<http://example.org/carol>".to_owned(),
            "NodeConstraintComponent",
        ),
        (
            "<http://example.org/alice>".to_owned(),
            "PatternConstraintComponent",
        ),
        (
            "<http://example.org/paris>".to_owned(),
            "ClosedConstraintComponent",
        ),
    ];
    expected.sort();
    assert_eq!(found, expected, "{}", report.to_text());

    let pattern = report
        .results
        .iter()
        .find(|r| component(r) == "PatternConstraintComponent")
        .expect("pattern result");
    assert_eq!(
        pattern.value,
        Some(oxrdf::Literal::new_simple_literal("bob").into())
    );
    assert_eq!(
        pattern.severity.as_str(),
        "http://www.w3.org/ns/shacl#Warning"
    );
    assert!(matches!(&pattern.path, Some(Path::Sequence(steps)) if steps.len() == 2));

    let closed = report
        .results
        .iter()
        .find(|r| component(r) == "ClosedConstraintComponent")
        .expect("closed result");
    assert_eq!(
        closed.path,
        Some(Path::Predicate(NamedNode::new_unchecked(
            "http://example.org/population"
        )))
    );

    let text = report.to_text();
    assert_eq!(text.lines().count(), report.results.len());
    assert!(text.contains("a person needs exactly one name"), "{text}");

    let graph = report.to_graph();
    let conforms = NamedNode::new_unchecked("http://www.w3.org/ns/shacl#conforms");
    let values: Vec<_> = graph
        .triples_for_predicate(&conforms)
        .map(|t| t.object.to_string())
        .collect();
    assert_eq!(
        values,
        ["\"false\"^^<http://www.w3.org/2001/XMLSchema#boolean>"]
    );
}

#[test]
fn validate_nodes_only_checks_the_given_focus_nodes() {
    let shapes = Shapes::from_graph(&people_shapes()).expect("shapes compile");
    let data = people_data();

    let carol = validate_nodes(&shapes, &data, &[ex("carol")]);
    assert!(carol.results.iter().all(|r| r.focus_node == ex("carol")));
    assert_eq!(carol.results.len(), 3, "{}", carol.to_text());

    // Targeted only through rdfs:subClassOf, which lives in the data graph.
    let bob = validate_nodes(&shapes, &data, &[ex("bob")]);
    assert_eq!(bob.results.len(), 1, "{}", bob.to_text());

    // Dave has no type and no ex:mayor: no shape targets him.
    assert!(validate_nodes(&shapes, &data, &[ex("dave")]).conforms);
    // targetSubjectsOf
    assert_eq!(
        validate_nodes(&shapes, &data, &[ex("paris")]).results.len(),
        1
    );
}

#[test]
fn recursive_shapes_terminate() {
    let shapes = parse(
        r#"@prefix sh: <http://www.w3.org/ns/shacl#> . @prefix ex: <http://example.org/> .
        ex:S sh:targetNode ex:a ; sh:property [ sh:path ex:p ; sh:node ex:S ; sh:property ex:P ] .
        ex:P sh:path ex:p ; sh:property ex:P ; sh:minCount 1 ."#,
    );
    let data = parse("<http://example.org/a> <http://example.org/p> <http://example.org/a> .");
    let shapes = Shapes::from_graph(&shapes).expect("shapes compile");
    assert!(validate(&shapes, &data).conforms);
}

#[test]
fn shapes_are_shareable_across_threads() {
    fn assert_send_sync<T: Send + Sync>() {}
    assert_send_sync::<Shapes>();
}

#[test]
fn invalid_shapes_are_rejected() {
    let bad = parse(
        r#"@prefix sh: <http://www.w3.org/ns/shacl#> .
        <http://example.org/S> sh:targetNode <http://example.org/a> ; sh:pattern "(" ."#,
    );
    assert!(Shapes::from_graph(&bad).is_err());
}
