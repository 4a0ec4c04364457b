//! What the maintained crates now do for the HTTP layer, each checked on a real server: media
//! types by oxrdfio (a charset other than UTF-8 is refused), the bearer scheme by `headers` (in
//! any case, RFC 7235), slugs by `slug`/deunicode (decomposed accents), bodies and slow requests
//! bounded by tower-http, and the OpenAPI document built from the router's own table.

mod common;

use common::{client, TestServer};
use lieux_communs::config::NetworkConfig;
use reqwest::StatusCode;
use serde_json::{json, Value};
use std::io::{Read, Write};

const TOKEN: &str = "t-rfflab";

fn start_with(adjust: impl FnOnce(&mut lieux_communs::config::Config)) -> TestServer {
    TestServer::start_with(|config| {
        config.networks.insert(
            "rfflab".into(),
            NetworkConfig {
                token: TOKEN.into(),
            },
        );
        adjust(config);
    })
}

fn place(server: &TestServer, name: &str) -> Value {
    json!({ "@context": server.url("/context.jsonld"), "type": "Place", "name": name })
}

#[test]
fn a_charset_other_than_utf8_is_refused_and_said() {
    let server = start_with(|_| {});
    let answer = client()
        .post(server.url("/places"))
        .bearer_auth(TOKEN)
        .header("content-type", "text/turtle; charset=latin1")
        .body("@prefix tl: <https://w3id.org/tiers-lieux/ns#> . [] a tl:Place ; tl:name \"Caf\u{e9}\" .")
        .send()
        .unwrap();
    assert_eq!(answer.status(), StatusCode::UNSUPPORTED_MEDIA_TYPE);
    let problem: Value = answer.json().unwrap();
    let detail = problem["detail"].as_str().unwrap();
    assert!(
        detail.contains("charset") && detail.contains("UTF-8"),
        "{detail}"
    );
    // The same body declared UTF-8 is read.
    let answer = client()
        .post(server.url("/places"))
        .bearer_auth(TOKEN)
        .header("content-type", "text/turtle; charset=utf-8")
        .body("@prefix tl: <https://w3id.org/tiers-lieux/ns#> . [] a tl:Place ; tl:name \"Caf\u{e9} des communs\" .")
        .send()
        .unwrap();
    assert_eq!(
        answer.status(),
        StatusCode::CREATED,
        "{}",
        answer.text().unwrap()
    );
}

#[test]
fn the_bearer_scheme_is_read_in_any_case() {
    let server = start_with(|_| {});
    for (scheme, name) in [("bearer", "Lieu minuscule"), ("BEARER", "Lieu majuscule")] {
        let answer = client()
            .post(server.url("/places"))
            .header("authorization", format!("{scheme} {TOKEN}"))
            .header("content-type", "application/ld+json")
            .body(place(&server, name).to_string())
            .send()
            .unwrap();
        assert_eq!(
            answer.status(),
            StatusCode::CREATED,
            "{scheme}: {}",
            answer.text().unwrap()
        );
    }
    let refused = client()
        .post(server.url("/places"))
        .header("authorization", format!("Basic {TOKEN}"))
        .header("content-type", "application/ld+json")
        .body(place(&server, "Lieu refusé").to_string())
        .send()
        .unwrap();
    assert_eq!(refused.status(), StatusCode::UNAUTHORIZED);
}

#[test]
fn a_name_with_decomposed_accents_gets_a_readable_slug() {
    let server = start_with(|_| {});
    // "Fédération" written with combining acute accents (NFD).
    let answer = client()
        .post(server.url("/places"))
        .bearer_auth(TOKEN)
        .header("content-type", "application/ld+json")
        .body(place(&server, "Tiers-lieu de la Fe\u{301}de\u{301}ration").to_string())
        .send()
        .unwrap();
    assert_eq!(answer.status(), StatusCode::CREATED);
    let location = answer.headers()["location"].to_str().unwrap().to_owned();
    assert!(
        location.ends_with("/places/tiers-lieu-de-la-federation"),
        "{location}"
    );
    // And the search finds it whichever way the accent is written.
    let found: Value = client()
        .get(server.url("/places?q=f%C3%A9d%C3%A9ration"))
        .header("accept", "application/ld+json")
        .send()
        .unwrap()
        .json()
        .unwrap();
    assert_eq!(found["totalItems"], json!(1), "{found}");
}

#[test]
fn bodies_over_the_limit_are_413_problems_even_when_announced() {
    let server = start_with(|config| config.max_body_bytes = 1_000);
    let big = "x".repeat(5_000);
    let answer = client()
        .post(server.url("/validate"))
        .header("content-type", "text/turtle")
        .body(big)
        .send()
        .unwrap();
    assert_eq!(answer.status(), StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(
        answer.headers()["content-type"].to_str().unwrap(),
        "application/problem+json"
    );
    let problem: Value = answer.json().unwrap();
    assert!(
        problem["detail"].as_str().unwrap().contains("1000"),
        "{problem}"
    );
}

#[test]
fn a_request_whose_body_never_ends_gets_408() {
    // The request timeout is at least the query timeout + 5 s.
    let server = start_with(|config| {
        config.query_timeout_s = 1;
        config.request_timeout_s = 1;
    });
    let mut stream = std::net::TcpStream::connect(server.addr).unwrap();
    write!(
        stream,
        "POST /validate HTTP/1.1\r\nHost: x\r\nContent-Type: text/turtle\r\nContent-Length: 100\r\n\r\n<a>"
    )
    .unwrap();
    stream
        .set_read_timeout(Some(std::time::Duration::from_secs(30)))
        .unwrap();
    let started = std::time::Instant::now();
    let mut answer = String::new();
    let _ = stream.read_to_string(&mut answer);
    assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
    assert!(answer.contains("application/problem+json"), "{answer}");
    assert!(started.elapsed() < std::time::Duration::from_secs(15));
}

#[test]
fn every_documented_operation_is_routed() {
    let server = start_with(|_| {});
    let document: Value = client()
        .get(server.url("/openapi.json"))
        .send()
        .unwrap()
        .json()
        .unwrap();
    let paths = document["paths"].as_object().unwrap();
    assert!(paths.len() >= 15, "{}", paths.len());
    for (path, item) in paths {
        let concrete = path
            .replace("{collection}", "places")
            .replace("{slug}", "no-such-slug");
        for method in item.as_object().unwrap().keys() {
            let method = reqwest::Method::from_bytes(method.to_uppercase().as_bytes()).unwrap();
            let answer = client()
                .request(method.clone(), server.url(&concrete))
                .send()
                .unwrap();
            let status = answer.status();
            let body = answer.text().unwrap_or_default();
            // The router's fallbacks: no route (404 "no resource at …") or no method (405).
            assert_ne!(
                status,
                StatusCode::METHOD_NOT_ALLOWED,
                "{method} {concrete}"
            );
            assert!(
                !body.contains("no resource at"),
                "{method} {concrete} is documented but not routed"
            );
        }
    }
    // The slug pattern documented is the one the router applies.
    let pattern = document["paths"]["/{collection}/{slug}"]["get"]["parameters"][1]["schema"]
        ["pattern"]
        .as_str()
        .unwrap();
    assert_eq!(pattern, lieux_communs::writes::SLUG_PATTERN);
    let outside = client().get(server.url("/places/a%20b")).send().unwrap();
    assert_eq!(outside.status(), StatusCode::NOT_FOUND);
}
