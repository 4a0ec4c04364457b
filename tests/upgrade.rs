//! An upgrade of the binary on an existing store: the ontology graph follows the ontology the
//! new binary carries, while the networks' graphs and the fixtures (even modified) stay as they
//! were.

mod common;

use lieux_communs::config::Config;
use lieux_communs::rdf::Contexts;
use lieux_communs::store::AppStore;
use oxigraph::model::{GraphNameRef, NamedNodeRef, QuadRef};
use oxigraph::sparql::{QueryResults, SparqlEvaluator};

fn open(config: &Config) -> AppStore {
    let store = AppStore::open(config).unwrap();
    let contexts = Contexts::new(lieux_communs::bundled::CONTEXT.to_vec(), &store.base);
    store.bootstrap(config, &contexts).unwrap();
    store
}

fn ask(store: &AppStore, query: &str) -> bool {
    match SparqlEvaluator::new()
        .parse_query(query)
        .unwrap()
        .on_store(&store.store)
        .execute()
        .unwrap()
    {
        QueryResults::Boolean(answer) => answer,
        _ => panic!("not an ASK query"),
    }
}

#[test]
fn the_ontology_graph_follows_the_binary_and_nothing_else_moves() {
    let folder = std::env::temp_dir().join(format!("lieux-communs-upgrade-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&folder);
    let config = Config {
        store: folder.clone(),
        ..Config::default()
    };
    let ontology = "<http://localhost:8080/graphs/ontology>";
    let fixtures = "<http://localhost:8080/graphs/fixtures>";
    let network = NamedNodeRef::new_unchecked("http://localhost:8080/graphs/rfflab");
    {
        let store = open(&config);
        // What an older binary would have left: an ontology with a class renamed, and a
        // network's data and an edited fixture, which the upgrade must keep.
        let update = format!(
            "PREFIX owl: <http://www.w3.org/2002/07/owl#>
             PREFIX tl: <https://w3id.org/tiers-lieux/ns#>
             DELETE {{ GRAPH {ontology} {{ tl:Place ?p ?o }} }}
             INSERT {{ GRAPH {ontology} {{ tl:OldPlace a owl:Class }} }}
             WHERE {{ GRAPH {ontology} {{ tl:Place ?p ?o }} }} ;
             DELETE WHERE {{ GRAPH {fixtures} {{ ?commons tl:name \"La Communauté des aiguilleurs·euses des communs des tiers-lieux\" }} }}"
        );
        SparqlEvaluator::new()
            .parse_update(&update)
            .unwrap()
            .on_store(&store.store)
            .execute()
            .unwrap();
        store
            .store
            .insert(QuadRef::new(
                NamedNodeRef::new_unchecked("http://localhost:8080/places/ours"),
                NamedNodeRef::new_unchecked("https://w3id.org/tiers-lieux/ns#name"),
                oxigraph::model::LiteralRef::new_simple_literal("Notre lieu"),
                GraphNameRef::NamedNode(network),
            ))
            .unwrap();
        assert!(ask(
            &store,
            &format!(
                "ASK {{ GRAPH {ontology} {{ <https://w3id.org/tiers-lieux/ns#OldPlace> ?p ?o }} }}"
            )
        ));
    }
    // The new start: the store reopened by the (same) binary, as after an upgrade.
    let store = open(&config);
    let tl = "https://w3id.org/tiers-lieux/ns#";
    assert!(
        !ask(
            &store,
            &format!("ASK {{ GRAPH {ontology} {{ <{tl}OldPlace> ?p ?o }} }}")
        ),
        "the old ontology is gone"
    );
    assert!(
        ask(&store, &format!("ASK {{ GRAPH {ontology} {{ <{tl}Place> a <http://www.w3.org/2002/07/owl#Class> }} }}")),
        "the carried ontology is back"
    );
    assert!(
        ask(
            &store,
            &format!(
                "ASK {{ GRAPH <{network}> {{ ?place <{tl}name> \"Notre lieu\" }} }}",
                network = network.as_str()
            )
        ),
        "a network's graph is untouched"
    );
    assert!(
        !ask(&store, &format!("ASK {{ GRAPH {fixtures} {{ ?c <{tl}name> \"La Communauté des aiguilleurs·euses des communs des tiers-lieux\" }} }}")),
        "the fixtures were not loaded again"
    );
    // The ontology graph's provenance is replaced, not piled up.
    assert!(!ask(
        &store,
        &format!(
            "ASK {{ GRAPH <http://localhost:8080/graphs/meta> {{ {ontology} <http://purl.org/dc/terms/modified> ?a, ?b FILTER(?a != ?b) }} }}"
        )
    ));
    // Once in line, a restart changes nothing.
    let before = store.store.len().unwrap();
    drop(store);
    let store = open(&config);
    assert_eq!(store.store.len().unwrap(), before);
    drop(store);
    let _ = std::fs::remove_dir_all(&folder);
}
