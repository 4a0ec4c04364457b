//! One harvested record on its way to the store: its triples, which source field each came
//! from, and what was left out of it. Every source's mapping builds its records here, so that
//! every source reads values the same way and reports what it loses in the same words.

use crate::vocab;
use oxigraph::model::{Graph, Literal, NamedNode, NamedNodeRef, Term, Triple, TripleRef};
use serde_json::Value;
use std::collections::HashMap;
use std::str::FromStr;

/// A value left out of a record: the source field, the value as the source wrote it, and why.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct FieldWarning {
    pub field: String,
    pub value: String,
    pub reason: String,
}

/// One mapped record of a source, ready to be checked and stored.
#[derive(Clone, Debug)]
pub struct Record {
    /// The id in the source (for reports).
    pub id: String,
    pub iri: NamedNode,
    pub triples: Graph,
    /// Why the record cannot be kept at all (what identifies it is missing or unusable): any
    /// makes it skipped.
    pub problems: Vec<String>,
    /// Values left out, field by field; the record is kept.
    pub warnings: Vec<FieldWarning>,
    /// The source field each triple came from, so that a value the shapes refuse is reported
    /// under the name the source gives it.
    pub fields: HashMap<Triple, String>,
}

impl Record {
    /// The record's name, for reports.
    pub fn name(&self) -> Option<String> {
        self.triples
            .object_for_subject_predicate(&self.iri, vocab::NAME)
            .map(|t| match t {
                oxigraph::model::TermRef::Literal(l) => l.value().to_owned(),
                other => other.to_string(),
            })
    }

    pub fn warn(&mut self, field: &str, value: impl Into<String>, reason: impl Into<String>) {
        self.warnings.push(FieldWarning {
            field: field.to_owned(),
            value: value.into(),
            reason: reason.into(),
        });
    }
}

/// Builds the triples of one record from source values.
pub struct RecordBuilder {
    pub record: Record,
}

impl RecordBuilder {
    pub fn new(id: &str, iri: NamedNode, class: NamedNodeRef<'_>) -> Self {
        let mut triples = Graph::new();
        triples.insert(TripleRef::new(&iri, vocab::RDF_TYPE, class));
        Self {
            record: Record {
                id: id.to_owned(),
                iri,
                triples,
                problems: Vec::new(),
                warnings: Vec::new(),
                fields: HashMap::new(),
            },
        }
    }

    pub fn iri(&self) -> NamedNode {
        self.record.iri.clone()
    }

    /// A node the record owns (`{iri}#address`, `{iri}#geo`), named as the resources API does.
    pub fn fragment(&self, name: &str) -> NamedNode {
        NamedNode::new_unchecked(format!("{}#{name}", self.record.iri.as_str()))
    }

    pub fn add(
        &mut self,
        subject: &NamedNode,
        predicate: NamedNodeRef<'_>,
        object: impl Into<Term>,
    ) {
        self.record.triples.insert(&Triple::new(
            subject.clone(),
            predicate.into_owned(),
            object.into(),
        ));
    }

    /// A triple read from the source field `field`.
    pub fn add_from(
        &mut self,
        subject: &NamedNode,
        predicate: NamedNodeRef<'_>,
        object: impl Into<Term>,
        field: &str,
    ) {
        let triple = Triple::new(subject.clone(), predicate.into_owned(), object.into());
        self.record.triples.insert(&triple);
        self.record.fields.insert(triple, field.to_owned());
    }

    pub fn warn(&mut self, field: &str, value: impl Into<String>, reason: impl Into<String>) {
        self.record.warn(field, value, reason);
    }

    /// A scalar JSON value as a literal of its own type (so that the shapes judge a number
    /// where a text is expected); null and empty strings are absent values.
    pub fn scalar(
        &mut self,
        subject: &NamedNode,
        predicate: NamedNodeRef<'_>,
        value: Option<&Value>,
        field: &str,
    ) {
        if let Some(literal) = self.literal(value, field) {
            self.add_from(subject, predicate, literal, field);
        }
    }

    /// A text: numbers (an id or a code written as a number) are read as their text; other
    /// kinds are left out with a warning.
    pub fn text(
        &mut self,
        subject: &NamedNode,
        predicate: NamedNodeRef<'_>,
        value: Option<&Value>,
        field: &str,
    ) {
        match value {
            Some(Value::Number(n)) => {
                self.add_from(
                    subject,
                    predicate,
                    Literal::new_simple_literal(n.to_string()),
                    field,
                );
            }
            other => self.scalar(subject, predicate, other, field),
        }
    }

    /// A text that may hold HTML (GoGoCarto's rich-text descriptions): kept as its text.
    pub fn html_text(
        &mut self,
        subject: &NamedNode,
        predicate: NamedNodeRef<'_>,
        value: Option<&Value>,
        field: &str,
    ) {
        match value {
            Some(Value::String(s)) => {
                let text = html_to_text(s);
                if !text.is_empty() {
                    self.add_from(subject, predicate, Literal::new_simple_literal(text), field);
                }
            }
            other => self.scalar(subject, predicate, other, field),
        }
    }

    fn literal(&mut self, value: Option<&Value>, field: &str) -> Option<Literal> {
        match value? {
            Value::Null => None,
            Value::String(s) => {
                let s = s.trim();
                (!s.is_empty()).then(|| Literal::new_simple_literal(s))
            }
            Value::Number(n) => Some(number_literal(n)),
            Value::Bool(b) => Some(Literal::new_typed_literal(
                b.to_string(),
                vocab::XSD_BOOLEAN,
            )),
            other @ (Value::Array(_) | Value::Object(_)) => {
                self.warn(
                    field,
                    compact(other),
                    format!("expected a single value, found {}", kind_of(other)),
                );
                None
            }
        }
    }

    /// Each value of a list (or a single value) as a `predicate` value.
    pub fn list(
        &mut self,
        subject: &NamedNode,
        predicate: NamedNodeRef<'_>,
        value: Option<&Value>,
        field: &str,
    ) {
        match value {
            Some(Value::Array(items)) => {
                for item in items {
                    self.text(subject, predicate, Some(item), field);
                }
            }
            other => self.text(subject, predicate, other, field),
        }
    }

    /// An xsd:decimal from a JSON number or a numeric string (a decimal comma is read as a
    /// point); anything else is left out with a warning.
    pub fn decimal(
        &mut self,
        subject: &NamedNode,
        predicate: NamedNodeRef<'_>,
        value: Option<&Value>,
        field: &str,
    ) {
        let literal = match value {
            None | Some(Value::Null) => None,
            Some(Value::Number(n)) => decimal_literal(n),
            Some(Value::String(s)) if s.trim().is_empty() => None,
            Some(Value::String(s)) => oxsdatatypes::Decimal::from_str(&s.trim().replace(',', "."))
                .ok()
                .map(Literal::from),
            Some(_) => None,
        };
        match (literal, value) {
            (Some(literal), _) => self.add_from(subject, predicate, literal, field),
            (None, Some(v)) if !v.is_null() && v != "" => {
                self.warn(field, compact(v), "not a decimal number")
            }
            _ => {}
        }
    }

    /// `tl:telephone`: a French number that lost its leading zero in a spreadsheet or a number
    /// field (`967556221`) gets it back; the shapes judge the rest.
    pub fn telephone(&mut self, subject: &NamedNode, value: Option<&Value>, field: &str) {
        let restored = value.map(|v| {
            let text = match v {
                Value::Number(n) => n.to_string(),
                Value::String(s) => s.trim().to_owned(),
                other => return other.clone(),
            };
            if text.len() == 9 && text.bytes().all(|b| b.is_ascii_digit()) && !text.starts_with('0')
            {
                Value::String(format!("0{text}"))
            } else {
                Value::String(text)
            }
        });
        self.text(subject, vocab::TELEPHONE, restored.as_ref(), field);
    }

    /// `tl:website`: an IRI; a bare domain (`www.example.org`) gets `https://`; anything else
    /// is left out with a warning.
    pub fn website(&mut self, subject: &NamedNode, value: Option<&Value>, field: &str) {
        match value {
            Some(Value::String(s)) if !s.trim().is_empty() => {
                let s = s.trim();
                match website_iri(s) {
                    Some(iri) => self.add_from(subject, vocab::WEBSITE, iri, field),
                    None => self.warn(field, s, "not a web address"),
                }
            }
            Some(Value::Array(items)) => {
                for item in items {
                    self.website(subject, Some(item), field);
                }
            }
            Some(Value::Null) | None => {}
            Some(Value::String(_)) => {}
            Some(other) => self.warn(field, compact(other), "not a web address"),
        }
    }

    /// A schema.org-style `PostalAddress` object as the `{iri}#address` node; `field` prefixes
    /// the names of its parts in reports.
    pub fn address(&mut self, value: Option<&Value>, field: &str) {
        let Some(value) = value else { return };
        let Value::Object(address) = value else {
            if !value.is_null() {
                self.warn(
                    field,
                    compact(value),
                    format!("expected an object, found {}", kind_of(value)),
                );
            }
            return;
        };
        let parts = Address {
            street: address.get("streetAddress"),
            postal_code: address.get("postalCode"),
            locality: address.get("addressLocality"),
            region: address.get("addressRegion"),
            country: address.get("addressCountry"),
        };
        self.address_parts(&parts, field, &AddressFields::schema_org());
    }

    /// The `{iri}#address` node from its parts, each read as a text; a French postal code
    /// that lost its leading zero (`6000`, a number in a spreadsheet) gets it back.
    pub fn address_parts(&mut self, parts: &Address<'_>, prefix: &str, names: &AddressFields<'_>) {
        let node = self.fragment("address");
        let before = self.record.triples.len();
        let name = |n: &str| {
            if prefix.is_empty() {
                n.to_owned()
            } else {
                format!("{prefix}.{n}")
            }
        };
        self.text(
            &node,
            vocab::STREET_ADDRESS,
            parts.street,
            &name(names.street),
        );
        let french = parts.country.is_none_or(|c| {
            matches!(
                compact(c).trim().to_lowercase().as_str(),
                "fr" | "fra" | "france"
            )
        });
        let postal = parts.postal_code.map(|p| {
            if french {
                restore_postal_code(p)
            } else {
                p.clone()
            }
        });
        self.text(
            &node,
            vocab::POSTAL_CODE,
            postal.as_ref(),
            &name(names.postal_code),
        );
        self.text(
            &node,
            vocab::LOCALITY,
            parts.locality,
            &name(names.locality),
        );
        self.text(&node, vocab::REGION, parts.region, &name(names.region));
        self.text(
            &node,
            vocab::TL_COUNTRY,
            parts.country,
            &name(names.country),
        );
        if self.record.triples.len() > before {
            let iri = self.iri();
            self.add(&iri, vocab::ADDRESS, node.clone());
            self.add(&node, vocab::RDF_TYPE, vocab::POSTAL_ADDRESS);
        }
    }

    /// Latitude and longitude as the `{iri}#geo` node (both or nothing).
    pub fn geo(&mut self, latitude: Option<&Value>, longitude: Option<&Value>, field: &str) {
        self.geo_named(
            latitude,
            longitude,
            &format!("{field}.latitude"),
            &format!("{field}.longitude"),
        );
    }

    /// Latitude and longitude from two fields of their own names.
    pub fn geo_named(
        &mut self,
        latitude: Option<&Value>,
        longitude: Option<&Value>,
        latitude_field: &str,
        longitude_field: &str,
    ) {
        let present = |v: Option<&Value>| v.is_some_and(|v| !v.is_null() && v != "");
        match (present(latitude), present(longitude)) {
            (false, false) => return,
            (true, false) | (false, true) => {
                let (field, value) = if present(latitude) {
                    (latitude_field, latitude)
                } else {
                    (longitude_field, longitude)
                };
                self.warn(
                    field,
                    value.map(compact).unwrap_or_default(),
                    "a coordinate without the other one",
                );
                return;
            }
            (true, true) => {}
        }
        let node = self.fragment("geo");
        let iri = self.iri();
        self.add(&iri, vocab::GEO, node.clone());
        self.add(&node, vocab::RDF_TYPE, vocab::GEO_COORDINATES);
        self.decimal(&node, vocab::LATITUDE, latitude, latitude_field);
        self.decimal(&node, vocab::LONGITUDE, longitude, longitude_field);
    }

    /// `dct:source`, `schema:sameAs` and `dct:modified`.
    pub fn provenance(&mut self, source: Option<&str>, same_as: Option<&str>, now: &Literal) {
        let iri = self.iri();
        if let Some(node) = source.and_then(|s| NamedNode::new(s).ok()) {
            self.add(&iri, vocab::DCT_SOURCE, node);
        }
        if let Some(node) = same_as.and_then(|s| NamedNode::new(s).ok()) {
            self.add(&iri, vocab::SCHEMA_SAME_AS, node);
        }
        self.add(&iri, vocab::DCT_MODIFIED, now.clone());
    }

    /// The record, once checked: coordinates that contradict the postal code (a record that
    /// mixes two places) are left out with a warning, since nothing says which one is right
    /// and a place shown at the wrong end of France is worse than one shown nowhere.
    pub fn finish(mut self) -> Record {
        self.check_coordinates();
        self.record
    }

    fn check_coordinates(&mut self) {
        let (geo, address) = (self.fragment("geo"), self.fragment("address"));
        let value = |node: &NamedNode, p: NamedNodeRef<'_>| {
            self.record
                .triples
                .object_for_subject_predicate(node, p)
                .and_then(|t| match t {
                    oxigraph::model::TermRef::Literal(l) => Some(l.value().to_owned()),
                    _ => None,
                })
        };
        let (Some(lat), Some(lon), Some(postal)) = (
            value(&geo, vocab::LATITUDE).and_then(|v| v.parse::<f64>().ok()),
            value(&geo, vocab::LONGITUDE).and_then(|v| v.parse::<f64>().ok()),
            value(&address, vocab::POSTAL_CODE),
        ) else {
            return;
        };
        let french = value(&address, vocab::TL_COUNTRY)
            .is_none_or(|c| matches!(c.trim().to_lowercase().as_str(), "fr" | "fra" | "france"));
        let Some(km) = french
            .then(|| super::departments::contradiction(&postal, lat, lon))
            .flatten()
        else {
            return;
        };
        let locality = value(&address, vocab::LOCALITY)
            .map(|l| format!(" ({l})"))
            .unwrap_or_default();
        let mut fields: Vec<String> = self
            .record
            .triples
            .triples_for_subject(&geo)
            .filter_map(|t| self.record.fields.get(&t.into_owned()).cloned())
            .collect();
        fields.sort();
        let mut field = fields.join("+");
        if field.is_empty() {
            field = "geo".into();
        }
        let iri = self.iri();
        let drop: Vec<Triple> = self
            .record
            .triples
            .triples_for_subject(&geo)
            .map(|t| t.into_owned())
            .chain([Triple::new(iri, vocab::GEO.into_owned(), geo.clone())])
            .collect();
        for t in &drop {
            self.record.triples.remove(t);
            self.record.fields.remove(t);
        }
        self.warn(
            &field,
            format!("{lat}, {lon}"),
            format!(
                "the coordinates lie {km:.0} km from the department of postal code {postal}{locality}: they contradict the address"
            ),
        );
    }
}

/// The parts of an address as a source gives them.
#[derive(Default)]
pub struct Address<'a> {
    pub street: Option<&'a Value>,
    pub postal_code: Option<&'a Value>,
    pub locality: Option<&'a Value>,
    pub region: Option<&'a Value>,
    pub country: Option<&'a Value>,
}

/// The source's names of the parts of an address, for reports.
pub struct AddressFields<'a> {
    pub street: &'a str,
    pub postal_code: &'a str,
    pub locality: &'a str,
    pub region: &'a str,
    pub country: &'a str,
}

impl AddressFields<'static> {
    pub fn schema_org() -> Self {
        Self {
            street: "streetAddress",
            postal_code: "postalCode",
            locality: "addressLocality",
            region: "addressRegion",
            country: "addressCountry",
        }
    }
}

/// A French postal code read from a number, or from a text of four digits, lost its leading
/// zero (`1000` is 01000, Bourg-en-Bresse): it gets it back.
pub fn restore_postal_code(value: &Value) -> Value {
    let digits = match value {
        Value::Number(n) if n.is_u64() => n.to_string(),
        Value::String(s) => s.trim().to_owned(),
        other => return other.clone(),
    };
    if digits.len() == 4 && digits.bytes().all(|b| b.is_ascii_digit()) {
        Value::String(format!("0{digits}"))
    } else {
        Value::String(digits)
    }
}

/// An absolute web address (http or https, with a host that has a dot), or a bare domain
/// (`www.example.org`) given `https://`; kept as written otherwise.
pub fn website_iri(text: &str) -> Option<NamedNode> {
    let text = text.trim();
    let candidate = if text.contains("://") {
        text.to_owned()
    } else if text.contains(char::is_whitespace) || text.contains('@') {
        return None;
    } else {
        format!("https://{text}")
    };
    let parsed = url::Url::parse(&candidate).ok()?;
    let usable = matches!(parsed.scheme(), "http" | "https")
        && parsed.host_str().is_some_and(|h| h.contains('.'));
    usable.then(|| NamedNode::new(candidate).ok()).flatten()
}

/// The text of a value that may be HTML (`<p>Un <b>tiers-lieu</b> &amp; café</p>`); a value
/// without markup is kept as it is.
pub fn html_to_text(value: &str) -> String {
    let looks_like_html = value.contains("</")
        || value.contains("/>")
        || value.contains("<br")
        || value.contains("<p")
        || (value.contains('&') && value.contains(';'));
    if looks_like_html {
        nanohtml2text::html2text(value).trim().to_owned()
    } else {
        value.trim().to_owned()
    }
}

/// A JSON value as the source wrote it, for reports.
pub fn compact(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

pub fn kind_of(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a text",
        Value::Array(_) => "a list",
        Value::Object(_) => "an object",
    }
}

fn number_literal(n: &serde_json::Number) -> Literal {
    if n.is_i64() || n.is_u64() {
        Literal::new_typed_literal(n.to_string(), vocab::XSD_INTEGER)
    } else {
        decimal_literal(n).unwrap_or_else(|| Literal::new_simple_literal(n.to_string()))
    }
}

pub fn decimal_literal(n: &serde_json::Number) -> Option<Literal> {
    // f64's Display never uses an exponent, unlike JSON: "4.5e-5" becomes "0.000045".
    let text = match n.as_f64() {
        Some(f) if !(n.is_i64() || n.is_u64()) => format!("{f}"),
        _ => n.to_string(),
    };
    oxsdatatypes::Decimal::from_str(&text)
        .ok()
        .map(Literal::from)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn json_numbers_become_decimals() {
        let n: serde_json::Number = serde_json::from_str("4.5e-5").unwrap();
        assert_eq!(decimal_literal(&n).unwrap().value(), "0.000045");
        let n: serde_json::Number = serde_json::from_str("-0.0339").unwrap();
        assert_eq!(decimal_literal(&n).unwrap().value(), "-0.0339");
    }

    #[test]
    fn postal_codes_get_their_leading_zero_back() {
        assert_eq!(restore_postal_code(&json!(1000)), json!("01000"));
        assert_eq!(restore_postal_code(&json!("6000")), json!("06000"));
        assert_eq!(restore_postal_code(&json!("79120")), json!("79120"));
        assert_eq!(restore_postal_code(&json!(" 2B033")), json!("2B033"));
    }

    #[test]
    fn websites_without_a_scheme_get_https() {
        let iri = |s: &str| website_iri(s).map(|n| n.as_str().to_owned());
        assert_eq!(
            iri("www.grange.example").as_deref(),
            Some("https://www.grange.example")
        );
        assert_eq!(
            iri("http://www.cuisinesdumonde.com/").as_deref(),
            Some("http://www.cuisinesdumonde.com/")
        );
        assert_eq!(iri("hidden"), None);
        assert_eq!(iri("pas de site"), None);
        assert_eq!(iri("mailto:a@b.fr"), None);
    }
}
