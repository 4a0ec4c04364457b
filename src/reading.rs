//! Where the read side (`crate::resources`: descriptions, collections, funding views) finds its
//! quads: in the in-memory copy that `crate::replica` keeps in step with each commit when it
//! is on (the server), in Oxigraph's store otherwise (the command-line tools). Both answer a
//! pattern over every graph, the default one included. Apart because the copy answers without
//! RocksDB's look-up of each term's string: profiled on a rendered GET of one place, those
//! look-ups took three quarters of the server's CPU.

use crate::quad_index::QuadIndex;
use oxigraph::model::{GraphNameRef, NamedNodeRef, NamedOrBlankNodeRef, Quad, TermRef};
use oxigraph::store::{StorageError, Store};

/// The quads matching a pattern, in `graph` or (`None`) in any graph.
pub trait Quads {
    fn matching<'a>(
        &'a self,
        subject: Option<NamedOrBlankNodeRef<'_>>,
        predicate: Option<NamedNodeRef<'_>>,
        object: Option<TermRef<'_>>,
        graph: Option<GraphNameRef<'_>>,
    ) -> Box<dyn Iterator<Item = Result<Quad, StorageError>> + 'a>;
}

impl Quads for Store {
    fn matching<'a>(
        &'a self,
        subject: Option<NamedOrBlankNodeRef<'_>>,
        predicate: Option<NamedNodeRef<'_>>,
        object: Option<TermRef<'_>>,
        graph: Option<GraphNameRef<'_>>,
    ) -> Box<dyn Iterator<Item = Result<Quad, StorageError>> + 'a> {
        Box::new(self.quads_for_pattern(subject, predicate, object, graph))
    }
}

impl Quads for QuadIndex {
    fn matching<'a>(
        &'a self,
        subject: Option<NamedOrBlankNodeRef<'_>>,
        predicate: Option<NamedNodeRef<'_>>,
        object: Option<TermRef<'_>>,
        graph: Option<GraphNameRef<'_>>,
    ) -> Box<dyn Iterator<Item = Result<Quad, StorageError>> + 'a> {
        Box::new(
            self.quads_matching(
                subject.map(Into::into),
                predicate.map(Into::into),
                object,
                graph,
            )
            .map(Ok),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::app::App;
    use crate::config::Config;
    use crate::resources::{self, Filters};
    use crate::vocab;
    use oxigraph::model::{NamedNode, NamedOrBlankNode};

    /// The read side answers the same from the copy as from the store: every fixture resource's
    /// description (in the same order: one state, one representation), each collection's
    /// members, the funding views.
    #[test]
    fn the_copy_reads_as_the_store() {
        let app = App::start(Config {
            memory: true,
            load_fixtures: true,
            ..Config::default()
        })
        .expect("the fixtures load");
        let store = &app.store.store;
        let copy = QuadIndex::from_quads(store.iter()).expect("the store reads");
        let meta = app.store.graph(vocab::GRAPH_META);
        let mut described = 0;
        for collection in vocab::COLLECTIONS {
            let members = |quads: &dyn Quads| {
                resources::members(quads, collection, &Filters::default())
                    .into_iter()
                    .map(|m| (m.iri, m.name))
                    .collect::<Vec<_>>()
            };
            let from_store = members(store);
            assert!(!from_store.is_empty(), "fixtures in {}", collection.segment);
            assert_eq!(from_store, members(&copy), "{}", collection.segment);
            for (iri, _) in &from_store {
                let describe = |quads: &dyn Quads| {
                    resources::describe(quads, iri.as_ref(), meta.as_ref()).expect("described")
                };
                let from_store = describe(store);
                assert!(!from_store.is_empty(), "{iri}");
                assert_eq!(from_store, describe(&copy), "{iri}");
                let views = |quads: &dyn Quads| {
                    serde_json::json!([
                        resources::funding_summary(quads, iri.as_ref()),
                        resources::campaign_totals(quads, iri.as_ref()),
                    ])
                };
                assert_eq!(views(store), views(&copy), "{iri}");
                described += 1;
            }
        }
        assert!(described > 20, "{described} resources compared");
        // What a write replaces: a graph's statements about its resources, read under the
        // write lock from the copy.
        let everyone: Vec<NamedNode> = vocab::COLLECTIONS
            .iter()
            .flat_map(|c| resources::members(store, c, &Filters::default()))
            .map(|m| m.iri)
            .collect();
        let mut graphs = 0;
        for graph in store.named_graphs() {
            let NamedOrBlankNode::NamedNode(graph) = graph.expect("graph names read") else {
                continue;
            };
            let about = |quads: &dyn Quads| {
                crate::store::statements_about_all(quads, &graph, &everyone).expect("read")
            };
            let from_store = about(store);
            graphs += usize::from(!from_store.is_empty());
            assert_eq!(from_store, about(&copy), "{graph}");
        }
        assert!(graphs > 0, "the fixtures' graph compared");
        // A term the copy does not hold matches nothing, as in the store.
        let unknown = NamedNode::new_unchecked("http://example.org/nowhere");
        assert_eq!(
            copy.matching(Some(unknown.as_ref().into()), None, None, None)
                .count(),
            0
        );
        assert_eq!(
            store
                .matching(Some(unknown.as_ref().into()), None, None, None)
                .count(),
            0
        );
    }
}
