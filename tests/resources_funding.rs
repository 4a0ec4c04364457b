//! The co-funding views over real HTTP: `fundingSummary` of a commons and `fundingByCommons` of
//! a campaign, computed on each read, including pledges posted by a network.

mod common;

use common::api::{
    amount, context_url, get, iri, post_jsonld, start, triples, JSON_LD, RFFLAB_TOKEN, TL,
};
use common::{client, TestServer};
use lieux_communs::rdf;
use oxigraph::io::RdfFormat;
use reqwest::blocking::Client;
use reqwest::StatusCode;
use serde_json::{json, Value};

fn funding_summary(server: &TestServer, http: &Client, path: &str) -> Value {
    let document = get(http, &server.url(path), Some(JSON_LD)).json();
    document
        .get("fundingSummary")
        .cloned()
        .unwrap_or_else(|| panic!("{path} has a fundingSummary: {document}"))
}

fn status_total(summary: &Value, status: &str) -> f64 {
    summary["pledgedByStatus"].get(status).map_or(0.0, amount)
}

#[test]
fn funding_summary_of_a_commons_with_budget_and_pledges() {
    let server = start();
    let http = client();
    // aiguilleurs: budget 5 × 8000; pledges 5000 confirmed, 10000 requested, one intention
    // without amount.
    let summary = funding_summary(&server, &http, "/commons/aiguilleurs");
    assert_eq!(amount(&summary["budgetTotal"]), 40000.0, "{summary}");
    assert_eq!(summary["pledgeCount"], json!(3), "{summary}");
    assert_eq!(status_total(&summary, "confirmed"), 5000.0, "{summary}");
    assert_eq!(status_total(&summary, "requested"), 10000.0, "{summary}");
    assert_eq!(amount(&summary["pledgedTotal"]), 15000.0, "{summary}");
    assert_eq!(summary["budgetCoveredPercent"], json!(12.5), "{summary}");
}

#[test]
fn a_pledge_posted_by_a_network_shows_in_the_funding_views() {
    let server = start();
    let http = client();
    let before = funding_summary(&server, &http, "/commons/dokos");
    let pledge = json!({
        "@context": context_url(&server),
        "type": "Pledge",
        "name": "RFFLab soutient Dokos",
        "funder": iri(&server, "networks/rfflab"),
        "pledgedTo": iri(&server, "commons/dokos"),
        "amount": "120",
        "status": format!("{TL}status-confirmed"),
    });
    let created = post_jsonld(&http, &server.url("/pledges"), RFFLAB_TOKEN, &pledge);
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.text());

    let after = funding_summary(&server, &http, "/commons/dokos");
    assert_eq!(
        after["pledgeCount"].as_u64().unwrap(),
        before["pledgeCount"].as_u64().unwrap() + 1,
        "{before} → {after}"
    );
    assert_eq!(
        amount(&after["pledgedTotal"]),
        amount(&before["pledgedTotal"]) + 120.0,
        "{before} → {after}"
    );
    assert_eq!(
        status_total(&after, "confirmed"),
        status_total(&before, "confirmed") + 120.0,
        "{before} → {after}"
    );
    // The view is not RDF: the stored description of dokos is unchanged by it.
    let document = get(&http, &server.url("/commons/dokos"), Some(JSON_LD));
    let stored = get(
        &http,
        &server.url("/commons/dokos"),
        Some("application/n-triples"),
    );
    assert_eq!(
        triples(&server, &document.body, rdf::JSON_LD),
        triples(&server, &stored.body, RdfFormat::NTriples),
        "fundingSummary must not read as RDF"
    );

    // The campaign lists its commons; a pledge of the campaign to dokos is counted for dokos.
    let campaign_url = "/campaigns/adopte-un-commun-2021";
    let by_commons = |http: &Client| -> Vec<Value> {
        let document = get(http, &server.url(campaign_url), Some(JSON_LD)).json();
        document["fundingByCommons"]
            .as_array()
            .unwrap_or_else(|| panic!("fundingByCommons is a list: {document}"))
            .clone()
    };
    let entries = by_commons(&http);
    for slug in ["dokos", "movilab", "cahier-d-activites"] {
        let commons = iri(&server, &format!("commons/{slug}"));
        let entry = entries
            .iter()
            .find(|e| e["commons"] == json!(commons))
            .unwrap_or_else(|| panic!("{commons} in fundingByCommons: {entries:?}"));
        assert!(entry["name"].is_string(), "{entry}");
    }
    // The three pledges of 2021 go to the campaign as a whole: 400 + 1000 + 50.
    let whole = entries
        .iter()
        .find(|e| e["commons"].is_null())
        .unwrap_or_else(|| panic!("the campaign-wide entry: {entries:?}"));
    assert_eq!(amount(&whole["pledgedTotal"]), 1450.0, "{whole}");
    assert_eq!(whole["pledgeCount"], json!(3), "{whole}");

    let dokos = iri(&server, "commons/dokos");
    let dokos_before = entries
        .iter()
        .find(|e| e["commons"] == json!(dokos))
        .unwrap()
        .clone();
    let campaign_pledge = json!({
        "@context": context_url(&server),
        "type": "Pledge",
        "name": "RFFLab adopte Dokos",
        "funder": iri(&server, "networks/rfflab"),
        "pledgedTo": dokos,
        "campaign": iri(&server, "campaigns/adopte-un-commun-2021"),
        "amount": "30",
        "status": format!("{TL}status-intention"),
    });
    let created = post_jsonld(
        &http,
        &server.url("/pledges"),
        RFFLAB_TOKEN,
        &campaign_pledge,
    );
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.text());
    let entries = by_commons(&http);
    let dokos_after = entries
        .iter()
        .find(|e| e["commons"] == json!(dokos))
        .unwrap();
    assert_eq!(
        amount(&dokos_after["pledgedTotal"]),
        amount(&dokos_before["pledgedTotal"]) + 30.0,
        "{dokos_after}"
    );
    assert_eq!(
        dokos_after["pledgeCount"].as_u64().unwrap(),
        dokos_before["pledgeCount"].as_u64().unwrap() + 1
    );
}
