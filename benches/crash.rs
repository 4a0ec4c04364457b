//! Nothing accepted is lost: several clients stream validated writes (POST, PUT, DELETE, and
//! imports, some large enough for the bulk loader) at a real server process on a RocksDB store,
//! which is killed with SIGKILL at random moments and started again on the same store each time.
//! After every restart each client reads its network's graph back and checks it against what it
//! was answered: every write answered 2xx is there (a DELETE answered 2xx is gone), every write
//! left without an answer is wholly there or wholly absent, all its resources together. At the
//! end the store is exported and validated against the shapes. Figures in
//! `bench-results/crash.md`.
//!
//! `./dev.sh bench crash` (= `cargo bench --bench crash`); `-- --kills N --clients N --seed N`.

mod process;

use oxigraph::io::{RdfFormat, RdfParser};
use oxigraph::model::{Literal, NamedNode, Term, Triple};
use process::{Server, TempDir, BASE};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use reqwest::blocking::Client;
use serde_json::{json, Value};
use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::path::Path;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Condvar, Mutex};
use std::time::{Duration, Instant};

const TL: &str = "https://w3id.org/tiers-lieux/ns#";
const RDF_TYPE: &str = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type";
const XSD_DECIMAL: &str = "http://www.w3.org/2001/XMLSchema#decimal";
const DCT_MODIFIED: &str = "http://purl.org/dc/terms/modified";
/// Networks of the fixtures the written places are members of, in turn, so that a version
/// changes IRIs as well as literals.
const MEMBER_OF: [&str; 2] = ["rfflab", "france-tiers-lieux"];
/// Places per bulk import: past the 10 000 triples (17 a place) from which a write of new
/// resources goes through Oxigraph's bulk loader instead of a transaction.
const BULK_PLACES: usize = 620;
const KINDS: [&str; 5] = [
    "POST /places",
    "PUT /places/{slug}",
    "DELETE /places/{slug}",
    "POST /import (3 places)",
    "POST /import (620 new places, bulk loader)",
];

fn main() {
    if !process::benchmarking("crash") {
        return;
    }
    let kills: usize = process::option("--kills").unwrap_or(25);
    let clients: usize = process::option("--clients").unwrap_or(4);
    let seed: u64 = process::option("--seed").unwrap_or(7);
    let report = run(kills, clients, seed);
    let path = process::results_dir().join("crash.md");
    std::fs::write(&path, &report).expect("bench-results/crash.md");
    println!("{report}\nwritten to {}", path.display());
}

/// A write and the state it leaves each of its resources in: a version, or gone.
#[derive(Clone, Debug)]
struct Write {
    kind: usize,
    effects: Vec<(String, Option<u32>)>,
}

#[derive(Clone, Copy, Default)]
struct Counts {
    sent: usize,
    acked: usize,
    /// Answered 4xx or 503: refused, so not applied.
    refused: usize,
    /// Answered 5xx other than 503.
    failed: usize,
    /// Sent, and the connection ended without an answer.
    unanswered: usize,
    /// No connection: the server was down, the write never reached it.
    undelivered: usize,
    found_applied: usize,
    found_absent: usize,
}

/// What one client knows of its network's graph from the answers it got.
struct Model {
    client: usize,
    network: String,
    token: String,
    /// Every resource it ever wrote: its version, or `None` once deleted.
    resources: BTreeMap<String, Option<u32>>,
    next_slug: usize,
    /// A write sent to the server of that epoch and not answered: applied or not, the next
    /// check after that server died finds out which.
    pending: Option<(Write, u64)>,
    /// Resources a check found in no state any write could have left: left out of later
    /// checks and writes, so that one fault is reported once.
    poisoned: BTreeSet<String>,
    counts: [Counts; KINDS.len()],
    checks: usize,
    failed_checks: usize,
    /// Unexpected answers (4xx, 5xx) to valid writes, the first few.
    odd_answers: Vec<String>,
}

struct Shared {
    /// The epoch (one per server start) and the running server's URL.
    server: Mutex<(u64, String)>,
    restarted: Condvar,
    /// The last epoch each client checked its graph in.
    checked: Mutex<Vec<u64>>,
    check_done: Condvar,
    stop: AtomicBool,
    violations: Mutex<Vec<String>>,
    bulk_left: AtomicUsize,
}

impl Shared {
    fn current(&self) -> (u64, String) {
        self.server.lock().unwrap().clone()
    }

    /// Waits until a server started after `epoch` listens (that server of `epoch` is dead, so
    /// nothing sent to it can still apply), or the run stops.
    fn wait_past(&self, epoch: u64) {
        let mut server = self.server.lock().unwrap();
        while server.0 <= epoch && !self.stop.load(Ordering::Relaxed) {
            server = self
                .restarted
                .wait_timeout(server, Duration::from_millis(200))
                .unwrap()
                .0;
        }
    }

    fn violation(&self, text: String) {
        eprintln!("VIOLATION: {text}");
        self.violations.lock().unwrap().push(text);
    }
}

fn iri(slug: &str) -> String {
    format!("{BASE}places/{slug}")
}

fn decimal(v: u32, degrees: u32) -> String {
    // Ends in 1: a trailing 0 would not survive the store's canonical form of decimals.
    format!("{degrees}.{}1", 1000 + v)
}

/// The JSON-LD document of version `v` of a place: every value carries the version, so that a
/// resource mixing two versions, or missing a part, is seen.
fn document(slug: &str, v: u32) -> Value {
    let id = iri(slug);
    json!({
        "@id": id,
        "type": "Place",
        "name": format!("Crash {slug} v{v}"),
        "description": format!("Version {v} of {slug}, written under SIGKILL."),
        "email": format!("v{v}@{slug}.example.org"),
        "website": format!("https://{slug}.example.org/v{v}/"),
        "memberOf": [format!("{BASE}networks/{}", MEMBER_OF[v as usize % 2])],
        "address": {
            "@id": format!("{id}#address"),
            "type": "PostalAddress",
            "streetAddress": format!("{} rue des Pannes", v + 1),
            "postalCode": format!("{:05}", 10_000 + v % 89_999),
            "locality": format!("Crashville {v}"),
            "region": "Bretagne",
        },
        "geo": {
            "@id": format!("{id}#geo"),
            "type": "GeoCoordinates",
            "latitude": decimal(v, 45),
            "longitude": decimal(v, 4),
        },
    })
}

fn with_context(mut document: Value) -> Value {
    document["@context"] = json!(format!("{BASE}context.jsonld"));
    document
}

/// The triples `document(slug, v)` stores, in N-Triples; none for a resource gone.
fn triples(slug: &str, version: Option<u32>) -> BTreeSet<String> {
    let Some(v) = version else {
        return BTreeSet::new();
    };
    let node = |s: String| NamedNode::new_unchecked(s);
    let tl = |local: &str| node(format!("{TL}{local}"));
    let text = |s: String| Term::from(Literal::new_simple_literal(s));
    let place = node(iri(slug));
    let address = node(format!("{}#address", iri(slug)));
    let geo = node(format!("{}#geo", iri(slug)));
    let rdf_type = node(RDF_TYPE.into());
    let number = |s: String| Term::from(Literal::new_typed_literal(s, node(XSD_DECIMAL.into())));
    [
        (&place, rdf_type.clone(), tl("Place").into()),
        (&place, tl("name"), text(format!("Crash {slug} v{v}"))),
        (
            &place,
            tl("description"),
            text(format!("Version {v} of {slug}, written under SIGKILL.")),
        ),
        (
            &place,
            tl("email"),
            text(format!("v{v}@{slug}.example.org")),
        ),
        (
            &place,
            tl("website"),
            node(format!("https://{slug}.example.org/v{v}/")).into(),
        ),
        (
            &place,
            tl("memberOf"),
            node(format!("{BASE}networks/{}", MEMBER_OF[v as usize % 2])).into(),
        ),
        (&place, tl("address"), address.clone().into()),
        (&place, tl("geo"), geo.clone().into()),
        (&address, rdf_type.clone(), tl("PostalAddress").into()),
        (
            &address,
            tl("streetAddress"),
            text(format!("{} rue des Pannes", v + 1)),
        ),
        (
            &address,
            tl("postalCode"),
            text(format!("{:05}", 10_000 + v % 89_999)),
        ),
        (&address, tl("locality"), text(format!("Crashville {v}"))),
        (&address, tl("region"), text("Bretagne".into())),
        (&geo, rdf_type, tl("GeoCoordinates").into()),
        (&geo, tl("latitude"), number(decimal(v, 45))),
        (&geo, tl("longitude"), number(decimal(v, 4))),
    ]
    .into_iter()
    .map(|(s, p, o)| Triple::new(s.clone(), p, o).to_string())
    .collect()
}

/// What a set of triples is, in words: absent, a version, or what is partial about it.
fn describe(slug: &str, found: &BTreeSet<String>) -> String {
    if found.is_empty() {
        return "absent".into();
    }
    let versions: BTreeSet<u32> = found
        .iter()
        .filter_map(|t| {
            let at = t.find(&format!("Crash {slug} v"))? + format!("Crash {slug} v").len();
            t[at..]
                .split(|c: char| !c.is_ascii_digit())
                .next()?
                .parse()
                .ok()
        })
        .collect();
    if versions.len() == 1 {
        let v = *versions.iter().next().unwrap();
        let whole = triples(slug, Some(v));
        if &whole == found {
            return format!("v{v}");
        }
        let missing: Vec<_> = whole.difference(found).take(3).collect();
        let extra: Vec<_> = found.difference(&whole).take(3).collect();
        return format!(
            "v{v} partial ({} triples of {}; missing {missing:?}; extra {extra:?})",
            found.len(),
            whole.len()
        );
    }
    format!(
        "{} triples naming versions {versions:?}: {:?}",
        found.len(),
        found.iter().take(4).collect::<Vec<_>>()
    )
}

fn state_name(state: Option<u32>) -> String {
    state.map_or("absent".into(), |v| format!("v{v}"))
}

/// A graph of the store, read through the Graph Store protocol: N-Triples by subject.
fn read_graph(http: &Client, url: &str, graph: &str) -> Result<Vec<(String, String)>, String> {
    let response = http
        .get(format!("{url}/store"))
        .query(&[("graph", graph)])
        .header("accept", "application/n-triples")
        .send()
        .map_err(|e| format!("GET /store?graph={graph}: {e}"))?;
    let status = response.status();
    if status == reqwest::StatusCode::NOT_FOUND {
        return Ok(Vec::new());
    }
    let bytes = response
        .bytes()
        .map_err(|e| format!("GET /store?graph={graph}: {e}"))?;
    if !status.is_success() {
        return Err(format!(
            "GET /store?graph={graph}: {status} {}",
            String::from_utf8_lossy(&bytes)
        ));
    }
    RdfParser::from_format(RdfFormat::NTriples)
        .for_slice(&bytes[..])
        .map(|q| {
            let q = q.map_err(|e| format!("GET /store?graph={graph}: {e}"))?;
            let subject = q.subject.to_string();
            Ok((
                subject.trim_matches(['<', '>']).to_owned(),
                Triple::new(q.subject, q.predicate, q.object).to_string(),
            ))
        })
        .collect()
}

impl Model {
    fn new(client: usize) -> Self {
        Self {
            client,
            network: format!("crash-{client}"),
            token: format!("crash-token-{client}"),
            resources: BTreeMap::new(),
            next_slug: 0,
            pending: None,
            poisoned: BTreeSet::new(),
            counts: [Counts::default(); KINDS.len()],
            checks: 0,
            failed_checks: 0,
            odd_answers: Vec::new(),
        }
    }

    fn new_slug(&mut self) -> String {
        self.next_slug += 1;
        format!("crash-{}-{}", self.client, self.next_slug)
    }

    fn present(&self) -> Vec<(String, u32)> {
        self.resources
            .iter()
            .filter(|(slug, _)| !self.poisoned.contains(*slug))
            .filter_map(|(slug, v)| Some((slug.clone(), (*v)?)))
            .collect()
    }

    fn next_write(&mut self, rng: &mut ChaCha8Rng, shared: &Shared) -> Write {
        let present = self.present();
        let pick = rng.random_range(0.0..1.0);
        if !present.is_empty()
            && pick < 0.004
            && shared
                .bulk_left
                .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |n| n.checked_sub(1))
                .is_ok()
        {
            let effects = (0..BULK_PLACES)
                .map(|_| (self.new_slug(), Some(0)))
                .collect();
            return Write { kind: 4, effects };
        }
        if present.is_empty() || pick < 0.30 {
            return Write {
                kind: 0,
                effects: vec![(self.new_slug(), Some(0))],
            };
        }
        let (slug, v) = present[rng.random_range(0..present.len())].clone();
        if pick < 0.55 {
            Write {
                kind: 1,
                effects: vec![(slug, Some(v + 1))],
            }
        } else if pick < 0.70 {
            Write {
                kind: 2,
                effects: vec![(slug, None)],
            }
        } else {
            // Two new places and one replaced: creation and replacement in one commit.
            Write {
                kind: 3,
                effects: vec![
                    (self.new_slug(), Some(0)),
                    (slug, Some(v + 1)),
                    (self.new_slug(), Some(0)),
                ],
            }
        }
    }

    fn request(
        &self,
        http: &Client,
        url: &str,
        write: &Write,
    ) -> reqwest::blocking::RequestBuilder {
        let (slug, state) = &write.effects[0];
        let request = match write.kind {
            0 => http
                .post(format!("{url}/places"))
                .body(with_context(document(slug, state.unwrap())).to_string()),
            1 => http
                .put(format!("{url}/places/{slug}"))
                .body(with_context(document(slug, state.unwrap())).to_string()),
            2 => http.delete(format!("{url}/places/{slug}")),
            _ => {
                let graph: Vec<Value> = write
                    .effects
                    .iter()
                    .map(|(slug, v)| document(slug, v.unwrap()))
                    .collect();
                http.post(format!("{url}/import"))
                    .body(with_context(json!({ "@graph": graph })).to_string())
            }
        };
        request
            .bearer_auth(&self.token)
            .header("content-type", "application/ld+json")
            .header("prefer", "return=minimal")
    }

    /// Sends a write to the server of `epoch` and learns what its answer (or its lack) says.
    fn send(&mut self, http: &Client, url: &str, epoch: u64, write: Write, shared: &Shared) {
        let kind = write.kind;
        self.counts[kind].sent += 1;
        match self.request(http, url, &write).send() {
            Ok(response) => {
                let status = response.status();
                if status.is_success() {
                    self.counts[kind].acked += 1;
                    for (slug, state) in write.effects {
                        self.resources.insert(slug, state);
                    }
                    return;
                }
                let text = response.text().unwrap_or_default();
                let line = format!(
                    "{} {}: {status} {}",
                    KINDS[kind],
                    write.effects[0].0,
                    text.chars().take(300).collect::<String>()
                );
                if status.is_server_error() && status != reqwest::StatusCode::SERVICE_UNAVAILABLE {
                    self.counts[kind].failed += 1;
                    shared.violation(format!("5xx answer to a valid write: {line}"));
                } else {
                    self.counts[kind].refused += 1;
                }
                if self.odd_answers.len() < 5 {
                    self.odd_answers.push(line);
                }
                // A refused new resource was never written: its slug stays unused.
                for (slug, _) in &write.effects {
                    self.resources.entry(slug.clone()).or_insert(None);
                }
            }
            Err(error) if error.is_connect() => {
                self.counts[kind].undelivered += 1;
                for (slug, _) in &write.effects {
                    self.resources.entry(slug.clone()).or_insert(None);
                }
                shared.wait_past(epoch);
            }
            Err(_) => {
                self.counts[kind].unanswered += 1;
                self.pending = Some((write, epoch));
                shared.wait_past(epoch);
            }
        }
    }

    /// Reads the network's graph and provenance back and judges them against the answers.
    fn check(
        &mut self,
        http: &Client,
        url: &str,
        shared: &Shared,
        when: &str,
    ) -> Result<(), String> {
        let graph = read_graph(http, url, &format!("{BASE}graphs/{}", self.network))?;
        let meta = read_graph(http, url, &format!("{BASE}graphs/meta"))?;
        let prefix = format!("{BASE}places/crash-{}-", self.client);
        let mut found: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
        for (subject, triple) in graph {
            let Some(slug) = subject
                .split('#')
                .next()
                .filter(|s| s.starts_with(&prefix))
                .map(|s| s[BASE.len() + "places/".len()..].to_owned())
            else {
                shared.violation(format!(
                    "{when}: client {}: a triple of no written resource in its graph: {triple}",
                    self.client
                ));
                continue;
            };
            found.entry(slug).or_default().insert(triple);
        }
        let mut dated: BTreeMap<String, usize> = BTreeMap::new();
        for (subject, triple) in meta {
            if subject.starts_with(&prefix) && triple.contains(DCT_MODIFIED) {
                *dated
                    .entry(subject[BASE.len() + "places/".len()..].to_owned())
                    .or_default() += 1;
            }
        }
        let empty = BTreeSet::new();
        let seen = |slug: &str| found.get(slug).unwrap_or(&empty);
        self.checks += 1;

        // The write left without an answer: all its resources as before, or all as after.
        if let Some((write, _)) = self.pending.take() {
            let before = |slug: &String| self.resources.get(slug).copied().flatten();
            let as_before = write
                .effects
                .iter()
                .all(|(slug, _)| seen(slug) == &triples(slug, before(slug)));
            let as_after = write
                .effects
                .iter()
                .all(|(slug, after)| seen(slug) == &triples(slug, *after));
            if as_after {
                self.counts[write.kind].found_applied += 1;
                for (slug, state) in write.effects {
                    self.resources.insert(slug, state);
                }
            } else if as_before {
                self.counts[write.kind].found_absent += 1;
                for (slug, _) in write.effects {
                    self.resources.entry(slug).or_insert(None);
                }
            } else {
                let detail: Vec<String> = write
                    .effects
                    .iter()
                    .take(6)
                    .map(|(slug, after)| {
                        format!(
                            "{slug}: before {}, after {}, found {}",
                            state_name(before(slug)),
                            state_name(*after),
                            describe(slug, seen(slug))
                        )
                    })
                    .collect();
                shared.violation(format!(
                    "{when}: client {}: an unanswered {} is partly applied: {}",
                    self.client,
                    KINDS[write.kind],
                    detail.join("; ")
                ));
                for (slug, _) in write.effects {
                    self.resources.entry(slug.clone()).or_insert(None);
                    self.poisoned.insert(slug);
                }
            }
        }

        // Everything answered: exactly as the answers left it.
        let slugs: BTreeSet<String> = self.resources.keys().chain(found.keys()).cloned().collect();
        for slug in slugs {
            if self.poisoned.contains(&slug) {
                continue;
            }
            let Some(&expected) = self.resources.get(&slug) else {
                shared.violation(format!(
                    "{when}: client {}: {slug} was never written, found {}",
                    self.client,
                    describe(&slug, seen(&slug))
                ));
                self.poisoned.insert(slug);
                continue;
            };
            if seen(&slug) != &triples(&slug, expected) {
                shared.violation(format!(
                    "{when}: client {}: {slug} was left {} by answered writes, found {}",
                    self.client,
                    state_name(expected),
                    describe(&slug, seen(&slug))
                ));
                self.poisoned.insert(slug.clone());
                continue;
            }
            let dates = dated.get(&slug).copied().unwrap_or(0);
            if dates > 1 || (expected.is_some() && dates != 1) {
                shared.violation(format!(
                    "{when}: client {}: {slug} ({}) has {dates} dct:modified in graphs/meta",
                    self.client,
                    state_name(expected)
                ));
                self.poisoned.insert(slug);
            }
        }
        Ok(())
    }
}

fn client_loop(shared: &Shared, mut model: Model, seed: u64) -> Model {
    let http = process::client();
    let mut rng = ChaCha8Rng::seed_from_u64(seed.wrapping_mul(1_000_003) + model.client as u64);
    let mut checked = 0;
    while !shared.stop.load(Ordering::Relaxed) {
        let (epoch, url) = shared.current();
        if let Some((_, sent_to)) = &model.pending {
            if *sent_to >= epoch {
                shared.wait_past(*sent_to);
                continue;
            }
        }
        if epoch > checked {
            if let Err(why) = model.check(&http, &url, shared, &format!("after start {epoch}")) {
                // The server died under the check, or could not answer it: read again.
                model.failed_checks += 1;
                if model.odd_answers.len() < 5 && !why.contains("error sending request") {
                    model.odd_answers.push(why);
                }
                std::thread::sleep(Duration::from_millis(50));
                continue;
            }
            checked = epoch;
            shared.checked.lock().unwrap()[model.client] = epoch;
            shared.check_done.notify_all();
        }
        let write = model.next_write(&mut rng, shared);
        model.send(&http, &url, epoch, write, shared);
    }
    model
}

/// Server start times and the store's validation, for the report.
struct Run {
    cold_start: Duration,
    restarts: Vec<Duration>,
    kills: usize,
    writing: Duration,
    baseline: Validation,
    last: Validation,
    unrestartable: Option<String>,
}

struct Validation {
    conforms: Option<bool>,
    quads: usize,
    results: usize,
    excerpt: String,
}

/// `lieux-communs export` of the stopped store, then `lieux-communs validate` of the export.
fn validate_store(dir: &Path, store: &Path, name: &str) -> Validation {
    let file = dir.join(format!("{name}.nq"));
    let failed = |why: String| Validation {
        conforms: None,
        quads: 0,
        results: 0,
        excerpt: why,
    };
    match process::cli(
        dir,
        &[
            "export",
            "--store",
            store.to_str().unwrap(),
            "--base-iri",
            BASE,
            "--out",
            file.to_str().unwrap(),
        ],
    ) {
        Ok(out) if out.status.success() => {}
        Ok(out) => {
            return failed(format!(
                "export failed: {}",
                String::from_utf8_lossy(&out.stderr)
            ))
        }
        Err(e) => return failed(e),
    }
    // `validate` takes one graph: the union of the store's graphs, as SPARQL's default graph.
    let Ok(exported) = std::fs::read(&file) else {
        return failed(format!("cannot read {}", file.display()));
    };
    let mut quads = 0;
    let mut union = BTreeSet::new();
    for quad in RdfParser::from_format(RdfFormat::NQuads).for_slice(&exported[..]) {
        match quad {
            Ok(q) => {
                quads += 1;
                union.insert(Triple::from(q).to_string());
            }
            Err(e) => return failed(format!("the export does not parse: {e}")),
        }
    }
    let merged = dir.join(format!("{name}.nt"));
    let text: String = union.into_iter().map(|t| t + " .\n").collect();
    if let Err(e) = std::fs::write(&merged, text) {
        return failed(format!("cannot write {}: {e}", merged.display()));
    }
    match process::cli(
        dir,
        &["validate", merged.to_str().unwrap(), "--base-iri", BASE],
    ) {
        Ok(out) => {
            let text = String::from_utf8_lossy(&out.stdout).into_owned();
            let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
            let conforms = match out.status.code() {
                Some(0) => Some(true),
                Some(1) => Some(false),
                _ => None,
            };
            Validation {
                conforms,
                quads,
                // The text report: one line per result, its severity first.
                results: text
                    .lines()
                    .filter(|l| {
                        ["Violation:", "Warning:", "Info:"]
                            .iter()
                            .any(|s| l.trim_start().starts_with(s))
                    })
                    .count(),
                excerpt: text
                    .lines()
                    .chain(stderr.lines())
                    .take(12)
                    .collect::<Vec<_>>()
                    .join("\n"),
            }
        }
        Err(e) => failed(e),
    }
}

fn run(kills: usize, clients: usize, seed: u64) -> String {
    let dir = TempDir::new("crash-bench");
    let store = dir.0.join("store");
    let networks: Vec<(String, String)> = (0..clients)
        .map(|c| (format!("crash-{c}"), format!("crash-token-{c}")))
        .collect();
    let config = process::write_config(&dir.0, &networks, "");

    // A first start loads the fixtures into the new store; stopped cleanly, its export is the
    // baseline the final validation is compared with.
    let (mut server, cold_start) = process::start(&dir.0, &config, &store);
    assert!(
        server.terminate(Duration::from_secs(30)),
        "the server did not stop on SIGTERM"
    );
    drop(server);
    let baseline = validate_store(&dir.0, &store, "baseline");
    eprintln!(
        "baseline: conforms {:?}, {} quads\n{}",
        baseline.conforms, baseline.quads, baseline.excerpt
    );

    let (server, _) = process::start(&dir.0, &config, &store);
    let shared = Shared {
        server: Mutex::new((1, server.url.clone())),
        restarted: Condvar::new(),
        checked: Mutex::new(vec![0; clients]),
        check_done: Condvar::new(),
        stop: AtomicBool::new(false),
        violations: Mutex::new(Vec::new()),
        bulk_left: AtomicUsize::new(8),
    };
    let mut server = Some(server);
    let mut restarts = Vec::new();
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut unrestartable = None;
    let started = Instant::now();
    let mut killed = 0;
    let models: Vec<Model> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..clients)
            .map(|c| {
                let shared = &shared;
                scope.spawn(move || client_loop(shared, Model::new(c), seed))
            })
            .collect();
        for kill in 1..=kills {
            // Every client has checked its graph on this server, then writes for a while.
            let epoch = shared.current().0;
            {
                let checked = shared.checked.lock().unwrap();
                let _ = shared
                    .check_done
                    .wait_timeout_while(checked, Duration::from_secs(120), |c| {
                        c.iter().any(|&e| e < epoch)
                    })
                    .unwrap();
            }
            std::thread::sleep(Duration::from_millis(rng.random_range(150..2500)));
            process::kill(server.take().unwrap());
            killed += 1;
            match restart(&dir.0, &config, &store) {
                Ok((next, took)) => {
                    restarts.push(took);
                    let mut current = shared.server.lock().unwrap();
                    *current = (current.0 + 1, next.url.clone());
                    shared.restarted.notify_all();
                    server = Some(next);
                }
                Err(why) => {
                    unrestartable = Some(format!("after kill {kill}: {why}"));
                    shared.violation(format!(
                        "the server did not start again after kill {kill}: {why}"
                    ));
                    break;
                }
            }
            eprintln!("kill {kill}/{kills}: restarted in {:?}", restarts.last());
        }
        shared.stop.store(true, Ordering::Relaxed);
        shared.restarted.notify_all();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    let writing = started.elapsed();

    // One last kill with the clients stopped, then every graph checked on the new server.
    let mut models = models;
    if let Some(last) = server.take() {
        process::kill(last);
        killed += 1;
        match restart(&dir.0, &config, &store) {
            Ok((next, took)) => {
                restarts.push(took);
                let http = process::client();
                for model in &mut models {
                    if let Err(e) = model.check(&http, &next.url, &shared, "final") {
                        shared.violation(format!("final check of client {}: {e}", model.client));
                    }
                }
                server = Some(next);
            }
            Err(why) => {
                shared.violation(format!(
                    "the server did not start again after the last kill: {why}"
                ));
                unrestartable = Some(why);
            }
        }
    }
    if let Some(mut last) = server.take() {
        last.terminate(Duration::from_secs(30));
    }
    let last = validate_store(&dir.0, &store, "final");
    let run = Run {
        cold_start,
        restarts,
        kills: killed,
        writing,
        baseline,
        last,
        unrestartable,
    };
    let violations = shared.violations.into_inner().unwrap();
    report(&run, &models, &violations, clients, seed)
}

/// Starts the server again on the store it was killed on.
fn restart(dir: &Path, config: &Path, store: &Path) -> Result<(Server, Duration), String> {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        process::start(dir, config, store)
    }))
    .map_err(|panic| {
        panic
            .downcast_ref::<String>()
            .cloned()
            .or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()))
            .unwrap_or_default()
    })
}

fn report(run: &Run, models: &[Model], violations: &[String], clients: usize, seed: u64) -> String {
    let mut totals = [Counts::default(); KINDS.len()];
    for model in models {
        for (total, counts) in totals.iter_mut().zip(&model.counts) {
            total.sent += counts.sent;
            total.acked += counts.acked;
            total.refused += counts.refused;
            total.failed += counts.failed;
            total.unanswered += counts.unanswered;
            total.undelivered += counts.undelivered;
            total.found_applied += counts.found_applied;
            total.found_absent += counts.found_absent;
        }
    }
    let sum = |f: fn(&Counts) -> usize| totals.iter().map(f).sum::<usize>();
    let mut restarts = run.restarts.clone();
    restarts.sort();
    let ms = |d: &Duration| d.as_secs_f64() * 1000.0;
    let present: usize = models
        .iter()
        .map(|m| m.resources.values().filter(|v| v.is_some()).count())
        .sum();
    let checks: usize = models.iter().map(|m| m.checks).sum();
    let failed_checks: usize = models.iter().map(|m| m.failed_checks).sum();

    let mut out = String::new();
    let verdict = if violations.is_empty() && run.unrestartable.is_none() {
        "**0 violations**"
    } else {
        "**VIOLATIONS FOUND** (listed below)"
    };
    let _ = writeln!(out, "# Crash benchmark — writes under SIGKILL\n");
    let _ = writeln!(
        out,
        "`./dev.sh bench crash` (benches/crash.rs): {clients} clients, each a network of its own \
         with its own token, stream validated writes at `lieux-communs serve` (release build, \
         RocksDB store, fixtures loaded) for {:.0} s; the server is killed with SIGKILL {} times \
         ({} while the clients wrote, one after they stopped), each time after every client has \
         checked its graph on the running server and a random 0.15–2.5 s of writes, and started \
         again on the same store. Seed {seed}.\n",
        run.writing.as_secs_f64(),
        run.kills,
        run.kills.saturating_sub(1),
    );
    let _ = writeln!(out, "Verdict: {verdict}.\n");
    let _ = writeln!(
        out,
        "| write | sent | answered 2xx | refused (4xx, 503) | 5xx | sent, no answer | of which found applied / absent | not delivered (server down) |"
    );
    let _ = writeln!(out, "|---|---:|---:|---:|---:|---:|---:|---:|");
    for (kind, c) in KINDS.iter().zip(&totals) {
        let _ = writeln!(
            out,
            "| {kind} | {} | {} | {} | {} | {} | {} / {} | {} |",
            c.sent,
            c.acked,
            c.refused,
            c.failed,
            c.unanswered,
            c.found_applied,
            c.found_absent,
            c.undelivered
        );
    }
    let _ = writeln!(
        out,
        "| **all** | {} | {} | {} | {} | {} | {} / {} | {} |\n",
        sum(|c| c.sent),
        sum(|c| c.acked),
        sum(|c| c.refused),
        sum(|c| c.failed),
        sum(|c| c.unanswered),
        sum(|c| c.found_applied),
        sum(|c| c.found_absent),
        sum(|c| c.undelivered)
    );
    let _ = writeln!(out, "| figure | value |\n|---|---:|");
    let _ = writeln!(out, "| kills (SIGKILL) | {} |", run.kills);
    let _ = writeln!(
        out,
        "| first start on a new store (fixtures loaded) | {:.0} ms |",
        ms(&run.cold_start)
    );
    if !restarts.is_empty() {
        let _ = writeln!(
            out,
            "| restart after SIGKILL, until it listens: min / median / max | {:.0} / {:.0} / {:.0} ms |",
            ms(&restarts[0]),
            ms(&restarts[restarts.len() / 2]),
            ms(restarts.last().unwrap())
        );
    }
    let _ = writeln!(
        out,
        "| graph checks (every client after every start, and a final one) | {checks} |"
    );
    let _ = writeln!(
        out,
        "| checks cut short (the server killed under them) and made again | {failed_checks} |"
    );
    let _ = writeln!(
        out,
        "| places in the store at the end (written by the clients) | {present} |"
    );
    let _ = writeln!(out, "| violations found | **{}** |", violations.len());
    let describe = |v: &Validation| match v.conforms {
        Some(true) => format!("conforms ({} quads)", v.quads),
        Some(false) => format!(
            "does not conform: {} results ({} quads)",
            v.results, v.quads
        ),
        None => format!("not validated: {}", v.excerpt),
    };
    let _ = writeln!(
        out,
        "| shapes, the store after its first start (export + `lieux-communs validate`) | {} |",
        describe(&run.baseline)
    );
    let _ = writeln!(
        out,
        "| shapes, the store at the end (export + `lieux-communs validate`) | {} |\n",
        describe(&run.last)
    );
    if run.last.conforms != Some(true) {
        let _ = writeln!(
            out,
            "Validation of the final export:\n```\n{}\n```\n",
            run.last.excerpt
        );
    }
    let _ = writeln!(
        out,
        "What is checked, after every start and at the end, by each client on its network's graph \
         (read through `GET /store?graph=…` as N-Triples) and on `graphs/meta`:\n\n\
         - every place whose last answered write was 2xx holds exactly the 16 triples of that \
         version (a DELETE answered 2xx: none), and exactly one `dct:modified`;\n\
         - a write sent and left without an answer (the connection died with the server) is \
         found wholly applied or wholly absent: all of its places (3 for an import, {BULK_PLACES} \
         for a bulk import) in their state before it, or all in their state after it;\n\
         - nothing else is in the graph; no place has two `dct:modified`.\n\n\
         A refused write (4xx) counts as not applied and is checked as such. \
         Every value of a version carries its number (name, description, address, coordinates, \
         website, network), so a place mixing two versions or missing a node is seen."
    );
    let odd: Vec<&String> = models.iter().flat_map(|m| &m.odd_answers).collect();
    if !odd.is_empty() {
        let _ = writeln!(out, "\nUnexpected answers to valid writes (first few):\n");
        for line in odd.iter().take(10) {
            let _ = writeln!(out, "- {line}");
        }
    }
    if !violations.is_empty() {
        let _ = writeln!(out, "\nViolations:\n");
        for v in violations.iter().take(30) {
            let _ = writeln!(out, "- {v}");
        }
    }
    out
}
