//! Writes by networks: from parsed quads to a validated, atomic change of the network's own
//! graph, with provenance in the meta graph.

use crate::shacl::service::Validator;
use crate::shacl::{Change, ValidationReport};
use crate::store::{now_literal, AppStore};
use crate::vocab::{self, Collection};
use oxigraph::model::{
    BlankNode, Graph, GraphNameRef, NamedNode, NamedNodeRef, NamedOrBlankNode, NamedOrBlankNodeRef,
    Quad, Term, Triple,
};
use std::collections::HashMap;

#[derive(Debug, thiserror::Error)]
pub enum WriteError {
    #[error("the data does not conform to the shapes")]
    Invalid(ValidationReport),
    #[error("{0}")]
    Precondition(String),
    #[error("{0}")]
    BadRequest(String),
    #[error("{0}")]
    Forbidden(String),
    #[error("{0}")]
    NotFound(String),
    #[error("{0}")]
    Conflict(String),
    #[error(transparent)]
    Storage(#[from] oxigraph::store::StorageError),
    #[error("{0}")]
    Internal(String),
}

/// From this many added triples on, a write that only adds goes through the bulk loader.
const BULK_WRITE_TRIPLES: usize = 10_000;

/// A write by one network into its graph.
pub struct Write {
    pub network: String,
    pub graph: NamedNode,
    pub change: Change,
    /// The resources the write is about (for the provenance record).
    pub resources: Vec<NamedNode>,
}

impl Write {
    /// The resources this write touches: those it is about and the owners of the subjects it
    /// changes (`{iri}#address` belongs to `{iri}`).
    fn owners(&self) -> std::collections::HashSet<String> {
        let subjects = self.change.add.iter().chain(self.change.remove.iter());
        subjects
            .map(|t| match t.subject {
                NamedOrBlankNodeRef::NamedNode(n) => {
                    n.as_str().split('#').next().unwrap_or_default().to_owned()
                }
                NamedOrBlankNodeRef::BlankNode(b) => b.to_string(),
            })
            .chain(self.resources.iter().map(|r| r.as_str().to_owned()))
            .collect()
    }
}

/// A write waiting in the group-commit queue: how to prepare it, and where its outcome goes.
pub(crate) struct Job {
    prepare: Box<Prepare>,
    done: std::sync::mpsc::SyncSender<Result<Write, WriteError>>,
}

/// Reads the store under the write lock and says what a write changes; may run twice.
type Prepare = dyn Fn(&AppStore) -> Result<Write, WriteError> + Send;

fn lock<T>(mutex: &std::sync::Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

impl AppStore {
    /// Prepares, validates and commits a write under the write lock: `prepare` reads the
    /// current state (what a PUT replaces, If-Match) and no other write slips between that
    /// reading, the validation and the commit, which is one transaction.
    pub fn commit_write(
        &self,
        validator: &Validator,
        prepare: impl FnOnce(&AppStore) -> Result<Write, WriteError>,
    ) -> Result<Write, WriteError> {
        let _guard = lock(&self.write_lock);
        let write = prepare(self)?;
        self.validate_and_apply(validator, write)
    }

    /// The same guarantees as [`Self::commit_write`], for many concurrent clients (group
    /// commit): the write joins a queue; whoever takes the lock prepares every queued write,
    /// validates them together and commits them in one transaction. Writes about the same
    /// resource never share a group (the later one is prepared again after the earlier one is
    /// committed), and when a group does not conform each write is validated and committed on
    /// its own, so that every client gets its own report.
    pub fn commit_grouped(
        &self,
        validator: &Validator,
        prepare: impl Fn(&AppStore) -> Result<Write, WriteError> + Send + 'static,
    ) -> Result<Write, WriteError> {
        let (done, outcome) = std::sync::mpsc::sync_channel(1);
        lock(&self.write_queue).push(Job {
            prepare: Box::new(prepare),
            done,
        });
        {
            let _guard = lock(&self.write_lock);
            let jobs = std::mem::take(&mut *lock(&self.write_queue));
            self.run_group(validator, jobs);
        }
        // Our job was in this group or in one that held the lock before.
        outcome.recv().unwrap_or_else(|_| {
            Err(WriteError::Internal(
                "the write was dropped before it was committed".into(),
            ))
        })
    }

    fn run_group(&self, validator: &Validator, jobs: Vec<Job>) {
        // A write that cannot be prepared (409, 412, 400…) answers at once and leaves the group.
        let prepare = |job: &Job| match (job.prepare)(self) {
            Ok(write) => Some(write),
            Err(e) => {
                let _ = job.done.send(Err(e));
                None
            }
        };
        let mut group: Vec<(Job, Write)> = Vec::new();
        let mut owners = std::collections::HashSet::new();
        for job in jobs {
            let Some(mut write) = prepare(&job) else {
                continue;
            };
            let joins = group
                .first()
                .is_none_or(|(_, first)| first.graph == write.graph)
                && write.owners().is_disjoint(&owners);
            if !joins {
                // It was prepared against a state the group is about to change.
                self.commit_group(validator, std::mem::take(&mut group));
                owners.clear();
                let Some(again) = prepare(&job) else {
                    continue;
                };
                write = again;
            }
            owners.extend(write.owners());
            group.push((job, write));
        }
        self.commit_group(validator, group);
    }

    fn commit_group(&self, validator: &Validator, group: Vec<(Job, Write)>) {
        if group.len() > 1 {
            let mut change = Change::default();
            for (_, write) in &group {
                change.add.extend(write.change.add.iter());
                change.remove.extend(write.change.remove.iter());
            }
            let graph = group[0].1.graph.as_ref();
            if validator
                .validate_change(&self.store, graph, &change)
                .conforms
            {
                let writes: Vec<&Write> = group.iter().map(|(_, w)| w).collect();
                match self.apply(&writes) {
                    Ok(()) => {
                        tracing::debug!(writes = group.len(), "group committed");
                        for (job, write) in group {
                            let _ = job.done.send(Ok(write));
                        }
                    }
                    Err(e) => {
                        tracing::error!(error = %e, "group commit failed");
                        for (job, _) in group {
                            let _ = job.done.send(Err(WriteError::Internal(e.to_string())));
                        }
                    }
                }
                return;
            }
        }
        for (job, write) in group {
            let _ = job.done.send(self.validate_and_apply(validator, write));
        }
    }

    fn validate_and_apply(&self, validator: &Validator, write: Write) -> Result<Write, WriteError> {
        let started = std::time::Instant::now();
        let report = validator.validate_change(&self.store, write.graph.as_ref(), &write.change);
        if !report.conforms {
            return Err(WriteError::Invalid(report));
        }
        let validated = started.elapsed();
        self.apply(&[&write])?;
        tracing::debug!(
            triples = write.change.add.len() + write.change.remove.len(),
            validate_ms = validated.as_secs_f64() * 1e3,
            commit_ms = (started.elapsed() - validated).as_secs_f64() * 1e3,
            "write committed"
        );
        Ok(write)
    }

    /// Commits validated writes of one network and their provenance, atomically.
    fn apply(&self, writes: &[&Write]) -> Result<(), WriteError> {
        let meta = self.graph(vocab::GRAPH_META);
        let now = now_literal();
        let mut provenance = Vec::new();
        for write in writes {
            let network = NamedNode::new_unchecked(self.base.resource("networks", &write.network));
            provenance.push(Quad::new(
                write.graph.clone(),
                vocab::PROV_WAS_ATTRIBUTED_TO,
                network.clone(),
                meta.clone(),
            ));
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
        }
        let added: usize = writes.iter().map(|w| w.change.add.len()).sum();
        let resources = writes.iter().flat_map(|w| w.resources.iter());
        if added >= BULK_WRITE_TRIPLES
            && writes.iter().all(|w| w.change.remove.is_empty())
            && !self.any_modified(resources.clone(), &meta)?
        {
            // A large write of new resources only adds quads: Oxigraph's bulk loader writes them
            // as sorted files that RocksDB takes in one atomic step, several times faster than a
            // transaction of the same size.
            let mut loader = self.store.bulk_loader();
            loader.load_quads(
                writes
                    .iter()
                    .flat_map(|w| {
                        w.change
                            .add
                            .iter()
                            .map(|t| t.in_graph(&w.graph).into_owned())
                    })
                    .chain(provenance),
            )?;
            loader.commit()?;
            return Ok(());
        }
        let mut transaction = self.store.start_transaction()?;
        for write in writes {
            for t in write.change.remove.iter() {
                transaction.remove(t.in_graph(&write.graph));
            }
            for t in write.change.add.iter() {
                transaction.insert(t.in_graph(&write.graph));
            }
        }
        for resource in resources {
            let old: Vec<Quad> = transaction
                .quads_for_pattern(
                    Some(resource.as_ref().into()),
                    Some(vocab::DCT_MODIFIED),
                    None,
                    Some(meta.as_ref().into()),
                )
                .collect::<Result<_, _>>()?;
            for q in &old {
                transaction.remove(q);
            }
        }
        transaction.extend(&provenance);
        transaction.commit()?;
        Ok(())
    }

    /// Whether the meta graph dates any of these resources (they were written before).
    fn any_modified<'a>(
        &self,
        resources: impl Iterator<Item = &'a NamedNode>,
        meta: &NamedNode,
    ) -> Result<bool, WriteError> {
        for resource in resources {
            if self
                .store
                .quads_for_pattern(
                    Some(resource.as_ref().into()),
                    Some(vocab::DCT_MODIFIED),
                    None,
                    Some(meta.as_ref().into()),
                )
                .next()
                .transpose()?
                .is_some()
            {
                return Ok(true);
            }
        }
        Ok(false)
    }

    /// What `graph` says about a resource: its triples and those of the nodes it owns
    /// (`#fragment` IRIs below it and blank nodes it links to).
    pub fn statements_about(
        &self,
        graph: &NamedNode,
        resource: NamedNodeRef<'_>,
    ) -> Result<Graph, WriteError> {
        let mut out = Graph::new();
        let prefix = format!("{}#", resource.as_str());
        let mut queue: Vec<NamedOrBlankNode> = vec![resource.into_owned().into()];
        // Fragment IRIs may be unlinked leftovers: take every subject of the graph below the resource.
        for quad in self
            .store
            .quads_for_pattern(None, None, None, Some(graph.as_ref().into()))
        {
            let quad = quad?;
            if let NamedOrBlankNode::NamedNode(n) = &quad.subject {
                if n.as_str().starts_with(&prefix) {
                    queue.push(quad.subject.clone());
                }
            }
        }
        let mut seen = std::collections::HashSet::new();
        while let Some(node) = queue.pop() {
            if !seen.insert(node.clone()) {
                continue;
            }
            for quad in self.store.quads_for_pattern(
                Some(node.as_ref()),
                None,
                None,
                Some(graph.as_ref().into()),
            ) {
                let quad = quad?;
                if let Term::BlankNode(b) = &quad.object {
                    queue.push(b.clone().into());
                }
                out.insert(&Triple::from(quad));
            }
        }
        Ok(out)
    }

    /// Whether any graph other than the meta graph says anything about the resource.
    pub fn exists(&self, resource: NamedNodeRef<'_>) -> Result<bool, WriteError> {
        let meta = self.graph(vocab::GRAPH_META);
        for quad in self
            .store
            .quads_for_pattern(Some(resource.into()), None, None, None)
        {
            let quad = quad?;
            if quad.graph_name.as_ref() != GraphNameRef::NamedNode(meta.as_ref())
                && !quad.graph_name.is_default_graph()
            {
                return Ok(true);
            }
        }
        Ok(false)
    }
}

/// Turns the parsed body of `POST /{collection}` or `PUT /{collection}/{slug}` into the
/// resource's triples: finds the root node (the one typed with the collection's class, or the
/// only node nothing points to), gives it `target` (or mints one from its name when it is a
/// blank node and `target` is None), checks that its IRI is under the collection, and names
/// the blank nodes it owns `{iri}#{property}` so that later writes can replace them.
pub fn resource_triples(
    store: &AppStore,
    collection: &Collection,
    quads: Vec<Quad>,
    target: Option<&NamedNode>,
) -> Result<(NamedNode, Graph), WriteError> {
    let triples: Vec<Triple> = quads.into_iter().map(Triple::from).collect();
    if triples.is_empty() {
        return Err(WriteError::BadRequest(
            "the body holds no RDF statement".into(),
        ));
    }
    let root = find_root(&triples, collection)?;
    let prefix = store.base.resource(collection.segment, "");
    let iri = match (&root, target) {
        (NamedOrBlankNode::NamedNode(n), Some(t)) if n != t => {
            return Err(WriteError::BadRequest(format!(
                "the body describes <{n}> but the request is for <{t}>: its @id must be the resource's IRI or absent"
            )))
        }
        (_, Some(t)) => t.clone(),
        (NamedOrBlankNode::NamedNode(n), None) => {
            let slug = n.as_str().strip_prefix(&prefix).unwrap_or_default();
            if !is_slug(slug) {
                return Err(WriteError::BadRequest(format!(
                    "@id <{n}> is outside this collection: resources of /{} are minted as {prefix}{{slug}} (slug: a-z, 0-9 and '-'); leave @id out to let the server mint it",
                    collection.segment
                )));
            }
            n.clone()
        }
        (NamedOrBlankNode::BlankNode(_), None) => {
            let name = triples
                .iter()
                .find(|t| t.subject == root && t.predicate == vocab::NAME)
                .and_then(|t| match &t.object {
                    Term::Literal(l) => Some(l.value().to_owned()),
                    _ => None,
                })
                .ok_or_else(|| WriteError::BadRequest("a resource without @id needs a name, from which its IRI is minted".into()))?;
            mint(store, collection, &name)?
        }
    };
    let class: Term = collection.class.into_owned().into();
    let other_types: Vec<String> = triples
        .iter()
        .filter(|t| t.subject == root && t.predicate == vocab::RDF_TYPE && t.object != class)
        .map(|t| t.object.to_string())
        .collect();
    let has_class = triples
        .iter()
        .any(|t| t.subject == root && t.predicate == vocab::RDF_TYPE && t.object == class);
    if !has_class && !other_types.is_empty() {
        return Err(WriteError::BadRequest(format!(
            "the resource is typed {} but /{} holds resources of type <{}>",
            other_types.join(", "),
            collection.segment,
            collection.class.as_str()
        )));
    }
    let mut graph = own_blank_nodes(&triples, &root, &iri);
    // A resource written to a collection is of its class, said or not.
    graph.insert(&Triple::new(iri.clone(), vocab::RDF_TYPE, collection.class));
    Ok((iri, graph))
}

fn find_root(triples: &[Triple], collection: &Collection) -> Result<NamedOrBlankNode, WriteError> {
    let class: Term = collection.class.into_owned().into();
    let typed: Vec<&NamedOrBlankNode> = triples
        .iter()
        .filter(|t| t.predicate == vocab::RDF_TYPE && t.object == class)
        .map(|t| &t.subject)
        .collect();
    match typed.as_slice() {
        [one] => return Ok((*one).clone()),
        [] => {}
        _ => {
            return Err(WriteError::BadRequest(format!(
                "the body describes {} resources of type <{}>; send one per request, or use POST /import",
                typed.len(),
                collection.class.as_str()
            )))
        }
    }
    let objects: std::collections::HashSet<&Term> = triples.iter().map(|t| &t.object).collect();
    let mut roots: Vec<&NamedOrBlankNode> = triples
        .iter()
        .map(|t| &t.subject)
        .filter(|s| !objects.contains(&Term::from((*s).clone())))
        .collect();
    roots.dedup();
    match roots.as_slice() {
        [one] => Ok((*one).clone()),
        _ => Err(WriteError::BadRequest(format!(
            "cannot tell which node is the resource: give it \"type\": \"{}\"",
            collection.class_term()
        ))),
    }
}

/// Renames the root to `iri` and every blank node to `{iri}#{property}` (with a number when the
/// same property owns several).
fn own_blank_nodes(triples: &[Triple], root: &NamedOrBlankNode, iri: &NamedNode) -> Graph {
    let mut names: HashMap<BlankNode, NamedNode> = HashMap::new();
    let mut used: HashMap<String, usize> = HashMap::new();
    // Name blank nodes after the property that links to them, parents first.
    let mut frontier = vec![root.clone()];
    while let Some(parent) = frontier.pop() {
        for t in triples.iter().filter(|t| t.subject == parent) {
            if let Term::BlankNode(b) = &t.object {
                if names.contains_key(b) || NamedOrBlankNode::from(b.clone()) == *root {
                    continue;
                }
                let local = t
                    .predicate
                    .as_str()
                    .rsplit(['#', '/'])
                    .next()
                    .unwrap_or("node")
                    .to_owned();
                let n = used.entry(local.clone()).or_insert(0);
                *n += 1;
                let fragment = if *n == 1 {
                    local
                } else {
                    format!("{local}-{n}")
                };
                names.insert(
                    b.clone(),
                    NamedNode::new_unchecked(format!("{}#{fragment}", iri.as_str())),
                );
                frontier.push(b.clone().into());
            }
        }
    }
    let rename_subject = |s: &NamedOrBlankNode| -> NamedOrBlankNode {
        if s == root {
            return iri.clone().into();
        }
        match s {
            NamedOrBlankNode::BlankNode(b) => {
                names.get(b).map_or_else(|| s.clone(), |n| n.clone().into())
            }
            other => other.clone(),
        }
    };
    let rename_object = |o: &Term| -> Term {
        match o {
            Term::BlankNode(b) if NamedOrBlankNode::from(b.clone()) == *root => iri.clone().into(),
            Term::BlankNode(b) => names.get(b).map_or_else(|| o.clone(), |n| n.clone().into()),
            Term::NamedNode(n) if NamedOrBlankNode::from(n.clone()) == *root => iri.clone().into(),
            other => other.clone(),
        }
    };
    triples
        .iter()
        .map(|t| {
            Triple::new(
                rename_subject(&t.subject),
                t.predicate.clone(),
                rename_object(&t.object),
            )
        })
        .collect()
}

fn is_slug(slug: &str) -> bool {
    !slug.is_empty()
        && slug.len() <= 120
        && slug
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
}

/// `La Fabrique des possibles` → `la-fabrique-des-possibles`, numbered if already taken.
pub fn slugify(name: &str) -> String {
    let folded = crate::resources::fold(name);
    let mut slug = String::new();
    for c in folded.chars() {
        if c.is_ascii_alphanumeric() {
            slug.push(c);
        } else if !slug.ends_with('-') && !slug.is_empty() {
            slug.push('-');
        }
    }
    let slug = slug.trim_end_matches('-');
    let slug: String = slug.chars().take(80).collect();
    if slug.is_empty() {
        "resource".into()
    } else {
        slug.trim_end_matches('-').to_owned()
    }
}

fn mint(store: &AppStore, collection: &Collection, name: &str) -> Result<NamedNode, WriteError> {
    let slug = slugify(name);
    for n in 1.. {
        let candidate = if n == 1 {
            slug.clone()
        } else {
            format!("{slug}-{n}")
        };
        let iri = NamedNode::new_unchecked(store.base.resource(collection.segment, &candidate));
        if !store.exists(iri.as_ref())? {
            return Ok(iri);
        }
    }
    unreachable!("an unbounded search always finds a free slug")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Config;

    /// Queues writes behind a held lock so that they are committed as one group, and checks
    /// that each keeps its own outcome.
    #[test]
    fn a_group_commits_together_and_answers_each_write() {
        let config = Config {
            memory: true,
            base_iri: "http://example.org/".into(),
            ..Config::default()
        };
        let store = AppStore::open(&config).unwrap();
        let shapes = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("shapes");
        let validator = Validator::load(&shapes).unwrap();
        let graph = store.graph("rfflab");
        let place = |slug: &str, name: Option<&str>| {
            let iri = NamedNode::new_unchecked(store.base.resource("places", slug));
            let mut add = Graph::new();
            add.insert(&Triple::new(iri.clone(), vocab::RDF_TYPE, vocab::PLACE));
            if let Some(name) = name {
                add.insert(&Triple::new(
                    iri.clone(),
                    vocab::NAME,
                    oxigraph::model::Literal::new_simple_literal(name),
                ));
            }
            Write {
                network: "rfflab".into(),
                graph: graph.clone(),
                change: Change {
                    add,
                    remove: Graph::new(),
                },
                resources: vec![iri],
            }
        };
        let run_held = |writes: &[(&str, Option<&str>)]| -> Vec<Result<Write, WriteError>> {
            let held = lock(&store.write_lock);
            std::thread::scope(|scope| {
                let writers: Vec<_> = writes
                    .iter()
                    .map(|(slug, name)| {
                        let (store, validator) = (&store, &validator);
                        let write = place(slug, *name);
                        scope.spawn(move || {
                            store.commit_grouped(validator, move |_| {
                                Ok(Write {
                                    network: write.network.clone(),
                                    graph: write.graph.clone(),
                                    change: write.change.clone(),
                                    resources: write.resources.clone(),
                                })
                            })
                        })
                    })
                    .collect();
                while lock(&store.write_queue).len() < writes.len() {
                    std::thread::sleep(std::time::Duration::from_millis(5));
                }
                drop(held);
                writers.into_iter().map(|w| w.join().unwrap()).collect()
            })
        };
        let outcomes = run_held(&[
            ("a", Some("A")),
            ("b", None),
            ("c", Some("C")),
            ("a", Some("A2")),
        ]);
        for i in [0, 2] {
            if let Err(e) = &outcomes[i] {
                match e {
                    WriteError::Invalid(report) => panic!("write {i}: {}", report.to_text()),
                    other => panic!("write {i}: {other}"),
                }
            }
        }
        // The second write of `a` was validated after the first was committed: a second name
        // breaks `sh:maxCount 1`.
        match &outcomes[3] {
            Err(WriteError::Invalid(report)) => assert!(report.to_text().contains("/places/a>")),
            _ => panic!("a second name for the same place is refused"),
        }
        match &outcomes[1] {
            Err(WriteError::Invalid(report)) => {
                assert!(report
                    .results
                    .iter()
                    .all(|r| r.focus_node.to_string().contains("/places/b")));
            }
            _ => panic!("the nameless place is refused"),
        }
        let names = |slug: &str| {
            let iri = NamedNode::new_unchecked(store.base.resource("places", slug));
            store
                .store
                .quads_for_pattern(Some(iri.as_ref().into()), Some(vocab::NAME), None, None)
                .count()
        };
        assert_eq!((names("a"), names("b"), names("c")), (1, 0, 1));
        // A group that conforms as a whole is committed as one.
        let outcomes = run_held(&[("d", Some("D")), ("e", Some("E")), ("f", Some("F"))]);
        assert!(outcomes.iter().all(Result::is_ok));
        assert_eq!((names("d"), names("e"), names("f")), (1, 1, 1));
    }

    #[test]
    fn slugs_are_ascii_and_readable() {
        assert_eq!(
            slugify("La Fabrique des possibles"),
            "la-fabrique-des-possibles"
        );
        assert_eq!(
            slugify("Cahier d’activités des tiers-lieux"),
            "cahier-d-activites-des-tiers-lieux"
        );
        assert_eq!(slugify("  !!  "), "resource");
    }
}
