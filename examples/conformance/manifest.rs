//! The W3C test manifests of the SPARQL 1.1 Protocol and Graph Store Protocol suites: tests made
//! of HTTP requests (`ht:Connection`), read with Oxigraph and walked in order.

use oxigraph::io::{RdfFormat, RdfParser};
use oxigraph::model::vocab::{rdf as rdf_ns, rdfs};
use oxigraph::model::{Graph, LiteralRef, NamedNodeRef, NamedOrBlankNodeRef, TermRef, TripleRef};
use std::path::{Path, PathBuf};

const HTS: &str = "http://www.w3.org/2011/http-statusCodes#";

const MF_MANIFEST: NamedNodeRef<'static> =
    iri("http://www.w3.org/2001/sw/DataAccess/tests/test-manifest#Manifest");
const MF_ENTRIES: NamedNodeRef<'static> =
    iri("http://www.w3.org/2001/sw/DataAccess/tests/test-manifest#entries");
const MF_INCLUDE: NamedNodeRef<'static> =
    iri("http://www.w3.org/2001/sw/DataAccess/tests/test-manifest#include");
const MF_NAME: NamedNodeRef<'static> =
    iri("http://www.w3.org/2001/sw/DataAccess/tests/test-manifest#name");
const MF_ACTION: NamedNodeRef<'static> =
    iri("http://www.w3.org/2001/sw/DataAccess/tests/test-manifest#action");
const MF_EXPECTED_STATUS: NamedNodeRef<'static> =
    iri("http://www.w3.org/2001/sw/DataAccess/tests/test-manifest#expectedStatus");
const MF_EXPECTED_FORMAT: NamedNodeRef<'static> =
    iri("http://www.w3.org/2001/sw/DataAccess/tests/test-manifest#expectedFormat");
const MF_EXPECTED_BOOLEAN: NamedNodeRef<'static> =
    iri("http://www.w3.org/2001/sw/DataAccess/tests/test-manifest#expectedBoolean");
const MF_EXPECTED_LOCATION: NamedNodeRef<'static> =
    iri("http://www.w3.org/2001/sw/DataAccess/tests/test-manifest#expectedLocation");
const QT_DATA: NamedNodeRef<'static> =
    iri("http://www.w3.org/2001/sw/DataAccess/tests/test-query#data");
const QT_GRAPH_DATA: NamedNodeRef<'static> =
    iri("http://www.w3.org/2001/sw/DataAccess/tests/test-query#graphData");
const UT_DATA: NamedNodeRef<'static> = iri("http://www.w3.org/2009/sparql/tests/test-update#data");
const UT_GRAPH_DATA: NamedNodeRef<'static> =
    iri("http://www.w3.org/2009/sparql/tests/test-update#graphData");
const UT_GRAPH: NamedNodeRef<'static> =
    iri("http://www.w3.org/2009/sparql/tests/test-update#graph");
const HT_REQUESTS: NamedNodeRef<'static> = iri("http://www.w3.org/2011/http#requests");
const HT_METHOD_NAME: NamedNodeRef<'static> = iri("http://www.w3.org/2011/http#methodName");
const HT_ABSOLUTE_PATH: NamedNodeRef<'static> = iri("http://www.w3.org/2011/http#absolutePath");
const HT_HEADERS: NamedNodeRef<'static> = iri("http://www.w3.org/2011/http#headers");
const HT_FIELD_NAME: NamedNodeRef<'static> = iri("http://www.w3.org/2011/http#fieldName");
const HT_FIELD_VALUE: NamedNodeRef<'static> = iri("http://www.w3.org/2011/http#fieldValue");
const HT_BODY: NamedNodeRef<'static> = iri("http://www.w3.org/2011/http#body");
const HT_RESP: NamedNodeRef<'static> = iri("http://www.w3.org/2011/http#resp");
const CNT_CHARS: NamedNodeRef<'static> = iri("http://www.w3.org/2011/content#chars");
const CNT_BYTES: NamedNodeRef<'static> = iri("http://www.w3.org/2011/content#bytes");
const CNT_CHARACTER_ENCODING: NamedNodeRef<'static> =
    iri("http://www.w3.org/2011/content#characterEncoding");

const fn iri(value: &'static str) -> NamedNodeRef<'static> {
    NamedNodeRef::new_unchecked(value)
}

/// One test of a manifest.
pub struct HttpTest {
    /// The local name of the test IRI (`query_post_form`…).
    pub id: String,
    pub name: String,
    /// (file, graph IRI); `None` for the default graph.
    pub data: Vec<(PathBuf, Option<String>)>,
    pub requests: Vec<Request>,
}

pub struct Request {
    pub method: String,
    pub absolute_path: String,
    pub headers: Vec<(String, String)>,
    pub body: Option<Vec<u8>>,
    pub expected_status: Vec<Expected>,
    pub expected_format: Option<String>,
    pub expected_boolean: Option<bool>,
    /// A template variable (`$LOCATION$`) that later requests of the test replace with this
    /// response's `Location`.
    pub expected_location: Option<String>,
    /// Headers and body the response must carry (its body: a graph isomorphic to this one).
    pub response_headers: Vec<(String, String)>,
    pub response_body: Option<Vec<u8>>,
}

/// An expected status: a whole class (`hts:StatusCode2xx`) or one code (`hts:Created`).
#[derive(Clone, Copy, PartialEq)]
pub enum Expected {
    Class(u16),
    Code(u16),
}

impl Expected {
    pub fn accepts(self, status: u16) -> bool {
        match self {
            Self::Class(class) => status / 100 == class,
            Self::Code(code) => status == code,
        }
    }
}

impl std::fmt::Display for Expected {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Class(class) => write!(f, "{class}xx"),
            Self::Code(code) => write!(f, "{code}"),
        }
    }
}

fn status_named(name: &str) -> Option<Expected> {
    if let Some(class) = name
        .strip_prefix("StatusCode")
        .and_then(|c| c.strip_suffix("xx"))
    {
        return class.parse().ok().map(Expected::Class);
    }
    let code = match name {
        "OK" => 200,
        "Created" => 201,
        "Accepted" => 202,
        "NoContent" => 204,
        "BadRequest" => 400,
        "NotFound" => 404,
        "MethodNotAllowed" => 405,
        "UnsupportedMediaType" => 415,
        _ => return None,
    };
    Some(Expected::Code(code))
}

/// The manifest graph (with the manifests it includes) and the questions the runner asks it.
pub struct Manifest {
    graph: Graph,
}

impl Manifest {
    /// Reads the manifest at `path` and those it includes (`mf:include`).
    pub fn load(path: &Path) -> Result<Self, String> {
        let mut manifest = Self {
            graph: Graph::new(),
        };
        manifest.read(path)?;
        let includes: Vec<PathBuf> = manifest
            .graph
            .triples_for_predicate(MF_INCLUDE)
            .map(|t| t.object.into_owned())
            .collect::<Vec<_>>()
            .iter()
            .flat_map(|head| manifest.list(head.as_ref()))
            .map(file_path)
            .collect::<Result<_, _>>()?;
        for include in includes {
            manifest.read(&include)?;
        }
        Ok(manifest)
    }

    fn read(&mut self, path: &Path) -> Result<(), String> {
        let data = std::fs::read(path)
            .map_err(|e| format!("cannot read the manifest {}: {e}", path.display()))?;
        let base = url::Url::from_file_path(path)
            .map_err(|()| format!("{} is not an absolute path", path.display()))?;
        let parser = RdfParser::from_format(RdfFormat::Turtle)
            .with_base_iri(base.as_str())
            .map_err(|e| e.to_string())?;
        for quad in parser.for_slice(&data) {
            let quad = quad.map_err(|e| format!("{}: {e}", path.display()))?;
            self.graph.insert(TripleRef::from(quad.as_ref()));
        }
        Ok(())
    }

    fn object<'a>(
        &'a self,
        subject: NamedOrBlankNodeRef<'_>,
        predicate: NamedNodeRef<'_>,
    ) -> Option<TermRef<'a>> {
        self.graph.object_for_subject_predicate(subject, predicate)
    }

    fn objects<'a>(
        &'a self,
        subject: NamedOrBlankNodeRef<'a>,
        predicate: NamedNodeRef<'a>,
    ) -> impl Iterator<Item = TermRef<'a>> + 'a {
        self.graph.objects_for_subject_predicate(subject, predicate)
    }

    fn node<'a>(
        &'a self,
        subject: NamedOrBlankNodeRef<'_>,
        predicate: NamedNodeRef<'_>,
    ) -> Option<NamedOrBlankNodeRef<'a>> {
        self.object(subject, predicate).and_then(as_node)
    }

    fn literal<'a>(
        &'a self,
        subject: NamedOrBlankNodeRef<'_>,
        predicate: NamedNodeRef<'_>,
    ) -> Option<LiteralRef<'a>> {
        match self.object(subject, predicate)? {
            TermRef::Literal(literal) => Some(literal),
            _ => None,
        }
    }

    fn string(
        &self,
        subject: NamedOrBlankNodeRef<'_>,
        predicate: NamedNodeRef<'_>,
    ) -> Option<String> {
        self.literal(subject, predicate)
            .map(|l| l.value().to_owned())
    }

    /// The members of the rdf:List that starts at `head`, in order (a malformed list ends early).
    fn list<'a>(&'a self, head: TermRef<'a>) -> Vec<TermRef<'a>> {
        let mut items = Vec::new();
        let mut current = head;
        while current != TermRef::NamedNode(rdf_ns::NIL) {
            let Some(node) = as_node(current) else { break };
            let (Some(first), Some(rest)) = (
                self.object(node, rdf_ns::FIRST),
                self.object(node, rdf_ns::REST),
            ) else {
                break;
            };
            items.push(first);
            current = rest;
        }
        items
    }

    /// Every test of every manifest read, in the order of their `mf:entries`.
    pub fn tests(&self) -> Result<Vec<HttpTest>, String> {
        let mut tests = Vec::new();
        for manifest in self
            .graph
            .subjects_for_predicate_object(rdf_ns::TYPE, MF_MANIFEST)
        {
            if let Some(entries) = self.object(manifest, MF_ENTRIES) {
                for entry in self.list(entries) {
                    let entry = as_node(entry).ok_or("a test is an IRI or a blank node")?;
                    tests.push(self.test(entry)?);
                }
            }
        }
        Ok(tests)
    }

    fn test(&self, test: NamedOrBlankNodeRef<'_>) -> Result<HttpTest, String> {
        let id = match test {
            NamedOrBlankNodeRef::NamedNode(n) => n
                .as_str()
                .rsplit(['#', '/'])
                .next()
                .unwrap_or(n.as_str())
                .to_owned(),
            NamedOrBlankNodeRef::BlankNode(b) => b.to_string(),
        };
        let action = self
            .node(test, MF_ACTION)
            .ok_or_else(|| format!("{id}: no mf:action"))?;
        // Data may hang on the test (as in the protocol manifest) or on its action (as in the
        // query and update suites).
        let mut data = Vec::new();
        for holder in [test, action] {
            for predicate in [QT_DATA, UT_DATA] {
                for file in self.objects(holder, predicate) {
                    data.push((file_path(file)?, None));
                }
            }
            for file in self.objects(holder, QT_GRAPH_DATA) {
                data.push((file_path(file)?, Some(file_iri(file)?.to_owned())));
            }
            for graph_data in self.objects(holder, UT_GRAPH_DATA) {
                let graph_data = as_node(graph_data).ok_or("ut:graphData is a node")?;
                let file = self
                    .object(graph_data, UT_GRAPH)
                    .ok_or("ut:graphData has no ut:graph")?;
                let graph = match self.string(graph_data, rdfs::LABEL) {
                    Some(label) => label,
                    None => file_iri(file)?.to_owned(),
                };
                data.push((file_path(file)?, Some(graph)));
            }
        }
        let requests = self
            .object(action, HT_REQUESTS)
            .map(|head| self.list(head))
            .unwrap_or_default()
            .into_iter()
            .map(|request| self.request(as_node(request).ok_or("a request is a node")?))
            .collect::<Result<_, String>>()
            .map_err(|e| format!("{id}: {e}"))?;
        Ok(HttpTest {
            name: self.string(test, MF_NAME).unwrap_or_else(|| id.clone()),
            id,
            data,
            requests,
        })
    }

    fn headers(&self, holder: NamedOrBlankNodeRef<'_>) -> Result<Vec<(String, String)>, String> {
        self.object(holder, HT_HEADERS)
            .map(|head| self.list(head))
            .unwrap_or_default()
            .into_iter()
            .map(|header| {
                let header = as_node(header).ok_or("a header is a node")?;
                Ok((
                    self.string(header, HT_FIELD_NAME)
                        .ok_or("a header has no ht:fieldName")?,
                    self.string(header, HT_FIELD_VALUE).unwrap_or_default(),
                ))
            })
            .collect()
    }

    fn request(&self, request: NamedOrBlankNodeRef<'_>) -> Result<Request, String> {
        let body = match self.node(request, HT_BODY) {
            Some(body) => Some(self.body(body)?),
            None => None,
        };
        let response = self
            .node(request, HT_RESP)
            .ok_or("a request has no ht:resp")?;
        let expected_status = self
            .objects(response, MF_EXPECTED_STATUS)
            .filter_map(|status| match status {
                TermRef::NamedNode(n) => status_named(n.as_str().strip_prefix(HTS)?),
                _ => None,
            })
            .collect();
        let response_body = match self.node(response, HT_BODY) {
            Some(body) => Some(self.body(body)?),
            None => None,
        };
        Ok(Request {
            method: self
                .string(request, HT_METHOD_NAME)
                .ok_or("a request has no ht:methodName")?,
            absolute_path: self
                .string(request, HT_ABSOLUTE_PATH)
                .ok_or("a request has no ht:absolutePath")?,
            headers: self.headers(request)?,
            body,
            expected_status,
            expected_format: self.string(response, MF_EXPECTED_FORMAT),
            expected_boolean: self
                .literal(response, MF_EXPECTED_BOOLEAN)
                .map(|l| matches!(l.value(), "true" | "1")),
            expected_location: self.string(response, MF_EXPECTED_LOCATION),
            response_headers: self.headers(response)?,
            response_body,
        })
    }

    /// The bytes a `cnt:Content` stands for: text in its `cnt:characterEncoding`, or base64.
    fn body(&self, body: NamedOrBlankNodeRef<'_>) -> Result<Vec<u8>, String> {
        if let Some(chars) = self.string(body, CNT_CHARS) {
            let encoding = self
                .string(body, CNT_CHARACTER_ENCODING)
                .unwrap_or_else(|| "UTF-8".into());
            return encode(&chars, &encoding);
        }
        if let Some(bytes) = self.string(body, CNT_BYTES) {
            return decode_base64(&bytes);
        }
        Err("unsupported ht:body content: neither cnt:chars nor cnt:bytes".into())
    }
}

fn as_node(term: TermRef<'_>) -> Option<NamedOrBlankNodeRef<'_>> {
    match term {
        TermRef::NamedNode(n) => Some(n.into()),
        TermRef::BlankNode(b) => Some(b.into()),
        _ => None,
    }
}

fn file_iri(term: TermRef<'_>) -> Result<&str, String> {
    match term {
        TermRef::NamedNode(n) => Ok(n.as_str()),
        other => Err(format!("a data file is named by an IRI, not {other}")),
    }
}

fn file_path(term: TermRef<'_>) -> Result<PathBuf, String> {
    let iri = file_iri(term)?;
    url::Url::parse(iri)
        .ok()
        .and_then(|url| url.to_file_path().ok())
        .ok_or_else(|| format!("data file <{iri}> is not a local file"))
}

/// Text as the bytes of a character encoding; "UTF-16" is big-endian with a byte order mark,
/// as RFC 2781 has it.
fn encode(text: &str, encoding: &str) -> Result<Vec<u8>, String> {
    let utf16 = |big_endian: bool| -> Vec<u8> {
        text.encode_utf16()
            .flat_map(|unit| {
                if big_endian {
                    unit.to_be_bytes()
                } else {
                    unit.to_le_bytes()
                }
            })
            .collect()
    };
    Ok(match encoding.to_ascii_uppercase().as_str() {
        "UTF-8" | "UTF8" => text.as_bytes().to_vec(),
        "UTF-16" => [[0xFE, 0xFF].to_vec(), utf16(true)].concat(),
        "UTF-16BE" => utf16(true),
        "UTF-16LE" => utf16(false),
        "ISO-8859-1" | "LATIN1" | "US-ASCII" | "ASCII" => text
            .chars()
            .map(|c| u8::try_from(u32::from(c)).map_err(|_| format!("{c:?} is not {encoding}")))
            .collect::<Result<_, _>>()?,
        other => return Err(format!("unsupported cnt:characterEncoding {other}")),
    })
}

fn decode_base64(text: &str) -> Result<Vec<u8>, String> {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut bytes = Vec::new();
    let (mut buffer, mut bits) = (0u32, 0u32);
    for c in text
        .bytes()
        .filter(|c| !c.is_ascii_whitespace() && *c != b'=')
    {
        let value = ALPHABET
            .iter()
            .position(|a| *a == c)
            .ok_or_else(|| format!("{:?} is not a base64 character", c as char))?;
        buffer = (buffer << 6) | value as u32;
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            bytes.push((buffer >> bits) as u8);
            buffer &= (1 << bits) - 1;
        }
    }
    Ok(bytes)
}
