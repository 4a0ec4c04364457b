//! Bad input to the resource API over real HTTP: each is refused with a problem body and the
//! store left as it was (unknown tokens, other graphs, syntax errors, remote contexts, shape
//! violations with their report, unknown media types, ids outside the collection).

mod common;

use common::api::{
    assert_refused, context_url, get, iri, place, quad_count, send, start, triples, write, JSON_LD,
    RFFLAB_TOKEN, SH, TL,
};
use common::{client, repo_path, TestServer};
use lieux_communs::rdf;
use oxigraph::model::{NamedNode, NamedOrBlankNode, Term};
use reqwest::blocking::{Client, RequestBuilder};
use reqwest::StatusCode;
use serde_json::json;

#[test]
fn writes_need_a_known_network_token() {
    let server = start();
    let http = client();
    let body = place(&server, "Lieu sans jeton").to_string();
    let places = server.url("/places");
    let fabrique = server.url("/places/la-fabrique-des-possibles");
    for (what, token) in [
        ("no token", None),
        ("wrong token", Some("t-inconnu")),
        ("empty token", Some("")),
    ] {
        let answer_post = assert_refused(
            &server,
            &http,
            write(
                &http,
                reqwest::Method::POST,
                &places,
                token,
                Some(JSON_LD),
                body.clone(),
            ),
            StatusCode::UNAUTHORIZED,
            &format!("POST, {what}"),
        );
        assert!(answer_post["detail"].is_string());
        assert_refused(
            &server,
            &http,
            write(
                &http,
                reqwest::Method::PUT,
                &fabrique,
                token,
                Some(JSON_LD),
                body.clone(),
            ),
            StatusCode::UNAUTHORIZED,
            &format!("PUT, {what}"),
        );
        assert_refused(
            &server,
            &http,
            write(&http, reqwest::Method::DELETE, &fabrique, token, None, ""),
            StatusCode::UNAUTHORIZED,
            &format!("DELETE, {what}"),
        );
        assert_refused(
            &server,
            &http,
            write(
                &http,
                reqwest::Method::POST,
                &server.url("/import"),
                token,
                Some(JSON_LD),
                body.clone(),
            ),
            StatusCode::UNAUTHORIZED,
            &format!("import, {what}"),
        );
    }
    let answer = send(write(
        &http,
        reqwest::Method::POST,
        &places,
        None,
        Some(JSON_LD),
        body,
    ));
    assert_eq!(answer.header("www-authenticate").as_deref(), Some("Bearer"));
    // A network deletes only its own statements: the fixtures are not its to delete.
    assert_refused(
        &server,
        &http,
        write(
            &http,
            reqwest::Method::DELETE,
            &fabrique,
            Some(RFFLAB_TOKEN),
            None,
            "",
        ),
        StatusCode::NOT_FOUND,
        "DELETE a fixture",
    );
    assert_eq!(get(&http, &fabrique, Some(JSON_LD)).status, StatusCode::OK);
}

#[test]
fn imports_into_another_graph_are_forbidden() {
    let server = start();
    let http = client();
    let subject = iri(&server, "places/lieu-intrus");
    for graph in [
        "graphs/compagnie-tiers-lieux",
        "graphs/fixtures",
        "graphs/meta",
    ] {
        let graph = iri(&server, graph);
        let nquads = format!(
            "<{subject}> <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> <{TL}Place> <{graph}> .\n<{subject}> <{TL}name> \"Intrus\" <{graph}> .\n"
        );
        assert_refused(
            &server,
            &http,
            write(
                &http,
                reqwest::Method::POST,
                &server.url("/import"),
                Some(RFFLAB_TOKEN),
                Some("application/n-quads"),
                nquads,
            ),
            StatusCode::FORBIDDEN,
            &format!("N-Quads into <{graph}>"),
        );
    }
    // One quad in the own graph and one in another: nothing is written.
    let own = iri(&server, "graphs/rfflab");
    let other = iri(&server, "graphs/compagnie-tiers-lieux");
    let mixed = format!(
        "<{subject}> <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> <{TL}Place> <{own}> .\n<{subject}> <{TL}name> \"Intrus\" <{own}> .\n<{subject}> <{TL}description> \"ailleurs\" <{other}> .\n"
    );
    assert_refused(
        &server,
        &http,
        write(
            &http,
            reqwest::Method::POST,
            &server.url("/import"),
            Some(RFFLAB_TOKEN),
            Some("application/n-quads"),
            mixed,
        ),
        StatusCode::FORBIDDEN,
        "N-Quads partly into another graph",
    );
    assert_eq!(
        get(&http, &server.url("/places/lieu-intrus"), Some(JSON_LD)).status,
        StatusCode::NOT_FOUND
    );
}

#[test]
fn syntax_errors_say_where() {
    let server = start();
    let http = client();
    let places = server.url("/places");
    let post = |content_type: &str, body: String| {
        write(
            &http,
            reqwest::Method::POST,
            &places,
            Some(RFFLAB_TOKEN),
            Some(content_type),
            body,
        )
    };
    // A missing comma on line 4.
    let json = format!(
        "{{\n  \"@context\": \"{}\",\n  \"type\": \"Place\"\n  \"name\": \"Sans virgule\"\n}}\n",
        context_url(&server)
    );
    let problem = assert_refused(
        &server,
        &http,
        post(JSON_LD, json),
        StatusCode::BAD_REQUEST,
        "malformed JSON",
    );
    assert_eq!(problem["line"], json!(4), "{problem}");
    assert!(
        problem["column"].as_u64().is_some_and(|c| c >= 1),
        "{problem}"
    );

    // Turtle: an unterminated string on line 3.
    let turtle = format!("@prefix tl: <{TL}> .\n<places/x> a tl:Place ;\n  tl:name \"sans fin .\n");
    let problem = assert_refused(
        &server,
        &http,
        post("text/turtle", turtle),
        StatusCode::BAD_REQUEST,
        "malformed Turtle",
    );
    assert_eq!(problem["line"], json!(3), "{problem}");
    assert!(problem["column"].as_u64().is_some(), "{problem}");

    // Valid JSON, invalid JSON-LD.
    for body in [
        json!({ "@context": 5 }),
        json!({ "@context": context_url(&server), "@id": 5, "type": "Place", "name": "x" }),
        json!({ "@context": { "name": { "@id": format!("{TL}name"), "@container": "@bogus" } }, "name": "x" }),
        json!({ "@context": { "@version": 2 }, "name": "x" }),
    ] {
        assert_refused(
            &server,
            &http,
            post(JSON_LD, body.to_string()),
            StatusCode::BAD_REQUEST,
            &format!("invalid JSON-LD {body}"),
        );
    }
}

#[test]
fn remote_contexts_are_refused_without_any_request() {
    let server = start();
    let http = client();
    let trap = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    trap.set_nonblocking(true).unwrap();
    let remote = format!("http://{}/context.jsonld", trap.local_addr().unwrap());
    let bodies = [
        json!({ "@context": remote, "type": "Place", "name": "Lieu au contexte distant" }),
        json!({ "@context": [context_url(&server), remote], "type": "Place", "name": "Lieu au contexte mêlé" }),
    ];
    for body in &bodies {
        for path in ["/places", "/import"] {
            let problem = assert_refused(
                &server,
                &http,
                write(
                    &http,
                    reqwest::Method::POST,
                    &server.url(path),
                    Some(RFFLAB_TOKEN),
                    Some(JSON_LD),
                    body.to_string(),
                ),
                StatusCode::BAD_REQUEST,
                &format!("remote context on {path}"),
            );
            assert!(
                problem["detail"].as_str().unwrap().contains(&remote),
                "the detail names the context: {problem}"
            );
        }
    }
    match trap.accept() {
        Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {}
        Ok((_, peer)) => panic!("the server fetched the remote context (connection from {peer})"),
        Err(e) => panic!("accept: {e}"),
    }
}

/// The results of a 422 report, checked as JSON and as JSON-LD.
#[track_caller]
fn assert_invalid(
    server: &TestServer,
    http: &Client,
    request: RequestBuilder,
    focus: &str,
    path: &str,
    component: &str,
) {
    let before = quad_count(server, http);
    let answer = send(request);
    assert_eq!(
        answer.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{focus}: {}",
        answer.text()
    );
    assert!(
        answer.content_type().starts_with(JSON_LD),
        "{focus}: {}",
        answer.content_type()
    );
    assert_eq!(
        quad_count(server, http),
        before,
        "{focus}: the store changed"
    );
    let report = answer.json();
    assert_eq!(report["conforms"], json!(false), "{report}");
    let results = report["result"]
        .as_array()
        .unwrap_or_else(|| panic!("result is a list: {report}"));
    assert!(
        results.iter().any(|r| r["focusNode"] == json!(focus)),
        "a result with focusNode {focus}: {report}"
    );
    // As RDF: a result about the focus node, on the path, from the component.
    let parsed = triples(server, &answer.body, rdf::JSON_LD);
    let focus_term = Term::from(NamedNode::new(focus).unwrap());
    let matching: Vec<&NamedOrBlankNode> = parsed
        .iter()
        .filter(|t| t.predicate.as_str() == format!("{SH}focusNode") && t.object == focus_term)
        .map(|t| &t.subject)
        .filter(|r| {
            let has = |p: &str, o: &str| {
                parsed.iter().any(|t| {
                    t.subject == **r
                        && t.predicate.as_str() == p
                        && t.object == Term::from(NamedNode::new(o).unwrap())
                })
            };
            has(&format!("{SH}resultPath"), path)
                && has(
                    &format!("{SH}sourceConstraintComponent"),
                    &format!("{SH}{component}"),
                )
        })
        .collect();
    assert!(
        !matching.is_empty(),
        "a {component} result on {path} for {focus}: {report}"
    );
}

#[test]
fn shape_violations_are_422_with_the_report() {
    let server = start();
    let http = client();
    let post = |collection: &str, content_type: &str, body: String| {
        write(
            &http,
            reqwest::Method::POST,
            &server.url(&format!("/{collection}")),
            Some(RFFLAB_TOKEN),
            Some(content_type),
            body,
        )
    };
    let invalid = |file: &str| {
        std::fs::read_to_string(repo_path(&format!("fixtures/invalid/{file}"))).unwrap()
    };

    // A place without a name.
    let nameless = iri(&server, "places/lieu-sans-nom");
    let body = json!({ "@context": context_url(&server), "@id": nameless, "type": "Place", "description": "Sans nom" });
    assert_invalid(
        &server,
        &http,
        post("places", JSON_LD, body.to_string()),
        &nameless,
        &format!("{TL}name"),
        "MinCountConstraintComponent",
    );
    // The invalid fixtures, posted as Turtle.
    assert_invalid(
        &server,
        &http,
        post("places", "text/turtle", invalid("missing-name.ttl")),
        &iri(&server, "places/lieu-sans-nom"),
        &format!("{TL}name"),
        "MinCountConstraintComponent",
    );
    assert_invalid(
        &server,
        &http,
        post("pledges", "text/turtle", invalid("amount-as-string.ttl")),
        &iri(&server, "pledges/montant-en-texte"),
        &format!("{TL}amount"),
        "DatatypeConstraintComponent",
    );
    assert_invalid(
        &server,
        &http,
        post("pledges", "text/turtle", invalid("unknown-status.ttl")),
        &iri(&server, "pledges/statut-inconnu"),
        &format!("{TL}status"),
        "InConstraintComponent",
    );
    assert_invalid(
        &server,
        &http,
        post(
            "pledges",
            "text/turtle",
            invalid("pledge-to-missing-commons.ttl"),
        ),
        &iri(&server, "pledges/vers-commun-inexistant"),
        &format!("{TL}pledgedTo"),
        "ClassConstraintComponent",
    );
    assert_invalid(
        &server,
        &http,
        post("places", "text/turtle", invalid("bad-postal-code.ttl")),
        &iri(&server, "places/code-postal-faux#address"),
        &format!("{TL}postalCode"),
        "PatternConstraintComponent",
    );
    // A pledge with an amount in words (JSON-LD), and one with neither commons nor campaign.
    let pledge = iri(&server, "pledges/montant-en-lettres");
    let body = json!({
        "@context": context_url(&server), "@id": pledge, "type": "Pledge",
        "funder": iri(&server, "networks/rfflab"), "pledgedTo": iri(&server, "commons/dokos"),
        "amount": { "@value": "cent vingt" }, "status": format!("{TL}status-confirmed")
    });
    assert_invalid(
        &server,
        &http,
        post("pledges", JSON_LD, body.to_string()),
        &pledge,
        &format!("{TL}amount"),
        "DatatypeConstraintComponent",
    );
    let aimless = iri(&server, "pledges/sans-destinataire");
    let body = json!({
        "@context": context_url(&server), "@id": aimless, "type": "Pledge", "name": "Sans destinataire",
        "funder": iri(&server, "networks/rfflab"), "amount": "10", "status": format!("{TL}status-confirmed")
    });
    let before = quad_count(&server, &http);
    let answer = send(post("pledges", JSON_LD, body.to_string()));
    assert_eq!(
        answer.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        answer.text()
    );
    let report = answer.json();
    assert_eq!(report["conforms"], json!(false));
    assert!(
        report["result"]
            .as_array()
            .unwrap()
            .iter()
            .any(|r| r["focusNode"] == json!(aimless)),
        "{report}"
    );
    assert_eq!(quad_count(&server, &http), before);

    // An import is atomic: one invalid resource and nothing is written.
    let import = json!({
        "@context": context_url(&server),
        "@graph": [
            { "@id": iri(&server, "places/lieu-valide-importe"), "type": "Place", "name": "Lieu valide" },
            { "@id": iri(&server, "places/lieu-invalide-importe"), "type": "Place" }
        ]
    });
    assert_invalid(
        &server,
        &http,
        write(
            &http,
            reqwest::Method::POST,
            &server.url("/import"),
            Some(RFFLAB_TOKEN),
            Some(JSON_LD),
            import.to_string(),
        ),
        &iri(&server, "places/lieu-invalide-importe"),
        &format!("{TL}name"),
        "MinCountConstraintComponent",
    );
    assert_eq!(
        get(
            &http,
            &server.url("/places/lieu-valide-importe"),
            Some(JSON_LD)
        )
        .status,
        StatusCode::NOT_FOUND,
        "nothing of a refused import is written"
    );
    // A PUT that would leave a second name is refused too, and the place keeps its name.
    let put = write(
        &http,
        reqwest::Method::PUT,
        &server.url("/places/la-fabrique-des-possibles"),
        Some(RFFLAB_TOKEN),
        Some(JSON_LD),
        place(&server, "Deuxième nom").to_string(),
    );
    assert_invalid(
        &server,
        &http,
        put,
        &iri(&server, "places/la-fabrique-des-possibles"),
        &format!("{TL}name"),
        "MaxCountConstraintComponent",
    );
}

#[test]
fn unknown_media_types_are_415() {
    let server = start();
    let http = client();
    let body = place(&server, "Lieu en PNG").to_string();
    for content_type in [Some("image/png"), Some("text/csv"), None] {
        let problem = assert_refused(
            &server,
            &http,
            write(
                &http,
                reqwest::Method::POST,
                &server.url("/places"),
                Some(RFFLAB_TOKEN),
                content_type,
                body.clone(),
            ),
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            &format!("Content-Type {content_type:?}"),
        );
        assert!(
            problem["detail"].as_str().unwrap().contains(JSON_LD),
            "lists the accepted types: {problem}"
        );
    }
}

#[test]
fn ids_outside_the_collection_are_refused() {
    let server = start();
    let http = client();
    for id in [
        "http://example.org/lieux/ailleurs".to_owned(),
        iri(&server, "commons/un-lieu-chez-les-communs"),
        iri(&server, "places/Majuscules"),
        iri(&server, "places/sous/dossier"),
        iri(&server, "graphs/rfflab"),
    ] {
        let body = json!({ "@context": context_url(&server), "@id": id, "type": "Place", "name": "Ailleurs" });
        assert_refused(
            &server,
            &http,
            write(
                &http,
                reqwest::Method::POST,
                &server.url("/places"),
                Some(RFFLAB_TOKEN),
                Some(JSON_LD),
                body.to_string(),
            ),
            StatusCode::BAD_REQUEST,
            &format!("POST /places with @id {id}"),
        );
    }
    // A PUT whose body names another resource.
    let body = json!({
        "@context": context_url(&server), "@id": iri(&server, "places/la-mine"), "type": "Place", "name": "La mine"
    });
    assert_refused(
        &server,
        &http,
        write(
            &http,
            reqwest::Method::PUT,
            &server.url("/places/pop-cafe"),
            Some(RFFLAB_TOKEN),
            Some(JSON_LD),
            body.to_string(),
        ),
        StatusCode::BAD_REQUEST,
        "PUT /places/pop-cafe describing la-mine",
    );
}
