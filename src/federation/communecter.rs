//! Communecter harvester: organizations tagged `TiersLieux` become tl:Place, projects tagged
//! `Commun` become tl:Commons, read page by page from the native JSON of the REST API
//! (`/api/{organization|project}/get/…/limit/{n}/index/{m}`). Mapping: docs/harvest-mapping.md.

use super::harvest::{FetchContext, Fetched, HarvestError, Source};
use super::record::{Record, RecordBuilder};
use crate::vocab::{self, Base};
use oxigraph::model::{Literal, NamedNode};
use serde_json::Value;
use std::collections::HashMap;
use std::str::FromStr;

/// The spellings of the tiers-lieux tag in Communecter's own network configuration of the
/// Cartographie des Tiers-Lieux (`searchTag`): an organization with any of them is a
/// tiers-lieu. Compared folded (case, accents, spaces and hyphens ignored).
pub const TIERS_LIEUX_TAGS: &[&str] = &[
    "tiers-lieux",
    "coworking",
    "Tiers lieu",
    "Tiers-Lieux",
    "Tiers Lieux",
    "TiersLieux",
];

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ElementType {
    Organization,
    Project,
}

impl ElementType {
    pub fn segment(self) -> &'static str {
        match self {
            Self::Organization => "organization",
            Self::Project => "project",
        }
    }

    /// `organization,project` (also `organizations`, `projects`).
    pub fn parse_list(list: &str) -> anyhow::Result<Vec<Self>> {
        list.split(',')
            .filter(|s| !s.trim().is_empty())
            .map(|s| match s.trim().trim_end_matches('s') {
                "organization" => Ok(Self::Organization),
                "project" => Ok(Self::Project),
                other => {
                    anyhow::bail!("unknown Communecter type {other:?}: use organization or project")
                }
            })
            .collect()
    }

    /// The tags that make an element ours (compared folded).
    fn wanted_tags(self) -> &'static [&'static str] {
        match self {
            Self::Organization => TIERS_LIEUX_TAGS,
            Self::Project => &["Commun"],
        }
    }

    fn collection(self) -> &'static str {
        match self {
            Self::Organization => "places",
            Self::Project => "commons",
        }
    }

    fn hash_page(self) -> &'static str {
        match self {
            Self::Organization => "organizations",
            Self::Project => "projects",
        }
    }
}

/// A harvest of one Communecter instance.
#[derive(Clone, Debug)]
pub struct Communecter {
    /// The instance's root, e.g. `https://www.communecter.org`.
    pub root: String,
    pub types: Vec<ElementType>,
    /// `/key/{sourceKey}`: one network's import.
    pub key: Option<String>,
    /// `/tags/a,b`: server-side selection (the TiersLieux / Commun filter is applied anyway).
    pub tags: Option<String>,
}

impl Source for Communecter {
    fn graph_name(&self) -> String {
        self.graph()
    }

    fn network(&self) -> String {
        "communecter".into()
    }

    /// Reads and maps every page; an error on any page is an error of the whole harvest.
    fn fetch(&self, context: &FetchContext<'_>) -> Result<Fetched, HarvestError> {
        let options = context.options;
        let mut fetched = Fetched::default();
        let limit = options.page_size.clamp(1, 500);
        for &kind in &self.types {
            let mut index = 0;
            let mut next = Some(self.page_url(kind, limit, index));
            let mut visited = std::collections::HashSet::new();
            while let Some(url) = next.take() {
                if !visited.insert(url.clone()) {
                    break;
                }
                let outcome = &mut fetched.outcome;
                if outcome.pages >= options.max_pages {
                    return Err(HarvestError::Format {
                        url,
                        message: format!("more than {} pages", options.max_pages),
                    });
                }
                let page = context.fetcher.json(&url)?;
                outcome.pages += 1;
                let format_error = |message: &str| HarvestError::Format {
                    url: url.clone(),
                    message: message.to_owned(),
                };
                let entities: Vec<(String, &Value)> = match page.get("entities") {
                    Some(Value::Object(map)) => map
                        .iter()
                        .map(|(k, v)| (element_id(v).unwrap_or_else(|| k.clone()), v))
                        .collect(),
                    // PHP writes an empty map as [].
                    Some(Value::Array(items)) => items
                        .iter()
                        .map(|v| (element_id(v).unwrap_or_default(), v))
                        .collect(),
                    Some(Value::Null) | None if page.is_object() => {
                        return Err(format_error("no \"entities\" in the response"))
                    }
                    _ => return Err(format_error("expected {\"meta\": …, \"entities\": {…}}")),
                };
                let count = entities.len();
                for (id, element) in entities {
                    outcome.read += 1;
                    if !has_tag(element, kind.wanted_tags()) {
                        outcome.ignored += 1;
                        continue;
                    }
                    if id.is_empty() {
                        outcome.skip("?", "element without an id (_id.$id)");
                        continue;
                    }
                    fetched
                        .records
                        .push(self.map(context.base, kind, &id, element, &context.now));
                }
                (context.progress)(fetched.outcome.pages, fetched.records.len());
                next = match page.get("meta").and_then(|m| m.get("next")) {
                    _ if count == 0 => None,
                    Some(Value::String(s)) if !s.is_empty() => Some(
                        url::Url::parse(&url)
                            .and_then(|base| base.join(s))
                            .map(String::from)
                            .map_err(|e| format_error(&format!("invalid meta.next {s:?}: {e}")))?,
                    ),
                    Some(Value::Null) => None,
                    _ => {
                        index += limit;
                        Some(self.page_url(kind, limit, index))
                    }
                };
            }
        }
        Ok(fetched)
    }
}

impl Communecter {
    /// From the URL of a harvest: `key`, `tags` and `types` are read from its options.
    pub fn from_url(
        root: &str,
        params: &HashMap<String, String>,
    ) -> anyhow::Result<Box<dyn Source>> {
        let mut harvester = Self::new(root);
        harvester.key = params.get("key").cloned();
        harvester.tags = params.get("tags").cloned();
        if let Some(types) = params.get("types") {
            harvester.types = ElementType::parse_list(types)?;
        }
        Ok(Box::new(harvester))
    }

    pub fn new(root: &str) -> Self {
        Self {
            root: root.trim_end_matches('/').to_owned(),
            types: vec![ElementType::Organization, ElementType::Project],
            key: None,
            tags: None,
        }
    }

    /// `communecter`, or `communecter-{key}` when one source key is selected.
    fn graph(&self) -> String {
        match &self.key {
            Some(key) => format!("communecter-{}", crate::writes::slugify(key)),
            None => "communecter".into(),
        }
    }

    pub fn page_url(&self, kind: ElementType, limit: usize, index: usize) -> String {
        let mut url = format!("{}/api/{}/get", self.root, kind.segment());
        if let Some(key) = &self.key {
            url.push_str(&format!("/key/{key}"));
        }
        if let Some(tags) = &self.tags {
            url.push_str(&format!("/tags/{tags}"));
        }
        url.push_str(&format!("/limit/{limit}/index/{index}"));
        url
    }

    /// One element as a record of `{base}places/communecter-{id}` or
    /// `{base}commons/communecter-{id}`.
    pub fn map(
        &self,
        base: &Base,
        kind: ElementType,
        id: &str,
        element: &Value,
        now: &Literal,
    ) -> Record {
        let slug = format!("communecter-{}", crate::writes::slugify(id));
        let iri = NamedNode::new_unchecked(base.resource(kind.collection(), &slug));
        let class = match kind {
            ElementType::Organization => vocab::PLACE,
            ElementType::Project => vocab::COMMONS,
        };
        let mut b = RecordBuilder::new(id, iri.clone(), class);
        if !element.is_object() {
            b.record
                .problems
                .push("the element is not a JSON object".into());
            return b.finish();
        }
        b.text(&iri, vocab::NAME, element.get("name"), "name");
        b.html_text(
            &iri,
            vocab::DESCRIPTION,
            element.get("description"),
            "description",
        );
        b.html_text(
            &iri,
            vocab::TL_SHORT_DESCRIPTION,
            element.get("shortDescription"),
            "shortDescription",
        );
        b.scalar(&iri, vocab::EMAIL, element.get("email"), "email");
        match element.get("tags") {
            // Communecter also writes tags as one comma-separated text.
            Some(Value::String(tags)) => {
                let tags: Vec<Value> = tags
                    .split(',')
                    .map(|t| Value::String(t.trim().to_owned()))
                    .collect();
                b.list(&iri, vocab::TAG, Some(&Value::Array(tags)), "tags");
            }
            tags => b.list(&iri, vocab::TAG, tags, "tags"),
        }
        let urls = element.get("url");
        match urls {
            Some(Value::String(_)) => b.website(&iri, urls, "url"),
            Some(Value::Object(u)) => b.website(&iri, u.get("website"), "url.website"),
            _ => {}
        }
        b.address(element.get("address"), "address");
        let geo = element.get("geo").filter(|g| g.is_object());
        let has_geo = geo.is_some_and(|g| {
            g.get("latitude").is_some_and(|v| !v.is_null())
                && g.get("longitude").is_some_and(|v| !v.is_null())
        });
        if has_geo {
            b.geo(
                geo.and_then(|g| g.get("latitude")),
                geo.and_then(|g| g.get("longitude")),
                "geo",
            );
        } else if let Some(Value::Array(c)) = element
            .get("geoPosition")
            .and_then(|g| g.get("coordinates"))
        {
            // GeoJSON order: [longitude, latitude].
            if c.len() >= 2 {
                b.geo(Some(&c[1]), Some(&c[0]), "geoPosition.coordinates");
            }
        }
        if kind == ElementType::Organization {
            b.add(&iri, vocab::PLACE_TYPE, vocab::PLACE_TYPE_THIRD_PLACE);
        }
        let api = urls
            .and_then(|u| u.get("api"))
            .and_then(Value::as_str)
            .map(|a| self.absolute(a))
            .unwrap_or_else(|| format!("{}/api/{}/get/id/{id}", self.root, kind.segment()));
        let page = urls
            .and_then(|u| u.get("communecter"))
            .and_then(Value::as_str)
            .map(|c| self.absolute(c))
            .unwrap_or_else(|| format!("{}/#page.type.{}.id.{id}", self.root, kind.hash_page()));
        let modified = element.get("updated").and_then(timestamp);
        b.provenance(Some(&api), Some(&page), modified.as_ref().unwrap_or(now));
        b.finish()
    }

    fn absolute(&self, link: &str) -> String {
        if link.contains("://") {
            link.to_owned()
        } else {
            format!("{}/{}", self.root, link.trim_start_matches('/'))
        }
    }
}

fn element_id(element: &Value) -> Option<String> {
    let id = element.get("_id").or_else(|| element.get("id"))?;
    match id {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Object(o) => o.get("$id").and_then(Value::as_str).map(str::to_owned),
        _ => None,
    }
}

/// A tag as compared: folded, without spaces or hyphens (`Tiers-Lieux` = `tiers lieux`).
fn tag_key(tag: &str) -> String {
    crate::resources::fold(tag)
        .chars()
        .filter(|c| c.is_alphanumeric())
        .collect()
}

fn has_tag(element: &Value, wanted: &[&str]) -> bool {
    let wanted: Vec<String> = wanted.iter().map(|w| tag_key(w)).collect();
    let is_wanted = |t: &str| wanted.contains(&tag_key(t));
    match element.get("tags") {
        Some(Value::Array(tags)) => tags.iter().filter_map(Value::as_str).any(is_wanted),
        Some(Value::String(t)) => t.split(',').any(is_wanted),
        _ => false,
    }
}

/// Communecter's `updated`: seconds since 1970 (a number, a numeric text, or Mongo's
/// `{"sec": …}`), or `{"$date": "…"}`, as an xsd:dateTime.
fn timestamp(value: &Value) -> Option<Literal> {
    let seconds = match value {
        Value::Number(n) => n.as_i64(),
        Value::String(s) => s.trim().parse::<i64>().ok(),
        Value::Object(o) => match (o.get("sec"), o.get("$date")) {
            (Some(sec), _) => sec.as_i64(),
            (None, Some(Value::String(date))) => {
                return date
                    .parse::<oxsdatatypes::DateTime>()
                    .ok()
                    .map(Literal::from)
            }
            (None, Some(Value::Number(ms))) => ms.as_i64().map(|ms| ms / 1000),
            _ => None,
        },
        _ => None,
    }?;
    let epoch = oxsdatatypes::DateTime::from_str("1970-01-01T00:00:00Z").ok()?;
    let duration = oxsdatatypes::DayTimeDuration::new(seconds);
    epoch
        .checked_add_day_time_duration(duration)
        .map(Literal::from)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn every_spelling_of_the_tiers_lieux_tag_selects_a_place() {
        for spelling in TIERS_LIEUX_TAGS {
            let element = json!({ "tags": ["Atelier", spelling] });
            assert!(
                has_tag(&element, ElementType::Organization.wanted_tags()),
                "{spelling}"
            );
        }
        assert!(has_tag(
            &json!({"tags": "Café, tiers lieux"}),
            TIERS_LIEUX_TAGS
        ));
        assert!(!has_tag(&json!({"tags": ["Commerce"]}), TIERS_LIEUX_TAGS));
    }

    #[test]
    fn updated_is_a_date_time() {
        assert_eq!(
            timestamp(&json!(1_688_371_200)).unwrap().value(),
            "2023-07-03T08:00:00Z"
        );
        assert_eq!(
            timestamp(&json!({"sec": 0, "usec": 0})).unwrap().value(),
            "1970-01-01T00:00:00Z"
        );
        assert!(timestamp(&json!("hier")).is_none());
    }
}
