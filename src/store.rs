//! The Oxigraph store: opened on RocksDB or in memory, one named graph per source, atomic loads,
//! first-start bootstrap of the ontology and the fixtures, export.

use crate::bundled::{self, Document};
use crate::class_cache::ClassCache;
use crate::commits::{CommitLog, Touched};
use crate::config::Config;
use crate::rdf::{self, Contexts, SyntaxError};
use crate::reading::Quads;
use crate::replica::{Replica, Replication};
use crate::vocab::{self, Base};
use anyhow::Context as _;
use oxigraph::io::RdfFormat;
use oxigraph::model::graph::CanonicalizationAlgorithm;
use oxigraph::model::{
    Graph, GraphName, GraphNameRef, Literal, NamedNode, NamedNodeRef, NamedOrBlankNode, Quad,
    QuadRef, Term, Triple,
};
use oxigraph::store::{StorageError, Store};
use std::io::Write;
use std::path::{Path, PathBuf};

/// What a load did: the quads its files held, and those the graph did not hold yet.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Loaded {
    pub read: usize,
    pub added: usize,
}

/// From this many quads, a load goes through the bulk loader.
const BULK_LOAD_QUADS: usize = 10_000;

/// A document's file name, as its provenance names it.
fn file_name(document: &Document) -> &str {
    Path::new(&document.name)
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or(&document.name)
}

/// A file that could not be read or parsed: nothing of the batch was loaded.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    #[error("{}: {error}", path.display())]
    Syntax { path: PathBuf, error: SyntaxError },
    #[error("{}: cannot read: {error}", path.display())]
    Read {
        path: PathBuf,
        error: std::io::Error,
    },
    #[error("{}: unknown RDF syntax (use .ttl, .trig, .nt, .nq, .rdf, .jsonld, or --input-format)", path.display())]
    UnknownFormat { path: PathBuf },
    #[error(transparent)]
    Storage(#[from] oxigraph::store::StorageError),
}

#[derive(Clone)]
pub struct AppStore {
    pub store: Store,
    pub base: Base,
    /// Serializes writes: a write is validated against the state it is committed to.
    write_lock: std::sync::Arc<std::sync::Mutex<()>>,
    /// Class hierarchy closures kept for validation; see [`ClassCache`].
    pub classes: std::sync::Arc<ClassCache>,
    /// The commits so far, and what the latest ones touched.
    pub(crate) commits: std::sync::Arc<CommitLog>,
    /// The in-memory copy that SPARQL queries run on, once `serve` has turned it on.
    pub replica: std::sync::Arc<Replica>,
}

impl AppStore {
    pub fn open(config: &Config) -> anyhow::Result<Self> {
        let store = if config.memory {
            Store::new()?
        } else {
            std::fs::create_dir_all(&config.store).with_context(|| {
                format!("cannot create the store folder {}", config.store.display())
            })?;
            Store::open(&config.store).with_context(|| {
                format!(
                    "cannot open the store at {} (is another lieux-communs process using it?)",
                    config.store.display()
                )
            })?
        };
        Ok(Self {
            store,
            base: Base::new(&config.base_iri),
            write_lock: Default::default(),
            classes: Default::default(),
            commits: Default::default(),
            replica: Default::default(),
        })
    }

    /// Takes the write lock: one write at a time is validated and committed.
    pub(crate) fn lock_writes(&self) -> std::sync::MutexGuard<'_, ()> {
        self.write_lock
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Runs `commit` (under the write lock `_guard` holds), brings the in-memory copy in line
    /// with it, and announces it to the commit log with what `touched` says it touched: `None`
    /// when it failed or panicked, since part of it may have landed; the copy is then made
    /// again. A commit that may change the class hierarchy runs
    /// [`ClassCache::while_changing`], so that no validation starting after the announcement
    /// finds a closure from before it.
    pub(crate) fn announced<T>(
        &self,
        _guard: &std::sync::MutexGuard<'_, ()>,
        classes: bool,
        commit: impl FnOnce() -> T,
        touched: impl FnOnce(&mut T) -> (Touched, Replication),
    ) -> T {
        /// Announces the commit even if it panics.
        struct Announce<'a>(&'a CommitLog, Touched);
        impl Drop for Announce<'_> {
            fn drop(&mut self) {
                self.0.committed(self.1.take());
            }
        }
        /// Makes the copy again if the commit panicked.
        struct Follow<'a>(&'a AppStore, Option<Replication>);
        impl Drop for Follow<'_> {
            fn drop(&mut self) {
                let replication = self.1.take().unwrap_or(Replication::Everything);
                self.0.replica.follow(&self.0.store, replication);
            }
        }
        let mut announce = Announce(&self.commits, None);
        let mut follow = Follow(self, None);
        let mut result = if classes {
            self.classes.while_changing(commit)
        } else {
            commit()
        };
        let (keys, replication) = touched(&mut result);
        announce.1 = keys;
        follow.1 = Some(replication);
        drop(follow);
        result
    }

    /// Writes RocksDB's memtables to disk from a thread of its own: writes go on meanwhile
    /// into fresh memtables.
    pub(crate) fn flush_in_background(&self) {
        let store = self.store.clone();
        std::thread::spawn(move || {
            if let Err(error) = store.flush() {
                tracing::warn!(%error, "flushing the store's memtables failed");
            }
        });
    }

    /// Runs a read of the resources on the in-memory copy when it is on (brought up to date
    /// first, so that a write answered 2xx is read back), on the store otherwise. `read` must not
    /// come back here: it runs under the copy's read lock.
    pub fn reading<R>(&self, read: impl FnOnce(&dyn Quads) -> R) -> R {
        if let Some(copy) = self.replica.read() {
            if let Some(index) = copy.as_ref() {
                return read(index);
            }
        }
        read(&self.store)
    }

    pub fn graph(&self, name: &str) -> NamedNode {
        NamedNode::new_unchecked(self.base.graph(name))
    }

    /// Brings the ontology graph in line with the ontology the binary carries (or
    /// `ontology_dir`), replacing it when they differ, so that SPARQL sees the ontology of the
    /// running version after an upgrade; loads the fixtures the first time a store is opened (a
    /// store that already has them, even modified, keeps them). Other graphs are left alone.
    pub fn bootstrap(&self, config: &Config, contexts: &Contexts) -> anyhow::Result<()> {
        let ontology_graph = self.graph(vocab::GRAPH_ONTOLOGY);
        let ontology = bundled::documents(bundled::ONTOLOGY, config.ontology_dir.as_deref())?;
        let quads = self.parse_documents(&ontology, &ontology_graph, None, contexts)?;
        if !self.holds_exactly(&ontology_graph, &quads)? {
            let replaced = self.store.contains_named_graph(&ontology_graph)?;
            self.replace_graph(&ontology_graph, &quads, &ontology)?;
            tracing::info!(count = quads.len(), replaced, "ontology loaded");
        }
        let fixtures_graph = self.graph(vocab::GRAPH_FIXTURES);
        if config.load_fixtures && !self.store.contains_named_graph(&fixtures_graph)? {
            let fixtures = bundled::documents(bundled::FIXTURES, config.fixtures_dir.as_deref())?;
            let quads = self.parse_documents(&fixtures, &fixtures_graph, None, contexts)?;
            self.replace_graph(&fixtures_graph, &quads, &fixtures)?;
            tracing::info!(count = quads.len(), graph = %fixtures_graph, "fixtures loaded");
        }
        Ok(())
    }

    /// Whether `graph` holds exactly these quads, blank nodes compared up to renaming.
    fn holds_exactly(&self, graph: &NamedNode, quads: &[Quad]) -> anyhow::Result<bool> {
        let canonical = |triples: &mut dyn Iterator<Item = Triple>| {
            let mut graph: Graph = triples.collect();
            graph.canonicalize(CanonicalizationAlgorithm::Unstable);
            graph
        };
        let mut stored = Vec::new();
        for quad in self
            .store
            .quads_for_pattern(None, None, None, Some(graph.as_ref().into()))
        {
            stored.push(Triple::from(quad?));
        }
        Ok(canonical(&mut stored.into_iter())
            == canonical(&mut quads.iter().map(|q| Triple::from(q.clone()))))
    }

    /// Parses every document first: a syntax error in any of them loads nothing.
    fn parse_documents(
        &self,
        documents: &[Document],
        graph: &NamedNode,
        format: Option<RdfFormat>,
        contexts: &Contexts,
    ) -> Result<Vec<Quad>, LoadError> {
        let graph_name = GraphName::NamedNode(graph.clone());
        let mut quads = Vec::new();
        for document in documents {
            let path = PathBuf::from(&document.name);
            let format = format
                .or_else(|| rdf::format_from_path(&path))
                .ok_or_else(|| LoadError::UnknownFormat { path: path.clone() })?;
            let parsed = rdf::parse(
                &document.bytes,
                format,
                self.base.as_str(),
                &graph_name,
                false,
                contexts,
            )
            .map_err(|error| LoadError::Syntax { path, error })?;
            if quads.is_empty() {
                quads = parsed;
            } else {
                quads.extend(parsed);
            }
        }
        Ok(quads)
    }

    /// Replaces the content of `graph` with `quads` in one transaction, with provenance.
    fn replace_graph(
        &self,
        graph: &NamedNode,
        quads: &[Quad],
        documents: &[Document],
    ) -> Result<(), LoadError> {
        self.commit_graph(graph, quads, documents, true)
    }

    /// Commits `quads` into `graph` (emptied first when `replace`) with their provenance in
    /// `graphs/meta`, in one transaction.
    fn commit_graph(
        &self,
        graph: &NamedNode,
        quads: &[Quad],
        documents: &[Document],
        replace: bool,
    ) -> Result<(), LoadError> {
        let meta = self.graph(vocab::GRAPH_META);
        let guard = self.lock_writes();
        let mut transaction = self.store.start_transaction()?;
        if replace {
            transaction.clear_graph(graph)?;
            for predicate in [vocab::DCT_MODIFIED, vocab::DCT_SOURCE] {
                let old: Vec<Quad> = self
                    .store
                    .quads_for_pattern(
                        Some(graph.into()),
                        Some(predicate),
                        None,
                        Some(meta.as_ref().into()),
                    )
                    .collect::<Result<_, _>>()?;
                for quad in &old {
                    transaction.remove(quad);
                }
            }
        }
        // An empty graph must still exist, so that bootstrap knows it was loaded.
        transaction.insert_named_graph(graph);
        transaction.extend(quads.iter());
        let names: Vec<&str> = documents.iter().map(file_name).collect();
        self.record_load(&mut transaction, graph, &names);
        self.announced(
            &guard,
            true,
            || transaction.commit(),
            |_| (None, Replication::Everything),
        )?;
        Ok(())
    }

    /// Parses every file first, then adds all quads at once (one transaction, or the bulk
    /// loader for many, which is just as atomic): a syntax error in any file leaves the store
    /// untouched. Says how many quads the files held and how many the graph did not have yet.
    pub fn load_files(
        &self,
        files: &[PathBuf],
        graph: &NamedNode,
        format: Option<RdfFormat>,
        contexts: &Contexts,
        on_file: impl Fn(&Path),
    ) -> Result<Loaded, LoadError> {
        let mut documents = Vec::new();
        for path in files {
            let bytes = std::fs::read(path).map_err(|error| LoadError::Read {
                path: path.clone(),
                error,
            })?;
            documents.push(Document {
                name: path.display().to_string(),
                base: None,
                bytes: bytes.into(),
            });
            on_file(path);
        }
        let mut distinct = self.parse_documents(&documents, graph, format, contexts)?;
        let read = distinct.len();
        // Repeats found by reference (no quad cloned), then dropped in place.
        let first_seen: Vec<bool> = {
            let mut seen = rustc_hash::FxHashSet::default();
            seen.reserve(distinct.len());
            distinct.iter().map(|q| seen.insert(q)).collect()
        };
        if first_seen.contains(&false) {
            let mut first_seen = first_seen.into_iter();
            distinct.retain(|_| first_seen.next().unwrap_or(true));
        }
        let added = self.not_held(graph, &distinct)?;
        if distinct.len() >= BULK_LOAD_QUADS {
            self.bulk_add(graph, distinct, &documents)?;
        } else {
            self.commit_graph(graph, &distinct, &documents, false)?;
        }
        Ok(Loaded { read, added })
    }

    /// How many of `quads` (all in `graph`, distinct) the store does not hold: all of them
    /// when the graph is empty, else one look-up each.
    fn not_held(&self, graph: &NamedNode, quads: &[Quad]) -> Result<usize, StorageError> {
        let empty = self
            .store
            .quads_for_pattern(None, None, None, Some(graph.into()))
            .next()
            .is_none();
        if empty {
            return Ok(quads.len());
        }
        let mut added = 0;
        for quad in quads {
            if !self.store.contains(quad)? {
                added += 1;
            }
        }
        Ok(added)
    }

    /// Adds many quads and their provenance through Oxigraph's bulk loader: sorted files that
    /// RocksDB takes in one atomic step, several times faster than a transaction.
    fn bulk_add(
        &self,
        graph: &NamedNode,
        quads: Vec<Quad>,
        documents: &[Document],
    ) -> Result<(), LoadError> {
        let guard = self.lock_writes();
        let meta = self.graph(vocab::GRAPH_META);
        let mut provenance = vec![Quad::new(
            graph.clone(),
            vocab::DCT_MODIFIED,
            now_literal(),
            meta.clone(),
        )];
        for document in documents {
            provenance.push(Quad::new(
                graph.clone(),
                vocab::DCT_SOURCE,
                Literal::new_simple_literal(file_name(document)),
                meta.clone(),
            ));
        }
        // Oxigraph's loader builds each batch on one thread, and a batch is 1 000 000 quads by
        // default: a smaller load would use one core. Cut into one batch per core, it uses them
        // all.
        let threads = std::thread::available_parallelism().map_or(1, usize::from);
        let batch = (quads.len() + provenance.len())
            .div_ceil(threads)
            .max(BULK_LOAD_QUADS);
        let load = || {
            let mut loader = self
                .store
                .bulk_loader()
                .with_num_threads(threads)
                .with_max_memory_size_in_megabytes((batch * threads).div_ceil(1000));
            loader.load_quads(quads.into_iter().chain(provenance))?;
            loader.commit()
        };
        self.announced(&guard, true, load, |_| (None, Replication::Everything))?;
        Ok(())
    }

    fn record_load(
        &self,
        transaction: &mut oxigraph::store::Transaction<'_>,
        graph: &NamedNode,
        sources: &[&str],
    ) {
        let meta = self.graph(vocab::GRAPH_META);
        transaction.insert(QuadRef::new(
            graph,
            vocab::DCT_MODIFIED,
            &now_literal(),
            &meta,
        ));
        for name in sources {
            transaction.insert(QuadRef::new(
                graph,
                vocab::DCT_SOURCE,
                &Literal::new_simple_literal(*name),
                &meta,
            ));
        }
    }

    /// Loads already parsed quads atomically (used by the generator and the benchmarks).
    pub fn insert_quads(&self, quads: &[Quad]) -> anyhow::Result<()> {
        let guard = self.lock_writes();
        let load = || {
            let mut loader = self.store.bulk_loader();
            loader.load_quads(quads.iter().cloned())?;
            loader.commit()
        };
        Ok(self.announced(&guard, true, load, |_| (None, Replication::Everything))?)
    }

    /// What `graph` says about a resource: its triples and those of the nodes it owns
    /// (`#fragment` IRIs below it and blank nodes it links to).
    pub fn statements_about(
        &self,
        graph: &NamedNode,
        resource: NamedNodeRef<'_>,
    ) -> Result<Graph, StorageError> {
        self.statements_about_all(graph, std::slice::from_ref(&resource.into_owned()))
    }

    /// [`Self::statements_about`] for many resources in one pass over the graph: fragment IRIs
    /// may be unlinked leftovers, so only a scan finds them all. Read from the copy when it is
    /// on ([`Self::reading`]): writes call this under the write lock, where it is the store.
    pub fn statements_about_all(
        &self,
        graph: &NamedNode,
        resources: &[NamedNode],
    ) -> Result<Graph, StorageError> {
        self.reading(|quads| statements_about_all(quads, graph, resources))
    }

    /// Whether any graph other than the meta graph says anything about the resource.
    pub fn exists(&self, resource: NamedNodeRef<'_>) -> Result<bool, StorageError> {
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

    pub fn export(&self, format: RdfFormat, writer: impl Write) -> anyhow::Result<()> {
        anyhow::ensure!(
            format.supports_datasets(),
            "export writes a dataset: use nquads or trig"
        );
        let mut serializer = rdf::serializer(format).for_writer(writer);
        for quad in self.store.iter() {
            serializer.serialize_quad(&quad?)?;
        }
        serializer.finish()?.flush()?;
        Ok(())
    }
}

/// What `graph` says about `resources` and the nodes they own (see
/// [`AppStore::statements_about_all`]).
pub(crate) fn statements_about_all(
    quads: &dyn Quads,
    graph: &NamedNode,
    resources: &[NamedNode],
) -> Result<Graph, StorageError> {
    let wanted: std::collections::HashSet<&str> = resources.iter().map(NamedNode::as_str).collect();
    let mut out = Graph::new();
    let mut blank_nodes = Vec::new();
    for quad in quads.matching(None, None, None, Some(graph.as_ref().into())) {
        let quad = quad?;
        let owned = match &quad.subject {
            NamedOrBlankNode::NamedNode(n) => {
                wanted.contains(n.as_str().split('#').next().unwrap_or_default())
            }
            NamedOrBlankNode::BlankNode(_) => false,
        };
        if owned {
            if let Term::BlankNode(b) = &quad.object {
                blank_nodes.push(NamedOrBlankNode::from(b.clone()));
            }
            out.insert(&Triple::from(quad));
        }
    }
    let mut seen = std::collections::HashSet::new();
    while let Some(node) = blank_nodes.pop() {
        if !seen.insert(node.clone()) {
            continue;
        }
        for quad in quads.matching(Some(node.as_ref()), None, None, Some(graph.as_ref().into())) {
            let quad = quad?;
            if let Term::BlankNode(b) = &quad.object {
                blank_nodes.push(b.clone().into());
            }
            out.insert(&Triple::from(quad));
        }
    }
    Ok(out)
}

pub fn now_literal() -> Literal {
    oxsdatatypes::DateTime::now().into()
}
