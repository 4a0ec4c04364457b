//! `/openapi.json`: an OpenAPI 3.1 description of every route of the service. The paths come
//! from the route table (`routes`); here are the document's frame and the pieces the
//! operations share.

use serde_json::{json, Map, Value};

pub fn problem(description: &str) -> Value {
    json!({ "description": description, "content": { "application/problem+json": { "schema": { "$ref": "#/components/schemas/Problem" } } } })
}

pub fn rdf_body(description: &str) -> Value {
    let mut content = Map::new();
    for media in super::RDF_INPUT_TYPES {
        content.insert((*media).into(), json!({}));
    }
    json!({ "description": description, "required": true, "content": content })
}

pub fn query_param(name: &str, description: &str) -> Value {
    json!({ "name": name, "in": "query", "schema": { "type": "string" }, "description": description })
}

pub fn collection_param() -> Value {
    let segments: Vec<&str> = crate::vocab::COLLECTIONS
        .iter()
        .map(|c| c.segment)
        .collect();
    json!({ "name": "collection", "in": "path", "required": true, "schema": { "type": "string", "enum": segments } })
}

/// The slug pattern is the one the router checks (`check_slug`).
pub fn slug_param() -> Value {
    json!({ "name": "slug", "in": "path", "required": true, "schema": { "type": "string", "pattern": crate::writes::SLUG_PATTERN } })
}

pub fn prefer_param() -> Value {
    json!({ "name": "Prefer", "in": "header", "schema": { "type": "string", "enum": ["return=minimal", "return=representation"] },
        "description": "return=minimal (RFC 7240): no body in the answer (Preference-Applied: return=minimal)" })
}

/// The answers every write may give, with `more` of its own.
pub fn write_responses(more: &[(&str, Value)]) -> Value {
    let mut responses: Map<String, Value> = more
        .iter()
        .map(|(code, answer)| ((*code).to_owned(), answer.clone()))
        .collect();
    responses.insert(
        "400".into(),
        problem("malformed body, invalid JSON-LD, remote context, IRI outside the base"),
    );
    responses.insert("401".into(), problem("no or unknown network token"));
    responses.insert("413".into(), problem("body over max_body_bytes"));
    responses.insert("415".into(), problem("not an RDF media type, or not UTF-8"));
    responses.insert(
        "422".into(),
        json!({ "description": "the sh:ValidationReport in JSON-LD", "content": { "application/ld+json": {} } }),
    );
    Value::Object(responses)
}

pub fn document(base: &str, paths: Value) -> Value {
    json!({
        "openapi": "3.1.0",
        "info": {
            "title": "Lieux Communs",
            "version": env!("CARGO_PKG_VERSION"),
            "description": "Linked data of the tiers-lieux and the commons they share: SPARQL 1.1, JSON-LD resources, SHACL validation."
        },
        "servers": [{ "url": base }],
        "components": {
            "securitySchemes": { "network": { "type": "http", "scheme": "bearer", "description": "a network's token (writes) or the admin token (SPARQL Update, any named graph through /store)" } },
            "schemas": { "Problem": { "type": "object", "properties": {
                "type": { "type": "string" }, "title": { "type": "string" }, "status": { "type": "integer" },
                "detail": { "type": "string" }, "line": { "type": "integer" }, "column": { "type": "integer" } } } }
        },
        "paths": paths
    })
}
