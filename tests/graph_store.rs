//! The Graph Store Protocol at `/store` over real HTTP: anyone reads any graph, the admin writes
//! any named graph but the provenance, a network writes only its own graph.

mod common;

use common::api::{
    ask, assert_problem, assert_refused, get, iri, literal_values, objects_of, quad_count, send,
    start, start_with_admin, store_url, triples, write, JSON_LD, RFFLAB_TOKEN, TL,
};
use common::client;
use lieux_communs::rdf;
use oxigraph::io::RdfFormat;
use reqwest::blocking::Client;
use reqwest::StatusCode;
use serde_json::json;

#[test]
fn graph_store_reads_any_graph() {
    let server = start();
    let http = client();
    let fixtures = iri(&server, "graphs/fixtures");
    let answer = get(
        &http,
        &store_url(&server, &fixtures),
        Some("application/n-triples"),
    );
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.text());
    assert!(
        answer.content_type().starts_with("application/n-triples"),
        "{}",
        answer.content_type()
    );
    let graph = triples(&server, &answer.body, RdfFormat::NTriples);
    assert_eq!(
        literal_values(&objects_of(
            &graph,
            &iri(&server, "places/la-fabrique-des-possibles"),
            &format!("{TL}name")
        )),
        vec!["La Fabrique des possibles".to_owned()]
    );
    // A relative name is taken under {base}graphs/; Turtle and JSON-LD say the same.
    let relative = get(
        &http,
        &format!("{}?graph=fixtures", server.url("/store")),
        Some("text/turtle"),
    );
    assert_eq!(relative.status, StatusCode::OK, "{}", relative.text());
    assert_eq!(triples(&server, &relative.body, RdfFormat::Turtle), graph);
    let jsonld = get(&http, &store_url(&server, &fixtures), Some(JSON_LD));
    assert_eq!(jsonld.status, StatusCode::OK, "{}", jsonld.text());
    assert_eq!(triples(&server, &jsonld.body, rdf::JSON_LD), graph);
    // The default graph is the union.
    let union = get(
        &http,
        &format!("{}?default", server.url("/store")),
        Some("application/n-triples"),
    );
    assert_eq!(union.status, StatusCode::OK);
    assert!(triples(&server, &union.body, RdfFormat::NTriples).is_superset(&graph));

    assert_problem(
        &get(
            &http,
            &store_url(&server, "http://example.org/no-such-graph"),
            None,
        ),
        StatusCode::NOT_FOUND,
        "an unknown graph",
    );
    assert_problem(
        &get(&http, &server.url("/store"), None),
        StatusCode::BAD_REQUEST,
        "no graph named",
    );
    assert_problem(
        &get(
            &http,
            &format!("{}&default", store_url(&server, &fixtures)),
            None,
        ),
        StatusCode::BAD_REQUEST,
        "both ?graph and ?default",
    );
    assert_problem(
        &get(&http, &store_url(&server, &fixtures), Some("image/png")),
        StatusCode::NOT_ACCEPTABLE,
        "Accept: image/png on /store",
    );
}

#[test]
fn graph_store_admin_writes_any_named_graph_but_the_provenance() {
    let server = start_with_admin();
    let http = client();
    let elsewhere = "http://www.example/gsp/person/1.ttl";
    let body = "<http://www.example/gsp/person/1> <http://xmlns.com/foaf/0.1/name> \"Jane\" .\n";
    let gsp = |method: reqwest::Method, url: String, token: &str| {
        send(write(
            &http,
            method,
            &url,
            Some(token),
            Some("text/turtle"),
            body,
        ))
    };
    // A network may not write there; the admin token may, as SPARQL Update lets it.
    let refused = gsp(
        reqwest::Method::PUT,
        store_url(&server, elsewhere),
        RFFLAB_TOKEN,
    );
    assert_eq!(refused.status, StatusCode::FORBIDDEN, "{}", refused.text());
    let put = gsp(reqwest::Method::PUT, store_url(&server, elsewhere), "admin");
    assert_eq!(put.status, StatusCode::CREATED, "{}", put.text());
    let read = get(
        &http,
        &store_url(&server, elsewhere),
        Some("application/n-triples"),
    );
    assert_eq!(read.status, StatusCode::OK);
    assert!(read.text().contains("\"Jane\""), "{}", read.text());
    // Neither the provenance graph nor the union default graph is written.
    let meta = gsp(
        reqwest::Method::PUT,
        store_url(&server, &iri(&server, "graphs/meta")),
        "admin",
    );
    assert_eq!(meta.status, StatusCode::FORBIDDEN, "{}", meta.text());
    let default = gsp(
        reqwest::Method::PUT,
        format!("{}?default", server.url("/store")),
        "admin",
    );
    assert_eq!(default.status, StatusCode::FORBIDDEN, "{}", default.text());
    let deleted = send(write(
        &http,
        reqwest::Method::DELETE,
        &store_url(&server, elsewhere),
        Some("admin"),
        None,
        "",
    ));
    assert_eq!(deleted.status, StatusCode::NO_CONTENT, "{}", deleted.text());
    assert_eq!(
        get(&http, &store_url(&server, elsewhere), None).status,
        StatusCode::NOT_FOUND
    );
}

#[test]
fn graph_store_writes_only_the_own_graph() {
    let server = start();
    let http = client();
    let own = iri(&server, "graphs/rfflab");
    let meta = iri(&server, "graphs/meta");
    let gsp = |method: reqwest::Method, graph: &str, token: Option<&str>, body: String| {
        write(
            &http,
            method,
            &store_url(&server, graph),
            token,
            Some("text/turtle"),
            body,
        )
    };
    let turtle = |slug: &str, name: &str| {
        format!("@prefix tl: <{TL}> .\n<places/{slug}> a tl:Place ; tl:name \"{name}\" .\n")
    };
    let read_own = |http: &Client| {
        let answer = get(
            http,
            &store_url(&server, &own),
            Some("application/n-triples"),
        );
        assert_eq!(answer.status, StatusCode::OK, "{}", answer.text());
        triples(&server, &answer.body, RdfFormat::NTriples)
    };

    // PUT into the own, empty graph: 201; the graph holds exactly what was sent.
    let put = send(gsp(
        reqwest::Method::PUT,
        &own,
        Some(RFFLAB_TOKEN),
        turtle("lieu-gsp-un", "Lieu GSP un"),
    ));
    assert_eq!(put.status, StatusCode::CREATED, "{}", put.text());
    let sent = triples(
        &server,
        turtle("lieu-gsp-un", "Lieu GSP un").as_bytes(),
        RdfFormat::Turtle,
    );
    assert_eq!(read_own(&http), sent);
    let place_url = server.url("/places/lieu-gsp-un");
    assert_eq!(
        get(&http, &place_url, Some(JSON_LD)).json()["name"],
        json!("Lieu GSP un")
    );
    assert!(ask(
        &server,
        &http,
        &format!(
            "ASK {{ GRAPH <{meta}> {{ <{}> <http://purl.org/dc/terms/modified> ?w ; \
             <http://www.w3.org/ns/prov#wasAttributedTo> <{}> }} }}",
            iri(&server, "places/lieu-gsp-un"),
            iri(&server, "networks/rfflab")
        )
    ));

    // POST adds.
    let post = send(gsp(
        reqwest::Method::POST,
        &own,
        Some(RFFLAB_TOKEN),
        turtle("lieu-gsp-deux", "Lieu GSP deux"),
    ));
    assert!(post.status.is_success(), "{} {}", post.status, post.text());
    let both = read_own(&http);
    assert!(both.is_superset(&sent));
    assert_eq!(both.len(), sent.len() * 2);

    // PUT replaces the whole graph.
    let put = send(gsp(
        reqwest::Method::PUT,
        &own,
        Some(RFFLAB_TOKEN),
        turtle("lieu-gsp-trois", "Lieu GSP trois"),
    ));
    assert_eq!(put.status, StatusCode::NO_CONTENT, "{}", put.text());
    assert_eq!(
        read_own(&http),
        triples(
            &server,
            turtle("lieu-gsp-trois", "Lieu GSP trois").as_bytes(),
            RdfFormat::Turtle
        )
    );
    // The same content again: still a replacement of an existing graph.
    let again = send(gsp(
        reqwest::Method::PUT,
        &own,
        Some(RFFLAB_TOKEN),
        turtle("lieu-gsp-trois", "Lieu GSP trois"),
    ));
    assert_eq!(again.status, StatusCode::NO_CONTENT, "{}", again.text());
    assert_problem(
        &get(&http, &place_url, Some(JSON_LD)),
        StatusCode::NOT_FOUND,
        "replaced away",
    );

    // Refused: no token, another network's graph, the fixtures, the default graph, invalid data.
    let body = turtle("lieu-gsp-refuse", "Lieu GSP refusé");
    assert_refused(
        &server,
        &http,
        gsp(reqwest::Method::PUT, &own, None, body.clone()),
        StatusCode::UNAUTHORIZED,
        "GSP PUT without token",
    );
    for graph in [
        iri(&server, "graphs/compagnie-tiers-lieux"),
        iri(&server, "graphs/fixtures"),
        meta.clone(),
    ] {
        for method in [
            reqwest::Method::PUT,
            reqwest::Method::POST,
            reqwest::Method::DELETE,
        ] {
            assert_refused(
                &server,
                &http,
                gsp(method.clone(), &graph, Some(RFFLAB_TOKEN), body.clone()),
                StatusCode::FORBIDDEN,
                &format!("GSP {method} into <{graph}>"),
            );
        }
    }
    assert_refused(
        &server,
        &http,
        write(
            &http,
            reqwest::Method::PUT,
            &format!("{}?default", server.url("/store")),
            Some(RFFLAB_TOKEN),
            Some("text/turtle"),
            body,
        ),
        StatusCode::FORBIDDEN,
        "GSP PUT into the default graph",
    );
    let before = quad_count(&server, &http);
    let nameless = send(gsp(
        reqwest::Method::POST,
        &own,
        Some(RFFLAB_TOKEN),
        format!("@prefix tl: <{TL}> .\n<places/lieu-gsp-sans-nom> a tl:Place .\n"),
    ));
    assert_eq!(
        nameless.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        nameless.text()
    );
    assert_eq!(nameless.json()["conforms"], json!(false));
    assert_eq!(quad_count(&server, &http), before);

    // DELETE empties the graph: then it is gone.
    let deleted = send(gsp(
        reqwest::Method::DELETE,
        &own,
        Some(RFFLAB_TOKEN),
        String::new(),
    ));
    assert!(
        deleted.status.is_success(),
        "{} {}",
        deleted.status,
        deleted.text()
    );
    assert_problem(
        &get(&http, &server.url("/places/lieu-gsp-trois"), Some(JSON_LD)),
        StatusCode::NOT_FOUND,
        "after DELETE",
    );
    assert_problem(
        &get(
            &http,
            &store_url(&server, &own),
            Some("application/n-triples"),
        ),
        StatusCode::NOT_FOUND,
        "GET a deleted graph",
    );
    assert_refused(
        &server,
        &http,
        gsp(
            reqwest::Method::DELETE,
            &own,
            Some(RFFLAB_TOKEN),
            String::new(),
        ),
        StatusCode::NOT_FOUND,
        "DELETE a deleted graph",
    );
}

/// A named graph too large to read at will waits for the same two turns as a read of the whole
/// store: many GETs of it at once get 503 (not a pinned CPU), a small graph is read meanwhile.
#[test]
fn large_graphs_are_read_two_at_a_time() {
    let server = start_with_admin();
    let http = client();
    let big = "http://www.example/gsp/big";
    let body: String = (0..60_000)
        .map(|i| format!("<http://www.example/big/{i}> <http://www.example/p> \"value {i}\" .\n"))
        .collect();
    let put = send(write(
        &http,
        reqwest::Method::PUT,
        &store_url(&server, big),
        Some("admin"),
        Some("application/n-triples"),
        body.clone(),
    ));
    assert_eq!(put.status, StatusCode::CREATED, "{}", put.text());
    let gate = std::sync::Barrier::new(8);
    let statuses: Vec<(StatusCode, String)> = std::thread::scope(|scope| {
        let readers: Vec<_> = (0..8)
            .map(|_| {
                scope.spawn(|| {
                    gate.wait();
                    let answer = get(
                        &client(),
                        &store_url(&server, big),
                        Some("application/n-triples"),
                    );
                    (answer.status, answer.text())
                })
            })
            .collect();
        readers.into_iter().map(|r| r.join().unwrap()).collect()
    });
    let busy: Vec<_> = statuses
        .iter()
        .filter(|(s, _)| *s == StatusCode::SERVICE_UNAVAILABLE)
        .collect();
    assert!(
        statuses
            .iter()
            .all(|(s, _)| *s == StatusCode::OK || *s == StatusCode::SERVICE_UNAVAILABLE),
        "{:?}",
        statuses.iter().map(|(s, _)| s).collect::<Vec<_>>()
    );
    assert!(
        !busy.is_empty(),
        "eight reads at once of a large graph do not all run"
    );
    assert!(busy[0].1.contains("try again"), "{}", busy[0].1);
    let full = statuses
        .iter()
        .find(|(s, _)| *s == StatusCode::OK)
        .expect("some are read");
    assert_eq!(full.1.lines().count(), 60_000);
    // A small graph is not held back; the large one reads again once the others are done.
    let small = get(
        &http,
        &store_url(&server, &iri(&server, "graphs/fixtures")),
        None,
    );
    assert_eq!(small.status, StatusCode::OK);
    assert_eq!(
        get(&http, &store_url(&server, big), None).status,
        StatusCode::OK
    );
}
