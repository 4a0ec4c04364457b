//! The targets: what each one sends, and where.

use super::gen::{self, chance, one, pick, FuzzRng};
use super::seeds::Seeds;
use super::{
    send, Canary, HttpCase, Outcome, Server, Target, ADMIN_TOKEN, BASE, COMPAGNIE_TOKEN,
    RFFLAB_TOKEN,
};
use lieux_communs::federation::communecter::Communecter;
use lieux_communs::federation::fetch::{Fetcher, RetryPolicy};
use lieux_communs::federation::gogocarto_harvest::GoGoCarto;
use lieux_communs::federation::harvest::{FetchContext, HarvestError, HarvestOptions, Source};
use rand::Rng;
use std::path::PathBuf;
use std::time::Duration;

/// The `Target` methods of a target that drives the server of its `surface`: a fresh store on
/// restart, the canary's count.
macro_rules! surface_state {
    () => {
        fn restart(&mut self) {
            self.surface.restart();
        }

        fn canary_connections(&self) -> u64 {
            self.surface.canary.connections()
        }
    };
}

/// The same, for a target whose inputs are HTTP requests sent as they are.
macro_rules! http_surface {
    () => {
        fn execute(&mut self, input: &HttpCase) -> Outcome {
            send(&self.surface.server, input)
        }

        surface_state!();
    };
}

/// What every HTTP target holds: the server, the canary, the seeds, the IRIs inputs name.
struct Surface {
    name: String,
    server: Server,
    canary: Canary,
    seeds: Seeds,
    iris: Vec<String>,
}

impl Surface {
    fn new(name: &str) -> Self {
        let canary = Canary::new();
        Self {
            name: name.to_owned(),
            server: Server::start(name),
            seeds: Seeds::new(BASE, &canary.root),
            iris: gen::iris(BASE, &canary.root),
            canary,
        }
    }

    fn restart(&mut self) {
        self.server = Server::start(&self.name);
    }
}

const COLLECTIONS: &[&str] = &[
    "places",
    "places",
    "places",
    "commons",
    "pledges",
    "networks",
    "contributors",
    "campaigns",
    "things",
    "graphs",
];

fn token(rng: &mut FuzzRng) -> Option<String> {
    match rng.random_range(0..100) {
        0..=74 => Some(RFFLAB_TOKEN.into()),
        75..=82 => Some(COMPAGNIE_TOKEN.into()),
        83..=87 => Some(ADMIN_TOKEN.into()),
        88..=94 => None,
        _ => Some(gen::random_text(rng, 20)),
    }
}

fn with_token(case: HttpCase, rng: &mut FuzzRng) -> HttpCase {
    let token = token(rng);
    if chance(rng, 0.03) {
        let scheme = pick(rng, &["Basic", "bearer", "Bearer  ", "", "Token"]);
        return case.header(
            "authorization",
            format!("{scheme} {}", token.unwrap_or_default()),
        );
    }
    case.bearer(token.as_deref())
}

/// A request of the write path around `body`: a collection, a resource, `/import`, the Graph
/// Store, `/validate`, with the tokens and the conditional headers a network sends.
fn write_request(
    rng: &mut FuzzRng,
    content_type: String,
    body: Vec<u8>,
    iris: &[String],
) -> HttpCase {
    let collection = one(rng, COLLECTIONS);
    let slug = gen::random_slug(rng);
    let case = match rng.random_range(0..100) {
        0..=39 => HttpCase::new("POST", format!("/{collection}")),
        40..=54 => HttpCase::new("PUT", format!("/{collection}/{slug}")),
        55..=64 => HttpCase::new("POST", "/import"),
        65..=74 => HttpCase::new(
            "POST",
            format!(
                "/validate{}",
                pick(
                    rng,
                    &[
                        "",
                        "?context=store",
                        "?context=none",
                        "?context=%FF",
                        "?context"
                    ]
                )
            ),
        ),
        75..=82 => HttpCase::new("PUT", store_target(rng, iris)),
        83..=89 => HttpCase::new("POST", store_target(rng, iris)),
        90..=94 => HttpCase::new("DELETE", format!("/{collection}/{slug}")),
        _ => HttpCase::new(
            one(rng, &["PATCH", "DELETE", "OPTIONS", "HEAD", "GET"]),
            pick(rng, &["/places", "/import", "/store?graph=x", "/validate"]).to_string(),
        ),
    };
    let mut case = with_token(case, rng)
        .header("content-type", content_type)
        .body(body);
    if chance(rng, 0.1) {
        let tag = pick(
            rng,
            &[
                "*",
                "\"x\"",
                "W/\"x\"",
                "",
                "\"",
                "\"a\", \"b\"",
                "*, \"x\"",
            ],
        );
        case = case.header(one(rng, &["if-match", "if-none-match"]), *tag);
    }
    if chance(rng, 0.05) {
        let prefer = pick(
            rng,
            &[
                "return=representation",
                "return=minimal",
                "handling=strict",
                "return=",
                "x",
            ],
        );
        case = case.header("prefer", *prefer);
    }
    case
}

fn store_target(rng: &mut FuzzRng, iris: &[String]) -> String {
    match rng.random_range(0..6) {
        0..=2 => format!(
            "/store?graph={}",
            gen::percent_encode(format!("{BASE}graphs/rfflab").as_bytes())
        ),
        3 => "/store?default".to_owned(),
        4 => format!(
            "/store?graph={}",
            gen::percent_encode(pick(rng, iris).as_bytes())
        ),
        _ => {
            let text = gen::random_text(rng, 12);
            format!("/store?{}", gen::query_value(rng, text.as_bytes()))
        }
    }
}

// ------------------------------------------------------------------------------------------------
// Write bodies: JSON-LD and Turtle
// ------------------------------------------------------------------------------------------------

#[derive(Clone, Copy)]
pub enum Syntax {
    JsonLd,
    Turtle,
}

pub struct Writes {
    surface: Surface,
    syntax: Syntax,
}

impl Writes {
    pub fn new(name: &str, syntax: Syntax) -> Self {
        Self {
            surface: Surface::new(name),
            syntax,
        }
    }

    fn jsonld_body(&self, rng: &mut FuzzRng) -> Vec<u8> {
        let seeds = &self.surface.seeds.jsonld;
        let iris = &self.surface.iris;
        match rng.random_range(0..100) {
            0..=44 => gen::mutate_json_seed(rng, seeds, iris),
            45..=74 => {
                let document = gen::random_jsonld(rng, BASE, iris);
                let text = serde_json::to_vec(&document).expect("JSON serializes");
                if chance(rng, 0.2) {
                    gen::mutate(rng, &text, gen::JSON_TOKENS, seeds)
                } else {
                    text
                }
            }
            75..=84 => pick(rng, seeds).clone(),
            85..=92 => {
                let depth = gen::depth(rng);
                let inner = format!(
                    "{{\"@context\":\"{BASE}context.jsonld\",\"type\":\"Place\",\"name\":\"n\"}}"
                );
                match rng.random_range(0..3) {
                    0 => gen::nested(rng, "[", &inner, "]", depth),
                    1 => format!(
                        "{{\"@context\":\"{BASE}context.jsonld\",\"type\":\"Place\",\"name\":\"n\",\"address\":{}}}",
                        gen::nested(rng, "{\"address\":", "{}", "}", depth)
                    ),
                    _ => format!(
                        "{{\"@context\":{},\"name\":\"n\"}}",
                        gen::nested(rng, "[", "{}", "]", depth)
                    ),
                }
                .into_bytes()
            }
            93..=96 => gen::random_bytes(rng, 200),
            97 => {
                // Past the body limit (413), with and without Content-Length.
                let unit = pick(rng, seeds);
                unit.repeat(300 * 1024 / unit.len().max(1) + 1)
            }
            _ => {
                // Many statements in one document: the validator's size, not a parser's.
                let nodes: Vec<String> = (0..rng.random_range(100..2000))
                    .map(|i| format!("{{\"@id\":\"{BASE}places/gen-{i}\",\"type\":\"Place\",\"name\":\"Lieu {i}\"}}"))
                    .collect();
                format!(
                    "{{\"@context\":\"{BASE}context.jsonld\",\"@graph\":[{}]}}",
                    nodes.join(",")
                )
                .into_bytes()
            }
        }
    }

    fn turtle_body(&self, rng: &mut FuzzRng) -> Vec<u8> {
        let seeds = &self.surface.seeds.turtle;
        let iris = &self.surface.iris;
        match rng.random_range(0..100) {
            0..=44 => gen::mutate_seed(rng, seeds, gen::TURTLE_TOKENS),
            45..=74 => {
                let text = gen::random_turtle(rng, BASE, iris).into_bytes();
                if chance(rng, 0.2) {
                    gen::mutate(rng, &text, gen::TURTLE_TOKENS, seeds)
                } else {
                    text
                }
            }
            75..=84 => pick(rng, seeds).clone(),
            85..=92 => {
                let depth = gen::depth(rng);
                let (open, inner, close) = one(
                    rng,
                    &[
                        ("[ <p> ", "1", " ]"),
                        ("( ", "1", " )"),
                        ("<< <a> <b> ", "<c>", " >>"),
                        ("<a:x> <a:y> [ <a:z> ", "\"v\"", " ] ."),
                    ],
                );
                let nest = gen::nested(rng, open, inner, close, depth);
                format!("@prefix tl: <https://w3id.org/tiers-lieux/ns#> .\n<{BASE}places/deep> a tl:Place ; tl:name \"d\" ; <p> {nest} .\n")
                    .into_bytes()
            }
            93..=96 => gen::random_bytes(rng, 200),
            97 => {
                let unit = pick(rng, seeds);
                unit.repeat(300 * 1024 / unit.len().max(1) + 1)
            }
            _ => {
                let mut text = String::from("@prefix tl: <https://w3id.org/tiers-lieux/ns#> .\n");
                for i in 0..rng.random_range(100..2000) {
                    text.push_str(&format!(
                        "<{BASE}places/gen-{i}> a tl:Place ; tl:name \"Lieu {i}\" .\n"
                    ));
                }
                text.into_bytes()
            }
        }
    }
}

impl Target for Writes {
    type Input = HttpCase;

    fn generate(&mut self, rng: &mut FuzzRng) -> HttpCase {
        let (body, content_type) = match self.syntax {
            Syntax::JsonLd => {
                let content_type = match rng.random_range(0..20) {
                    0 => "application/json",
                    1 => "application/ld+json; profile=\"http://www.w3.org/ns/json-ld#expanded\"",
                    2 => "application/ld+json; charset=utf-8",
                    _ => "application/ld+json",
                };
                (self.jsonld_body(rng), content_type.to_owned())
            }
            Syntax::Turtle => {
                let content_type = match rng.random_range(0..20) {
                    0 => "application/n-triples",
                    1 => "application/trig",
                    2 => "application/n-quads",
                    3 => "text/n3",
                    4 => "application/rdf+xml",
                    5 => "text/turtle; charset=latin1",
                    _ => "text/turtle",
                };
                (self.turtle_body(rng), content_type.to_owned())
            }
        };
        write_request(rng, content_type, body, &self.surface.iris)
    }

    http_surface!();

    fn restart_every(&self) -> u64 {
        5_000
    }
}

// ------------------------------------------------------------------------------------------------
// SPARQL: query strings, and the protocol around them
// ------------------------------------------------------------------------------------------------

pub struct SparqlQueries {
    surface: Surface,
}

impl SparqlQueries {
    pub fn new(name: &str) -> Self {
        Self {
            surface: Surface::new(name),
        }
    }
}

fn query_text(rng: &mut FuzzRng, seeds: &[Vec<u8>], iris: &[String]) -> Vec<u8> {
    match rng.random_range(0..100) {
        0..=44 => gen::mutate_seed(rng, seeds, gen::SPARQL_TOKENS),
        45..=79 => {
            let text = gen::random_query(rng, BASE, iris).into_bytes();
            if chance(rng, 0.2) {
                gen::mutate(rng, &text, gen::SPARQL_TOKENS, seeds)
            } else {
                text
            }
        }
        80..=86 => pick(rng, seeds).clone(),
        87..=93 => {
            let depth = gen::depth(rng);
            let (open, inner, close) = one(
                rng,
                &[
                    ("(", "1", ")"),
                    ("{ ", "?s ?p ?o", " }"),
                    ("(1 + ", "1", ")"),
                    ("[ <p> ", "?o", " ]"),
                    ("OPTIONAL { ?s ?p ?o ", "", " }"),
                    ("NOT EXISTS { ", "", " }"),
                ],
            );
            let nest = gen::nested(rng, open, inner, close, depth);
            match open {
                "(" | "(1 + " => format!("SELECT * WHERE {{ FILTER({nest}) }}"),
                "[ <p> " => format!("SELECT * WHERE {{ ?s <p> {nest} }}"),
                "NOT EXISTS { " => format!("SELECT * WHERE {{ FILTER({nest}) }}"),
                _ => format!("SELECT * WHERE {nest}"),
            }
            .into_bytes()
        }
        _ => gen::random_bytes(rng, 120),
    }
}

impl Target for SparqlQueries {
    type Input = HttpCase;

    fn generate(&mut self, rng: &mut FuzzRng) -> HttpCase {
        let query = query_text(rng, &self.surface.seeds.sparql, &self.surface.iris);
        let mut case = match rng.random_range(0..100) {
            0..=39 => HttpCase::new(
                "GET",
                format!("/sparql?query={}", gen::query_value(rng, &query)),
            ),
            40..=69 => HttpCase::new("POST", "/sparql")
                .header("content-type", "application/sparql-query")
                .body(query),
            70..=94 => HttpCase::new("POST", "/sparql")
                .header("content-type", "application/x-www-form-urlencoded")
                .body(format!("query={}", gen::query_value(rng, &query))),
            _ => HttpCase::new(
                "GET",
                format!("/query?query={}", gen::query_value(rng, &query)),
            ),
        };
        if chance(rng, 0.3) {
            case = case.header("accept", gen::random_media(rng));
        }
        if chance(rng, 0.05) {
            case.uri
                .push_str(if case.uri.contains('?') { "&" } else { "?" });
            case.uri.push_str(&format!(
                "format={}",
                pick(
                    rng,
                    &[
                        "json", "xml", "csv", "tsv", "turtle", "ntriples", "nquads", "rdfxml",
                        "jsonld", "html", "x"
                    ]
                )
            ));
        }
        case
    }

    http_surface!();
}

pub struct SparqlProtocol {
    surface: Surface,
}

impl SparqlProtocol {
    pub fn new(name: &str) -> Self {
        Self {
            surface: Surface::new(name),
        }
    }
}

/// Updates an admin may send. None names LOAD: it is the one operation that reads a document
/// from elsewhere, and the server's answer to it is not this harness's to test with the network.
const UPDATES: &[&str] = &[
    "PREFIX tl: <https://w3id.org/tiers-lieux/ns#> INSERT DATA { GRAPH <{BASE}graphs/admin> { <{BASE}places/u> a tl:Place ; tl:name \"u\" } }",
    "DELETE WHERE { GRAPH <{BASE}graphs/admin> { ?s ?p ?o } }",
    "CLEAR SILENT GRAPH <{BASE}graphs/admin>",
    "DROP SILENT GRAPH <{BASE}graphs/nothing>",
    "CREATE SILENT GRAPH <{BASE}graphs/admin>",
    "WITH <{BASE}graphs/admin> DELETE { ?s ?p ?o } INSERT { ?s ?p \"x\" } WHERE { ?s ?p ?o }",
    "COPY SILENT <{BASE}graphs/nothing> TO <{BASE}graphs/admin>",
    "INSERT DATA { <a> <b> \"\\uD800\" }",
];

fn protocol_params(rng: &mut FuzzRng, surface: &Surface, updates: &[Vec<u8>]) -> String {
    let mut pairs = Vec::new();
    for _ in 0..rng.random_range(0..5) {
        let key = match rng.random_range(0..12) {
            0..=3 => "query".to_owned(),
            4 => "update".to_owned(),
            5 => "default-graph-uri".to_owned(),
            6 => "named-graph-uri".to_owned(),
            7 => "using-graph-uri".to_owned(),
            8 => "using-named-graph-uri".to_owned(),
            9 => pick(rng, &["format", "output"]).to_string(),
            10 => gen::random_text(rng, 8),
            _ => String::new(),
        };
        let value: Vec<u8> = match key.as_str() {
            "query" => match rng.random_range(0..4) {
                0 => b"ASK {}".to_vec(),
                1 => pick(rng, &surface.seeds.sparql).clone(),
                _ => gen::mutate_seed(rng, &surface.seeds.sparql, gen::SPARQL_TOKENS),
            },
            "update" => safe_update(gen::mutate_seed(rng, updates, gen::SPARQL_TOKENS)),
            "format" | "output" => pick(
                rng,
                &[
                    "json",
                    "xml",
                    "csv",
                    "tsv",
                    "turtle",
                    "ntriples",
                    "nquads",
                    "rdfxml",
                    "jsonld",
                    "",
                    "application/sparql-results+json",
                    "text/turtle;q=0",
                ],
            )
            .as_bytes()
            .to_vec(),
            _ if chance(rng, 0.6) => pick(rng, &surface.iris).clone().into_bytes(),
            _ => gen::random_text(rng, 30).into_bytes(),
        };
        let key = gen::query_value(rng, key.as_bytes());
        let pair = if chance(rng, 0.05) {
            key
        } else {
            format!("{key}={}", gen::query_value(rng, &value))
        };
        pairs.push(pair);
    }
    pairs.join(one(rng, &["&", "&", "&", ";", "&&"]))
}

/// An update without LOAD, however mutated (see `UPDATES`).
fn safe_update(text: Vec<u8>) -> Vec<u8> {
    if String::from_utf8_lossy(&text)
        .to_ascii_uppercase()
        .contains("LOAD")
    {
        b"CLEAR SILENT GRAPH <x:none>".to_vec()
    } else {
        text
    }
}

impl Target for SparqlProtocol {
    type Input = HttpCase;

    fn generate(&mut self, rng: &mut FuzzRng) -> HttpCase {
        let updates: Vec<Vec<u8>> = UPDATES
            .iter()
            .map(|u| u.replace("{BASE}", BASE).into_bytes())
            .collect();
        let path = pick(
            rng,
            &[
                "/sparql", "/sparql", "/sparql", "/query", "/sparql/", "/SPARQL",
            ],
        );
        let method = match rng.random_range(0..20) {
            0..=8 => "GET",
            9..=17 => "POST",
            _ => one(rng, &["PUT", "DELETE", "HEAD", "OPTIONS", "PATCH"]),
        };
        let params = protocol_params(rng, &self.surface, &updates);
        let uri = if params.is_empty() && chance(rng, 0.5) {
            path.to_string()
        } else {
            format!("{path}?{params}")
        };
        let mut case = HttpCase::new(method, uri);
        if method != "GET" {
            let (content_type, body) = match rng.random_range(0..10) {
                0..=3 => (
                    "application/x-www-form-urlencoded".to_owned(),
                    protocol_params(rng, &self.surface, &updates).into_bytes(),
                ),
                4..=5 => (
                    "application/sparql-query".to_owned(),
                    pick(rng, &self.surface.seeds.sparql).clone(),
                ),
                6..=7 => (
                    "application/sparql-update".to_owned(),
                    safe_update(gen::mutate_seed(rng, &updates, gen::SPARQL_TOKENS)),
                ),
                _ => (gen::random_media(rng), gen::random_bytes(rng, 64)),
            };
            let content_type = if chance(rng, 0.1) {
                format!(
                    "{content_type}; charset={}",
                    pick(rng, &["utf-8", "latin1", "\"utf-8\"", ""])
                )
            } else {
                content_type
            };
            case = case.header("content-type", content_type).body(body);
        }
        if chance(rng, 0.3) {
            case = case.bearer(Some(ADMIN_TOKEN));
        } else if chance(rng, 0.1) {
            case = case.bearer(Some(RFFLAB_TOKEN));
        }
        if chance(rng, 0.3) {
            case = case.header("accept", gen::random_media(rng));
        }
        if chance(rng, 0.05) {
            case = case.header("if-none-match", one(rng, &["*", "\"x\"", "W/\"y\"", ""]));
        }
        case
    }

    http_surface!();

    fn restart_every(&self) -> u64 {
        20_000
    }
}

// ------------------------------------------------------------------------------------------------
// Accept and Content-Type
// ------------------------------------------------------------------------------------------------

pub struct Headers {
    surface: Surface,
}

impl Headers {
    pub fn new(name: &str) -> Self {
        Self {
            surface: Surface::new(name),
        }
    }
}

const READ_ROUTES: &[&str] = &[
    "/",
    "/places",
    "/places?format=geojson",
    "/places/la-mine",
    "/places/la-fabrique-des-possibles",
    "/commons",
    "/commons/dokos",
    "/networks/rfflab",
    "/campaigns/adopte-un-commun-2021",
    "/pledges",
    "/contributors/jordan-thevenot",
    "/context.jsonld",
    "/ontology",
    "/shapes",
    "/.well-known/void",
    "/openapi.json",
    "/api/elements.json",
    "/harvests",
    "/health",
    "/sparql",
    "/store?default",
    "/store?graph=http%3A%2F%2Flieux.test%2Fgraphs%2Ffixtures",
    "/api",
    "/validate",
    "/assets/nothing.js",
    "/nothing",
];

impl Target for Headers {
    type Input = HttpCase;

    fn generate(&mut self, rng: &mut FuzzRng) -> HttpCase {
        let mut case = match rng.random_range(0..100) {
            0..=64 => HttpCase::new(
                one(rng, &["GET", "GET", "GET", "HEAD"]),
                one(rng, READ_ROUTES),
            ),
            65..=67 => HttpCase::new("GET", "/dump"),
            68..=71 => HttpCase::new("GET", "/sparql?query=ASK%20%7B%7D"),
            72..=75 => HttpCase::new(
                "GET",
                "/sparql?query=CONSTRUCT%20%7B%3Fs%20%3Fp%20%3Fo%7D%20WHERE%20%7B%3Fs%20%3Fp%20%3Fo%7D%20LIMIT%203",
            ),
            _ => {
                let jsonld = chance(rng, 0.5);
                let body = if jsonld {
                    pick(rng, &self.surface.seeds.jsonld).clone()
                } else {
                    pick(rng, &self.surface.seeds.turtle).clone()
                };
                let (method, path) = one(
                    rng,
                    &[
                        ("POST", "/places"),
                        ("PUT", "/places/la-mine"),
                        ("POST", "/import"),
                        ("POST", "/validate"),
                        ("POST", "/store?graph=http%3A%2F%2Flieux.test%2Fgraphs%2Frfflab"),
                        ("POST", "/sparql"),
                    ],
                );
                let content_type = if chance(rng, 0.8) {
                    gen::random_media(rng)
                } else if jsonld {
                    "application/ld+json".to_owned()
                } else {
                    "text/turtle".to_owned()
                };
                let mut case = HttpCase::new(method, path)
                    .bearer(Some(RFFLAB_TOKEN))
                    .body(body);
                for _ in 0..rng.random_range(0..3) {
                    case = case.header("content-type", content_type.clone());
                }
                case
            }
        };
        for _ in 0..rng.random_range(0..3) {
            let mut accept = gen::random_media(rng).into_bytes();
            if chance(rng, 0.05) {
                accept.extend_from_slice(one(rng, gen::BAD_UTF8));
            }
            case = case.header("accept", accept);
        }
        if chance(rng, 0.2) {
            case = case.header(
                "accept-encoding",
                one(
                    rng,
                    &[
                        "gzip",
                        "br",
                        "identity;q=0",
                        "*;q=0",
                        "gzip;q=2, deflate",
                        "x",
                    ],
                ),
            );
        }
        if chance(rng, 0.1) {
            case = case.header(
                "if-none-match",
                one(rng, &["*", "\"x\"", "W/\"y\"", "", "\"", "\u{e9}"]),
            );
        }
        if chance(rng, 0.05) {
            case = case.header("origin", one(rng, &["https://example.org", "null", ""]));
        }
        case
    }

    http_surface!();

    fn restart_every(&self) -> u64 {
        20_000
    }
}

// ------------------------------------------------------------------------------------------------
// Slugs and paging
// ------------------------------------------------------------------------------------------------

pub struct SlugsPaging {
    surface: Surface,
}

impl SlugsPaging {
    pub fn new(name: &str) -> Self {
        Self {
            surface: Surface::new(name),
        }
    }
}

#[derive(Debug)]
pub enum SlugInput {
    Http(HttpCase),
    /// `writes::slugify` of a name: the slug it mints must be one a path can carry.
    Slugify(String),
}

fn paging_value(rng: &mut FuzzRng) -> String {
    match rng.random_range(0..10) {
        0..=3 => rng.random_range(0..300u32).to_string(),
        4..=6 => one(rng, gen::HUGE_NUMBERS).to_string(),
        7 => (u64::MAX / rng.random_range(1..1000u64)).to_string(),
        8 => "-1".to_owned(),
        _ => gen::random_text(rng, 6),
    }
}

impl Target for SlugsPaging {
    type Input = SlugInput;

    fn generate(&mut self, rng: &mut FuzzRng) -> SlugInput {
        let collection = match rng.random_range(0..10) {
            0..=7 => pick(rng, COLLECTIONS).to_string(),
            _ => gen::random_slug(rng),
        };
        let accept = one(
            rng,
            &[
                "",
                "",
                "application/ld+json",
                "text/html",
                "text/turtle",
                "application/geo+json",
                "*/*",
            ],
        );
        let case = match rng.random_range(0..100) {
            0..=34 => {
                let mut pairs = Vec::new();
                for _ in 0..rng.random_range(0..5) {
                    let key = one(
                        rng,
                        &[
                            "page", "page", "limit", "limit", "q", "network", "tag", "region",
                            "commons", "campaign", "format", "x",
                        ],
                    );
                    let value = match key {
                        "page" | "limit" => paging_value(rng),
                        "network" | "commons" | "campaign" if chance(rng, 0.5) => {
                            pick(rng, &self.surface.iris).clone()
                        }
                        "format" => pick(rng, &["geojson", "json", "", "x"]).to_string(),
                        _ => gen::random_text(rng, 20),
                    };
                    pairs.push(format!("{key}={}", gen::query_value(rng, value.as_bytes())));
                }
                HttpCase::new("GET", format!("/{collection}?{}", pairs.join("&")))
            }
            35..=64 => {
                let mut path = format!("/{collection}/{}", gen::random_slug(rng));
                if chance(rng, 0.1) {
                    path.push_str(one(rng, &["/", "/x", "/..", "//", "?x=%FF"]));
                }
                HttpCase::new(one(rng, &["GET", "GET", "HEAD", "DELETE"]), path)
                    .bearer(Some(RFFLAB_TOKEN))
            }
            65..=79 => {
                let mut node = serde_json::json!({
                    "@context": format!("{BASE}context.jsonld"),
                    "type": pick(rng, &["Place", "Commons", "Network", "Campaign", "Contributor"]),
                    "name": gen::random_name(rng),
                });
                if chance(rng, 0.3) {
                    node["@id"] = serde_json::Value::String(format!(
                        "{BASE}{collection}/{}",
                        gen::random_slug(rng)
                    ));
                }
                HttpCase::new("POST", format!("/{collection}"))
                    .bearer(Some(RFFLAB_TOKEN))
                    .header("content-type", "application/ld+json")
                    .body(serde_json::to_vec(&node).expect("JSON serializes"))
            }
            80..=89 => {
                let node = serde_json::json!({
                    "@context": format!("{BASE}context.jsonld"),
                    "type": "Place",
                    "name": gen::random_name(rng),
                });
                HttpCase::new("PUT", format!("/{collection}/{}", gen::random_slug(rng)))
                    .bearer(Some(RFFLAB_TOKEN))
                    .header("content-type", "application/ld+json")
                    .body(serde_json::to_vec(&node).expect("JSON serializes"))
            }
            _ => return SlugInput::Slugify(gen::random_name(rng)),
        };
        let case = if accept.is_empty() {
            case
        } else {
            case.header("accept", accept)
        };
        SlugInput::Http(case)
    }

    fn execute(&mut self, input: &SlugInput) -> Outcome {
        match input {
            SlugInput::Http(case) => send(&self.surface.server, case),
            SlugInput::Slugify(name) => {
                let slug = lieux_communs::writes::slugify(name);
                let minted = !slug.is_empty()
                    && slug
                        .bytes()
                        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
                if minted && lieux_communs::writes::is_path_slug(&slug) {
                    Outcome::Accepted
                } else {
                    Outcome::Internal(format!("slugify({name:?}) = {slug:?}, not a slug"))
                }
            }
        }
    }

    surface_state!();

    fn restart_every(&self) -> u64 {
        10_000
    }
}

// ------------------------------------------------------------------------------------------------
// Harvest payloads
// ------------------------------------------------------------------------------------------------

#[derive(Clone, Copy, Debug)]
pub enum Partner {
    Communecter,
    GoGoCarto,
}

/// A partner's export, written where the harvester reads a local export.
pub struct Payload {
    pub partner: Partner,
    /// GoGoCarto: the JSON-LD export rather than the JSON one.
    pub jsonld: bool,
    /// Communecter: the first page of organizations; GoGoCarto: the elements.
    pub main: Vec<u8>,
    /// Communecter: the first page of projects; GoGoCarto: the taxonomy.
    pub second: Vec<u8>,
}

impl std::fmt::Debug for Payload {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        writeln!(f, "{:?} (JSON-LD export: {})", self.partner, self.jsonld)?;
        writeln!(f, "main: \"{}\"", super::escape_bytes(&self.main))?;
        write!(f, "second: \"{}\"", super::escape_bytes(&self.second))
    }
}

pub struct Harvests {
    name: String,
    partner: Partner,
    server: Server,
    canary: Canary,
    seeds: Seeds,
    iris: Vec<String>,
    fetcher: Fetcher,
    options: HarvestOptions,
    dir: PathBuf,
}

impl Harvests {
    pub fn new(name: &str, partner: Partner) -> Self {
        let canary = Canary::new();
        let options = HarvestOptions {
            timeout: Duration::from_secs(5),
            page_size: 100,
            max_pages: 4,
            retry: RetryPolicy {
                retries: 0,
                first_delay: Duration::ZERO,
                max_delay: Duration::ZERO,
            },
        };
        static FOLDERS: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
        let dir = std::env::temp_dir().join(format!(
            "lieux-communs-fuzz-{}-{name}-{}",
            std::process::id(),
            FOLDERS.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
        ));
        std::fs::create_dir_all(&dir).expect("a temporary folder");
        Self {
            name: name.to_owned(),
            partner,
            server: Server::start(name),
            seeds: Seeds::new(BASE, &canary.root),
            iris: gen::iris(BASE, &canary.root),
            fetcher: Fetcher::new(&[], options.timeout, options.retry.clone())
                .expect("an HTTP client"),
            options,
            dir,
            canary,
        }
    }

    fn write(&self, relative: &str, content: &[u8]) {
        let path = self.dir.join(relative);
        std::fs::create_dir_all(path.parent().expect("a parent folder")).expect("a folder");
        std::fs::write(path, content).expect("a payload file");
    }

    fn json_payload(&self, rng: &mut FuzzRng, seeds: &[Vec<u8>]) -> Vec<u8> {
        match rng.random_range(0..100) {
            0..=59 => gen::mutate_json_seed(rng, seeds, &self.iris),
            60..=79 => serde_json::to_vec(&self.generated(rng)).expect("JSON serializes"),
            80..=89 => pick(rng, seeds).clone(),
            90..=95 => {
                let depth = gen::depth(rng);
                let key = if matches!(self.partner, Partner::Communecter) {
                    "entities"
                } else {
                    "data"
                };
                format!("{{\"{key}\":{}}}", gen::nested(rng, "[", "{}", "]", depth)).into_bytes()
            }
            _ => gen::random_bytes(rng, 100),
        }
    }

    /// A realistic export, record by record: the fields each partner sends, with values of
    /// every kind where the partner's documentation promises one.
    fn generated(&self, rng: &mut FuzzRng) -> serde_json::Value {
        use serde_json::{json, Map, Value};
        // The realistic value first: it is made with `rng` before the closure borrows it.
        let value = |realistic: Value, rng: &mut FuzzRng| -> Value {
            if chance(rng, 0.7) {
                realistic
            } else {
                gen::random_json(rng, 2, &self.iris)
            }
        };
        let records: Vec<Value> = (0..rng.random_range(0..8))
            .map(|i| {
                let mut record = Map::new();
                let name = value(json!(gen::random_name(rng)), rng);
                record.insert("name".into(), name);
                let description = value(json!(format!("<p>{}</p>", gen::random_text(rng, 40))), rng);
                record.insert("description".into(), description);
                let email = value(json!(pick(rng, &["a@b.example", "hidden", "", "x@", "contact@lieu.example.org"])), rng);
                record.insert("email".into(), email);
                let geo = value(json!({ "latitude": pick(rng, &[json!(48.1), json!("45.75"), json!(95.5), json!(""), json!(null)]), "longitude": pick(rng, &[json!(-1.68), json!("4.85"), json!(-200), json!("x")]) }), rng);
                record.insert("geo".into(), geo);
                let address = value(json!({ "streetAddress": gen::random_text(rng, 20), "postalCode": pick(rng, &[json!("35000"), json!(9000), json!("2A004"), json!("1"), json!(null)]), "addressLocality": gen::random_name(rng), "addressCountry": pick(rng, &["FR", "", "France", "BE"]) }), rng);
                record.insert("address".into(), address);
                let website = value(json!(pick(rng, &["https://lieu.example.org/", "www.lieu.example", "http//x", "", "javascript:alert(1)", "ftp://x"])), rng);
                record.insert("website".into(), website);
                match self.partner {
                    Partner::Communecter => {
                        let tags = value(json!(pick(rng, &[json!(["TiersLieux"]), json!("Tiers-Lieux, coworking"), json!(["Commun"]), json!([]), json!(["tiers lieux", 3])])), rng);
                        record.insert("tags".into(), tags);
                        if chance(rng, 0.5) {
                            let id = value(json!({ "$id": format!("5f{i:022x}") }), rng);
                            record.insert("_id".into(), id);
                        }
                        let short = value(json!(gen::random_text(rng, 30)), rng);
                        record.insert("shortDescription".into(), short);
                        let url = value(json!({ "website": "https://lieu.example.org" }), rng);
                        record.insert("url".into(), url);
                    }
                    Partner::GoGoCarto => {
                        let id = value(json!(format!("g{i}")), rng);
                        record.insert("id".into(), id);
                        let categories = value(json!(["Tiers-lieu", gen::random_name(rng)]), rng);
                        record.insert("categories".into(), categories);
                        let options = value(json!([10427, "10495", "Voyages", 12]), rng);
                        record.insert("optionValues".into(), options);
                        let telephone = value(json!(pick(rng, &["0299000000", "+33 2 99 00 00 00", "967556221", ""])), rng);
                        record.insert("telephone".into(), telephone);
                    }
                }
                Value::Object(record)
            })
            .collect();
        match self.partner {
            Partner::Communecter => {
                if chance(rng, 0.5) {
                    let entities: Map<String, Value> = records
                        .into_iter()
                        .enumerate()
                        .map(|(i, r)| (format!("5e{i:022x}"), r))
                        .collect();
                    json!({ "meta": { "next": null }, "entities": entities })
                } else {
                    json!({ "meta": { "next": null }, "entities": records })
                }
            }
            Partner::GoGoCarto => {
                json!({ "licence": "odbl", "ontology": "gogofull", "data": records })
            }
        }
    }

    fn harvest(&self, source: &dyn Source) -> Outcome {
        let state = &self.server.state;
        let context = FetchContext {
            base: &state.store.base,
            fetcher: &self.fetcher,
            options: &self.options,
            progress: &|_, _| {},
            now: lieux_communs::store::now_literal(),
        };
        let fetched = match source.fetch(&context) {
            Ok(fetched) => fetched,
            Err(e) => return refused(e),
        };
        match state
            .harvester()
            .store_records(&source.graph_name(), &source.network(), fetched)
        {
            Ok(_) => Outcome::Accepted,
            Err(e) => refused(e),
        }
    }
}

/// The source's faults are refusals; a store that cannot be written is the harness's
/// analogue of a 5xx; and so is a graph the shapes refuse after `conform` has left out every
/// value they refuse (a harvest must lose fields, not fail).
fn refused(error: HarvestError) -> Outcome {
    match error {
        HarvestError::Write(message) => Outcome::Internal(format!("write: {message}")),
        HarvestError::Invalid(report) => {
            Outcome::Internal(format!("invalid after conform: {report}"))
        }
        _ => Outcome::Refused,
    }
}

impl Drop for Harvests {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

const EMPTY_PAGE: &[u8] = br#"{"meta":{"next":null},"entities":[]}"#;

impl Target for Harvests {
    type Input = Payload;

    fn generate(&mut self, rng: &mut FuzzRng) -> Payload {
        match self.partner {
            Partner::Communecter => {
                let main = self.json_payload(rng, &self.seeds.communecter);
                let second = if chance(rng, 0.6) {
                    pick(rng, &self.seeds.communecter[3..5]).clone()
                } else {
                    self.json_payload(rng, &self.seeds.communecter)
                };
                Payload {
                    partner: self.partner,
                    jsonld: false,
                    main,
                    second,
                }
            }
            Partner::GoGoCarto => {
                let jsonld = chance(rng, 0.3);
                let main = if jsonld {
                    let seeds = &self.seeds.gogocarto_jsonld;
                    match rng.random_range(0..10) {
                        0..=6 => gen::mutate_json_seed(rng, seeds, &self.iris),
                        7 => pick(rng, seeds).clone(),
                        _ => {
                            let mut document = self.generated(rng);
                            let graph = document["data"].take();
                            serde_json::to_vec(&serde_json::json!({
                                "@context": pick(rng, &["https://rawgit.com/jmvanel/rdf-convert/master/context-gogo.jsonld".to_owned(), format!("{}/context.jsonld", self.canary.root)]),
                                "@graph": graph,
                            }))
                            .expect("JSON serializes")
                        }
                    }
                } else {
                    self.json_payload(rng, &self.seeds.gogocarto_json)
                };
                let taxonomies = &self.seeds.taxonomies;
                let second = if chance(rng, 0.6) {
                    pick(rng, taxonomies).clone()
                } else {
                    gen::mutate_json_seed(rng, taxonomies, &self.iris)
                };
                Payload {
                    partner: self.partner,
                    jsonld,
                    main,
                    second,
                }
            }
        }
    }

    fn execute(&mut self, input: &Payload) -> Outcome {
        let root = self
            .dir
            .to_str()
            .expect("a UTF-8 temporary path")
            .to_owned();
        match input.partner {
            Partner::Communecter => {
                self.write("api/organization/get/limit/100/index/0", &input.main);
                self.write("api/project/get/limit/100/index/0", &input.second);
                for kind in ["organization", "project"] {
                    for index in [100, 200, 300] {
                        self.write(
                            &format!("api/{kind}/get/limit/100/index/{index}"),
                            EMPTY_PAGE,
                        );
                    }
                }
                self.harvest(&Communecter::new(&root))
            }
            Partner::GoGoCarto => {
                let file = if input.jsonld {
                    "elements.jsonld"
                } else {
                    "elements.json"
                };
                self.write(&format!("api/{file}"), &input.main);
                self.write("api/taxonomy.json", &input.second);
                self.harvest(&GoGoCarto::new(&format!("{root}/api/{file}")))
            }
        }
    }

    fn restart(&mut self) {
        self.server = Server::start(&self.name);
    }

    fn canary_connections(&self) -> u64 {
        self.canary.connections()
    }
}
