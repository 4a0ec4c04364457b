//! One resource over real HTTP: every representation, ETags and 304 (with and without a kept
//! representation), reads that follow every kind of write, 404 problems, and the JSON-LD that
//! reads back as exactly the stored triples.

mod common;

use common::api::{
    assert_problem, context_url, get, iri, literal_values, objects_of, place, post_jsonld,
    put_jsonld, raw_exchange, send, sparql, start, start_with_admin, triples, write, JSON_LD,
    RFFLAB_TOKEN, TL,
};
use common::{client, TestServer};
use lieux_communs::rdf;
use oxigraph::io::RdfFormat;
use reqwest::StatusCode;
use serde_json::{json, Value};

#[test]
fn a_resource_in_every_representation() {
    let server = start();
    let http = client();
    let url = server.url("/places/la-fabrique-des-possibles");
    let resource = iri(&server, "places/la-fabrique-des-possibles");

    // JSON-LD by default (reqwest sends Accept: */*), and for application/ld+json and application/json.
    for accept in [None, Some(JSON_LD), Some("application/json")] {
        let answer = get(&http, &url, accept);
        assert_eq!(
            answer.status,
            StatusCode::OK,
            "{accept:?}: {}",
            answer.text()
        );
        assert!(
            answer.content_type().starts_with(JSON_LD),
            "{accept:?}: {}",
            answer.content_type()
        );
        let document = answer.json();
        assert_eq!(document["@context"], json!(context_url(&server)));
        assert_eq!(document["id"], json!(resource));
        assert_eq!(document["type"], json!("Place"));
        assert_eq!(document["name"], json!("La Fabrique des possibles"));
    }
    // Without any Accept header at all.
    let raw = raw_get(&server, "/places/la-fabrique-des-possibles");
    assert!(raw.starts_with("HTTP/1.1 200"), "{raw}");
    assert!(
        raw.to_ascii_lowercase()
            .contains("content-type: application/ld+json"),
        "{raw}"
    );

    let ntriples = get(&http, &url, Some("application/n-triples"));
    assert_eq!(ntriples.status, StatusCode::OK);
    assert!(
        ntriples.content_type().starts_with("application/n-triples"),
        "{}",
        ntriples.content_type()
    );
    let reference = triples(&server, &ntriples.body, RdfFormat::NTriples);
    assert_eq!(
        literal_values(&objects_of(&reference, &resource, &format!("{TL}name"))),
        vec!["La Fabrique des possibles".to_owned()]
    );

    // Every RDF syntax states the same triples.
    for (accept, format) in [
        ("text/turtle", RdfFormat::Turtle),
        ("application/n-quads", RdfFormat::NQuads),
        ("application/rdf+xml", RdfFormat::RdfXml),
    ] {
        let answer = get(&http, &url, Some(accept));
        assert_eq!(answer.status, StatusCode::OK, "{accept}: {}", answer.text());
        assert!(
            answer.content_type().starts_with(accept),
            "{accept}: {}",
            answer.content_type()
        );
        assert_eq!(
            triples(&server, &answer.body, format),
            reference,
            "{accept}"
        );
    }
    // q-values decide.
    let answer = get(&http, &url, Some("application/ld+json;q=0.5, text/turtle"));
    assert!(
        answer.content_type().starts_with("text/turtle"),
        "{}",
        answer.content_type()
    );

    // HTML for people, in French, with the JSON-LD embedded.
    let html = get(
        &http,
        &url,
        Some("text/html,application/xhtml+xml,*/*;q=0.8"),
    );
    assert_eq!(html.status, StatusCode::OK);
    assert!(
        html.content_type().starts_with("text/html"),
        "{}",
        html.content_type()
    );
    let page = html.text();
    assert!(page.contains("lang=\"fr\""), "{page}");
    let script = "<script type=\"application/ld+json\">";
    let start = page
        .find(script)
        .unwrap_or_else(|| panic!("a JSON-LD script element: {page}"))
        + script.len();
    let end = start + page[start..].find("</script>").unwrap();
    let embedded: Value =
        serde_json::from_str(&page[start..end]).expect("the embedded JSON-LD is JSON");
    assert_eq!(embedded, get(&http, &url, Some(JSON_LD)).json());
    assert!(page.contains("La Fabrique des possibles"));

    // Nothing acceptable: 406 with a problem body.
    let answer = get(&http, &url, Some("image/png"));
    assert_problem(&answer, StatusCode::NOT_ACCEPTABLE, "Accept: image/png");
}

/// A GET without any Accept header (reqwest always sends one).
fn raw_get(server: &TestServer, path: &str) -> String {
    let request = format!(
        "GET {path} HTTP/1.1\r\nHost: {}\r\nConnection: close\r\n\r\n",
        server.addr
    );
    raw_exchange(server, request.as_bytes())
}

#[test]
fn etags_give_304_and_are_per_representation() {
    let server = start();
    let http = client();
    let url = server.url("/commons/dokos");
    let first = get(&http, &url, Some(JSON_LD));
    assert_eq!(first.status, StatusCode::OK);
    let tag = first.header("etag").expect("an ETag");
    assert!(
        tag.starts_with('"') && tag.ends_with('"'),
        "a strong quoted ETag: {tag}"
    );
    assert_eq!(
        get(&http, &url, Some(JSON_LD)).header("etag"),
        Some(tag.clone()),
        "stable"
    );

    let not_modified = send(
        http.get(&url)
            .header("accept", JSON_LD)
            .header("if-none-match", &tag),
    );
    assert_eq!(
        not_modified.status,
        StatusCode::NOT_MODIFIED,
        "{}",
        not_modified.text()
    );
    assert!(not_modified.body.is_empty());
    assert_eq!(not_modified.header("etag"), Some(tag.clone()));

    let other = send(
        http.get(&url)
            .header("accept", JSON_LD)
            .header("if-none-match", "\"0000000000000000-jsonld\""),
    );
    assert_eq!(other.status, StatusCode::OK);

    // Another representation has another tag: the JSON-LD tag does not validate Turtle.
    let turtle = send(
        http.get(&url)
            .header("accept", "text/turtle")
            .header("if-none-match", &tag),
    );
    assert_eq!(turtle.status, StatusCode::OK, "{}", turtle.text());
    let turtle_tag = turtle.header("etag").expect("an ETag on Turtle");
    assert_ne!(turtle_tag, tag);
    let turtle_again = send(
        http.get(&url)
            .header("accept", "text/turtle")
            .header("if-none-match", &turtle_tag),
    );
    assert_eq!(turtle_again.status, StatusCode::NOT_MODIFIED);
}

/// Representations are kept between reads: each kind of write is seen by the next read all
/// the same, in every representation, including a change to the label of a linked resource
/// and a SPARQL Update (which says nothing of what it changes).
#[test]
fn reads_follow_every_kind_of_write() {
    let server = start_with_admin();
    let http = client();
    let url = server.url("/contributors/jordan-thevenot");
    let jordan = iri(&server, "contributors/jordan-thevenot");
    let read = |accept: &str| {
        let answer = get(&http, &url, Some(accept));
        assert_eq!(answer.status, StatusCode::OK, "{}", answer.text());
        (answer.header("etag").expect("an ETag"), answer.text())
    };
    let update = |body: String| {
        let answer = send(
            http.post(server.url("/sparql"))
                .bearer_auth("admin")
                .header("content-type", "application/sparql-update")
                .body(body),
        );
        assert!(answer.status.is_success(), "{}", answer.text());
    };
    let (json_tag, _) = read(JSON_LD);
    let (turtle_tag, _) = read("text/turtle");
    assert_eq!(read(JSON_LD).0, json_tag, "read twice, the same");

    // A SPARQL Update about the resource itself.
    update(format!(
        "INSERT DATA {{ GRAPH <{}> {{ <{jordan}> <{TL}alternateName> \"Jordan T.\" }} }}",
        iri(&server, "graphs/rfflab")
    ));
    let (tag, json) = read(JSON_LD);
    assert_ne!(tag, json_tag);
    assert!(json.contains("Jordan T."), "{json}");
    let (tag, turtle) = read("text/turtle");
    assert_ne!(tag, turtle_tag);
    assert!(turtle.contains("Jordan T."), "{turtle}");

    // A resource it links to is renamed: it shows the new label.
    let linked = sparql(
        &server,
        &http,
        &format!("SELECT ?o WHERE {{ <{jordan}> ?p ?o . ?o <{TL}name> ?n }} LIMIT 1"),
    );
    let linked = linked["results"]["bindings"][0]["o"]["value"]
        .as_str()
        .expect("a contributor links to a named resource")
        .to_owned();
    let (before, json) = read(JSON_LD);
    assert!(!json.contains("Nom tout neuf"));
    update(format!(
        "DELETE {{ GRAPH ?g {{ <{linked}> <{TL}name> ?n }} }} \
         INSERT {{ GRAPH ?g {{ <{linked}> <{TL}name> \"Nom tout neuf\" }} }} \
         WHERE {{ GRAPH ?g {{ <{linked}> <{TL}name> ?n }} }}"
    ));
    let (after, json) = read(JSON_LD);
    assert_ne!(after, before);
    assert!(json.contains("Nom tout neuf"), "{json}");

    // A network's own resource, read between its writes in two representations.
    let created = post_jsonld(
        &http,
        &server.url("/places"),
        RFFLAB_TOKEN,
        &place(&server, "Lieu lu et relu"),
    );
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.text());
    let location = created.header("location").expect("a Location");
    let read_place = |accept: &str| get(&http, &location, Some(accept));
    for accept in [JSON_LD, "text/turtle"] {
        let answer = read_place(accept);
        assert!(
            answer.text().contains("Lieu lu et relu"),
            "{}",
            answer.text()
        );
    }
    let replaced = put_jsonld(
        &http,
        &location,
        RFFLAB_TOKEN,
        &place(&server, "Lieu renommé"),
        None,
    );
    assert!(replaced.status.is_success(), "{}", replaced.text());
    for accept in [JSON_LD, "text/turtle"] {
        let answer = read_place(accept);
        assert!(answer.text().contains("Lieu renommé"), "{}", answer.text());
        assert!(!answer.text().contains("Lieu lu et relu"));
    }
    let deleted = send(write(
        &http,
        reqwest::Method::DELETE,
        &location,
        Some(RFFLAB_TOKEN),
        None,
        String::new(),
    ));
    assert!(deleted.status.is_success(), "{}", deleted.text());
    for accept in [JSON_LD, "text/turtle"] {
        assert_eq!(read_place(accept).status, StatusCode::NOT_FOUND);
    }
}

/// With no representation kept, a conditional GET is answered from the resource's state.
#[test]
fn etags_give_304_with_no_representation_kept() {
    let server = TestServer::start_with(|config| config.kept_representations_bytes = 0);
    let http = client();
    let url = server.url("/commons/dokos");
    let first = get(&http, &url, Some("text/turtle"));
    assert_eq!(first.status, StatusCode::OK);
    let tag = first.header("etag").expect("an ETag");
    let again = send(
        http.get(&url)
            .header("accept", "text/turtle")
            .header("if-none-match", &tag),
    );
    assert_eq!(again.status, StatusCode::NOT_MODIFIED, "{}", again.text());
    assert!(again.body.is_empty());
    assert_eq!(again.header("etag"), Some(tag));
}

#[test]
fn unknown_resources_are_404_problems() {
    let server = start();
    let http = client();
    for path in [
        "/places/lieu-qui-n-existe-pas",
        "/commons/la-fabrique-des-possibles",
        "/nowhere/at-all",
    ] {
        let answer = get(&http, &server.url(path), Some(JSON_LD));
        assert_problem(&answer, StatusCode::NOT_FOUND, path);
    }
}

#[test]
fn json_ld_reads_back_as_the_stored_triples() {
    let server = start();
    let http = client();
    for path in [
        "places/la-fabrique-des-possibles",
        "commons/aiguilleurs",
        "commons/dokos",
        "pledges/sur-adhesion-la-fabrique-des-possibles",
        "pledges/aiguilleurs-2024-novapec",
        "campaigns/adopte-un-commun-2021",
        "networks/rfflab",
        "networks/communs-des-tiers-lieux",
        "contributors/jordan-thevenot",
    ] {
        let url = server.url(&format!("/{path}"));
        let jsonld = get(&http, &url, Some(JSON_LD));
        assert_eq!(jsonld.status, StatusCode::OK, "{path}: {}", jsonld.text());
        let ntriples = get(&http, &url, Some("application/n-triples"));
        assert_eq!(ntriples.status, StatusCode::OK, "{path}");
        let from_jsonld = triples(&server, &jsonld.body, rdf::JSON_LD);
        let stored = triples(&server, &ntriples.body, RdfFormat::NTriples);
        assert!(!stored.is_empty(), "{path}");
        let missing: Vec<String> = stored
            .difference(&from_jsonld)
            .map(ToString::to_string)
            .collect();
        let extra: Vec<String> = from_jsonld
            .difference(&stored)
            .map(ToString::to_string)
            .collect();
        assert!(
            missing.is_empty() && extra.is_empty(),
            "{path}: the JSON-LD is not the stored description\nmissing from the JSON-LD: {missing:#?}\nonly in the JSON-LD: {extra:#?}\nJSON-LD: {}",
            jsonld.text()
        );
    }
    // The budget lines of the aiguilleurs are among the round-tripped triples.
    let ntriples = get(
        &http,
        &server.url("/commons/aiguilleurs"),
        Some("application/n-triples"),
    );
    let stored = triples(&server, &ntriples.body, RdfFormat::NTriples);
    let lines = objects_of(
        &stored,
        &iri(&server, "commons/aiguilleurs"),
        &format!("{TL}budgetLine"),
    );
    assert_eq!(lines.len(), 5, "five budget lines");
}
