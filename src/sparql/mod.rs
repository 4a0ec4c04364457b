//! SPARQL 1.1 over the store: the protocol's query and dataset (`query`), answers kept between
//! commits (`cache`), bounded evaluation on
//! the union default graph (`engine`), in killable child processes (`isolated`) sharing fair
//! slots (`slots`), the demoted ones stopped while others run (`precedence`), results in the negotiated format (`results`), updates
//! (`update`) and `SERVICE` calls to the endpoints of the allow-list (`service`), found in the
//! algebra (`services`).

mod cache;
mod engine;
mod error;
mod isolated;
mod precedence;
mod query;
mod results;
pub mod service;
mod services;
mod slots;
mod update;

pub use engine::{AnswerKey, QueryEngine, ServiceHandlerFactory, DEMOTE_AFTER};
pub use error::QueryError;
pub use query::{parse_query, ParsedQuery, QueryForm, ResultFormat};
pub use update::update;
