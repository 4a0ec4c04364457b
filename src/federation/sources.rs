//! The sources we harvest, in one table: a new source is one mapping module and one row here.
//! A harvest is named by its source and a URL whose query string carries the options, as on
//! the command line (`harvest gogocarto --url https://carte.example/?name=carte`) and in
//! `[[harvests]]`.

use super::harvest::{HarvestOptions, HarvestOutcome, Harvester, Source};
use std::collections::HashMap;
use std::time::Duration;

/// Builds a source from the URL to read (without its options) and the options.
pub type Build = fn(&str, &HashMap<String, String>) -> anyhow::Result<Box<dyn Source>>;

/// One kind of source: its name, what it reads, the options its URL may carry, and how it is
/// built from the URL.
pub struct SourceKind {
    pub name: &'static str,
    pub about: &'static str,
    /// Query-string keys read as options (and removed from the URL that is fetched).
    pub options: &'static [&'static str],
    pub build: Build,
}

/// Options every source reads: the page size and the timeout of each request.
const COMMON_OPTIONS: &[&str] = &["limit", "timeout", "retries"];

pub const SOURCES: &[SourceKind] = &[
    SourceKind {
        name: "communecter",
        about: "Communecter's REST API: organizations tagged TiersLieux, projects tagged Commun",
        options: &["key", "tags", "types"],
        build: super::communecter::Communecter::from_url,
    },
    SourceKind {
        name: "gogocarto",
        about: "a GoGoCarto map: /api/elements.json (or .jsonld) and /api/taxonomy.json",
        options: &["name"],
        build: super::gogocarto_harvest::GoGoCarto::from_url,
    },
    SourceKind {
        name: "mednum",
        about: "the schéma des lieux de médiation numérique, as CSV or JSON, from a file or a URL",
        options: &["name", "format"],
        build: super::mednum::Mednum::from_url,
    },
    SourceKind {
        name: "list",
        about: "a network's own list (CSV or JSON array) read with a TOML mapping file",
        options: &["name", "mapping"],
        build: super::list::NetworkList::from_url,
    },
];

/// The names of the sources, for the command line.
pub fn names() -> Vec<&'static str> {
    SOURCES.iter().map(|s| s.name).collect()
}

pub fn kind(name: &str) -> anyhow::Result<&'static SourceKind> {
    SOURCES.iter().find(|s| s.name == name).ok_or_else(|| {
        anyhow::anyhow!(
            "unknown harvest source {name:?}: use {}",
            names().join(", ")
        )
    })
}

/// Splits the options of `kind` off the URL: the URL that is fetched keeps any other query
/// parameter the partner needs.
fn url_options(kind: &SourceKind, url: &str) -> anyhow::Result<(String, HashMap<String, String>)> {
    let is_url = url.contains("://");
    if !is_url {
        // A local file: options after a `?` as well.
        let (path, query) = url.split_once('?').unwrap_or((url, ""));
        let params = url::form_urlencoded::parse(query.as_bytes())
            .map(|(k, v)| (k.into_owned(), v.into_owned()))
            .collect();
        return Ok((path.to_owned(), params));
    }
    let mut parsed =
        url::Url::parse(url).map_err(|e| anyhow::anyhow!("invalid --url {url}: {e}"))?;
    let mut params = HashMap::new();
    let mut kept = Vec::new();
    for (k, v) in parsed.query_pairs() {
        if kind.options.contains(&k.as_ref()) || COMMON_OPTIONS.contains(&k.as_ref()) {
            params.insert(k.into_owned(), v.into_owned());
        } else {
            kept.push((k.into_owned(), v.into_owned()));
        }
    }
    if kept.is_empty() {
        parsed.set_query(None);
    } else {
        parsed.query_pairs_mut().clear().extend_pairs(kept);
    }
    parsed.set_fragment(None);
    let text = parsed.as_str();
    let text = if parsed.query().is_none() {
        text.trim_end_matches('/')
    } else {
        text
    };
    Ok((text.to_owned(), params))
}

/// The options common to every source: `timeout` (seconds; also
/// `LIEUX_COMMUNS_HARVEST_TIMEOUT_S`), `limit` (page size, 1..=500), `retries`.
fn harvest_options(params: &HashMap<String, String>) -> anyhow::Result<HarvestOptions> {
    let mut options = HarvestOptions::default();
    let timeout = params
        .get("timeout")
        .cloned()
        .or_else(|| std::env::var("LIEUX_COMMUNS_HARVEST_TIMEOUT_S").ok());
    if let Some(t) = timeout {
        let seconds: f64 = t
            .parse()
            .map_err(|_| anyhow::anyhow!("invalid harvest timeout {t:?} (seconds)"))?;
        anyhow::ensure!(
            seconds > 0.0 && seconds.is_finite(),
            "the harvest timeout must be positive"
        );
        options.timeout = Duration::from_secs_f64(seconds);
    }
    if let Some(limit) = params.get("limit") {
        options.page_size = limit
            .parse()
            .ok()
            .filter(|n| (1..=500).contains(n))
            .ok_or_else(|| anyhow::anyhow!("invalid limit {limit:?} (1..=500)"))?;
    }
    if let Some(retries) = params.get("retries") {
        options.retry.retries = retries
            .parse()
            .ok()
            .filter(|n| *n <= 10)
            .ok_or_else(|| anyhow::anyhow!("invalid retries {retries:?} (0..=10)"))?;
    }
    Ok(options)
}

/// The source a name and a URL designate, and the options of its harvest.
pub fn source_for(name: &str, url: &str) -> anyhow::Result<(Box<dyn Source>, HarvestOptions)> {
    let kind = kind(name)?;
    let (root, params) = url_options(kind, url)?;
    let options = harvest_options(&params)?;
    Ok(((kind.build)(&root, &params)?, options))
}

impl Harvester {
    /// One harvest of `source` from a URL whose query string carries the options: what the
    /// command line and the server's scheduled harvests run.
    pub fn run_url(
        &self,
        source: &str,
        url: &str,
        progress: &dyn Fn(usize, usize),
    ) -> anyhow::Result<HarvestOutcome> {
        let (source, options) = source_for(source, url)?;
        Ok(self.harvest(source.as_ref(), &options, progress)?)
    }
}

/// `lieux-communs harvest SOURCE --url URL`: opens the configured store (no server state, no
/// fixtures), harvests and replaces the source's graph.
pub fn run_cli(
    source: &str,
    url: &str,
    config: &crate::config::Config,
    progress: &dyn Fn(usize, usize),
) -> anyhow::Result<HarvestOutcome> {
    // An unknown source or a bad option is said before the store is opened.
    source_for(source, url)?;
    Harvester::open(config)?.run_url(source, url, progress)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn options_leave_the_url_clean() {
        let kind = kind("communecter").unwrap();
        let (root, params) = url_options(
            kind,
            "https://www.communecter.org/?key=tierslieux&tags=TiersLieux",
        )
        .unwrap();
        assert_eq!(root, "https://www.communecter.org");
        assert_eq!(params["key"], "tierslieux");
    }

    #[test]
    fn other_parameters_stay_with_the_partner() {
        let kind = kind("mednum").unwrap();
        let (root, params) =
            url_options(kind, "https://data.example/export?dataset=lieux&name=hub").unwrap();
        assert_eq!(root, "https://data.example/export?dataset=lieux");
        assert_eq!(params["name"], "hub");
    }

    #[test]
    fn every_source_is_in_the_table_once() {
        let mut names = names();
        names.sort();
        names.dedup();
        assert_eq!(names.len(), SOURCES.len());
        assert!(kind("nope")
            .err()
            .unwrap()
            .to_string()
            .contains("communecter"));
    }
}
