//! A harvest: read a partner's export (`fetch`), map each record to our vocabulary (one module
//! per source), leave out the values the shapes refuse (`conform`: lose fields, not places),
//! link the places we already know (`reconcile`), and replace the source's graph in one
//! validated, atomic write. Any failure of the source itself (HTTP error on any page after the
//! retries, timeout, malformed JSON) changes nothing.
//!
//! A harvest takes what it needs — the store, the validator, the trusted certificate
//! authorities — as a [`Harvester`], never the HTTP layer's state.

use super::conform::conform;
use super::fetch::{Fetcher, RetryPolicy};
use super::reconcile::KnownPlaces;
use super::record::{FieldWarning, Record};
use crate::config::Config;
use crate::store::{now_literal, AppStore};
use crate::validation::{report_text, Change, Validator};
use crate::vocab::{self, Base};
use crate::writes::{Write, WriteError};
use oxigraph::model::{Graph, Literal, Triple, TripleRef};
use std::sync::Arc;
use std::time::Duration;

/// Default HTTP timeout of a harvest request (whole request, body included).
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);

/// A platform we harvest: how its records are read and mapped, and which graph they replace.
pub trait Source: Send + Sync {
    fn graph_name(&self) -> String;
    /// Who the harvest's writes are attributed to in the meta graph.
    fn network(&self) -> String {
        self.graph_name()
    }
    /// Reads and maps every record; an error on any page is an error of the whole harvest.
    fn fetch(&self, context: &FetchContext<'_>) -> Result<Fetched, HarvestError>;
}

/// What a source's `fetch` works with.
pub struct FetchContext<'a> {
    pub base: &'a Base,
    pub fetcher: &'a Fetcher,
    pub options: &'a HarvestOptions,
    /// `(pages, records)` after each page read.
    pub progress: &'a dyn Fn(usize, usize),
    /// The time written as `dct:modified` on every record.
    pub now: Literal,
}

/// What a source read: its records, the triples they share (a map's concept scheme), and the
/// counts of the report so far.
#[derive(Default)]
pub struct Fetched {
    pub records: Vec<Record>,
    pub shared: Graph,
    pub outcome: HarvestOutcome,
}

#[derive(Clone, Debug)]
pub struct HarvestOptions {
    /// Timeout of each HTTP request, from connection to the end of the body.
    pub timeout: Duration,
    /// Communecter page size (`/limit/{n}`, 1..=500).
    pub page_size: usize,
    /// Guard against sources that page forever.
    pub max_pages: usize,
    pub retry: RetryPolicy,
}

impl Default for HarvestOptions {
    fn default() -> Self {
        Self {
            timeout: DEFAULT_TIMEOUT,
            page_size: 100,
            max_pages: 10_000,
            retry: RetryPolicy::default(),
        }
    }
}

/// What a harvest did: every record read is harvested, skipped (with why) or ignored, and every
/// value left out of a harvested record is listed on that record.
#[derive(Clone, Debug, Default, serde::Serialize)]
pub struct HarvestOutcome {
    /// The graph the harvest replaced.
    pub graph: String,
    /// Records read from the source.
    pub read: usize,
    /// Records stored.
    pub harvested: usize,
    /// Records not stored, because what identifies them is missing or unusable.
    pub skipped: Vec<Skipped>,
    /// Records stored without some of their values.
    pub warned: Vec<Warned>,
    /// Pages (HTTP responses) read.
    pub pages: usize,
    /// Requests asked again after a transient error.
    pub retries: usize,
    /// Records of the source that are not ours to take (e.g. organizations not tagged TiersLieux).
    pub ignored: usize,
    /// `owl:sameAs` links added to places already known from another graph.
    pub same_as: usize,
    /// What the source said that concerns no single record (unknown category ids…).
    pub notes: Vec<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Skipped {
    pub id: String,
    pub reason: String,
}

#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Warned {
    pub id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    pub fields: Vec<FieldWarning>,
}

impl HarvestOutcome {
    pub fn skip(&mut self, id: impl Into<String>, reason: impl Into<String>) {
        self.skipped.push(Skipped {
            id: id.into(),
            reason: reason.into(),
        });
    }

    /// Values left out, all records together.
    pub fn warnings(&self) -> usize {
        self.warned.iter().map(|w| w.fields.len()).sum()
    }

    /// The counts of the report in one line.
    pub fn summary(&self) -> String {
        format!(
            "read {}, kept {}, skipped {}, warned {} ({} values left out), ignored {}, owl:sameAs {}, pages {}, retries {}",
            self.read,
            self.harvested,
            self.skipped.len(),
            self.warned.len(),
            self.warnings(),
            self.ignored,
            self.same_as,
            self.pages,
            self.retries,
        )
    }

    /// The report a person reads: a summary line, then one line per skipped record and per
    /// value left out.
    pub fn report_lines(&self) -> Vec<String> {
        let mut lines = vec![format!("{}: {}", self.graph, self.summary())];
        lines.extend(self.notes.iter().map(|n| format!("note: {n}")));
        for s in &self.skipped {
            lines.push(format!("skipped {}: {}", s.id, s.reason));
        }
        for w in &self.warned {
            let who = match &w.name {
                Some(name) => format!("{} ({name})", w.id),
                None => w.id.clone(),
            };
            for f in &w.fields {
                lines.push(format!(
                    "warning {who}: {} {:?} left out: {}",
                    f.field, f.value, f.reason
                ));
            }
        }
        lines
    }
}

#[derive(Debug, thiserror::Error)]
pub enum HarvestError {
    #[error("GET {url}: HTTP status {status}")]
    Status { url: String, status: u16 },
    #[error("GET {url}: {message}")]
    Transport { url: String, message: String },
    #[error("GET {url}: malformed JSON: {message}")]
    Json { url: String, message: String },
    #[error("GET {url}: unexpected response: {message}")]
    Format { url: String, message: String },
    #[error("{0}")]
    Config(String),
    #[error("the harvested graph does not conform to the shapes in the context of the store, nothing was changed:\n{0}")]
    Invalid(String),
    #[error("cannot write the harvest: {0}")]
    Write(String),
}

impl HarvestError {
    /// Worth asking again: the partner is overloaded, restarting or briefly unreachable.
    pub fn is_transient(&self) -> bool {
        match self {
            Self::Status { status, .. } => {
                matches!(status, 408 | 425 | 429 | 500 | 502 | 503 | 504)
            }
            Self::Transport { .. } => true,
            _ => false,
        }
    }
}

/// What a harvest needs: the store it writes to (its base IRI names the records), the shapes,
/// and the certificate authorities trusted for HTTPS partners.
#[derive(Clone)]
pub struct Harvester {
    pub store: AppStore,
    pub validator: Arc<Validator>,
    pub roots: Arc<Vec<reqwest::Certificate>>,
}

impl Harvester {
    pub fn new(
        store: AppStore,
        validator: Arc<Validator>,
        roots: Arc<Vec<reqwest::Certificate>>,
    ) -> Self {
        Self {
            store,
            validator,
            roots,
        }
    }

    /// For the command line: the configured store, shapes and certificate authorities, and
    /// nothing else (no fixtures are loaded into a store that is harvested into).
    pub fn open(config: &Config) -> anyhow::Result<Self> {
        let store = AppStore::open(config)?;
        let validator = Validator::bundled_or(config.shapes_dir.as_deref())?;
        let roots = super::fetch::trusted_roots(&config.federation.ca_certificates)?;
        Ok(Self::new(store, Arc::new(validator), Arc::new(roots)))
    }

    /// Reads everything, then replaces the source's graph in one validated write.
    pub fn harvest(
        &self,
        source: &dyn Source,
        options: &HarvestOptions,
        progress: &dyn Fn(usize, usize),
    ) -> Result<HarvestOutcome, HarvestError> {
        let fetcher = Fetcher::new(&self.roots, options.timeout, options.retry.clone())?;
        let context = FetchContext {
            base: &self.store.base,
            fetcher: &fetcher,
            options,
            progress,
            now: now_literal(),
        };
        let fetched = source.fetch(&context);
        let mut fetched = fetched?;
        fetched.outcome.retries = fetcher.retried();
        self.store_records(&source.graph_name(), &source.network(), fetched)
    }

    /// Leaves out of each record the values the shapes refuse, links the places already known
    /// elsewhere, and replaces `graph` with the records kept, in one atomic write validated in
    /// the context of the store. `network` names the source in the provenance record of the
    /// meta graph.
    pub fn store_records(
        &self,
        graph_name: &str,
        network: &str,
        fetched: Fetched,
    ) -> Result<HarvestOutcome, HarvestError> {
        let Fetched {
            records,
            shared,
            mut outcome,
        } = fetched;
        let graph = self.store.graph(graph_name);
        outcome.graph = graph.as_str().to_owned();
        let accepted = self.accept(records, &mut outcome);
        for s in &outcome.skipped {
            tracing::warn!(graph = %graph, id = %s.id, reason = %s.reason, "harvested record skipped");
        }
        let mut same_as = 0;
        let result = crate::writes::commit_write(&self.store, &self.validator, |store| {
            let mut remove = Graph::new();
            for quad in store
                .store
                .quads_for_pattern(None, None, None, Some(graph.as_ref().into()))
            {
                remove.insert(&Triple::from(quad?));
            }
            let known = KnownPlaces::read(store, &graph)?;
            let mut add = shared.clone();
            for record in &accepted {
                for t in record.triples.iter() {
                    add.insert(t);
                }
                for existing in known.matches(record) {
                    add.insert(TripleRef::new(&record.iri, vocab::OWL_SAME_AS, &existing));
                    same_as += 1;
                }
            }
            // What stays the same is left in place by `commit_write` (`Change::unchanged`).
            Ok(Write {
                network: network.to_owned(),
                graph: graph.clone(),
                change: Change { add, remove },
                resources: Vec::new(),
            })
        });
        match result {
            Ok(_) => {}
            Err(WriteError::Invalid(report)) => {
                return Err(HarvestError::Invalid(report_text(&report)))
            }
            Err(e) => return Err(HarvestError::Write(e.to_string())),
        }
        outcome.harvested = accepted.len();
        outcome.same_as = same_as;
        Ok(outcome)
    }

    /// The records that are kept, each without the values the shapes refuse.
    fn accept(&self, records: Vec<Record>, outcome: &mut HarvestOutcome) -> Vec<Record> {
        let mut accepted: Vec<Record> = Vec::new();
        let mut seen = std::collections::HashMap::new();
        for mut record in records {
            if !record.problems.is_empty() {
                outcome.skip(&record.id, record.problems.join("; "));
                continue;
            }
            if let Some(first) = seen.get(&record.iri) {
                outcome.skip(
                    &record.id,
                    format!("a duplicate of record {first}, which is kept"),
                );
                continue;
            }
            if let Err(why) = conform(&self.validator, &mut record) {
                outcome.skip(&record.id, why);
                continue;
            }
            seen.insert(record.iri.clone(), record.id.clone());
            if !record.warnings.is_empty() {
                outcome.warned.push(Warned {
                    id: record.id.clone(),
                    name: record.name(),
                    fields: record.warnings.clone(),
                });
            }
            accepted.push(record);
        }
        accepted
    }
}
