//! Compact JSON-LD with our `@context`, written as a tree from one root node: the nodes it
//! owns (blank nodes, its `#fragment` nodes) and the labels of what it links to are embedded.
//! The term choice follows the context's definitions (coercion and container), so that any
//! JSON-LD processor reading the output with the same context gets back exactly the triples
//! rendered (tested by a round trip).

pub mod geojson;
pub mod pages;

use oxigraph::model::{Literal, NamedNode, NamedOrBlankNode, Term, Triple};
use serde_json::{json, Map, Value};
use std::collections::{BTreeMap, HashMap, HashSet};

const XSD_STRING: &str = "http://www.w3.org/2001/XMLSchema#string";
const XSD_BOOLEAN: &str = "http://www.w3.org/2001/XMLSchema#boolean";
const XSD_INTEGER: &str = "http://www.w3.org/2001/XMLSchema#integer";
const RDF_TYPE: &str = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type";
/// The largest integer a JSON number holds exactly in JavaScript, PyLD and the like.
const MAX_EXACT_INTEGER: u64 = (1 << 53) - 1;
const RDF_LANG_STRING: &str = "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString";

#[derive(Clone, Debug, PartialEq)]
enum Coerce {
    None,
    Id,
    Datatype(String),
}

#[derive(Clone, Debug)]
struct TermDef {
    term: String,
    coerce: Coerce,
    set: bool,
    language_map: bool,
}

/// Our context, digested for compaction.
pub struct Compactor {
    context_url: String,
    /// property IRI → the terms that map to it
    properties: HashMap<String, Vec<TermDef>>,
    /// class IRI → its term (`tl:Place` → `Place`)
    classes: HashMap<String, String>,
    /// (prefix, namespace), longest namespace first
    prefixes: Vec<(String, String)>,
}

#[derive(Debug, thiserror::Error)]
#[error("invalid JSON-LD context: {0}")]
pub struct ContextError(String);

impl Compactor {
    pub fn from_context(document: &[u8], context_url: &str) -> Result<Self, ContextError> {
        let document: Value =
            serde_json::from_slice(document).map_err(|e| ContextError(e.to_string()))?;
        let context = document
            .get("@context")
            .and_then(Value::as_object)
            .ok_or_else(|| ContextError("no @context object".into()))?;
        let mut prefixes = Vec::new();
        for (key, value) in context {
            if let Some(ns) = value.as_str() {
                if !key.starts_with('@')
                    && (ns.ends_with('#') || ns.ends_with('/'))
                    && ns.contains("://")
                {
                    prefixes.push((key.clone(), ns.to_owned()));
                }
            }
        }
        prefixes.sort_by_key(|(_, ns)| std::cmp::Reverse(ns.len()));
        let expand = |value: &str| -> String {
            if let Some((prefix, local)) = value.split_once(':') {
                if let Some((_, ns)) = prefixes.iter().find(|(p, _)| p == prefix) {
                    return format!("{ns}{local}");
                }
            }
            value.to_owned()
        };
        let mut properties: HashMap<String, Vec<TermDef>> = HashMap::new();
        let mut classes = HashMap::new();
        for (key, value) in context {
            if key.starts_with('@') || prefixes.iter().any(|(p, _)| p == key) {
                continue;
            }
            let (iri, coerce, set, language_map) = match value {
                Value::String(s) if s.starts_with('@') => continue,
                Value::String(s) => (expand(s), Coerce::None, false, false),
                Value::Object(def) => {
                    let Some(id) = def.get("@id").and_then(Value::as_str) else {
                        continue;
                    };
                    let coerce = match def.get("@type").and_then(Value::as_str) {
                        Some("@id") => Coerce::Id,
                        Some(dt) => Coerce::Datatype(expand(dt)),
                        None => Coerce::None,
                    };
                    let container = def.get("@container").and_then(Value::as_str);
                    (
                        expand(id),
                        coerce,
                        container == Some("@set"),
                        container == Some("@language"),
                    )
                }
                _ => continue,
            };
            // A term starting with an upper-case letter names a class.
            if key.chars().next().is_some_and(char::is_uppercase) && coerce == Coerce::None && !set
            {
                classes.insert(iri.clone(), key.clone());
            }
            properties.entry(iri).or_default().push(TermDef {
                term: key.clone(),
                coerce,
                set,
                language_map,
            });
        }
        Ok(Self {
            context_url: context_url.to_owned(),
            properties,
            classes,
            prefixes,
        })
    }

    pub fn context_url(&self) -> &str {
        &self.context_url
    }

    /// (term, property IRI) of every property term of the context.
    pub fn terms(&self) -> impl Iterator<Item = (&str, &str)> {
        self.properties
            .iter()
            .flat_map(|(iri, defs)| defs.iter().map(move |d| (d.term.as_str(), iri.as_str())))
    }

    /// `https://w3id.org/tiers-lieux/ns#status-paid` → `tl:status-paid`, when unambiguous.
    pub fn compact_iri(&self, iri: &str) -> String {
        for (prefix, ns) in &self.prefixes {
            if let Some(local) = iri.strip_prefix(ns.as_str()) {
                if !local.is_empty() && !local.starts_with("//") && !local.contains([':', '#', '/'])
                {
                    return format!("{prefix}:{local}");
                }
            }
        }
        iri.to_owned()
    }

    /// Renders `root` and what it embeds from `triples`, with the `@context` reference.
    pub fn render(
        &self,
        triples: &[Triple],
        root: &NamedOrBlankNode,
        embed: &dyn Fn(&Term) -> bool,
    ) -> Value {
        let index = Index::new(triples);
        let mut value = self.node(&index, root, embed, &mut HashSet::new());
        if let Value::Object(map) = &mut value {
            let mut with_context = Map::new();
            with_context.insert("@context".into(), Value::String(self.context_url.clone()));
            with_context.append(map);
            return Value::Object(with_context);
        }
        value
    }

    /// A node object without `@context`, for embedding in a larger document (collections).
    pub fn render_node(
        &self,
        triples: &[Triple],
        root: &NamedOrBlankNode,
        embed: &dyn Fn(&Term) -> bool,
    ) -> Value {
        self.node(&Index::new(triples), root, embed, &mut HashSet::new())
    }

    fn node(
        &self,
        index: &Index<'_>,
        subject: &NamedOrBlankNode,
        embed: &dyn Fn(&Term) -> bool,
        path: &mut HashSet<NamedOrBlankNode>,
    ) -> Value {
        let mut map = Map::new();
        map.insert("id".into(), Value::String(node_id(subject)));
        let Some(predicates) = index.by_subject.get(subject) else {
            return Value::Object(map);
        };
        if !path.insert(subject.clone()) {
            return Value::Object(map);
        }
        for (predicate, objects) in predicates {
            // A blank node, a literal or a node with triples of its own as a type has no place
            // under `type` (it, or its triples, would be dropped): it is written under
            // `rdf:type` as any other value.
            if *predicate == RDF_TYPE
                && objects
                    .iter()
                    .all(|o| matches!(o, Term::NamedNode(n) if !index.has_subject(n)))
            {
                let types: Vec<Value> = objects
                    .iter()
                    .filter_map(|o| match o {
                        Term::NamedNode(n) => Some(Value::String(
                            self.classes
                                .get(n.as_str())
                                .cloned()
                                .unwrap_or_else(|| self.compact_iri(n.as_str())),
                        )),
                        _ => None,
                    })
                    .collect();
                map.insert("type".into(), one_or_many(types, false));
                continue;
            }
            let def = self.choose_term(predicate, objects);
            let key = def
                .as_ref()
                .map_or_else(|| self.compact_iri(predicate), |d| d.term.clone());
            if def.as_ref().is_some_and(|d| d.language_map) {
                let mut by_language = Map::new();
                for o in objects {
                    if let Term::Literal(l) = o {
                        by_language.insert(
                            l.language().unwrap_or("@none").to_owned(),
                            Value::String(l.value().to_owned()),
                        );
                    }
                }
                map.insert(key, Value::Object(by_language));
                continue;
            }
            let coerce = def.as_ref().map_or(Coerce::None, |d| d.coerce.clone());
            let values: Vec<Value> = objects
                .iter()
                .map(|o| self.value(index, o, &coerce, embed, path))
                .collect();
            map.insert(
                key,
                one_or_many(values, def.as_ref().is_some_and(|d| d.set)),
            );
        }
        path.remove(subject);
        Value::Object(map)
    }

    fn value(
        &self,
        index: &Index<'_>,
        object: &Term,
        coerce: &Coerce,
        embed: &dyn Fn(&Term) -> bool,
        path: &mut HashSet<NamedOrBlankNode>,
    ) -> Value {
        match object {
            Term::NamedNode(n) => {
                let node = NamedOrBlankNode::NamedNode(n.clone());
                if embed(object) && index.by_subject.contains_key(&node) && !path.contains(&node) {
                    self.node(index, &node, embed, path)
                } else if *coerce == Coerce::Id {
                    Value::String(n.as_str().to_owned())
                } else {
                    json!({ "id": n.as_str() })
                }
            }
            Term::BlankNode(b) => {
                let node = NamedOrBlankNode::BlankNode(b.clone());
                if index.by_subject.contains_key(&node) && !path.contains(&node) {
                    self.node(index, &node, embed, path)
                } else {
                    json!({ "id": node_id(&node) })
                }
            }
            Term::Literal(l) => literal_value(l, coerce),
            #[allow(unreachable_patterns)]
            _ => Value::Null,
        }
    }

    /// The term whose definition fits every value of the property, if any.
    fn choose_term(&self, predicate: &str, objects: &[Term]) -> Option<TermDef> {
        let defs = self.properties.get(predicate)?;
        defs.iter()
            .find(|def| {
                objects.iter().all(|o| fits(def, o))
                    && (!def.language_map || unique_languages(objects))
            })
            .cloned()
    }
}

fn unique_languages(objects: &[Term]) -> bool {
    let mut seen = HashSet::new();
    objects.iter().all(
        |o| matches!(o, Term::Literal(l) if l.language().is_some() && seen.insert(l.language())),
    )
}

fn fits(def: &TermDef, object: &Term) -> bool {
    if def.language_map {
        return matches!(object, Term::Literal(l) if l.language().is_some());
    }
    match (&def.coerce, object) {
        (Coerce::Id, Term::Literal(_)) => false,
        (Coerce::Id, _) => true,
        (Coerce::Datatype(dt), Term::Literal(l)) => {
            l.language().is_none() && l.datatype().as_str() == dt
        }
        (Coerce::Datatype(_), _) => false,
        (Coerce::None, _) => true,
    }
}

fn literal_value(literal: &Literal, coerce: &Coerce) -> Value {
    if let Some(language) = literal.language() {
        return json!({ "@value": literal.value(), "@language": language });
    }
    let datatype = literal.datatype().as_str();
    // Booleans and integers in canonical form read back as the same literal from native JSON.
    if datatype == XSD_BOOLEAN && matches!(literal.value(), "true" | "false") {
        return Value::Bool(literal.value() == "true");
    }
    if datatype == XSD_INTEGER {
        if let Ok(n) = literal.value().parse::<i64>() {
            // Beyond ±(2^53 − 1) a JSON number is not exact for most processors (RFC 8259 §6).
            if n.unsigned_abs() <= MAX_EXACT_INTEGER && n.to_string() == literal.value() {
                return Value::from(n);
            }
        }
    }
    match coerce {
        Coerce::Datatype(dt) if dt == datatype => Value::String(literal.value().to_owned()),
        _ if datatype == XSD_STRING => Value::String(literal.value().to_owned()),
        _ if datatype == RDF_LANG_STRING => Value::String(literal.value().to_owned()),
        _ => json!({ "@value": literal.value(), "@type": datatype }),
    }
}

fn one_or_many(mut values: Vec<Value>, set: bool) -> Value {
    if values.len() == 1 && !set {
        values.remove(0)
    } else {
        Value::Array(values)
    }
}

fn node_id(node: &NamedOrBlankNode) -> String {
    match node {
        NamedOrBlankNode::NamedNode(n) => n.as_str().to_owned(),
        NamedOrBlankNode::BlankNode(b) => format!("_:{}", b.as_str()),
    }
}

/// Triples by subject, predicates sorted so that the output is stable.
struct Index<'a> {
    by_subject: HashMap<NamedOrBlankNode, BTreeMap<&'a str, Vec<Term>>>,
    /// The IRIs among the subjects, to look a named object up without building a key.
    named_subjects: HashSet<&'a str>,
}

impl<'a> Index<'a> {
    fn new(triples: &'a [Triple]) -> Self {
        let mut by_subject: HashMap<NamedOrBlankNode, BTreeMap<&'a str, Vec<Term>>> =
            HashMap::new();
        let mut named_subjects = HashSet::new();
        for t in triples {
            if let NamedOrBlankNode::NamedNode(n) = &t.subject {
                named_subjects.insert(n.as_str());
            }
            let objects = by_subject
                .entry(t.subject.clone())
                .or_default()
                .entry(t.predicate.as_str())
                .or_default();
            if !objects.contains(&t.object) {
                objects.push(t.object.clone());
            }
        }
        Self {
            by_subject,
            named_subjects,
        }
    }

    fn has_subject(&self, node: &NamedNode) -> bool {
        self.named_subjects.contains(node.as_str())
    }
}
