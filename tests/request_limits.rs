//! Request limits over real HTTP: bodies over the configured size are 413 whatever their framing,
//! and deeply nested JSON is refused while the server lives on.

mod common;

use common::api::{
    assert_problem, assert_refused, context_url, get, place, post_jsonld, quad_count, raw_exchange,
    send, start_limited, write, JSON_LD, RFFLAB_TOKEN,
};
use common::client;
use reqwest::StatusCode;
use serde_json::json;

#[test]
fn bodies_over_the_limit_are_413() {
    let limit = 64 * 1024;
    let server = start_limited(Some(limit));
    let http = client();
    let mut big = place(&server, "Lieu trop bavard");
    big["description"] = json!("bla ".repeat(limit / 2));
    let body = big.to_string();
    assert!(body.len() > limit);
    let before = quad_count(&server, &http);
    let answer = send(write(
        &http,
        reqwest::Method::POST,
        &server.url("/places"),
        Some(RFFLAB_TOKEN),
        Some(JSON_LD),
        body.clone(),
    ));
    let problem = assert_problem(
        &answer,
        StatusCode::PAYLOAD_TOO_LARGE,
        "a body over the limit",
    );
    // The unread rest of the body makes the connection unusable: the client must not reuse it
    // (it would lose the next request, as the store count below would).
    assert_eq!(
        answer.header("connection").as_deref(),
        Some("close"),
        "a 413 closes the connection"
    );
    assert_eq!(
        quad_count(&server, &http),
        before,
        "a body over the limit: the store changed"
    );
    assert!(
        problem["detail"]
            .as_str()
            .unwrap()
            .contains(&limit.to_string()),
        "{problem}"
    );
    // Streamed without Content-Length (chunked): the limit holds as well. Sent over a raw
    // socket, since an HTTP client may give up sending once the server has answered.
    let before = quad_count(&server, &http);
    let mut request = format!(
        "POST /import HTTP/1.1\r\nHost: {}\r\nAuthorization: Bearer {RFFLAB_TOKEN}\r\n\
         Content-Type: {JSON_LD}\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n",
        server.addr
    )
    .into_bytes();
    for chunk in body.as_bytes().chunks(8192) {
        request.extend_from_slice(format!("{:x}\r\n", chunk.len()).as_bytes());
        request.extend_from_slice(chunk);
        request.extend_from_slice(b"\r\n");
    }
    request.extend_from_slice(b"0\r\n\r\n");
    let answer = raw_exchange(&server, &request);
    assert!(
        answer.starts_with("HTTP/1.1 413"),
        "a streamed body over the limit: {answer}"
    );
    assert!(
        answer
            .to_ascii_lowercase()
            .contains("content-type: application/problem+json"),
        "{answer}"
    );
    assert_eq!(
        quad_count(&server, &http),
        before,
        "a streamed body over the limit: the store changed"
    );
    // Just under the limit is read.
    let small = post_jsonld(
        &http,
        &server.url("/places"),
        RFFLAB_TOKEN,
        &place(&server, "Lieu concis"),
    );
    assert_eq!(small.status, StatusCode::CREATED, "{}", small.text());
}

#[test]
fn deeply_nested_json_is_refused_and_the_server_lives_on() {
    let server = start_limited(Some(64 * 1024));
    let http = client();
    let depth = 10_000;
    let arrays = format!("{}{}", "[".repeat(depth), "]".repeat(depth));
    let objects = format!("{}1{}", "{\"a\":".repeat(depth), "}".repeat(depth));
    let in_graph = format!(
        "{{\"@context\":\"{}\",\"@graph\":{}}}",
        context_url(&server),
        arrays
    );
    for (what, body) in [
        ("arrays", &arrays),
        ("objects", &objects),
        ("@graph", &in_graph),
    ] {
        assert!(body.len() < 64 * 1024);
        for path in ["/places", "/import"] {
            assert_refused(
                &server,
                &http,
                write(
                    &http,
                    reqwest::Method::POST,
                    &server.url(path),
                    Some(RFFLAB_TOKEN),
                    Some(JSON_LD),
                    body.clone(),
                ),
                StatusCode::BAD_REQUEST,
                &format!("{depth} nested {what} on {path}"),
            );
        }
    }
    let health = get(&http, &server.url("/health"), None);
    assert_eq!(health.status, StatusCode::OK, "{}", health.text());
    let read = get(
        &http,
        &server.url("/places/la-fabrique-des-possibles"),
        Some(JSON_LD),
    );
    assert_eq!(read.status, StatusCode::OK);
}
