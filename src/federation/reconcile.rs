//! Reconciliation: a harvested place that we already know from another graph (same website,
//! or same name and postal code) is linked to it with `owl:sameAs`; nothing is merged.

use super::conform::term_text;
use super::record::Record;
use crate::resources::fold;
use crate::store::AppStore;
use crate::vocab;
use crate::writes::WriteError;
use oxigraph::model::{NamedNode, NamedNodeRef, NamedOrBlankNode, Quad, Term, TripleRef};
use std::collections::HashMap;

/// The places of every graph but the harvested one and the meta graph, by normalised website
/// and by normalised name + postal code.
pub struct KnownPlaces {
    by_website: HashMap<String, Vec<NamedNode>>,
    by_name_postal: HashMap<(String, String), Vec<NamedNode>>,
}

impl KnownPlaces {
    pub fn read(store: &AppStore, harvested: &NamedNode) -> Result<Self, WriteError> {
        let meta = store.graph(vocab::GRAPH_META);
        let mut places = Vec::new();
        for quad in store.store.quads_for_pattern(
            None,
            Some(vocab::RDF_TYPE),
            Some(vocab::PLACE.into()),
            None,
        ) {
            let quad: Quad = quad?;
            let in_other_graph = match &quad.graph_name {
                oxigraph::model::GraphName::NamedNode(g) => g != harvested && *g != meta,
                _ => true,
            };
            if let (true, NamedOrBlankNode::NamedNode(n)) = (in_other_graph, &quad.subject) {
                if !places.contains(n) {
                    places.push(n.clone());
                }
            }
        }
        let mut known = Self {
            by_website: HashMap::new(),
            by_name_postal: HashMap::new(),
        };
        for place in places {
            let objects =
                |s: &NamedOrBlankNode, p: NamedNodeRef<'_>| -> Result<Vec<Term>, WriteError> {
                    store
                        .store
                        .quads_for_pattern(Some(s.as_ref()), Some(p), None, None)
                        .map(|q| q.map(|q| q.object).map_err(WriteError::from))
                        .collect()
                };
            let subject: NamedOrBlankNode = place.clone().into();
            for website in objects(&subject, vocab::WEBSITE)? {
                if let Some(key) = website_key(&term_text(&website)) {
                    known.by_website.entry(key).or_default().push(place.clone());
                }
            }
            let names = objects(&subject, vocab::NAME)?;
            let mut postals = Vec::new();
            for address in objects(&subject, vocab::ADDRESS)? {
                let address = match address {
                    Term::NamedNode(n) => NamedOrBlankNode::from(n),
                    Term::BlankNode(b) => NamedOrBlankNode::from(b),
                    _ => continue,
                };
                postals.extend(objects(&address, vocab::POSTAL_CODE)?);
            }
            for name in &names {
                for postal in &postals {
                    known
                        .by_name_postal
                        .entry((
                            name_key(&term_text(name)),
                            term_text(postal).trim().to_owned(),
                        ))
                        .or_default()
                        .push(place.clone());
                }
            }
        }
        Ok(known)
    }

    /// The known places `record` is the same as.
    pub fn matches(&self, record: &Record) -> Vec<NamedNode> {
        let is_place =
            record
                .triples
                .contains(TripleRef::new(&record.iri, vocab::RDF_TYPE, vocab::PLACE));
        if !is_place {
            return Vec::new();
        }
        let mut out: Vec<NamedNode> = Vec::new();
        let subject = record.iri.as_ref();
        for website in record
            .triples
            .objects_for_subject_predicate(subject, vocab::WEBSITE)
        {
            if let Some(key) = website_key(&term_text(&website.into_owned())) {
                out.extend(self.by_website.get(&key).into_iter().flatten().cloned());
            }
        }
        let names: Vec<String> = record
            .triples
            .objects_for_subject_predicate(subject, vocab::NAME)
            .map(|t| name_key(&term_text(&t.into_owned())))
            .collect();
        let address = NamedNode::new_unchecked(format!("{}#address", record.iri.as_str()));
        let postals: Vec<String> = record
            .triples
            .objects_for_subject_predicate(&address, vocab::POSTAL_CODE)
            .map(|t| term_text(&t.into_owned()).trim().to_owned())
            .collect();
        for name in &names {
            for postal in &postals {
                out.extend(
                    self.by_name_postal
                        .get(&(name.clone(), postal.clone()))
                        .into_iter()
                        .flatten()
                        .cloned(),
                );
            }
        }
        out.retain(|n| *n != record.iri);
        out.sort();
        out.dedup();
        out
    }
}

/// `https://www.Example.org/` and `http://example.org` are the same website.
pub fn website_key(website: &str) -> Option<String> {
    let lower = website.trim().to_lowercase();
    let rest = lower.split_once("://").map_or(lower.as_str(), |(_, r)| r);
    let rest = rest.strip_prefix("www.").unwrap_or(rest);
    let rest = rest.trim_end_matches('/');
    (!rest.is_empty()).then(|| rest.to_owned())
}

/// `  La  Fabrique des Possibles` and `la fabrique des possibles` are the same name.
pub fn name_key(name: &str) -> String {
    fold(name).split_whitespace().collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn websites_and_names_normalise() {
        assert_eq!(
            website_key("https://www.Example.org/"),
            website_key("http://example.org")
        );
        assert_eq!(
            name_key("  La  Fabrique des Possibles"),
            name_key("la fabrique des possibles")
        );
        assert_eq!(name_key("Café"), name_key("cafe"));
    }
}
