//! Lieux Communs: the linked-data service of the tiers-lieux and their commons.
//!
//! Where things happen: `http` receives requests, `rdf` parses and serializes, `store` keeps the
//! quads in Oxigraph, `validation` judges writes against the shapes (with the SHACL engine of
//! crates/shacl, the `shacl` crate), `sparql` evaluates queries, `vocab` names every IRI,
//! `config` holds the settings.

pub(crate) mod commits;
pub mod config;
pub mod federation;
pub mod generate;
pub mod http;
pub mod rdf;
pub mod render;
pub mod resources;
pub mod sparql;
pub mod store;
pub mod validation;
pub mod vocab;
pub mod writes;

pub use http::error::Error;

// In the library, so that the server, the benchmarks and the tests all run on it.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

use config::Config;
use http::AppState;
use rdf::Contexts;
use store::AppStore;

/// Opens the store, loads the ontology and (on first start) the fixtures, and builds the state
/// the HTTP handlers share.
pub fn build_state(config: Config) -> anyhow::Result<AppState> {
    let store = AppStore::open(&config)?;
    let contexts = Contexts::new(http::meta::read_context(&config)?, &store.base);
    store.bootstrap(&config, &contexts)?;
    AppState::new(config, store, contexts)
}
