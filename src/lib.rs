//! Lieux Communs: the linked-data service of the tiers-lieux and their commons.
//!
//! The data flow, with the modules as they are:
//!
//! ```text
//!                 config (file < environment < flags)   bundled (ontology, shapes, contexts, fixtures)
//!                                  \                     /
//!   main (CLI) ──────────────►  app::App  ◄───────────── http (handlers, extractors, HTTP caches;
//!   federation (harvests) ──►  store · validation ·        error.rs maps every domain error)
//!                              sparql · rdf · render
//!
//! network push   ─► http::resources / http::store ─► rdf::parse (closed JSON-LD loader:
//!                   rdf::Contexts, each context cut to the terms the document names)
//!                   ─► writes::payload ─► writes::commit (validation::Validator on the store's
//!                   view, one commit at a time) ─► store (the network's named graph, provenance)
//! partner query  ─► http::sparql ─► sparql::parse_query ─► sparql::QueryEngine (answers kept
//!                   per store version; fair slots, timeout, bounded answer) ─► a worker process
//!                   (sparql::isolated) evaluating on its copy of replica (a quad_index::QuadIndex
//!                   that applies the commits' logged deltas when read); SERVICE to the
//!                   allow-list only, found in the algebra (sparql::services) and run in the
//!                   server on the store
//! resource read  ─► http::resources ─► resources::describe, members, funding views, on
//!                   reading::Quads (the replica's copy, or the store when it is off)
//!                   ─► render (compact JSON-LD, HTML) or rdf::serialize (Turtle, N-Triples…)
//! harvest        ─► federation (fetch with retry, mapping per source, conform to the shapes,
//!                   reconcile with owl:sameAs) ─► writes::commit ─► store (the source's graph)
//! export check   ─► main `validate` or http::validate ─► validation ─► shacl (crates/shacl)
//! ```
//!
//! Layers: `http` and `main` sit on top; nothing below them imports `http`. `app` builds the
//! core from `config`; `writes`, `federation` and `sparql` use `store`, `validation` and `rdf`;
//! `store` depends on none of them (`class_cache` and `replica` are its own parts); there is no
//! import cycle between modules; `vocab` is the only place that spells an IRI. Each domain
//! module has its own error type (`QueryError`, `WriteError`, `LoadError`, `ConfigError`,
//! `HarvestError`…), mapped to status codes in `http::error` only.

pub mod app;
pub mod bundled;
pub mod class_cache;
pub(crate) mod commits;
pub mod config;
pub mod federation;
pub mod generate;
pub mod http;
pub mod nesting;
pub mod quad_index;
pub mod rdf;
pub mod reading;
pub mod render;
pub mod replica;
pub mod resources;
pub mod self_description;
pub mod sparql;
pub mod store;
pub mod validation;
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
