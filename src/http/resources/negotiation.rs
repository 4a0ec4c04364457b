//! The content negotiation table: which media types the resource API serves, in the server's
//! order of preference. Apart because collections, single resources and If-Match (which accepts
//! the ETag of any representation) all read the same table.

use crate::http::accept;
use crate::http::error::{Error, Result};
use crate::rdf;
use axum::http::HeaderMap;
use oxigraph::io::RdfFormat;

/// The representations of resources and collections, in the server's order of preference.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum Repr {
    JsonLd,
    Html,
    Rdf(RdfFormat),
}

pub(super) const REPRESENTATIONS: &[(&str, Repr)] = &[
    ("application/ld+json", Repr::JsonLd),
    ("application/json", Repr::JsonLd),
    ("text/html", Repr::Html),
    ("text/turtle", Repr::Rdf(RdfFormat::Turtle)),
    ("application/n-triples", Repr::Rdf(RdfFormat::NTriples)),
    ("application/n-quads", Repr::Rdf(RdfFormat::NQuads)),
    ("application/rdf+xml", Repr::Rdf(RdfFormat::RdfXml)),
];

pub(super) fn negotiate(headers: &HeaderMap) -> Result<(Repr, &'static str)> {
    let offered: Vec<&'static str> = REPRESENTATIONS.iter().map(|(m, _)| *m).collect();
    let index =
        rdf::negotiate(accept(headers), &offered).ok_or_else(|| Error::NotAcceptable(offered))?;
    let (media_type, repr) = REPRESENTATIONS[index];
    // application/json is served as JSON-LD.
    Ok((
        repr,
        if repr == Repr::JsonLd {
            "application/ld+json"
        } else {
            media_type
        },
    ))
}
