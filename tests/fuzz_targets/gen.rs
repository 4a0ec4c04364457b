//! Input generation: byte and token mutations of seeds, JSON tree mutations, and small
//! structure-aware generators (JSON-LD, Turtle, SPARQL, media ranges, slugs). Everything draws
//! from one seeded ChaCha generator, so that a seed and an input number replay an input.

use rand::seq::IndexedRandom;
use rand::Rng;
use serde_json::{json, Map, Value};

pub type FuzzRng = rand_chacha::ChaCha8Rng;

/// Inputs stay under this size: past it a body only measures the parser's throughput, and the
/// server's own body limit (413) is exercised by a few inputs made on purpose.
pub const MAX_INPUT: usize = 64 * 1024;

/// Texts that have broken parsers before: odd Unicode (bidi controls, BOM, joiners, combining
/// marks, noncharacters, astral), escapes, and separators of the syntaxes we read.
pub const ODD_TEXT: &[&str] = &[
    "\u{0}",
    "\u{202E}",
    "\u{FEFF}",
    "\u{200D}",
    "\u{301}\u{301}\u{301}\u{301}",
    "\u{FFFF}",
    "\u{FFFE}",
    "\u{10FFFF}",
    "\u{1F3E1}",
    "\u{1F469}\u{200D}\u{1F33E}",
    "ǅ",
    "İ",
    "ß",
    "ﬀ",
    "\u{2028}",
    "\u{85}",
    "\r\n",
    "\t",
    "\\u0000",
    "\\uD800",
    "\\uDC00\\uD800",
    "\\\"",
    "%00",
    "%FF",
    "%2F",
    "%",
    "../",
    "\"",
    "'",
    "<",
    ">",
    "{",
    "}",
    "[",
    "]",
    "#",
    "?",
    "&",
    "=",
    ";",
    ",",
    "@",
    "é",
    "e\u{301}",
    "Ω",
    "汉字",
    "ـ",
    "\u{E000}",
];

/// Numbers at the edges of every representation a parser may pick.
pub const HUGE_NUMBERS: &[&str] = &[
    "0",
    "-0",
    "-0.0",
    "1e999999",
    "-1e999999",
    "1e-999999",
    "4.9e-324",
    "1.7976931348623157e308",
    "18446744073709551615",
    "18446744073709551616",
    "-9223372036854775808",
    "-9223372036854775809",
    "340282366920938463463374607431768211456",
    "99999999999999999999999999999999999999999999999999999999999999999999999999999999",
    "0.000000000000000000000000000000000000000000000000000000000000000000000000001",
    "1.",
    ".5",
    "+1",
    "00001",
    "0x10",
    "1_000",
    "NaN",
    "Infinity",
    "-INF",
    "1E+2",
    "12345678901234567890.12345678901234567890",
];

/// Invalid UTF-8: lone continuation bytes, overlong forms, encoded surrogates, truncated
/// sequences, bytes never valid.
pub const BAD_UTF8: &[&[u8]] = &[
    b"\xFF",
    b"\xFE\xFF",
    b"\x80",
    b"\xC0\x80",
    b"\xC3",
    b"\xE2\x82",
    b"\xED\xA0\x80",
    b"\xF4\x90\x80\x80",
    b"\xF8\x88\x80\x80\x80",
];

/// IRIs a body or a query may name: our own, relative ones, and remote ones, among them the
/// canary address that counts connections (none may come: no remote document is fetched).
pub fn iris(base: &str, canary: &str) -> Vec<String> {
    vec![
        format!("{base}places/la-mine"),
        format!("{base}places/pop-cafe"),
        format!("{base}places/"),
        format!("{base}commons/dokos"),
        format!("{base}networks/rfflab"),
        format!("{base}networks/compagnie-tiers-lieux"),
        format!("{base}campaigns/adopte-un-commun-2021"),
        format!("{base}graphs/rfflab"),
        format!("{base}graphs/fixtures"),
        format!("{base}graphs/meta"),
        format!("{base}context.jsonld"),
        format!("{canary}/context.jsonld"),
        format!("{canary}/sparql"),
        "https://w3id.org/tiers-lieux/ns#Place".into(),
        "https://w3id.org/tiers-lieux/ns#status-confirmed".into(),
        "https://w3id.org/tiers-lieux/context.jsonld".into(),
        "http://schema.org/".into(),
        "https://schema.org/docs/jsonldcontext.jsonld".into(),
        "https://rawgit.com/jmvanel/rdf-convert/master/context-gogo.jsonld".into(),
        "http://169.254.169.254/latest/meta-data/".into(),
        "file:///etc/passwd".into(),
        "urn:x:y".into(),
        "_:b0".into(),
        "places/la-mine".into(),
        "../..//x".into(),
        "#frag".into(),
        "".into(),
        "http://[::1]:0/".into(),
        "http://a b/".into(),
        "mailto:contact@example.org".into(),
        "tel:+33123456789".into(),
    ]
}

pub fn pick<'a, T>(rng: &mut FuzzRng, items: &'a [T]) -> &'a T {
    items.choose(rng).expect("a non-empty list")
}

/// [`pick`] of a list of copyable values (texts, numbers), by value.
pub fn one<T: Copy>(rng: &mut FuzzRng, items: &[T]) -> T {
    *pick(rng, items)
}

pub fn chance(rng: &mut FuzzRng, p: f64) -> bool {
    rng.random_bool(p)
}

/// Random text: ASCII, Latin, odd Unicode, or a mix.
pub fn random_text(rng: &mut FuzzRng, max: usize) -> String {
    let len = rng.random_range(0..=max);
    let mut s = String::new();
    for _ in 0..len {
        match rng.random_range(0..10) {
            0..=4 => s.push(rng.random_range(b' '..=b'~') as char),
            5 => s.push_str(one(rng, ODD_TEXT)),
            6 => s.push(rng.random_range('\u{A0}'..='\u{24F}')),
            7 => s.push(char::from_u32(rng.random_range(0..0x11_0000)).unwrap_or('\u{FFFD}')),
            8 => s.push(rng.random_range(b'a'..=b'z') as char),
            _ => s.push_str(one(rng, &["-", " ", "_", ".", "/", ":"])),
        }
    }
    s
}

pub fn random_bytes(rng: &mut FuzzRng, max: usize) -> Vec<u8> {
    let len = rng.random_range(0..=max);
    (0..len).map(|_| rng.random()).collect()
}

/// `depth` openers, something, `depth` closers (or not all of them).
pub fn nested(rng: &mut FuzzRng, open: &str, inner: &str, close: &str, depth: usize) -> String {
    let closers = if chance(rng, 0.8) {
        depth
    } else {
        rng.random_range(0..=depth)
    };
    let mut s = String::with_capacity((open.len() + close.len()) * depth + inner.len());
    for _ in 0..depth {
        s.push_str(open);
    }
    s.push_str(inner);
    for _ in 0..closers {
        s.push_str(close);
    }
    s
}

/// A nesting depth: mostly shallow, sometimes past the limits parsers put (128 for JSON).
pub fn depth(rng: &mut FuzzRng) -> usize {
    match rng.random_range(0..10) {
        0..=5 => rng.random_range(1..40),
        6..=8 => rng.random_range(100..300),
        _ => rng.random_range(1000..5000),
    }
}

fn position(rng: &mut FuzzRng, data: &[u8]) -> usize {
    rng.random_range(0..=data.len())
}

fn range(rng: &mut FuzzRng, data: &[u8]) -> (usize, usize) {
    let start = position(rng, data);
    let len = rng.random_range(0..=(data.len() - start).min(64));
    (start, start + len)
}

/// Byte and token mutations of `data`: 1 to 5 of flip, overwrite, delete, insert (random
/// bytes, a token of the syntax, odd Unicode, invalid UTF-8, a huge number), duplicate, splice
/// from another seed, nest, truncate.
pub fn mutate(rng: &mut FuzzRng, data: &[u8], tokens: &[&str], others: &[Vec<u8>]) -> Vec<u8> {
    let mut out = data.to_vec();
    for _ in 0..rng.random_range(1..=5) {
        mutate_once(rng, &mut out, tokens, others);
    }
    out.truncate(MAX_INPUT);
    out
}

/// [`mutate`] of one of `seeds`, spliced with the others.
pub fn mutate_seed(rng: &mut FuzzRng, seeds: &[Vec<u8>], tokens: &[&str]) -> Vec<u8> {
    let seed = pick(rng, seeds);
    mutate(rng, seed, tokens, seeds)
}

/// [`mutate_json_text`] of one of `seeds`.
pub fn mutate_json_seed(rng: &mut FuzzRng, seeds: &[Vec<u8>], strings: &[String]) -> Vec<u8> {
    let seed = pick(rng, seeds);
    mutate_json_text(rng, seed, strings, seeds)
}

fn mutate_once(rng: &mut FuzzRng, out: &mut Vec<u8>, tokens: &[&str], others: &[Vec<u8>]) {
    match rng.random_range(0..14) {
        0 if !out.is_empty() => {
            let i = rng.random_range(0..out.len());
            out[i] ^= 1 << rng.random_range(0..8);
        }
        1 if !out.is_empty() => {
            let i = rng.random_range(0..out.len());
            out[i] = rng.random();
        }
        2 => {
            let (a, b) = range(rng, out);
            out.drain(a..b);
        }
        3 => {
            let at = position(rng, out);
            let bytes = random_bytes(rng, 8);
            out.splice(at..at, bytes);
        }
        4 | 5 if !tokens.is_empty() => {
            let token = pick(rng, tokens).as_bytes().to_vec();
            let (a, b) = if chance(rng, 0.5) {
                let at = position(rng, out);
                (at, at)
            } else {
                range(rng, out)
            };
            out.splice(a..b, token);
        }
        6 => {
            let (a, b) = range(rng, out);
            let copy = out[a..b].to_vec();
            let at = position(rng, out);
            for _ in 0..rng.random_range(1..=4) {
                out.splice(at..at, copy.iter().copied());
            }
        }
        7 if !others.is_empty() => {
            let other = pick(rng, others);
            let (a, b) = range(rng, other);
            let at = position(rng, out);
            out.splice(at..at, other[a..b].iter().copied());
        }
        8 => {
            let at = position(rng, out);
            out.splice(at..at, one(rng, ODD_TEXT).bytes());
        }
        9 => {
            let at = position(rng, out);
            out.splice(at..at, one(rng, BAD_UTF8).iter().copied());
        }
        10 => {
            let (a, b) = range(rng, out);
            out.splice(a..b, one(rng, HUGE_NUMBERS).bytes());
        }
        11 => {
            let (open, close) = one(
                rng,
                &[
                    ("[", "]"),
                    ("{", "}"),
                    ("(", ")"),
                    ("{\"a\":", "}"),
                    ("[ <a> ", " ]"),
                ],
            );
            // Up to 5 000 levels: deeper than any parser's stack allows, which the server
            // refuses before parsing (tests/fuzz.rs, deeply_nested_*).
            let depth = depth(rng);
            let at = position(rng, out);
            let nest = nested(rng, open, "", close, depth);
            out.splice(at..at, nest.into_bytes());
        }
        12 => {
            let at = position(rng, out);
            out.truncate(at);
        }
        _ => {
            // A whole token of the syntax doubled, the commonest slip of a hand-written file.
            let at = position(rng, out);
            let token = tokens.choose(rng).copied().unwrap_or(" ");
            let twice = format!("{token}{token}");
            out.splice(at..at, twice.into_bytes());
        }
    }
}

/// Keys a JSON mutation may add: JSON-LD keywords, our context's terms, and the fields of the
/// partners' exports.
pub const JSON_KEYS: &[&str] = &[
    "@context",
    "@id",
    "@type",
    "@graph",
    "@value",
    "@language",
    "@list",
    "@set",
    "@reverse",
    "@included",
    "@nest",
    "@base",
    "@vocab",
    "@version",
    "@import",
    "@protected",
    "@direction",
    "@index",
    "@json",
    "@none",
    "id",
    "type",
    "name",
    "description",
    "website",
    "email",
    "tag",
    "telephone",
    "address",
    "streetAddress",
    "postalCode",
    "locality",
    "region",
    "geo",
    "latitude",
    "longitude",
    "memberOf",
    "usesCommons",
    "funder",
    "pledgedTo",
    "amount",
    "status",
    "campaign",
    "year",
    "placeType",
    "entities",
    "meta",
    "next",
    "_id",
    "$id",
    "tags",
    "shortDescription",
    "url",
    "data",
    "ontology",
    "categories",
    "optionValues",
    "options",
    "subcategories",
    "addressLocality",
    "addressCountry",
    "openHours",
    "sourceKey",
    "",
];

/// A random JSON value; `depth` bounds the nesting of the value itself.
pub fn random_json(rng: &mut FuzzRng, depth: usize, strings: &[String]) -> Value {
    match rng.random_range(0..if depth == 0 { 5 } else { 8 }) {
        0 => Value::Null,
        1 => Value::Bool(rng.random()),
        2 => match rng.random_range(0..4) {
            0 => json!(rng.random::<i64>()),
            1 => json!(u64::MAX),
            2 => serde_json::Number::from_f64(one(
                rng,
                &[1e308, -1e308, 5e-324, -0.0, 0.1, 48.11, -1.68, 1e21],
            ))
            .map_or(Value::Null, Value::Number),
            _ => json!(rng.random_range(-200..200)),
        },
        3 => Value::String(random_text(rng, 24)),
        4 => Value::String(pick(rng, strings).clone()),
        5 => Value::Array(
            (0..rng.random_range(0..4))
                .map(|_| random_json(rng, depth - 1, strings))
                .collect(),
        ),
        6 => {
            let mut map = Map::new();
            for _ in 0..rng.random_range(0..4) {
                map.insert(
                    (one(rng, JSON_KEYS)).to_owned(),
                    random_json(rng, depth - 1, strings),
                );
            }
            Value::Object(map)
        }
        _ => {
            let d = self::depth(rng).min(400);
            let text = nested(rng, "[", "1", "]", d);
            serde_json::from_str(&text).unwrap_or(Value::Null)
        }
    }
}

/// Mutates a JSON tree in place: 1 to 4 of replace a node, drop or add a key, change a value's
/// type, duplicate or drop an array element, wrap a node in an array or an object.
pub fn mutate_json(rng: &mut FuzzRng, value: &mut Value, strings: &[String]) {
    for _ in 0..rng.random_range(1..=4) {
        let node = random_node(rng, value);
        mutate_node(rng, node, strings);
    }
}

fn random_node<'a>(rng: &mut FuzzRng, mut node: &'a mut Value) -> &'a mut Value {
    loop {
        let stop = chance(rng, 0.3);
        let next_index = match &*node {
            Value::Object(map) if !map.is_empty() && !stop => Some(rng.random_range(0..map.len())),
            Value::Array(items) if !items.is_empty() && !stop => {
                Some(rng.random_range(0..items.len()))
            }
            _ => None,
        };
        let Some(i) = next_index else {
            return node;
        };
        node = match node {
            Value::Object(map) => map.values_mut().nth(i).expect("an index in the map"),
            Value::Array(items) => &mut items[i],
            _ => unreachable!("only containers are descended"),
        };
    }
}

fn mutate_node(rng: &mut FuzzRng, node: &mut Value, strings: &[String]) {
    match rng.random_range(0..9) {
        0 | 1 => *node = random_json(rng, 3, strings),
        2 => {
            if let Value::Object(map) = node {
                if !map.is_empty() {
                    let key = map.keys().nth(rng.random_range(0..map.len())).cloned();
                    if let Some(key) = key {
                        map.remove(&key);
                    }
                }
            }
        }
        3 => {
            if let Value::Object(map) = node {
                map.insert(
                    (one(rng, JSON_KEYS)).to_owned(),
                    random_json(rng, 3, strings),
                );
            }
        }
        4 => {
            if let Value::Array(items) = node {
                if !items.is_empty() {
                    let i = rng.random_range(0..items.len());
                    if chance(rng, 0.5) {
                        let copy = items[i].clone();
                        for _ in 0..rng.random_range(1..50) {
                            items.push(copy.clone());
                        }
                    } else {
                        items.remove(i);
                    }
                }
            }
        }
        5 => *node = Value::Array(vec![node.take()]),
        6 => {
            let key = (one(rng, JSON_KEYS)).to_owned();
            *node = json!({ key: node.take() });
        }
        7 => {
            *node = match node.take() {
                Value::String(s) => s.parse::<f64>().map_or_else(
                    |_| Value::String(format!("{s}{}", one(rng, ODD_TEXT))),
                    |n| serde_json::Number::from_f64(n).map_or(Value::Null, Value::Number),
                ),
                Value::Number(n) => Value::String(n.to_string()),
                Value::Bool(b) => Value::String(b.to_string()),
                Value::Null => Value::String(String::new()),
                other => Value::String(other.to_string()),
            }
        }
        _ => *node = Value::String(pick(rng, strings).clone()),
    }
}

/// JSON text of a seed mutated as a tree, then (sometimes) as bytes.
pub fn mutate_json_text(
    rng: &mut FuzzRng,
    seed: &[u8],
    strings: &[String],
    others: &[Vec<u8>],
) -> Vec<u8> {
    let tree = serde_json::from_slice::<Value>(seed).ok();
    let mut text = match tree {
        Some(mut value) if chance(rng, 0.8) => {
            mutate_json(rng, &mut value, strings);
            serde_json::to_vec(&value).expect("a JSON value serializes")
        }
        _ => seed.to_vec(),
    };
    if chance(rng, 0.4) {
        text = mutate(rng, &text, JSON_TOKENS, others);
    }
    text.truncate(MAX_INPUT);
    text
}

pub const JSON_TOKENS: &[&str] = &[
    "{",
    "}",
    "[",
    "]",
    ",",
    ":",
    "\"",
    "null",
    "true",
    "false",
    "\"@context\"",
    "\"@id\"",
    "\"@type\"",
    "\"@graph\"",
    "\"@value\"",
    "\"@list\"",
    "1e400",
    "-",
    "\\u0000",
    "\\",
    " ",
];

// ------------------------------------------------------------------------------------------------
// Structure-aware generators
// ------------------------------------------------------------------------------------------------

const CLASSES: &[&str] = &[
    "Place",
    "Commons",
    "Pledge",
    "Network",
    "Campaign",
    "Contributor",
    "Organization",
    "BudgetLine",
    "PostalAddress",
    "Concept",
    "tl:Place",
    "schema:Place",
    "@id",
    "",
];

const PROPERTIES: &[&str] = &[
    "name",
    "alternateName",
    "description",
    "shortDescription",
    "website",
    "email",
    "tag",
    "telephone",
    "openingHours",
    "siret",
    "address",
    "geo",
    "latitude",
    "longitude",
    "placeType",
    "memberOf",
    "usesCommons",
    "funder",
    "pledgedTo",
    "amount",
    "status",
    "campaign",
    "year",
    "maturity",
    "license",
    "postalCode",
    "locality",
    "region",
    "tl:name",
    "https://w3id.org/tiers-lieux/ns#name",
    "http://example.org/unknown",
    "@reverse",
    "@included",
    "@nest",
];

/// A JSON-LD document aimed at the write path: a context (ours by URL, inline, remote, or
/// broken), a node or a `@graph` of nodes with our terms and values of every kind.
pub fn random_jsonld(rng: &mut FuzzRng, base: &str, iris: &[String]) -> Value {
    let context = match rng.random_range(0..10) {
        0..=4 => json!(format!("{base}context.jsonld")),
        5 => json!("https://w3id.org/tiers-lieux/context.jsonld"),
        6 => json!(pick(rng, iris)),
        7 => {
            json!({ "@vocab": pick(rng, iris), "name": { "@id": pick(rng, iris), "@type": pick(rng, &["@id", "@json", "@vocab", "xsd:decimal", "@none"]) } })
        }
        8 => json!([format!("{base}context.jsonld"), pick(rng, iris)]),
        _ => random_json(rng, 2, iris),
    };
    let mut document = if chance(rng, 0.25) {
        let nodes: Vec<Value> = (0..rng.random_range(0..6))
            .map(|_| random_node_object(rng, base, iris, 2))
            .collect();
        json!({ "@graph": nodes })
    } else {
        random_node_object(rng, base, iris, 2)
    };
    if chance(rng, 0.95) {
        if let Value::Object(map) = &mut document {
            map.insert("@context".into(), context);
        }
    }
    document
}

fn random_node_object(rng: &mut FuzzRng, base: &str, iris: &[String], depth: usize) -> Value {
    let mut node = Map::new();
    if chance(rng, 0.5) {
        let collection = pick(rng, &["places", "commons", "pledges", "networks", "x"]);
        let id = match rng.random_range(0..4) {
            0 => format!("{base}{collection}/{}", random_slug(rng)),
            1 => pick(rng, iris).clone(),
            2 => format!("_:{}", random_text(rng, 6)),
            _ => random_text(rng, 12),
        };
        node.insert("@id".into(), Value::String(id));
    }
    if chance(rng, 0.9) {
        let class = one(rng, CLASSES);
        node.insert(
            pick(rng, &["type", "@type"]).to_string(),
            if chance(rng, 0.8) {
                json!(class)
            } else {
                json!([class, pick(rng, CLASSES)])
            },
        );
    }
    if chance(rng, 0.85) {
        node.insert("name".into(), json!(random_name(rng)));
    }
    for _ in 0..rng.random_range(0..6) {
        let property = (one(rng, PROPERTIES)).to_owned();
        let value = random_property_value(rng, base, iris, depth);
        node.insert(property, value);
    }
    Value::Object(node)
}

fn random_property_value(rng: &mut FuzzRng, base: &str, iris: &[String], depth: usize) -> Value {
    match rng.random_range(0..12) {
        0 => json!(random_text(rng, 30)),
        1 => json!(one(rng, HUGE_NUMBERS)),
        2 => json!(rng.random_range(-1000.0..1000.0)),
        3 => json!(pick(rng, iris)),
        4 => json!({ "@id": pick(rng, iris) }),
        5 => {
            json!({ "@value": random_text(rng, 10), "@language": pick(rng, &["fr", "en-GB", "x", "", "fr-FR-u-nu-arab", "12"]) })
        }
        6 => {
            json!({ "@value": one(rng, HUGE_NUMBERS), "@type": pick(rng, &["xsd:decimal", "xsd:integer", "xsd:gYear", "xsd:date", "http://www.w3.org/2001/XMLSchema#double", "@id", "@json"]) })
        }
        7 => json!({ "@list": [random_text(rng, 5), pick(rng, iris)] }),
        8 if depth > 0 => random_node_object(rng, base, iris, depth - 1),
        9 => Value::Array(
            (0..rng.random_range(0..4))
                .map(|_| json!(pick(rng, iris)))
                .collect(),
        ),
        10 => {
            json!({ "streetAddress": random_text(rng, 20), "postalCode": pick(rng, &["35000", "2A004", "1", "999999", "", "75 001"]), "locality": random_name(rng) })
        }
        _ => random_json(rng, 2, iris),
    }
}

/// A name as people type them, sometimes with the oddities of the field.
pub fn random_name(rng: &mut FuzzRng) -> String {
    match rng.random_range(0..6) {
        0 => random_text(rng, 40),
        1 => pick(
            rng,
            &[
                "La Halle aux Communs",
                "L'Atelier partagé",
                "Café ∞",
                "   ",
                "",
                "-",
                "Ça & là",
                "ΑΒΓ",
                "東京の場所",
            ],
        )
        .to_string(),
        2 => "x".repeat(rng.random_range(70..400)),
        3 => format!("{}{}", random_name_ascii(rng), one(rng, ODD_TEXT)),
        _ => random_name_ascii(rng),
    }
}

fn random_name_ascii(rng: &mut FuzzRng) -> String {
    let words = [
        "lieu", "tiers", "atelier", "fab", "lab", "café", "commun", "la", "de",
    ];
    (0..rng.random_range(1..5))
        .map(|_| one(rng, &words))
        .collect::<Vec<_>>()
        .join(" ")
}

/// A path segment: a valid slug, or one that is not (uppercase, dots, encoded bytes, Unicode,
/// very long…), percent-encoded where a URI needs it.
pub fn random_slug(rng: &mut FuzzRng) -> String {
    match rng.random_range(0..10) {
        0..=2 => pick(
            rng,
            &[
                "la-mine",
                "pop-cafe",
                "dokos",
                "rfflab",
                "adopte-un-commun-2021",
                "resource",
                "la-mine-2",
            ],
        )
        .to_string(),
        3 => "a".repeat(rng.random_range(60..3000)),
        4 => pick(
            rng,
            &[
                "..", ".", "%2e%2e", "%2F", "-", "--", "a--b", "-a-", "A", "%00",
            ],
        )
        .to_string(),
        5 => percent_encode(&random_bytes(rng, 12)),
        6 => percent_encode(random_text(rng, 16).as_bytes()),
        7 => format!("{}", rng.random::<u64>()),
        8 => String::new(),
        _ => (0..rng.random_range(1..20))
            .map(|_| one(rng, &["a", "z", "0", "9", "-"]))
            .collect(),
    }
}

/// Every byte outside unreserved ASCII percent-encoded (the path stays a valid URI).
pub fn percent_encode(bytes: &[u8]) -> String {
    let mut s = String::new();
    for &b in bytes {
        if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
            s.push(b as char);
        } else {
            s.push_str(&format!("%{b:02X}"));
        }
    }
    s
}

/// A query-string value: raw bytes or text, encoded as a form would be, sometimes left with
/// broken escapes.
pub fn query_value(rng: &mut FuzzRng, value: &[u8]) -> String {
    let mut encoded = percent_encode(value);
    if chance(rng, 0.05) {
        encoded.push_str(one(
            rng,
            &["%", "%Z", "%zz", "%E2%82", "+", "&", "=", "%FF"],
        ));
    }
    encoded
}

pub const TURTLE_TOKENS: &[&str] = &[
    "@prefix",
    "@base",
    "PREFIX",
    "BASE",
    "a",
    ";",
    ",",
    ".",
    "[",
    "]",
    "(",
    ")",
    "<",
    ">",
    "\"",
    "\"\"\"",
    "'",
    "^^",
    "@fr",
    "_:b",
    "tl:",
    ":",
    "<<",
    ">>",
    "{|",
    "|}",
    "~",
    "true",
    "1.5e3",
    "\\u0000",
    "\\U0010FFFF",
    "#",
    "\n",
    "GRAPH",
    "{",
    "}",
];

/// A Turtle document: prefixes, subjects with predicate lists, objects of every kind (IRIs,
/// prefixed names, typed and tagged literals, blank node lists, collections), nested.
pub fn random_turtle(rng: &mut FuzzRng, base: &str, iris: &[String]) -> String {
    let mut s = String::new();
    if chance(rng, 0.9) {
        s.push_str("@prefix tl: <https://w3id.org/tiers-lieux/ns#> .\n");
        s.push_str("@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .\n");
    }
    if chance(rng, 0.1) {
        s.push_str(&format!("@base <{}> .\n", pick(rng, iris)));
    }
    for _ in 0..rng.random_range(1..4) {
        let subject = match rng.random_range(0..4) {
            0 => format!("<{base}places/{}>", random_slug(rng)),
            1 => "[]".to_owned(),
            2 => format!("_:{}", pick(rng, &["b0", "x", "n1"])),
            _ => format!("<places/{}>", random_slug(rng)),
        };
        s.push_str(&subject);
        s.push_str(&format!(
            " a {} ",
            pick(
                rng,
                &[
                    "tl:Place",
                    "tl:Commons",
                    "tl:Pledge",
                    "tl:Network",
                    "<x>",
                    "tl:Nothing"
                ]
            )
        ));
        for _ in 0..rng.random_range(0..5) {
            s.push_str(&format!(
                ";\n  {} {}",
                pick(
                    rng,
                    &[
                        "tl:name",
                        "tl:description",
                        "tl:website",
                        "tl:amount",
                        "tl:memberOf",
                        "tl:address",
                        "tl:latitude",
                        "tl:postalCode",
                        "tl:email",
                        "tl:tag",
                        "<http://example.org/p>",
                        "a"
                    ]
                ),
                random_turtle_object(rng, base, iris, 3)
            ));
        }
        s.push_str(" .\n");
    }
    s
}

fn random_turtle_object(rng: &mut FuzzRng, base: &str, iris: &[String], depth: usize) -> String {
    match rng.random_range(0..11) {
        0 => format!(
            "\"{}\"",
            random_text(rng, 20).replace(['"', '\\', '\n', '\r'], " ")
        ),
        1 => format!(
            "\"{}\"@{}",
            random_name(rng).replace(['"', '\\', '\n', '\r'], " "),
            pick(rng, &["fr", "en-GB", "x-y-z", "1", "fr--"])
        ),
        2 => format!(
            "\"{}\"^^xsd:{}",
            one(rng, HUGE_NUMBERS),
            pick(
                rng,
                &[
                    "decimal", "integer", "double", "gYear", "date", "dateTime", "boolean",
                    "unknown"
                ]
            )
        ),
        3 => one(rng, HUGE_NUMBERS).to_string(),
        4 => format!("<{}>", pick(rng, iris)),
        5 => format!("<{base}networks/{}>", random_slug(rng)),
        6 if depth > 0 => format!(
            "[ tl:streetAddress \"{}\" ; tl:postalCode {} ]",
            random_name(rng).replace(['"', '\\', '\n', '\r'], " "),
            random_turtle_object(rng, base, iris, depth - 1)
        ),
        7 if depth > 0 => format!(
            "( {} {} )",
            random_turtle_object(rng, base, iris, depth - 1),
            random_turtle_object(rng, base, iris, depth - 1)
        ),
        8 => format!(
            "\"\"\"{}\"\"\"",
            random_text(rng, 40).replace('"', "'").replace('\\', "/")
        ),
        9 => {
            let d = self::depth(rng);
            nested(rng, "[ tl:p ", "1", " ]", d)
        }
        _ => pick(
            rng,
            &["true", "false", "tl:status-confirmed", "_:b0", "<>", "<#x>"],
        )
        .to_string(),
    }
}

pub const SPARQL_TOKENS: &[&str] = &[
    "SELECT",
    "ASK",
    "CONSTRUCT",
    "DESCRIBE",
    "WHERE",
    "{",
    "}",
    "(",
    ")",
    "?x",
    "?y",
    "$z",
    "*",
    ".",
    ";",
    ",",
    "FILTER",
    "OPTIONAL",
    "UNION",
    "MINUS",
    "GRAPH",
    "SERVICE",
    "SILENT",
    "BIND",
    "AS",
    "VALUES",
    "UNDEF",
    "GROUP BY",
    "HAVING",
    "ORDER BY",
    "DESC",
    "LIMIT",
    "OFFSET",
    "COUNT",
    "SUM",
    "GROUP_CONCAT",
    "SEPARATOR",
    "REGEX",
    "REPLACE",
    "SUBSTR",
    "STRLEN",
    "CONCAT",
    "LCASE",
    "NOW()",
    "RAND()",
    "BNODE()",
    "IRI",
    "STR",
    "LANG",
    "DATATYPE",
    "COALESCE",
    "IF",
    "EXISTS",
    "NOT EXISTS",
    "a",
    "tl:name",
    "<x>",
    "\"x\"",
    "\"\"\"",
    "'",
    "@fr",
    "^^",
    "|",
    "/",
    "^",
    "+",
    "?",
    "!",
    "&&",
    "||",
    "18446744073709551616",
    "1e309",
    "PREFIX",
    "BASE",
    "FROM",
    "FROM NAMED",
    "DISTINCT",
    "REDUCED",
    "<<",
    ">>",
    "#",
    "\n",
    "INSERT DATA",
    "DELETE WHERE",
    "CLEAR ALL",
    "DROP",
    "WITH",
    "USING",
];

/// A SPARQL query from a small grammar: forms, patterns (optional, union, minus, graph,
/// subqueries, paths, values), filters and expressions with functions, solution modifiers
/// with edge numbers.
pub fn random_query(rng: &mut FuzzRng, base: &str, iris: &[String]) -> String {
    let mut q = String::from("PREFIX tl: <https://w3id.org/tiers-lieux/ns#>\n");
    if chance(rng, 0.1) {
        q.push_str(&format!("BASE <{}>\n", pick(rng, iris)));
    }
    let pattern = random_group(rng, base, iris, 3);
    match rng.random_range(0..10) {
        0..=5 => {
            let projection = match rng.random_range(0..4) {
                0 => "*".to_owned(),
                1 => "?x ?y".to_owned(),
                2 => "(COUNT(*) AS ?n)".to_owned(),
                _ => format!("?x ({} AS ?e)", random_expression(rng, iris, 2)),
            };
            let distinct = pick(rng, &["", "DISTINCT ", "REDUCED "]);
            q.push_str(&format!("SELECT {distinct}{projection} "));
            if chance(rng, 0.1) {
                q.push_str(&format!("FROM <{}> ", pick(rng, iris)));
            }
            q.push_str(&format!("WHERE {pattern}"));
            if chance(rng, 0.2) {
                q.push_str(" GROUP BY ?x");
                if chance(rng, 0.5) {
                    q.push_str(&format!(" HAVING ({})", random_expression(rng, iris, 1)));
                }
            }
            if chance(rng, 0.2) {
                q.push_str(&format!(
                    " ORDER BY {}(?x)",
                    pick(rng, &["", "DESC", "ASC"])
                ));
            }
        }
        6 => q.push_str(&format!("ASK {pattern}")),
        7 => q.push_str(&format!("CONSTRUCT {{ ?x ?p ?y }} WHERE {pattern}")),
        8 => q.push_str(&format!("DESCRIBE <{}>", pick(rng, iris))),
        _ => q.push_str(&format!("DESCRIBE ?x WHERE {pattern}")),
    }
    // Bounds keep valid queries small: the engine's timeout (503) is exercised, not waited for.
    q.push_str(&format!(
        " LIMIT {}",
        pick(
            rng,
            &[
                "10",
                "0",
                "1",
                "100",
                "18446744073709551615",
                "18446744073709551616"
            ]
        )
    ));
    if chance(rng, 0.2) {
        q.push_str(&format!(" OFFSET {}", one(rng, HUGE_NUMBERS)));
    }
    if chance(rng, 0.1) {
        q.push_str(&format!(" VALUES ?x {{ <{}> UNDEF }}", pick(rng, iris)));
    }
    q
}

fn random_group(rng: &mut FuzzRng, base: &str, iris: &[String], depth: usize) -> String {
    let mut g = String::from("{ ");
    for _ in 0..rng.random_range(1..4) {
        let part = match rng.random_range(0..12) {
            0..=3 => format!(
                "?x {} {} .",
                pick(
                    rng,
                    &[
                        "a",
                        "tl:name",
                        "tl:memberOf",
                        "?p",
                        "tl:address/tl:postalCode",
                        "tl:memberOf*",
                        "^tl:funder",
                        "(tl:a|tl:b)+",
                        "!tl:name",
                        "tl:p?"
                    ]
                ),
                pick(
                    rng,
                    &["?y", "tl:Place", "\"La mine\"", "\"x\"@fr", "12", "?x"]
                )
            ),
            4 => format!("FILTER({})", random_expression(rng, iris, 3)),
            5 => format!(
                "BIND({} AS ?b{})",
                random_expression(rng, iris, 2),
                rng.random_range(0..3)
            ),
            6 if depth > 0 => format!("OPTIONAL {}", random_group(rng, base, iris, depth - 1)),
            7 if depth > 0 => format!(
                "{} UNION {}",
                random_group(rng, base, iris, depth - 1),
                random_group(rng, base, iris, depth - 1)
            ),
            8 if depth > 0 => format!("MINUS {}", random_group(rng, base, iris, depth - 1)),
            9 if depth > 0 => format!(
                "GRAPH {} {}",
                pick(rng, &["?g", "<x>", &format!("<{base}graphs/fixtures>")]),
                random_group(rng, base, iris, depth - 1)
            ),
            10 if depth > 0 => format!(
                "{{ SELECT ?x WHERE {} LIMIT 5 }}",
                random_group(rng, base, iris, depth - 1)
            ),
            11 => format!(
                "SERVICE {}<{}> {{ ?x ?p ?o }}",
                pick(rng, &["", "SILENT "]),
                pick(rng, iris)
            ),
            _ => format!(
                "VALUES ?y {{ {} }}",
                pick(rng, &["1", "\"a\"", "UNDEF", "<x>"])
            ),
        };
        g.push_str(&part);
        g.push(' ');
    }
    g.push('}');
    g
}

fn random_expression(rng: &mut FuzzRng, iris: &[String], depth: usize) -> String {
    if depth == 0 {
        return pick(
            rng,
            &[
                "?x",
                "?y",
                "1",
                "\"a\"",
                "\"é\"@fr",
                "true",
                "18446744073709551616",
                "1e308",
                "-0.0",
                "\"2021\"^^<http://www.w3.org/2001/XMLSchema#gYear>",
                "\"x\"^^<http://www.w3.org/2001/XMLSchema#integer>",
                "NOW()",
                "RAND()",
            ],
        )
        .to_string();
    }
    let a = random_expression(rng, iris, depth - 1);
    let b = random_expression(rng, iris, depth - 1);
    match rng.random_range(0..14) {
        0 => format!("({a} + {b})"),
        1 => format!("({a} / {b})"),
        2 => format!("({a} = {b})"),
        3 => format!("({a} && {b})"),
        4 => format!(
            "REGEX(STR({a}), \"{}\", \"{}\")",
            pick(
                rng,
                &[
                    "^la",
                    "(a|b)*c",
                    "[",
                    "\\\\p{L}+",
                    "(?i)x",
                    "a{1,100}",
                    ".*.*.*"
                ]
            ),
            pick(rng, &["", "i", "s", "x", "q", "z"])
        ),
        5 => format!(
            "SUBSTR(STR({a}), {}, {})",
            one(rng, HUGE_NUMBERS),
            one(rng, HUGE_NUMBERS)
        ),
        6 => format!("CONTAINS(LCASE(STR({a})), {b})"),
        7 => format!("IF({a}, {b}, {a})"),
        8 => format!("COALESCE({a}, {b})"),
        9 => format!("STRDT(STR({a}), <{}>)", pick(rng, iris)),
        10 => format!("IRI(STR({a}))"),
        11 => format!("EXISTS {{ ?x ?p {b} }}"),
        12 => format!(
            "REPLACE(STR({a}), \"{}\", \"$1\")",
            pick(rng, &["(a)", "", "^", "x*"])
        ),
        _ => format!(
            "{}({a})",
            pick(
                rng,
                &[
                    "ABS",
                    "CEIL",
                    "ROUND",
                    "STRLEN",
                    "UCASE",
                    "ENCODE_FOR_URI",
                    "MD5",
                    "SHA512",
                    "YEAR",
                    "TZ",
                    "LANG",
                    "DATATYPE",
                    "isIRI",
                    "BOUND"
                ]
            )
        ),
    }
}

/// An Accept or Content-Type value: known types, wildcards, parameters (q, charset, profile),
/// odd q values, long lists, garbage.
pub fn random_media(rng: &mut FuzzRng) -> String {
    const TYPES: &[&str] = &[
        "application/ld+json",
        "text/turtle",
        "application/n-triples",
        "application/n-quads",
        "application/trig",
        "application/rdf+xml",
        "text/n3",
        "application/json",
        "application/sparql-results+json",
        "application/sparql-results+xml",
        "text/csv",
        "text/tab-separated-values",
        "application/sparql-query",
        "application/sparql-update",
        "application/x-www-form-urlencoded",
        "application/geo+json",
        "application/problem+json",
        "text/html",
        "application/xhtml+xml",
        "text/plain",
        "*/*",
        "text/*",
        "application/*",
        "*/json",
        "*",
        "",
        "/",
        "text/",
        "/turtle",
        "TEXT/TURTLE",
        "application/ld+json+json",
        "multipart/form-data; boundary=x",
    ];
    const PARAMS: &[&str] = &[
        "q=0",
        "q=1",
        "q=0.5",
        "q=0.001",
        "q=1.5",
        "q=-1",
        "q=NaN",
        "q=inf",
        "q=1e999",
        "q=",
        "q",
        "charset=utf-8",
        "charset=UTF-8",
        "charset=latin1",
        "charset=\"utf-8\"",
        "profile=\"http://www.w3.org/ns/json-ld#compacted\"",
        "profile=\"http://www.w3.org/ns/json-ld#expanded http://www.w3.org/ns/json-ld#flattened\"",
        "profile=http://www.w3.org/ns/json-ld#streaming",
        "level=1",
        "=",
        ";",
        "version=1.1",
    ];
    let entries = match rng.random_range(0..10) {
        0 => rng.random_range(50..500),
        _ => rng.random_range(1..4),
    };
    let mut out = Vec::new();
    for _ in 0..entries {
        let mut entry = match rng.random_range(0..10) {
            0 => random_text(rng, 20),
            _ => (one(rng, TYPES)).to_owned(),
        };
        for _ in 0..rng.random_range(0..3) {
            entry.push_str(one(rng, &[";", "; ", " ;"]));
            entry.push_str(one(rng, PARAMS));
        }
        out.push(entry);
    }
    out.join(one(rng, &[",", ", ", " , ", ",,"]))
}
