//! RDF in and out: media types and content negotiation, parsing any RDF syntax (JSON-LD only
//! with the bundled contexts), serialization.

mod contexts;

pub use contexts::Contexts;

use crate::nesting::{too_deep, Syntax};
use crate::vocab;
use oxigraph::io::{
    JsonLdProfileSet, RdfFormat, RdfParseError, RdfParser, RdfSerializer, RdfSyntaxError,
};
use oxigraph::model::{BlankNode, GraphName, NamedOrBlankNode, Quad, Term, Triple};
use std::collections::HashMap;
use std::fmt;
use std::path::Path;

pub const JSON_LD: RdfFormat = RdfFormat::JsonLd {
    profile: JsonLdProfileSet::empty(),
};

/// The RDF syntaxes we read and write, with their media type.
pub const RDF_FORMATS: &[RdfFormat] = &[
    JSON_LD,
    RdfFormat::Turtle,
    RdfFormat::NTriples,
    RdfFormat::NQuads,
    RdfFormat::TriG,
    RdfFormat::RdfXml,
    RdfFormat::N3,
];

/// Maps a Content-Type to an RDF syntax with oxrdfio's table, which refuses a charset other
/// than UTF-8. JSON-LD is read by the same (non-streaming) processor whatever profile is named.
pub fn format_from_media_type(media_type: &str) -> Option<RdfFormat> {
    match RdfFormat::from_media_type(media_type)? {
        RdfFormat::JsonLd { .. } => Some(JSON_LD),
        format => Some(format),
    }
}

/// Why a Content-Type cannot be read: its charset (only UTF-8 is read), or its type.
pub fn unreadable_media_type(media_type: &str) -> String {
    let essence = media_type.split(';').next().unwrap_or("").trim();
    if RdfFormat::from_media_type(essence).is_some() {
        format!("{media_type:?} names a charset other than UTF-8: send the body in UTF-8")
    } else {
        format!("{media_type:?} is not an RDF media type")
    }
}

/// Maps a file name to an RDF syntax by its extension.
pub fn format_from_path(path: &Path) -> Option<RdfFormat> {
    let ext = path.extension()?.to_str()?.to_ascii_lowercase();
    match ext.as_str() {
        "json" | "jsonld" => Some(JSON_LD),
        other => RdfFormat::from_extension(other),
    }
}

/// Maps a short name (`turtle`, `nquads`, `jsonld`…) or a media type to an RDF syntax.
pub fn format_from_name(name: &str) -> Option<RdfFormat> {
    match name.to_ascii_lowercase().as_str() {
        "turtle" | "ttl" => Some(RdfFormat::Turtle),
        "ntriples" | "n-triples" | "nt" => Some(RdfFormat::NTriples),
        "nquads" | "n-quads" | "nq" => Some(RdfFormat::NQuads),
        "trig" => Some(RdfFormat::TriG),
        "rdfxml" | "rdf/xml" | "xml" | "rdf" => Some(RdfFormat::RdfXml),
        "jsonld" | "json-ld" | "json" => Some(JSON_LD),
        "n3" => Some(RdfFormat::N3),
        other => format_from_media_type(other),
    }
}

/// One entry of an Accept header.
struct Range<'a> {
    essence: &'a str,
    q: f32,
}

fn parse_accept(accept: &str) -> Vec<Range<'_>> {
    accept
        .split(',')
        .filter_map(|item| {
            let mut parts = item.split(';');
            let essence = parts.next()?.trim();
            if essence.is_empty() {
                return None;
            }
            let q = parts
                .filter_map(|p| p.trim().strip_prefix("q="))
                .find_map(|q| q.trim().parse::<f32>().ok())
                .unwrap_or(1.0);
            Some(Range { essence, q })
        })
        .collect()
}

/// Proactive content negotiation (RFC 9110 §12.5.1): the index of the offered media type the
/// client prefers, the first offer when there is no Accept header, None when nothing is
/// acceptable. Ties go to the server's order of preference. Parameters of a range other than `q`
/// are ignored: JSON-LD clients ask for `application/ld+json;profile="…#compacted"` and SPARQL
/// clients add `charset=utf-8`. This is why `headers-accept` (the `headers` crate's Accept) does
/// not serve here: its ranges with parameters match only offers with the same parameters.
pub fn negotiate(accept: Option<&str>, offered: &[&str]) -> Option<usize> {
    let Some(accept) = accept.filter(|a| !a.trim().is_empty()) else {
        return (!offered.is_empty()).then_some(0);
    };
    let ranges = parse_accept(accept);
    let mut best: Option<(usize, f32, u8)> = None;
    for (index, offer) in offered.iter().enumerate() {
        let (otype, osub) = offer.split_once('/').unwrap_or((offer, ""));
        // The most specific matching range decides the quality of this offer.
        let mut matched: Option<(u8, f32)> = None;
        for range in &ranges {
            let (rtype, rsub) = range.essence.split_once('/').unwrap_or((range.essence, ""));
            let specificity =
                if rtype.eq_ignore_ascii_case(otype) && rsub.eq_ignore_ascii_case(osub) {
                    3
                } else if rtype.eq_ignore_ascii_case(otype) && rsub == "*" {
                    2
                } else if rtype == "*" && rsub == "*" {
                    1
                } else {
                    continue;
                };
            if matched.is_none_or(|(s, _)| specificity > s) {
                matched = Some((specificity, range.q));
            }
        }
        if let Some((specificity, q)) = matched {
            if q > 0.0 && best.is_none_or(|(_, bq, bs)| q > bq || (q == bq && specificity > bs)) {
                best = Some((index, q, specificity));
            }
        }
    }
    best.map(|(index, _, _)| index)
}

/// A syntax error with its position (1-based line and column) when the parser gives one.
#[derive(Debug, Clone)]
pub struct SyntaxError {
    pub message: String,
    pub line: Option<u64>,
    pub column: Option<u64>,
}

impl fmt::Display for SyntaxError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (self.line, self.column) {
            (Some(line), Some(column)) => {
                write!(f, "line {line}, column {column}: {}", self.message)
            }
            _ => f.write_str(&self.message),
        }
    }
}

impl From<RdfSyntaxError> for SyntaxError {
    fn from(e: RdfSyntaxError) -> Self {
        let location = e.location();
        Self {
            message: e.to_string(),
            line: location.as_ref().map(|l| l.start.line + 1),
            column: location.as_ref().map(|l| l.start.column + 1),
        }
    }
}

impl From<RdfParseError> for SyntaxError {
    fn from(error: RdfParseError) -> Self {
        match error {
            RdfParseError::Syntax(e) => e.into(),
            RdfParseError::Io(e) => Self {
                message: e.to_string(),
                line: None,
                column: None,
            },
        }
    }
}

impl From<crate::nesting::TooDeep> for SyntaxError {
    fn from(deep: crate::nesting::TooDeep) -> Self {
        Self {
            message: format!(
                "nested more than {} levels deep: refused before parsing",
                deep.max
            ),
            line: Some(deep.line),
            column: Some(deep.column),
        }
    }
}

/// Parses a whole document in memory, so that a syntax error anywhere leaves nothing behind.
/// Triples land in `graph`; the quads of a dataset syntax keep their own graph unless
/// `force_graph` is set.
pub fn parse(
    data: &[u8],
    format: RdfFormat,
    base_iri: &str,
    graph: &GraphName,
    force_graph: bool,
    contexts: &Contexts,
) -> Result<Vec<Quad>, SyntaxError> {
    let mut parser = RdfParser::from_format(format)
        .with_default_graph(graph.clone())
        .with_base_iri(base_iri)
        .map_err(|e| SyntaxError {
            message: format!("invalid base IRI {base_iri}: {e}"),
            line: None,
            column: None,
        })?;
    if force_graph {
        parser = parser.without_named_graphs();
    }
    let syntax = match format {
        RdfFormat::JsonLd { .. } => Some(Syntax::Json),
        RdfFormat::Turtle | RdfFormat::TriG | RdfFormat::N3 => Some(Syntax::Terse),
        _ => None,
    };
    if let Some(deep) = syntax.and_then(|syntax| too_deep(data, syntax)) {
        return Err(deep.into());
    }
    if matches!(format, RdfFormat::NTriples | RdfFormat::NQuads) && data.len() >= PARALLEL_BYTES {
        if let Some(quads) = parse_lines_in_parallel(data, parser.clone()) {
            return Ok(quads);
        }
    }
    parser = parser.rename_blank_nodes();
    // About one quad per 100 bytes of N-Triples, fewer in the terser syntaxes: growing a vector
    // of a few hundred thousand quads step by step copies it several times.
    let mut quads = Vec::with_capacity(data.len() / 100);
    for quad in parser
        .for_slice(data)
        .with_document_loader(contexts.loader(data))
    {
        quads.push(quad.map_err(SyntaxError::from)?);
    }
    Ok(quads)
}

/// Line-based documents from this size on are parsed on every core.
const PARALLEL_BYTES: usize = 4 << 20;

/// Fewer bytes than the N-Triples lines of our data take (100 to 200): room reserved for a
/// document's size divided by this holds its quads (documents of shorter lines grow their
/// vector as before), without reserving more than a few times what they use.
const SHORTEST_LINE: usize = 64;

/// Parses an N-Triples or N-Quads document in parts, one per core (Oxigraph splits it at line
/// ends), then renames its blank nodes in one pass: each part's parser would rename them on its
/// own, giving one label two nodes. `None` on a syntax error, which the caller finds again by
/// parsing the whole document in one piece, so that its line is the document's.
fn parse_lines_in_parallel(data: &[u8], parser: RdfParser) -> Option<Vec<Quad>> {
    let cores = std::thread::available_parallelism().map_or(1, usize::from);
    let parts = parser.split_slice_for_parallel_parsing(data, cores);
    // Room for more quads than the lines can hold is reserved, not written: the pages of a
    // vector's spare capacity cost nothing until used, while a vector grown step by step (and
    // the parts then copied into a new one) writes each quad into fresh pages several times,
    // and the kernel's zeroing of those pages was a third of a large load's time. The first
    // part's vector has room for the whole document, so the others are appended in place.
    let whole = data.len() / SHORTEST_LINE + 1;
    let part_room = whole / parts.len().max(1) + 1;
    let parsed: Vec<Option<Vec<Quad>>> = std::thread::scope(|scope| {
        let workers: Vec<_> = parts
            .into_iter()
            .enumerate()
            .map(|(i, part)| {
                scope.spawn(move || {
                    let mut quads = Vec::with_capacity(if i == 0 { whole } else { part_room });
                    for quad in part {
                        quads.push(quad.ok()?);
                    }
                    Some(quads)
                })
            })
            .collect();
        workers
            .into_iter()
            .map(|worker| worker.join().ok().flatten())
            .collect()
    });
    let mut parsed = parsed.into_iter();
    let mut quads = parsed.next()??;
    for part in parsed {
        quads.extend(part?);
    }
    let mut fresh: HashMap<BlankNode, BlankNode> = HashMap::new();
    let mut rename = |node: &mut BlankNode| {
        *node = fresh.entry(node.clone()).or_default().clone();
    };
    for quad in &mut quads {
        if let NamedOrBlankNode::BlankNode(node) = &mut quad.subject {
            rename(node);
        }
        if let Term::BlankNode(node) = &mut quad.object {
            rename(node);
        }
        if let GraphName::BlankNode(node) = &mut quad.graph_name {
            rename(node);
        }
    }
    Some(quads)
}

/// Serializes quads; for a triple syntax, the graph names are dropped.
pub fn serialize_quads<'a>(
    quads: impl IntoIterator<Item = &'a Quad>,
    format: RdfFormat,
) -> std::io::Result<Vec<u8>> {
    let mut serializer = serializer(format).for_writer(Vec::new());
    for quad in quads {
        if format.supports_datasets() {
            serializer.serialize_quad(quad)?;
        } else {
            serializer.serialize_triple(quad.as_ref())?;
        }
    }
    serializer.finish()
}

pub fn serialize_triples<'a>(
    triples: impl IntoIterator<Item = &'a Triple>,
    format: RdfFormat,
) -> std::io::Result<Vec<u8>> {
    let mut serializer = serializer(format).for_writer(Vec::new());
    for triple in triples {
        serializer.serialize_triple(triple)?;
    }
    serializer.finish()
}

pub fn serializer(format: RdfFormat) -> RdfSerializer {
    let mut serializer = RdfSerializer::from_format(format);
    for (prefix, iri) in vocab::PREFIXES {
        serializer = serializer
            .with_prefix(*prefix, *iri)
            .expect("the vocabulary prefixes are valid IRIs");
    }
    serializer
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn negotiation_follows_quality_and_specificity() {
        let offered = ["application/ld+json", "text/turtle", "text/html"];
        assert_eq!(negotiate(None, &offered), Some(0));
        assert_eq!(negotiate(Some("text/turtle"), &offered), Some(1));
        assert_eq!(
            negotiate(Some("text/html,application/xhtml+xml,*/*;q=0.8"), &offered),
            Some(2)
        );
        assert_eq!(
            negotiate(Some("text/*;q=0.5, application/ld+json;q=0.4"), &offered),
            Some(1)
        );
        assert_eq!(negotiate(Some("image/png"), &offered), None);
        assert_eq!(negotiate(Some("text/turtle;q=0, */*"), &offered), Some(0));
        assert_eq!(
            negotiate(
                Some("application/ld+json;profile=\"http://www.w3.org/ns/json-ld#compacted\""),
                &offered
            ),
            offered.iter().position(|o| *o == "application/ld+json")
        );
    }

    #[test]
    fn unknown_remote_context_is_refused_without_fetching() {
        let contexts = Contexts::new(
            br#"{"@context":{"name":"https://w3id.org/tiers-lieux/ns#name"}}"#.to_vec(),
            &vocab::Base::new("http://localhost:8080/"),
        );
        let graph = GraphName::DefaultGraph;
        let ok = parse(
            br#"{"@context":"https://w3id.org/tiers-lieux/context.jsonld","@id":"http://ex.org/a","name":"A"}"#,
            JSON_LD, "http://localhost:8080/", &graph, false, &contexts,
        )
        .unwrap();
        assert_eq!(ok.len(), 1);
        let err = parse(
            br#"{"@context":"http://127.0.0.1:9/evil.jsonld","@id":"http://ex.org/a","name":"A"}"#,
            JSON_LD,
            "http://localhost:8080/",
            &graph,
            false,
            &contexts,
        )
        .unwrap_err();
        assert!(err.message.contains("not allowed"), "{err}");
    }

    #[test]
    fn syntax_errors_carry_line_and_column() {
        let err = parse(
            b"@prefix ex: <http://ex.org/> .\nex:a ex:b \"unterminated .\n",
            RdfFormat::Turtle,
            "http://localhost:8080/",
            &GraphName::DefaultGraph,
            false,
            &Contexts::default(),
        )
        .unwrap_err();
        assert_eq!(err.line, Some(2), "{err}");
        assert!(err.column.is_some());
    }

    /// A document large enough to be parsed in parts: one blank node named in the first and in
    /// the last line stays one node; a syntax error keeps the document's line.
    #[test]
    fn large_line_documents_parse_in_parts_with_one_node_per_label() {
        let mut doc = String::from("_:shared <http://x/p> \"first\" .\n");
        let lines = PARALLEL_BYTES / 30;
        for i in 0..lines {
            doc.push_str(&format!("<http://x/s{i}> <http://x/p> _:b{} .\n", i % 3));
        }
        doc.push_str("<http://x/last> <http://x/p> _:shared .\n");
        assert!(
            doc.len() >= PARALLEL_BYTES,
            "large enough to be parsed in parts"
        );
        let parse_it = |doc: &str| {
            parse(
                doc.as_bytes(),
                RdfFormat::NTriples,
                "http://x/",
                &GraphName::DefaultGraph,
                false,
                &Contexts::default(),
            )
        };
        let quads = parse_it(&doc).unwrap();
        assert_eq!(quads.len(), lines + 2);
        let NamedOrBlankNode::BlankNode(first) = &quads[0].subject else {
            panic!("a blank subject")
        };
        let Term::BlankNode(last) = &quads[lines + 1].object else {
            panic!("a blank object")
        };
        assert_eq!(first, last, "one label, one node, across parts");
        assert_ne!(first.as_str(), "shared", "renamed, as every parse renames");
        let objects: std::collections::HashSet<_> =
            quads[1..=lines].iter().map(|q| q.object.clone()).collect();
        assert_eq!(objects.len(), 3, "_:b0, _:b1 and _:b2, each one node");
        let broken = format!("{doc}<http://x/bad> <http://x/p> .\n");
        let error = parse_it(&broken).unwrap_err();
        assert_eq!(error.line, Some(lines as u64 + 3), "{error:?}");
        // In the first part too: nothing of the document is kept.
        let broken = format!("<http://x/bad> <http://x/p> .\n{doc}");
        let error = parse_it(&broken).unwrap_err();
        assert_eq!(error.line, Some(1), "{error:?}");
    }
}
