//! Harvesters against test servers that answer like Communecter and GoGoCarto, from the payload
//! files of fixtures/communecter and fixtures/gogocarto.

use lieux_communs::config::Config;
use lieux_communs::federation::communecter::Communecter;
use lieux_communs::federation::gogocarto_harvest::{Export, GoGoCarto};
use lieux_communs::federation::harvest::{
    HarvestError, HarvestOptions, HarvestOutcome, Source as _,
};
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
    let reply = routes.lock().unwrap().get(&path).cloned();
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
        ..Default::default()
    }
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
    Communecter::new(root).harvest(&state.store, &state.validator, &options(), |_, _| {})
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
    let outcome = Communecter::new(&partner.root)
        .harvest(&state.store, &state.validator, &options(), |p, n| {
            pages.lock().unwrap().push((p, n))
        })
        .expect("harvest");
    assert_eq!(outcome.graph, format!("{BASE}graphs/communecter"));
    assert_eq!(
        outcome.pages, 4,
        "two pages of organizations, two of projects"
    );
    assert_eq!(pages.lock().unwrap().len(), 4);
    // Halle, Moulin, Fabrique + the commons Dokos.
    assert_eq!(outcome.harvested, 4, "{outcome:?}");
    // Boulangerie (not TiersLieux) and the roof project (not Commun).
    assert_eq!(outcome.ignored, 2);
    let mut skipped: Vec<&str> = outcome.skipped.iter().map(|(id, _)| id.as_str()).collect();
    skipped.sort();
    assert_eq!(
        skipped,
        ["5e1f0a2b3c4d5e6f7a8b9c04", "5e1f0a2b3c4d5e6f7a8b9c05"],
        "{:?}",
        outcome.skipped
    );
    let reason = |id: &str| {
        outcome
            .skipped
            .iter()
            .find(|(i, _)| i == id)
            .unwrap()
            .1
            .clone()
    };
    assert!(reason("5e1f0a2b3c4d5e6f7a8b9c04").contains("postalCode"));
    assert!(reason("5e1f0a2b3c4d5e6f7a8b9c05").contains("name"));

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
        &place("communecter-5e1f0a2b3c4d5e6f7a8b9c04"),
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
    let error = Communecter::new(&partner.root)
        .harvest(
            &state.store,
            &state.validator,
            &HarvestOptions {
                timeout: Duration::from_secs(1),
                page_size: 3,
                ..Default::default()
            },
            |_, _| {},
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
    let outcome = harvester
        .harvest(&state.store, &state.validator, &options(), |_, _| {})
        .expect("harvest");
    assert_eq!(outcome.graph, format!("{BASE}graphs/gogocarto-carto"));
    assert_eq!(outcome.pages, 1);
    // a1B2, c3D4 (no address: optional), 42; e5F6 and k1L2 have no name, g7H8 a numeric
    // postal code.
    assert_eq!(outcome.harvested, 3, "{outcome:?}");
    let mut skipped: Vec<&str> = outcome.skipped.iter().map(|(id, _)| id.as_str()).collect();
    skipped.sort();
    assert_eq!(skipped, ["e5F6", "g7H8", "k1L2"]);

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
    let error = harvester
        .harvest(&state.store, &state.validator, &options(), |_, _| {})
        .unwrap_err();
    assert!(matches!(error, HarvestError::Json { .. }), "{error}");
    assert_eq!(graph_quads(&state, &graph), before);

    // A new export replaces the old one.
    partner.set(
        "/api/elements.json",
        Reply::File("gogocarto/elements-second.json"),
    );
    let outcome = harvester
        .harvest(&state.store, &state.validator, &options(), |_, _| {})
        .unwrap();
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
    let outcome = lieux_communs::federation::harvest::run_cli(
        "gogocarto",
        &format!("{}/?name=Ma%20Carte&timeout=5", partner.root),
        &config,
        |_, _| {},
    )
    .unwrap();
    assert_eq!(outcome.graph, format!("{BASE}graphs/gogocarto-ma-carte"));
    assert_eq!(outcome.harvested, 3);
    let error =
        lieux_communs::federation::harvest::run_cli("other", &partner.root, &config, |_, _| {})
            .unwrap_err();
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
        let outcome = harvester.harvest(&state.store, &state.validator, &options(), |_, _| {});
        (state, harvester, outcome)
    };
    let (from_json, _, json_outcome) = harvest(&partner.root);
    let json_outcome = json_outcome.expect("JSON harvest");
    let (from_jsonld, harvester, outcome) =
        harvest(&format!("{}/api/elements.jsonld", partner.root));
    assert_eq!(harvester.export, Export::JsonLd);
    let outcome = outcome.expect("JSON-LD harvest");
    assert_eq!(outcome.harvested, 3, "{outcome:?}");
    let skipped = |o: &HarvestOutcome| {
        let mut ids: Vec<String> = o.skipped.iter().map(|(id, _)| id.clone()).collect();
        ids.sort();
        ids
    };
    assert_eq!(skipped(&outcome), skipped(&json_outcome));
    // k1L2 has no mapped field: the JSON-LD processor gives it no triple, it is still reported.
    assert_eq!(skipped(&outcome), ["e5F6", "g7H8", "k1L2"]);

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
    let error = harvester
        .harvest(
            &from_jsonld.store,
            &from_jsonld.validator,
            &options(),
            |_, _| {},
        )
        .unwrap_err();
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
    let error = harvester
        .harvest(&state.store, &state.validator, &options(), |_, _| {})
        .unwrap_err();
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
    let outcome = lieux_communs::federation::harvest::run_cli(
        "gogocarto",
        &format!("{}/?name=carto", partner.root),
        &config,
        |_, _| {},
    )
    .expect("harvest over HTTPS");
    assert_eq!(outcome.harvested, 3, "{outcome:?}");

    // A file that holds no certificate is a configuration error at start, naming the file.
    config.federation.ca_certificates = vec![tls.join("server.key")];
    let error = lieux_communs::build_state(config).err().expect("refused");
    assert!(error.to_string().contains("server.key"), "{error}");
}
