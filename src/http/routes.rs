//! Every route in one table: each HTTP module lists its routes with their OpenAPI operations,
//! and both the router and `/openapi.json` are built from these lists, so the document cannot
//! name a route or a method the router lacks, nor miss one it serves.

use super::AppState;
use axum::handler::Handler;
use axum::http::Method;
use axum::routing::{on, MethodFilter, MethodRouter};
use axum::Router;
use serde_json::{Map, Value};

pub struct Route {
    pub path: &'static str,
    pub operations: Vec<Operation>,
}

pub struct Operation {
    method: Method,
    handler: MethodRouter<AppState>,
    /// The OpenAPI operation object.
    doc: Value,
}

/// `method` on `handler`, described by `doc` (an OpenAPI operation object).
pub fn operation<H, T>(method: Method, handler: H, doc: Value) -> Operation
where
    H: Handler<T, AppState>,
    T: 'static,
{
    let filter = MethodFilter::try_from(method.clone()).expect("a method axum routes");
    Operation {
        method,
        handler: on(filter, handler),
        doc,
    }
}

pub fn route(path: &'static str, operations: Vec<Operation>) -> Route {
    Route { path, operations }
}

/// The router of `routes`: each path with the union of its operations.
pub fn router(routes: &[Route]) -> Router<AppState> {
    routes.iter().fold(Router::new(), |router, route| {
        let methods = route
            .operations
            .iter()
            .map(|op| op.handler.clone())
            .reduce(MethodRouter::merge)
            .expect("a route has an operation");
        router.route(route.path, methods)
    })
}

/// The OpenAPI `paths` object of `routes`.
pub fn paths(routes: &[Route]) -> Value {
    let mut paths = Map::new();
    for route in routes {
        let item = paths
            .entry(route.path)
            .or_insert_with(|| Value::Object(Map::new()));
        for op in &route.operations {
            item[op.method.as_str().to_ascii_lowercase()] = op.doc.clone();
        }
    }
    Value::Object(paths)
}
