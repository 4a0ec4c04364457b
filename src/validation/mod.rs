//! SHACL validation in the service: the shapes it loads, writes judged in the context of the
//! store (incrementally, on the nodes a change can alter), and reports written out. The engine
//! itself is the `shacl` crate (crates/shacl), which knows nothing of the store.

mod change;
mod report;
mod store_view;
mod validator;

pub use crate::class_cache::ClassCache;
pub use change::{Change, Scope};
pub use report::{render_report, report_text, ReportFormat};
pub use store_view::StoreView;
pub use validator::Validator;

#[cfg(test)]
mod tests;
