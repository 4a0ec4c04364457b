//! SPARQL 1.1 over the store: the protocol's query and dataset (`query`), bounded evaluation on
//! the union default graph (`engine`), results in the negotiated format (`results`), updates
//! (`update`) and `SERVICE` calls to the endpoints of the allow-list (`service`).

mod engine;
mod error;
mod query;
mod results;
pub mod service;
mod update;

pub use engine::{QueryEngine, ServiceHandlerFactory};
pub use error::QueryError;
pub use query::{parse_query, ParsedQuery, QueryForm, ResultFormat};
pub use update::update;
