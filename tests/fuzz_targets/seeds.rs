//! Seeds the mutations start from: the repository's fixtures (Turtle, the partners' payloads)
//! and documents written here after the API's own examples. `{BASE}` is the server's base IRI,
//! `{CANARY}` the address whose connections are counted (none may come).

pub struct Seeds {
    pub jsonld: Vec<Vec<u8>>,
    pub turtle: Vec<Vec<u8>>,
    pub sparql: Vec<Vec<u8>>,
    pub communecter: Vec<Vec<u8>>,
    pub gogocarto_json: Vec<Vec<u8>>,
    pub gogocarto_jsonld: Vec<Vec<u8>>,
    pub taxonomies: Vec<Vec<u8>>,
}

const JSONLD: &[&str] = &[
    r#"{"@context":"{BASE}context.jsonld","type":"Place","name":"L'Atelier partagé"}"#,
    r#"{"@context":"{BASE}context.jsonld","@id":"{BASE}places/la-mine","type":"Place","name":"La mine","description":"Un lieu.","website":"https://la-mine.example.org/","email":"contact@la-mine.example.org","telephone":["02 99 00 00 00"],"tag":["atelier","café"],"memberOf":["{BASE}networks/rfflab"],"usesCommons":["{BASE}commons/dokos"],"address":{"streetAddress":"12 rue des Tanneurs","postalCode":"35000","locality":"Rennes","region":"Bretagne","country":"FR"},"geo":{"latitude":"48.1113387","longitude":"-1.6800198"}}"#,
    r#"{"@context":"{BASE}context.jsonld","type":"Pledge","name":"RFFLab soutient Dokos","funder":"{BASE}networks/rfflab","pledgedTo":"{BASE}commons/dokos","amount":"120","status":"https://w3id.org/tiers-lieux/ns#status-confirmed"}"#,
    r#"{"@context":"{BASE}context.jsonld","type":"Pledge","name":"RFFLab adopte Dokos","funder":"{BASE}networks/rfflab","pledgedTo":"{BASE}commons/dokos","campaign":"{BASE}campaigns/adopte-un-commun-2021","amount":"30","status":"https://w3id.org/tiers-lieux/ns#status-intention"}"#,
    r#"{"@context":"{BASE}context.jsonld","type":"Commons","name":"Un commun","description":"Logiciel libre.","license":"https://spdx.org/licenses/MIT"}"#,
    r#"{"@context":"{BASE}context.jsonld","@graph":[{"@id":"{BASE}places/lieu-importe-un","type":"Place","name":"Lieu importé un","memberOf":["{BASE}networks/rfflab"]},{"@id":"{BASE}places/lieu-importe-deux","type":"Place","name":"Lieu importé deux"}]}"#,
    r#"{"@context":{"tl":"https://w3id.org/tiers-lieux/ns#","name":"tl:name"},"@type":"tl:Place","name":"Contexte en ligne"}"#,
    r#"{"@context":"{CANARY}/context.jsonld","type":"Place","name":"Lieu au contexte distant"}"#,
    r#"{"@context":["{BASE}context.jsonld","https://schema.org/docs/jsonldcontext.jsonld"],"type":"Place","name":"Lieu au contexte mêlé"}"#,
    r#"{"@context":"{BASE}context.jsonld","@id":"{BASE}places/sans-nom","type":"Place","description":"Sans nom"}"#,
    r#"[{"@id":"{BASE}places/expanded","@type":["https://w3id.org/tiers-lieux/ns#Place"],"https://w3id.org/tiers-lieux/ns#name":[{"@value":"Forme développée","@language":"fr"}]}]"#,
];

const TURTLE: &[&str] = &[
    include_str!("../../fixtures/places.ttl"),
    include_str!("../../fixtures/commons.ttl"),
    include_str!("../../fixtures/networks.ttl"),
    include_str!("../../fixtures/campaign-2021.ttl"),
    include_str!("../../fixtures/invalid/amount-as-string.ttl"),
    include_str!("../../fixtures/invalid/bad-postal-code.ttl"),
    "@prefix tl: <https://w3id.org/tiers-lieux/ns#> .\n[] a tl:Place ; tl:name \"Lieu en Turtle\" ; tl:memberOf <{BASE}networks/rfflab> .\n",
    "@prefix tl: <https://w3id.org/tiers-lieux/ns#> .\n@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .\n<{BASE}places/la-mine> a tl:Place ; tl:name \"La mine\"@fr ; tl:address [ tl:streetAddress \"1 rue\" ; tl:postalCode \"35000\" ; tl:locality \"Rennes\" ] ; tl:geo [ tl:latitude \"48.1\"^^xsd:decimal ; tl:longitude -1.68 ] .\n",
    "PREFIX tl: <https://w3id.org/tiers-lieux/ns#>\n<{BASE}pledges/p1> a tl:Pledge ; tl:name \"Promesse\" ; tl:funder <{BASE}networks/rfflab> ; tl:pledgedTo <{BASE}commons/dokos> ; tl:amount 120.50 ; tl:status tl:status-confirmed .\n",
    "<{BASE}places/nt> <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> <https://w3id.org/tiers-lieux/ns#Place> .\n<{BASE}places/nt> <https://w3id.org/tiers-lieux/ns#name> \"N-Triples\" .\n",
];

/// The queries partners send (benches/bench.rs) and a few more of the endpoint's tests.
const SPARQL: &[&str] = &[
    "PREFIX tl: <https://w3id.org/tiers-lieux/ns#>\nSELECT ?place ?name ?street ?postal ?town WHERE { ?place tl:memberOf <{BASE}networks/rfflab> ; tl:name ?name ; tl:address ?a . ?a tl:streetAddress ?street ; tl:postalCode ?postal ; tl:locality ?town }",
    "PREFIX tl: <https://w3id.org/tiers-lieux/ns#>\nSELECT ?commons (SUM(?amount) AS ?total) (COUNT(?pledge) AS ?pledges) WHERE { ?pledge a tl:Pledge ; tl:pledgedTo ?commons ; tl:amount ?amount } GROUP BY ?commons ORDER BY DESC(?total) LIMIT 50",
    "PREFIX tl: <https://w3id.org/tiers-lieux/ns#>\nSELECT ?place ?name WHERE { ?place a tl:Place ; tl:name ?name FILTER(CONTAINS(LCASE(?name), \"lyon 12\")) }",
    "DESCRIBE <{BASE}places/la-mine>",
    "PREFIX tl: <https://w3id.org/tiers-lieux/ns#>\nSELECT ?region (COUNT(?place) AS ?n) WHERE { ?place a tl:Place ; tl:address/tl:region ?region } GROUP BY ?region ORDER BY ?region",
    "PREFIX tl: <https://w3id.org/tiers-lieux/ns#>\nCONSTRUCT { ?place ?p ?o } WHERE { ?place tl:memberOf <{BASE}networks/rfflab> ; ?p ?o }",
    "ASK { ?s ?p ?o }",
    "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g",
    "SELECT * WHERE { SERVICE <{CANARY}/sparql> { ?s ?p ?o } }",
    "SELECT (REGEX(\"a\", \"(a|b)*c\") AS ?r) (STRLEN(\"é\") AS ?l) (SUBSTR(\"abc\", 2) AS ?s) WHERE {}",
];

const COMMUNECTER: &[&str] = &[
    include_str!("../../fixtures/communecter/organizations-page1.json"),
    include_str!("../../fixtures/communecter/organizations-page2.json"),
    include_str!("../../fixtures/communecter/organizations-page2-replaced.json"),
    include_str!("../../fixtures/communecter/projects-page1.json"),
    include_str!("../../fixtures/communecter/projects-page2.json"),
    include_str!("../../fixtures/communecter/ftl-organizations.json"),
    // The shapes of the REST API seen in the field: entities as a list (PHP's empty map), ids as
    // `_id.$id`, tags as one text, numbers as texts and texts as numbers, nulls everywhere.
    r#"{"meta":{"limit":100,"next":null},"entities":[{"_id":{"$id":"5f00000000000000000000a1"},"@type":"Organization","name":"Le Tiers-Lieu du Port","tags":"TiersLieux, coworking ,fablab","email":"port@example.org","address":{"streetAddress":"1 quai","postalCode":29200,"addressLocality":"Brest","addressCountry":"FR"},"geo":{"latitude":48.38,"longitude":"-4.49"},"url":{"website":"port.example.org"},"shortDescription":null,"description":"<p>Un <b>port</b> &amp; un lieu</p>"}]}"#,
    r#"{"meta":{"next":null},"entities":{"5f00000000000000000000b2":{"name":"Sans tags"},"5f00000000000000000000b3":{"name":"Tiers lieu mal tagué","tags":["tiers lieux"],"geo":{"latitude":"91","longitude":"181"},"address":{"postalCode":"2A004"}},"5f00000000000000000000b4":{"name":["Deux","noms"],"tags":["Tiers-Lieux"],"email":"pas un courriel"}}}"#,
    r#"{"meta":{"next":null},"entities":{"6f00000000000000000000c1":{"@type":"Project","name":"Commun du jardin","tags":["Commun"],"url":{"website":"https://jardin.example.org"},"maturity":"idea","startDate":"2020-13-45"}}}"#,
    r#"{"entities":[]}"#,
    r#"{"meta":{},"entities":{}}"#,
];

const GOGOCARTO_JSON: &[&str] = &[
    include_str!("../../fixtures/gogocarto/elements.json"),
    include_str!("../../fixtures/gogocarto/elements-second.json"),
    include_str!("../../fixtures/gogocarto/quirks-elements.json"),
    include_str!("../../fixtures/gogocarto/malformed.json"),
    r#"{"licence":"https://opendatacommons.org/licenses/odbl/summary/","ontology":"gogofull","data":[{"id":"q1","name":"Lieu complet","geo":{"latitude":"45.1","longitude":5.7},"address":{"streetAddress":"3 rue","addressLocality":"Grenoble","postalCode":"38000","addressCountry":"FR"},"categories":["Tiers-lieu",12,null],"optionValues":[10427,"10495",{"id":1}],"website":"grenoble.example.org/lieu","telephone":["04 76 00 00 00","+33476000000"],"email":"lieu@example.org","description":"<script>x</script><p>Texte</p>"},{"id":0,"title":"Titre sans nom"},{"id":"  ","name":"Id blanc"},{"id":1.5e300,"name":"Id énorme"}]}"#,
    r#"{"ontology":"gogoshort","data":[]}"#,
    r#"{"data":{}}"#,
];

const GOGOCARTO_JSONLD: &[&str] = &[
    include_str!("../../fixtures/gogocarto/elements.jsonld"),
    include_str!("../../fixtures/gogocarto/elements-foreign-context.jsonld"),
    r#"{"@context":"https://rawgit.com/jmvanel/rdf-convert/master/context-gogo.jsonld","@graph":[{"id":"j1","name":"Lieu JSON-LD","geo":{"latitude":48.1,"longitude":-1.6},"address":{"addressLocality":"Rennes","postalCode":"35000"},"categories":["Tiers-lieu"]},{"id":"j1","name":"Doublon"},{"name":"Sans id"}]}"#,
    r#"{"@context":["https://rawgit.com/jmvanel/rdf-convert/master/context-gogo.jsonld","{CANARY}/context.jsonld"],"@graph":[{"id":"j2","name":"Contexte distant"}]}"#,
];

const TAXONOMIES: &[&str] = &[
    include_str!("../../fixtures/gogocarto/quirks-taxonomy.json"),
    r#"[{"name":"Catégories","options":[{"id":12,"name":"Tiers-lieu"},{"id":13,"name":"Atelier partagé","subcategories":[{"name":"Sous","options":[{"id":14,"name":"Bois"}]}]}]},{"name":"Autres","options":[]}]"#,
    r#"{"name":"Vide"}"#,
    "[]",
];

fn expand(texts: &[&str], base: &str, canary: &str) -> Vec<Vec<u8>> {
    texts
        .iter()
        .map(|t| {
            // Partner payloads link their next page from their own root: left unresolvable
            // (the harvest reads local files), so that no mutation can send it to a host.
            t.replace("{{BASE}}", "")
                .replace("{BASE}", base)
                .replace("{CANARY}", canary)
                .into_bytes()
        })
        .collect()
}

impl Seeds {
    pub fn new(base: &str, canary: &str) -> Self {
        Self {
            jsonld: expand(JSONLD, base, canary),
            turtle: expand(TURTLE, base, canary),
            sparql: expand(SPARQL, base, canary),
            communecter: expand(COMMUNECTER, base, canary),
            gogocarto_json: expand(GOGOCARTO_JSON, base, canary),
            gogocarto_jsonld: expand(GOGOCARTO_JSONLD, base, canary),
            taxonomies: expand(TAXONOMIES, base, canary),
        }
    }
}
