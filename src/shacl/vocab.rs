//! The SHACL terms live with every other IRI in `crate::vocab`.

pub use crate::vocab::sh::*;
