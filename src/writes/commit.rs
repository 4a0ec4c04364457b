//! The commit pipeline: a write is prepared, validated against the store as it will be, and
//! committed atomically with its provenance, one commit at a time; a POST is validated ahead,
//! outside the write lock, and committed as validated if no commit since touched what it read.

use super::{Write, WriteError};
use crate::commits::{touch, Key};
use crate::replica::{Delta, Replication};
use crate::store::{now_literal, AppStore};
use crate::validation::Validator;
use crate::vocab;
use oxigraph::model::{Graph, NamedNode, NamedOrBlankNode, Quad};
use shacl::ValidationReport;

/// From this many added triples on, a write that only adds goes through the bulk loader.
const BULK_WRITE_TRIPLES: usize = 10_000;

/// A transaction that writes this many quads is followed by a flush of RocksDB's memtables.
/// Oxigraph lets them grow to 128 MB per index, and each later one-document write inserts its
/// ~100–250 entries into skip lists that much deeper: after an import that replaced a
/// network's data, one POST per resource ran at 1 600 documents/s instead of 2 200. Small
/// writes never flush (each flush costs a compaction of the whole level it lands in).
const FLUSH_AFTER_QUADS: usize = 100_000;

/// Past this many changed triples, a commit's keys are not kept: it conflicts with every
/// write validated before it. Bounds the commit log to ~10 MB at worst (256 commits, up to 3
/// hashes per triple in hash sets).
const MAX_TOUCHED_TRIPLES: usize = 1_000;

/// The keys of what a commit changed, its provenance quads (`meta`) included; `None` for a
/// large commit or one that changes the class hierarchy, which every validation reads
/// through kept closures.
fn touched(write: &Write, meta: &[Quad]) -> crate::commits::Touched {
    let change = &write.change;
    if change.touches_classes() || change.add.len() + change.remove.len() > MAX_TOUCHED_TRIPLES {
        return None;
    }
    let mut keys = std::collections::HashSet::new();
    for t in change.add.iter().chain(change.remove.iter()) {
        touch(&mut keys, t);
    }
    for q in meta {
        touch(&mut keys, q.as_ref().into());
    }
    Some(keys)
}

/// A write prepared and validated before taking the write lock, with what it read.
struct Ahead {
    seen: u64,
    write: Write,
    report: ValidationReport,
    held: Graph,
    reads: crate::commits::Reads,
    validated: std::time::Duration,
}

/// Prepares, validates and commits a write under the write lock: `prepare` reads the
/// current state (what a PUT replaces, If-Match) and no other write slips between that
/// reading, the validation and the commit, which is atomic (one transaction, or one
/// bulk load).
pub fn commit_write(
    store: &AppStore,
    validator: &Validator,
    prepare: impl FnOnce(&AppStore) -> Result<Write, WriteError>,
) -> Result<Write, WriteError> {
    let guard = store.lock_writes();
    commit_locked(store, guard, validator, prepare)
}

/// Commits a write whose `prepare` reads nothing from the store but whether the write's
/// own resources exist (a POST). It is prepared and validated before the write lock is
/// taken, so that writes validate side by side and hold the lock for their commit only;
/// if a commit since then touched what the validation read, it is prepared and validated
/// again under the lock, as [`commit_write`] does.
pub fn commit_new(
    store: &AppStore,
    validator: &Validator,
    prepare: impl Fn(&AppStore) -> Result<Write, WriteError>,
) -> Result<Write, WriteError> {
    let ahead = validate_ahead(store, validator, &prepare)?;
    commit_ahead(store, ahead, validator, prepare)
}

/// Prepares and validates a write without the lock, noting where it looked.
fn validate_ahead(
    store: &AppStore,
    validator: &Validator,
    prepare: impl Fn(&AppStore) -> Result<Write, WriteError>,
) -> Result<Ahead, WriteError> {
    let seen = store.commits.version();
    let started = std::time::Instant::now();
    let write = prepare(store)?;
    let (report, held, mut reads) =
        validator.check_write(store, &store.store, write.graph.as_ref(), &write.change);
    reads.keys.extend(
        write
            .resources
            .iter()
            .map(|r| Key::Subject(r.clone().into())),
    );
    Ok(Ahead {
        seen,
        write,
        report,
        held,
        reads,
        validated: started.elapsed(),
    })
}

/// Commits a write validated ahead, or prepares and validates it again under the lock
/// when a commit since touched what it read.
fn commit_ahead(
    store: &AppStore,
    ahead: Ahead,
    validator: &Validator,
    prepare: impl Fn(&AppStore) -> Result<Write, WriteError>,
) -> Result<Write, WriteError> {
    let guard = store.lock_writes();
    if store.commits.conflicts(ahead.seen, &ahead.reads) {
        tracing::debug!("a commit touched what the write read: validated again");
        return commit_locked(store, guard, validator, prepare);
    }
    finish(
        store,
        guard,
        ahead.write,
        ahead.report,
        ahead.held,
        ahead.validated,
    )
}

fn commit_locked(
    store: &AppStore,
    guard: std::sync::MutexGuard<'_, ()>,
    validator: &Validator,
    prepare: impl FnOnce(&AppStore) -> Result<Write, WriteError>,
) -> Result<Write, WriteError> {
    let started = std::time::Instant::now();
    let write = prepare(store)?;
    // Under the lock, the copy brought up to date is the store: validation reads it without
    // RocksDB's look-up of each term (most of a large import's validation went there). Its
    // read lock is given back before the commit, which the copy follows.
    let (report, held, _) = store
        .reading(|quads| validator.check_write(store, quads, write.graph.as_ref(), &write.change));
    finish(store, guard, write, report, held, started.elapsed())
}

/// Commits a validated write, under the lock `guard` holds, and records what it touched.
fn finish(
    store: &AppStore,
    guard: std::sync::MutexGuard<'_, ()>,
    write: Write,
    report: ValidationReport,
    held: Graph,
    validated: std::time::Duration,
) -> Result<Write, WriteError> {
    if !report.conforms {
        return Err(WriteError::Invalid(report));
    }
    let started = std::time::Instant::now();
    let bulk = store.announced(
        &guard,
        write.change.touches_classes(),
        || apply(store, &write, &held),
        |applied| match applied {
            Ok(applied) => (
                touched(&write, &applied.meta),
                Replication::Delta(std::mem::take(&mut applied.delta)),
            ),
            Err(_) => (None, Replication::Everything),
        },
    )?;
    let bulk = bulk.bulk;
    tracing::debug!(
        triples = write.change.add.len() + write.change.remove.len(),
        bulk,
        validate_ms = validated.as_secs_f64() * 1e3,
        commit_ms = started.elapsed().as_secs_f64() * 1e3,
        "write committed"
    );
    Ok(write)
}

/// What [`apply`] did: whether it went through the bulk loader, which provenance quads it
/// added or removed, and every quad it removed and inserted.
struct Applied {
    bulk: bool,
    meta: Vec<Quad>,
    delta: Delta,
}

/// Commits a validated write and its provenance atomically, leaving alone the added
/// triples the graph already `held`.
fn apply(store: &AppStore, write: &Write, held: &Graph) -> Result<Applied, WriteError> {
    let meta = store.graph(vocab::GRAPH_META);
    let network = NamedNode::new_unchecked(store.base.resource("networks", &write.network));
    let now = now_literal();
    let attribution = Quad::new(
        write.graph.clone(),
        vocab::PROV_WAS_ATTRIBUTED_TO,
        network.clone(),
        meta.clone(),
    );
    let mut provenance = Vec::new();
    if !store.store.contains(&attribution)? {
        provenance.push(attribution);
    }
    for resource in &write.resources {
        provenance.push(Quad::new(
            resource.clone(),
            vocab::DCT_MODIFIED,
            now.clone(),
            meta.clone(),
        ));
        provenance.push(Quad::new(
            resource.clone(),
            vocab::PROV_WAS_ATTRIBUTED_TO,
            network.clone(),
            meta.clone(),
        ));
    }
    let dated = dated(store, &write.resources, &meta)?;
    if write.change.add.len() >= BULK_WRITE_TRIPLES
        && write.change.remove.is_empty()
        && dated.is_empty()
    {
        // A large write of new resources only adds quads: Oxigraph's bulk loader writes them
        // as sorted files that RocksDB takes in one atomic step (nothing is visible before
        // `commit`), several times faster than a transaction of the same size.
        let inserted: Vec<Quad> = write
            .change
            .add
            .iter()
            .map(|t| t.in_graph(&write.graph).into_owned())
            .chain(provenance.iter().cloned())
            .collect();
        let mut loader = store.store.bulk_loader();
        loader.load_quads(inserted.iter().cloned())?;
        loader.commit()?;
        return Ok(Applied {
            bulk: true,
            meta: provenance,
            delta: Delta {
                removed: Vec::new(),
                inserted,
            },
        });
    }
    // What the write removes and adds back, or adds and the graph holds, stays as it is: a
    // network re-sending its export, or the labels of what its resource links to, costs
    // look-ups, not index updates (eleven RocksDB entries per quad).
    let unchanged = write.change.unchanged();
    let mut delta = Delta::default();
    for t in write.change.remove.iter() {
        if !unchanged.contains(t) {
            delta.removed.push(t.in_graph(&write.graph).into_owned());
        }
    }
    for t in write.change.add.iter() {
        if !unchanged.contains(t) && !held.contains(t) {
            delta.inserted.push(t.in_graph(&write.graph).into_owned());
        }
    }
    delta.removed.extend(dated.iter().cloned());
    delta.inserted.extend(provenance.iter().cloned());
    let mut transaction = store.store.start_transaction()?;
    for q in &delta.removed {
        transaction.remove(q);
    }
    transaction.extend(&delta.inserted);
    transaction.commit()?;
    if delta.removed.len() + delta.inserted.len() >= FLUSH_AFTER_QUADS {
        store.flush_in_background();
    }
    provenance.extend(dated);
    Ok(Applied {
        bulk: false,
        meta: provenance,
        delta,
    })
}

/// The meta graph's `dct:modified` of these resources: one look-up each for a few, one
/// pass over every date for many (an iterator per resource would cost more).
fn dated(
    store: &AppStore,
    resources: &[NamedNode],
    meta: &NamedNode,
) -> Result<Vec<Quad>, WriteError> {
    let pattern = |resource: Option<&NamedNode>| {
        store.store.quads_for_pattern(
            resource.map(|r| r.as_ref().into()),
            Some(vocab::DCT_MODIFIED),
            None,
            Some(meta.as_ref().into()),
        )
    };
    if resources.len() <= 64 {
        let mut dates = Vec::new();
        for resource in resources {
            for quad in pattern(Some(resource)) {
                dates.push(quad?);
            }
        }
        return Ok(dates);
    }
    let wanted: std::collections::HashSet<&NamedNode> = resources.iter().collect();
    let mut dates = Vec::new();
    for quad in pattern(None) {
        let quad = quad?;
        if matches!(&quad.subject, NamedOrBlankNode::NamedNode(n) if wanted.contains(n)) {
            dates.push(quad);
        }
    }
    Ok(dates)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Config;
    use crate::validation::Change;
    use oxigraph::model::Triple;

    /// Many new resources go through the bulk loader; written again, through a transaction
    /// that replaces their dates. Both leave the same statements.
    #[test]
    fn large_new_writes_are_bulk_loaded_and_rewrites_are_not() {
        let store = AppStore::open(&Config {
            memory: true,
            base_iri: "http://example.org/".into(),
            ..Config::default()
        })
        .unwrap();
        let graph = store.graph("rfflab");
        let write = || {
            let mut add = Graph::new();
            let mut resources = Vec::new();
            for i in 0..BULK_WRITE_TRIPLES / 2 {
                let iri = NamedNode::new_unchecked(store.base.resource("places", &format!("p{i}")));
                add.insert(&Triple::new(iri.clone(), vocab::RDF_TYPE, vocab::PLACE));
                add.insert(&Triple::new(
                    iri.clone(),
                    vocab::NAME,
                    oxigraph::model::Literal::new_simple_literal(format!("Lieu {i}")),
                ));
                resources.push(iri);
            }
            Write {
                network: "rfflab".into(),
                graph: graph.clone(),
                change: Change {
                    add,
                    remove: Graph::new(),
                },
                resources,
            }
        };
        let meta = store.graph(vocab::GRAPH_META);
        let count = |g: &NamedNode| {
            store
                .store
                .quads_for_pattern(None, None, None, Some(g.as_ref().into()))
                .count()
        };
        assert!(
            apply(&store, &write(), &Graph::new()).unwrap().bulk,
            "bulk loaded"
        );
        assert_eq!(count(&graph), BULK_WRITE_TRIPLES);
        let dated = count(&meta);
        assert_eq!(dated, 1 + 2 * BULK_WRITE_TRIPLES / 2);
        assert!(
            !apply(&store, &write(), &Graph::new()).unwrap().bulk,
            "dated resources: a transaction"
        );
        assert_eq!((count(&graph), count(&meta)), (BULK_WRITE_TRIPLES, dated));
    }

    fn memory_store() -> AppStore {
        AppStore::open(&Config {
            memory: true,
            base_iri: "http://example.org/".into(),
            ..Config::default()
        })
        .unwrap()
    }

    /// A validator of these shapes (Turtle, `sh:` and `ex:` declared).
    fn validator(shapes: &str) -> Validator {
        static MADE: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
        let dir = std::env::temp_dir().join(format!(
            "lc-ahead-shapes-{}-{}",
            std::process::id(),
            MADE.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
        ));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(
            dir.join("shapes.ttl"),
            format!(
                "@prefix sh: <http://www.w3.org/ns/shacl#> . @prefix ex: <http://example.org/ns#> .\n{shapes}"
            ),
        )
        .unwrap();
        let validator = Validator::load(&dir).unwrap();
        std::fs::remove_dir_all(&dir).unwrap();
        validator
    }

    fn ex(local: &str) -> NamedNode {
        NamedNode::new_unchecked(format!("http://example.org/ns#{local}"))
    }

    /// A write of `network` into its graph, adding and removing these triples.
    fn write_of(store: &AppStore, network: &str, add: &[Triple], remove: &[Triple]) -> Write {
        Write {
            network: network.into(),
            graph: store.graph(network),
            change: Change {
                add: add.iter().collect(),
                remove: remove.iter().collect(),
            },
            resources: Vec::new(),
        }
    }

    fn quads_in(store: &AppStore, graph: &str) -> usize {
        let graph = store.graph(graph);
        store
            .store
            .quads_for_pattern(None, None, None, Some(graph.as_ref().into()))
            .count()
    }

    /// A commit since `ahead` was validated touched what it read: network two's write is
    /// judged again, refused, and leaves its graph empty.
    #[track_caller]
    fn judged_again_and_refused(
        store: &AppStore,
        ahead: Ahead,
        validator: &Validator,
        prepare: impl Fn(&AppStore) -> Result<Write, WriteError>,
    ) {
        assert!(store.commits.conflicts(ahead.seen, &ahead.reads));
        let outcome = commit_ahead(store, ahead, validator, prepare);
        assert!(
            matches!(outcome, Err(WriteError::Invalid(_))),
            "{outcome:?}"
        );
        assert_eq!(quads_in(store, "two"), 0);
    }

    /// A write validated before the lock commits as validated only if no commit since then
    /// touched what its validation read; otherwise it is judged again on the new state.
    #[test]
    fn writes_validated_ahead_are_judged_again_after_a_conflicting_commit() {
        let validator = validator(
            "ex:ThingShape a sh:NodeShape ; sh:targetClass ex:Thing ;
                sh:property [ sh:path ex:link ; sh:class ex:Target ] .",
        );
        let store = memory_store();
        let type_of_b = Triple::new(ex("b"), vocab::RDF_TYPE, ex("Target"));
        // Network one writes its graph under the lock.
        let by_one = |add: &[Triple], remove: &[Triple]| {
            commit_write(&store, &validator, |store| {
                Ok(write_of(store, "one", add, remove))
            })
            .unwrap()
        };
        by_one(std::slice::from_ref(&type_of_b), &[]);
        // Network two links a new thing to b, a Target.
        let new_thing = |store: &AppStore| {
            let mut write = write_of(
                store,
                "two",
                &[
                    Triple::new(ex("a"), vocab::RDF_TYPE, ex("Thing")),
                    Triple::new(ex("a"), ex("link"), ex("b")),
                ],
                &[],
            );
            write.resources.push(ex("a"));
            Ok(write)
        };
        let ahead = validate_ahead(&store, &validator, new_thing).unwrap();
        assert!(ahead.report.conforms);
        // A commit that only links to b leaves b's type as read…
        by_one(&[Triple::new(ex("c"), ex("link"), ex("b"))], &[]);
        assert!(!store.commits.conflicts(ahead.seen, &ahead.reads));
        // …one that removes it does not: the write is judged again, and refused.
        by_one(&[], &[type_of_b]);
        judged_again_and_refused(&store, ahead, &validator, new_thing);
        // Validated ahead on the current state, it is refused too.
        assert!(matches!(
            commit_new(&store, &validator, new_thing),
            Err(WriteError::Invalid(_))
        ));
    }

    /// The store matches literals by value: a code written "01" by one network is the code "1"
    /// another network's write validated ahead looked for.
    #[test]
    fn a_literal_written_in_another_form_is_a_conflict() {
        let validator = validator(
            "ex:ThingShape a sh:NodeShape ; sh:targetClass ex:Thing ;
                sh:property [ sh:path ( ex:code [ sh:inversePath ex:code ] ) ; sh:maxCount 1 ] .",
        );
        let store = memory_store();
        let thing = |store: &AppStore, network: &str, name: &str, code: &str| {
            let code = oxigraph::model::Literal::new_typed_literal(
                code,
                oxigraph::model::vocab::xsd::INTEGER,
            );
            write_of(
                store,
                network,
                &[
                    Triple::new(ex(name), vocab::RDF_TYPE, ex("Thing")),
                    Triple::new(ex(name), ex("code"), code),
                ],
                &[],
            )
        };
        let first = |store: &AppStore| Ok(thing(store, "two", "a", "1"));
        let ahead = validate_ahead(&store, &validator, first).unwrap();
        assert!(ahead.report.conforms, "alone with its code");
        commit_write(&store, &validator, |store| {
            Ok(thing(store, "one", "b", "01"))
        })
        .unwrap();
        judged_again_and_refused(&store, ahead, &validator, first);
    }

    /// A node is judged again when what it links to changes in a way its shapes read: a
    /// property `sh:node` looks at, or the class hierarchy `sh:class` and targets look at.
    #[test]
    fn writes_are_judged_with_the_nodes_that_read_what_they_change() {
        let validator = validator(
            "ex:ThingShape a sh:NodeShape ; sh:targetClass ex:Thing ;
                sh:property [ sh:path ex:name ; sh:minCount 1 ] ;
                sh:property [ sh:path ex:link ; sh:class ex:Target ; sh:node ex:TargetShape ] .
            ex:TargetShape a sh:NodeShape ; sh:property [ sh:path ex:label ; sh:maxCount 1 ] .",
        );
        let store = memory_store();
        let name = |n: &str| {
            Triple::new(
                ex(n),
                ex("name"),
                oxigraph::model::Literal::new_simple_literal(n),
            )
        };
        let label = |l: &str| {
            Triple::new(
                ex("b"),
                ex("label"),
                oxigraph::model::Literal::new_simple_literal(l),
            )
        };
        let commit = |network: &str, add: &[Triple], remove: &[Triple]| {
            commit_write(&store, &validator, |store| {
                Ok(write_of(store, network, add, remove))
            })
        };
        let refused =
            |outcome: Result<Write, WriteError>| matches!(outcome, Err(WriteError::Invalid(_)));
        commit(
            "one",
            &[
                Triple::new(
                    ex("Sub"),
                    oxigraph::model::vocab::rdfs::SUB_CLASS_OF,
                    ex("Target"),
                ),
                Triple::new(ex("b"), vocab::RDF_TYPE, ex("Sub")),
                label("b"),
                Triple::new(ex("a"), vocab::RDF_TYPE, ex("Thing")),
                name("a"),
                Triple::new(ex("a"), ex("link"), ex("b")),
                Triple::new(ex("x"), vocab::RDF_TYPE, ex("Other")),
            ],
            &[],
        )
        .unwrap();
        // b is not a target of TargetShape, but a's link reads its labels.
        assert!(refused(commit("two", &[label("another")], &[])));
        // Removing Sub from below Target leaves a linking to no Target.
        assert!(refused(commit(
            "one",
            &[],
            &[Triple::new(
                ex("Sub"),
                oxigraph::model::vocab::rdfs::SUB_CLASS_OF,
                ex("Target")
            )],
        )));
        // Putting Other below Thing makes x a Thing, without a name.
        let other_is_a_thing = Triple::new(
            ex("Other"),
            oxigraph::model::vocab::rdfs::SUB_CLASS_OF,
            ex("Thing"),
        );
        assert!(refused(commit(
            "two",
            std::slice::from_ref(&other_is_a_thing),
            &[]
        )));
        // Each of them is accepted once the data agrees.
        commit("two", &[name("x"), other_is_a_thing], &[]).unwrap();
        commit("one", &[], &[label("b")]).unwrap();
        commit("two", &[label("another")], &[]).unwrap();
    }
}
