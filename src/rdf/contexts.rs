//! The JSON-LD contexts the server resolves (no other remote context is ever fetched), each given
//! to the processor with only the terms the document being read can use.
//!
//! Why cut them: Oxigraph's JSON-LD processor defines every term of a remote context anew for
//! each document (it keeps no processed context between documents), and for our context of 113
//! terms that was a quarter of the CPU of a one-resource POST. A term that a document never
//! names cannot change what the document expands to, so the processor is given the terms whose
//! name the document holds as a key or string, or as the prefix of a compact IRI, with the terms
//! their own definitions name, transitively. A context whose meaning does not split by term
//! (scoped contexts, `@import`, `@propagate`) is always given whole.

use super::JSON_LD;
use crate::vocab;
use json_event_parser::{JsonEvent, SliceJsonParser};
use oxigraph::io::LoadedDocument;
use rustc_hash::FxHashMap;
use serde_json::Value;
use std::collections::HashMap;
use std::sync::Arc;

/// Documents longer than this get whole contexts: reading them twice would cost more than the
/// terms saved.
const SCANNED_BYTES: usize = 64 << 10;

/// The JSON-LD contexts the server resolves, by URL.
#[derive(Clone, Default)]
pub struct Contexts {
    documents: Arc<HashMap<String, Arc<Bundled>>>,
}

impl Contexts {
    /// Our own context, under its public IRI and under the server's `{base}context.jsonld`.
    pub fn new(own_context: Vec<u8>, base: &vocab::Base) -> Self {
        let own = Arc::new(Bundled::new(own_context));
        let mut documents = HashMap::new();
        documents.insert(vocab::CONTEXT_IRI.to_owned(), Arc::clone(&own));
        documents.insert(base.context(), own);
        Self {
            documents: Arc::new(documents),
        }
    }

    pub fn with(mut self, url: &str, document: Vec<u8>) -> Self {
        Arc::make_mut(&mut self.documents).insert(url.to_owned(), Arc::new(Bundled::new(document)));
        self
    }

    /// The context document as bundled.
    pub fn get(&self, url: &str) -> Option<&[u8]> {
        self.documents
            .get(url)
            .map(|bundled| bundled.whole.as_slice())
    }

    /// The processor's document loader for reading `document`.
    pub(super) fn loader(
        &self,
        document: &[u8],
    ) -> impl Fn(&str) -> Result<LoadedDocument, Box<dyn std::error::Error + Send + Sync>>
           + Send
           + Sync
           + std::panic::UnwindSafe
           + std::panic::RefUnwindSafe
           + 'static {
        let documents = Arc::clone(&self.documents);
        let document: Option<Arc<[u8]>> =
            (document.len() <= SCANNED_BYTES).then(|| document.into());
        move |url| match documents.get(url) {
            Some(bundled) => Ok(LoadedDocument {
                url: url.to_owned(),
                content: bundled.for_document(document.as_deref()),
                format: JSON_LD,
            }),
            None => Err(format!(
                "remote context <{url}> is not allowed: only the bundled contexts ({}) resolve",
                documents
                    .keys()
                    .map(String::as_str)
                    .collect::<Vec<_>>()
                    .join(", ")
            )
            .into()),
        }
    }
}

/// A bundled context document, and its terms when it can be given in part.
struct Bundled {
    whole: Vec<u8>,
    terms: Option<Terms>,
}

impl Bundled {
    fn new(whole: Vec<u8>) -> Self {
        let terms = Terms::of(&whole);
        Self { whole, terms }
    }

    fn for_document(&self, document: Option<&[u8]>) -> Vec<u8> {
        match (&self.terms, document) {
            (Some(terms), Some(document)) => terms
                .named_in(document)
                .map_or_else(|| self.whole.clone(), |named| terms.context(&named)),
            _ => self.whole.clone(),
        }
    }
}

/// The entries of a context, as JSON text, with what each needs.
struct Terms {
    /// `@version`, `@vocab`, `@base`…: always given.
    keywords: Vec<String>,
    /// The terms the keywords' values name.
    keywords_need: Vec<usize>,
    index: FxHashMap<String, usize>,
    /// `"term":definition`, by index.
    entries: Vec<String>,
    /// For each term, the terms its definition names, transitively, itself included.
    needs: Vec<Vec<usize>>,
}

impl Terms {
    /// `None` when the context is not one object of term definitions that can be given apart.
    fn of(document: &[u8]) -> Option<Self> {
        let Value::Object(mut root) = serde_json::from_slice(document).ok()? else {
            return None;
        };
        let Value::Object(context) = root.remove("@context")? else {
            return None;
        };
        if context.values().any(has_keyword_of_whole_contexts)
            || context.keys().any(|key| is_keyword_of_whole_contexts(key))
        {
            return None;
        }
        let (keyword_entries, term_entries): (Vec<_>, Vec<_>) =
            context.iter().partition(|(key, _)| key.starts_with('@'));
        let index: FxHashMap<String, usize> = term_entries
            .iter()
            .enumerate()
            .map(|(i, (term, _))| ((*term).clone(), i))
            .collect();
        let entry = |(key, value): &(&String, &Value)| -> Option<String> {
            Some(format!(
                "{}:{}",
                serde_json::to_string(key).ok()?,
                serde_json::to_string(value).ok()?
            ))
        };
        let direct: Vec<Vec<usize>> = term_entries
            .iter()
            .map(|(term, definition)| {
                let mut named = Vec::new();
                names(term, &index, &mut named);
                strings(definition, &mut |s| names(s, &index, &mut named));
                named
            })
            .collect();
        let needs: Vec<Vec<usize>> = (0..direct.len())
            .map(|term| closure(term, &direct))
            .collect();
        let mut keywords_name = Vec::new();
        for (_, value) in &keyword_entries {
            strings(value, &mut |s| names(s, &index, &mut keywords_name));
        }
        let keywords_need = keywords_name
            .iter()
            .flat_map(|&term| needs[term].iter().copied())
            .collect();
        Some(Self {
            keywords: keyword_entries.iter().map(entry).collect::<Option<_>>()?,
            keywords_need,
            entries: term_entries.iter().map(entry).collect::<Option<_>>()?,
            needs,
            index,
        })
    }

    /// The terms `document` names, with what they need; `None` if it is not JSON (the processor
    /// then reports the error with the whole context).
    fn named_in(&self, document: &[u8]) -> Option<Vec<bool>> {
        let mut named = vec![false; self.entries.len()];
        let mut mark = |terms: &[usize]| terms.iter().for_each(|&t| named[t] = true);
        mark(&self.keywords_need);
        let mut parser = SliceJsonParser::new(document);
        let mut found = Vec::new();
        loop {
            match parser.parse_next().ok()? {
                JsonEvent::String(s) | JsonEvent::ObjectKey(s) => {
                    names(&s, &self.index, &mut found)
                }
                JsonEvent::Eof => break,
                _ => {}
            }
        }
        for term in found {
            mark(&self.needs[term]);
        }
        Some(named)
    }

    fn context(&self, named: &[bool]) -> Vec<u8> {
        let kept = self
            .entries
            .iter()
            .zip(named)
            .filter(|(_, named)| **named)
            .map(|(entry, _)| entry);
        let mut out = String::from(r#"{"@context":{"#);
        for (i, entry) in self.keywords.iter().chain(kept).enumerate() {
            if i > 0 {
                out.push(',');
            }
            out.push_str(entry);
        }
        out.push_str("}}");
        out.into_bytes()
    }
}

/// The terms a string can refer to: itself, and the prefix before any colon (a compact IRI).
fn names(s: &str, index: &FxHashMap<String, usize>, found: &mut Vec<usize>) {
    found.extend(index.get(s));
    for (colon, _) in s.match_indices(':') {
        found.extend(index.get(&s[..colon]));
    }
}

/// Every string of a JSON value, keys included.
fn strings(value: &Value, f: &mut impl FnMut(&str)) {
    match value {
        Value::String(s) => f(s),
        Value::Array(values) => values.iter().for_each(|v| strings(v, f)),
        Value::Object(map) => map.iter().for_each(|(k, v)| {
            f(k);
            strings(v, f)
        }),
        _ => {}
    }
}

fn is_keyword_of_whole_contexts(key: &str) -> bool {
    matches!(key, "@context" | "@import" | "@propagate")
}

fn has_keyword_of_whole_contexts(value: &Value) -> bool {
    match value {
        Value::Array(values) => values.iter().any(has_keyword_of_whole_contexts),
        Value::Object(map) => map
            .iter()
            .any(|(k, v)| is_keyword_of_whole_contexts(k) || has_keyword_of_whole_contexts(v)),
        _ => false,
    }
}

fn closure(term: usize, direct: &[Vec<usize>]) -> Vec<usize> {
    let mut seen = vec![false; direct.len()];
    let mut stack = vec![term];
    let mut all = Vec::new();
    while let Some(t) = stack.pop() {
        if !std::mem::replace(&mut seen[t], true) {
            all.push(t);
            stack.extend(&direct[t]);
        }
    }
    all
}

#[cfg(test)]
mod tests {
    use super::*;
    use oxigraph::io::RdfParser;
    use oxigraph::model::dataset::CanonicalizationAlgorithm;
    use oxigraph::model::Dataset;

    const OWN: &[u8] = include_bytes!("../../ontology/context.jsonld");
    const GOGOCARTO: &[u8] = include_bytes!("../../ontology/contexts/gogocarto.jsonld");
    const GOGOCARTO_URL: &str = "https://gogocarto.fr/context.jsonld";

    fn contexts() -> Contexts {
        Contexts::new(OWN.to_vec(), &vocab::Base::new("http://localhost:8080/"))
            .with(GOGOCARTO_URL, GOGOCARTO.to_vec())
    }

    fn given(contexts: &Contexts, url: &str, document: &str) -> Value {
        let loaded = contexts.loader(document.as_bytes())(url).unwrap();
        serde_json::from_slice(&loaded.content).unwrap()
    }

    /// The quads as sorted N-Quads lines, blank nodes canonically labelled.
    fn canonical(quads: impl IntoIterator<Item = oxigraph::model::Quad>) -> Vec<String> {
        let mut dataset: Dataset = quads.into_iter().collect();
        dataset.canonicalize(CanonicalizationAlgorithm::Unstable);
        let mut lines: Vec<String> = dataset.iter().map(|quad| quad.to_string()).collect();
        lines.sort_unstable();
        lines
    }

    /// The document read by the processor with the whole contexts, as before they were cut.
    fn read_with_whole_contexts(contexts: &Contexts, document: &str) -> Vec<String> {
        let documents = contexts.clone();
        let parser = RdfParser::from_format(JSON_LD)
            .with_base_iri("http://localhost:8080/")
            .unwrap();
        canonical(
            parser
                .for_slice(document.as_bytes())
                .with_document_loader(move |url| {
                    Ok(LoadedDocument {
                        url: url.to_owned(),
                        content: documents.get(url).ok_or("not bundled")?.to_vec(),
                        format: JSON_LD,
                    })
                })
                .collect::<Result<Vec<_>, _>>()
                .unwrap(),
        )
    }

    fn read(contexts: &Contexts, document: &str) -> Vec<String> {
        canonical(
            super::super::parse(
                document.as_bytes(),
                JSON_LD,
                "http://localhost:8080/",
                &oxigraph::model::GraphName::DefaultGraph,
                false,
                contexts,
            )
            .unwrap(),
        )
    }

    #[test]
    fn a_document_is_given_the_terms_it_names_and_those_they_need() {
        let contexts = contexts();
        let given = given(
            &contexts,
            vocab::CONTEXT_IRI,
            r#"{"@context":"https://w3id.org/tiers-lieux/context.jsonld","type":"Place","name":"Le 104","dct:created":"2020"}"#,
        );
        let context = given["@context"].as_object().unwrap();
        let mut terms: Vec<&str> = context.keys().map(String::as_str).collect();
        terms.sort_unstable();
        // "Place" needs "tl" (tl:Place), "name" its prefix too, "dct:created" the prefix "dct";
        // "@version" is always given; "Commons", "schema" and the rest are not named.
        assert_eq!(
            terms,
            ["@version", "Place", "dct", "name", "tl", "type"],
            "{given:#}"
        );
        assert_eq!(
            context["name"],
            serde_json::from_slice::<Value>(OWN).unwrap()["@context"]["name"]
        );
    }

    #[test]
    fn documents_read_the_same_with_the_terms_they_name_as_with_the_whole_context() {
        let contexts = contexts();
        let documents = [
            // Terms as keys, a class as a term, a coerced link, a language map, typed values.
            r#"{"@context":"https://w3id.org/tiers-lieux/context.jsonld","id":"places/a","type":["Place","Organization"],"name":"A","description":{"fr":"Un lieu","en":"A place"},"website":"https://a.example/","year":"2019","amount":"12.5"}"#,
            // The server's own URL for the context, compact IRIs as keys, as types and as values.
            r#"{"@context":"http://localhost:8080/context.jsonld","@id":"http://localhost:8080/commons/c","@type":"tl:Commons","schema:name":"C","tl:status":{"@id":"tl:status-active"},"skos:note":"tl:not-a-link"}"#,
            // A key written with escapes names the same term.
            r#"{"@context":"https://w3id.org/tiers-lieux/context.jsonld","@id":"http://ex.org/p","\u006eame":"P","\u0074ype":"\u0050lace"}"#,
            // An inline context after ours that uses our prefixes and terms.
            r#"{"@context":["https://w3id.org/tiers-lieux/context.jsonld",{"nick":"schema:alternateName","label":"name"}],"@id":"http://ex.org/n","nick":"N","label":"L"}"#,
            // Nested nodes, a reverse property, a graph, an unknown key under @vocab or none.
            r#"{"@context":"https://w3id.org/tiers-lieux/context.jsonld","@graph":[{"id":"http://ex.org/x","type":"Pledge","amount":"3","funder":{"id":"http://ex.org/y","type":"Place","name":"Y","address":{"type":"PostalAddress","postalCode":"75001"}}},{"@id":"http://ex.org/z","@reverse":{"tl:memberOf":{"@id":"http://ex.org/x"}},"unknownKey":"u"}]}"#,
            // Another bundled context, with its @base.
            r#"{"@context":"https://gogocarto.fr/context.jsonld","id":"42","title":"T","geo":{"latitude":45.1,"longitude":4.2},"categories":["a","b"]}"#,
        ];
        for document in documents {
            let cut = read(&contexts, document);
            let whole = read_with_whole_contexts(&contexts, document);
            assert!(whole.len() >= 2, "the document says something: {document}");
            assert_eq!(cut, whole, "{document}");
        }
    }

    #[test]
    fn what_the_keywords_name_is_always_given_with_what_it_needs() {
        let context = br#"{"@context":{"@vocab":"v:","v":"w:vocab/","w":"https://ex.org/","other":"w:other"}}"#;
        let contexts = Contexts::default().with("https://ex.org/c.jsonld", context.to_vec());
        let given = given(
            &contexts,
            "https://ex.org/c.jsonld",
            r#"{"@context":"https://ex.org/c.jsonld","@id":"https://ex.org/a","p":"x"}"#,
        );
        let mut terms: Vec<&str> = given["@context"]
            .as_object()
            .unwrap()
            .keys()
            .map(String::as_str)
            .collect();
        terms.sort_unstable();
        assert_eq!(terms, ["@vocab", "v", "w"], "{given:#}");
    }

    #[test]
    fn contexts_that_do_not_split_by_term_are_given_whole() {
        let scoped = br#"{"@context":{"tl":"https://w3id.org/tiers-lieux/ns#","Place":{"@id":"tl:Place","@context":{"n":"tl:name"}},"other":"tl:other"}}"#;
        let contexts = Contexts::default().with("https://ex.org/scoped.jsonld", scoped.to_vec());
        let given = given(
            &contexts,
            "https://ex.org/scoped.jsonld",
            r#"{"@context":"https://ex.org/scoped.jsonld","@type":"Place","n":"x"}"#,
        );
        assert_eq!(given, serde_json::from_slice::<Value>(scoped).unwrap());
    }

    #[test]
    fn documents_that_are_not_json_or_are_long_get_the_whole_context() {
        let contexts = contexts();
        let whole: Value = serde_json::from_slice(OWN).unwrap();
        assert_eq!(given(&contexts, vocab::CONTEXT_IRI, r#"{"name": "#), whole);
        let long = format!(
            r#"{{"@context":"https://w3id.org/tiers-lieux/context.jsonld","name":"{}"}}"#,
            "x".repeat(SCANNED_BYTES)
        );
        assert_eq!(given(&contexts, vocab::CONTEXT_IRI, &long), whole);
    }
}
