//! Fuzzed inputs, a short run of each target (tests/fuzz_targets; the long runs are
//! `./dev.sh bench fuzz`): no input may make the server panic or answer a 5xx other than the
//! documented 503, and no input may make it fetch a document it names. Then the reproducers of
//! what the fuzzing found, each reduced to its smallest form.
//!
//! `LIEUX_COMMUNS_FUZZ_SEED` and `LIEUX_COMMUNS_FUZZ_INPUTS` change the seed and the count.

mod fuzz_targets;

use axum::body::Body;
use axum::http::Request;
use fuzz_targets::{Budget, Server};
use std::time::Duration;

/// The seed of `./dev.sh test`: fixed, so that a failure is the same on every machine.
const SEED: u64 = 0x11E0_C0AA_2024;

fn env_u64(name: &str) -> Option<u64> {
    let value = std::env::var(name).ok()?;
    let value = value.trim();
    match value.strip_prefix("0x") {
        Some(hex) => u64::from_str_radix(hex, 16).ok(),
        None => value.parse().ok(),
    }
}

fn check(target: &str, inputs: u64) {
    let seed = env_u64("LIEUX_COMMUNS_FUZZ_SEED").unwrap_or(SEED);
    let inputs = env_u64("LIEUX_COMMUNS_FUZZ_INPUTS").unwrap_or(inputs);
    let budget = Budget {
        inputs,
        time: Duration::MAX,
    };
    let report = fuzz_targets::run_named(target, seed, budget);
    println!("{}", report.summary());
    assert!(
        report.is_clean(),
        "{}\n{}",
        report.summary(),
        report.failures_text()
    );
    assert_eq!(report.inputs, inputs, "{}", report.summary());
}

#[test]
fn jsonld_writes() {
    check("jsonld-writes", 2_000);
}

#[test]
fn turtle_writes() {
    check("turtle-writes", 2_000);
}

#[test]
fn sparql_queries() {
    check("sparql-queries", 1_500);
}

#[test]
fn sparql_protocol() {
    check("sparql-protocol", 2_000);
}

#[test]
fn headers() {
    check("headers", 2_000);
}

#[test]
fn slugs_paging() {
    check("slugs-paging", 2_000);
}

#[test]
fn communecter_payloads() {
    check("communecter", 1_000);
}

#[test]
fn gogocarto_payloads() {
    check("gogocarto", 1_000);
}

/// The canary's count is what proves that no input was fetched: it must see a connection.
#[test]
fn the_canary_counts_connections() {
    let canary = fuzz_targets::Canary::new();
    assert_eq!(canary.connections(), 0);
    let address = canary.root.trim_start_matches("http://");
    // On loopback the handshake is done when connect returns: the connection waits in the
    // listener's queue.
    let _stream = std::net::TcpStream::connect(address).expect("connect to the canary");
    assert_eq!(canary.connections(), 1);
}

/// The same seed and input number make the same input: a failure of a long run can be made
/// again alone.
#[test]
fn inputs_are_reproducible() {
    use fuzz_targets::gen;
    let make = || {
        let mut rng = fuzz_targets::input_rng(42, 1234);
        let iris = gen::iris(fuzz_targets::BASE, "http://127.0.0.1:9");
        (
            gen::random_query(&mut rng, fuzz_targets::BASE, &iris),
            gen::random_turtle(&mut rng, fuzz_targets::BASE, &iris),
            gen::random_jsonld(&mut rng, fuzz_targets::BASE, &iris).to_string(),
        )
    };
    assert_eq!(make(), make());
}

// ------------------------------------------------------------------------------------------------
// Reproducers of what the fuzzing found
// ------------------------------------------------------------------------------------------------

/// Runs the test `name` of this file in a child process and tells whether it passed: an input
/// that overflows the stack aborts the whole process, which no test can catch in-process.
fn passes_in_child(name: &str, depth: usize) -> bool {
    let status = std::process::Command::new(std::env::current_exe().expect("the test binary"))
        .args([name, "--exact", "--nocapture", "--test-threads=1"])
        .env(CHILD, depth.to_string())
        .status()
        .expect("the test binary runs");
    status.success()
}

/// Set in the child process of [`passes_in_child`] to the nesting depth to send.
const CHILD: &str = "LIEUX_COMMUNS_FUZZ_CHILD_DEPTH";

fn child_depth() -> Option<usize> {
    std::env::var(CHILD).ok()?.parse().ok()
}

/// Found by `sparql-queries`: a query nested ~1 000 deep (2 KB) overflows the stack of the
/// thread that parses it, which aborts the whole server (SIGABRT), in the debug and the release
/// build alike (deeper there). It must be answered 4xx: a limit on the nesting, checked before
/// the recursive parser runs, as `rdf::parse` does for JSON.
#[test]
fn deeply_nested_sparql_query_is_refused_not_a_crash() {
    assert!(
        passes_in_child("child_nested_sparql_query", 5_000),
        "a query nested 5 000 deep crashed the server or was not answered 4xx (see the child's output above)"
    );
}

/// The same through SPARQL Update (admin token): the same parser, the same crash (checked
/// with an update nested 5 000 deep).
#[test]
fn deeply_nested_sparql_update_is_refused_not_a_crash() {
    assert!(
        passes_in_child("child_nested_sparql_update", 5_000),
        "an update nested 5 000 deep crashed the server or was not answered 4xx (see the child's output above)"
    );
}

#[test]
fn child_nested_sparql_update() {
    let Some(depth) = child_depth() else { return };
    let server = Server::start("child");
    let update = format!(
        "DELETE {{ ?s ?p ?o }} WHERE {{ ?s ?p ?o FILTER({}1{}) }}",
        "(".repeat(depth),
        ")".repeat(depth)
    );
    let answer = server.send(
        Request::post("/sparql")
            .header("content-type", "application/sparql-update")
            .header(
                "authorization",
                format!("Bearer {}", fuzz_targets::ADMIN_TOKEN),
            )
            .body(Body::from(update))
            .unwrap(),
    );
    assert!((400..500).contains(&answer), "answered {answer}");
}

/// A query nested `depth` deep, sent as `sparql-query`: answered 4xx, never a crash.
#[test]
fn child_nested_sparql_query() {
    let Some(depth) = child_depth() else { return };
    let server = Server::start("child");
    let query = format!(
        "SELECT * WHERE {{ FILTER({}1{}) }}",
        "(".repeat(depth),
        ")".repeat(depth)
    );
    let answer = server.send(
        Request::post("/sparql")
            .header("content-type", "application/sparql-query")
            .body(Body::from(query))
            .unwrap(),
    );
    assert!((400..500).contains(&answer), "answered {answer}");
}

/// Found by `turtle-writes` (input #404 of seed 0x11E0C0AA2024): a Turtle body whose object is
/// a collection nested a few thousand deep, `( ( ( … 1 … ) ) )` (about 17 KB), overflows the
/// stack of the request's thread and aborts the server. It must be answered 4xx.
#[test]
fn deeply_nested_turtle_collection_is_refused_not_a_crash() {
    assert!(
        passes_in_child("child_nested_turtle_collection", 5_000),
        "a Turtle collection nested 5 000 deep crashed the server or was not answered 4xx (see the child's output above)"
    );
}

#[test]
fn child_nested_turtle_collection() {
    let Some(depth) = child_depth() else { return };
    let server = Server::start("child");
    let body = format!(
        "<{}places/deep> a <https://w3id.org/tiers-lieux/ns#Place> ; <https://w3id.org/tiers-lieux/ns#name> \"d\" ; <p> {}1{} .",
        fuzz_targets::BASE,
        "( ".repeat(depth),
        " )".repeat(depth)
    );
    let answer = server.send(
        Request::post(
            std::env::var("LIEUX_COMMUNS_FUZZ_CHILD_PATH")
                .as_deref()
                .unwrap_or("/places"),
        )
        .header("content-type", "text/turtle")
        .header(
            "authorization",
            format!("Bearer {}", fuzz_targets::RFFLAB_TOKEN),
        )
        .body(Body::from(body))
        .unwrap(),
    );
    assert!((400..500).contains(&answer), "answered {answer}");
}

/// Found by `slugs-paging` (seed 0x5eed2): a page number near `usize::MAX` overflows
/// `(page - 1) * limit` in `http::resources::list` (src/http/resources/collections.rs): a panic in the
/// debug build, a wrapped offset in the release build. Must be a 4xx or an empty page.
#[test]
fn a_huge_page_number_is_not_a_panic() {
    let server = Server::start("page");
    let answer = server.send(
        Request::get("/places?page=18446744073709551615&limit=200")
            .body(Body::empty())
            .unwrap(),
    );
    assert!(answer < 500, "answered {answer}");
}

/// Found by `sparql-queries` (input #32128 of seed 0x18ed382d91cf80c3, release build): Oxigraph's
/// ORDER BY panicked ("comparison … does not correctly implement a total order") and the query
/// was answered 500. A panic of the engine is the query's failure: 4xx, and the server lives on.
#[test]
fn an_engine_panic_is_the_query_s_failure_not_a_5xx() {
    let server = Server::start("engine-panic");
    let query = "PREFIX tl: <https://w3id.org/tiers-lieux/ns#>\nSELECT DISTINCT ?x ?y WHERE { SERVICE SILENT <http://lieux.test/context.jsonld> { ?x ?p ?o } BIND(IF((1e308 / 1e308), REGEX(STR(?y), \"a{1,100}\", \"q\"), (1e308 / 1e308)) AS ?b1) ?x tl:p? ?x . } ORDER BY DESC(?x) LIMIT 1";
    for _ in 0..20 {
        let answer = server.send(
            Request::post("/sparql")
                .header("content-type", "application/sparql-query")
                .body(Body::from(query))
                .unwrap(),
        );
        assert!(answer < 500, "answered {answer}");
    }
}
