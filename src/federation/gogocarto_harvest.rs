//! GoGoCarto harvester: the elements of a map (`{url}/api/elements.json`, `gogofull` ontology)
//! become tl:Place in `{base}graphs/gogocarto-{name}`. Mapping: docs/harvest-mapping.md.

use super::harvest::{
    client, fetch_json, harvest_time, HarvestError, HarvestOptions, HarvestOutcome, Record,
    RecordBuilder,
};
use crate::store::AppStore;
use crate::vocab;
use oxigraph::model::{Literal, NamedNode};
use serde_json::Value;

/// A harvest of one GoGoCarto map.
#[derive(Clone, Debug)]
pub struct GoGoCarto {
    /// The map's root, e.g. `https://carto.tierslieux.net`.
    pub root: String,
    /// Names the graph and the places: `gogocarto-{name}`. Default: the host, as a slug.
    pub name: String,
}

impl super::harvest::Source for GoGoCarto {
    fn graph_name(&self) -> String {
        self.graph()
    }

    fn network(&self) -> String {
        self.graph()
    }

    fn fetch(
        &self,
        store: &AppStore,
        options: &HarvestOptions,
        progress: impl Fn(usize, usize),
    ) -> Result<(Vec<Record>, HarvestOutcome), HarvestError> {
        let client = client(options)?;
        let url = self.elements_url();
        let page = fetch_json(&client, &url)?;
        let mut outcome = HarvestOutcome {
            pages: 1,
            ..Default::default()
        };
        let elements = match page.get("data") {
            Some(Value::Array(items)) => items,
            _ => {
                return Err(HarvestError::Format {
                    url,
                    message: "expected {\"licence\": …, \"ontology\": \"gogofull\", \"data\": […]}"
                        .into(),
                })
            }
        };
        if let Some(ontology) = page.get("ontology").and_then(Value::as_str) {
            if ontology != "gogofull" {
                return Err(HarvestError::Format {
                    url,
                    message: format!(
                        "ontology {ontology:?}: only gogofull is read (add ?ontology=gogofull)"
                    ),
                });
            }
        }
        let now = harvest_time();
        let mut records = Vec::new();
        for element in elements {
            let id = match element.get("id") {
                Some(Value::String(s)) if !s.trim().is_empty() => s.trim().to_owned(),
                Some(Value::Number(n)) => n.to_string(),
                _ => {
                    outcome.skipped.push((
                        element
                            .get("name")
                            .and_then(Value::as_str)
                            .unwrap_or("?")
                            .to_owned(),
                        "element without an id".into(),
                    ));
                    continue;
                }
            };
            records.push(self.map(store, &id, element, &now));
        }
        progress(1, records.len());
        Ok((records, outcome))
    }
}

impl GoGoCarto {
    pub fn new(root: &str) -> Self {
        let root = root.trim_end_matches('/').to_owned();
        let host = url::Url::parse(&root)
            .ok()
            .and_then(|u| u.host_str().map(str::to_owned))
            .unwrap_or_else(|| root.clone());
        Self {
            name: crate::writes::slugify(&host),
            root,
        }
    }

    fn graph(&self) -> String {
        format!("gogocarto-{}", self.name)
    }

    pub fn elements_url(&self) -> String {
        format!("{}/api/elements.json", self.root)
    }

    /// One element as the record of `{base}places/gogocarto-{name}-{id}`.
    pub fn map(&self, store: &AppStore, id: &str, element: &Value, now: &Literal) -> Record {
        let slug = format!("gogocarto-{}-{}", self.name, crate::writes::slugify(id));
        let iri = NamedNode::new_unchecked(store.base.resource("places", &slug));
        let mut b = RecordBuilder::new(id, iri.clone(), vocab::PLACE);
        b.scalar(&iri, vocab::NAME, element.get("name"), "name");
        b.scalar(
            &iri,
            vocab::DESCRIPTION,
            element.get("description"),
            "description",
        );
        b.scalar(&iri, vocab::EMAIL, element.get("email"), "email");
        b.website(&iri, element.get("website"), "website");
        b.list(&iri, vocab::TAG, element.get("categories"), "categories");
        b.address(element.get("address"), "address");
        if let Some(geo) = element.get("geo").filter(|g| g.is_object()) {
            b.geo(geo.get("latitude"), geo.get("longitude"), "geo");
        }
        let source = format!("{}/api/elements/{}.json", self.root, id);
        b.provenance(Some(&source), None, now);
        b.finish()
    }
}
