//! The application core: the store, the shapes and their validator, the query engine, the
//! JSON-LD contexts and renderer, what the service says about itself and the HTTP client for
//! partners, built once from the configuration. The CLI, the HTTP layer, the harvests and the
//! SPARQL endpoint all take it; it knows nothing of HTTP.

use crate::config::Config;
use crate::rdf::Contexts;
use crate::render::Compactor;
use crate::self_description::SelfDescription;
use crate::sparql::service::AllowListServiceHandler;
use crate::sparql::QueryEngine;
use crate::store::AppStore;
use crate::validation::Validator;
use std::sync::Arc;
use std::time::Duration;

/// Cheap to clone: every part is shared.
#[derive(Clone)]
pub struct App {
    pub config: Arc<Config>,
    pub store: AppStore,
    pub contexts: Contexts,
    pub validator: Arc<Validator>,
    /// The shapes file by file (`/validate?shapes=place`), by the file's name.
    pub shape_sets: Arc<std::collections::BTreeMap<String, Arc<Validator>>>,
    pub engine: QueryEngine,
    pub compactor: Arc<Compactor>,
    pub described: Arc<SelfDescription>,
    /// `federation.ca_certificates`, read once: trusted for harvests and `SERVICE` calls.
    pub trusted_roots: Arc<Vec<reqwest::Certificate>>,
    /// The last outcome of each harvest, for `GET /harvests`.
    pub harvests: crate::federation::schedule::HarvestLog,
}

impl App {
    /// Opens the store and reads the shapes, the ontology and the contexts (the bundled ones,
    /// or the configured folders); the store is left as it is.
    pub fn open(config: Config) -> anyhow::Result<Self> {
        let store = AppStore::open(&config)?;
        let context = crate::bundled::context(config.ontology_dir.as_deref())?.into_owned();
        let contexts = Contexts::new(context, &store.base);
        let validator = Validator::bundled_or(config.shapes_dir.as_deref())?;
        for warning in validator.warnings() {
            tracing::warn!("shapes: {warning}");
        }
        let described =
            SelfDescription::load(&config, &store.base, validator.shape_triples().to_vec())?;
        let compactor = Compactor::from_context(&described.context, &store.base.context())?;
        let trusted_roots = Arc::new(crate::federation::trusted_roots(
            &config.federation.ca_certificates,
        )?);
        let engine = query_engine(&config, trusted_roots.clone());
        let shape_sets = Validator::sets(config.shapes_dir.as_deref())?
            .into_iter()
            .map(|(name, set)| (name, Arc::new(set)))
            .collect();
        Ok(Self {
            config: Arc::new(config),
            store,
            contexts,
            validator: Arc::new(validator),
            shape_sets: Arc::new(shape_sets),
            engine,
            compactor: Arc::new(compactor),
            described: Arc::new(described),
            trusted_roots,
            harvests: Default::default(),
        })
    }

    /// What a harvest needs of the core: the store, the validator, the trusted roots.
    pub fn harvester(&self) -> crate::federation::Harvester {
        crate::federation::Harvester::new(
            self.store.clone(),
            self.validator.clone(),
            self.trusted_roots.clone(),
        )
    }

    /// [`App::open`], then the ontology brought in line with the one carried and, on a new
    /// store, the fixtures loaded, and the in-memory copy SPARQL queries run on: what `serve`
    /// starts with.
    pub fn start(config: Config) -> anyhow::Result<Self> {
        let app = Self::open(config)?;
        app.store.bootstrap(&app.config, &app.contexts)?;
        let started = std::time::Instant::now();
        app.store.replica.enable(&app.store.store)?;
        tracing::info!(
            ms = started.elapsed().as_millis(),
            "in-memory copy of the store made for SPARQL queries"
        );
        Ok(app)
    }
}

/// The query engine of the configuration: its timeout, its slots, its largest answer and the
/// `SERVICE` endpoints it may call. Each evaluation gets a handler that knows its own deadline.
fn query_engine(config: &Config, roots: Arc<Vec<reqwest::Certificate>>) -> QueryEngine {
    let timeout = Duration::from_secs(config.query_timeout_s);
    let allowed = Arc::new(config.federation.service_allow_list.clone());
    let mut engine = QueryEngine::new(timeout);
    engine.max_result_bytes = config.max_result_bytes;
    engine.set_max_running(config.max_running_queries);
    engine.set_kept_answers(config.kept_answers_bytes);
    let max_answer_bytes = config.max_result_bytes;
    engine.with_service_handler(allowed.clone(), move || {
        Box::new(AllowListServiceHandler::new(
            allowed.clone(),
            roots.clone(),
            timeout,
            max_answer_bytes,
        ))
    })
}
