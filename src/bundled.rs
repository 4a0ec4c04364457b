//! The files the binary carries: the ontology and its JSON-LD context, the partners' contexts,
//! the shapes and the fixtures. A configuration key (`ontology_dir`, `shapes_dir`,
//! `fixtures_dir`) or `--shapes` reads a folder instead, for people who keep their own.

use anyhow::Context as _;
use std::borrow::Cow;
use std::path::{Path, PathBuf};

/// A file embedded at build time (see `build.rs`).
pub struct Bundled {
    pub name: &'static str,
    pub bytes: &'static [u8],
}

include!(concat!(env!("OUT_DIR"), "/bundled.rs"));

/// The JSON-LD context of the ontology, served at `/context.jsonld`.
pub const CONTEXT: &[u8] = include_bytes!("../ontology/context.jsonld");

/// One RDF document to read: its name (a file name, for messages and provenance) and bytes.
pub struct Document {
    pub name: String,
    /// The base IRI of relative IRIs in it, when it was read from a file: the file's URL.
    pub base: Option<String>,
    pub bytes: Cow<'static, [u8]>,
}

impl Document {
    fn from_bundled(file: &Bundled) -> Self {
        Self {
            name: file.name.to_owned(),
            base: None,
            bytes: Cow::Borrowed(file.bytes),
        }
    }

    /// Reads a file; its relative IRIs resolve against its own `file:` URL, as in any RDF tool.
    pub fn read(path: &Path) -> anyhow::Result<Self> {
        let bytes =
            std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))?;
        Ok(Self {
            name: path.file_name().map_or_else(
                || path.display().to_string(),
                |n| n.to_string_lossy().into_owned(),
            ),
            base: std::fs::canonicalize(path)
                .ok()
                .and_then(|p| url::Url::from_file_path(p).ok())
                .map(String::from),
            bytes: Cow::Owned(bytes),
        })
    }
}

/// The documents of `folder` (a folder's RDF files, or one file) when it is given, else the
/// bundled ones.
pub fn documents(bundled: &[Bundled], folder: Option<&Path>) -> anyhow::Result<Vec<Document>> {
    match folder {
        Some(folder) => rdf_files(folder)?
            .iter()
            .map(|path| Document::read(path))
            .collect(),
        None => Ok(bundled.iter().map(Document::from_bundled).collect()),
    }
}

/// Parses documents (by their file extension) into triples; `base` resolves relative IRIs in
/// the documents that were not read from a file.
pub fn triples(documents: &[Document], base: &str) -> anyhow::Result<Vec<oxigraph::model::Triple>> {
    let mut triples = Vec::new();
    for document in documents {
        let format = crate::rdf::format_from_path(Path::new(&document.name))
            .unwrap_or(oxigraph::io::RdfFormat::Turtle);
        let quads = crate::rdf::parse(
            &document.bytes,
            format,
            document.base.as_deref().unwrap_or(base),
            &oxigraph::model::GraphName::DefaultGraph,
            true,
            &crate::rdf::Contexts::default(),
        )
        .map_err(|e| anyhow::anyhow!("{}: {e}", document.name))?;
        triples.extend(quads.into_iter().map(oxigraph::model::Triple::from));
    }
    Ok(triples)
}

/// The context at `ontology_dir/context.jsonld` when a folder is given, else the bundled one.
pub fn context(ontology_dir: Option<&Path>) -> anyhow::Result<Cow<'static, [u8]>> {
    match ontology_dir {
        Some(dir) => Ok(Cow::Owned(
            Document::read(&dir.join("context.jsonld"))?
                .bytes
                .into_owned(),
        )),
        None => Ok(Cow::Borrowed(CONTEXT)),
    }
}

/// The version the bundled ontology declares (`owl:versionInfo` of its `owl:Ontology`).
pub fn ontology_version() -> Option<String> {
    use oxigraph::io::{RdfFormat, RdfParser};
    use oxigraph::model::vocab::rdf;
    use oxigraph::model::{Graph, TermRef, TripleRef};
    let mut graph = Graph::new();
    for file in ONTOLOGY {
        for quad in RdfParser::from_format(RdfFormat::Turtle).for_slice(file.bytes) {
            graph.insert(TripleRef::from(quad.ok()?.as_ref()));
        }
    }
    let ontology = graph.subject_for_predicate_object(rdf::TYPE, crate::vocab::OWL_ONTOLOGY)?;
    match graph.object_for_subject_predicate(ontology, crate::vocab::OWL_VERSION_INFO)? {
        TermRef::Literal(version) => Some(version.value().to_owned()),
        _ => None,
    }
}

/// The RDF files of a folder (those whose extension names a syntax), sorted so that loads are
/// reproducible; or the file itself.
pub fn rdf_files(path: &Path) -> anyhow::Result<Vec<PathBuf>> {
    if path.is_file() {
        return Ok(vec![path.to_owned()]);
    }
    let mut files = Vec::new();
    for entry in
        std::fs::read_dir(path).with_context(|| format!("cannot read {}", path.display()))?
    {
        let path = entry?.path();
        if path.is_file() && crate::rdf::format_from_path(&path).is_some() {
            files.push(path);
        }
    }
    files.sort();
    Ok(files)
}
