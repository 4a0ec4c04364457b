//! GoGoCarto harvester: the elements of a map become tl:Place in
//! `{base}graphs/gogocarto-{name}`, read from `{url}/api/elements.json` (`gogofull` ontology)
//! or from `{url}/api/elements.jsonld`. Mapping: docs/harvest-mapping.md.

use super::gogocarto_taxonomy::Taxonomy;
use super::harvest::{FetchContext, Fetched, HarvestError, Source};
use super::record::{Record, RecordBuilder};
use crate::rdf::{self, Contexts};
use crate::vocab::{self, gogocarto as gogo, Base};
use oxigraph::model::{
    Graph, GraphName, Literal, NamedNode, NamedNodeRef, NamedOrBlankNodeRef, TermRef, Triple,
};
use serde_json::{json, Map, Value};
use std::collections::HashMap;

/// Which of GoGoCarto's element exports a harvest reads.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Export {
    /// `/api/elements.json`: `{"licence", "ontology": "gogofull", "data": [element…]}`.
    Json,
    /// `/api/elements.jsonld`: `{"@context": CONTEXT_URL, "@graph": [element…]}`, read as
    /// JSON-LD with our bundled copy of the context.
    JsonLd,
}

impl Export {
    fn extension(self) -> &'static str {
        match self {
            Export::Json => "json",
            Export::JsonLd => "jsonld",
        }
    }
}

/// A harvest of one GoGoCarto map.
#[derive(Clone, Debug)]
pub struct GoGoCarto {
    /// The map's root, e.g. `https://carto.tierslieux.net`.
    pub root: String,
    /// Names the graph and the places: `gogocarto-{name}`. Default: the host, as a slug.
    pub name: String,
    pub export: Export,
}

impl Source for GoGoCarto {
    fn graph_name(&self) -> String {
        self.graph()
    }

    fn fetch(&self, context: &FetchContext<'_>) -> Result<Fetched, HarvestError> {
        let url = self.elements_url();
        let owned;
        let elements = match self.export {
            Export::Json => {
                owned = context.fetcher.json(&url)?;
                gogofull_elements(&url, &owned)?
            }
            Export::JsonLd => {
                let body = context
                    .fetcher
                    .get(&url, "application/ld+json, application/json")?;
                owned = Value::Array(jsonld_elements(&url, &body)?);
                owned.as_array().map(Vec::as_slice).unwrap_or_default()
            }
        };
        let mut fetched = Fetched::default();
        fetched.outcome.pages = 1;
        let taxonomy = self.taxonomy(context, &mut fetched)?;
        let mut unknown: std::collections::BTreeMap<String, usize> = Default::default();
        for element in elements {
            fetched.outcome.read += 1;
            let Some(id) = element_id(element) else {
                let name = element
                    .get("name")
                    .and_then(Value::as_str)
                    .unwrap_or("?")
                    .to_owned();
                fetched.outcome.skip(name, "element without an id");
                continue;
            };
            let mut record = self.map(context.base, &id, element, &context.now);
            if let Some(taxonomy) = &taxonomy {
                for option in taxonomy.resolve(&mut record, element) {
                    *unknown.entry(option).or_default() += 1;
                }
            }
            fetched.records.push(record);
        }
        if !unknown.is_empty() {
            let ids: Vec<String> = unknown
                .iter()
                .map(|(id, n)| format!("{id} (×{n})"))
                .collect();
            fetched.outcome.notes.push(format!(
                "{} option ids of optionValues are not in the map's taxonomy, left out (× records using it): {}",
                unknown.len(),
                ids.join(", ")
            ));
        }
        (context.progress)(fetched.outcome.pages, fetched.records.len());
        Ok(fetched)
    }
}

/// An element's id: GoGoCarto writes it as a text on one map and a number on another.
fn element_id(element: &Value) -> Option<String> {
    match element.get("id") {
        Some(Value::String(s)) if !s.trim().is_empty() => Some(s.trim().to_owned()),
        Some(Value::Number(n)) => Some(n.to_string()),
        _ => None,
    }
}

/// The elements of a `gogofull` JSON export.
fn gogofull_elements<'a>(url: &str, page: &'a Value) -> Result<&'a [Value], HarvestError> {
    let elements = match page.get("data") {
        Some(Value::Array(items)) => items,
        _ => {
            return Err(HarvestError::Format {
                url: url.to_owned(),
                message: "expected {\"licence\": …, \"ontology\": \"gogofull\", \"data\": […]}"
                    .into(),
            })
        }
    };
    if let Some(ontology) = page.get("ontology").and_then(Value::as_str) {
        if ontology != "gogofull" {
            return Err(HarvestError::Format {
                url: url.to_owned(),
                message: format!(
                    "ontology {ontology:?}: only gogofull is read (add ?ontology=gogofull)"
                ),
            });
        }
    }
    Ok(elements)
}

/// The elements of a JSON-LD export, read by a JSON-LD processor whose only resolvable remote
/// context is GoGoCarto's own (answered from our copy), then given back the element's JSON
/// shape so that both exports go through the same mapping.
fn jsonld_elements(url: &str, body: &[u8]) -> Result<Vec<Value>, HarvestError> {
    let contexts = Contexts::default().with(
        gogo::CONTEXT_URL,
        include_bytes!("../../ontology/contexts/gogocarto.jsonld").to_vec(),
    );
    let quads = rdf::parse(
        body,
        rdf::JSON_LD,
        url,
        &GraphName::DefaultGraph,
        true,
        &contexts,
    )
    .map_err(|e| HarvestError::Format {
        url: url.to_owned(),
        message: format!("invalid JSON-LD: {e}"),
    })?;
    let graph: Graph = quads.into_iter().map(Triple::from).collect();
    let nested: std::collections::HashSet<TermRef<'_>> = graph
        .iter()
        .filter(|t| t.predicate == gogo::ADDRESS || t.predicate == gogo::GEO)
        .map(|t| t.object)
        .collect();
    // Element ids are resolved against the export's URL (a remote context's `@base` does not
    // apply, JSON-LD 1.1 §4.1.3): an element's id is the last segment of its IRI.
    let mut by_id: HashMap<&str, NamedOrBlankNodeRef<'_>> = HashMap::new();
    for t in graph.iter() {
        if let NamedOrBlankNodeRef::NamedNode(n) = t.subject {
            if !nested.contains(&TermRef::from(t.subject)) {
                by_id.insert(last_segment(n.as_str()), t.subject);
            }
        }
    }
    // The export's own entries, in order, so that an element is reported as GoGoCarto lists it:
    // twice when its id is repeated (the processor merges them), without a name when none of
    // its fields is mapped (the processor gives it no triple), without an id when it has none.
    let document: Value = super::fetch::parse_json(url, body)?;
    let entries = document
        .get("@graph")
        .and_then(Value::as_array)
        .ok_or_else(|| HarvestError::Format {
            url: url.to_owned(),
            message: "expected {\"@context\": …, \"@graph\": […]}".into(),
        })?;
    Ok(entries
        .iter()
        .map(|entry| {
            match entry.get("id").map(|id| match id {
                Value::String(s) => s.clone(),
                other => other.to_string(),
            }) {
                Some(id) => by_id
                    .get(id.as_str())
                    .map_or_else(|| json!({ "id": id }), |node| element_json(&graph, *node)),
                None => json!({ "name": entry.get("name") }),
            }
        })
        .collect())
}

fn last_segment(iri: &str) -> &str {
    iri.rsplit(['/', '#']).next().unwrap_or_default()
}

/// One element node back in GoGoCarto's JSON shape (`id`, `name`, `address{…}`, `geo{…}`…).
fn element_json(graph: &Graph, node: NamedOrBlankNodeRef<'_>) -> Value {
    let first = |subject: NamedOrBlankNodeRef<'_>, p: NamedNodeRef<'_>| {
        graph
            .object_for_subject_predicate(subject, p)
            .map(json_value)
    };
    let nested = |p: NamedNodeRef<'_>, fields: &[(&str, NamedNodeRef<'_>)]| {
        let inner = match graph.object_for_subject_predicate(node, p)? {
            TermRef::NamedNode(n) => NamedOrBlankNodeRef::from(n),
            TermRef::BlankNode(b) => NamedOrBlankNodeRef::from(b),
            TermRef::Literal(l) => return Some(Value::String(l.value().to_owned())),
        };
        let object: Map<String, Value> = fields
            .iter()
            .filter_map(|(key, p)| Some(((*key).to_owned(), first(inner, *p)?)))
            .collect();
        Some(Value::Object(object))
    };
    let mut element = Map::new();
    if let NamedOrBlankNodeRef::NamedNode(n) = node {
        element.insert("id".into(), json!(last_segment(n.as_str())));
    }
    let fields = [
        (
            "name",
            first(node, gogo::NAME).or_else(|| first(node, gogo::LABEL)),
        ),
        ("description", first(node, gogo::COMMENT)),
        ("email", first(node, gogo::MBOX)),
        ("website", first(node, gogo::HOMEPAGE)),
        ("telephone", first(node, gogo::PHONE)),
        (
            "address",
            nested(
                gogo::ADDRESS,
                &[
                    ("streetAddress", gogo::STREET_ADDRESS),
                    ("addressLocality", gogo::ADDRESS_LOCALITY),
                    ("postalCode", gogo::POSTAL_CODE),
                    ("addressCountry", gogo::ADDRESS_COUNTRY),
                ],
            ),
        ),
        (
            "geo",
            nested(
                gogo::GEO,
                &[("latitude", gogo::LAT), ("longitude", gogo::LONG)],
            ),
        ),
    ];
    for (key, value) in fields {
        if let Some(value) = value {
            element.insert(key.into(), value);
        }
    }
    let categories: Vec<Value> = graph
        .objects_for_subject_predicate(node, gogo::KEYWORDS)
        .map(json_value)
        .collect();
    element.insert("categories".into(), Value::Array(categories));
    let options: Vec<Value> = graph
        .objects_for_subject_predicate(node, gogo::OPTION_VALUES)
        .map(json_value)
        .collect();
    if !options.is_empty() {
        element.insert("optionValues".into(), Value::Array(options));
    }
    Value::Object(element)
}

/// A term as the JSON value it came from: numbers and booleans by their datatype, IRIs and
/// other literals as strings.
fn json_value(term: TermRef<'_>) -> Value {
    match term {
        TermRef::Literal(l) if l.datatype() == vocab::XSD_BOOLEAN => json!(l.value() == "true"),
        TermRef::Literal(l) if l.datatype() == vocab::XSD_INTEGER => l
            .value()
            .parse::<i64>()
            .map_or_else(|_| json!(l.value()), |n| json!(n)),
        TermRef::Literal(l) if l.datatype() == vocab::XSD_DOUBLE => l
            .value()
            .parse::<f64>()
            .ok()
            .and_then(serde_json::Number::from_f64)
            .map_or_else(|| json!(l.value()), Value::Number),
        TermRef::Literal(l) => json!(l.value()),
        TermRef::NamedNode(n) => json!(n.as_str()),
        TermRef::BlankNode(b) => json!(b.as_str()),
    }
}

impl GoGoCarto {
    /// From the URL of a harvest: `name` names the graph (default: the host).
    pub fn from_url(
        root: &str,
        params: &HashMap<String, String>,
    ) -> anyhow::Result<Box<dyn Source>> {
        let mut harvester = Self::new(root);
        if let Some(name) = params.get("name") {
            harvester.name = crate::writes::slugify(name);
        }
        Ok(Box::new(harvester))
    }

    /// `root` is the map's root, or the URL of one of its exports (`…/api/elements.jsonld`
    /// picks the JSON-LD export; the default is the JSON one).
    pub fn new(root: &str) -> Self {
        let mut root = root.trim_end_matches('/').to_owned();
        let mut export = Export::Json;
        for (suffix, kind) in [
            ("/api/elements.jsonld", Export::JsonLd),
            ("/api/elements.json", Export::Json),
        ] {
            if let Some(stripped) = root.strip_suffix(suffix) {
                (root, export) = (stripped.to_owned(), kind);
                break;
            }
        }
        let host = url::Url::parse(&root)
            .ok()
            .and_then(|u| u.host_str().map(str::to_owned))
            .unwrap_or_else(|| root.clone());
        Self {
            name: crate::writes::slugify(&host),
            root,
            export,
        }
    }

    fn graph(&self) -> String {
        format!("gogocarto-{}", self.name)
    }

    pub fn elements_url(&self) -> String {
        format!("{}/api/elements.{}", self.root, self.export.extension())
    }

    /// The map's taxonomy (`/api/taxonomy.json`) as its SKOS concept scheme, added to the
    /// harvested graph; a map without one (404) is harvested without it, with a note.
    fn taxonomy(
        &self,
        context: &FetchContext<'_>,
        fetched: &mut Fetched,
    ) -> Result<Option<Taxonomy>, HarvestError> {
        let url = format!("{}/api/taxonomy.json", self.root);
        match context.fetcher.json(&url) {
            Ok(document) => {
                fetched.outcome.pages += 1;
                let taxonomy = Taxonomy::read(context.base, &self.name, &url, &document)?;
                fetched.shared = taxonomy.graph();
                Ok(Some(taxonomy))
            }
            Err(HarvestError::Status { status: 404, .. }) => {
                fetched.outcome.notes.push(format!(
                    "no taxonomy at {url} (404): categories are kept as tags, option ids are not resolved"
                ));
                Ok(None)
            }
            Err(e) => Err(e),
        }
    }

    /// One element as the record of `{base}places/gogocarto-{name}-{id}`.
    pub fn map(&self, base: &Base, id: &str, element: &Value, now: &Literal) -> Record {
        let slug = format!("gogocarto-{}-{}", self.name, crate::writes::slugify(id));
        let iri = NamedNode::new_unchecked(base.resource("places", &slug));
        let mut b = RecordBuilder::new(id, iri.clone(), vocab::PLACE);
        let name = element.get("name").or_else(|| element.get("title"));
        b.text(&iri, vocab::NAME, name, "name");
        b.html_text(
            &iri,
            vocab::DESCRIPTION,
            element.get("description"),
            "description",
        );
        b.scalar(&iri, vocab::EMAIL, element.get("email"), "email");
        b.website(&iri, element.get("website"), "website");
        b.telephone(&iri, element.get("telephone"), "telephone");
        b.list(&iri, vocab::TAG, element.get("categories"), "categories");
        b.address(element.get("address"), "address");
        match element.get("geo") {
            Some(geo @ Value::Object(_)) => b.geo(geo.get("latitude"), geo.get("longitude"), "geo"),
            None | Some(Value::Null) => {}
            Some(other) => b.warn(
                "geo",
                super::record::compact(other),
                "expected {\"latitude\", \"longitude\"}",
            ),
        }
        let source = format!(
            "{}/api/elements/{}.{}",
            self.root,
            id,
            self.export.extension()
        );
        b.provenance(Some(&source), None, now);
        b.finish()
    }
}
