//! A GoGoCarto map's taxonomy (`/api/taxonomy.json`: categories holding options, options
//! holding sub-categories) as a SKOS concept scheme of that map, and the resolution of an
//! element's `optionValues` (option ids) into those concepts. The scheme is
//! `{base}taxonomies/gogocarto-{name}`, each option `{scheme}/{id}`.

use super::harvest::HarvestError;
use super::record::Record;
use crate::resources::fold;
use crate::vocab::{self, Base};
use oxigraph::model::{Graph, Literal, NamedNode, Triple};
use serde_json::Value;
use std::collections::HashMap;

pub struct Taxonomy {
    graph: Graph,
    /// Option id → (concept, name).
    by_id: HashMap<String, (NamedNode, String)>,
    /// Folded option name → option id.
    by_name: HashMap<String, String>,
}

impl Taxonomy {
    /// Reads a taxonomy document: one category (`{"name", "options": […]}`) or a list of them.
    pub fn read(base: &Base, map: &str, url: &str, document: &Value) -> Result<Self, HarvestError> {
        let scheme =
            NamedNode::new_unchecked(base.resource("taxonomies", &format!("gogocarto-{map}")));
        let mut taxonomy = Self {
            graph: Graph::new(),
            by_id: HashMap::new(),
            by_name: HashMap::new(),
        };
        let categories: Vec<&Value> = match document {
            Value::Array(items) => items.iter().collect(),
            Value::Object(_) => vec![document],
            _ => return Err(HarvestError::Format {
                url: url.to_owned(),
                message:
                    "expected a taxonomy: a category {\"name\", \"options\": […]} or a list of them"
                        .into(),
            }),
        };
        let add = |g: &mut Graph,
                   s: &NamedNode,
                   p: oxigraph::model::NamedNodeRef<'_>,
                   o: oxigraph::model::Term| {
            g.insert(&Triple::new(s.clone(), p.into_owned(), o));
        };
        add(
            &mut taxonomy.graph,
            &scheme,
            vocab::RDF_TYPE,
            vocab::SKOS_CONCEPT_SCHEME.into_owned().into(),
        );
        add(
            &mut taxonomy.graph,
            &scheme,
            vocab::SKOS_PREF_LABEL,
            Literal::new_language_tagged_literal_unchecked(
                format!("Catégories de la carte GoGoCarto {map}"),
                "fr",
            )
            .into(),
        );
        add(
            &mut taxonomy.graph,
            &scheme,
            vocab::SKOS_PREF_LABEL,
            Literal::new_language_tagged_literal_unchecked(
                format!("Categories of the GoGoCarto map {map}"),
                "en",
            )
            .into(),
        );
        if let Ok(source) = NamedNode::new(url) {
            add(
                &mut taxonomy.graph,
                &scheme,
                vocab::DCT_SOURCE,
                source.into(),
            );
        }
        for category in categories {
            taxonomy.category(&scheme, category, None, 0);
        }
        Ok(taxonomy)
    }

    /// The options of a category, under `parent` (an option) or at the top of the scheme.
    fn category(
        &mut self,
        scheme: &NamedNode,
        category: &Value,
        parent: Option<&NamedNode>,
        depth: usize,
    ) {
        // Real taxonomies nest a few levels; deeper is a cycle or a mistake.
        if depth > 16 {
            return;
        }
        let Some(options) = category.get("options").and_then(Value::as_array) else {
            return;
        };
        for option in options {
            let Some(id) = option_id(option) else {
                continue;
            };
            let concept = NamedNode::new_unchecked(format!(
                "{}/{}",
                scheme.as_str(),
                crate::writes::slugify(&id)
            ));
            let name = option
                .get("name")
                .and_then(Value::as_str)
                .map(|n| n.trim().to_owned())
                .filter(|n| !n.is_empty())
                .unwrap_or_else(|| id.clone());
            let g = &mut self.graph;
            let mut add = |p: oxigraph::model::NamedNodeRef<'_>, o: oxigraph::model::Term| {
                g.insert(&Triple::new(concept.clone(), p.into_owned(), o));
            };
            add(vocab::RDF_TYPE, vocab::SKOS_CONCEPT.into_owned().into());
            add(vocab::SKOS_IN_SCHEME, scheme.clone().into());
            add(
                vocab::SKOS_PREF_LABEL,
                Literal::new_simple_literal(&name).into(),
            );
            add(
                vocab::SKOS_NOTATION,
                Literal::new_simple_literal(&id).into(),
            );
            if let Some(short) = option.get("nameShort").and_then(Value::as_str) {
                if !short.trim().is_empty() && short.trim() != name {
                    add(
                        vocab::SKOS_ALT_LABEL,
                        Literal::new_simple_literal(short.trim()).into(),
                    );
                }
            }
            match parent {
                Some(parent) => add(vocab::SKOS_BROADER, parent.clone().into()),
                None => {
                    add(vocab::SKOS_TOP_CONCEPT_OF, scheme.clone().into());
                    self.graph.insert(&Triple::new(
                        scheme.clone(),
                        vocab::SKOS_HAS_TOP_CONCEPT.into_owned(),
                        concept.clone(),
                    ));
                }
            }
            self.by_name.insert(fold(&name), id.clone());
            self.by_id.insert(id, (concept.clone(), name));
            for sub in option
                .get("subcategories")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
            {
                self.category(scheme, sub, Some(&concept), depth + 1);
            }
        }
    }

    pub fn graph(&self) -> Graph {
        self.graph.clone()
    }

    pub fn len(&self) -> usize {
        self.by_id.len()
    }

    pub fn is_empty(&self) -> bool {
        self.by_id.is_empty()
    }

    /// Links `record` to the concepts of the element's `optionValues` (`dct:subject`, and the
    /// option's name as a `tl:tag`). Returns the ids that are not in the taxonomy.
    pub fn resolve(&self, record: &mut Record, element: &Value) -> Vec<String> {
        let mut unknown = Vec::new();
        let values: Vec<&Value> = match element.get("optionValues") {
            Some(Value::Array(items)) => items.iter().collect(),
            Some(Value::Null) | None => Vec::new(),
            Some(other) => vec![other],
        };
        for value in values {
            let found = match value {
                // `[10427, "Market"]`: an id, or an option's name.
                Value::String(s) if s.trim().parse::<i64>().is_err() => {
                    match self.by_name.get(&fold(s.trim())) {
                        Some(id) => self.by_id.get(id),
                        None => {
                            record.triples.insert(&Triple::new(
                                record.iri.clone(),
                                vocab::TAG.into_owned(),
                                Literal::new_simple_literal(s.trim()),
                            ));
                            continue;
                        }
                    }
                }
                other => match option_id(other) {
                    Some(id) => match self.by_id.get(&id) {
                        Some(found) => Some(found),
                        None => {
                            unknown.push(id);
                            continue;
                        }
                    },
                    None => continue,
                },
            };
            if let Some((concept, name)) = found {
                for (p, o) in [
                    (
                        vocab::DCT_SUBJECT,
                        oxigraph::model::Term::from(concept.clone()),
                    ),
                    (vocab::TAG, Literal::new_simple_literal(name).into()),
                ] {
                    let triple = Triple::new(record.iri.clone(), p.into_owned(), o);
                    record.triples.insert(&triple);
                    record.fields.insert(triple, "optionValues".into());
                }
            }
        }
        unknown
    }
}

/// An option's id: a number, a numeric text, or an object that carries it (`{"id": …}`,
/// `{"optionId": …}`).
fn option_id(value: &Value) -> Option<String> {
    match value {
        Value::Number(n) => Some(n.to_string()),
        Value::String(s) if !s.trim().is_empty() => Some(s.trim().to_owned()),
        Value::Object(o) => o
            .get("id")
            .or_else(|| o.get("optionId"))
            .and_then(option_id),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::federation::record::RecordBuilder;
    use serde_json::json;

    #[test]
    fn options_become_concepts_and_unknown_ids_are_returned() {
        let base = Base::new("http://lieux.test/");
        let document = json!({
            "name": "Catégories",
            "options": [
                {"id": 1, "name": "Agriculture & Alimentation", "nameShort": "Agricuture",
                 "subcategories": [{"name": "Sous", "options": [{"id": "2", "name": "Marché"}]}]},
                {"id": 3, "name": "Voyages"}
            ]
        });
        let taxonomy = Taxonomy::read(
            &base,
            "carte",
            "http://carte.test/api/taxonomy.json",
            &document,
        )
        .unwrap();
        assert_eq!(taxonomy.len(), 3);
        let mut record = RecordBuilder::new(
            "x",
            NamedNode::new_unchecked("http://lieux.test/places/x"),
            vocab::PLACE,
        )
        .finish();
        let unknown = taxonomy.resolve(
            &mut record,
            &json!({"optionValues": [2, 99, "Voyages", {"id": 1}]}),
        );
        assert_eq!(unknown, ["99"]);
        let subjects: Vec<String> = record
            .triples
            .objects_for_subject_predicate(&record.iri, vocab::DCT_SUBJECT)
            .map(|t| t.to_string())
            .collect();
        assert_eq!(subjects.len(), 3, "{subjects:?}");
        let marche = NamedNode::new_unchecked("http://lieux.test/taxonomies/gogocarto-carte/2");
        let parent = NamedNode::new_unchecked("http://lieux.test/taxonomies/gogocarto-carte/1");
        assert!(taxonomy.graph().contains(&Triple::new(
            marche,
            vocab::SKOS_BROADER.into_owned(),
            parent
        )));
    }
}
