//! `/openapi.json`: an OpenAPI 3.1 description of every route of the service.

use serde_json::{json, Value};

fn problem(description: &str) -> Value {
    json!({ "description": description, "content": { "application/problem+json": { "schema": { "$ref": "#/components/schemas/Problem" } } } })
}

fn rdf_body(description: &str) -> Value {
    let mut content = serde_json::Map::new();
    for media in super::RDF_INPUT_TYPES {
        content.insert((*media).into(), json!({}));
    }
    json!({ "description": description, "required": true, "content": content })
}

pub fn document(base: &str) -> Value {
    let collection = json!({ "name": "collection", "in": "path", "required": true,
        "schema": { "type": "string", "enum": ["places", "commons", "contributors", "pledges", "campaigns", "networks"] } });
    let slug = json!({ "name": "slug", "in": "path", "required": true, "schema": { "type": "string", "pattern": "^[a-z0-9-]+$" } });
    let query_param = |name: &str, description: &str| json!({ "name": name, "in": "query", "schema": { "type": "string" }, "description": description });
    let prefer = json!({ "name": "Prefer", "in": "header", "schema": { "type": "string", "enum": ["return=minimal", "return=representation"] },
        "description": "return=minimal (RFC 7240): no body in the answer (Preference-Applied: return=minimal)" });
    let resource = json!({ "description": "the resource, by Accept: application/ld+json (default), text/turtle, application/n-triples, application/n-quads, application/rdf+xml, text/html" });
    let write_errors = |mut responses: serde_json::Map<String, Value>| {
        responses.insert(
            "400".into(),
            problem("malformed body, invalid JSON-LD, remote context, IRI outside the base"),
        );
        responses.insert("401".into(), problem("no or unknown network token"));
        responses.insert("413".into(), problem("body over max_body_bytes"));
        responses.insert("415".into(), problem("not an RDF media type"));
        responses.insert("422".into(), json!({ "description": "the sh:ValidationReport in JSON-LD", "content": { "application/ld+json": {} } }));
        Value::Object(responses)
    };
    json!({
        "openapi": "3.1.0",
        "info": {
            "title": "Lieux Communs",
            "version": env!("CARGO_PKG_VERSION"),
            "description": "Linked data of the tiers-lieux and the commons they share: SPARQL 1.1, JSON-LD resources, SHACL validation."
        },
        "servers": [{ "url": base }],
        "components": {
            "securitySchemes": { "network": { "type": "http", "scheme": "bearer", "description": "a network's token (writes) or the admin token (SPARQL Update)" } },
            "schemas": { "Problem": { "type": "object", "properties": {
                "type": { "type": "string" }, "title": { "type": "string" }, "status": { "type": "integer" },
                "detail": { "type": "string" }, "line": { "type": "integer" }, "column": { "type": "integer" } } } }
        },
        "paths": {
            "/sparql": {
                "get": { "summary": "SPARQL 1.1 query (query=…), or the service description without a query",
                    "parameters": [query_param("query", "the query"), query_param("default-graph-uri", "repeatable"), query_param("named-graph-uri", "repeatable"), query_param("format", "json, xml, csv, tsv, turtle, ntriples, nquads, rdfxml, jsonld")],
                    "responses": { "200": { "description": "results by Accept" }, "400": problem("syntax error"), "406": problem("no acceptable format"), "503": problem("query timeout") } },
                "post": { "summary": "SPARQL 1.1 query or update (form, application/sparql-query, application/sparql-update); update needs the admin token",
                    "security": [{}, { "network": [] }],
                    "responses": { "200": { "description": "results" }, "204": { "description": "update done" }, "400": problem("syntax error"), "401": problem("update without the admin token"), "415": problem("unknown content type") } }
            },
            "/query": { "get": { "summary": "alias of /sparql", "responses": { "200": { "description": "results" } } } },
            "/{collection}": {
                "get": { "summary": "a Hydra collection", "parameters": [collection.clone(), query_param("q", "name contains (accent- and case-insensitive)"), query_param("network", "slug or IRI"), query_param("tag", "tag"), query_param("region", "postal code prefix or region name"), query_param("commons", "slug or IRI"), query_param("campaign", "slug or IRI: the pledges of a campaign"), query_param("page", "from 1"), query_param("limit", "1 to 200"), query_param("format", "geojson: the places as GeoJSON (RFC 7946), also with Accept: application/geo+json")],
                    "responses": { "200": { "description": "JSON-LD collection (member, totalItems, view); an HTML page with Accept: text/html; for places, GeoJSON on demand" }, "400": problem("bad paging"), "404": problem("unknown collection") } },
                "post": { "summary": "create a resource in the network's graph", "security": [{ "network": [] }], "parameters": [collection.clone(), prefer.clone()], "requestBody": rdf_body("the resource; without @id the IRI is minted from its name"),
                    "responses": write_errors(serde_json::Map::from_iter([("201".to_owned(), json!({ "description": "created; Location is the IRI" })), ("409".to_owned(), problem("already exists"))])) }
            },
            "/{collection}/{slug}": {
                "get": { "summary": "one resource", "parameters": [collection.clone(), slug.clone()], "responses": { "200": resource, "304": { "description": "If-None-Match matched" }, "404": problem("unknown resource"), "406": problem("no acceptable format") } },
                "put": { "summary": "replace this network's statements about the resource", "security": [{ "network": [] }], "parameters": [collection.clone(), slug.clone(), prefer], "requestBody": rdf_body("the resource"),
                    "responses": write_errors(serde_json::Map::from_iter([("200".to_owned(), json!({ "description": "replaced" })), ("201".to_owned(), json!({ "description": "created" })), ("412".to_owned(), problem("If-Match does not match"))])) },
                "delete": { "summary": "delete this network's statements about the resource", "security": [{ "network": [] }], "parameters": [collection, slug],
                    "responses": { "204": { "description": "deleted" }, "401": problem("no token"), "404": problem("nothing of this network about it"), "412": problem("If-Match does not match"), "422": { "description": "the deletion breaks other resources' links" } } }
            },
            "/import": { "post": { "summary": "a whole graph from a network, atomic", "security": [{ "network": [] }], "requestBody": rdf_body("JSON-LD @graph, Turtle, N-Triples, N-Quads…"),
                "responses": write_errors(serde_json::Map::from_iter([("200".to_owned(), json!({ "description": "imported" })), ("403".to_owned(), problem("quads for another graph"))])) } },
            "/store": {
                "get": { "summary": "Graph Store Protocol: read a graph (?graph=IRI or ?default)", "responses": { "200": { "description": "the graph by Accept" }, "404": problem("no such graph") } },
                "put": { "summary": "replace the caller's own graph", "security": [{ "network": [] }], "requestBody": rdf_body("the graph"), "responses": { "201": { "description": "created" }, "204": { "description": "replaced" }, "403": problem("another network's graph"), "422": { "description": "validation report" } } },
                "post": { "summary": "add to the caller's own graph", "security": [{ "network": [] }], "requestBody": rdf_body("triples"), "responses": { "204": { "description": "added" }, "403": problem("another network's graph") } },
                "delete": { "summary": "empty the caller's own graph", "security": [{ "network": [] }], "responses": { "204": { "description": "deleted" }, "403": problem("another network's graph") } }
            },
            "/validate": { "post": { "summary": "validate an RDF payload against the shapes; stores nothing",
                "parameters": [query_param("context", "none (default) or store")], "requestBody": rdf_body("the data"),
                "responses": { "200": { "description": "the report: application/ld+json, text/turtle, application/n-triples or text/plain" }, "400": problem("syntax error with line and column"), "413": problem("too large"), "415": problem("unknown media type") } } },
            "/context.jsonld": { "get": { "summary": "the JSON-LD context of the API", "responses": { "200": { "description": "application/ld+json" } } } },
            "/ontology": { "get": { "summary": "the ontology", "responses": { "200": { "description": "by Accept" } } } },
            "/shapes": { "get": { "summary": "the SHACL shapes", "responses": { "200": { "description": "by Accept" } } } },
            "/.well-known/void": { "get": { "summary": "VoID description of the dataset", "responses": { "200": { "description": "by Accept" } } } },
            "/dump": { "get": { "summary": "all data as N-Quads, gzip, streamed", "responses": { "200": { "description": "application/n-quads, Content-Encoding: gzip" } } } },
            "/openapi.json": { "get": { "summary": "this document", "responses": { "200": { "description": "OpenAPI 3.1" } } } },
            "/health": { "get": { "summary": "liveness", "responses": { "200": { "description": "ok" } } } },
            "/": { "get": { "summary": "the web interface's home page (French): counts and search (q=…)", "responses": { "200": { "description": "text/html" } } } },
            "/api": { "get": { "summary": "this document rendered as a page", "responses": { "200": { "description": "text/html" } } } }
        }
    })
}
