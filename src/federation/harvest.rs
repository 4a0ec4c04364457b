//! Harvests: read a partner's export over HTTP (Communecter, GoGoCarto), map each record to our
//! vocabulary, check each record alone against the shapes (a record that fails is skipped and
//! reported), link the places that we already know (`owl:sameAs`), and replace the source's
//! graph in one validated, atomic write. Any failure of the source itself (HTTP error on any
//! page, timeout, malformed JSON) changes nothing.

use crate::config::Config;
use crate::resources::fold;
use crate::store::{now_literal, AppStore};
use crate::validation::{report_text, Change, Validator};
use crate::vocab;
use crate::writes::{Write, WriteError};
use oxigraph::model::{
    Graph, Literal, NamedNode, NamedNodeRef, NamedOrBlankNode, Quad, Term, Triple, TripleRef,
};
use serde_json::Value;
use std::collections::HashMap;
use std::str::FromStr;
use std::time::Duration;

use crate::vocab::XSD_BOOLEAN;
pub use crate::vocab::{OWL_SAME_AS, SCHEMA_SAME_AS, TL_COUNTRY, TL_SHORT_DESCRIPTION};

/// Default HTTP timeout of a harvest request (whole request, body included).
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);

/// A platform we harvest: how its records are read, and which graph they replace.
pub trait Source {
    fn graph_name(&self) -> String;
    /// Who the harvest's writes are attributed to in the meta graph.
    fn network(&self) -> String;
    /// Reads and maps every record; an error on any page is an error of the whole harvest.
    fn fetch(
        &self,
        store: &AppStore,
        options: &HarvestOptions,
        progress: impl Fn(usize, usize),
    ) -> Result<(Vec<Record>, HarvestOutcome), HarvestError>;

    /// Reads everything, then replaces the graph in one validated write (see `store_records`).
    fn harvest(
        &self,
        store: &AppStore,
        validator: &Validator,
        options: &HarvestOptions,
        progress: impl Fn(usize, usize),
    ) -> Result<HarvestOutcome, HarvestError> {
        let (records, outcome) = self.fetch(store, options, progress)?;
        store_records(
            store,
            validator,
            &self.graph_name(),
            &self.network(),
            records,
            outcome,
        )
    }
}

#[derive(Clone, Debug)]
pub struct HarvestOptions {
    /// Timeout of each HTTP request, from connection to the end of the body.
    pub timeout: Duration,
    /// Communecter page size (`/limit/{n}`, 1..=500).
    pub page_size: usize,
    /// Guard against sources that page forever.
    pub max_pages: usize,
    /// Certificate authorities trusted besides the public ones (`federation.ca_certificates`).
    pub roots: Vec<reqwest::Certificate>,
}

impl Default for HarvestOptions {
    fn default() -> Self {
        Self {
            timeout: DEFAULT_TIMEOUT,
            page_size: 100,
            max_pages: 10_000,
            roots: Vec::new(),
        }
    }
}

/// What a harvest did. `skipped` lists the records that were not stored, each with its source
/// id and the reason (shapes report or mapping problem).
#[derive(Clone, Debug, Default, serde::Serialize)]
pub struct HarvestOutcome {
    /// The graph the harvest replaced.
    pub graph: String,
    /// Records stored.
    pub harvested: usize,
    pub skipped: Vec<(String, String)>,
    /// Pages (HTTP responses) read.
    pub pages: usize,
    /// Records of the source that are not ours to take (e.g. organizations not tagged TiersLieux).
    pub ignored: usize,
    /// `owl:sameAs` links added to places already known from another graph.
    pub same_as: usize,
}

#[derive(Debug, thiserror::Error)]
pub enum HarvestError {
    #[error("GET {url}: HTTP status {status}")]
    Status { url: String, status: u16 },
    #[error("GET {url}: {message}")]
    Transport { url: String, message: String },
    #[error("GET {url}: malformed JSON: {message}")]
    Json { url: String, message: String },
    #[error("GET {url}: unexpected response: {message}")]
    Format { url: String, message: String },
    #[error("{0}")]
    Config(String),
    #[error("the harvested graph does not conform to the shapes in the context of the store, nothing was changed:\n{0}")]
    Invalid(String),
    #[error("cannot write the harvest: {0}")]
    Write(String),
}

/// One mapped record of a source, ready to be validated and stored.
#[derive(Clone, Debug)]
pub struct Record {
    /// The id in the source (for reports).
    pub id: String,
    pub iri: NamedNode,
    pub triples: Graph,
    /// Mapping problems found while reading the record: any makes it skipped.
    pub problems: Vec<String>,
}

/// Builds the triples of one record from JSON values.
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
            },
        }
    }

    pub fn iri(&self) -> NamedNode {
        self.record.iri.clone()
    }

    pub fn fragment(&self, name: &str) -> NamedNode {
        NamedNode::new_unchecked(format!("{}#{name}", self.record.iri.as_str()))
    }

    pub fn add(
        &mut self,
        subject: &NamedNode,
        predicate: NamedNodeRef<'_>,
        object: impl Into<Term>,
    ) {
        let object: Term = object.into();
        self.record.triples.insert(&Triple::new(
            subject.clone(),
            predicate.into_owned(),
            object,
        ));
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
            self.add(subject, predicate, literal);
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
            Value::Bool(b) => Some(Literal::new_typed_literal(b.to_string(), XSD_BOOLEAN)),
            Value::Array(_) | Value::Object(_) => {
                self.record.problems.push(format!(
                    "{field}: expected a single value, found {}",
                    kind_of(value?)
                ));
                None
            }
        }
    }

    /// Each string of a list (or a single string) as a `predicate` value.
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
                    self.scalar(subject, predicate, Some(item), field);
                }
            }
            other => self.scalar(subject, predicate, other, field),
        }
    }

    /// An xsd:decimal from a JSON number or a numeric string; anything else stays a literal of
    /// its own type, which the shapes reject.
    pub fn decimal(
        &mut self,
        subject: &NamedNode,
        predicate: NamedNodeRef<'_>,
        value: Option<&Value>,
        field: &str,
    ) {
        let literal = match value {
            Some(Value::Number(n)) => Some(decimal_literal(n).unwrap_or_else(|| number_literal(n))),
            Some(Value::String(s)) => match oxsdatatypes::Decimal::from_str(s.trim()) {
                Ok(d) => Some(Literal::from(d)),
                Err(_) => self.literal(value, field),
            },
            other => self.literal(other, field),
        };
        if let Some(literal) = literal {
            self.add(subject, predicate, literal);
        }
    }

    /// `tl:website`: an IRI; a bare domain gets `https://`; anything else stays a literal,
    /// which the shapes reject.
    pub fn website(&mut self, subject: &NamedNode, value: Option<&Value>, field: &str) {
        match value {
            Some(Value::String(s)) if !s.trim().is_empty() => {
                let s = s.trim();
                let iri = NamedNode::new(s).ok().or_else(|| {
                    (!s.contains("://"))
                        .then(|| NamedNode::new(format!("https://{s}")).ok())
                        .flatten()
                });
                match iri {
                    Some(iri) => self.add(subject, vocab::WEBSITE, iri),
                    None => self.add(subject, vocab::WEBSITE, Literal::new_simple_literal(s)),
                }
            }
            other => self.scalar(subject, vocab::WEBSITE, other, field),
        }
    }

    /// A schema.org-style `PostalAddress` object as the `{iri}#address` node.
    pub fn address(&mut self, value: Option<&Value>, field: &str) {
        let Some(value) = value else { return };
        let Value::Object(address) = value else {
            if !value.is_null() {
                self.record.problems.push(format!(
                    "{field}: expected an object, found {}",
                    kind_of(value)
                ));
            }
            return;
        };
        let node = self.fragment("address");
        let before = self.record.triples.len();
        for (key, property) in [
            ("streetAddress", vocab::STREET_ADDRESS),
            ("postalCode", vocab::POSTAL_CODE),
            ("addressLocality", vocab::LOCALITY),
            ("addressRegion", vocab::REGION),
            ("addressCountry", TL_COUNTRY),
        ] {
            self.scalar(&node, property, address.get(key), &format!("{field}.{key}"));
        }
        if self.record.triples.len() > before {
            let iri = self.iri();
            self.add(&iri, vocab::ADDRESS, node.clone());
            self.add(&node, vocab::RDF_TYPE, vocab::POSTAL_ADDRESS);
        }
    }

    /// Latitude and longitude as the `{iri}#geo` node (both or nothing).
    pub fn geo(&mut self, latitude: Option<&Value>, longitude: Option<&Value>, field: &str) {
        let present = |v: Option<&Value>| v.is_some_and(|v| !v.is_null() && v != "");
        if !present(latitude) || !present(longitude) {
            return;
        }
        let node = self.fragment("geo");
        let iri = self.iri();
        self.add(&iri, vocab::GEO, node.clone());
        self.add(&node, vocab::RDF_TYPE, vocab::GEO_COORDINATES);
        self.decimal(
            &node,
            vocab::LATITUDE,
            latitude,
            &format!("{field}.latitude"),
        );
        self.decimal(
            &node,
            vocab::LONGITUDE,
            longitude,
            &format!("{field}.longitude"),
        );
    }

    /// `dct:source`, `schema:sameAs` and `dct:modified`.
    pub fn provenance(&mut self, source: Option<&str>, same_as: Option<&str>, now: &Literal) {
        let iri = self.iri();
        if let Some(node) = source.and_then(|s| NamedNode::new(s).ok()) {
            self.add(&iri, vocab::DCT_SOURCE, node);
        }
        if let Some(node) = same_as.and_then(|s| NamedNode::new(s).ok()) {
            self.add(&iri, SCHEMA_SAME_AS, node);
        }
        self.add(&iri, vocab::DCT_MODIFIED, now.clone());
    }

    pub fn finish(self) -> Record {
        self.record
    }
}

fn kind_of(value: &Value) -> &'static str {
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

fn decimal_literal(n: &serde_json::Number) -> Option<Literal> {
    // f64's Display never uses an exponent, unlike JSON: "4.5e-5" becomes "0.000045".
    let text = match n.as_f64() {
        Some(f) if !(n.is_i64() || n.is_u64()) => format!("{f}"),
        _ => n.to_string(),
    };
    oxsdatatypes::Decimal::from_str(&text)
        .ok()
        .map(Literal::from)
}

/// The current time as the `dct:modified` of harvested records.
pub fn harvest_time() -> Literal {
    now_literal()
}

/// A blocking HTTP client with the harvest timeout.
pub fn client(options: &HarvestOptions) -> Result<reqwest::blocking::Client, HarvestError> {
    super::client_builder(&options.roots)
        .timeout(options.timeout)
        .build()
        .map_err(|e| HarvestError::Config(format!("cannot build the HTTP client: {e}")))
}

/// GET a JSON document; any HTTP error, timeout or malformed body is an error naming the URL.
pub fn fetch_json(client: &reqwest::blocking::Client, url: &str) -> Result<Value, HarvestError> {
    let body = fetch(client, url, "application/json")?;
    serde_json::from_slice(&body).map_err(|e| HarvestError::Json {
        url: url.to_owned(),
        message: e.to_string(),
    })
}

/// The body of a successful GET, read within the client's timeout.
pub fn fetch(
    client: &reqwest::blocking::Client,
    url: &str,
    accept: &str,
) -> Result<Vec<u8>, HarvestError> {
    let transport = |e: reqwest::Error| {
        // The cause (refused certificate, connection reset…) is down the source chain.
        let mut message = if e.is_timeout() {
            format!("timed out ({e})")
        } else {
            e.to_string()
        };
        let mut cause = std::error::Error::source(&e);
        while let Some(c) = cause {
            message.push_str(&format!(": {c}"));
            cause = c.source();
        }
        HarvestError::Transport {
            url: url.to_owned(),
            message,
        }
    };
    let response = client
        .get(url)
        .header(reqwest::header::ACCEPT, accept)
        .send()
        .map_err(transport)?;
    let status = response.status();
    if !status.is_success() {
        return Err(HarvestError::Status {
            url: url.to_owned(),
            status: status.as_u16(),
        });
    }
    Ok(response.bytes().map_err(transport)?.to_vec())
}

/// Validates each record alone, links the places already known elsewhere, and replaces
/// `graph` with the records that conform, in one atomic write validated in the context of the
/// store. `network` names the source in the provenance record of the meta graph.
pub fn store_records(
    store: &AppStore,
    validator: &Validator,
    graph_name: &str,
    network: &str,
    records: Vec<Record>,
    mut outcome: HarvestOutcome,
) -> Result<HarvestOutcome, HarvestError> {
    let graph = store.graph(graph_name);
    outcome.graph = graph.as_str().to_owned();
    let mut accepted = Vec::new();
    let mut seen = std::collections::HashSet::new();
    for record in records {
        if !record.problems.is_empty() {
            outcome
                .skipped
                .push((record.id.clone(), record.problems.join("; ")));
            continue;
        }
        if !seen.insert(record.iri.clone()) {
            outcome.skipped.push((
                record.id.clone(),
                "the same record appears twice in the source".into(),
            ));
            continue;
        }
        let report = validator.validate(&record.triples);
        if !report.conforms {
            let text = report_text(&report);
            let reason: Vec<&str> = text
                .lines()
                .filter(|l| !l.starts_with("does not conform"))
                .collect();
            outcome.skipped.push((record.id.clone(), reason.join("; ")));
            continue;
        }
        accepted.push(record);
    }
    for (id, reason) in &outcome.skipped {
        tracing::warn!(graph = %graph, id, reason, "harvested record skipped");
    }
    let mut same_as = 0;
    let result = crate::writes::commit_write(store, validator, |store| {
        let mut remove = Graph::new();
        for quad in store
            .store
            .quads_for_pattern(None, None, None, Some(graph.as_ref().into()))
        {
            remove.insert(&Triple::from(quad?));
        }
        let known = KnownPlaces::read(store, &graph)?;
        let mut add = Graph::new();
        for record in &accepted {
            for t in record.triples.iter() {
                add.insert(t);
            }
            for existing in known.matches(record) {
                add.insert(TripleRef::new(&record.iri, OWL_SAME_AS, &existing));
                same_as += 1;
            }
        }
        // What stays the same is left in place by `commit_write` (`Change::unchanged`).
        Ok(Write {
            network: network.to_owned(),
            graph: graph.clone(),
            change: Change { add, remove },
            resources: Vec::new(),
        })
    });
    match result {
        Ok(_) => {}
        Err(WriteError::Invalid(report)) => {
            return Err(HarvestError::Invalid(report_text(&report)))
        }
        Err(e) => return Err(HarvestError::Write(e.to_string())),
    }
    outcome.harvested = accepted.len();
    outcome.same_as = same_as;
    Ok(outcome)
}

/// The places of every graph but the harvested one, by normalised website and by normalised
/// name + postal code.
struct KnownPlaces {
    by_website: HashMap<String, Vec<NamedNode>>,
    by_name_postal: HashMap<(String, String), Vec<NamedNode>>,
}

impl KnownPlaces {
    fn read(store: &AppStore, harvested: &NamedNode) -> Result<Self, WriteError> {
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

    fn matches(&self, record: &Record) -> Vec<NamedNode> {
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

fn term_text(term: &Term) -> String {
    match term {
        Term::NamedNode(n) => n.as_str().to_owned(),
        Term::Literal(l) => l.value().to_owned(),
        other => other.to_string(),
    }
}

/// `https://www.Example.org/` and `http://example.org` are the same website.
fn website_key(website: &str) -> Option<String> {
    let lower = website.trim().to_lowercase();
    let rest = lower.split_once("://").map_or(lower.as_str(), |(_, r)| r);
    let rest = rest.strip_prefix("www.").unwrap_or(rest);
    let rest = rest.trim_end_matches('/');
    (!rest.is_empty()).then(|| rest.to_owned())
}

fn name_key(name: &str) -> String {
    fold(name).split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Options of a CLI harvest, read from the query string of `--url` (removed from the URL):
/// `key`, `tags`, `types` (Communecter), `name` (GoGoCarto graph name), `limit` (page size),
/// `timeout` (seconds). The timeout also reads `LIEUX_COMMUNS_HARVEST_TIMEOUT_S`.
fn cli_parameters(url: &str) -> anyhow::Result<(String, HashMap<String, String>)> {
    let mut parsed =
        url::Url::parse(url).map_err(|e| anyhow::anyhow!("invalid --url {url}: {e}"))?;
    let params: HashMap<String, String> = parsed
        .query_pairs()
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    parsed.set_query(None);
    parsed.set_fragment(None);
    Ok((parsed.as_str().trim_end_matches('/').to_owned(), params))
}

/// `lieux-communs harvest communecter|gogocarto --url URL`: opens the configured store,
/// harvests and replaces the source's graph. `progress(pages, records)` is called after each
/// page read.
pub fn run_cli(
    source: &str,
    url: &str,
    config: &Config,
    progress: impl Fn(usize, usize),
) -> anyhow::Result<HarvestOutcome> {
    let state = crate::build_state(config.clone())?;
    run_url(source, url, &state, progress)
}

/// One harvest from a URL whose query string carries the options (key, tags, types, name,
/// limit, timeout): what the CLI and the server's scheduled harvests run.
pub fn run_url(
    source: &str,
    url: &str,
    state: &crate::http::AppState,
    progress: impl Fn(usize, usize),
) -> anyhow::Result<HarvestOutcome> {
    let (store, validator) = (&state.store, &state.validator);
    let (root, params) = cli_parameters(url)?;
    let mut options = HarvestOptions {
        roots: state.trusted_roots.to_vec(),
        ..HarvestOptions::default()
    };
    let timeout = params
        .get("timeout")
        .cloned()
        .or_else(|| std::env::var("LIEUX_COMMUNS_HARVEST_TIMEOUT_S").ok());
    if let Some(t) = timeout {
        let seconds: f64 = t
            .parse()
            .map_err(|_| anyhow::anyhow!("invalid harvest timeout {t:?} (seconds)"))?;
        anyhow::ensure!(seconds > 0.0, "the harvest timeout must be positive");
        options.timeout = Duration::from_secs_f64(seconds);
    }
    if let Some(limit) = params.get("limit") {
        options.page_size = limit
            .parse()
            .ok()
            .filter(|n| (1..=500).contains(n))
            .ok_or_else(|| anyhow::anyhow!("invalid limit {limit:?} (1..=500)"))?;
    }
    harvest_with(source, &root, &params, &options, store, validator, progress)
}

/// Runs one harvest of `source` from `root` into the store (used by the CLI and the scheduler).
pub fn harvest_with(
    source: &str,
    root: &str,
    params: &HashMap<String, String>,
    options: &HarvestOptions,
    store: &AppStore,
    validator: &Validator,
    progress: impl Fn(usize, usize),
) -> anyhow::Result<HarvestOutcome> {
    let options = options.clone();
    let outcome = match source {
        "communecter" => {
            let mut harvester = super::communecter::Communecter::new(root);
            harvester.key = params.get("key").cloned();
            harvester.tags = params.get("tags").cloned();
            if let Some(types) = params.get("types") {
                harvester.types = super::communecter::ElementType::parse_list(types)?;
            }
            harvester.harvest(store, validator, &options, progress)?
        }
        "gogocarto" => {
            let mut harvester = super::gogocarto_harvest::GoGoCarto::new(root);
            if let Some(name) = params.get("name") {
                harvester.name = crate::writes::slugify(name);
            }
            harvester.harvest(store, validator, &options, progress)?
        }
        other => anyhow::bail!("unknown harvest source {other:?}: use communecter or gogocarto"),
    };
    Ok(outcome)
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

    #[test]
    fn cli_parameters_leave_the_url_clean() {
        let (root, params) =
            cli_parameters("https://www.communecter.org/?key=tierslieux&tags=TiersLieux").unwrap();
        assert_eq!(root, "https://www.communecter.org");
        assert_eq!(params["key"], "tierslieux");
    }

    #[test]
    fn json_numbers_become_decimals() {
        let n: serde_json::Number = serde_json::from_str("4.5e-5").unwrap();
        assert_eq!(decimal_literal(&n).unwrap().value(), "0.000045");
    }
}
