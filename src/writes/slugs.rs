//! Slugs: the last segment of a resource's IRI, minted from its name.

use super::WriteError;
use crate::store::AppStore;
use crate::vocab::Collection;
use oxigraph::model::NamedNode;

/// The slugs a resource path may have (`/{collection}/{slug}`): those the server mints and
/// those harvests keep from their source. `/openapi.json` states the same pattern.
pub const SLUG_PATTERN: &str = "^[A-Za-z0-9._-]{1,200}$";

/// Whether `slug` fits [`SLUG_PATTERN`].
pub fn is_path_slug(slug: &str) -> bool {
    static PATTERN: std::sync::OnceLock<regex::Regex> = std::sync::OnceLock::new();
    PATTERN
        .get_or_init(|| regex::Regex::new(SLUG_PATTERN).expect("a valid pattern"))
        .is_match(slug)
}

/// A slug the server mints: lower-case ASCII letters, digits and dashes.
pub(super) fn is_slug(slug: &str) -> bool {
    !slug.is_empty()
        && slug.len() <= 120
        && slug
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
}

/// `La Fabrique des possibles` → `la-fabrique-des-possibles` (the `slug` crate, over
/// deunicode: any script, composed or decomposed accents), at most 80 characters.
pub fn slugify(name: &str) -> String {
    let slug = slug::slugify(name);
    let slug = slug.get(..80).unwrap_or(&slug).trim_end_matches('-');
    if slug.is_empty() {
        "resource".into()
    } else {
        slug.to_owned()
    }
}

pub(super) fn mint(
    store: &AppStore,
    collection: &Collection,
    name: &str,
) -> Result<NamedNode, WriteError> {
    let slug = slugify(name);
    for n in 1.. {
        let candidate = if n == 1 {
            slug.clone()
        } else {
            format!("{slug}-{n}")
        };
        let iri = NamedNode::new_unchecked(store.base.resource(collection.segment, &candidate));
        if !store.exists(iri.as_ref())? {
            return Ok(iri);
        }
    }
    unreachable!("an unbounded search always finds a free slug")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs_are_ascii_and_readable() {
        assert_eq!(
            slugify("La Fabrique des possibles"),
            "la-fabrique-des-possibles"
        );
        assert_eq!(
            slugify("Cahier d’activités des tiers-lieux"),
            "cahier-d-activites-des-tiers-lieux"
        );
        assert_eq!(slugify("  !!  "), "resource");
        // Decomposed (NFD) accents, as macOS file names and some forms send them.
        assert_eq!(
            slugify("Le Tiers-Lieu de la Fe\u{301}de\u{301}ration"),
            "le-tiers-lieu-de-la-federation"
        );
        assert_eq!(slugify("Œuvre commune — Ærø"), "oeuvre-commune-aero");
    }
}
