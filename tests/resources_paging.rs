//! Collections over real HTTP: every class lists its fixtures as a Hydra collection, paging
//! follows `next` links through every member, filters narrow the members, and bad paging
//! parameters are refused with a problem body.

mod common;

use common::api::{
    assert_problem, context_url, get, iri, list, member_ids, objects_of, start, triples, urlencode,
    JSON_LD,
};
use common::client;
use lieux_communs::rdf;
use reqwest::StatusCode;
use serde_json::json;

#[test]
fn every_collection_lists_the_fixtures() {
    let server = start();
    let http = client();
    let cases = [
        ("places", 3, "places/la-fabrique-des-possibles"),
        ("commons", 6, "commons/dokos"),
        ("contributors", 11, "contributors/jordan-thevenot"),
        (
            "pledges",
            6,
            "pledges/sur-adhesion-la-fabrique-des-possibles",
        ),
        ("campaigns", 2, "campaigns/adopte-un-commun-2021"),
        ("networks", 8, "networks/rfflab"),
    ];
    for (segment, at_least, known) in cases {
        let answer = get(&http, &server.url(&format!("/{segment}")), None);
        assert_eq!(
            answer.status,
            StatusCode::OK,
            "/{segment}: {}",
            answer.text()
        );
        assert!(
            answer.content_type().starts_with(JSON_LD),
            "/{segment}: {}",
            answer.content_type()
        );
        let document = answer.json();
        assert_eq!(
            document["@context"],
            json!(context_url(&server)),
            "/{segment}"
        );
        assert_eq!(document["id"], json!(iri(&server, segment)), "/{segment}");
        assert_eq!(document["type"], json!("Collection"), "/{segment}");
        let total = document["totalItems"]
            .as_u64()
            .unwrap_or_else(|| panic!("/{segment}: {document}"));
        assert!(
            total >= at_least,
            "/{segment}: {total} items, expected at least {at_least}"
        );
        let ids = member_ids(&document);
        assert_eq!(
            ids.len() as u64,
            total.min(50),
            "/{segment}: one page of members"
        );
        let prefix = iri(&server, &format!("{segment}/"));
        assert!(
            ids.iter().all(|id| id.starts_with(&prefix)),
            "/{segment}: {ids:?}"
        );
        assert!(
            ids.contains(&iri(&server, known)),
            "/{segment} lists {known}: {ids:?}"
        );
        assert!(
            document["view"]["first"].is_string(),
            "/{segment}: {document}"
        );
        assert!(
            document["view"]["last"].is_string(),
            "/{segment}: {document}"
        );
        // The collection is JSON-LD: read with our context, it states its members.
        let parsed = triples(&server, &answer.body, rdf::JSON_LD);
        let members = objects_of(
            &parsed,
            &iri(&server, segment),
            "http://www.w3.org/ns/hydra/core#member",
        );
        assert_eq!(members.len(), ids.len(), "/{segment}: hydra:member triples");
    }
}

#[test]
fn paging_follows_next_links_through_every_member() {
    let server = start();
    let http = client();
    let all = list(&server, &http, "/places");
    let all_ids = member_ids(&all);
    assert!(all_ids.len() >= 2, "{all}");

    let first = list(&server, &http, "/places?limit=1");
    assert_eq!(member_ids(&first).len(), 1);
    assert_eq!(first["totalItems"], all["totalItems"]);
    assert!(
        first["view"].get("previous").is_none(),
        "no previous page on page 1: {first}"
    );
    let next = first["view"]["next"]
        .as_str()
        .unwrap_or_else(|| panic!("a next link: {first}"))
        .to_owned();
    let second = get(&http, &next, Some(JSON_LD));
    assert_eq!(
        second.status,
        StatusCode::OK,
        "GET {next}: {}",
        second.text()
    );
    let second = second.json();
    assert_eq!(member_ids(&second).len(), 1);
    assert_ne!(
        member_ids(&first),
        member_ids(&second),
        "the next page has another member"
    );
    assert!(
        second["view"]["previous"].is_string(),
        "page 2 has a previous link: {second}"
    );

    // Walking the next links visits every member once, in the order of the whole list.
    let mut walked = Vec::new();
    let mut url = Some(server.url("/places?limit=1"));
    while let Some(current) = url {
        let page = get(&http, &current, Some(JSON_LD));
        assert_eq!(
            page.status,
            StatusCode::OK,
            "GET {current}: {}",
            page.text()
        );
        let page = page.json();
        walked.extend(member_ids(&page));
        assert!(
            walked.len() <= all_ids.len(),
            "the next links loop: {walked:?}"
        );
        url = page["view"]["next"].as_str().map(str::to_owned);
    }
    assert_eq!(walked, all_ids);

    // The last link is the last page, without a next link.
    let last = first["view"]["last"].as_str().unwrap().to_owned();
    let last = get(&http, &last, Some(JSON_LD)).json();
    assert!(last["view"].get("next").is_none(), "{last}");
    assert_eq!(member_ids(&last), vec![all_ids.last().unwrap().clone()]);

    // Links keep the filters.
    let filtered = list(&server, &http, "/pledges?commons=aiguilleurs&limit=1");
    let next = filtered["view"]["next"]
        .as_str()
        .unwrap_or_else(|| panic!("{filtered}"))
        .to_owned();
    assert!(next.contains("commons=aiguilleurs"), "{next}");
    let page2 = get(&http, &next, Some(JSON_LD)).json();
    assert_eq!(page2["totalItems"], filtered["totalItems"]);
}

#[test]
fn filters_by_name_network_commons_and_tag() {
    let server = start();
    let http = client();
    let fabrique = iri(&server, "places/la-fabrique-des-possibles");

    let by_name = list(&server, &http, "/places?q=fabrique");
    assert_eq!(member_ids(&by_name), vec![fabrique.clone()], "{by_name}");
    assert_eq!(by_name["totalItems"], json!(1));
    // Case and accents do not matter, on either side.
    for q in ["FABRIQUE", "Fabriqué", "fàbrique des POSSIBLES"] {
        let document = list(&server, &http, &format!("/places?q={}", urlencode(q)));
        assert_eq!(
            member_ids(&document),
            vec![fabrique.clone()],
            "q={q}: {document}"
        );
    }
    let cafe = list(
        &server,
        &http,
        &format!("/places?q={}", urlencode("pop cafe")),
    );
    assert_eq!(
        member_ids(&cafe),
        vec![iri(&server, "places/pop-cafe")],
        "{cafe}"
    );
    let appel = list(
        &server,
        &http,
        &format!("/campaigns?q={}", urlencode("appel a communs")),
    );
    assert_eq!(
        member_ids(&appel),
        vec![iri(&server, "campaigns/appel-a-communs-2024")],
        "{appel}"
    );
    let nothing = list(&server, &http, "/places?q=zzz-aucun-lieu");
    assert_eq!(nothing["totalItems"], json!(0));
    assert_eq!(member_ids(&nothing), Vec::<String>::new());

    // network: by slug or by IRI.
    let adopte = iri(&server, "campaigns/adopte-un-commun-2021");
    let by_slug = list(&server, &http, "/campaigns?network=communs-des-tiers-lieux");
    assert_eq!(member_ids(&by_slug), vec![adopte.clone()], "{by_slug}");
    let by_iri = list(
        &server,
        &http,
        &format!(
            "/campaigns?network={}",
            urlencode(&iri(&server, "networks/communs-des-tiers-lieux"))
        ),
    );
    assert_eq!(member_ids(&by_iri), vec![adopte.clone()], "{by_iri}");
    let funded = list(&server, &http, "/pledges?network=compagnie-tiers-lieux");
    assert_eq!(
        member_ids(&funded),
        vec![iri(
            &server,
            "pledges/aiguilleurs-2024-compagnie-tiers-lieux"
        )],
        "{funded}"
    );

    // commons
    let users = list(&server, &http, "/places?commons=dokos");
    assert_eq!(member_ids(&users), vec![fabrique.clone()], "{users}");
    let featuring = list(&server, &http, "/campaigns?commons=dokos");
    assert_eq!(member_ids(&featuring), vec![adopte], "{featuring}");
    let pledges = list(&server, &http, "/pledges?commons=aiguilleurs");
    let mut pledge_ids = member_ids(&pledges);
    pledge_ids.sort();
    let mut expected: Vec<String> = [
        "pledges/aiguilleurs-2024-compagnie-tiers-lieux",
        "pledges/aiguilleurs-2024-france-tiers-lieux",
        "pledges/aiguilleurs-2024-novapec",
    ]
    .iter()
    .map(|p| iri(&server, p))
    .collect();
    expected.sort();
    assert_eq!(pledge_ids, expected, "{pledges}");

    // tag (case-insensitive)
    let tagged = list(&server, &http, "/commons?tag=formation");
    assert_eq!(
        member_ids(&tagged),
        vec![iri(&server, "commons/aiguilleurs")],
        "{tagged}"
    );
}

#[test]
fn paging_parameters_out_of_range_are_refused() {
    let server = start();
    let http = client();
    for query in ["limit=0", "limit=1000", "limit=201", "page=0"] {
        let answer = get(
            &http,
            &server.url(&format!("/places?{query}")),
            Some(JSON_LD),
        );
        assert_problem(&answer, StatusCode::BAD_REQUEST, query);
    }
    for query in ["limit=1", "limit=200"] {
        let answer = get(
            &http,
            &server.url(&format!("/places?{query}")),
            Some(JSON_LD),
        );
        assert_eq!(answer.status, StatusCode::OK, "{query}: {}", answer.text());
    }
    // A page past the end is an empty page, not an error.
    let beyond = list(&server, &http, "/places?page=99");
    assert_eq!(member_ids(&beyond), Vec::<String>::new());
}

#[test]
fn non_numeric_paging_parameters_are_a_problem_body() {
    let server = start();
    let http = client();
    for query in ["limit=abc", "limit=-1", "page=deux"] {
        let answer = get(
            &http,
            &server.url(&format!("/places?{query}")),
            Some(JSON_LD),
        );
        assert_problem(&answer, StatusCode::BAD_REQUEST, query);
    }
}
