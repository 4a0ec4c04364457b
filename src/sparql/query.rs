//! A query as the protocol gives it: parsed, with its dataset, and the result formats that can
//! answer it (from `format=` or Accept).

use super::QueryError;
use crate::rdf;
use oxigraph::io::RdfFormat;
use oxigraph::model::NamedNode;
use oxigraph::sparql::results::QueryResultsFormat;
use spargebra::SparqlParser;

/// What a query produces decides which formats can answer it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum QueryForm {
    Select,
    Ask,
    Construct,
    Describe,
}

/// A result format: tabular (SELECT/ASK) or RDF (CONSTRUCT/DESCRIBE).
#[derive(Clone, Copy, Debug)]
pub enum ResultFormat {
    Results(QueryResultsFormat),
    Graph(RdfFormat),
}

impl ResultFormat {
    pub fn media_type(self) -> &'static str {
        match self {
            // Browsers that ask for `format=csv` should see text, with a charset.
            Self::Results(QueryResultsFormat::Csv) => "text/csv; charset=utf-8",
            Self::Results(QueryResultsFormat::Tsv) => "text/tab-separated-values; charset=utf-8",
            Self::Results(f) => f.media_type(),
            Self::Graph(f) => f.media_type(),
        }
    }
}

impl ResultFormat {
    /// The format as a worker process reads it (`from_tag` gives it back).
    pub(super) fn tag(self) -> String {
        match self {
            Self::Results(f) => format!("r:{}", f.media_type()),
            Self::Graph(f) => format!("g:{}", f.media_type()),
        }
    }

    pub(super) fn from_tag(tag: &str) -> Option<Self> {
        match tag.split_at_checked(2)? {
            ("r:", media) => QueryResultsFormat::from_media_type(media).map(Self::Results),
            ("g:", media) => RdfFormat::from_media_type(media).map(Self::Graph),
            _ => None,
        }
    }
}

const RESULT_FORMATS: &[(&str, QueryResultsFormat)] = &[
    ("application/sparql-results+json", QueryResultsFormat::Json),
    ("application/sparql-results+xml", QueryResultsFormat::Xml),
    ("text/csv", QueryResultsFormat::Csv),
    ("text/tab-separated-values", QueryResultsFormat::Tsv),
    ("application/json", QueryResultsFormat::Json),
    ("application/xml", QueryResultsFormat::Xml),
];

const GRAPH_FORMATS: &[(&str, RdfFormat)] = &[
    ("text/turtle", RdfFormat::Turtle),
    ("application/n-triples", RdfFormat::NTriples),
    ("application/n-quads", RdfFormat::NQuads),
    ("application/rdf+xml", RdfFormat::RdfXml),
    ("application/ld+json", rdf::JSON_LD),
    ("application/trig", RdfFormat::TriG),
    ("text/plain", RdfFormat::NTriples),
];

impl QueryForm {
    /// Picks the result format from the `format` parameter (a short name or a media type), or
    /// else from Accept.
    pub fn result_format(
        self,
        accept: Option<&str>,
        format: Option<&str>,
    ) -> Result<ResultFormat, QueryError> {
        let tabular = matches!(self, Self::Select | Self::Ask);
        if let Some(name) = format {
            let found = if tabular {
                match name.to_ascii_lowercase().as_str() {
                    "json" | "srj" => Some(QueryResultsFormat::Json),
                    "xml" | "srx" => Some(QueryResultsFormat::Xml),
                    "csv" => Some(QueryResultsFormat::Csv),
                    "tsv" => Some(QueryResultsFormat::Tsv),
                    other => QueryResultsFormat::from_media_type(other),
                }
                .map(ResultFormat::Results)
            } else {
                rdf::format_from_name(name).map(ResultFormat::Graph)
            };
            return found.ok_or_else(|| QueryError::UnknownFormat {
                given: name.to_owned(),
                form: self,
            });
        }
        if tabular {
            let offered: Vec<&str> = RESULT_FORMATS.iter().map(|(m, _)| *m).collect();
            rdf::negotiate(accept, &offered)
                .map(|i| ResultFormat::Results(RESULT_FORMATS[i].1))
                .ok_or(QueryError::NotAcceptable(offered))
        } else {
            let offered: Vec<&str> = GRAPH_FORMATS.iter().map(|(m, _)| *m).collect();
            rdf::negotiate(accept, &offered)
                .map(|i| ResultFormat::Graph(GRAPH_FORMATS[i].1))
                .ok_or(QueryError::NotAcceptable(offered))
        }
    }
}

/// A parsed query with its protocol dataset.
#[derive(Clone)]
pub struct ParsedQuery {
    pub(super) query: spargebra::Query,
    /// The query as sent: the parsed form names the variables it adds (aggregates) afresh
    /// at each parse, so it cannot identify a query.
    pub(super) text: String,
    pub form: QueryForm,
    pub(super) default_graphs: Vec<NamedNode>,
    pub(super) named_graphs: Vec<NamedNode>,
}

impl ParsedQuery {
    /// A `DESCRIBE` of named resources, with no pattern to match (`DESCRIBE <a> <b>`): its work
    /// is bounded by what the store says of them, so it cannot run away.
    pub(super) fn describes_named_resources(&self) -> bool {
        use spargebra::algebra::{Expression, GraphPattern};
        fn no_matching(pattern: &GraphPattern) -> bool {
            match pattern {
                GraphPattern::Bgp { patterns } => patterns.is_empty(),
                GraphPattern::Values { .. } => true,
                GraphPattern::Extend {
                    inner, expression, ..
                } => {
                    matches!(
                        expression,
                        Expression::NamedNode(_) | Expression::Literal(_)
                    ) && no_matching(inner)
                }
                GraphPattern::Project { inner, .. }
                | GraphPattern::Distinct { inner }
                | GraphPattern::Reduced { inner }
                | GraphPattern::Slice { inner, .. } => no_matching(inner),
                _ => false,
            }
        }
        matches!(&self.query, spargebra::Query::Describe { pattern, .. } if no_matching(pattern))
    }
}

/// Parses a query; `default-graph-uri` and `named-graph-uri` of the protocol override the
/// query's FROM / FROM NAMED.
pub fn parse_query(
    query: &str,
    base_iri: &str,
    default_graph_uris: &[String],
    named_graph_uris: &[String],
) -> Result<ParsedQuery, QueryError> {
    refuse_deep(query)?;
    let text = query.to_owned();
    let query = SparqlParser::new()
        .with_base_iri(base_iri)
        .map_err(|e| QueryError::Internal(e.into()))?
        .parse_query(query)
        .map_err(|e| QueryError::Syntax(e.to_string()))?;
    let form = match &query {
        spargebra::Query::Select { .. } => QueryForm::Select,
        spargebra::Query::Ask { .. } => QueryForm::Ask,
        spargebra::Query::Construct { .. } => QueryForm::Construct,
        spargebra::Query::Describe { .. } => QueryForm::Describe,
    };
    let iris = |uris: &[String], what: &'static str| -> Result<Vec<NamedNode>, QueryError> {
        uris.iter()
            .map(|u| {
                NamedNode::new(u).map_err(|e| QueryError::InvalidGraph {
                    parameter: what,
                    given: u.clone(),
                    reason: e.to_string(),
                })
            })
            .collect()
    };
    Ok(ParsedQuery {
        query,
        text,
        form,
        default_graphs: iris(default_graph_uris, "default-graph-uri")?,
        named_graphs: iris(named_graph_uris, "named-graph-uri")?,
    })
}

/// Queries and updates nested deeper than [`crate::nesting::MAX_TERSE_DEPTH`] are refused
/// before the parser, which recurses once per level, can overflow its thread's stack.
pub(super) fn refuse_deep(text: &str) -> Result<(), QueryError> {
    match crate::nesting::too_deep(text.as_bytes(), crate::nesting::Syntax::Terse) {
        Some(deep) => Err(QueryError::Syntax(format!(
            "nested more than {} levels deep at line {}, column {}: refused before parsing",
            deep.max, deep.line, deep.column
        ))),
        None => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::parse_query;

    #[test]
    fn only_describes_of_named_resources_are_bounded() {
        let bounded = |q: &str| {
            parse_query(q, "http://x/", &[], &[])
                .unwrap()
                .describes_named_resources()
        };
        assert!(bounded("DESCRIBE <http://x/a>"));
        assert!(bounded("DESCRIBE <http://x/a> <http://x/b>"));
        assert!(!bounded("DESCRIBE ?s WHERE { ?s ?p ?o }"));
        assert!(!bounded(
            "DESCRIBE <http://x/a> WHERE { ?a ?b ?c . ?d ?e ?f }"
        ));
        assert!(!bounded("SELECT * WHERE { }"));
    }
}
