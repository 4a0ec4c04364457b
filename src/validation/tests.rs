//! The store-aware validation: what a change makes the validator look at, in a real store.

use oxigraph::io::{RdfFormat, RdfParser};
use oxigraph::model::{Graph, NamedNode, Term};
use shacl::{validate_nodes, Shapes};

// The engine's own test graphs: people who know each other, cities with a mayor.
const SHAPES: &str = include_str!("../../crates/shacl/tests/data/people-shapes.ttl");
const DATA: &str = include_str!("../../crates/shacl/tests/data/people-data.ttl");

fn parse(turtle: &str) -> Graph {
    let mut graph = Graph::new();
    for quad in RdfParser::from_format(RdfFormat::Turtle).for_slice(turtle) {
        graph.insert(quad.expect("valid Turtle").as_ref());
    }
    graph
}

/// A store holding `data` in the named graph `graph`.
fn store_with(data: &Graph, graph: &NamedNode) -> oxigraph::store::Store {
    let store = oxigraph::store::Store::new().unwrap();
    for t in data.iter() {
        store
            .insert(t.in_graph(oxigraph::model::GraphNameRef::from(graph)))
            .unwrap();
    }
    store
}

fn ex(local: &str) -> Term {
    NamedNode::new_unchecked(format!("http://example.org/{local}")).into()
}

/// A write is judged on what it changes in the union of the store's graphs: re-sending a
/// triple another graph already holds (carol's name, say) does not make carol a focus node,
/// whatever is wrong with her; adding a new triple about her does.
#[test]
fn triples_already_stored_change_nothing_to_validate() {
    use super::{Change, ClassCache, Scope, StoreView};
    use oxigraph::model::{Literal, Triple};
    let shapes = Shapes::from_graph(&parse(SHAPES)).expect("shapes compile");
    let stored = NamedNode::new_unchecked("http://example.org/graphs/stored");
    let store = store_with(&parse(DATA), &stored);
    let writer = NamedNode::new_unchecked("http://example.org/graphs/writer");
    let classes = ClassCache::default();
    let validate_change = |triple: Triple| {
        let mut change = Change::default();
        change.add.insert(&triple);
        let view = StoreView::new(&store, &classes, writer.as_ref(), &change);
        let focus = change.focus_nodes(&view, &shapes, Scope::Changes);
        let report = validate_nodes(&shapes, &view, &focus);
        // The dry run answers for the payload: carol is checked whatever it changes.
        let payload = change.focus_nodes(&view, &shapes, Scope::Payload);
        (focus, report, sorted(payload))
    };
    let Term::NamedNode(carol) = ex("carol") else {
        unreachable!()
    };
    let name = NamedNode::new_unchecked("http://example.org/name");
    // Carol, alice who knows her, and bob and dave who know alice (sorted).
    fn knowing_carol() -> Vec<Term> {
        sorted(vec![ex("carol"), ex("alice"), ex("bob"), ex("dave")])
    }
    fn sorted(mut nodes: Vec<Term>) -> Vec<Term> {
        nodes.sort_by_key(Term::to_string);
        nodes
    }
    let (focus, report, payload) = validate_change(Triple::new(
        carol.clone(),
        name.clone(),
        Literal::new_simple_literal("Carol"),
    ));
    assert!(focus.is_empty(), "{focus:?}");
    assert!(report.conforms);
    assert_eq!(payload, vec![ex("carol")]);
    // A new name changes what those whose `sh:node ex:PersonShape` reads through `ex:knows`.
    let (focus, report, payload) = validate_change(Triple::new(
        carol.clone(),
        name.clone(),
        Literal::new_simple_literal("Caro"),
    ));
    assert_eq!(sorted(focus), knowing_carol());
    assert!(!report.conforms, "carol has three names now");
    assert_eq!(payload, knowing_carol());

    // What the commit may leave alone: only what the write's own graph holds already.
    let known = Triple::new(carol, name, Literal::new_simple_literal("Carol"));
    let mut change = Change::default();
    change.add.insert(&known);
    let held_by = |graph: &NamedNode| {
        StoreView::new(&store, &classes, graph.as_ref(), &change).holds(known.as_ref())
    };
    assert!(held_by(&stored));
    assert!(
        !held_by(&writer),
        "another graph's triple is written all the same"
    );
}

/// Incremental validation (the focus nodes of a change) agrees with validating the whole view,
/// for changes whose effect reaches other nodes through the shapes' paths.
mod incremental {
    use super::super::{Change, ClassCache, Scope, StoreView};
    use super::{parse, store_with};
    use oxigraph::model::{NamedNode, Term};
    use shacl::{validate, validate_nodes, Shapes};

    const PREFIXES: &str = "@prefix sh: <http://www.w3.org/ns/shacl#> . @prefix ex: <http://example.org/> . @prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .\n";

    fn turtle(text: &str) -> oxigraph::model::Graph {
        parse(&format!("{PREFIXES}{text}"))
    }

    /// A valid store holding `data`, then a change: its focus nodes, whether they conform, and
    /// whether the whole view does.
    fn judge(shapes: &str, data: &str, add: &str, remove: &str) -> (Vec<Term>, bool, bool) {
        let shapes = Shapes::from_graph(&turtle(shapes)).unwrap();
        let graph = NamedNode::new_unchecked("http://example.org/graphs/w");
        let store = store_with(&turtle(data), &graph);
        let classes = ClassCache::default();
        let unchanged = Change::default();
        let before = StoreView::new(&store, &classes, graph.as_ref(), &unchanged);
        assert!(
            validate(&shapes, &before).conforms,
            "valid before the change"
        );
        let change = Change {
            add: turtle(add),
            remove: turtle(remove),
        };
        let view = StoreView::new(&store, &classes, graph.as_ref(), &change);
        let focus = change.focus_nodes(&view, &shapes, Scope::Changes);
        let incremental = validate_nodes(&shapes, &view, &focus).conforms;
        (focus, incremental, validate(&shapes, &view).conforms)
    }

    #[track_caller]
    fn refused_like_a_full_validation(shapes: &str, data: &str, add: &str, remove: &str) {
        let (focus, incremental, full) = judge(shapes, data, add, remove);
        assert!(!full, "the change breaks the data");
        assert!(!incremental, "focus nodes {focus:?} miss it");
    }

    #[test]
    fn a_node_reached_backwards_is_judged_again() {
        refused_like_a_full_validation(
            "ex:S a sh:NodeShape ; sh:targetClass ex:Parent ;
                sh:property [ sh:path [ sh:inversePath ex:parent ] ; sh:class ex:Person ] .",
            "ex:alice a ex:Parent . ex:bob ex:parent ex:alice ; a ex:Person .",
            "",
            "ex:bob a ex:Person .",
        );
        refused_like_a_full_validation(
            "ex:S a sh:NodeShape ; sh:targetClass ex:Parent ;
                sh:property [ sh:path ( [ sh:inversePath ex:parent ] ex:name ) ; sh:maxCount 1 ] .",
            "ex:alice a ex:Parent . ex:bob ex:parent ex:alice ; ex:name \"b\" .",
            "ex:bob ex:name \"c\" .",
            "",
        );
    }

    #[test]
    fn nodes_any_number_of_links_away_are_judged_again() {
        refused_like_a_full_validation(
            "ex:S a sh:NodeShape ; sh:targetClass ex:A ; sh:property [ sh:path ex:p ; sh:node ex:S1 ] .
             ex:S1 a sh:NodeShape ; sh:property [ sh:path [ sh:zeroOrMorePath ex:q ] ; sh:node ex:S2 ] .
             ex:S2 a sh:NodeShape ; sh:property [ sh:path ex:label ; sh:maxCount 1 ] .",
            "ex:a a ex:A ; ex:p ex:b . ex:b ex:q ex:c . ex:c ex:label \"1\" .",
            "ex:c ex:label \"2\" .",
            "",
        );
        let mut chain = String::from("ex:n0 a ex:A . ");
        for i in 0..12 {
            chain += &format!("ex:n{i} ex:q ex:n{} . ", i + 1);
        }
        chain += "ex:n12 ex:label \"1\" .";
        refused_like_a_full_validation(
            "ex:S a sh:NodeShape ; sh:targetClass ex:A ;
                sh:property [ sh:path ( [ sh:zeroOrMorePath ex:q ] ex:label ) ; sh:maxCount 1 ] .",
            &chain,
            "ex:n12 ex:label \"2\" .",
            "",
        );
        let mut known = String::new();
        for i in 0..12 {
            known += &format!("ex:n{i} ex:name \"n\" ; ex:knows ex:n{} . ", i + 1);
        }
        known += "ex:n12 ex:name \"n\" .";
        refused_like_a_full_validation(
            "ex:S a sh:NodeShape ; sh:targetNode ex:n0 ; sh:property [ sh:path ex:knows ; sh:node ex:T ] .
             ex:T a sh:NodeShape ; sh:property [ sh:path ex:name ; sh:maxCount 1 ] ;
                sh:property [ sh:path ex:knows ; sh:node ex:T ] .",
            &known,
            "ex:n12 ex:name \"m\" .",
            "",
        );
    }

    /// What no shape reads through a link changes nothing for the nodes linking to it: a
    /// network renamed, its member places are not judged again.
    #[test]
    fn what_no_shape_reads_through_a_link_concerns_the_changed_node_only() {
        let (focus, incremental, full) = judge(
            "ex:S a sh:NodeShape ; sh:targetClass ex:Place ; sh:property [ sh:path ex:network ; sh:class ex:Network ] .",
            "ex:n a ex:Network ; ex:name \"x\" . ex:p1 a ex:Place ; ex:network ex:n . ex:p2 a ex:Place ; ex:network ex:n .",
            "ex:n ex:name \"y\" .",
            "ex:n ex:name \"x\" .",
        );
        assert!(incremental && full);
        assert_eq!(
            focus,
            vec![Term::from(NamedNode::new_unchecked("http://example.org/n"))]
        );
    }

    /// The dry run checks its payload's nodes, and reaches further only from what the payload
    /// would change: re-sending stored triples does not fan out to every place.
    #[test]
    fn a_payload_of_stored_triples_is_judged_alone() {
        let shapes = Shapes::from_graph(&turtle(
            "ex:S a sh:NodeShape ; sh:targetClass ex:Place ; sh:property [ sh:path ex:network ; sh:class ex:Network ] .",
        ))
        .unwrap();
        let graph = NamedNode::new_unchecked("http://example.org/graphs/w");
        let mut data = String::from("ex:n a ex:Network . ex:Place rdfs:subClassOf ex:Thing . ");
        for i in 0..1000 {
            data += &format!("ex:p{i} a ex:Place ; ex:network ex:n . ");
        }
        let store = store_with(&turtle(&data), &graph);
        let classes = ClassCache::default();
        let scratch = NamedNode::new_unchecked("http://example.org/graphs/validate");
        for payload in ["ex:Place rdfs:subClassOf ex:Thing .", "ex:n a ex:Network ."] {
            let change = Change {
                add: turtle(payload),
                remove: Default::default(),
            };
            let view = StoreView::new(&store, &classes, scratch.as_ref(), &change);
            let focus = change.focus_nodes(&view, &shapes, Scope::Payload);
            assert_eq!(focus.len(), 1, "{payload}: {focus:?}");
        }
    }
}
