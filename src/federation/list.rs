//! A network's own list of places — a CSV file or a JSON array from a spreadsheet or a small
//! tool of its own — read with a declared mapping (a TOML file: which field gives which
//! property, separators, how booleans and missing values are written, which field identifies
//! a record). Examples for real lists: docs/mappings/*.toml. Every row is a tl:Place of the
//! graph `list-{name}`.

use super::harvest::{FetchContext, Fetched, HarvestError, Source};
use super::record::{compact, Address, AddressFields, Record, RecordBuilder};
use super::table;
use crate::vocab::{self, Base};
use oxigraph::model::{Literal, NamedNode, NamedNodeRef};
use serde::Deserialize;
use serde_json::{Map, Value};
use std::collections::HashMap;

/// The mapping of one list, as written in its TOML file.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Mapping {
    /// Names the graph (`list-{name}`) and the places (`list-{name}-{id}`).
    pub name: String,
    /// `csv` or `json`; guessed when absent.
    #[serde(default)]
    pub format: Option<String>,
    /// The field (or fields, joined) that identifies a record.
    pub id: OneOrMany,
    /// Values that mean "no value" (`#N/D`, `NC`…); the empty text always does.
    #[serde(default)]
    pub missing: Vec<String>,
    /// How the list writes a true and a false boolean (compared without case).
    #[serde(default = "default_true")]
    pub true_values: Vec<String>,
    #[serde(default = "default_false")]
    pub false_values: Vec<String>,
    /// A place type of tl:PlaceTypes every place of the list has (`tiers-lieu`,
    /// `mediation-numerique`, `fabrique-de-territoire`).
    #[serde(default)]
    pub place_type: Option<String>,
    /// The country of the addresses (`FR` by default).
    #[serde(default)]
    pub country: Option<String>,
    /// Property → field.
    pub fields: Fields,
    /// Boolean fields that give a place a tag when true.
    #[serde(default)]
    pub flags: Vec<Flag>,
}

fn default_true() -> Vec<String> {
    ["true", "oui", "vrai", "yes", "1", "x"]
        .map(String::from)
        .to_vec()
}

fn default_false() -> Vec<String> {
    ["false", "non", "faux", "no", "0"]
        .map(String::from)
        .to_vec()
}

#[derive(Clone, Debug, Deserialize)]
#[serde(untagged)]
pub enum OneOrMany {
    One(String),
    Many(Vec<String>),
}

impl OneOrMany {
    fn fields(&self) -> Vec<&str> {
        match self {
            Self::One(f) => vec![f.as_str()],
            Self::Many(fs) => fs.iter().map(String::as_str).collect(),
        }
    }
}

/// Where a property's values are: a field (`"Nom"`, or a dotted path into nested objects,
/// `"geolocalisation.lat"`), or a field with the separator of its several values.
#[derive(Clone, Debug, Deserialize)]
#[serde(untagged)]
pub enum FieldSpec {
    Field(String),
    Split { field: String, separator: String },
}

impl FieldSpec {
    fn field(&self) -> &str {
        match self {
            Self::Field(f) | Self::Split { field: f, .. } => f,
        }
    }
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Fields {
    pub name: Option<FieldSpec>,
    pub description: Option<FieldSpec>,
    pub short_description: Option<FieldSpec>,
    pub email: Option<FieldSpec>,
    pub website: Option<FieldSpec>,
    pub telephone: Option<FieldSpec>,
    pub street: Option<FieldSpec>,
    pub postal_code: Option<FieldSpec>,
    pub locality: Option<FieldSpec>,
    pub region: Option<FieldSpec>,
    pub latitude: Option<FieldSpec>,
    pub longitude: Option<FieldSpec>,
    pub siret: Option<FieldSpec>,
    pub opening_hours: Option<FieldSpec>,
    #[serde(default)]
    pub services: Vec<FieldSpec>,
    #[serde(default)]
    pub tags: Vec<FieldSpec>,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Flag {
    pub field: String,
    pub tag: String,
}

impl Mapping {
    pub fn parse(text: &str) -> Result<Self, HarvestError> {
        let mapping: Self = toml::from_str(text)
            .map_err(|e| HarvestError::Config(format!("invalid list mapping: {e}")))?;
        if let Some(kind) = &mapping.place_type {
            if place_type(kind).is_none() {
                return Err(HarvestError::Config(format!(
                    "invalid list mapping: place_type {kind:?} is not one of tiers-lieu, mediation-numerique, fabrique-de-territoire"
                )));
            }
        }
        Ok(mapping)
    }

    pub fn read(path: &str) -> Result<Self, HarvestError> {
        let text = std::fs::read_to_string(path).map_err(|e| {
            HarvestError::Config(format!("cannot read the list mapping {path}: {e}"))
        })?;
        Self::parse(&text).map_err(|e| HarvestError::Config(format!("{path}: {e}")))
    }
}

fn place_type(kind: &str) -> Option<NamedNodeRef<'static>> {
    match kind {
        "tiers-lieu" => Some(vocab::PLACE_TYPE_THIRD_PLACE),
        "mediation-numerique" => Some(vocab::PLACE_TYPE_MEDIATION),
        "fabrique-de-territoire" => Some(vocab::PLACE_TYPE_FABRIQUE),
        _ => None,
    }
}

/// An import of one list with its mapping.
#[derive(Clone, Debug)]
pub struct NetworkList {
    /// A URL or a path.
    pub url: String,
    pub mapping: Mapping,
}

impl NetworkList {
    pub fn new(url: &str, mapping: Mapping) -> Self {
        Self {
            url: url.to_owned(),
            mapping,
        }
    }

    /// From the URL of a harvest: `mapping` (required) is the path of the TOML file, `name`
    /// replaces the mapping's name.
    pub fn from_url(
        url: &str,
        params: &HashMap<String, String>,
    ) -> anyhow::Result<Box<dyn Source>> {
        let path = params.get("mapping").ok_or_else(|| {
            anyhow::anyhow!("a list needs its mapping: add ?mapping=PATH.toml to the URL")
        })?;
        let mut mapping = Mapping::read(path)?;
        if let Some(name) = params.get("name") {
            mapping.name = name.clone();
        }
        Ok(Box::new(Self::new(url, mapping)))
    }

    fn name(&self) -> String {
        crate::writes::slugify(&self.mapping.name)
    }

    /// A field's value, following dots into nested objects; a missing-value marker is no value.
    fn value<'a>(&self, row: &'a Map<String, Value>, path: &str) -> Option<&'a Value> {
        let value = row.get(path).or_else(|| {
            let mut parts = path.split('.');
            let first = row.get(parts.next()?)?;
            parts.try_fold(first, |v, part| v.get(part))
        })?;
        match value {
            Value::Null => None,
            Value::String(s)
                if s.trim().is_empty() || self.mapping.missing.iter().any(|m| m == s.trim()) =>
            {
                None
            }
            other => Some(other),
        }
    }

    /// The values of a property: split on the spec's separator.
    fn values(&self, row: &Map<String, Value>, spec: &FieldSpec) -> Vec<Value> {
        let Some(value) = self.value(row, spec.field()) else {
            return Vec::new();
        };
        match (spec, value) {
            (FieldSpec::Split { separator, .. }, Value::String(s)) => {
                let separator = separator.replace("\\n", "\n");
                s.split(separator.as_str())
                    .map(|t| t.trim().trim_end_matches([',', ';']).trim())
                    .filter(|t| !t.is_empty() && !self.mapping.missing.iter().any(|m| m == t))
                    .map(|t| Value::String(t.to_owned()))
                    .collect()
            }
            (_, Value::Array(items)) => items.clone(),
            (_, other) => vec![other.clone()],
        }
    }

    fn boolean(&self, value: &Value) -> Option<bool> {
        let text = match value {
            Value::Bool(b) => return Some(*b),
            Value::Number(n) => n.to_string(),
            Value::String(s) => s.trim().to_owned(),
            _ => return None,
        };
        let is = |list: &[String]| list.iter().any(|v| v.eq_ignore_ascii_case(&text));
        if is(&self.mapping.true_values) {
            Some(true)
        } else if is(&self.mapping.false_values) {
            Some(false)
        } else {
            None
        }
    }

    /// One row as the record of `{base}places/list-{name}-{id}`.
    pub fn map(&self, base: &Base, row: &Map<String, Value>, now: &Literal) -> Record {
        let id_parts: Vec<String> = self
            .mapping
            .id
            .fields()
            .iter()
            .filter_map(|f| self.value(row, f).map(compact))
            .collect();
        let id = id_parts.join(" ");
        let slug = format!("list-{}-{}", self.name(), crate::writes::slugify(&id));
        let iri = NamedNode::new_unchecked(base.resource("places", &slug));
        let mut b = RecordBuilder::new(&id, iri.clone(), vocab::PLACE);
        if id_parts.len() < self.mapping.id.fields().len() {
            b.record.problems.push(format!(
                "no {} (the field that identifies a record)",
                self.mapping.id.fields().join(" + ")
            ));
            if let Some(spec) = &self.mapping.fields.name {
                if let Some(name) = self.value(row, spec.field()) {
                    b.record.id = compact(name);
                }
            }
            return b.finish();
        }
        let f = &self.mapping.fields;
        let scalar =
            |spec: &Option<FieldSpec>| spec.as_ref().and_then(|s| self.value(row, s.field()));
        let field = |spec: &Option<FieldSpec>| {
            spec.as_ref()
                .map(|s| s.field().to_owned())
                .unwrap_or_default()
        };
        b.text(&iri, vocab::NAME, scalar(&f.name), &field(&f.name));
        b.html_text(
            &iri,
            vocab::DESCRIPTION,
            scalar(&f.description),
            &field(&f.description),
        );
        b.html_text(
            &iri,
            vocab::TL_SHORT_DESCRIPTION,
            scalar(&f.short_description),
            &field(&f.short_description),
        );
        b.text(
            &iri,
            vocab::OPENING_HOURS,
            scalar(&f.opening_hours),
            &field(&f.opening_hours),
        );
        b.text(&iri, vocab::SIRET, scalar(&f.siret), &field(&f.siret));
        for (spec, kind) in [(&f.email, 0), (&f.website, 1), (&f.telephone, 2)] {
            let Some(spec) = spec else { continue };
            for value in self.values(row, spec) {
                match kind {
                    0 => b.text(&iri, vocab::EMAIL, Some(&value), spec.field()),
                    1 => b.website(&iri, Some(&value), spec.field()),
                    _ => b.telephone(&iri, Some(&value), spec.field()),
                }
            }
        }
        for (specs, property) in [(&f.services, vocab::SERVICE), (&f.tags, vocab::TAG)] {
            for spec in specs {
                for value in self.values(row, spec) {
                    b.text(&iri, property, Some(&value), spec.field());
                }
            }
        }
        self.flags(&mut b, row);
        if let Some(kind) = self.mapping.place_type.as_deref().and_then(place_type) {
            b.add(&iri, vocab::PLACE_TYPE, kind);
        }
        let country = Value::String(self.mapping.country.clone().unwrap_or_else(|| "FR".into()));
        b.address_parts(
            &Address {
                street: scalar(&f.street),
                postal_code: scalar(&f.postal_code),
                locality: scalar(&f.locality),
                region: scalar(&f.region),
                country: Some(&country),
            },
            "",
            &AddressFields {
                street: &field(&f.street),
                postal_code: &field(&f.postal_code),
                locality: &field(&f.locality),
                region: &field(&f.region),
                country: "country",
            },
        );
        b.geo_named(
            scalar(&f.latitude),
            scalar(&f.longitude),
            &field(&f.latitude),
            &field(&f.longitude),
        );
        let source = NamedNode::new(&self.url)
            .ok()
            .filter(|_| self.url.contains("://"));
        b.provenance(source.as_ref().map(NamedNode::as_str), None, now);
        b.finish()
    }

    /// Tags from boolean fields; two fields that say opposite things of the same tag are
    /// reported, and the tag is kept (one of them says so).
    fn flags(&self, b: &mut RecordBuilder, row: &Map<String, Value>) {
        let iri = b.iri();
        let mut said: HashMap<&str, Vec<(&str, bool)>> = HashMap::new();
        for flag in &self.mapping.flags {
            let Some(value) = self.value(row, &flag.field) else {
                continue;
            };
            match self.boolean(value) {
                Some(yes) => said
                    .entry(flag.tag.as_str())
                    .or_default()
                    .push((&flag.field, yes)),
                None => b.warn(
                    &flag.field,
                    compact(value),
                    "neither a true nor a false value of the mapping (true_values, false_values)",
                ),
            }
        }
        let mut tags: Vec<_> = said.into_iter().collect();
        tags.sort();
        for (tag, answers) in tags {
            if answers.iter().any(|(_, yes)| *yes) {
                let fields: Vec<&str> = answers
                    .iter()
                    .filter(|(_, y)| *y)
                    .map(|(f, _)| *f)
                    .collect();
                b.add_from(
                    &iri,
                    vocab::TAG,
                    Literal::new_simple_literal(tag),
                    &fields.join("+"),
                );
                let against: Vec<&str> = answers
                    .iter()
                    .filter(|(_, y)| !*y)
                    .map(|(f, _)| *f)
                    .collect();
                if !against.is_empty() {
                    b.warn(
                        &against.join("+"),
                        "false",
                        format!(
                            "contradicts {} (true) on {tag:?}; the tag is kept",
                            fields.join(", ")
                        ),
                    );
                }
            }
        }
    }
}

impl Source for NetworkList {
    fn graph_name(&self) -> String {
        format!("list-{}", self.name())
    }

    fn fetch(&self, context: &FetchContext<'_>) -> Result<Fetched, HarvestError> {
        table::fetch(context, &self.url, self.mapping.format.as_deref(), |row| {
            self.map(context.base, row, &context.now)
        })
    }
}
