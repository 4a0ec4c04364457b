//! The strong validators of a resource's state. Apart because conditional reads
//! (If-None-Match, 304) and conditional writes (If-Match, 412) must compute exactly the same tags.

use oxigraph::model::Triple;
use std::hash::{Hash, Hasher};

/// A strong validator of a resource's state; each representation gets its own suffix, and
/// If-Match accepts any of them.
pub(super) fn state_tag(triples: &[Triple]) -> String {
    // A sum of per-triple hashes: independent of the order the store returns them in, with no
    // sorting or string building on the read path.
    let digest = triples.iter().fold(0u64, |sum, triple| {
        let mut hasher = std::collections::hash_map::DefaultHasher::new();
        triple.hash(&mut hasher);
        sum.wrapping_add(hasher.finish())
    });
    format!("{digest:016x}")
}

pub(super) fn etag(state_tag: &str, media_type: &str) -> String {
    let suffix = match media_type {
        "application/ld+json" => "jsonld",
        "text/html" => "html",
        "text/turtle" => "ttl",
        "application/n-triples" => "nt",
        "application/n-quads" => "nq",
        _ => "rdfxml",
    };
    format!("\"{state_tag}-{suffix}\"")
}
