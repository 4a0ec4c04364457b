//! The fuzz targets, written once for the short runs of `tests/fuzz.rs` and the long ones of
//! `benches/fuzz.rs`: every input surface of the service (write bodies, SPARQL queries and
//! protocol, Accept and Content-Type, slugs and paging, harvest payloads) fed seeded, mutated
//! and generated inputs, with panics, 5xx answers and connections to a canary counted.
//!
//! HTTP surfaces are driven in-process (`tower::ServiceExt::oneshot` on the real router, all
//! layers included), which is what makes a million inputs affordable; harvests read their
//! payloads from files, the way the harvesters read a local export, so no input can reach the
//! network.
#![allow(dead_code)]

pub mod gen;
pub mod seeds;
pub mod targets;

use axum::body::Body;
use axum::http::Request;
use gen::FuzzRng;
use lieux_communs::config::{Config, NetworkConfig};
use lieux_communs::http::AppState;
use rand::SeedableRng;
use std::collections::BTreeMap;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::Mutex;
use std::time::{Duration, Instant};

pub const BASE: &str = "http://lieux.test/";
pub const RFFLAB_TOKEN: &str = "t-rfflab";
pub const COMPAGNIE_TOKEN: &str = "t-compagnie";
pub const ADMIN_TOKEN: &str = "t-admin";

/// The targets, by the name `./dev.sh bench fuzz NAME` takes.
pub const TARGETS: &[&str] = &[
    "jsonld-writes",
    "turtle-writes",
    "sparql-queries",
    "sparql-protocol",
    "headers",
    "slugs-paging",
    "communecter",
    "gogocarto",
];

/// When a run stops: after so many inputs, or past this time (checked between inputs).
#[derive(Clone, Copy, Debug)]
pub struct Budget {
    pub inputs: u64,
    pub time: Duration,
}

/// What one input led to.
#[derive(Debug)]
pub enum Outcome {
    /// An HTTP answer.
    Status(u16),
    /// A request HTTP cannot carry (a client could not send it either): counted apart.
    Unsendable,
    /// A library call that took the input (a harvest stored, a slug minted).
    Accepted,
    /// A library call that refused the input with an error of its own (the source's fault).
    Refused,
    /// A library call that failed in a way no input should cause (the analogue of a 5xx).
    Internal(String),
}

/// A failing input, kept for the report (the first few of a run).
#[derive(Debug, Clone)]
pub struct Failure {
    pub index: u64,
    pub what: String,
    pub input: String,
}

/// The counts of one run.
#[derive(Debug, Clone, Default)]
pub struct Report {
    pub target: String,
    pub seed: u64,
    pub inputs: u64,
    pub elapsed: Duration,
    /// HTTP statuses (or, for library targets, 200 accepted / 400 refused / 500 internal).
    pub statuses: BTreeMap<u16, u64>,
    pub panics: u64,
    /// 5xx other than 503, and library failures.
    pub server_errors: u64,
    pub failures: Vec<Failure>,
    /// Connections the canary address received: remote contexts, SERVICE, LOAD or harvest
    /// links that were followed. Must stay 0.
    pub canary_connections: u64,
    /// Server restarts (to bound the store's growth, or after a panic).
    pub restarts: u64,
    /// Inputs that no HTTP client could send (not submitted).
    pub unsendable: u64,
}

impl Report {
    pub fn class(&self, class: u16) -> u64 {
        self.statuses
            .iter()
            .filter(|(s, _)| **s / 100 == class)
            .map(|(_, n)| n)
            .sum()
    }

    pub fn count(&self, status: u16) -> u64 {
        self.statuses.get(&status).copied().unwrap_or(0)
    }

    pub fn rate(&self) -> f64 {
        self.inputs as f64 / self.elapsed.as_secs_f64().max(1e-9)
    }

    pub fn is_clean(&self) -> bool {
        self.panics == 0 && self.server_errors == 0 && self.canary_connections == 0
    }

    pub fn summary(&self) -> String {
        format!(
            "{}: seed {}, {} inputs in {:.1} s ({:.0}/s); 2xx {}, 3xx {}, 4xx {}, 503 {}, other 5xx {}, panics {}, canary {}, restarts {}",
            self.target,
            self.seed,
            self.inputs,
            self.elapsed.as_secs_f64(),
            self.rate(),
            self.class(2),
            self.class(3),
            self.class(4),
            self.count(503),
            self.server_errors,
            self.panics,
            self.canary_connections,
            self.restarts,
        )
    }

    /// The failures kept, with what to replay them.
    pub fn failures_text(&self) -> String {
        let mut text = String::new();
        for f in &self.failures {
            text.push_str(&format!(
                "--- {} input #{} (seed {}): {}\n{}\n",
                self.target, f.index, self.seed, f.what, f.input
            ));
        }
        text
    }
}

/// One surface: how its inputs are made, and how one is submitted.
pub trait Target {
    type Input: std::fmt::Debug;
    fn generate(&mut self, rng: &mut FuzzRng) -> Self::Input;
    fn execute(&mut self, input: &Self::Input) -> Outcome;
    /// Starts again from a fresh state (a new store).
    fn restart(&mut self);
    /// Inputs after which the state is restarted, so that the store does not grow without end.
    fn restart_every(&self) -> u64 {
        u64::MAX
    }
    /// Connections received by the canary so far.
    fn canary_connections(&self) -> u64;
}

/// Each input has its own generator, derived from the seed and its number, so that one input
/// of a long run can be made again alone.
pub fn input_rng(seed: u64, index: u64) -> FuzzRng {
    FuzzRng::seed_from_u64(seed ^ index.wrapping_mul(0x9E37_79B9_7F4A_7C15))
}

const KEPT_FAILURES: usize = 10;

pub fn run<T: Target>(name: &str, target: &mut T, seed: u64, budget: Budget) -> Report {
    install_panic_hook();
    let started = Instant::now();
    let mut report = Report {
        target: name.to_owned(),
        seed,
        ..Report::default()
    };
    let mut since_restart = 0u64;
    let trace = std::env::var_os("LIEUX_COMMUNS_FUZZ_TRACE").is_some();
    while report.inputs < budget.inputs && started.elapsed() < budget.time {
        if since_restart >= target.restart_every() {
            target.restart();
            report.restarts += 1;
            since_restart = 0;
        }
        let index = report.inputs;
        let mut rng = input_rng(seed, index);
        let input = target.generate(&mut rng);
        if trace {
            // The last input printed before a crash that ends the process (a stack overflow
            // aborts it) is the one that caused it.
            eprintln!("{name} #{index}: {}", truncate(&format!("{input:?}"), 2000));
        }
        let threads = thread_names(name);
        let panics_before = panics_of(&threads).len();
        let outcome = catch_unwind(AssertUnwindSafe(|| target.execute(&input)));
        report.inputs += 1;
        since_restart += 1;
        let new_panics: Vec<String> = panics_of(&threads)
            .into_iter()
            .skip(panics_before)
            .collect();
        report.panics += new_panics.len() as u64;
        let failure = match outcome {
            Err(payload) => {
                let message = panic_message(&*payload);
                Some(format!("panic: {message}"))
            }
            Ok(Outcome::Status(status)) => {
                *report.statuses.entry(status).or_default() += 1;
                (status >= 500 && status != 503).then(|| format!("answered {status}"))
            }
            Ok(Outcome::Unsendable) => {
                report.unsendable += 1;
                None
            }
            Ok(Outcome::Accepted) => {
                *report.statuses.entry(200).or_default() += 1;
                None
            }
            Ok(Outcome::Refused) => {
                *report.statuses.entry(400).or_default() += 1;
                None
            }
            Ok(Outcome::Internal(message)) => {
                *report.statuses.entry(500).or_default() += 1;
                Some(format!("internal failure: {message}"))
            }
        };
        let panicked = !new_panics.is_empty();
        if let Some(what) = failure.or_else(|| panicked.then(|| "panic in a task".to_owned())) {
            if !what.starts_with("panic") {
                report.server_errors += 1;
            }
            if report.failures.len() < KEPT_FAILURES {
                let what = if panicked {
                    format!("{what} [{}]", new_panics.join(" | "))
                } else {
                    what
                };
                report.failures.push(Failure {
                    index,
                    what,
                    input: truncate(&format!("{input:#?}"), 6000),
                });
            }
        }
        if panicked {
            // A panic may leave a lock poisoned: what follows must not count its consequences.
            target.restart();
            report.restarts += 1;
            since_restart = 0;
        }
    }
    report.elapsed = started.elapsed();
    report.canary_connections = target.canary_connections();
    report
}

/// Runs the target named `name`.
pub fn run_named(name: &str, seed: u64, budget: Budget) -> Report {
    use targets::*;
    match name {
        "jsonld-writes" => run(name, &mut Writes::new(name, Syntax::JsonLd), seed, budget),
        "turtle-writes" => run(name, &mut Writes::new(name, Syntax::Turtle), seed, budget),
        "sparql-queries" => run(name, &mut SparqlQueries::new(name), seed, budget),
        "sparql-protocol" => run(name, &mut SparqlProtocol::new(name), seed, budget),
        "headers" => run(name, &mut Headers::new(name), seed, budget),
        "slugs-paging" => run(name, &mut SlugsPaging::new(name), seed, budget),
        "communecter" => run(
            name,
            &mut Harvests::new(name, Partner::Communecter),
            seed,
            budget,
        ),
        "gogocarto" => run(
            name,
            &mut Harvests::new(name, Partner::GoGoCarto),
            seed,
            budget,
        ),
        other => panic!("no fuzz target {other:?}: one of {TARGETS:?}"),
    }
}

fn truncate(text: &str, max: usize) -> String {
    match text.char_indices().nth(max) {
        Some((cut, _)) => format!("{}… ({} more bytes)", &text[..cut], text.len() - cut),
        None => text.to_owned(),
    }
}

/// Bytes as text, with what is not printable ASCII escaped, so that a reproducer can be
/// written back as a Rust byte string.
pub fn escape_bytes(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len());
    for chunk in bytes.utf8_chunks() {
        for c in chunk.valid().chars() {
            match c {
                '\\' => out.push_str("\\\\"),
                '"' => out.push_str("\\\""),
                '\n' => out.push_str("\\n"),
                '\r' => out.push_str("\\r"),
                '\t' => out.push_str("\\t"),
                c if c.is_control() => out.push_str(&format!("\\u{{{:x}}}", c as u32)),
                c => out.push(c),
            }
        }
        for b in chunk.invalid() {
            out.push_str(&format!("\\x{b:02X}"));
        }
    }
    out
}

// ------------------------------------------------------------------------------------------------
// Panics: a hook keeps each message with its thread, so that a panic in a blocking task (which
// the server answers 500) is told apart from one in the request's own future, and a run counts
// only its own threads' panics while other tests run beside it.
// ------------------------------------------------------------------------------------------------

static PANICS: Mutex<Vec<(String, String)>> = Mutex::new(Vec::new());

fn install_panic_hook() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        let default = std::panic::take_hook();
        let printed = std::sync::atomic::AtomicUsize::new(0);
        std::panic::set_hook(Box::new(move |info| {
            let thread = std::thread::current().name().unwrap_or("?").to_owned();
            let location = info
                .location()
                .map(|l| format!(" at {}:{}", l.file(), l.line()))
                .unwrap_or_default();
            let message = format!("{}{location}", panic_message(info.payload()));
            if let Ok(mut panics) = PANICS.lock() {
                panics.push((thread, message));
            }
            // The first few with a backtrace when asked (RUST_BACKTRACE); a long run would
            // otherwise bury its report under them.
            if printed.fetch_add(1, std::sync::atomic::Ordering::Relaxed) < 3 {
                default(info);
            }
        }));
    });
}

/// The threads whose panics are a run's: its own, and its runtime's.
fn thread_names(target: &str) -> (String, String) {
    (
        std::thread::current().name().unwrap_or("?").to_owned(),
        runtime_thread_name(target),
    )
}

fn runtime_thread_name(target: &str) -> String {
    format!("fuzz-{target}")
}

fn panics_of(threads: &(String, String)) -> Vec<String> {
    PANICS
        .lock()
        .map(|p| {
            p.iter()
                .filter(|(t, _)| *t == threads.0 || *t == threads.1)
                .map(|(_, m)| m.clone())
                .collect()
        })
        .unwrap_or_default()
}

fn panic_message(payload: &(dyn std::any::Any + Send)) -> String {
    payload
        .downcast_ref::<&str>()
        .map(|s| (*s).to_owned())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "(a panic without a message)".into())
}

// ------------------------------------------------------------------------------------------------
// The server, in-process
// ------------------------------------------------------------------------------------------------

/// A listener that is never answered: its address is written into inputs as a remote context,
/// a SERVICE endpoint, a harvest link. Any connection to it means the server fetched something
/// an input named.
pub struct Canary {
    listener: std::net::TcpListener,
    pub root: String,
    seen: std::cell::Cell<u64>,
}

impl Canary {
    pub fn new() -> Self {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind a free port");
        listener
            .set_nonblocking(true)
            .expect("a non-blocking listener");
        let root = format!("http://{}", listener.local_addr().unwrap());
        Self {
            listener,
            root,
            seen: std::cell::Cell::new(0),
        }
    }

    pub fn connections(&self) -> u64 {
        while self.listener.accept().is_ok() {
            self.seen.set(self.seen.get() + 1);
        }
        self.seen.get()
    }
}

/// The service as `serve` runs it (fixtures loaded, in-memory replica on), with two writing
/// networks and an admin token, and small limits so that the limits themselves are reached.
pub struct Server {
    runtime: tokio::runtime::Runtime,
    pub state: AppState,
    router: axum::Router,
    thread_name: String,
}

pub fn config() -> Config {
    let mut config = Config {
        memory: true,
        base_iri: BASE.into(),
        admin_token: Some(ADMIN_TOKEN.into()),
        // Queries past it are answered 503 (documented); a fuzzed query must not hold a run
        // for the default 30 s.
        query_timeout_s: 2,
        request_timeout_s: 10,
        max_body_bytes: 256 * 1024,
        max_result_bytes: 1024 * 1024,
        ..Config::default()
    };
    for (name, token) in [
        ("rfflab", RFFLAB_TOKEN),
        ("compagnie-tiers-lieux", COMPAGNIE_TOKEN),
    ] {
        config.networks.insert(
            name.into(),
            NetworkConfig {
                token: token.into(),
            },
        );
    }
    config
}

impl Server {
    pub fn start(target: &str) -> Self {
        let thread_name = runtime_thread_name(target);
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .thread_name(thread_name.clone())
            .enable_all()
            .build()
            .expect("a runtime");
        let state = lieux_communs::build_state(config()).expect("the server's state");
        let router = lieux_communs::http::router(state.clone());
        Self {
            runtime,
            state,
            router,
            thread_name,
        }
    }

    /// Sends one request through the whole router and reads the whole answer: a body that
    /// fails while it streams counts as a 500.
    pub fn send(&self, request: Request<Body>) -> u16 {
        use http_body_util::BodyExt;
        use tower::ServiceExt;
        let router = self.router.clone();
        self.runtime.block_on(async move {
            let response = router
                .oneshot(request)
                .await
                .expect("the router's error type is Infallible");
            let status = response.status().as_u16();
            match response.into_body().collect().await {
                Ok(_) => status,
                Err(_) if status >= 500 => status,
                Err(_) => 500,
            }
        })
    }
}

/// A request as data, so that a failing one can be printed and written back as a test.
#[derive(Clone)]
pub struct HttpCase {
    pub method: &'static str,
    /// Path and query, already percent-encoded.
    pub uri: String,
    pub headers: Vec<(&'static str, Vec<u8>)>,
    pub body: Vec<u8>,
}

impl std::fmt::Debug for HttpCase {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        writeln!(f, "{} {}", self.method, self.uri)?;
        for (name, value) in &self.headers {
            writeln!(f, "{name}: \"{}\"", escape_bytes(value))?;
        }
        write!(
            f,
            "body ({} bytes): \"{}\"",
            self.body.len(),
            escape_bytes(&self.body)
        )
    }
}

impl HttpCase {
    pub fn new(method: &'static str, uri: impl Into<String>) -> Self {
        Self {
            method,
            uri: uri.into(),
            headers: Vec::new(),
            body: Vec::new(),
        }
    }

    pub fn header(mut self, name: &'static str, value: impl Into<Vec<u8>>) -> Self {
        self.headers.push((name, value.into()));
        self
    }

    pub fn body(mut self, body: impl Into<Vec<u8>>) -> Self {
        self.body = body.into();
        self
    }

    pub fn bearer(self, token: Option<&str>) -> Self {
        match token {
            Some(token) => self.header("authorization", format!("Bearer {token}")),
            None => self,
        }
    }

    /// The request, or None when the URI or a header is not one HTTP can carry (a client
    /// could not send it either); header values lose the bytes HTTP forbids in them.
    pub fn request(&self) -> Option<Request<Body>> {
        let mut builder = Request::builder().method(self.method).uri(&self.uri);
        for (name, value) in &self.headers {
            let value: Vec<u8> = value
                .iter()
                .copied()
                .filter(|&b| b == b'\t' || (b >= 0x20 && b != 0x7F))
                .collect();
            builder = builder.header(*name, value);
        }
        builder.body(Body::from(self.body.clone())).ok()
    }
}

/// Sends a case; an input HTTP cannot carry is answered as a client's error would be.
pub fn send(server: &Server, case: &HttpCase) -> Outcome {
    match case.request() {
        Some(request) => Outcome::Status(server.send(request)),
        None => Outcome::Unsendable,
    }
}
