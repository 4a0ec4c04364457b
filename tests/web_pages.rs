//! The French web interface over real HTTP, then in a real browser (headless Chromium driven
//! through chromedriver): server-rendered pages, escaping, GeoJSON, the map, the co-funding
//! progress, the SPARQL editor, the validator, and screenshots of every page.

mod common;

use common::{client, TestServer};
use fantoccini::{Client, ClientBuilder, Locator};
use lieux_communs::config::NetworkConfig;
use serde_json::{json, Value};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const TOKEN: &str = "t-web";

/// Places with coordinates (three of them), one without, one whose name is markup, a commun
/// with a budget, a campaign featuring it and pledges of every status and kind. IRIs are
/// relative to the server's base.
const DATA: &str = r#"
@prefix tl: <https://w3id.org/tiers-lieux/ns#> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .

<places/atelier-nord> a tl:Place ; tl:name "L'Atelier du Nord" ;
    tl:memberOf <networks/compagnie-tiers-lieux> ; tl:placeType tl:placetype-tiers-lieu ;
    tl:address [ tl:locality "Lille" ; tl:postalCode "59000" ] ;
    tl:geo [ tl:latitude "50.6292"^^xsd:decimal ; tl:longitude "3.0573"^^xsd:decimal ] .
<places/cafe-sud> a tl:Place ; tl:name "Le Café du Sud" ;
    tl:placeType tl:placetype-fabrique-de-territoire ;
    tl:geo [ tl:latitude "43.2965"^^xsd:decimal ; tl:longitude "5.3698"^^xsd:decimal ] .
<places/grange-ouest> a tl:Place ; tl:name "La Grange de l'Ouest" ;
    tl:memberOf <networks/compagnie-tiers-lieux> ; tl:placeType tl:placetype-tiers-lieu ;
    tl:geo [ tl:latitude "47.2184"^^xsd:decimal ; tl:longitude "-1.5536"^^xsd:decimal ] .
<places/sans-coordonnees> a tl:Place ; tl:name "Un lieu sans coordonnées" .
<places/balise> a tl:Place ; tl:name "<script>alert(1)</script>" ;
    tl:description "<img src=x onerror=alert(2)>" .

<commons/fonds-test> a tl:Commons ; tl:name "Le Commun à financer" ;
    tl:budgetLine <commons/fonds-test#ligne-1> , <commons/fonds-test#ligne-2> .
<commons/fonds-test#ligne-1> a tl:BudgetLine ; tl:name "Animation" ; tl:amount "8000"^^xsd:decimal .
<commons/fonds-test#ligne-2> a tl:BudgetLine ; tl:name "Outils" ; tl:amount "2000"^^xsd:decimal .

<campaigns/campagne-test> a tl:Campaign ; tl:name "Campagne d'essai" ;
    tl:featuresCommons <commons/fonds-test> .

<pledges/p-confirme> a tl:Pledge ; tl:name "Promesse confirmée" ; tl:funder <places/atelier-nord> ;
    tl:pledgedTo <commons/fonds-test> ; tl:campaign <campaigns/campagne-test> ;
    tl:amount "3000"^^xsd:decimal ; tl:status tl:status-confirmed ; tl:pledgeKind tl:kind-gift .
<pledges/p-verse> a tl:Pledge ; tl:name "Don versé" ; tl:funder <places/cafe-sud> ;
    tl:pledgedTo <commons/fonds-test> ; tl:campaign <campaigns/campagne-test> ;
    tl:amount "1000"^^xsd:decimal ; tl:status tl:status-paid ; tl:pledgeKind tl:kind-gift .
<pledges/p-adhesion> a tl:Pledge ; tl:name "Sur-adhésion" ; tl:funder <places/grange-ouest> ;
    tl:pledgedTo <commons/fonds-test> ; tl:campaign <campaigns/campagne-test> ;
    tl:amount "50"^^xsd:decimal ; tl:status tl:status-confirmed ; tl:pledgeKind tl:kind-membership-share .
<pledges/p-intention> a tl:Pledge ; tl:name "Intention" ; tl:funder <places/cafe-sud> ;
    tl:pledgedTo <commons/fonds-test> ;
    tl:amount "500"^^xsd:decimal ; tl:status tl:status-intention .
<pledges/p-annule> a tl:Pledge ; tl:name "Annulé" ; tl:funder <places/cafe-sud> ;
    tl:pledgedTo <commons/fonds-test> ;
    tl:amount "700"^^xsd:decimal ; tl:status tl:status-cancelled .
"#;

/// Places of DATA with coordinates, as (slug, longitude, latitude).
const LOCATED: &[(&str, f64, f64)] = &[
    ("atelier-nord", 3.0573, 50.6292),
    ("cafe-sud", 5.3698, 43.2965),
    ("grange-ouest", -1.5536, 47.2184),
];

/// A server with the fixtures and DATA, and the given tile server.
fn start(tiles: &str) -> TestServer {
    let tiles = tiles.to_owned();
    let server = TestServer::start_with(|config| {
        config.networks.insert(
            "web".into(),
            NetworkConfig {
                token: TOKEN.into(),
            },
        );
        config.map_tiles_url = tiles;
    });
    let answer = client()
        .post(server.url("/import"))
        .bearer_auth(TOKEN)
        .header("content-type", "text/turtle")
        .body(DATA)
        .send()
        .unwrap();
    let status = answer.status();
    assert!(
        status.is_success(),
        "import: {status} {}",
        answer.text().unwrap()
    );
    server
}

fn html(server: &TestServer, path: &str) -> String {
    let answer = client()
        .get(server.url(path))
        .header("accept", "text/html")
        .send()
        .unwrap();
    assert_eq!(answer.status(), 200, "GET {path}");
    assert!(
        answer.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/html"),
        "GET {path} is HTML"
    );
    answer.text().unwrap()
}

/// Text with the no-break spaces of French numbers made plain.
fn plain(text: &str) -> String {
    text.replace(['\u{a0}', '\u{202f}'], " ")
}

// ------------------------------------------------------------------------------------------------
// Server-rendered pages (no browser)
// ------------------------------------------------------------------------------------------------

#[test]
fn home_page_counts_and_searches_without_accents_or_case() {
    let server = start("");
    let page = plain(&html(&server, "/"));
    assert!(page.contains(r#"<html lang="fr">"#));
    // The fixtures' 3 places and DATA's 5; fixtures' campaigns and DATA's one.
    let places = client()
        .get(server.url("/places"))
        .send()
        .unwrap()
        .json::<Value>()
        .unwrap()["totalItems"]
        .as_u64()
        .unwrap();
    assert_eq!(places, 8);
    assert!(
        page.contains(&format!(
            r#"<li data-collection="places"><a href="/places"><span class="count">{places}</span>"#
        )),
        "{page}"
    );
    for link in [
        "/sparql",
        "/context.jsonld",
        "/openapi.json",
        "/dump",
        "/.well-known/void",
        "/validate",
        "/api",
    ] {
        assert!(
            page.contains(&format!(r#"href="{link}""#)),
            "the home page links to {link}"
        );
    }
    let found = html(&server, "/?q=FABRIQUÉ");
    assert!(found.contains("La Fabrique des possibles"), "{found}");
    assert!(!found.contains("L'Atelier du Nord"));
    let none = html(&server, "/?q=introuvable");
    assert!(none.contains("Aucun résultat"));
}

#[test]
fn collection_pages_filter_and_page_like_the_json_ld_collections() {
    let server = start("");
    let page = html(&server, "/places?limit=2&network=compagnie-tiers-lieux");
    let json: Value = client()
        .get(server.url("/places?limit=2&network=compagnie-tiers-lieux"))
        .send()
        .unwrap()
        .json()
        .unwrap();
    assert_eq!(json["totalItems"], 2);
    for member in json["member"].as_array().unwrap() {
        let name = member["name"].as_str().unwrap();
        assert!(page.contains(&format!(">{name}</a>")), "{name} in {page}");
    }
    // The form keeps the filter, and the pager builds the same query strings as the API.
    assert!(page.contains(r#"<option value="compagnie-tiers-lieux" selected>"#));
    let all = html(&server, "/places?limit=2");
    assert!(
        all.contains(r#"rel="next" href="/places?page=2&amp;limit=2""#),
        "{all}"
    );
    let second = html(&server, "/places?page=2&limit=2");
    assert!(second.contains(r#"rel="prev""#));
    // Every form field has its label.
    assert_labelled(&all);
    // Usable without JavaScript: the list is in the HTML.
    assert!(all.contains(r#"<ul class="members">"#));
}

/// Every input, select and textarea has an id that a `<label for>` names.
fn assert_labelled(page: &str) {
    let field = regex::Regex::new(r#"<(input|select|textarea)([^>]*)>"#).unwrap();
    let id = regex::Regex::new(r#"\bid="([^"]+)""#).unwrap();
    for found in field.captures_iter(page) {
        let attributes = &found[2];
        if attributes.contains(r#"type="hidden""#) {
            continue;
        }
        let id = id
            .captures(attributes)
            .unwrap_or_else(|| panic!("a field without id: {}", &found[0]));
        assert!(
            page.contains(&format!(r#"<label for="{}">"#, &id[1])),
            "no label for {}",
            &id[1]
        );
    }
}

/// Headings come in order: no level skipped after the page's one h1.
fn assert_headings_in_order(page: &str) {
    let heading = regex::Regex::new(r"<h([1-6])[ >]").unwrap();
    let levels: Vec<u32> = heading
        .captures_iter(page)
        .map(|c| c[1].parse().unwrap())
        .collect();
    assert_eq!(levels.first(), Some(&1), "{levels:?}");
    assert_eq!(levels.iter().filter(|l| **l == 1).count(), 1);
    for pair in levels.windows(2) {
        assert!(pair[1] <= pair[0] + 1, "heading levels {levels:?}");
    }
}

#[test]
fn markup_in_the_data_shows_as_text() {
    let server = start("");
    for path in ["/places/balise", "/places?limit=200", "/?q=script"] {
        let page = html(&server, path);
        assert!(!page.contains("<script>alert(1)"), "{path}: {page}");
        assert!(
            page.contains("&lt;script&gt;alert(1)&lt;/script&gt;"),
            "{path}: {page}"
        );
        assert!(!page.contains("<img src=x"), "{path}");
    }
    // The embedded JSON-LD cannot close its script element, and reads back as the same data.
    let page = html(&server, "/places/balise");
    let start = page.find(r#"<script type="application/ld+json">"#).unwrap();
    let embedded = &page[start..];
    let embedded = &embedded[embedded.find('>').unwrap() + 1..embedded.find("</script>").unwrap()];
    assert!(!embedded.contains('<'));
    let document: Value = serde_json::from_str(embedded).unwrap();
    assert_eq!(document["name"], "<script>alert(1)</script>");
}

#[test]
fn places_as_geojson_longitude_first() {
    let server = start("");
    for (url, accept) in [
        ("/places?format=geojson", "*/*"),
        ("/places", "application/geo+json"),
    ] {
        let answer = client()
            .get(server.url(url))
            .header("accept", accept)
            .send()
            .unwrap();
        assert_eq!(answer.status(), 200);
        assert_eq!(answer.headers()["content-type"], "application/geo+json");
        let collection: Value = answer.json().unwrap();
        assert_rfc7946(&collection);
        let features = collection["features"].as_array().unwrap();
        assert_eq!(
            features.len(),
            LOCATED.len(),
            "places with coordinates only"
        );
        for (slug, longitude, latitude) in LOCATED {
            let feature = features
                .iter()
                .find(|f| f["id"] == format!("{}places/{slug}", server.base))
                .unwrap_or_else(|| panic!("{slug} in {collection}"));
            assert_eq!(
                feature["geometry"]["coordinates"],
                json!([longitude, latitude]),
                "longitude first"
            );
        }
    }
    // The collection filters apply.
    let filtered: Value = client()
        .get(server.url("/places?format=geojson&network=compagnie-tiers-lieux"))
        .send()
        .unwrap()
        .json()
        .unwrap();
    assert_rfc7946(&filtered);
    assert_eq!(filtered["features"].as_array().unwrap().len(), 2);
    let nord = &filtered["features"][0]["properties"];
    assert_eq!(nord["name"], "L'Atelier du Nord");
    assert_eq!(nord["locality"], "Lille");
    assert_eq!(nord["networks"][0]["name"], "La Compagnie des Tiers-Lieux");
}

/// The structure RFC 7946 requires of a FeatureCollection of Points (§3.1.1, §3.1.2, §3.2, §3.3).
fn assert_rfc7946(collection: &Value) {
    assert_eq!(collection["type"], "FeatureCollection");
    assert!(collection.get("crs").is_none(), "no crs member (§4)");
    for feature in collection["features"].as_array().expect("features") {
        assert_eq!(feature["type"], "Feature");
        assert!(feature["properties"].is_object() || feature["properties"].is_null());
        assert!(feature["id"].is_string() || feature["id"].is_number());
        let geometry = &feature["geometry"];
        assert_eq!(geometry["type"], "Point");
        let position = geometry["coordinates"].as_array().expect("a position");
        assert!(position.len() == 2 || position.len() == 3);
        let (longitude, latitude) = (position[0].as_f64().unwrap(), position[1].as_f64().unwrap());
        assert!((-180.0..=180.0).contains(&longitude));
        assert!((-90.0..=90.0).contains(&latitude));
    }
}

#[test]
fn resource_pages_show_labels_neighbours_and_funding() {
    let server = start("");
    let commons = plain(&html(&server, "/commons/fonds-test"));
    assert_headings_in_order(&commons);
    // Budget lines and what is covered, in French amounts.
    assert!(
        commons.contains("Animation") && commons.contains("8 000 €"),
        "{commons}"
    );
    assert!(commons.contains("Budget recherché : <strong>10 000 €</strong>"));
    // Pledged (not cancelled): 3000 + 1000 + 50 + 500; confirmed 3050; paid 1000.
    assert!(commons.contains("4 550 € sur 10 000 €"), "{commons}");
    assert!(commons.contains("3 050 € sur 10 000 €"));
    assert!(commons.contains("1 000 € sur 10 000 €"));
    assert!(commons.contains("Dont sur-adhésion : <strong>50 €</strong>"));
    // Neighbours: the pledges to it, by label, linking to their pages.
    assert!(commons.contains(r#"<a href="/pledges/p-verse">Don versé</a>"#));
    // A place links to its network by label, not by IRI.
    let place = html(&server, "/places/atelier-nord");
    assert!(
        place.contains(
            r#"<a href="/networks/compagnie-tiers-lieux">La Compagnie des Tiers-Lieux</a>"#
        ),
        "{place}"
    );
    // A pledge links to its commun and its campaign.
    let pledge = html(&server, "/pledges/p-verse");
    assert!(pledge.contains(r#"<a href="/commons/fonds-test">Le Commun à financer</a>"#));
    assert!(
        pledge.contains(r#"<a href="/campaigns/campagne-test">Campagne d'essai</a>"#),
        "{pledge}"
    );
    // The contributors of a fixture commun.
    let aiguilleurs = html(&server, "/commons/aiguilleurs");
    assert!(aiguilleurs.contains("Guillaume Delevaque"));
}

#[test]
fn campaign_page_shows_one_progress_bar_set_per_commons() {
    let server = start("");
    let page = plain(&html(&server, "/campaigns/campagne-test"));
    assert_headings_in_order(&page);
    assert!(page.contains("Progression par commun"));
    assert!(page.contains(r#"<a href="/commons/fonds-test">Le Commun à financer</a>"#));
    // Through this campaign: 3000 + 1000 + 50 in 3 pledges; sur-adhésion apart.
    assert!(
        page.contains("Par cette campagne : <strong>4 050 €</strong> (3 intentions)"),
        "{page}"
    );
    assert!(page.contains("Dont sur-adhésion : <strong>50 €</strong>"));
    let bars = regex::Regex::new(r#"<progress class="(\w+)" max="100" value="([\d.]+)""#).unwrap();
    let values: Vec<(String, String)> = bars
        .captures_iter(&page)
        .map(|c| (c[1].to_owned(), c[2].to_owned()))
        .collect();
    assert_eq!(
        values,
        [
            ("pledged".to_owned(), "45.5".to_owned()),
            ("confirmed".to_owned(), "30.5".to_owned()),
            ("paid".to_owned(), "10.0".to_owned())
        ]
    );
    // Its pledges are listed, as `/pledges?campaign=` lists them.
    assert!(page.contains(r#"<a href="/pledges/p-verse">Don versé</a>"#));
    let pledges: Value = client()
        .get(server.url("/pledges?campaign=campagne-test"))
        .send()
        .unwrap()
        .json()
        .unwrap();
    assert_eq!(pledges["totalItems"], 3);
    assert!(!page.contains(r#"href="/pledges/p-intention""#));
    // The same computation as the JSON-LD view.
    let commons: Value = client()
        .get(server.url("/commons/fonds-test"))
        .send()
        .unwrap()
        .json()
        .unwrap();
    assert_eq!(commons["fundingSummary"]["pledgedTotal"], "4550");
    assert_eq!(
        commons["fundingSummary"]["pledgedByKind"]["membership-share"],
        "50"
    );
}

#[test]
fn tool_pages_and_assets_are_served_from_this_server_only() {
    let server = start("");
    let sparql = html(&server, "/sparql");
    assert!(sparql.contains("Éditeur SPARQL"));
    assert!(
        sparql.contains("PREFIX") || sparql.contains(r#""tl":"https://w3id.org/tiers-lieux/ns#""#)
    );
    // A program asking /sparql still gets the service description.
    let description = client()
        .get(server.url("/sparql"))
        .header("accept", "text/turtle")
        .send()
        .unwrap();
    assert!(description.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/turtle"));
    let validator = html(&server, "/validate");
    assert_labelled(&validator);
    let api = html(&server, "/api");
    let source = regex::Regex::new(r#"(?:src|href)="([^"]+)""#).unwrap();
    for page in [
        html(&server, "/"),
        html(&server, "/places"),
        sparql,
        validator,
        api,
    ] {
        assert_headings_in_order(&page);
        for found in source.captures_iter(&page) {
            let target = &found[1];
            assert!(
                target.starts_with('/')
                    || target.starts_with(&server.base)
                    || target.starts_with('#'),
                "a page links outside the server: {target}"
            );
            if target.starts_with("/assets/") {
                let asset = client().get(server.url(target)).send().unwrap();
                assert_eq!(asset.status(), 200, "{target}");
            }
        }
    }
}

// ------------------------------------------------------------------------------------------------
// In a real browser
// ------------------------------------------------------------------------------------------------

/// chromedriver on a free port, and a headless Chromium session through it.
struct Browser {
    driver: Child,
    profile: std::path::PathBuf,
    runtime: tokio::runtime::Runtime,
    client: Option<Client>,
}

static PROFILES: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);

impl Browser {
    fn start() -> Self {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let driver = Command::new("chromedriver")
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("chromedriver runs (Debian: apt-get install chromium chromium-driver)");
        let profile = std::env::temp_dir().join(format!(
            "lieux-communs-chromium-{}-{}",
            std::process::id(),
            PROFILES.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
        ));
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        let webdriver = format!("http://127.0.0.1:{port}");
        let capabilities = json!({
            "goog:chromeOptions": { "args": [
                "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--disable-dev-shm-usage", "--window-size=1280,1000", "--lang=fr-FR",
                format!("--user-data-dir={}", profile.display()),
            ]},
            "goog:loggingPrefs": { "browser": "ALL" },
        });
        let client = runtime.block_on(async {
            let deadline = Instant::now() + Duration::from_secs(30);
            loop {
                let connector = hyper_util::client::legacy::connect::HttpConnector::new();
                let mut builder = ClientBuilder::new(connector);
                builder.capabilities(capabilities.as_object().unwrap().clone());
                match builder.connect(&webdriver).await {
                    Ok(client) => break client,
                    Err(e) if Instant::now() > deadline => panic!("no WebDriver session: {e}"),
                    Err(_) => tokio::time::sleep(Duration::from_millis(200)).await,
                }
            }
        });
        Self {
            driver,
            profile,
            runtime,
            client: Some(client),
        }
    }

    fn run<T>(&self, job: impl AsyncFnOnce(&Client) -> T) -> T {
        self.runtime.block_on(job(self.client.as_ref().unwrap()))
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        if let Some(client) = self.client.take() {
            let _ = self.runtime.block_on(client.close());
        }
        let _ = self.driver.kill();
        let _ = self.driver.wait();
        let _ = std::fs::remove_dir_all(&self.profile);
    }
}

/// chromedriver's browser log (`goog:loggingPrefs`): what the console received.
#[derive(Debug)]
struct BrowserLog;

impl fantoccini::wd::WebDriverCompatibleCommand for BrowserLog {
    fn endpoint(
        &self,
        base_url: &url::Url,
        session_id: Option<&str>,
    ) -> Result<url::Url, url::ParseError> {
        base_url.join(&format!(
            "session/{}/se/log",
            session_id.unwrap_or_default()
        ))
    }

    fn method_and_body(&self, _: &url::Url) -> (axum::http::Method, Option<String>) {
        (
            axum::http::Method::POST,
            Some(json!({ "type": "browser" }).to_string()),
        )
    }
}

/// Console entries at level SEVERE since the last call, except failed loads of map tiles and
/// the refusals a step expects (`expected`: parts of their messages).
async fn console_errors_but(client: &Client, expected: &[&str]) -> Vec<String> {
    let log = client.issue_cmd(BrowserLog).await.expect("the browser log");
    log.as_array()
        .into_iter()
        .flatten()
        .filter(|e| e["level"] == "SEVERE")
        .map(|e| e["message"].as_str().unwrap_or_default().to_owned())
        .filter(|m| !m.contains("127.0.0.1:9/") && !expected.iter().any(|e| m.contains(e)))
        .collect()
}

async fn console_errors(client: &Client) -> Vec<String> {
    console_errors_but(client, &[]).await
}

/// Hosts other than the server's that the page requested.
async fn outside_requests(client: &Client, base: &str) -> Vec<String> {
    let urls = client
        .execute(
            "return performance.getEntriesByType('resource').map(e => e.name)",
            vec![],
        )
        .await
        .unwrap();
    urls.as_array()
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .filter(|u| {
            !u.starts_with(base) && !u.starts_with("data:") && !u.starts_with("http://127.0.0.1:9/")
        })
        .map(str::to_owned)
        .collect()
}

async fn wait_for_js(client: &Client, script: &str) -> Value {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let value = client.execute(script, vec![]).await.unwrap();
        if !value.is_null() && value != json!(false) {
            return value;
        }
        assert!(Instant::now() < deadline, "timed out waiting for {script}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

async fn text_of(client: &Client, css: &str) -> String {
    client
        .wait()
        .at_most(Duration::from_secs(20))
        .for_element(Locator::Css(css))
        .await
        .unwrap_or_else(|e| panic!("{css}: {e}"))
        .text()
        .await
        .unwrap()
}

async fn click(client: &Client, css: &str) {
    client
        .find(Locator::Css(css))
        .await
        .unwrap_or_else(|e| panic!("{css}: {e}"))
        .click()
        .await
        .unwrap();
}

/// Opens the validator page, chooses `file` (written with `content`) and sends it.
async fn validate_file(client: &Client, page: &str, file: &std::path::Path, content: &str) {
    std::fs::write(file, content).unwrap();
    client.goto(page).await.unwrap();
    client
        .find(Locator::Id("v-file"))
        .await
        .unwrap()
        .send_keys(&file.display().to_string())
        .await
        .unwrap();
    click(client, "#validate-form button[type=submit]").await;
}

/// A tile server that refuses connections: the map must still show its markers.
const DEAD_TILES: &str = "http://127.0.0.1:9/{z}/{x}/{y}.png";

#[test]
fn pages_work_in_a_real_browser() {
    let server = start(DEAD_TILES);
    let base = server.base.clone();
    let url = |path: &str| format!("{}{}", base.trim_end_matches('/'), path);
    let browser = Browser::start();
    browser.run(async |client| {
        // Home: counts, then a search typed in the box.
        client.goto(&url("/")).await.unwrap();
        let places = text_of(client, "li[data-collection=places] .count").await;
        assert_eq!(places, "8");
        let search = client.find(Locator::Id("q")).await.unwrap();
        search.send_keys("fabrique").await.unwrap();
        click(client, "form.search button").await;
        let results = text_of(client, "ul.search-results[data-collection=places]").await;
        assert!(results.contains("La Fabrique des possibles"), "{results}");
        assert_eq!(console_errors(client).await, Vec::<String>::new(), "home");

        // A collection page: a filter chosen in the form, then the next page.
        client.goto(&url("/places?limit=1")).await.unwrap();
        let form = client.form(Locator::Css("form.filters")).await.unwrap();
        form.set(Locator::Id("f-network"), "compagnie-tiers-lieux")
            .await
            .unwrap();
        form.submit().await.unwrap();
        wait_for_js(client, "return location.search.includes('network=compagnie-tiers-lieux')").await;
        let first = text_of(client, "ul.members").await;
        assert_eq!(first, "L'Atelier du Nord");
        click(client, "a[rel=next]").await;
        wait_for_js(client, "return location.search.includes('page=2')").await;
        assert_eq!(text_of(client, "ul.members").await, "La Grange de l'Ouest");

        // The map: one marker per place with coordinates, tiles or not.
        client.goto(&url("/places")).await.unwrap();
        let markers = wait_for_js(client, "return document.getElementById('map').dataset.markers").await;
        assert_eq!(markers, json!(LOCATED.len().to_string()));
        // Filtered by type in the map's own select.
        client
            .execute(
                "const s = document.getElementById('map-type'); s.value = [...s.options].find(o => o.text.includes('abrique')).value; s.dispatchEvent(new Event('change')); return null",
                vec![],
            )
            .await
            .unwrap();
        let markers = wait_for_js(client, "return document.getElementById('map').dataset.markers").await;
        assert_eq!(markers, json!("1"));
        assert_eq!(console_errors(client).await, Vec::<String>::new(), "map");
        assert_eq!(outside_requests(client, &base).await, Vec::<String>::new());

        // The campaign's progress bars and amounts.
        client.goto(&url("/campaigns/campagne-test")).await.unwrap();
        let funding = plain(&text_of(client, "div.funding[data-commons='/commons/fonds-test']").await);
        assert!(funding.contains("4 050 €"), "{funding}");
        assert!(funding.contains("4 550 € sur 10 000 € (46 %)"), "{funding}");
        assert!(funding.contains("Dont sur-adhésion : 50 €"), "{funding}");
        let bars = client.find_all(Locator::Css("div.funding progress")).await.unwrap();
        assert_eq!(bars.len(), 3);

        // SPARQL: an example chosen and run shows rows.
        client.goto(&url("/sparql")).await.unwrap();
        wait_for_js(client, "return window.lieuxCommunsYasgui !== undefined").await;
        client
            .execute("document.getElementById('example').value = '3'; return null", vec![])
            .await
            .unwrap();
        click(client, "#load-example").await;
        let rows = wait_for_js(
            client,
            "const rows = document.querySelectorAll('.yasr table tbody tr'); return rows.length > 0 ? rows.length : null",
        )
        .await;
        assert!(rows.as_u64().unwrap() >= 5, "{rows}");
        let table = text_of(client, ".yasr table tbody").await;
        assert!(table.contains("Place"), "{table}");
        assert_eq!(console_errors(client).await, Vec::<String>::new(), "sparql");
        assert_eq!(outside_requests(client, &base).await, Vec::<String>::new());

        // The validator: a file that is not Turtle is refused, in French; an invalid one
        // gets its report table.
        let file = std::env::temp_dir().join(format!("lieux-communs-web-{}.ttl", std::process::id()));
        validate_file(client, &url("/validate"), &file, "<places/x> a <https://w3id.org/tiers-lieux/ns#Place> ;;; oups").await;
        let refused = wait_for_js(client, "const p = document.querySelector('#report .refused'); return p ? p.textContent : null").await;
        assert!(refused.as_str().unwrap().contains("Le fichier est refusé"), "{refused}");
        validate_file(client, &url("/validate"), &file, "@prefix tl: <https://w3id.org/tiers-lieux/ns#> .\n\n<places/sans-nom> a tl:Place ;\n  tl:description \"Pas de nom\" .\n").await;
        wait_for_js(client, "return document.querySelector('#report table') !== null").await;
        let report = text_of(client, "#report").await;
        assert!(report.contains("Non conforme"), "{report}");
        assert!(report.contains("sans-nom"), "{report}");
        assert!(report.contains("erreur"), "{report}");
        let line = text_of(client, "#report table tbody tr td:nth-child(2)").await;
        assert_eq!(line, "3", "the line of the resource in the file");
        let _ = std::fs::remove_file(&file);
        // The refused file's answer, and nothing else.
        assert_eq!(
            console_errors_but(client, &["/validate?context=none&shapes=all - Failed to load resource: the server responded with a status of 400"]).await,
            Vec::<String>::new(),
            "validator"
        );

        // The API reference renders from /openapi.json.
        client.goto(&url("/api")).await.unwrap();
        wait_for_js(client, "return document.querySelector('.swagger-ui .opblock') !== null").await;
        assert_eq!(console_errors(client).await, Vec::<String>::new(), "api");
        assert_eq!(outside_requests(client, &base).await, Vec::<String>::new());
    });
}

/// Screenshots of every page, as PNG files: under `$LIEUX_COMMUNS_SCREENS` when set (the
/// README's command sets bench-results/screens), else in a temporary folder.
#[test]
fn screenshots() {
    let folder = match std::env::var_os("LIEUX_COMMUNS_SCREENS") {
        Some(folder) => std::path::PathBuf::from(folder),
        None => std::env::temp_dir().join(format!("lieux-communs-screens-{}", std::process::id())),
    };
    std::fs::create_dir_all(&folder).unwrap();
    let server = start("");
    let base = server.base.clone();
    let browser = Browser::start();
    let pages = [
        ("accueil", "/?q=fabrique", "main"),
        ("tiers-lieux", "/places", "#map[data-markers]"),
        ("commun", "/commons/aiguilleurs", "main"),
        ("campagne", "/campaigns/campagne-test", "main"),
        ("sparql", "/sparql", ".yasqe"),
        ("validateur", "/validate", "main"),
        ("api", "/api", ".swagger-ui .opblock"),
    ];
    browser.run(async |client| {
        for (name, path, ready) in pages {
            client
                .goto(&format!("{}{path}", base.trim_end_matches('/')))
                .await
                .unwrap();
            if let Err(e) = client
                .wait()
                .at_most(Duration::from_secs(20))
                .for_element(Locator::Css(ready))
                .await
            {
                panic!("{path}: {e}; console: {:?}", console_errors(client).await);
            }
            let png = client.screenshot().await.unwrap();
            assert!(png.starts_with(b"\x89PNG"), "{name} is a PNG");
            std::fs::write(folder.join(format!("{name}.png")), png).unwrap();
        }
    });
    if std::env::var_os("LIEUX_COMMUNS_SCREENS").is_none() {
        let _ = std::fs::remove_dir_all(&folder);
    }
}
