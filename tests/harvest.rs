//! Harvesters against test servers that answer like Communecter and GoGoCarto, from the payload
//! files of fixtures/communecter and fixtures/gogocarto.

use lieux_communs::config::Config;
use lieux_communs::federation::communecter::Communecter;
use lieux_communs::federation::fetch::RetryPolicy;
use lieux_communs::federation::gogocarto_harvest::{Export, GoGoCarto};
use lieux_communs::federation::harvest::{HarvestError, HarvestOptions, HarvestOutcome, Source};
use lieux_communs::federation::sources::run_cli;
use lieux_communs::http::AppState;
use oxigraph::model::{NamedNode, NamedNodeRef, Quad, Term};
use std::collections::HashMap;
use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::sync::{Arc, Mutex};
use std::time::Duration;

const TL: &str = "https://w3id.org/tiers-lieux/ns#";
const XSD_DECIMAL: &str = "http://www.w3.org/2001/XMLSchema#decimal";
const OWL_SAME_AS: &str = "http://www.w3.org/2002/07/owl#sameAs";
const SCHEMA_SAME_AS: &str = "http://schema.org/sameAs";
const DCT_SOURCE: &str = "http://purl.org/dc/terms/source";
const BASE: &str = "http://lieux.test/";

#[derive(Clone)]
enum Reply {
    /// A payload file of fixtures/, with `{{BASE}}` replaced by the server's root.
    File(&'static str),
    Status(u16),
    /// This status so many times, then the file.
    FailThen(u16, usize, &'static str),
    /// Headers and part of the body, then nothing for a long time.
    Hang,
}

/// A partner server on a free loopback port: path → reply, changeable while it runs.
struct Partner {
    root: String,
    routes: Arc<Mutex<HashMap<String, Reply>>>,
    /// Every path requested, in order.
    requested: Arc<Mutex<Vec<String>>>,
}

impl Partner {
    fn start(routes: &[(&str, Reply)]) -> Self {
        Self::start_with(routes, None)
    }

    /// The same partner behind HTTPS, with the certificate of fixtures/tls (127.0.0.1, issued
    /// by the test CA fixtures/tls/ca.pem).
    fn start_tls(routes: &[(&str, Reply)]) -> Self {
        let tls = |file: &str| {
            std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("fixtures/tls")
                .join(file)
        };
        use rustls::pki_types::{pem::PemObject, CertificateDer, PrivateKeyDer};
        let certificates: Vec<CertificateDer<'static>> =
            CertificateDer::pem_file_iter(tls("server.pem"))
                .unwrap()
                .map(Result::unwrap)
                .collect();
        let key = PrivateKeyDer::from_pem_file(tls("server.key")).unwrap();
        let config = rustls::ServerConfig::builder_with_provider(Arc::new(
            rustls::crypto::ring::default_provider(),
        ))
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_no_client_auth()
        .with_single_cert(certificates, key)
        .unwrap();
        Self::start_with(routes, Some(Arc::new(config)))
    }

    fn start_with(routes: &[(&str, Reply)], tls: Option<Arc<rustls::ServerConfig>>) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let scheme = if tls.is_some() { "https" } else { "http" };
        let root = format!("{scheme}://{}", listener.local_addr().unwrap());
        let routes = Arc::new(Mutex::new(
            routes
                .iter()
                .map(|(p, r)| ((*p).to_owned(), r.clone()))
                .collect::<HashMap<_, _>>(),
        ));
        let shared = routes.clone();
        let requested: Arc<Mutex<Vec<String>>> = Arc::default();
        let log = requested.clone();
        let server_root = root.clone();
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(stream) = stream else { continue };
                let (routes, log) = (shared.clone(), log.clone());
                let (root, tls) = (server_root.clone(), tls.clone());
                std::thread::spawn(move || match tls {
                    Some(config) => {
                        let Ok(connection) = rustls::ServerConnection::new(config) else {
                            return;
                        };
                        serve(
                            rustls::StreamOwned::new(connection, stream),
                            &routes,
                            &log,
                            &root,
                        )
                    }
                    None => serve(stream, &routes, &log, &root),
                });
            }
        });
        Self {
            root,
            routes,
            requested,
        }
    }

    fn set(&self, path: &str, reply: Reply) {
        self.routes.lock().unwrap().insert(path.to_owned(), reply);
    }
}

fn serve(
    mut stream: impl std::io::Read + Write,
    routes: &Mutex<HashMap<String, Reply>>,
    log: &Mutex<Vec<String>>,
    root: &str,
) {
    let mut reader = BufReader::new(&mut stream);
    let mut line = String::new();
    if reader.read_line(&mut line).is_err() {
        return;
    }
    let path = line
        .split_whitespace()
        .nth(1)
        .unwrap_or("/")
        .split('?')
        .next()
        .unwrap()
        .to_owned();
    log.lock().unwrap().push(path.clone());
    loop {
        let mut header = String::new();
        if reader.read_line(&mut header).unwrap_or(0) == 0 || header == "\r\n" {
            break;
        }
    }
    drop(reader);
    let reply = {
        let mut routes = routes.lock().unwrap();
        match routes.get(&path).cloned() {
            Some(Reply::FailThen(_, 0, file)) => {
                routes.insert(path.clone(), Reply::File(file));
                Some(Reply::File(file))
            }
            Some(Reply::FailThen(status, n, file)) => {
                routes.insert(path.clone(), Reply::FailThen(status, n - 1, file));
                Some(Reply::Status(status))
            }
            other => other,
        }
    };
    let head = |status: &str, length: usize| {
        format!(
            "HTTP/1.1 {status}\r\nContent-Type: application/json\r\nContent-Length: {length}\r\nConnection: close\r\n\r\n"
        )
    };
    match reply {
        Some(Reply::File(file)) => {
            let body = std::fs::read_to_string(
                std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
                    .join("fixtures")
                    .join(file),
            )
            .unwrap()
            .replace("{{BASE}}", root);
            let _ = stream.write_all(head("200 OK", body.len()).as_bytes());
            let _ = stream.write_all(body.as_bytes());
        }
        Some(Reply::Status(code)) => {
            let body = "{\"error\":\"server error\"}";
            let _ = stream.write_all(head(&format!("{code} Error"), body.len()).as_bytes());
            let _ = stream.write_all(body.as_bytes());
        }
        Some(Reply::FailThen(..)) => unreachable!("resolved above"),
        Some(Reply::Hang) => {
            let _ = stream.write_all(head("200 OK", 100_000).as_bytes());
            let _ = stream.write_all(b"{\"meta\": {\"limit\": 3}, \"entities\": {");
            let _ = stream.flush();
            std::thread::sleep(Duration::from_secs(30));
        }
        None => {
            let _ = stream.write_all(head("404 Not Found", 2).as_bytes());
            let _ = stream.write_all(b"{}");
        }
    }
}

fn state() -> AppState {
    lieux_communs::build_state(Config {
        memory: true,
        base_iri: BASE.into(),
        ..Config::default()
    })
    .expect("state")
}

fn options() -> HarvestOptions {
    HarvestOptions {
        timeout: Duration::from_secs(5),
        page_size: 3,
        retry: RetryPolicy {
            retries: 2,
            first_delay: Duration::from_millis(20),
            max_delay: Duration::from_millis(100),
        },
        ..Default::default()
    }
}

/// A harvest into the state's store, as the server runs one.
fn harvest(state: &AppState, source: &dyn Source) -> Result<HarvestOutcome, HarvestError> {
    harvest_with(state, source, &options())
}

fn harvest_with(
    state: &AppState,
    source: &dyn Source,
    options: &HarvestOptions,
) -> Result<HarvestOutcome, HarvestError> {
    state.harvester().harvest(source, options, &|_, _| {})
}

fn skipped_ids(outcome: &HarvestOutcome) -> Vec<String> {
    let mut ids: Vec<String> = outcome.skipped.iter().map(|s| s.id.clone()).collect();
    ids.sort();
    ids
}

fn reason(outcome: &HarvestOutcome, id: &str) -> String {
    outcome
        .skipped
        .iter()
        .find(|s| s.id == id)
        .unwrap_or_else(|| panic!("{id} is not skipped: {outcome:?}"))
        .reason
        .clone()
}

/// The values left out of a record, as `field: value`.
fn left_out(outcome: &HarvestOutcome, id: &str) -> Vec<String> {
    let mut fields: Vec<String> = outcome
        .warned
        .iter()
        .filter(|w| w.id == id)
        .flat_map(|w| w.fields.iter().map(|f| format!("{}: {}", f.field, f.value)))
        .collect();
    fields.sort();
    fields
}

const ORG_PAGE1: &str = "/api/organization/get/limit/3/index/0";
const ORG_PAGE2: &str = "/api/organization/get/limit/3/index/3";
const PROJECT_PAGE1: &str = "/api/project/get/limit/3/index/0";
const PROJECT_PAGE2: &str = "/api/project/get/limit/3/index/3";

fn communecter_partner() -> Partner {
    Partner::start(&[
        (
            ORG_PAGE1,
            Reply::File("communecter/organizations-page1.json"),
        ),
        (
            ORG_PAGE2,
            Reply::File("communecter/organizations-page2.json"),
        ),
        (
            PROJECT_PAGE1,
            Reply::File("communecter/projects-page1.json"),
        ),
        (
            PROJECT_PAGE2,
            Reply::File("communecter/projects-page2.json"),
        ),
    ])
}

fn harvest_communecter(state: &AppState, root: &str) -> Result<HarvestOutcome, HarvestError> {
    harvest(state, &Communecter::new(root))
}

fn node(iri: &str) -> NamedNode {
    NamedNode::new(iri).unwrap()
}

fn objects(state: &AppState, subject: &str, predicate: &str) -> Vec<Term> {
    state
        .store
        .store
        .quads_for_pattern(
            Some(node(subject).as_ref().into()),
            Some(node(predicate).as_ref()),
            None,
            None,
        )
        .map(|q| q.unwrap().object)
        .collect()
}

fn literal(term: &Term) -> (String, String) {
    match term {
        Term::Literal(l) => (l.value().to_owned(), l.datatype().as_str().to_owned()),
        other => panic!("expected a literal, got {other}"),
    }
}

fn graph_quads(state: &AppState, graph: &str) -> Vec<Quad> {
    let g = node(graph);
    let mut quads: Vec<Quad> = state
        .store
        .store
        .quads_for_pattern(None, None, None, Some(NamedNodeRef::from(&g).into()))
        .map(Result::unwrap)
        .collect();
    quads.sort_by_key(|q| q.to_string());
    quads
}

fn place(slug: &str) -> String {
    format!("{BASE}places/{slug}")
}

fn tl(local: &str) -> String {
    format!("{TL}{local}")
}

#[test]
fn communecter_pages_are_mapped_and_bad_records_reported() {
    let partner = communecter_partner();
    let state = state();
    let pages = Mutex::new(Vec::new());
    let outcome = state
        .harvester()
        .harvest(&Communecter::new(&partner.root), &options(), &|p, n| {
            pages.lock().unwrap().push((p, n))
        })
        .expect("harvest");
    assert_eq!(outcome.graph, format!("{BASE}graphs/communecter"));
    assert_eq!(
        outcome.pages, 4,
        "two pages of organizations, two of projects"
    );
    assert_eq!(pages.lock().unwrap().len(), 4);
    // Halle, Moulin, Fablab (its postal code written as a number is read as its text),
    // Fabrique + the commons Dokos.
    assert_eq!(outcome.harvested, 5, "{outcome:?}");
    assert_eq!(outcome.read, 8);
    // Boulangerie (not TiersLieux) and the roof project (not Commun).
    assert_eq!(outcome.ignored, 2);
    // Without a name, a place is not one.
    assert_eq!(skipped_ids(&outcome), ["5e1f0a2b3c4d5e6f7a8b9c05"]);
    assert!(reason(&outcome, "5e1f0a2b3c4d5e6f7a8b9c05").contains("name"));
    let fablab = place("communecter-5e1f0a2b3c4d5e6f7a8b9c04");
    assert_eq!(
        literal(&objects(&state, &format!("{fablab}#address"), &tl("postalCode"))[0]).0,
        "69001"
    );

    // A complete record.
    let halle = place("communecter-5e1f0a2b3c4d5e6f7a8b9c01");
    assert_eq!(
        literal(&objects(&state, &halle, &tl("name"))[0]).0,
        "La Halle aux Communs"
    );
    assert_eq!(
        objects(&state, &halle, &tl("website")),
        [Term::from(node("https://halle-aux-communs.example.org/"))]
    );
    assert_eq!(objects(&state, &halle, &tl("tag")).len(), 4);
    assert_eq!(objects(&state, &halle, &tl("shortDescription")).len(), 1);
    assert_eq!(
        objects(&state, &halle, DCT_SOURCE),
        [Term::from(node(&format!(
            "{}/api/organization/get/id/5e1f0a2b3c4d5e6f7a8b9c01",
            partner.root
        )))]
    );
    assert_eq!(
        objects(&state, &halle, SCHEMA_SAME_AS),
        [Term::from(node(&format!(
            "{}/#@halleauxcommuns",
            partner.root
        )))]
    );
    let address = format!("{halle}#address");
    assert_eq!(
        objects(&state, &halle, &tl("address")),
        [Term::from(node(&address))]
    );
    assert_eq!(
        literal(&objects(&state, &address, &tl("postalCode"))[0]).0,
        "35000"
    );
    assert_eq!(
        literal(&objects(&state, &address, &tl("locality"))[0]).0,
        "Rennes"
    );
    assert_eq!(
        literal(&objects(&state, &address, &tl("region"))[0]).0,
        "Bretagne"
    );
    assert_eq!(
        literal(&objects(&state, &address, &tl("country"))[0]).0,
        "FR"
    );
    let geo = format!("{halle}#geo");
    assert_eq!(
        literal(&objects(&state, &geo, &tl("latitude"))[0]),
        ("48.1113387".into(), XSD_DECIMAL.into())
    );

    // Coordinates from geoPosition only: GeoJSON order [longitude, latitude].
    let moulin = place("communecter-5e1f0a2b3c4d5e6f7a8b9c03");
    let geo = format!("{moulin}#geo");
    assert_eq!(
        literal(&objects(&state, &geo, &tl("latitude"))[0]),
        ("44.4475".into(), XSD_DECIMAL.into())
    );
    assert_eq!(
        literal(&objects(&state, &geo, &tl("longitude"))[0]),
        ("1.4437".into(), XSD_DECIMAL.into())
    );
    // Missing optional fields: no address, description or website.
    assert!(objects(&state, &moulin, &tl("address")).is_empty());
    assert!(objects(&state, &moulin, &tl("website")).is_empty());

    // Same website as a place of the fixtures: linked, not merged.
    let fabrique = place("communecter-5e1f0a2b3c4d5e6f7a8b9c06");
    assert_eq!(
        objects(&state, &fabrique, OWL_SAME_AS),
        [Term::from(node(&place("la-fabrique-des-possibles")))]
    );
    assert_eq!(outcome.same_as, 1);

    // A project tagged Commun is a commons.
    let dokos = format!("{BASE}commons/communecter-6a1f0a2b3c4d5e6f7a8b9d01");
    assert_eq!(
        objects(
            &state,
            &dokos,
            "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
        ),
        [Term::from(node(&tl("Commons")))]
    );
    // The skipped records are not stored.
    assert!(objects(
        &state,
        &place("communecter-5e1f0a2b3c4d5e6f7a8b9c05"),
        &tl("name")
    )
    .is_empty());
}

#[test]
fn a_harvest_replaces_its_graph() {
    let partner = communecter_partner();
    let state = state();
    harvest_communecter(&state, &partner.root).unwrap();
    partner.set(
        ORG_PAGE1,
        Reply::File("communecter/organizations-page2-replaced.json"),
    );
    let outcome = harvest_communecter(&state, &partner.root).unwrap();
    // Nouveau Lieu + Dokos.
    assert_eq!(outcome.harvested, 2, "{outcome:?}");
    assert!(objects(
        &state,
        &place("communecter-5e1f0a2b3c4d5e6f7a8b9c01"),
        &tl("name")
    )
    .is_empty());
    assert_eq!(
        objects(
            &state,
            &place("communecter-5e1f0a2b3c4d5e6f7a8b9c07"),
            &tl("name")
        )
        .len(),
        1
    );
}

#[test]
fn an_http_error_on_a_later_page_changes_nothing() {
    let partner = communecter_partner();
    let state = state();
    harvest_communecter(&state, &partner.root).unwrap();
    let graph = format!("{BASE}graphs/communecter");
    let before = graph_quads(&state, &graph);
    assert!(!before.is_empty());
    partner.set(
        ORG_PAGE1,
        Reply::File("communecter/organizations-page2-replaced.json"),
    );
    partner.set(PROJECT_PAGE2, Reply::Status(500));
    let error = harvest_communecter(&state, &partner.root).unwrap_err();
    let message = error.to_string();
    assert!(message.contains("500"), "{message}");
    assert!(message.contains(PROJECT_PAGE2), "{message}");
    assert_eq!(graph_quads(&state, &graph), before);
}

#[test]
fn a_response_that_never_ends_times_out_and_changes_nothing() {
    let partner = communecter_partner();
    let state = state();
    harvest_communecter(&state, &partner.root).unwrap();
    let graph = format!("{BASE}graphs/communecter");
    let before = graph_quads(&state, &graph);
    partner.set(ORG_PAGE2, Reply::Hang);
    let started = std::time::Instant::now();
    let error = harvest_with(
        &state,
        &Communecter::new(&partner.root),
        &HarvestOptions {
            timeout: Duration::from_secs(1),
            ..options()
        },
    )
    .unwrap_err();
    assert!(started.elapsed() < Duration::from_secs(10));
    let message = error.to_string();
    assert!(message.contains(ORG_PAGE2), "{message}");
    assert!(message.contains("timed out"), "{message}");
    assert_eq!(graph_quads(&state, &graph), before);
}

#[test]
fn gogocarto_elements_are_places_linked_to_known_ones() {
    let communecter = communecter_partner();
    let partner = Partner::start(&[("/api/elements.json", Reply::File("gogocarto/elements.json"))]);
    let state = state();
    harvest_communecter(&state, &communecter.root).unwrap();
    let mut harvester = GoGoCarto::new(&partner.root);
    harvester.name = "carto".into();
    let outcome = harvest(&state, &harvester).expect("harvest");
    assert_eq!(outcome.graph, format!("{BASE}graphs/gogocarto-carto"));
    // The elements, and no taxonomy (404): noted, not an error.
    assert_eq!(outcome.pages, 1);
    assert!(outcome.notes[0].contains("no taxonomy"), "{outcome:?}");
    // a1B2, c3D4 (no address: optional), 42, g7H8 (a postal code written as a number); e5F6
    // and k1L2 have no name.
    assert_eq!(outcome.harvested, 4, "{outcome:?}");
    assert_eq!(skipped_ids(&outcome), ["e5F6", "k1L2"]);

    let halle = place("gogocarto-carto-a1b2");
    assert_eq!(
        objects(&state, &halle, &tl("tag")).len(),
        2,
        "categories are tags"
    );
    assert_eq!(
        literal(&objects(&state, &format!("{halle}#geo"), &tl("longitude"))[0]),
        ("-1.6800198".into(), XSD_DECIMAL.into())
    );
    // Same folded name and postal code as the Communecter record.
    assert_eq!(
        objects(&state, &halle, OWL_SAME_AS),
        [Term::from(node(&place(
            "communecter-5e1f0a2b3c4d5e6f7a8b9c01"
        )))]
    );
    assert_eq!(
        objects(&state, &halle, DCT_SOURCE),
        [Term::from(node(&format!(
            "{}/api/elements/a1B2.json",
            partner.root
        )))]
    );
    // Exponents in JSON numbers become plain decimals.
    let station = place("gogocarto-carto-42");
    assert_eq!(
        literal(&objects(&state, &format!("{station}#geo"), &tl("latitude"))[0]),
        ("0.00001".into(), XSD_DECIMAL.into())
    );

    // Malformed JSON: an error naming the URL, the graph as it was.
    let graph = format!("{BASE}graphs/gogocarto-carto");
    let before = graph_quads(&state, &graph);
    partner.set(
        "/api/elements.json",
        Reply::File("gogocarto/malformed.json"),
    );
    let error = harvest(&state, &harvester).unwrap_err();
    assert!(matches!(error, HarvestError::Json { .. }), "{error}");
    assert_eq!(graph_quads(&state, &graph), before);

    // A new export replaces the old one.
    partner.set(
        "/api/elements.json",
        Reply::File("gogocarto/elements-second.json"),
    );
    let outcome = harvest(&state, &harvester).unwrap();
    assert_eq!(outcome.harvested, 1);
    assert!(objects(&state, &halle, &tl("name")).is_empty());
    assert_eq!(
        objects(&state, &place("gogocarto-carto-z9y8"), &tl("name")).len(),
        1
    );
}

#[test]
fn run_cli_reads_options_from_the_url() {
    let partner = Partner::start(&[("/api/elements.json", Reply::File("gogocarto/elements.json"))]);
    let config = Config {
        memory: true,
        base_iri: BASE.into(),
        ..Config::default()
    };
    let outcome = run_cli(
        "gogocarto",
        &format!("{}/?name=Ma%20Carte&timeout=5", partner.root),
        &config,
        &|_, _| {},
    )
    .unwrap();
    assert_eq!(outcome.graph, format!("{BASE}graphs/gogocarto-ma-carte"));
    assert_eq!(outcome.harvested, 4);
    // A command-line harvest opens the store, and nothing else: no fixtures, no server.
    assert_eq!(outcome.same_as, 0);
    let error = run_cli("other", &partner.root, &config, &|_, _| {}).unwrap_err();
    assert!(error.to_string().contains("unknown harvest source"));
}

/// GoGoCarto's JSON-LD export of a map gives the same places as its JSON export: its remote
/// context is answered from our bundled copy, and any other remote context is refused without
/// a request.
#[test]
fn gogocarto_jsonld_export_gives_the_same_places() {
    let partner = Partner::start(&[
        ("/api/elements.json", Reply::File("gogocarto/elements.json")),
        (
            "/api/elements.jsonld",
            Reply::File("gogocarto/elements.jsonld"),
        ),
    ]);
    let harvest = |url: &str| {
        let state = state();
        let mut harvester = GoGoCarto::new(url);
        harvester.name = "carto".into();
        let outcome = harvest(&state, &harvester);
        (state, harvester, outcome)
    };
    let (from_json, _, json_outcome) = harvest(&partner.root);
    let json_outcome = json_outcome.expect("JSON harvest");
    let (from_jsonld, harvester, outcome) =
        harvest(&format!("{}/api/elements.jsonld", partner.root));
    assert_eq!(harvester.export, Export::JsonLd);
    let outcome = outcome.expect("JSON-LD harvest");
    assert_eq!(outcome.harvested, 4, "{outcome:?}");
    assert_eq!(skipped_ids(&outcome), skipped_ids(&json_outcome));
    // k1L2 has no mapped field: the JSON-LD processor gives it no triple, it is still reported.
    assert_eq!(skipped_ids(&outcome), ["e5F6", "k1L2"]);

    // The same triples, but for the harvest time and the link to the source record.
    let graph = format!("{BASE}graphs/gogocarto-carto");
    let comparable = |state: &AppState| -> Vec<String> {
        graph_quads(state, &graph)
            .iter()
            .filter(|q| q.predicate.as_str() != "http://purl.org/dc/terms/modified")
            .map(|q| {
                format!("{} {} {}", q.subject, q.predicate, q.object).replace(".jsonld>", ".json>")
            })
            .collect()
    };
    let (json_triples, jsonld_triples) = (comparable(&from_json), comparable(&from_jsonld));
    assert!(json_triples.len() > 20, "{json_triples:#?}");
    assert_eq!(jsonld_triples, json_triples);
    // A bare domain is a website, not an IRI relative to the export's URL.
    assert_eq!(
        objects(&from_jsonld, &place("gogocarto-carto-c3d4"), &tl("website")),
        [Term::from(node("https://www.grange.example"))]
    );
    let halle = place("gogocarto-carto-a1b2");
    assert_eq!(
        objects(&from_jsonld, &halle, DCT_SOURCE),
        [Term::from(node(&format!(
            "{}/api/elements/a1B2.jsonld",
            partner.root
        )))]
    );

    // A remote context other than GoGoCarto's own: refused, nothing fetched, graph unchanged.
    partner.set(
        "/api/elements.jsonld",
        Reply::File("gogocarto/elements-foreign-context.jsonld"),
    );
    partner.set(
        "/context-gogo.jsonld",
        Reply::File("gogocarto/elements.json"),
    );
    let before = graph_quads(&from_jsonld, &graph);
    let error = self::harvest(&from_jsonld, &harvester).unwrap_err();
    assert!(matches!(error, HarvestError::Format { .. }), "{error}");
    assert!(error.to_string().contains("context-gogo.jsonld"), "{error}");
    assert!(
        !partner
            .requested
            .lock()
            .unwrap()
            .iter()
            .any(|p| p == "/context-gogo.jsonld"),
        "the foreign context was fetched"
    );
    assert_eq!(graph_quads(&from_jsonld, &graph), before);
}

/// Harvests speak HTTPS: a partner whose certificate comes from an authority we do not know is
/// refused with a clear error; once `federation.ca_certificates` names that authority, the
/// harvest goes through.
#[test]
fn https_partners_need_a_trusted_certificate() {
    let partner =
        Partner::start_tls(&[("/api/elements.json", Reply::File("gogocarto/elements.json"))]);
    assert!(partner.root.starts_with("https://127.0.0.1:"));
    let state = state();
    let mut harvester = GoGoCarto::new(&partner.root);
    harvester.name = "carto".into();
    let error = harvest(&state, &harvester).unwrap_err();
    assert!(
        matches!(error, HarvestError::Transport { .. })
            && error.to_string().contains("certificate"),
        "{error}"
    );
    assert!(graph_quads(&state, &format!("{BASE}graphs/gogocarto-carto")).is_empty());

    let tls = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/tls");
    let mut config = Config {
        memory: true,
        base_iri: BASE.into(),
        ..Config::default()
    };
    config.federation.ca_certificates = vec![tls.join("ca.pem")];
    let outcome = run_cli(
        "gogocarto",
        &format!("{}/?name=carto&retries=0", partner.root),
        &config,
        &|_, _| {},
    )
    .expect("harvest over HTTPS");
    assert_eq!(outcome.harvested, 4, "{outcome:?}");

    // A file that holds no certificate is a configuration error at start, naming the file.
    config.federation.ca_certificates = vec![tls.join("server.key")];
    let error = lieux_communs::build_state(config).err().expect("refused");
    assert!(error.to_string().contains("server.key"), "{error}");
}

/// A partner that answers 503 twice (restarting, overloaded) and then its export is harvested:
/// the fetch asks again with a growing wait; one that keeps failing fails the harvest.
#[test]
fn a_partner_failing_twice_then_answering_is_harvested() {
    let partner = Partner::start(&[(
        "/api/elements.json",
        Reply::FailThen(503, 2, "gogocarto/elements.json"),
    )]);
    let state = state();
    let mut source = GoGoCarto::new(&partner.root);
    source.name = "carto".into();
    let outcome = harvest(&state, &source).expect("harvested on the third request");
    assert_eq!(outcome.retries, 2, "{outcome:?}");
    assert_eq!(outcome.harvested, 4, "{outcome:?}");
    let asked = partner
        .requested
        .lock()
        .unwrap()
        .iter()
        .filter(|p| *p == "/api/elements.json")
        .count();
    assert_eq!(asked, 3);

    // Three failures with two retries: the harvest fails, naming the status, and the graph
    // stays as it was.
    let graph = format!("{BASE}graphs/gogocarto-carto");
    let before = graph_quads(&state, &graph);
    partner.set(
        "/api/elements.json",
        Reply::FailThen(503, 3, "gogocarto/elements-second.json"),
    );
    let error = harvest(&state, &source).unwrap_err();
    assert!(
        matches!(error, HarvestError::Status { status: 503, .. }),
        "{error}"
    );
    assert_eq!(graph_quads(&state, &graph), before);
    // A 404 is not asked again.
    partner.set("/api/elements.json", Reply::Status(404));
    let count = || partner.requested.lock().unwrap().len();
    let requests = count();
    harvest(&state, &source).unwrap_err();
    assert_eq!(count() - requests, 1);
}

/// Lose fields, not places: each value that fails its shape is left out of its record and
/// reported on it, field by field; only a record without what identifies it is skipped; the
/// map's taxonomy becomes its SKOS concept scheme.
#[test]
fn values_that_fail_their_shape_are_left_out_not_the_places() {
    let partner = Partner::start(&[
        (
            "/api/elements.json",
            Reply::File("gogocarto/quirks-elements.json"),
        ),
        (
            "/api/taxonomy.json",
            Reply::File("gogocarto/quirks-taxonomy.json"),
        ),
    ]);
    let state = state();
    let mut source = GoGoCarto::new(&partner.root);
    source.name = "marais".into();
    let outcome = harvest(&state, &source).expect("harvest");
    assert_eq!(outcome.read, 6);
    assert_eq!(outcome.pages, 2, "elements and taxonomy");
    assert_eq!(outcome.harvested, 3, "{outcome:#?}");
    assert_eq!(skipped_ids(&outcome), ["10jA", "10kw", "Sans identifiant"]);
    assert!(reason(&outcome, "10jA").contains("tl:name"), "{outcome:?}");
    assert!(reason(&outcome, "Sans identifiant").contains("without an id"));
    let duplicate = outcome.skipped.iter().find(|s| s.id == "10kw").unwrap();
    assert!(duplicate.reason.contains("duplicate"), "{duplicate:?}");

    // The e-mail placeholder is left out, the place kept with its coordinates near longitude 0
    // (negative and small).
    assert_eq!(left_out(&outcome, "10kw"), ["email: hidden"]);
    let ruche = place("gogocarto-marais-10kw");
    assert!(objects(&state, &ruche, &tl("email")).is_empty());
    assert_eq!(
        literal(&objects(&state, &format!("{ruche}#geo"), &tl("longitude"))[0]),
        ("-0.0339".into(), XSD_DECIMAL.into())
    );
    // HTML kept as its text; a telephone that lost its leading zero gets it back.
    let description = literal(&objects(&state, &ruche, &tl("description"))[0]).0;
    assert!(
        description.contains("Des produits locaux & de saison.") && !description.contains('<'),
        "{description:?}"
    );
    assert_eq!(
        literal(&objects(&state, &ruche, &tl("telephone"))[0]).0,
        "0967556221"
    );

    // A numeric id; a postal code of four digits gets its leading zero back; a web site
    // without a scheme gets https.
    let atelier = place("gogocarto-marais-104");
    assert_eq!(
        literal(&objects(&state, &format!("{atelier}#address"), &tl("postalCode"))[0]).0,
        "09000"
    );
    assert_eq!(
        objects(&state, &atelier, &tl("website")),
        [Term::from(node("https://www.atelier-sud.example"))]
    );
    assert!(left_out(&outcome, "104").is_empty(), "{outcome:?}");

    // A latitude out of range and a malformed web address: left out, field by field; the
    // coordinates go as a whole (a longitude alone is no position), the place stays.
    let cuisines = place("gogocarto-marais-zw9");
    assert_eq!(
        left_out(&outcome, "zw9"),
        [
            "email: hidden",
            "geo.latitude: 95.5",
            "geo: longitude 0.11614",
            "website: http//cuisines.example.org"
        ]
    );
    assert!(objects(&state, &cuisines, &tl("geo")).is_empty());
    assert!(
        graph_quads(&state, &format!("{BASE}graphs/gogocarto-marais"))
            .iter()
            .all(|q| q.subject.to_string() != format!("<{cuisines}#geo>"))
    );
    assert_eq!(
        literal(&objects(&state, &cuisines, &tl("name"))[0]).0,
        "Cuisines partagées"
    );

    // Categories resolved through the taxonomy: a concept of the map's scheme, by id (number
    // or text) or by name; the unknown id is reported.
    let scheme = format!("{BASE}taxonomies/gogocarto-marais");
    let subjects = |iri: &str| {
        let mut s: Vec<String> = objects(&state, iri, "http://purl.org/dc/terms/subject")
            .iter()
            .map(|t| t.to_string())
            .collect();
        s.sort();
        s
    };
    assert_eq!(subjects(&ruche), [format!("<{scheme}/10427>")]);
    assert_eq!(
        subjects(&atelier),
        [format!("<{scheme}/10495>"), format!("<{scheme}/10517>")]
    );
    assert_eq!(
        objects(
            &state,
            &format!("{scheme}/10496"),
            "http://www.w3.org/2004/02/skos/core#broader"
        ),
        [Term::from(node(&format!("{scheme}/10495")))]
    );
    assert!(
        outcome.notes.iter().any(|n| n.contains("10429")),
        "{:?}",
        outcome.notes
    );
    // And the harvested graph conforms to the shapes.
    let report = state.validator.validate(
        &graph_quads(&state, &format!("{BASE}graphs/gogocarto-marais"))
            .into_iter()
            .map(oxigraph::model::Triple::from)
            .collect::<oxigraph::model::Graph>(),
    );
    assert!(report.conforms, "{report:?}");
    // The command line prints a line per value left out.
    let lines = outcome.report_lines();
    assert!(lines
        .iter()
        .any(|l| l.starts_with("warning 10kw (La Ruche du Marais): email \"hidden\" left out")));
}

/// Communecter as France's national tiers-lieux cartography reads it: `_id.$id`, `address.*`,
/// `geo.*` (texts), `updated` (seconds), `tags` — and every real spelling of the tiers-lieux tag.
#[test]
fn communecter_as_the_national_cartography_reads_it() {
    let partner = Partner::start(&[(
        "/api/organization/get/limit/3/index/0",
        Reply::File("communecter/ftl-organizations.json"),
    )]);
    let state = state();
    let mut source = Communecter::new(&partner.root);
    source.types = vec![lieux_communs::federation::communecter::ElementType::Organization];
    let outcome = harvest(&state, &source).expect("harvest");
    assert_eq!(outcome.read, 7);
    assert_eq!(outcome.harvested, 6, "one per spelling: {outcome:?}");
    assert_eq!(outcome.ignored, 1, "the shop");
    assert!(outcome.warned.is_empty(), "{outcome:?}");
    let lieu = place("communecter-64b0c0ffee00000000000002");
    assert_eq!(
        literal(&objects(&state, &lieu, &tl("name"))[0]).0,
        "Lieu 2 (coworking)"
    );
    let address = format!("{lieu}#address");
    assert_eq!(
        literal(&objects(&state, &address, &tl("locality"))[0]).0,
        "Nantes"
    );
    assert_eq!(
        literal(&objects(&state, &address, &tl("streetAddress"))[0]).0,
        "3 quai de la Fosse"
    );
    assert_eq!(
        literal(&objects(&state, &format!("{lieu}#geo"), &tl("longitude"))[0]),
        ("-1.56".into(), XSD_DECIMAL.into())
    );
    assert_eq!(
        literal(&objects(&state, &lieu, "http://purl.org/dc/terms/modified")[0]).0,
        "2023-07-03T08:00:01Z"
    );
    assert_eq!(
        literal(&objects(&state, &lieu, &tl("description"))[0]).0,
        "Espace de coworking et atelier partagé."
    );
    assert_eq!(
        objects(&state, &lieu, &tl("placeType")),
        [Term::from(node(&tl("placetype-tiers-lieu")))]
    );
}

/// The schéma des lieux de médiation numérique as CSV (every field quoted, multi-values joined
/// with `|`) and as JSON, from a URL or a file: the same places.
#[test]
fn mednum_csv_and_json_give_the_same_places() {
    let partner = Partner::start(&[
        ("/lieux.csv", Reply::File("mednum/lieux.csv")),
        ("/export", Reply::File("mednum/lieux.json")),
    ]);
    let state = state();
    let (source, options) = lieux_communs::federation::sources::source_for(
        "mednum",
        &format!("{}/lieux.csv?name=essai&retries=0", partner.root),
    )
    .unwrap();
    assert_eq!(options.retry.retries, 0);
    let outcome = harvest(&state, source.as_ref()).expect("CSV");
    assert_eq!(outcome.graph, format!("{BASE}graphs/mednum-essai"));
    assert_eq!((outcome.read, outcome.harvested), (3, 2), "{outcome:#?}");
    assert_eq!(outcome.skipped.len(), 1);
    assert!(outcome.skipped[0].reason.contains("no id"));

    let grange = place("mednum-essai-lieu-1");
    // TIERS_LIEUX → a tiers-lieu (and, as every place of the schema, a place of digital
    // inclusion); the codes stay as tags.
    let mut types: Vec<String> = objects(&state, &grange, &tl("placeType"))
        .iter()
        .map(|t| t.to_string())
        .collect();
    types.sort();
    assert_eq!(
        types,
        [
            format!("<{}>", tl("placetype-mediation-numerique")),
            format!("<{}>", tl("placetype-tiers-lieu"))
        ]
    );
    assert_eq!(objects(&state, &grange, &tl("email")).len(), 2);
    assert_eq!(objects(&state, &grange, &tl("website")).len(), 2);
    assert_eq!(objects(&state, &grange, &tl("service")).len(), 2);
    assert_eq!(
        literal(&objects(&state, &grange, &tl("openingHours"))[0]).0,
        "Mo-Fr 09:00-12:00,14:00-18:30; Sa 08:30-12:00"
    );
    assert_eq!(
        literal(&objects(&state, &grange, &tl("siret"))[0]).0,
        "12345678900012"
    );
    assert_eq!(
        objects(&state, &grange, &tl("accessibility")),
        [Term::from(node("https://acceslibre.example/erp/grange/"))]
    );
    assert_eq!(
        literal(&objects(&state, &format!("{grange}#address"), &tl("streetAddress"))[0]).0,
        "3 RUE DES MOULINS, Bâtiment B"
    );
    // Coordinates at Aix-en-Provence for an address in Reims: left out, with a warning.
    assert!(objects(&state, &grange, &tl("geo")).is_empty());
    let warned = left_out(&outcome, "lieu-1");
    assert_eq!(
        warned,
        ["latitude+longitude: 43.52609, 5.41423"],
        "{outcome:#?}"
    );
    let why = &outcome.warned[0].fields[0].reason;
    assert!(why.contains("51100") && why.contains("Reims"), "{why}");
    // An RNA number is no SIRET, a hidden e-mail no e-mail: left out, the place kept with its
    // coordinates.
    assert_eq!(
        left_out(&outcome, "lieu-2"),
        ["courriels: hidden", "pivot: W123456789"]
    );
    let mediatheque = place("mednum-essai-lieu-2");
    assert_eq!(
        objects(&state, &format!("{mediatheque}#geo"), &tl("latitude")).len(),
        1
    );

    // The JSON form (lists for multi-values, numbers for coordinates) gives the same triples
    // but for the source link.
    let graph = |state: &AppState, name: &str| -> Vec<String> {
        graph_quads(state, &format!("{BASE}graphs/mednum-{name}"))
            .iter()
            .filter(|q| q.predicate.as_str() != "http://purl.org/dc/terms/source")
            .map(|q| format!("{} {} {}", q.subject, q.predicate, q.object))
            .collect()
    };
    let from_json = self::state();
    let (source, _) = lieux_communs::federation::sources::source_for(
        "mednum",
        &format!("{}/export?name=essai&format=json", partner.root),
    )
    .unwrap();
    let json_outcome = harvest(&from_json, source.as_ref()).expect("JSON");
    assert_eq!(json_outcome.harvested, 2, "{json_outcome:#?}");
    assert_eq!(graph(&from_json, "essai"), graph(&state, "essai"));

    // From a file, through the command line's parameters.
    let file = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/mednum/lieux.csv");
    let (source, _) =
        lieux_communs::federation::sources::source_for("mednum", &file.display().to_string())
            .unwrap();
    assert_eq!(source.graph_name(), "mednum-lieux");
    let outcome = harvest(&self::state(), source.as_ref()).expect("file");
    assert_eq!(outcome.harvested, 2);
}

fn list_harvest(state: &AppState, file: &str, mapping: &str) -> HarvestOutcome {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let url = format!(
        "{}?mapping={}",
        root.join("fixtures/lists").join(file).display(),
        root.join("docs/mappings").join(mapping).display()
    );
    let (source, _) = lieux_communs::federation::sources::source_for("list", &url).unwrap();
    harvest(state, source.as_ref()).expect("list")
}

/// A network's own list read with the mappings kept in docs/mappings for three real lists, on
/// payloads shaped like them: numbers that lost their leading zero, three boolean encodings
/// that contradict each other, `#N/D`, coordinates nested longitude first.
#[test]
fn networks_lists_import_with_their_mapping() {
    let state = state();
    let outcome = list_harvest(&state, "etapes.json", "etapes-numerique.toml");
    assert_eq!(outcome.harvested, 3, "{outcome:#?}");
    let bourg = place("list-etapes-numerique-1");
    assert_eq!(
        literal(&objects(&state, &format!("{bourg}#address"), &tl("postalCode"))[0]).0,
        "01000"
    );
    assert_eq!(
        literal(&objects(&state, &bourg, &tl("siret"))[0]).0,
        "35600000012345"
    );
    assert_eq!(
        literal(
            &objects(
                &state,
                &format!("{}#address", place("list-etapes-numerique-3")),
                &tl("postalCode")
            )[0]
        )
        .0,
        "06000"
    );
    assert!(outcome.warned.is_empty(), "{outcome:#?}");

    let outcome = list_harvest(&state, "hub.json", "hub-lo.toml");
    assert_eq!(outcome.harvested, 2, "{outcome:#?}");
    // `#N/D` for a name is no name.
    assert_eq!(skipped_ids(&outcome), ["3"]);
    let fabrique = place("list-hub-lo-1");
    let mut tags: Vec<String> = objects(&state, &fabrique, &tl("tag"))
        .iter()
        .map(|t| literal(t).0)
        .collect();
    tags.sort();
    assert_eq!(
        tags,
        [
            "Accessible PMR",
            "Associatif",
            "CoWorking",
            "Coworking",
            "EPN"
        ]
    );
    assert_eq!(objects(&state, &fabrique, &tl("email")).len(), 2);
    // "True" in one column, 0 in the other: kept, and said.
    assert_eq!(left_out(&outcome, "1"), ["c_b_coworking: false"]);
    // `peut-être` is neither true nor false; a telephone written as a number gets its zero.
    let mediatheque = place("list-hub-lo-2");
    assert_eq!(left_out(&outcome, "2"), ["c_acces_pmr: peut-être"]);
    assert_eq!(
        literal(&objects(&state, &mediatheque, &tl("telephone"))[0]).0,
        "0254000000"
    );
    assert!(objects(
        &state,
        &format!("{mediatheque}#address"),
        &tl("streetAddress")
    )
    .is_empty());

    let outcome = list_harvest(&state, "caledonie.json", "nouvelle-caledonie.toml");
    assert_eq!(outcome.harvested, 2, "{outcome:#?}");
    assert_eq!(outcome.skipped.len(), 1);
    let baie = place("list-nouvelle-caledonie-espace-numerique-de-la-baie-10-rue-de-la-baie");
    let geo = format!("{baie}#geo");
    assert_eq!(
        literal(&objects(&state, &geo, &tl("latitude"))[0]),
        ("-22.2758".into(), XSD_DECIMAL.into())
    );
    assert_eq!(
        literal(&objects(&state, &geo, &tl("longitude"))[0]),
        ("166.4581".into(), XSD_DECIMAL.into())
    );
    let mut services: Vec<String> = objects(&state, &baie, &tl("service"))
        .iter()
        .map(|t| literal(t).0)
        .collect();
    services.sort();
    assert_eq!(
        services,
        [
            "Accompagnement individuel",
            "Accès-libre à un espace équipé ou connecté",
            "Administration en ligne",
            "Formation aux bases du numérique"
        ]
    );

    // A mapping that says something we do not read is refused, naming the key.
    let error = lieux_communs::federation::list::Mapping::parse(
        "name = \"x\"\nid = \"id\"\n[fields]\nnom = \"nom\"\n",
    )
    .unwrap_err();
    assert!(error.to_string().contains("nom"), "{error}");
}

/// `lieux-communs samples DIR` on a folder of exports of our own: one line per file with the
/// records read, kept, skipped and warned, and why.
#[test]
fn the_samples_command_reports_each_file() {
    let dir = std::env::temp_dir().join(format!("lieux-communs-samples-{}", std::process::id()));
    let fixtures = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures");
    std::fs::create_dir_all(dir.join("carte")).unwrap();
    for (from, to) in [
        ("gogocarto/quirks-elements.json", "carte/elements.json"),
        ("gogocarto/quirks-taxonomy.json", "carte/taxonomy.json"),
        ("mednum/lieux.csv", "exemple.csv"),
    ] {
        std::fs::copy(fixtures.join(from), dir.join(to)).unwrap();
    }
    std::fs::write(dir.join("notes.txt"), "rien").unwrap();
    let config = Config {
        memory: true,
        base_iri: BASE.into(),
        ..Config::default()
    };
    let mut out = Vec::new();
    let results = lieux_communs::federation::samples::run(&dir, &config, &mut out).unwrap();
    std::fs::remove_dir_all(&dir).unwrap();
    let out = String::from_utf8(out).unwrap();
    assert_eq!(results.len(), 4, "{out}");
    assert!(
        out.contains("carte/elements.json: gogocarto (loopback) — read 6, kept 3, skipped 3, warned 2 (5 values left out)"),
        "{out}"
    );
    assert!(out.contains("left out × 2: email"), "{out}");
    assert!(out.contains("places with coordinates: 2 of 3"), "{out}");
    assert!(
        out.contains("exemple.csv: mednum (file) — read 3, kept 2, skipped 1"),
        "{out}"
    );
    assert!(out.contains("notes.txt: - — no harvester"), "{out}");
}
