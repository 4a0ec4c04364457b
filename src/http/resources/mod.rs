//! Every class endpoint, generic over `vocab::COLLECTIONS`: read a collection or a resource in
//! the negotiated format, and writes by networks into their own graph.
//!
//! This file holds the route table and the path resolution (`/{collection}/{slug}` to a
//! collection and an IRI) that every handler shares; each concern lives in its own file so
//! that a change to paging, conditional reads or writes is read and reviewed on its own.

mod collections;
mod etag;
mod funding;
mod import;
mod negotiation;
mod read;
mod write;

pub use collections::{list, ListParams};
pub use import::import;
pub use read::get_one;
pub(super) use write::write_error;
pub use write::{create, delete, replace};

use super::error::{Error, Result};
use super::openapi::{
    collection_param, prefer_param, problem, query_param, rdf_body, slug_param, write_responses,
};
use super::routes::{operation, route, Route};
use super::AppState;
use crate::vocab::{self, Collection};
use axum::http::Method;
use oxigraph::model::NamedNode;
use serde_json::json;

fn collection(segment: &str) -> Result<&'static Collection> {
    vocab::collection(segment).ok_or_else(|| {
        Error::NotFound(format!(
            "no collection /{segment}; collections: {}",
            vocab::COLLECTIONS
                .iter()
                .map(|c| c.segment)
                .collect::<Vec<_>>()
                .join(", ")
        ))
    })
}

fn check_slug(slug: &str) -> Result<()> {
    if !crate::writes::is_path_slug(slug) {
        return Err(Error::NotFound(format!("no resource with slug {slug:?}")));
    }
    Ok(())
}

/// The collection and the IRI a `/{collection}/{slug}` path names.
fn target(state: &AppState, segment: &str, slug: &str) -> Result<(&'static Collection, NamedNode)> {
    let collection = collection(segment)?;
    check_slug(slug)?;
    Ok((collection, resource_iri(state, collection, slug)))
}

fn resource_iri(state: &AppState, collection: &Collection, slug: &str) -> NamedNode {
    NamedNode::new_unchecked(state.store.base.resource(collection.segment, slug))
}

/// The collections, their resources, and `POST /import`.
pub fn routes() -> Vec<Route> {
    let (collection, slug, prefer) = (collection_param(), slug_param(), prefer_param());
    let resource = json!({ "description": "the resource, by Accept: application/ld+json (default), text/turtle, application/n-triples, application/n-quads, application/rdf+xml, text/html" });
    vec![
        route(
            "/import",
            vec![operation(
                Method::POST,
                import,
                json!({ "summary": "a whole graph from a network, atomic", "security": [{ "network": [] }], "requestBody": rdf_body("JSON-LD @graph, Turtle, N-Triples, N-Quads…"),
            "responses": write_responses(&[("200", json!({ "description": "imported" })), ("403", problem("quads for another graph"))]) }),
            )],
        ),
        route(
            "/{collection}",
            vec![
                operation(
                    Method::GET,
                    list,
                    json!({ "summary": "a Hydra collection", "parameters": [collection.clone(), query_param("q", "name contains (accent- and case-insensitive)"), query_param("network", "slug or IRI"), query_param("tag", "tag"), query_param("region", "postal code prefix or region name"), query_param("commons", "slug or IRI"), query_param("page", "from 1"), query_param("limit", "1 to 200")],
                "responses": { "200": { "description": "JSON-LD collection (member, totalItems, view)" }, "400": problem("bad paging"), "404": problem("unknown collection") } }),
                ),
                operation(
                    Method::POST,
                    create,
                    json!({ "summary": "create a resource in the network's graph", "security": [{ "network": [] }], "parameters": [collection.clone(), prefer.clone()], "requestBody": rdf_body("the resource; without @id the IRI is minted from its name"),
                "responses": write_responses(&[("201", json!({ "description": "created; Location is the IRI" })), ("409", problem("already exists"))]) }),
                ),
            ],
        ),
        route(
            "/{collection}/{slug}",
            vec![
                operation(
                    Method::GET,
                    get_one,
                    json!({ "summary": "one resource", "parameters": [collection.clone(), slug.clone()], "responses": { "200": resource, "304": { "description": "If-None-Match matched" }, "404": problem("unknown resource"), "406": problem("no acceptable format") } }),
                ),
                operation(
                    Method::PUT,
                    replace,
                    json!({ "summary": "replace this network's statements about the resource", "security": [{ "network": [] }], "parameters": [collection.clone(), slug.clone(), prefer], "requestBody": rdf_body("the resource"),
                "responses": write_responses(&[("200", json!({ "description": "replaced" })), ("201", json!({ "description": "created" })), ("412", problem("If-Match does not match"))]) }),
                ),
                operation(
                    Method::DELETE,
                    delete,
                    json!({ "summary": "delete this network's statements about the resource", "security": [{ "network": [] }], "parameters": [collection, slug],
                "responses": { "204": { "description": "deleted" }, "401": problem("no token"), "404": problem("nothing of this network about it"), "412": problem("If-Match does not match"), "422": { "description": "the deletion breaks other resources' links" } } }),
                ),
            ],
        ),
    ]
}
