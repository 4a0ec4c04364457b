//! Communecter harvester: organizations tagged `TiersLieux` become tl:Place, projects tagged
//! `Commun` become tl:Commons, read page by page from the native JSON of the REST API
//! (`/api/{organization|project}/get/…/limit/{n}/index/{m}`). Mapping: docs/harvest-mapping.md.

use super::harvest::{
    client, fetch_json, harvest_time, HarvestError, HarvestOptions, HarvestOutcome, Record,
    RecordBuilder, TL_SHORT_DESCRIPTION,
};
use crate::store::AppStore;
use crate::vocab;
use oxigraph::model::{Literal, NamedNode};
use serde_json::Value;

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

    /// The tag (case-insensitive) that makes an element ours, and what it becomes.
    fn wanted_tag(self) -> &'static str {
        match self {
            Self::Organization => "tierslieux",
            Self::Project => "commun",
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

impl super::harvest::Source for Communecter {
    fn graph_name(&self) -> String {
        self.graph()
    }

    fn network(&self) -> String {
        "communecter".into()
    }

    /// Reads and maps every page; an error on any page is an error of the whole harvest.
    fn fetch(
        &self,
        store: &AppStore,
        options: &HarvestOptions,
        progress: impl Fn(usize, usize),
    ) -> Result<(Vec<Record>, HarvestOutcome), HarvestError> {
        let client = client(options)?;
        let now = harvest_time();
        let mut outcome = HarvestOutcome::default();
        let mut records = Vec::new();
        let limit = options.page_size.clamp(1, 500);
        for &kind in &self.types {
            let mut index = 0;
            let mut next = Some(self.page_url(kind, limit, index));
            let mut visited = std::collections::HashSet::new();
            while let Some(url) = next.take() {
                if !visited.insert(url.clone()) {
                    break;
                }
                if outcome.pages >= options.max_pages {
                    return Err(HarvestError::Format {
                        url,
                        message: format!("more than {} pages", options.max_pages),
                    });
                }
                let page = fetch_json(&client, &url)?;
                outcome.pages += 1;
                let format_error = |message: &str| HarvestError::Format {
                    url: url.clone(),
                    message: message.to_owned(),
                };
                let entities: Vec<(String, &Value)> = match page.get("entities") {
                    Some(Value::Object(map)) => map.iter().map(|(k, v)| (k.clone(), v)).collect(),
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
                    if !has_tag(element, kind.wanted_tag()) {
                        outcome.ignored += 1;
                        continue;
                    }
                    if id.is_empty() {
                        outcome
                            .skipped
                            .push(("?".into(), "element without an id".into()));
                        continue;
                    }
                    records.push(self.map(store, kind, &id, element, &now));
                }
                progress(outcome.pages, records.len());
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
        Ok((records, outcome))
    }
}

impl Communecter {
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
        store: &AppStore,
        kind: ElementType,
        id: &str,
        element: &Value,
        now: &Literal,
    ) -> Record {
        let slug = format!("communecter-{}", crate::writes::slugify(id));
        let iri = NamedNode::new_unchecked(store.base.resource(kind.collection(), &slug));
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
        b.scalar(&iri, vocab::NAME, element.get("name"), "name");
        b.scalar(
            &iri,
            vocab::DESCRIPTION,
            element.get("description"),
            "description",
        );
        b.scalar(
            &iri,
            TL_SHORT_DESCRIPTION,
            element.get("shortDescription"),
            "shortDescription",
        );
        b.scalar(&iri, vocab::EMAIL, element.get("email"), "email");
        b.list(&iri, vocab::TAG, element.get("tags"), "tags");
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
        b.provenance(Some(&api), Some(&page), now);
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

fn has_tag(element: &Value, wanted: &str) -> bool {
    match element.get("tags") {
        Some(Value::Array(tags)) => tags
            .iter()
            .filter_map(Value::as_str)
            .any(|t| t.trim().eq_ignore_ascii_case(wanted)),
        Some(Value::String(t)) => t.split(',').any(|t| t.trim().eq_ignore_ascii_case(wanted)),
        _ => false,
    }
}
