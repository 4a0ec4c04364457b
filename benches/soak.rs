//! Soak: a mixed load on a real server process holding the synthetic dataset — GETs of
//! resources and collections, the partner SPARQL queries, validated POSTs and `/validate`, 32
//! connections — for 30 s, then for 60 s on a fresh copy of the same store. Every answer is
//! counted by kind (5xx other than the SPARQL endpoint's documented 503 must be 0), with p50/p99
//! latencies, requests/s, and the memory of the server and of its forked query processes; the
//! memory of the 60 s run must not exceed that of the 30 s run by more than 10 %. Figures in
//! `bench-results/soak.md`.
//!
//! `./dev.sh bench soak` (= `cargo bench --bench soak`); `-- --short S --long S --connections N`.

mod process;
mod support;

use lieux_communs::generate::{self, Sizes};
use oxigraph::io::RdfFormat;
use oxigraph::model::GraphName;
use process::{Memory, TempDir, BASE};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use reqwest::blocking::Client;
use serde_json::json;
use std::fmt::Write as _;
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};
use support::queries;

const TOKEN: &str = "soak-token";

/// The kinds of request, each with its share of the load (out of 100).
const RESOURCE: usize = 0;
const COLLECTION: usize = 1;
/// Kinds 2 to 7: the six partner queries.
const SPARQL: usize = 2;
const POST: usize = 8;
const VALIDATE: usize = 9;
const KINDS: usize = 10;
const SHARES: [u32; KINDS] = [35, 15, 3, 3, 3, 3, 3, 3, 17, 15];

fn kind_name(kind: usize, queries: &[(&'static str, String)]) -> String {
    match kind {
        RESOURCE => "GET a resource (JSON-LD, Turtle or HTML)".into(),
        COLLECTION => "GET a collection (filters, pages)".into(),
        POST => "POST /places (validated write)".into(),
        VALIDATE => "POST /validate?context=store".into(),
        k => format!("SPARQL: {}", queries[k - SPARQL].0),
    }
}

#[derive(Default)]
struct Stats {
    latencies: Vec<Duration>,
    ok: usize,
    /// 4xx: none is expected, each is a fault of the bench or of the server.
    client_errors: usize,
    /// 503: documented for SPARQL (query timeout, every query slot taken).
    busy: usize,
    /// Any other 5xx.
    server_errors: usize,
    /// No answer at all.
    transport_errors: usize,
    examples: Vec<String>,
}

impl Stats {
    fn merge(&mut self, other: Stats) {
        self.latencies.extend(other.latencies);
        self.ok += other.ok;
        self.client_errors += other.client_errors;
        self.busy += other.busy;
        self.server_errors += other.server_errors;
        self.transport_errors += other.transport_errors;
        for e in other.examples {
            if self.examples.len() < 3 {
                self.examples.push(e);
            }
        }
    }

    fn count(&self) -> usize {
        self.ok + self.client_errors + self.busy + self.server_errors + self.transport_errors
    }
}

/// Memory over a run, in kB.
#[derive(Default)]
struct MemoryTrace {
    /// The server's VmHWM at the end of the run: its peak resident memory, kept by the kernel.
    hwm: u64,
    peak_rss: u64,
    /// The peak of the forked query processes alive at one sample, their RSS summed (their
    /// pages shared copy-on-write with the server counted in each) and their PSS summed
    /// (shared pages divided among the sharers).
    peak_children: usize,
    peak_children_rss: u64,
    peak_children_pss: u64,
    /// The peak of server + children PSS at one sample: what the service held in all.
    peak_total_pss: u64,
    /// The server's RSS at the middle and at the end of the run.
    rss_half: u64,
    rss_end: u64,
    samples: usize,
}

struct Run {
    seconds: u64,
    start: Duration,
    elapsed: Duration,
    stats: Vec<Stats>,
    memory: MemoryTrace,
    posted: usize,
    /// The server's log lines at WARN and ERROR.
    logged: Vec<String>,
    /// The load average before the server started and after the run.
    loadavg: (String, String),
}

fn main() {
    if !process::benchmarking("soak") {
        return;
    }
    let short: u64 = process::option("--short").unwrap_or(30);
    let long: u64 = process::option("--long").unwrap_or(60);
    let connections: usize = process::option("--connections").unwrap_or(32);

    let dir = TempDir::new("soak-bench");
    let started = Instant::now();
    let quads = generate::generate(
        &lieux_communs::vocab::Base::new(BASE),
        &Sizes::default(),
        42,
        &GraphName::DefaultGraph,
    );
    let data = dir.0.join("synthetic.nt");
    std::fs::write(
        &data,
        lieux_communs::rdf::serialize_quads(&quads, RdfFormat::NTriples)
            .expect("the dataset as N-Triples"),
    )
    .expect("the dataset file");
    let loaded = dir.0.join("loaded");
    let load = process::cli(
        &dir.0,
        &[
            "load",
            data.to_str().unwrap(),
            "--graph",
            "synthetic",
            "--store",
            loaded.to_str().unwrap(),
            "--base-iri",
            BASE,
        ],
    )
    .expect("lieux-communs load");
    assert!(
        load.status.success(),
        "lieux-communs load: {}",
        String::from_utf8_lossy(&load.stderr)
    );
    eprintln!(
        "{} quads generated and loaded in {:.1} s",
        quads.len(),
        started.elapsed().as_secs_f64()
    );
    let config = process::write_config(&dir.0, &[("soak".to_owned(), TOKEN.to_owned())], "");

    let runs: Vec<Run> = [(short, "a"), (long, "b")]
        .into_iter()
        .map(|(seconds, tag)| {
            let store = dir.0.join(format!("store-{tag}"));
            process::copy_dir(&loaded, &store).expect("a copy of the loaded store");
            let run = run(&dir.0, &config, &store, seconds, connections, tag);
            let _ = std::fs::remove_dir_all(&store);
            run
        })
        .collect();
    let report = report(&runs, quads.len(), connections);
    let path = process::results_dir().join("soak.md");
    std::fs::write(&path, &report).expect("bench-results/soak.md");
    println!("{report}\nwritten to {}", path.display());
}

fn run(
    dir: &Path,
    config: &Path,
    store: &Path,
    seconds: u64,
    connections: usize,
    tag: &str,
) -> Run {
    let load_before = loadavg();
    let (mut server, start) = process::start(dir, config, store);
    let pid = server.child.id();
    let url = server.url.clone();
    let queries = queries(BASE);
    let stop = AtomicBool::new(false);
    let trace = Mutex::new(MemoryTrace::default());
    let started = Instant::now();
    let deadline = started + Duration::from_secs(seconds);
    let (stats, posted) = std::thread::scope(|scope| {
        let sampler = scope.spawn(|| sample(pid, &stop, &trace, started, seconds));
        let workers: Vec<_> = (0..connections)
            .map(|worker| {
                let (url, queries) = (&url, &queries);
                scope.spawn(move || load(url, queries, worker, tag, deadline))
            })
            .collect();
        let mut stats: Vec<Stats> = (0..KINDS).map(|_| Stats::default()).collect();
        let mut posted = 0;
        for worker in workers {
            let (own, created) = worker.join().unwrap();
            posted += created;
            for (all, mine) in stats.iter_mut().zip(own) {
                all.merge(mine);
            }
        }
        stop.store(true, Ordering::Relaxed);
        sampler.join().unwrap();
        (stats, posted)
    });
    let elapsed = started.elapsed();
    let mut memory = trace.into_inner().unwrap();
    let end = process::memory(pid).unwrap_or_default();
    memory.hwm = end.hwm;
    memory.rss_end = end.rss;
    let logged = server
        .logged()
        .iter()
        .filter(|l| l.contains("ERROR") || l.contains("WARN"))
        .cloned()
        .collect::<Vec<_>>();
    server.terminate(Duration::from_secs(30));
    Run {
        seconds,
        start,
        elapsed,
        stats,
        memory,
        posted,
        logged,
        loadavg: (load_before, loadavg()),
    }
}

/// The machine's 1-minute load average: the cores are shared, and the figures depend on it.
fn loadavg() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .ok()
        .and_then(|l| l.split_whitespace().next().map(str::to_owned))
        .unwrap_or_else(|| "?".into())
}

/// Reads the server's and its children's memory every 200 ms.
fn sample(pid: u32, stop: &AtomicBool, trace: &Mutex<MemoryTrace>, started: Instant, seconds: u64) {
    while !stop.load(Ordering::Relaxed) {
        let Some(server) = process::memory(pid) else {
            break;
        };
        let children: Vec<Memory> = process::children(pid)
            .into_iter()
            .filter_map(process::memory)
            .collect();
        let rss: u64 = children.iter().map(|m| m.rss).sum();
        let pss: u64 = children.iter().map(|m| m.pss).sum();
        let mut t = trace.lock().unwrap();
        t.samples += 1;
        t.peak_rss = t.peak_rss.max(server.rss);
        t.peak_children = t.peak_children.max(children.len());
        t.peak_children_rss = t.peak_children_rss.max(rss);
        t.peak_children_pss = t.peak_children_pss.max(pss);
        t.peak_total_pss = t.peak_total_pss.max(server.pss + pss);
        if t.rss_half == 0 && started.elapsed() >= Duration::from_secs(seconds) / 2 {
            t.rss_half = server.rss;
        }
        drop(t);
        std::thread::sleep(Duration::from_millis(200));
    }
}

/// One connection: requests of random kinds, one at a time, until the deadline.
fn load(
    url: &str,
    queries: &[(&'static str, String)],
    worker: usize,
    tag: &str,
    deadline: Instant,
) -> (Vec<Stats>, usize) {
    let http = process::client();
    let mut rng = ChaCha8Rng::seed_from_u64(worker as u64 * 7919 + tag.len() as u64);
    let mut stats: Vec<Stats> = (0..KINDS).map(|_| Stats::default()).collect();
    let total: u32 = SHARES.iter().sum();
    let mut posted = 0;
    while Instant::now() < deadline {
        let mut pick = rng.random_range(0..total);
        let kind = SHARES
            .iter()
            .position(|&share| {
                if pick < share {
                    true
                } else {
                    pick -= share;
                    false
                }
            })
            .unwrap();
        let request = request(&http, url, queries, kind, &mut rng, worker, tag, posted);
        let sent = Instant::now();
        let outcome = request.send().and_then(|r| {
            let status = r.status();
            r.bytes().map(|body| (status, body))
        });
        let took = sent.elapsed();
        let stats = &mut stats[kind];
        match outcome {
            Ok((status, body)) => {
                stats.latencies.push(took);
                if status.is_success() {
                    stats.ok += 1;
                    if kind == POST {
                        posted += 1;
                    }
                    continue;
                }
                if status == reqwest::StatusCode::SERVICE_UNAVAILABLE {
                    stats.busy += 1;
                } else if status.is_server_error() {
                    stats.server_errors += 1;
                } else {
                    stats.client_errors += 1;
                }
                if stats.examples.len() < 3 {
                    stats.examples.push(format!(
                        "{status} {}",
                        String::from_utf8_lossy(&body)
                            .chars()
                            .take(300)
                            .collect::<String>()
                    ));
                }
            }
            Err(error) => {
                stats.transport_errors += 1;
                if stats.examples.len() < 3 {
                    stats.examples.push(error.to_string());
                }
            }
        }
    }
    (stats, posted)
}

/// A place of the synthetic networks, in JSON-LD (a write) or Turtle (a validation).
fn place(slug: &str, network: usize) -> serde_json::Value {
    let id = format!("{BASE}places/{slug}");
    json!({
        "@context": format!("{BASE}context.jsonld"),
        "@id": id,
        "type": "Place",
        "name": format!("Soak {slug}"),
        "description": format!("Written by the soak benchmark ({slug})."),
        "memberOf": [format!("{BASE}networks/synthetic-network-{network:02}")],
        "address": {
            "@id": format!("{id}#address"),
            "type": "PostalAddress",
            "streetAddress": "1 rue de la Charge",
            "postalCode": "69007",
            "locality": "Lyon",
        },
        "geo": { "@id": format!("{id}#geo"), "type": "GeoCoordinates", "latitude": "45.75", "longitude": "4.84" },
    })
}

#[allow(clippy::too_many_arguments)]
fn request(
    http: &Client,
    url: &str,
    queries: &[(&'static str, String)],
    kind: usize,
    rng: &mut ChaCha8Rng,
    worker: usize,
    tag: &str,
    posted: usize,
) -> reqwest::blocking::RequestBuilder {
    match kind {
        RESOURCE => {
            let path = match rng.random_range(0..4) {
                0 => format!("places/synthetic-place-{:04}", rng.random_range(0..3_500)),
                1 => format!("commons/synthetic-commons-{:04}", rng.random_range(0..800)),
                2 => format!(
                    "contributors/synthetic-contributor-{:05}",
                    rng.random_range(0..20_000)
                ),
                _ => format!(
                    "pledges/synthetic-pledge-{:05}",
                    rng.random_range(0..30_000)
                ),
            };
            let accept = match rng.random_range(0..10) {
                0..7 => "application/ld+json",
                7..9 => "text/turtle",
                _ => "text/html",
            };
            http.get(format!("{url}/{path}")).header("accept", accept)
        }
        COLLECTION => {
            let path = match rng.random_range(0..5) {
                0 => format!(
                    "places?network=synthetic-network-{:02}&page={}",
                    rng.random_range(0..12),
                    rng.random_range(1..4)
                ),
                1 => "places?q=lyon".to_owned(),
                2 => format!("commons?page={}", rng.random_range(1..20)),
                3 => format!(
                    "pledges?commons=synthetic-commons-{:04}",
                    rng.random_range(0..800)
                ),
                _ => format!("contributors?page={}", rng.random_range(1..100)),
            };
            http.get(format!("{url}/{path}"))
                .header("accept", "application/ld+json")
        }
        POST => {
            let slug = format!("soak-{tag}-{worker}-{posted}");
            http.post(format!("{url}/places"))
                .bearer_auth(TOKEN)
                .header("content-type", "application/ld+json")
                .body(place(&slug, rng.random_range(0..12)).to_string())
        }
        VALIDATE => {
            let mut body = place(&format!("validate-{worker}"), rng.random_range(0..12));
            // One in ten without its name: a report with a violation, answered 200 as well.
            if rng.random_range(0..10) == 0 {
                body.as_object_mut().unwrap().remove("name");
            }
            http.post(format!("{url}/validate?context=store"))
                .header("content-type", "application/ld+json")
                .header("accept", "text/plain")
                .body(body.to_string())
        }
        sparql => http
            .get(format!("{url}/sparql"))
            .query(&[("query", queries[sparql - SPARQL].1.as_str())]),
    }
}

fn mb(kb: u64) -> String {
    format!("{:.0} MB", kb as f64 / 1024.0)
}

fn report(runs: &[Run], quads: usize, connections: usize) -> String {
    let queries = queries(BASE);
    let mut out = String::new();
    let _ = writeln!(
        out,
        "# Soak benchmark — mixed load on the synthetic dataset\n"
    );
    let _ = writeln!(
        out,
        "`./dev.sh bench soak` (benches/soak.rs): `lieux-communs serve` (release build) on a \
         RocksDB store holding the synthetic dataset ({quads} quads, `lieux_communs::generate`, \
         loaded with `lieux-communs load`), {connections} connections, each sending one request \
         at a time, of a kind drawn at random by these shares: GET a resource 35 %, GET a \
         collection 15 %, the six partner SPARQL queries of benches/bench.rs 3 % each, a \
         validated `POST /places` 17 %, `POST /validate?context=store` 15 %. The load tool runs \
         on the same 2 cores as the server. Each run starts a server on a fresh copy of the \
         loaded store.\n"
    );
    let mut failures = Vec::new();
    for run in runs {
        let total: usize = run.stats.iter().map(Stats::count).sum();
        let secs = run.elapsed.as_secs_f64();
        let _ = writeln!(
            out,
            "## {} s run: {total} requests, {:.0} requests/s\n\nLoad average of the machine \
             (2 cores) before the run {}, after it {}.\n",
            run.seconds,
            total as f64 / secs,
            run.loadavg.0,
            run.loadavg.1
        );
        let _ = writeln!(
            out,
            "| request | count | req/s | p50 | p99 | 2xx | 4xx | 503 | other 5xx | no answer |"
        );
        let _ = writeln!(out, "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
        for (kind, stats) in run.stats.iter().enumerate() {
            let mut sorted = stats.latencies.clone();
            sorted.sort();
            let _ = writeln!(
                out,
                "| {} | {} | {:.0} | {:.1} ms | {:.1} ms | {} | {} | {} | {} | {} |",
                kind_name(kind, &queries),
                stats.count(),
                stats.count() as f64 / secs,
                process::quantile_ms(&sorted, 0.5),
                process::quantile_ms(&sorted, 0.99),
                stats.ok,
                stats.client_errors,
                stats.busy,
                stats.server_errors,
                stats.transport_errors
            );
            let undocumented = stats.server_errors
                + stats.transport_errors
                + stats.client_errors
                + if (SPARQL..POST).contains(&kind) {
                    0
                } else {
                    stats.busy
                };
            if undocumented > 0 {
                failures.push(format!(
                    "{} s run, {}: {} 4xx, {} 503, {} other 5xx, {} without answer; e.g. {:?}",
                    run.seconds,
                    kind_name(kind, &queries),
                    stats.client_errors,
                    stats.busy,
                    stats.server_errors,
                    stats.transport_errors,
                    stats.examples
                ));
            }
        }
        let m = &run.memory;
        let _ = writeln!(
            out,
            "\nServer started in {:.1} s; {} places created by the POSTs. Memory ({} samples, \
             one every 200 ms): server VmHWM **{}** (peak RSS sampled {}, RSS at mid-run {}, at \
             the end {}); forked query processes: at most {} at one sample, their RSS summed {} \
             (pages shared with the server counted in each), their PSS summed {}; server + \
             children PSS at its peak {}.\n",
            run.start.as_secs_f64(),
            run.posted,
            m.samples,
            mb(m.hwm),
            mb(m.peak_rss),
            mb(m.rss_half),
            mb(m.rss_end),
            m.peak_children,
            mb(m.peak_children_rss),
            mb(m.peak_children_pss),
            mb(m.peak_total_pss),
        );
    }
    for run in runs {
        if !run.logged.is_empty() {
            let _ = writeln!(
                out,
                "Server log, {} s run: {} lines at WARN or ERROR; the first ones:\n```",
                run.seconds,
                run.logged.len()
            );
            for line in run.logged.iter().take(8) {
                let _ = writeln!(out, "{}", line.chars().take(400).collect::<String>());
            }
            let _ = writeln!(out, "```\n");
        }
    }
    if let [short, long] = runs {
        let growth = |a: u64, b: u64| (b as f64 - a as f64) / a as f64 * 100.0;
        let hwm = growth(short.memory.hwm, long.memory.hwm);
        let pss = growth(short.memory.peak_total_pss, long.memory.peak_total_pss);
        let _ = writeln!(
            out,
            "## Memory growth, {} s run to {} s run\n",
            short.seconds, long.seconds
        );
        let _ = writeln!(
            out,
            "| measure | {} s | {} s | growth | goal |",
            short.seconds, long.seconds
        );
        let _ = writeln!(out, "|---|---:|---:|---:|---:|");
        let _ = writeln!(
            out,
            "| server VmHWM (peak resident memory of the server process) | {} | {} | {hwm:+.1} % | ≤ +10 % |",
            mb(short.memory.hwm),
            mb(long.memory.hwm)
        );
        let _ = writeln!(
            out,
            "| server + forked query processes, PSS, peak of the samples | {} | {} | {pss:+.1} % | |",
            mb(short.memory.peak_total_pss),
            mb(long.memory.peak_total_pss)
        );
        if hwm > 10.0 {
            failures.push(format!(
                "the server's VmHWM grew by {hwm:.1} % from the {} s run to the {} s run",
                short.seconds, long.seconds
            ));
        }
        let _ = writeln!(out);
    }
    if failures.is_empty() {
        let _ = writeln!(
            out,
            "Verdict: **pass** — no 5xx but the SPARQL endpoint's documented 503s (counted \
             apart), no 4xx, every request answered, memory within 10 %."
        );
    } else {
        let _ = writeln!(out, "Verdict: **FAIL**\n");
        for f in failures {
            let _ = writeln!(out, "- {f}");
        }
    }
    out
}
