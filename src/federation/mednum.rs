//! The "schéma des lieux de médiation numérique", the standard of France's digital-inclusion
//! cartography, read as CSV or JSON from a file or a URL: every row a tl:Place of the graph
//! `mednum-{name}`, its multi-values (`a|b`) split. Mapping: docs/harvest-mapping.md.

use super::harvest::{FetchContext, Fetched, HarvestError, Source};
use super::record::{Address, AddressFields, Record, RecordBuilder};
use super::table;
use crate::vocab::{self, Base};
use oxigraph::model::{Literal, NamedNode};
use serde_json::{Map, Value};
use std::collections::HashMap;

/// An import of one file of the schema.
#[derive(Clone, Debug)]
pub struct Mednum {
    /// A URL or a path.
    pub url: String,
    /// Names the graph and the places: `mednum-{name}`.
    pub name: String,
    /// `csv` or `json`; guessed when absent.
    pub format: Option<String>,
}

impl Mednum {
    pub fn new(url: &str) -> Self {
        Self {
            url: url.to_owned(),
            name: default_name(url),
            format: None,
        }
    }

    /// From the URL of a harvest: `name` and `format` are read from its options.
    pub fn from_url(
        url: &str,
        params: &HashMap<String, String>,
    ) -> anyhow::Result<Box<dyn Source>> {
        let mut source = Self::new(url);
        if let Some(name) = params.get("name") {
            source.name = crate::writes::slugify(name);
        }
        source.format = params.get("format").cloned();
        Ok(Box::new(source))
    }

    /// One row as the record of `{base}places/mednum-{name}-{id}`.
    pub fn map(&self, base: &Base, row: &Map<String, Value>, now: &Literal) -> Record {
        let id = match row.get("id") {
            Some(Value::String(s)) if !s.trim().is_empty() => s.trim().to_owned(),
            Some(Value::Number(n)) => n.to_string(),
            _ => String::new(),
        };
        let slug = format!("mednum-{}-{}", self.name, crate::writes::slugify(&id));
        let iri = NamedNode::new_unchecked(base.resource("places", &slug));
        let mut b = RecordBuilder::new(&id, iri.clone(), vocab::PLACE);
        if id.is_empty() {
            b.record.problems.push("no id".into());
            b.record.id = row
                .get("nom")
                .map(super::record::compact)
                .unwrap_or_else(|| "?".into());
            return b.finish();
        }
        let get = |key: &str| row.get(key);
        b.text(&iri, vocab::NAME, get("nom"), "nom");
        b.text(
            &iri,
            vocab::TL_SHORT_DESCRIPTION,
            get("presentation_resume"),
            "presentation_resume",
        );
        b.html_text(
            &iri,
            vocab::DESCRIPTION,
            get("presentation_detail"),
            "presentation_detail",
        );
        // Every place of the schema is a lieu de médiation numérique; TIERS_LIEUX says it is
        // also a tiers-lieu. The codes are kept as tags.
        b.add(&iri, vocab::PLACE_TYPE, vocab::PLACE_TYPE_MEDIATION);
        for code in multi(get("typologie")) {
            if code == "TIERS_LIEUX" {
                b.add(&iri, vocab::PLACE_TYPE, vocab::PLACE_TYPE_THIRD_PLACE);
            }
            b.add_from(
                &iri,
                vocab::TAG,
                Literal::new_simple_literal(code),
                "typologie",
            );
        }
        for email in multi(get("courriels")) {
            b.add_from(
                &iri,
                vocab::EMAIL,
                Literal::new_simple_literal(email),
                "courriels",
            );
        }
        for site in multi(get("site_web")) {
            b.website(&iri, Some(&Value::String(site)), "site_web");
        }
        b.telephone(&iri, get("telephone"), "telephone");
        b.text(&iri, vocab::OPENING_HOURS, get("horaires"), "horaires");
        // `pivot` is a SIRET (14 digits) or another identifier (RNA…), which the shapes leave
        // out of tl:siret with a warning.
        b.text(&iri, vocab::SIRET, get("pivot"), "pivot");
        for service in multi(get("services")) {
            b.add_from(
                &iri,
                vocab::SERVICE,
                Literal::new_simple_literal(service),
                "services",
            );
        }
        for field in TAG_FIELDS {
            for value in multi(get(field)) {
                b.add_from(&iri, vocab::TAG, Literal::new_simple_literal(value), field);
            }
        }
        if let Some(Value::String(sheet)) = get("fiche_acces_libre") {
            match NamedNode::new(sheet.trim()) {
                Ok(sheet) => b.add_from(&iri, vocab::ACCESSIBILITY, sheet, "fiche_acces_libre"),
                Err(e) => b.warn(
                    "fiche_acces_libre",
                    sheet.clone(),
                    format!("not an IRI: {e}"),
                ),
            }
        }
        let street = match (get("adresse"), get("complement_adresse")) {
            (Some(Value::String(a)), Some(Value::String(c))) if !c.trim().is_empty() => {
                Some(Value::String(format!("{}, {}", a.trim(), c.trim())))
            }
            (a, _) => a.cloned(),
        };
        let country = Value::String("FR".into());
        b.address_parts(
            &Address {
                street: street.as_ref(),
                postal_code: get("code_postal"),
                locality: get("commune"),
                region: None,
                country: Some(&country),
            },
            "",
            &AddressFields {
                street: "adresse",
                postal_code: "code_postal",
                locality: "commune",
                region: "region",
                country: "pays",
            },
        );
        b.geo_named(get("latitude"), get("longitude"), "latitude", "longitude");
        let modified = match get("date_maj") {
            Some(Value::String(d)) => d
                .trim()
                .parse::<oxsdatatypes::Date>()
                .ok()
                .map(Literal::from),
            _ => None,
        };
        if let (None, Some(d)) = (&modified, get("date_maj")) {
            b.warn(
                "date_maj",
                super::record::compact(d),
                "not a date (YYYY-MM-DD)",
            );
        }
        let source = NamedNode::new(&self.url)
            .ok()
            .filter(|_| self.url.contains("://"));
        b.provenance(
            source.as_ref().map(NamedNode::as_str),
            None,
            modified.as_ref().unwrap_or(now),
        );
        b.finish()
    }
}

/// Columns whose values are kept as tags: who the place welcomes, how, at what cost, with which
/// national programmes and labels.
const TAG_FIELDS: &[&str] = &[
    "publics_specifiquement_adresses",
    "prise_en_charge_specifique",
    "frais_a_charge",
    "itinerance",
    "modalites_acces",
    "modalites_accompagnement",
    "dispositif_programmes_nationaux",
    "formations_labels",
    "autres_formations_labels",
];

/// A multi-value of the schema: `a|b|c` in CSV, a list (or the same text) in JSON.
fn multi(value: Option<&Value>) -> Vec<String> {
    let texts: Vec<String> = match value {
        Some(Value::String(s)) => vec![s.clone()],
        Some(Value::Array(items)) => items
            .iter()
            .map(|v| match v {
                Value::String(s) => s.clone(),
                other => other.to_string(),
            })
            .collect(),
        Some(Value::Number(n)) => vec![n.to_string()],
        _ => Vec::new(),
    };
    texts
        .iter()
        .flat_map(|t| t.split('|'))
        .map(|t| t.trim().to_owned())
        .filter(|t| !t.is_empty())
        .collect()
}

/// The file's stem or the URL's host, as a slug.
pub fn default_name(url: &str) -> String {
    let path = url.split(['?', '#']).next().unwrap_or(url);
    let stem = path
        .trim_end_matches('/')
        .rsplit('/')
        .next()
        .unwrap_or(path)
        .rsplit_once('.')
        .map_or(path, |(stem, _)| stem);
    let host = url::Url::parse(url)
        .ok()
        .filter(|u| u.scheme() != "file")
        .and_then(|u| u.host_str().map(str::to_owned));
    crate::writes::slugify(if stem.is_empty() {
        host.as_deref().unwrap_or(url)
    } else {
        stem
    })
}

impl Source for Mednum {
    fn graph_name(&self) -> String {
        format!("mednum-{}", self.name)
    }

    fn fetch(&self, context: &FetchContext<'_>) -> Result<Fetched, HarvestError> {
        table::fetch(context, &self.url, self.format.as_deref(), |row| {
            self.map(context.base, row, &context.now)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn multi_values_are_split() {
        assert_eq!(
            multi(Some(&Value::String("TIERS_LIEUX|ASSO".into()))),
            ["TIERS_LIEUX", "ASSO"]
        );
        assert_eq!(
            multi(Some(&serde_json::json!(["a|b", "c"]))),
            ["a", "b", "c"]
        );
    }

    #[test]
    fn names_come_from_the_file() {
        assert_eq!(default_name("/data/exemple-valide.csv"), "exemple-valide");
        assert_eq!(default_name("https://data.example/lieux.json"), "lieux");
    }
}
