//! `lieux-communs samples DIR`: every harvester and importer run against the real samples of a
//! folder (partners' exports kept outside the repository), into an in-memory store, through a
//! loopback server where the harvester reads a URL. One line per file: records read, kept,
//! skipped, and kept with values left out; then why, grouped.

use super::communecter::{Communecter, TIERS_LIEUX_TAGS};
use super::gogocarto_harvest::GoGoCarto;
use super::harvest::{HarvestOptions, HarvestOutcome, Harvester, Source};
use super::list::{Mapping, NetworkList};
use super::mednum::Mednum;
use crate::config::Config;
use crate::vocab;
use serde_json::{json, Value};
use std::collections::{BTreeMap, HashMap};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// The mappings kept as examples in the repository for real networks' lists, by a part of the
/// sample's file name.
const LIST_MAPPINGS: &[(&str, &str)] = &[
    (
        "etapes-numerique",
        include_str!("../../docs/mappings/etapes-numerique.toml"),
    ),
    ("hub-lo", include_str!("../../docs/mappings/hub-lo.toml")),
    (
        "nouvelle-caledonie",
        include_str!("../../docs/mappings/nouvelle-caledonie.toml"),
    ),
];

/// The Communecter field paths the mapping reads (`communecter::Communecter::map`).
const COMMUNECTER_FIELDS: &[&str] = &[
    "_id.$id",
    "name",
    "description",
    "shortDescription",
    "email",
    "tags",
    "url",
    "url.website",
    "url.api",
    "url.communecter",
    "address.streetAddress",
    "address.postalCode",
    "address.addressLocality",
    "address.addressRegion",
    "address.addressCountry",
    "geo.latitude",
    "geo.longitude",
    "geoPosition.coordinates",
    "updated",
];

/// What one file gave.
pub struct SampleResult {
    pub file: String,
    pub harvester: String,
    pub outcome: Result<HarvestOutcome, String>,
    /// Checks that are not a harvest (a configuration file).
    pub checks: Vec<String>,
}

/// Runs every sample of `dir` (recursively) and writes the report to `out`.
pub fn run(dir: &Path, config: &Config, out: &mut dyn Write) -> anyhow::Result<Vec<SampleResult>> {
    anyhow::ensure!(dir.is_dir(), "{} is not a folder", dir.display());
    let mut config = config.clone();
    config.memory = true;
    let harvester = Harvester::open(&config)?;
    let server = Loopback::start()?;
    let options = HarvestOptions {
        timeout: std::time::Duration::from_secs(10),
        retry: super::fetch::RetryPolicy {
            retries: 0,
            ..Default::default()
        },
        ..Default::default()
    };
    let mut files = Vec::new();
    walk(dir, &mut files)?;
    files.sort();
    let mut results = Vec::new();
    for path in files {
        let file = path
            .strip_prefix(dir)
            .unwrap_or(&path)
            .display()
            .to_string();
        let mut result = run_one(&harvester, &server, &options, &path, &file);
        if let Ok(outcome) = &result.outcome {
            result.checks.push(coordinates(&harvester, &outcome.graph));
        }
        write_result(out, &result)?;
        results.push(result);
    }
    Ok(results)
}

fn walk(dir: &Path, files: &mut Vec<PathBuf>) -> anyhow::Result<()> {
    for entry in std::fs::read_dir(dir)? {
        let path = entry?.path();
        if path.is_dir() {
            walk(&path, files)?;
        } else {
            files.push(path);
        }
    }
    Ok(())
}

fn run_one(
    harvester: &Harvester,
    server: &Loopback,
    options: &HarvestOptions,
    path: &Path,
    file: &str,
) -> SampleResult {
    let name = path
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or_default()
        .to_owned();
    let stem = crate::writes::slugify(name.rsplit_once('.').map_or(name.as_str(), |(s, _)| s));
    let result = |harvester: &str, outcome: Result<HarvestOutcome, String>, checks: Vec<String>| {
        SampleResult {
            file: file.to_owned(),
            harvester: harvester.to_owned(),
            outcome,
            checks,
        }
    };
    let none = |why: &str| result("-", Err(why.to_owned()), Vec::new());
    let Ok(body) = std::fs::read(path) else {
        return none("cannot read the file");
    };
    let harvest = |source: &dyn Source| {
        harvester
            .harvest(source, options, &|_, _| {})
            .map_err(|e| e.to_string())
    };
    if name.ends_with(".csv") {
        let mut source = Mednum::new(&path.display().to_string());
        source.name = stem;
        return result("mednum (file)", harvest(&source), Vec::new());
    }
    let json: Option<Value> = serde_json::from_slice(&body).ok();
    let Some(json) = json else {
        return none("no harvester reads this file (not JSON nor CSV)");
    };
    if let Some((_, mapping)) = LIST_MAPPINGS.iter().find(|(key, _)| name.contains(key)) {
        return match Mapping::parse(mapping) {
            Ok(mapping) => {
                let source = NetworkList::new(&path.display().to_string(), mapping);
                result("list (file, docs/mappings)", harvest(&source), Vec::new())
            }
            Err(e) => result("list", Err(e.to_string()), Vec::new()),
        };
    }
    // A GoGoCarto export: served as a map's /api/elements.json, with the taxonomy of the same
    // folder as its /api/taxonomy.json.
    if json.get("data").is_some_and(Value::is_array) {
        let root = server.map(&stem, &body, taxonomy_beside(path).as_deref(), "json");
        let mut source = GoGoCarto::new(&root);
        source.name = stem;
        return result("gogocarto (loopback)", harvest(&source), Vec::new());
    }
    if json.get("@graph").is_some_and(Value::is_array) {
        let root = server.map(&stem, &body, None, "jsonld");
        let mut source = GoGoCarto::new(&format!("{root}/api/elements.jsonld"));
        source.name = stem;
        return result("gogocarto JSON-LD (loopback)", harvest(&source), Vec::new());
    }
    if name.contains("taxonomy") && (json.get("options").is_some() || json.is_array()) {
        let base = harvester.store.base.clone();
        return match super::gogocarto_taxonomy::Taxonomy::read(&base, &stem, file, &json) {
            Ok(taxonomy) => result(
                "gogocarto taxonomy (served as /api/taxonomy.json of the map beside it)",
                Err(format!("{} options read as SKOS concepts", taxonomy.len())),
                Vec::new(),
            ),
            Err(e) => result("gogocarto taxonomy", Err(e.to_string()), Vec::new()),
        };
    }
    // Communecter's network configuration: one organization per spelling of the tiers-lieux
    // tag, served as an API page, must all be harvested.
    if let Some(tags) = json.pointer("/request/searchTag").and_then(Value::as_array) {
        let entities: serde_json::Map<String, Value> = tags
            .iter()
            .enumerate()
            .map(|(i, tag)| {
                let id = format!("5a0000000000000000000{i:03}");
                (
                    id.clone(),
                    json!({"_id": {"$id": id}, "name": format!("Lieu {tag}"), "tags": [tag]}),
                )
            })
            .collect();
        let page = json!({"meta": {"next": null}, "entities": entities});
        let root = server.communecter(&stem, &page);
        let mut source = Communecter::new(&root);
        source.types = vec![super::communecter::ElementType::Organization];
        source.key = Some(stem.clone());
        let known: Vec<String> = tags
            .iter()
            .filter_map(Value::as_str)
            .filter(|t| !TIERS_LIEUX_TAGS.contains(t))
            .map(str::to_owned)
            .collect();
        let checks = vec![format!(
            "{} searchTag spellings, each given to one organization; spellings not in TIERS_LIEUX_TAGS: {}",
            tags.len(),
            if known.is_empty() { "none".into() } else { known.join(", ") }
        )];
        return result(
            "communecter (loopback, one organization per searchTag)",
            harvest(&source),
            checks,
        );
    }
    // A mapping from Communecter's fields (the national cartography's configuration): every
    // field path it reads must be one our mapping reads.
    if json.get("id").and_then(|i| i.get("colonne")).is_some() {
        let mut paths = Vec::new();
        collect_columns(&json, &mut paths);
        paths.sort();
        paths.dedup();
        let missing: Vec<&String> = paths
            .iter()
            .filter(|p| !COMMUNECTER_FIELDS.contains(&p.as_str()))
            .collect();
        let checks = vec![format!(
            "{} Communecter field paths read by this configuration, {} read by our mapping; not read: {}",
            paths.len(),
            paths.len() - missing.len(),
            if missing.is_empty() {
                "none".to_owned()
            } else {
                missing.iter().map(|m| m.as_str()).collect::<Vec<_>>().join(", ")
            }
        )];
        return result(
            "communecter field paths (configuration)",
            Err("not a data file".into()),
            checks,
        );
    }
    none("no harvester reads this file (not a partner export)")
}

/// How many places of `graph` have coordinates, and the range of their longitudes.
fn coordinates(harvester: &Harvester, graph: &str) -> String {
    let store = &harvester.store.store;
    let graph = oxigraph::model::NamedNode::new_unchecked(graph);
    let in_graph = Some(oxigraph::model::GraphNameRef::from(graph.as_ref()));
    let places: Vec<_> = store
        .quads_for_pattern(
            None,
            Some(vocab::RDF_TYPE),
            Some(vocab::PLACE.into()),
            in_graph,
        )
        .filter_map(Result::ok)
        .map(|q| q.subject)
        .collect();
    let mut longitudes = Vec::new();
    for place in &places {
        let geo = store
            .quads_for_pattern(Some(place.as_ref()), Some(vocab::GEO), None, in_graph)
            .filter_map(Result::ok)
            .next();
        let geo: oxigraph::model::NamedOrBlankNode = match geo.map(|q| q.object) {
            Some(oxigraph::model::Term::NamedNode(n)) => n.into(),
            Some(oxigraph::model::Term::BlankNode(b)) => b.into(),
            _ => continue,
        };
        let longitude = store
            .quads_for_pattern(Some(geo.as_ref()), Some(vocab::LONGITUDE), None, in_graph)
            .filter_map(Result::ok)
            .find_map(|q| match q.object {
                oxigraph::model::Term::Literal(l) => l.value().parse::<f64>().ok(),
                _ => None,
            });
        longitudes.extend(longitude);
    }
    let range = match (
        longitudes.iter().copied().reduce(f64::min),
        longitudes.iter().copied().reduce(f64::max),
    ) {
        (Some(min), Some(max)) => format!(", longitudes from {min} to {max}"),
        _ => String::new(),
    };
    format!(
        "places with coordinates: {} of {}{range}",
        longitudes.len(),
        places.len()
    )
}

fn collect_columns(value: &Value, paths: &mut Vec<String>) {
    match value {
        Value::Object(map) => {
            for (key, v) in map {
                match (key.as_str(), v) {
                    ("colonne", Value::String(p)) => paths.push(p.clone()),
                    ("colonnes", Value::Array(ps)) => {
                        paths.extend(ps.iter().filter_map(Value::as_str).map(str::to_owned))
                    }
                    _ => collect_columns(v, paths),
                }
            }
        }
        Value::Array(items) => items.iter().for_each(|v| collect_columns(v, paths)),
        _ => {}
    }
}

fn taxonomy_beside(path: &Path) -> Option<Vec<u8>> {
    let dir = path.parent()?;
    std::fs::read_dir(dir)
        .ok()?
        .filter_map(Result::ok)
        .map(|e| e.path())
        .find(|p| {
            p.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.contains("taxonomy") && n.ends_with(".json"))
        })
        .and_then(|p| std::fs::read(p).ok())
}

fn write_result(out: &mut dyn Write, result: &SampleResult) -> std::io::Result<()> {
    match &result.outcome {
        Ok(o) => writeln!(
            out,
            "{}: {} — {}",
            result.file,
            result.harvester,
            o.summary()
        )?,
        Err(why) => writeln!(out, "{}: {} — {why}", result.file, result.harvester)?,
    }
    for check in &result.checks {
        writeln!(out, "    check: {check}")?;
    }
    if let Ok(o) = &result.outcome {
        for note in &o.notes {
            writeln!(out, "    note: {note}")?;
        }
        let mut reasons: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
        for s in &o.skipped {
            reasons.entry(&s.reason).or_default().push(&s.id);
        }
        for (reason, ids) in reasons {
            writeln!(
                out,
                "    skipped × {}: {reason} ({})",
                ids.len(),
                abbreviate(&ids)
            )?;
        }
        let mut warnings: BTreeMap<(&str, &str), Vec<&str>> = BTreeMap::new();
        for w in &o.warned {
            for f in &w.fields {
                warnings
                    .entry((&f.field, &f.reason))
                    .or_default()
                    .push(&f.value);
            }
        }
        for ((field, reason), values) in warnings {
            writeln!(
                out,
                "    left out × {}: {field} — {reason} (values: {})",
                values.len(),
                abbreviate(&values)
            )?;
        }
    }
    Ok(())
}

fn abbreviate(items: &[&str]) -> String {
    let mut distinct: Vec<&str> = items.to_vec();
    distinct.sort();
    distinct.dedup();
    let shown: Vec<String> = distinct.iter().take(4).map(|s| format!("{s:?}")).collect();
    if distinct.len() > 4 {
        format!("{}, … {} distinct", shown.join(", "), distinct.len())
    } else {
        shown.join(", ")
    }
}

/// A loopback HTTP server answering from files held in memory, path → body.
struct Loopback {
    root: String,
    files: Arc<std::sync::Mutex<HashMap<String, Vec<u8>>>>,
    _runtime: tokio::runtime::Runtime,
}

impl Loopback {
    fn start() -> anyhow::Result<Self> {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()?;
        let listener = std::net::TcpListener::bind("127.0.0.1:0")?;
        listener.set_nonblocking(true)?;
        let root = format!("http://{}", listener.local_addr()?);
        let files: Arc<std::sync::Mutex<HashMap<String, Vec<u8>>>> = Arc::default();
        let served = files.clone();
        let app = axum::Router::new().fallback(move |uri: axum::http::Uri| {
            let served = served.clone();
            async move {
                let body = served.lock().ok().and_then(|f| f.get(uri.path()).cloned());
                match body {
                    Some(body) => (
                        axum::http::StatusCode::OK,
                        [(axum::http::header::CONTENT_TYPE, "application/json")],
                        body,
                    ),
                    None => (
                        axum::http::StatusCode::NOT_FOUND,
                        [(axum::http::header::CONTENT_TYPE, "application/json")],
                        b"{}".to_vec(),
                    ),
                }
            }
        });
        runtime.spawn(async move {
            if let Ok(listener) = tokio::net::TcpListener::from_std(listener) {
                let _ = axum::serve(listener, app).await;
            }
        });
        Ok(Self {
            root,
            files,
            _runtime: runtime,
        })
    }

    fn put(&self, path: String, body: Vec<u8>) {
        if let Ok(mut files) = self.files.lock() {
            files.insert(path, body);
        }
    }

    /// A GoGoCarto map at `{root}/{name}`.
    fn map(&self, name: &str, elements: &[u8], taxonomy: Option<&[u8]>, extension: &str) -> String {
        let root = format!("{}/{name}", self.root);
        self.put(
            format!("/{name}/api/elements.{extension}"),
            elements.to_vec(),
        );
        if let Some(taxonomy) = taxonomy {
            self.put(format!("/{name}/api/taxonomy.json"), taxonomy.to_vec());
        }
        root
    }

    /// A Communecter instance at `{root}/{name}` with one page of organizations for key `name`.
    fn communecter(&self, name: &str, page: &Value) -> String {
        let root = format!("{}/{name}", self.root);
        // The default page size of a harvest: 100.
        self.put(
            format!("/{name}/api/organization/get/key/{name}/limit/100/index/0"),
            serde_json::to_vec(page).unwrap_or_default(),
        );
        root
    }
}
