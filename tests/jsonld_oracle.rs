//! Our hand-written JSON-LD compaction (`render::Compactor`, fast on purpose) checked against a
//! JSON-LD processor, the `json-ld` crate, reading our bundled context from the repository file
//! through a closed loader: only the context's URL resolves, nothing is fetched.
//!
//! 1. On random resources (random literals, languages, datatypes, links, nested blank and
//!    `#fragment` nodes, links back, shared blank nodes), our JSON-LD turned into RDF by the
//!    processor is exactly the triples rendered, up to blank node names.
//! 2. On every resource of the fixtures, the same, and the processor's own compaction of those
//!    triples (in the same tree shape) has the same keys and the same values as ours once IRIs
//!    are written in full: the only difference allowed is that we write IRIs in full where a
//!    processor shortens them to compact IRIs (`tl:status-paid`), and `@type` where it writes its
//!    alias `type` in value objects.

use json_ld::syntax::Parse;
use json_ld::{IriBuf, JsonLdProcessor, RemoteContextReference, RemoteDocument};
use lieux_communs::render::Compactor;
use oxigraph::io::{RdfFormat, RdfParser};
use oxigraph::model::dataset::CanonicalizationAlgorithm;
use oxigraph::model::{
    BlankNode, Graph, GraphName, Literal, NamedNode, NamedNodeRef, NamedOrBlankNode, Term, Triple,
};
use oxigraph::store::Store;
use proptest::prelude::*;
use serde_json::{Map, Value};
use std::collections::{BTreeSet, HashMap, HashSet};
use std::sync::LazyLock;

const BASE: &str = "http://lieux.test/";
const CONTEXT_URL: &str = "http://lieux.test/context.jsonld";
const CONTEXT: &str = include_str!("../ontology/context.jsonld");
const TL: &str = "https://w3id.org/tiers-lieux/ns#";
const XSD: &str = "http://www.w3.org/2001/XMLSchema#";
const RDF_TYPE: &str = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type";

static FACTS: LazyLock<ContextFacts> = LazyLock::new(ContextFacts::read);

static COMPACTOR: LazyLock<Compactor> = LazyLock::new(|| {
    Compactor::from_context(CONTEXT.as_bytes(), CONTEXT_URL).expect("our context is valid")
});

// ------------------------------------------------------------------------------------------------
// The processor
// ------------------------------------------------------------------------------------------------

/// The `json-ld` crate with a loader that knows one document, our context.
struct Processor {
    loader: HashMap<IriBuf, RemoteDocument>,
    context: IriBuf,
    runtime: tokio::runtime::Runtime,
}

impl Processor {
    fn new() -> Self {
        let context = IriBuf::new(CONTEXT_URL.to_owned()).expect("context URL");
        let (document, _) = json_ld::syntax::Value::parse_str(CONTEXT).expect("context JSON");
        let mut loader = HashMap::new();
        loader.insert(
            context.clone(),
            RemoteDocument::new(Some(context.clone()), None, document),
        );
        let runtime = tokio::runtime::Builder::new_current_thread()
            .build()
            .expect("runtime");
        Self {
            loader,
            context,
            runtime,
        }
    }

    fn document(document: &Value) -> RemoteDocument {
        let (value, _) =
            json_ld::syntax::Value::parse_str(&document.to_string()).expect("our JSON-LD is JSON");
        RemoteDocument::new(None, None, value)
    }

    /// JSON-LD to RDF (expansion, then the toRdf algorithm); every quad in the default graph.
    fn to_rdf(&self, document: &Value) -> Result<Graph, String> {
        let input = Self::document(document);
        let mut generator = json_ld::rdf_types::generator::Blank::new_with_prefix("j".into());
        let mut rdf = self
            .runtime
            .block_on(input.to_rdf(&mut generator, &self.loader))
            .map_err(|e| format!("toRdf failed: {e}"))?;
        let mut graph = Graph::new();
        for json_ld::rdf_types::Quad(s, p, o, g) in rdf.cloned_quads() {
            if let Some(g) = g {
                return Err(format!("a quad in graph {g:?}"));
            }
            let subject = match s {
                json_ld::rdf_types::Id::Iri(i) => NamedOrBlankNode::from(named(i.as_str())),
                json_ld::rdf_types::Id::Blank(b) => blank(b.suffix()).into(),
            };
            let json_ld::rdf_types::Id::Iri(predicate) = p else {
                return Err(format!("a blank predicate {p:?}"));
            };
            let object = match o {
                json_ld::rdf_types::Term::Id(json_ld::rdf_types::Id::Iri(i)) => {
                    Term::from(named(i.as_str()))
                }
                json_ld::rdf_types::Term::Id(json_ld::rdf_types::Id::Blank(b)) => {
                    blank(b.suffix()).into()
                }
                json_ld::rdf_types::Term::Literal(l) => match l.type_ {
                    json_ld::rdf_types::LiteralType::Any(datatype) => {
                        Literal::new_typed_literal(l.value, named(datatype.as_str())).into()
                    }
                    json_ld::rdf_types::LiteralType::LangString(language) => {
                        Literal::new_language_tagged_literal(l.value, language.as_str())
                            .map_err(|e| format!("language tag {language}: {e}"))?
                            .into()
                    }
                },
            };
            graph.insert(&Triple::new(subject, named(predicate.as_str()), object));
        }
        Ok(graph)
    }

    /// The processor's compaction, with our context, of the triples our document describes, in
    /// the same tree shape (it expands the document, then compacts the result).
    fn compact(&self, document: &Value) -> Value {
        let input = Self::document(document);
        let compacted = self
            .runtime
            .block_on(input.compact(
                RemoteContextReference::iri(self.context.clone()),
                &self.loader,
            ))
            .unwrap_or_else(|e| panic!("compaction failed: {e}\n{document:#}"));
        serde_json::from_str(&compacted.to_string()).expect("the processor writes JSON")
    }
}

fn named(iri: &str) -> NamedNode {
    NamedNode::new(iri).unwrap_or_else(|e| panic!("IRI {iri}: {e}"))
}

fn blank(id: &str) -> BlankNode {
    BlankNode::new(id).unwrap_or_else(|e| panic!("blank node {id}: {e}"))
}

fn read_by_the_server(document: &Value) -> Graph {
    let contexts = lieux_communs::rdf::Contexts::new(
        CONTEXT.as_bytes().to_vec(),
        &lieux_communs::vocab::Base::new(BASE),
    );
    lieux_communs::rdf::parse(
        document.to_string().as_bytes(),
        lieux_communs::rdf::JSON_LD,
        BASE,
        &GraphName::DefaultGraph,
        false,
        &contexts,
    )
    .unwrap_or_else(|e| panic!("{e}\nJSON-LD: {document:#}"))
    .into_iter()
    .map(Triple::from)
    .collect()
}

/// Empty when both graphs are the same up to blank node names, else what differs.
fn differences(stored: &[Triple], read: &Graph) -> Option<String> {
    let mut expected: Graph = stored.iter().collect();
    let mut read = read.clone();
    expected.canonicalize(CanonicalizationAlgorithm::Unstable);
    read.canonicalize(CanonicalizationAlgorithm::Unstable);
    if expected == read {
        return None;
    }
    let lines = |g: &Graph| -> BTreeSet<String> { g.iter().map(|t| t.to_string()).collect() };
    let (expected, read) = (lines(&expected), lines(&read));
    Some(format!(
        "missing from the JSON-LD: {:#?}\nonly in the JSON-LD: {:#?}",
        expected.difference(&read).collect::<Vec<_>>(),
        read.difference(&expected).collect::<Vec<_>>()
    ))
}

/// RFC 8259 §6: integers beyond ±(2^53 − 1) are not exact in the JSON of most JSON-LD processors
/// (jsonld.js, PyLD), so our documents must not hold such numbers.
fn inexact_numbers(value: &Value, found: &mut Vec<String>) {
    const EXACT: u64 = (1 << 53) - 1;
    match value {
        Value::Number(n) => {
            let exact = n.as_i64().is_some_and(|i| i.unsigned_abs() <= EXACT)
                || n.as_u64().is_some_and(|u| u <= EXACT);
            if !exact {
                found.push(n.to_string());
            }
        }
        Value::Array(items) => items.iter().for_each(|i| inexact_numbers(i, found)),
        Value::Object(map) => map.values().for_each(|v| inexact_numbers(v, found)),
        _ => {}
    }
}

/// Renders `root` with what it holds, as the resource handlers do, and checks the round trip.
fn check_round_trip(processor: &Processor, triples: &[Triple], root: &NamedNode) -> Value {
    let document = COMPACTOR.render(triples, &root.clone().into(), &|_: &Term| true);
    let read = processor
        .to_rdf(&document)
        .unwrap_or_else(|e| panic!("{e}\nJSON-LD: {document:#}"));
    if let Some(differences) = differences(triples, &read) {
        panic!(
            "{root}: the JSON-LD is not the stored triples\n{differences}\nJSON-LD: {document:#}"
        );
    }
    // The server's own reading (Oxigraph's processor, given only the context's terms that the
    // document names) must agree too: a resource read, changed and sent back keeps its triples.
    if let Some(differences) = differences(triples, &read_by_the_server(&document)) {
        panic!(
            "{root}: the server reads the JSON-LD as other triples\n{differences}\nJSON-LD: {document:#}"
        );
    }
    let mut inexact = Vec::new();
    inexact_numbers(&document, &mut inexact);
    assert!(
        inexact.is_empty(),
        "{root}: numbers a JSON-LD processor may not read exactly: {inexact:?}\nJSON-LD: {document:#}"
    );
    document
}

// ------------------------------------------------------------------------------------------------
// 1. Random resources
// ------------------------------------------------------------------------------------------------

/// The value a property usually takes, so that the context's terms (coerced, sets, language
/// maps) fit often; any other value is drawn too.
#[derive(Clone, Copy, Debug)]
enum Usual {
    Text,
    Languages,
    Link,
    Class,
    Typed(&'static str),
}

/// Predicates (compact IRIs, with our context's prefixes) covering each kind of term of our context, and some that it does not name.
const PREDICATES: &[(&str, Usual)] = &[
    ("rdf:type", Usual::Class),
    ("tl:name", Usual::Text),
    ("tl:description", Usual::Languages),
    ("tl:tag", Usual::Text),
    ("tl:website", Usual::Link),
    ("tl:placeType", Usual::Link),
    ("tl:status", Usual::Link),
    ("tl:address", Usual::Link),
    ("tl:year", Usual::Typed("gYear")),
    ("tl:amount", Usual::Typed("decimal")),
    ("tl:latitude", Usual::Typed("decimal")),
    ("tl:startDate", Usual::Typed("date")),
    ("tl:monthsAfterStart", Usual::Typed("integer")),
    ("sh:conforms", Usual::Typed("boolean")),
    ("hydra:totalItems", Usual::Typed("integer")),
    ("skos:prefLabel", Usual::Languages),
    ("sh:resultMessage", Usual::Languages),
    ("hydra:member", Usual::Link),
    ("sh:value", Usual::Text),
    // Not in the context: a prefix, no term.
    ("tl:unknownProperty", Usual::Text),
    ("schema:name", Usual::Languages),
    // No prefix at all.
    ("http://other.example/vocab#weight", Usual::Typed("double")),
    ("urn:example:p", Usual::Link),
];

#[derive(Clone, Debug)]
enum Object {
    Literal(Literal),
    /// A node of which the resource says nothing more.
    Iri(NamedNode),
    /// The resource itself (a cycle).
    Root,
    /// The n-th blank node of the resource, or a new one that has no triples.
    Blank(usize),
    Node(Node),
}

#[derive(Clone, Copy, Debug)]
enum Kind {
    Blank,
    Fragment,
    /// Another resource, with what the resource holds about it (its labels).
    Linked,
}

#[derive(Clone, Debug)]
struct Node {
    kind: Kind,
    properties: Vec<(NamedNode, Object)>,
}

fn text() -> BoxedStrategy<String> {
    prop_oneof![
        "[a-zA-Z0-9 àéçœ]{0,10}",
        r#"[\x00\x1f\x7f"'\\\n\r\t <>&@:/#{}\[\]é€😀\u{2028}\u{FEFF}]{0,8}"#,
        // Strings a processor could mistake for something else.
        prop::sample::select(vec![
            "@id",
            "@type",
            "_:b0",
            "tl:name",
            "http://lieux.test/places/x",
            "true",
            "12",
            "",
        ])
        .prop_map(str::to_owned),
        any::<String>(),
    ]
    .boxed()
}

fn language() -> BoxedStrategy<String> {
    prop_oneof![
        prop::sample::select(vec![
            "fr",
            "en",
            "oc",
            "br",
            "es-419",
            "fr-CA",
            "zh-Hant-TW",
            "en-GB-oxendict",
        ])
        .prop_map(str::to_owned),
        "[a-z]{2,3}(-[A-Z]{2})?",
    ]
    .boxed()
}

fn lexical_form(datatype: &'static str) -> BoxedStrategy<String> {
    match datatype {
        "integer" => prop_oneof![
            any::<i64>().prop_map(|n| n.to_string()),
            (-1000i64..1000).prop_map(|n| n.to_string()),
            prop::sample::select(vec![
                "+12",
                "007",
                "-0",
                "9007199254740993",
                "123456789012345678901234567890",
                "douze",
            ])
            .prop_map(str::to_owned),
        ]
        .boxed(),
        "decimal" => prop_oneof![
            "-?[0-9]{1,5}\\.[0-9]{1,3}",
            prop::sample::select(vec!["12", "1.50", ".5", "cent vingt"]).prop_map(str::to_owned),
        ]
        .boxed(),
        "date" => "20[0-9]{2}-(0[1-9]|1[0-2])-[0-2][1-9](Z|\\+02:00)?".boxed(),
        "gYear" => "[12][0-9]{3}".boxed(),
        "boolean" => prop::sample::select(vec!["true", "false", "1", "0", "TRUE"])
            .prop_map(str::to_owned)
            .boxed(),
        "double" => prop_oneof![
            any::<f64>().prop_map(|f| f.to_string()),
            prop::sample::select(vec!["1.5E2", "NaN", "-INF"]).prop_map(str::to_owned),
        ]
        .boxed(),
        _ => text(),
    }
}

fn typed(datatype: &'static str) -> BoxedStrategy<Literal> {
    lexical_form(datatype)
        .prop_map(move |value| {
            Literal::new_typed_literal(value, named(&format!("{XSD}{datatype}")))
        })
        .boxed()
}

fn literal() -> BoxedStrategy<Literal> {
    prop_oneof![
        3 => text().prop_map(Literal::new_simple_literal),
        2 => (text(), language()).prop_map(|(value, language)| {
            Literal::new_language_tagged_literal(value, language).expect("valid language tag")
        }),
        1 => typed("integer"),
        1 => typed("decimal"),
        1 => typed("date"),
        1 => typed("gYear"),
        1 => typed("boolean"),
        1 => typed("double"),
        1 => typed("string"),
        // A datatype of our own, with a prefix, and one with none.
        1 => text().prop_map(|v| Literal::new_typed_literal(v, named(&format!("{TL}Code")))),
        1 => text().prop_map(|v| Literal::new_typed_literal(v, named("urn:example:datatype"))),
    ]
    .boxed()
}

fn link() -> BoxedStrategy<NamedNode> {
    prop_oneof![
        "[a-z0-9-]{1,12}".prop_map(|slug| named(&format!("{BASE}places/{slug}"))),
        "[a-z0-9-]{1,12}".prop_map(|local| named(&format!("{TL}status-{local}"))),
        prop::sample::select(vec![
            "https://example.org/",
            "https://example.org/a?b=c&d#e",
            "http://www.w3.org/2004/02/skos/core#",
            "http://www.w3.org/2004/02/skos/core#a/b",
            "urn:isbn:2-07-036822-X",
            "https://w3id.org/tiers-lieux/ns#a:b",
        ])
        .prop_map(named),
    ]
    .boxed()
}

fn class() -> BoxedStrategy<NamedNode> {
    prop_oneof![
        prop::sample::select(vec![
            "Place",
            "Commons",
            "Campaign",
            "PostalAddress",
            "GeoCoordinates",
        ])
        .prop_map(|c| named(&format!("{TL}{c}"))),
        prop::sample::select(vec![
            "http://www.w3.org/2004/02/skos/core#Concept",
            "http://www.w3.org/ns/hydra/core#Collection",
            "https://w3id.org/tiers-lieux/ns#NotAClassTerm",
            "http://schema.org/Place",
            "urn:example:Class",
        ])
        .prop_map(named),
    ]
    .boxed()
}

fn usual(usual: Usual) -> BoxedStrategy<Object> {
    match usual {
        Usual::Text => text().prop_map(|t| Object::Literal(t.into())).boxed(),
        Usual::Languages => (text(), language())
            .prop_map(|(value, language)| {
                Object::Literal(
                    Literal::new_language_tagged_literal(value, language).expect("valid tag"),
                )
            })
            .boxed(),
        Usual::Link => link().prop_map(Object::Iri).boxed(),
        Usual::Class => class().prop_map(Object::Iri).boxed(),
        Usual::Typed(datatype) => typed(datatype).prop_map(Object::Literal).boxed(),
    }
}

/// One property with one to three values: mostly its usual ones, then anything.
fn property(any_object: BoxedStrategy<Object>) -> BoxedStrategy<(NamedNode, Vec<Object>)> {
    prop::sample::select(PREDICATES)
        .prop_flat_map(move |(predicate, kind)| {
            let value = prop_oneof![3 => usual(kind), 1 => any_object.clone()];
            (
                Just(named(&FACTS.expand(predicate))),
                prop::collection::vec(value, 1..4),
            )
        })
        .boxed()
}

fn node(any_object: BoxedStrategy<Object>, kind: Kind) -> BoxedStrategy<Node> {
    prop::collection::vec(property(any_object), 1..6)
        .prop_map(move |properties| Node {
            kind,
            properties: properties
                .into_iter()
                .flat_map(|(p, objects)| objects.into_iter().map(move |o| (p.clone(), o)))
                .collect(),
        })
        .boxed()
}

fn object() -> BoxedStrategy<Object> {
    let leaf = prop_oneof![
        4 => literal().prop_map(Object::Literal),
        2 => link().prop_map(Object::Iri),
        1 => Just(Object::Root),
        1 => (0..4usize).prop_map(Object::Blank),
    ];
    leaf.prop_recursive(3, 32, 6, |inner| {
        let inner = inner.boxed();
        prop_oneof![
            2 => inner.clone(),
            2 => node(inner.clone(), Kind::Blank).prop_map(Object::Node),
            1 => node(inner.clone(), Kind::Fragment).prop_map(Object::Node),
            1 => node(inner, Kind::Linked).prop_map(Object::Node),
        ]
    })
    .boxed()
}

/// A resource: at least one class, then random properties.
fn resource() -> BoxedStrategy<(NamedNode, Vec<Triple>)> {
    ("[a-z0-9-]{1,12}", class(), node(object(), Kind::Linked))
        .prop_map(|(slug, class, node)| {
            let root = named(&format!("{BASE}places/{slug}"));
            let mut builder = Builder {
                root: root.clone(),
                triples: vec![Triple::new(root.clone(), named(RDF_TYPE), class)],
                blanks: Vec::new(),
                references: Vec::new(),
                count: 0,
            };
            builder.add(root.clone().into(), &node);
            (root.clone(), builder.finish())
        })
        .boxed()
}

/// Flattens a generated resource into triples.
struct Builder {
    root: NamedNode,
    triples: Vec<Triple>,
    blanks: Vec<BlankNode>,
    /// (subject, predicate, n) for the links to the n-th blank node, made once all are known.
    references: Vec<(NamedOrBlankNode, NamedNode, usize)>,
    count: usize,
}

impl Builder {
    fn add(&mut self, subject: NamedOrBlankNode, node: &Node) {
        for (predicate, object) in &node.properties {
            let object: Term = match object {
                Object::Literal(l) => l.clone().into(),
                Object::Iri(i) => i.clone().into(),
                Object::Root => self.root.clone().into(),
                Object::Blank(n) => {
                    self.references
                        .push((subject.clone(), predicate.clone(), *n));
                    continue;
                }
                Object::Node(inner) => {
                    self.count += 1;
                    let id: NamedOrBlankNode = match inner.kind {
                        Kind::Blank => {
                            let b = BlankNode::default();
                            self.blanks.push(b.clone());
                            b.into()
                        }
                        Kind::Fragment => {
                            named(&format!("{}#n{}", self.root.as_str(), self.count)).into()
                        }
                        Kind::Linked => named(&format!("{BASE}commons/c{}", self.count)).into(),
                    };
                    self.add(id.clone(), inner);
                    id.into()
                }
            };
            self.triples
                .push(Triple::new(subject.clone(), predicate.clone(), object));
        }
    }

    fn finish(mut self) -> Vec<Triple> {
        for (subject, predicate, n) in std::mem::take(&mut self.references) {
            let object = self
                .blanks
                .get(n % self.blanks.len().max(1))
                .cloned()
                .unwrap_or_default();
            self.triples.push(Triple::new(subject, predicate, object));
        }
        // A set of triples, as the store holds them.
        let mut seen = HashSet::new();
        self.triples.retain(|t| seen.insert(t.clone()));
        self.triples
    }
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: 1000,
        // Failures are kept as named regression tests below, not in files beside this one.
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    #[test]
    fn random_resources_read_back_as_their_triples((root, triples) in resource()) {
        check_round_trip(&Processor::new(), &triples, &root);
    }
}

// ------------------------------------------------------------------------------------------------
// Regressions: cases the property test found
// ------------------------------------------------------------------------------------------------

fn triple(s: impl Into<NamedOrBlankNode>, p: &str, o: impl Into<Term>) -> Triple {
    Triple::new(s, named(p), o)
}

#[test]
fn a_type_that_is_a_blank_node_a_literal_or_a_described_node_reads_back() {
    let processor = Processor::new();
    let root = named(&format!("{BASE}places/p"));
    let class = BlankNode::default();
    let triples = vec![
        triple(root.clone(), RDF_TYPE, named(&format!("{TL}Place"))),
        triple(root.clone(), RDF_TYPE, class.clone()),
        triple(root.clone(), RDF_TYPE, Literal::new_simple_literal("Place")),
        triple(
            class,
            "http://www.w3.org/2000/01/rdf-schema#label",
            Literal::from("c"),
        ),
        // A class of its own, described in the resource.
        triple(
            root.clone(),
            RDF_TYPE,
            named(&format!("{BASE}places/p#Kind")),
        ),
        triple(
            named(&format!("{BASE}places/p#Kind")),
            &format!("{TL}unknownProperty"),
            Literal::new_typed_literal("1015", named(&format!("{XSD}gYear"))),
        ),
    ];
    check_round_trip(&processor, &triples, &root);
}

#[test]
fn integers_beyond_two_to_the_53_stay_exact() {
    let processor = Processor::new();
    let root = named(&format!("{BASE}places/p"));
    let big = |n: &str| Literal::new_typed_literal(n, named(&format!("{XSD}integer")));
    let triples = vec![
        triple(
            root.clone(),
            &format!("{TL}monthsAfterStart"),
            big("9007199254740993"),
        ),
        triple(
            root.clone(),
            &format!("{TL}unknown"),
            big("-9223372036854775808"),
        ),
        triple(root.clone(), &format!("{TL}small"), big("9007199254740991")),
    ];
    let document = check_round_trip(&processor, &triples, &root);
    assert_eq!(document["monthsAfterStart"], "9007199254740993");
    assert_eq!(document["tl:small"], 9007199254740991i64, "{document:#}");
}

// ------------------------------------------------------------------------------------------------
// 2. The fixtures
// ------------------------------------------------------------------------------------------------

/// The fixtures and the ontology, each in its own named graph, as the server loads them.
fn fixture_store() -> Store {
    let store = Store::new().expect("in-memory store");
    let mut files: Vec<_> = ["fixtures", "ontology"]
        .iter()
        .flat_map(|dir| {
            std::fs::read_dir(std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(dir))
                .expect("repository directory")
        })
        .map(|entry| entry.expect("directory entry").path())
        .filter(|path| path.extension().is_some_and(|e| e == "ttl"))
        .collect();
    files.sort();
    assert!(files.len() >= 5, "fixtures found: {files:?}");
    for path in files {
        let graph = named(&format!(
            "{BASE}graphs/{}",
            path.file_stem().unwrap().to_string_lossy()
        ));
        let parser = RdfParser::from_format(RdfFormat::Turtle)
            .with_base_iri(BASE)
            .expect("base IRI")
            .with_default_graph(GraphName::NamedNode(graph));
        store
            .load_from_reader(parser, std::fs::read(&path).expect("fixture").as_slice())
            .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    }
    store
}

/// Facts of our context that the comparison needs: its prefixes, and its terms whose values
/// are IRIs (`"@type": "@id"`).
struct ContextFacts {
    prefixes: Vec<(String, String)>,
    iri_terms: HashSet<String>,
}

impl ContextFacts {
    fn read() -> Self {
        let document: Value = serde_json::from_str(CONTEXT).expect("context JSON");
        let mut facts = ContextFacts {
            prefixes: Vec::new(),
            iri_terms: HashSet::new(),
        };
        for (term, definition) in document["@context"].as_object().expect("@context") {
            match definition {
                Value::String(iri) if iri.ends_with(['#', '/']) => {
                    facts.prefixes.push((term.clone(), iri.clone()))
                }
                Value::Object(d) if d.get("@type") == Some(&Value::from("@id")) => {
                    facts.iri_terms.insert(term.clone());
                }
                _ => {}
            }
        }
        facts
    }

    fn expand(&self, iri: &str) -> String {
        if let Some((prefix, local)) = iri.split_once(':') {
            if !local.starts_with("//") {
                if let Some((_, namespace)) = self.prefixes.iter().find(|(p, _)| p == prefix) {
                    return format!("{namespace}{local}");
                }
            }
        }
        iri.to_owned()
    }

    /// The document with every IRI written in full and the `@type`/`@id` keywords under their
    /// aliases, so that two compactions differing only by those choices compare equal.
    fn normalize(&self, value: &Value, iri_valued: bool) -> Value {
        match value {
            Value::Array(items) => Value::Array(
                items
                    .iter()
                    .map(|i| self.normalize(i, iri_valued))
                    .collect(),
            ),
            Value::String(s) if iri_valued => Value::String(self.expand(s)),
            Value::Object(map) => {
                let mut normalized = Map::new();
                for (key, v) in map {
                    if key == "@context" {
                        continue;
                    }
                    let key = match key.as_str() {
                        "@type" => "type",
                        "@id" => "id",
                        other => other,
                    };
                    let iri_valued = matches!(key, "id" | "type") || self.iri_terms.contains(key);
                    normalized.insert(self.expand(key), self.normalize(v, iri_valued));
                }
                Value::Object(normalized)
            }
            other => other.clone(),
        }
    }
}

#[test]
fn fixture_resources_match_the_processor() {
    let store = fixture_store();
    let processor = Processor::new();
    let facts = &*FACTS;
    let meta = NamedNodeRef::new_unchecked("http://lieux.test/graphs/meta");
    let mut subjects: Vec<NamedNode> = store
        .quads_for_pattern(None, None, None, None)
        .map(|q| q.expect("quad"))
        .filter(|q| {
            matches!(&q.graph_name, GraphName::NamedNode(g) if !g.as_str().ends_with("tiers-lieux"))
        })
        .filter_map(|q| match q.subject {
            NamedOrBlankNode::NamedNode(n) if !n.as_str().contains('#') => Some(n),
            _ => None,
        })
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    subjects.sort();
    assert!(
        subjects.len() >= 20,
        "fixture resources: {}",
        subjects.len()
    );
    let mut shapes = HashSet::new();
    for subject in &subjects {
        let triples =
            lieux_communs::resources::describe(&store, subject.as_ref(), meta).expect("describe");
        assert!(!triples.is_empty(), "{subject}");
        let ours = check_round_trip(&processor, &triples, subject);
        let theirs = processor.compact(&ours);
        let (ours_n, theirs_n) = (
            facts.normalize(&ours, false),
            facts.normalize(&theirs, false),
        );
        assert_eq!(
            ours_n, theirs_n,
            "{subject}: our compaction and the processor's differ beyond IRI spelling\nours: {ours:#}\nprocessor: {theirs:#}"
        );
        if let Value::Object(map) = &ours {
            shapes.extend(map.keys().cloned());
        }
    }
    // The fixtures exercise coerced terms, sets and language maps, not only plain strings.
    for key in [
        "type",
        "name",
        "website",
        "placeType",
        "amount",
        "usesCommons",
    ] {
        assert!(
            shapes.contains(key),
            "no fixture resource has {key}: {shapes:?}"
        );
    }
}
