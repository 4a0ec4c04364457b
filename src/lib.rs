//! Lieux Communs: the linked-data service of the tiers-lieux and their commons.
//!
//! Where things happen: `http` receives requests, `rdf` parses and serializes, `store` keeps the
//! quads in Oxigraph, `sparql` evaluates queries, `vocab` names every IRI, `config` holds the
//! settings.

pub mod app;
pub mod bundled;
pub(crate) mod commits;
pub mod config;
pub mod federation;
pub mod generate;
pub mod http;
pub mod rdf;
pub mod render;
pub mod resources;
pub mod self_description;
pub mod shacl;
pub mod sparql;
pub mod store;
pub mod vocab;
pub mod writes;

// In the library, so that the server, the benchmarks and the tests all run on it.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// The server's state: the application core started (ontology in line, fixtures on a new
/// store) and the HTTP caches.
pub fn build_state(config: config::Config) -> anyhow::Result<http::AppState> {
    Ok(http::AppState::new(app::App::start(config)?))
}
