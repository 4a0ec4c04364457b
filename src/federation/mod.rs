//! Federation with partner platforms: harvests of their exports into a graph per source
//! (`harvest` runs one: `fetch` with retry and the partners' certificate authorities, a mapping
//! module per source — `communecter`, `gogocarto_harvest`, `mednum`, `list` — registered in
//! `sources`, `conform` to lose fields and not places, `reconcile` with `owl:sameAs`;
//! `schedule` runs them on their own; `samples` runs them on real exports), and our places as a
//! GoGoCarto source (`gogocarto`).

pub mod communecter;
pub mod conform;
pub mod departments;
pub mod fetch;
pub mod gogocarto;
pub mod gogocarto_harvest;
pub mod gogocarto_taxonomy;
pub mod harvest;
pub mod list;
pub mod mednum;
pub mod reconcile;
pub mod record;
pub mod samples;
pub mod schedule;
pub mod sources;
pub mod table;

pub use fetch::{client_builder, trusted_roots};
pub use harvest::{HarvestError, HarvestOptions, HarvestOutcome, Harvester};
