//! Writes by networks over real HTTP: create, replace and delete a resource, Turtle bodies and
//! imports into the network's graph, concurrent writes and POSTs (each atomic, each with its own
//! outcome), large imports, and subclasses seen by the next write.

mod common;

use common::api::{
    ask, assert_problem, assert_refused, context_url, count, get, iri, list, literal_values,
    member_ids, objects_of, place, post_jsonld, put_jsonld, quad_count, send, start,
    start_with_admin, store_url, triples, urlencode, write, Answer, COMPAGNIE_TOKEN, JSON_LD,
    RFFLAB_TOKEN, TL,
};
use common::client;
use oxigraph::io::RdfFormat;
use reqwest::StatusCode;
use serde_json::{json, Value};
use std::collections::HashSet;

#[test]
fn create_replace_and_delete_a_place() {
    let server = start();
    let http = client();
    let meta = iri(&server, "graphs/meta");
    let rfflab = iri(&server, "networks/rfflab");
    let rfflab_graph = iri(&server, "graphs/rfflab");

    // POST without @id: the server mints the IRI from the name.
    let created = post_jsonld(
        &http,
        &server.url("/places"),
        RFFLAB_TOKEN,
        &place(&server, "L'Atelier partagé"),
    );
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.text());
    let location = created.header("location").expect("a Location");
    let prefix = iri(&server, "places/");
    assert!(location.starts_with(&prefix), "{location}");
    let slug = location[prefix.len()..].to_owned();
    assert!(
        !slug.is_empty()
            && slug
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-'),
        "{location}"
    );
    assert_eq!(created.json()["name"], json!("L'Atelier partagé"));
    let created_tag = created.header("etag").expect("an ETag on 201");

    let read = get(&http, &location, Some(JSON_LD));
    assert_eq!(
        read.status,
        StatusCode::OK,
        "GET {location}: {}",
        read.text()
    );
    assert_eq!(read.json()["name"], json!("L'Atelier partagé"));
    assert_eq!(read.json()["id"], json!(location));
    assert_eq!(read.header("etag"), Some(created_tag.clone()));
    // It is listed and found by name.
    let found = list(
        &server,
        &http,
        &format!("/places?q={}", urlencode("atelier partage")),
    );
    assert_eq!(member_ids(&found), vec![location.clone()]);
    // Stored in the network's graph, with provenance in the meta graph.
    assert!(ask(
        &server,
        &http,
        &format!(
            "ASK {{ GRAPH <{rfflab_graph}> {{ <{location}> <{TL}name> \"L'Atelier partagé\" }} }}"
        )
    ));
    let provenance = format!(
        "PREFIX dct: <http://purl.org/dc/terms/> PREFIX prov: <http://www.w3.org/ns/prov#> \
         PREFIX xsd: <http://www.w3.org/2001/XMLSchema#> \
         ASK {{ GRAPH <{meta}> {{ <{location}> dct:modified ?when ; prov:wasAttributedTo <{rfflab}> . \
         <{rfflab_graph}> prov:wasAttributedTo <{rfflab}> . FILTER(datatype(?when) = xsd:dateTime) }} }}"
    );
    assert!(
        ask(&server, &http, &provenance),
        "graphs/meta records who and when"
    );

    // POST again with that @id: 409.
    let mut again = place(&server, "Doublon");
    again["@id"] = json!(location);
    let conflict = assert_refused(
        &server,
        &http,
        write(
            &http,
            reqwest::Method::POST,
            &server.url("/places"),
            Some(RFFLAB_TOKEN),
            Some(JSON_LD),
            again.to_string(),
        ),
        StatusCode::CONFLICT,
        "POST an existing @id",
    );
    assert!(
        conflict["detail"].as_str().unwrap().contains(&slug),
        "{conflict}"
    );

    // PUT with the current ETag replaces the name.
    let resource_url = server.url(&format!("/places/{slug}"));
    let replaced = put_jsonld(
        &http,
        &resource_url,
        RFFLAB_TOKEN,
        &place(&server, "Atelier renommé"),
        Some(&created_tag),
    );
    assert_eq!(replaced.status, StatusCode::OK, "{}", replaced.text());
    let read = get(&http, &resource_url, Some(JSON_LD));
    assert_eq!(read.json()["name"], json!("Atelier renommé"));
    let stored = triples(
        &server,
        &get(&http, &resource_url, Some("application/n-triples")).body,
        RdfFormat::NTriples,
    );
    assert_eq!(
        literal_values(&objects_of(&stored, &location, &format!("{TL}name"))),
        vec!["Atelier renommé".to_owned()],
        "the old name is gone"
    );
    assert!(!ask(
        &server,
        &http,
        &format!("ASK {{ GRAPH ?g {{ <{location}> ?p \"L'Atelier partagé\" }} }}")
    ));
    assert_eq!(
        count(
            &server,
            &http,
            &format!("SELECT (COUNT(?w) AS ?n) WHERE {{ GRAPH <{meta}> {{ <{location}> <http://purl.org/dc/terms/modified> ?w }} }}")
        ),
        1,
        "one dct:modified per resource"
    );
    // The old ETag no longer gives 304.
    let stale = send(
        http.get(&resource_url)
            .header("accept", JSON_LD)
            .header("if-none-match", &created_tag),
    );
    assert_eq!(stale.status, StatusCode::OK);

    // PUT with a stale ETag: 412, nothing changes.
    let current_tag = read.header("etag").unwrap();
    assert_ne!(current_tag, created_tag);
    let precondition = assert_refused(
        &server,
        &http,
        write(
            &http,
            reqwest::Method::PUT,
            &resource_url,
            Some(RFFLAB_TOKEN),
            Some(JSON_LD),
            place(&server, "Nom perdu").to_string(),
        )
        .header("if-match", &created_tag),
        StatusCode::PRECONDITION_FAILED,
        "PUT with a stale If-Match",
    );
    assert!(precondition["detail"].is_string());
    let read = get(&http, &resource_url, Some(JSON_LD));
    assert_eq!(
        read.json()["name"],
        json!("Atelier renommé"),
        "unchanged after 412"
    );
    assert_eq!(read.header("etag"), Some(current_tag));

    // DELETE: 204, then 404 on read and on a second delete.
    let deleted = send(write(
        &http,
        reqwest::Method::DELETE,
        &resource_url,
        Some(RFFLAB_TOKEN),
        None,
        "",
    ));
    assert_eq!(deleted.status, StatusCode::NO_CONTENT, "{}", deleted.text());
    assert_problem(
        &get(&http, &resource_url, Some(JSON_LD)),
        StatusCode::NOT_FOUND,
        "GET after DELETE",
    );
    let twice = send(write(
        &http,
        reqwest::Method::DELETE,
        &resource_url,
        Some(RFFLAB_TOKEN),
        None,
        "",
    ));
    assert_problem(&twice, StatusCode::NOT_FOUND, "DELETE twice");
    assert!(!ask(
        &server,
        &http,
        &format!("ASK {{ GRAPH <{rfflab_graph}> {{ <{location}> ?p ?o }} }}")
    ));
    let gone = list(
        &server,
        &http,
        &format!("/places?q={}", urlencode("atelier")),
    );
    assert!(!member_ids(&gone).contains(&location), "{gone}");
}

#[test]
fn turtle_bodies_and_imports_are_written_to_the_network_graph() {
    let server = start();
    let http = client();
    let turtle =
        format!("@prefix tl: <{TL}> .\n[] a tl:Commons ; tl:name \"Commun écrit en Turtle\" .\n");
    let created = send(write(
        &http,
        reqwest::Method::POST,
        &server.url("/commons"),
        Some(COMPAGNIE_TOKEN),
        Some("text/turtle"),
        turtle,
    ));
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.text());
    let location = created.header("location").unwrap();
    assert!(
        location.starts_with(&iri(&server, "commons/")),
        "{location}"
    );
    assert_eq!(
        get(&http, &location, Some(JSON_LD)).json()["name"],
        json!("Commun écrit en Turtle")
    );
    assert!(ask(
        &server,
        &http,
        &format!(
            "ASK {{ GRAPH <{}> {{ <{location}> ?p ?o }} }}",
            iri(&server, "graphs/compagnie-tiers-lieux")
        )
    ));

    // A JSON-LD @graph import of two resources.
    let import = json!({
        "@context": context_url(&server),
        "@graph": [
            { "@id": iri(&server, "places/lieu-importe-un"), "type": "Place", "name": "Lieu importé un",
              "memberOf": [iri(&server, "networks/rfflab")] },
            { "@id": iri(&server, "places/lieu-importe-deux"), "type": "Place", "name": "Lieu importé deux" }
        ]
    });
    let imported = post_jsonld(&http, &server.url("/import"), RFFLAB_TOKEN, &import);
    assert_eq!(imported.status, StatusCode::OK, "{}", imported.text());
    assert_eq!(
        imported.json()["resources"],
        json!(2),
        "{}",
        imported.text()
    );
    for (slug, name) in [
        ("lieu-importe-un", "Lieu importé un"),
        ("lieu-importe-deux", "Lieu importé deux"),
    ] {
        let read = get(
            &http,
            &server.url(&format!("/places/{slug}")),
            Some(JSON_LD),
        );
        assert_eq!(read.status, StatusCode::OK, "{slug}: {}", read.text());
        assert_eq!(read.json()["name"], json!(name));
    }
    let members = list(&server, &http, "/places?network=rfflab");
    assert_eq!(
        member_ids(&members),
        vec![iri(&server, "places/lieu-importe-un")],
        "{members}"
    );

    // N-Quads into the network's own graph are accepted.
    let nquads = format!(
        "<{}> <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> <{TL}Place> <{}> .\n<{}> <{TL}name> \"Lieu en N-Quads\" <{}> .\n",
        iri(&server, "places/lieu-en-n-quads"),
        iri(&server, "graphs/rfflab"),
        iri(&server, "places/lieu-en-n-quads"),
        iri(&server, "graphs/rfflab"),
    );
    let answer = send(write(
        &http,
        reqwest::Method::POST,
        &server.url("/import"),
        Some(RFFLAB_TOKEN),
        Some("application/n-quads"),
        nquads,
    ));
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.text());
    assert_eq!(
        get(&http, &server.url("/places/lieu-en-n-quads"), Some(JSON_LD)).json()["name"],
        json!("Lieu en N-Quads")
    );
}

#[test]
fn concurrent_writes_are_atomic() {
    let server = start();
    let http = client();
    let created = post_jsonld(
        &http,
        &server.url("/places"),
        RFFLAB_TOKEN,
        &place(&server, "Lieu disputé"),
    );
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.text());
    let shared = created.header("location").unwrap();
    let shared_url = shared.clone();
    let places_before = list(&server, &http, "/places")["totalItems"]
        .as_u64()
        .unwrap();

    let threads = 16;
    let barrier = std::sync::Barrier::new(threads);
    let outcomes: Vec<(bool, String, Answer)> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..threads)
            .map(|i| {
                let (barrier, server, shared_url) = (&barrier, &server, &shared_url);
                scope.spawn(move || {
                    let http = client();
                    let is_put = i % 2 == 1;
                    let name = if is_put {
                        format!("Nom disputé {i}")
                    } else {
                        format!("Lieu concurrent {i}")
                    };
                    barrier.wait();
                    let answer = if is_put {
                        put_jsonld(&http, shared_url, RFFLAB_TOKEN, &place(server, &name), None)
                    } else {
                        post_jsonld(
                            &http,
                            &server.url("/places"),
                            RFFLAB_TOKEN,
                            &place(server, &name),
                        )
                    };
                    (is_put, name, answer)
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });

    let mut put_names = Vec::new();
    let mut created_count = 0;
    for (is_put, name, answer) in &outcomes {
        assert!(
            !answer.status.is_server_error(),
            "{name}: {} {}",
            answer.status,
            answer.text()
        );
        if !answer.status.is_success() {
            continue;
        }
        if *is_put {
            put_names.push(name.clone());
        } else {
            created_count += 1;
            let location = answer.header("location").expect("a Location");
            let read = get(&http, &location, Some(JSON_LD));
            assert_eq!(read.status, StatusCode::OK, "{name}: {}", read.text());
            assert_eq!(read.json()["name"], json!(name));
        }
    }
    let places_after = list(&server, &http, "/places")["totalItems"]
        .as_u64()
        .unwrap();
    assert_eq!(places_after, places_before + created_count);
    let stored = triples(
        &server,
        &get(&http, &shared_url, Some("application/n-triples")).body,
        RdfFormat::NTriples,
    );
    let names = literal_values(&objects_of(&stored, &shared, &format!("{TL}name")));
    assert_eq!(names.len(), 1, "exactly one name, no mixing: {names:?}");
    assert!(
        put_names.contains(&names[0]),
        "the final name {:?} is one of the PUT bodies {put_names:?}",
        names[0]
    );
    assert_eq!(
        get(&http, &shared_url, Some(JSON_LD)).json()["name"],
        json!(names[0])
    );

    // Every unconditional write of valid data succeeds: a PUT replaces whatever the previous
    // PUT left, so none of them may be refused because of another.
    let refused: Vec<String> = outcomes
        .iter()
        .filter(|(_, _, a)| !a.status.is_success())
        .map(|(is_put, name, a)| {
            format!(
                "{} {name}: {} {}",
                if *is_put { "PUT" } else { "POST" },
                a.status,
                a.text()
            )
        })
        .collect();
    assert!(
        refused.is_empty(),
        "valid concurrent writes refused: {refused:#?}"
    );
}

/// Concurrent POSTs each get their own outcome: valid ones succeed (with no body under
/// `Prefer: return=minimal`), an invalid one gets a report about itself only, writes minting
/// the same name get distinct IRIs.
#[test]
fn concurrent_posts_keep_their_own_outcomes() {
    let server = start();
    let http = client();
    let before = list(&server, &http, "/places")["totalItems"]
        .as_u64()
        .unwrap();
    let threads = 18;
    let barrier = std::sync::Barrier::new(threads);
    let outcomes: Vec<(usize, Answer)> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..threads)
            .map(|i| {
                let (barrier, server) = (&barrier, &server);
                scope.spawn(move || {
                    let http = client();
                    let body = match i % 3 {
                        // The same name: minted IRIs must differ.
                        0 => place(server, "Lieu jumeau"),
                        // No name: invalid.
                        1 => json!({
                            "@context": context_url(server),
                            "@id": iri(server, &format!("places/sans-nom-{i}")),
                            "type": "Place",
                            "description": "Sans nom"
                        }),
                        _ => place(server, &format!("Lieu groupé {i}")),
                    };
                    barrier.wait();
                    let answer = send(
                        http.post(server.url("/places"))
                            .bearer_auth(RFFLAB_TOKEN)
                            .header("content-type", JSON_LD)
                            .header("prefer", "return=minimal")
                            .body(body.to_string()),
                    );
                    (i, answer)
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    let mut locations = HashSet::new();
    for (i, answer) in &outcomes {
        if i % 3 == 1 {
            assert_eq!(
                answer.status,
                StatusCode::UNPROCESSABLE_ENTITY,
                "{i}: {}",
                answer.text()
            );
            let report = answer.json();
            let focus: HashSet<&Value> = report["result"]
                .as_array()
                .unwrap()
                .iter()
                .map(|r| &r["focusNode"])
                .collect();
            assert_eq!(
                focus,
                HashSet::from([&json!(iri(&server, &format!("places/sans-nom-{i}")))]),
                "the report of write {i} speaks of its own place only: {report}"
            );
        } else {
            assert_eq!(answer.status, StatusCode::CREATED, "{i}: {}", answer.text());
            assert!(answer.body.is_empty(), "return=minimal: no body");
            assert_eq!(
                answer.header("preference-applied").as_deref(),
                Some("return=minimal")
            );
            let location = answer.header("location").expect("a Location");
            assert!(locations.insert(location.clone()), "{location} given twice");
            assert_eq!(get(&http, &location, Some(JSON_LD)).status, StatusCode::OK);
        }
    }
    assert_eq!(locations.len(), 12);
    let after = list(&server, &http, "/places")["totalItems"]
        .as_u64()
        .unwrap();
    assert_eq!(after, before + 12);
    for i in (1..threads).step_by(3) {
        let absent = get(
            &http,
            &server.url(&format!("/places/sans-nom-{i}")),
            Some(JSON_LD),
        );
        assert_eq!(absent.status, StatusCode::NOT_FOUND);
    }
}

/// An import of many new resources goes through Oxigraph's bulk loader: it must read back like
/// any write, be replaced by a later import, and leave nothing behind when it is invalid.
#[test]
fn large_imports_are_validated_atomic_and_replaceable() {
    let server = start();
    let http = client();
    let count = 3_000; // 5 triples each: over the bulk loader's threshold (10 000)
    let graph = |name_of: &dyn Fn(usize) -> String, postal: &str| {
        let nodes: Vec<Value> = (0..count)
            .map(|i| {
                json!({
                    "@id": iri(&server, &format!("places/en-nombre-{i}")),
                    "type": "Place",
                    "name": name_of(i),
                    "address": {
                        "@id": iri(&server, &format!("places/en-nombre-{i}#address")),
                        "postalCode": postal,
                        "locality": "Rennes"
                    }
                })
            })
            .collect();
        json!({ "@context": context_url(&server), "@graph": nodes }).to_string()
    };
    let import = |body: String| {
        send(write(
            &http,
            reqwest::Method::POST,
            &server.url("/import"),
            Some(RFFLAB_TOKEN),
            Some(JSON_LD),
            body,
        ))
    };
    let before = quad_count(&server, &http);
    let answer = import(graph(&|i| format!("Lieu n° {i}"), "35000"));
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.text());
    assert_eq!(answer.json()["resources"], json!(count));
    let read = get(&http, &server.url("/places/en-nombre-1234"), Some(JSON_LD));
    assert_eq!(read.status, StatusCode::OK, "{}", read.text());
    assert_eq!(read.json()["name"], json!("Lieu n° 1234"));
    let rfflab = iri(&server, "networks/rfflab");
    assert!(ask(
        &server,
        &http,
        &format!(
            "ASK {{ GRAPH <{}> {{ <{}> <http://purl.org/dc/terms/modified> ?d ; <http://www.w3.org/ns/prov#wasAttributedTo> <{rfflab}> }} }}",
            iri(&server, "graphs/meta"),
            iri(&server, "places/en-nombre-1999")
        )
    ));
    let imported = quad_count(&server, &http);
    assert!(
        imported >= before + 6 * count as u64,
        "{before} → {imported}"
    );

    // Invalid (a postal code of 4 digits everywhere): 422, nothing changes.
    let answer = import(graph(&|i| format!("Autre nom {i}"), "3500"));
    assert_eq!(answer.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(quad_count(&server, &http), imported);

    // A new import of the same resources replaces them: one name each, no leftovers.
    let answer = import(graph(&|i| format!("Nouveau nom {i}"), "35700"));
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.text());
    assert_eq!(quad_count(&server, &http), imported);
    let stored = triples(
        &server,
        &get(
            &http,
            &server.url("/places/en-nombre-7"),
            Some("application/n-triples"),
        )
        .body,
        RdfFormat::NTriples,
    );
    let place7 = iri(&server, "places/en-nombre-7");
    assert_eq!(
        literal_values(&objects_of(&stored, &place7, &format!("{TL}name"))),
        ["Nouveau nom 7"]
    );
}

/// Validation keeps the `rdfs:subClassOf` closures of classes from one write to the next: a
/// subclass written into a network's graph (and the write that brings it), or removed by a
/// SPARQL Update, is seen by the very next write.
#[test]
fn a_new_subclass_is_seen_by_the_next_write() {
    let server = start_with_admin();
    let http = client();
    let own = iri(&server, "graphs/rfflab");
    let add_to_own_graph = |turtle: String| {
        let answer = send(write(
            &http,
            reqwest::Method::POST,
            &store_url(&server, &own),
            Some(RFFLAB_TOKEN),
            Some("text/turtle"),
            turtle,
        ));
        assert!(answer.status.is_success(), "{}", answer.text());
    };
    let network = iri(&server, "networks/reseau-ouest");
    add_to_own_graph(format!(
        "<{network}> a <http://example.org/ns#ReseauRegional> ; <{TL}name> \"Réseau de l'Ouest\" ."
    ));
    let member = |name: &str| {
        let mut body = place(&server, name);
        body["memberOf"] = json!(network);
        post_jsonld(&http, &server.url("/places"), RFFLAB_TOKEN, &body)
    };

    // Not a tl:Network (yet): refused on sh:class, and the class's closure is now kept.
    let refused = member("Lieu de l'Ouest");
    assert_eq!(
        refused.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        refused.text()
    );
    assert_eq!(refused.json()["conforms"], json!(false));
    assert!(refused.text().contains("memberOf"), "{}", refused.text());

    // A network says its class is a kind of tl:Network, and adds a member in the same write:
    // that write is judged with the hierarchy it brings, and the next one sees it too.
    let member_place = iri(&server, "places/lieu-du-sud");
    add_to_own_graph(format!(
        "<http://example.org/ns#ReseauRegional> <http://www.w3.org/2000/01/rdf-schema#subClassOf> <{TL}Network> .
         <{member_place}> a <{TL}Place> ; <{TL}name> \"Lieu du Sud\" ; <{TL}memberOf> <{network}> ."
    ));
    let accepted = member("Lieu de l'Ouest");
    assert_eq!(accepted.status, StatusCode::CREATED, "{}", accepted.text());

    // An update removes it again: the next write is refused again.
    let update = send(
        http.post(server.url("/sparql"))
            .bearer_auth("admin")
            .header("content-type", "application/sparql-update")
            .body(format!(
                "DELETE DATA {{ GRAPH <{own}> {{ <http://example.org/ns#ReseauRegional> \
                 <http://www.w3.org/2000/01/rdf-schema#subClassOf> <{TL}Network> }} }}"
            )),
    );
    assert!(update.status.is_success(), "{}", update.text());
    let refused = member("Lieu de l'Ouest bis");
    assert_eq!(
        refused.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        refused.text()
    );
}
