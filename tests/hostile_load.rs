//! A public SPARQL endpoint that no client can take down: queries that never end are stopped
//! for real at their timeout (their CPU is released, not only their answer given up), ordinary
//! queries keep answering meanwhile, and SIGTERM ends the server whatever runs.

mod common;

use common::process::{Server, TempDir};
use std::time::{Duration, Instant};

/// A cross product of the whole store with itself four times: it never ends on the fixtures.
/// Every other one spells SERVICE in a literal, which once sent a query out of the killable
/// workers into the server process (the word was looked for in the text).
const RUNAWAYS: [&str; 2] = [
    "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }",
    "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l FILTER(?c != \"SERVICE\") }",
];

fn start(dir: &TempDir) -> Server {
    Server::start(
        std::path::Path::new(env!("CARGO_BIN_EXE_lieux-communs")),
        &dir.0,
        &["--memory"],
        &[("LIEUX_COMMUNS_QUERY_TIMEOUT_S", "3")],
    )
}

fn query(url: &str, query: &str) -> reqwest::blocking::Response {
    common::client()
        .get(format!("{url}/sparql"))
        .query(&[("query", query)])
        .header("accept", "application/sparql-results+json")
        .send()
        .expect("the server answers")
}

/// `n` runaway queries sent at once, each from its own connection; their statuses.
fn runaways(url: &str, n: usize) -> Vec<std::thread::JoinHandle<u16>> {
    (0..n)
        .map(|i| {
            let url = url.to_owned();
            std::thread::spawn(move || query(&url, RUNAWAYS[i % 2]).status().as_u16())
        })
        .collect()
}

fn ask_within(url: &str, limit: Duration) {
    let started = Instant::now();
    let answer = query(url, "ASK { ?s ?p ?o }");
    let took = started.elapsed();
    assert_eq!(answer.status(), 200);
    let body: serde_json::Value = answer.json().unwrap();
    assert_eq!(body["boolean"], true, "{body}");
    assert!(took < limit, "ASK took {took:?} while runaway queries ran");
}

#[test]
fn runaway_queries_are_stopped_for_real_and_sigterm_ends_the_server() {
    let dir = TempDir::new("runaway");
    let mut server = start(&dir);
    let url = server.url.clone();

    let running = runaways(&url, 32);
    std::thread::sleep(Duration::from_millis(700));
    for _ in 0..3 {
        ask_within(&url, Duration::from_secs(1));
        std::thread::sleep(Duration::from_millis(300));
    }
    let statuses: Vec<u16> = running.into_iter().map(|h| h.join().unwrap()).collect();
    assert!(
        statuses.iter().all(|s| *s == 503),
        "every runaway query is answered 503 (its timeout, or it gave way): {statuses:?}"
    );

    // Their processes are gone: the server's CPU time (its children's included) stands still.
    std::thread::sleep(Duration::from_millis(500));
    let before = server.cpu_time();
    std::thread::sleep(Duration::from_secs(2));
    let used = server.cpu_time().saturating_sub(before);
    assert!(
        used < Duration::from_millis(300),
        "the server used {used:?} of CPU in 2 s after the runaway queries' timeout"
    );
    ask_within(&url, Duration::from_secs(1));

    // SIGTERM while runaway queries run: the server ends within seconds, not at their timeout.
    let _running = runaways(&url, 8);
    std::thread::sleep(Duration::from_millis(500));
    let asked = Instant::now();
    assert!(
        server.terminate(Duration::from_secs(5)),
        "the server still runs 5 s after SIGTERM"
    );
    assert!(asked.elapsed() < Duration::from_secs(5));
}

/// Clients that send their headers slowly, or keep connections idle, hold them only for
/// `header_timeout_s`; meanwhile, and with hundreds of them, the server answers others.
#[test]
fn slow_and_idle_connections_are_bounded() {
    use std::io::{Read, Write};
    let dir = TempDir::new("slowloris");
    let server = Server::start(
        std::path::Path::new(env!("CARGO_BIN_EXE_lieux-communs")),
        &dir.0,
        &["--memory"],
        &[("LIEUX_COMMUNS_HEADER_TIMEOUT_S", "1")],
    );
    let addr = server.url.trim_start_matches("http://").to_owned();
    let mut slow: Vec<std::net::TcpStream> = (0..300)
        .map(|_| {
            let mut stream = std::net::TcpStream::connect(&addr).unwrap();
            stream
                .write_all(b"GET /health HTTP/1.1\r\nHost: x\r\n")
                .unwrap();
            stream
        })
        .collect();
    let mut idle = std::net::TcpStream::connect(&addr).unwrap();
    idle.write_all(b"GET /health HTTP/1.1\r\nHost: x\r\n\r\n")
        .unwrap();
    let answer = server.get("/health", "application/json");
    assert_eq!(answer.status(), 200, "answered beside 300 slow clients");

    // After the timeout each slow connection was closed by the server: reading ends.
    std::thread::sleep(Duration::from_millis(2500));
    for stream in &mut slow {
        stream
            .set_read_timeout(Some(Duration::from_secs(5)))
            .unwrap();
        let mut rest = Vec::new();
        // Closed: the read ends (or is reset), it does not wait for the read timeout.
        let read = stream.read_to_end(&mut rest);
        assert!(
            !matches!(&read, Err(e) if matches!(e.kind(), std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut)),
            "a slow client's connection is still open: {read:?}"
        );
    }
    // The idle kept-alive connection got its answer, then was closed.
    idle.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    let mut answered = Vec::new();
    idle.read_to_end(&mut answered).unwrap();
    assert!(answered.starts_with(b"HTTP/1.1 200"));
}
