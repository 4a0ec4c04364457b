//! What the service says about itself, read once at start-up: the JSON-LD context, the
//! ontology, the shapes and the SPARQL service description.

use crate::config::Config;
use crate::vocab::{self, Base};
use oxigraph::model::{NamedNode, Term, Triple};

/// What the service says about itself, read once at start-up.
pub struct SelfDescription {
    pub context: Vec<u8>,
    pub ontology: Vec<Triple>,
    pub shapes: Vec<Triple>,
    service: Vec<Triple>,
}

impl SelfDescription {
    pub fn load(config: &Config, base: &Base, shapes: Vec<Triple>) -> anyhow::Result<Self> {
        let ontology =
            crate::bundled::documents(crate::bundled::ONTOLOGY, config.ontology_dir.as_deref())?;
        Ok(Self {
            context: crate::bundled::context(config.ontology_dir.as_deref())?.into_owned(),
            ontology: crate::bundled::triples(&ontology, base.as_str())?,
            shapes,
            service: service_description(base),
        })
    }

    /// The SPARQL 1.1 Service Description of the endpoint.
    pub fn service(&self) -> &[Triple] {
        &self.service
    }
}

/// The SPARQL 1.1 Service Description of our endpoint.
fn service_description(base: &Base) -> Vec<Triple> {
    let endpoint = NamedNode::new_unchecked(base.sparql_endpoint());
    let service: Term = endpoint.clone().into();
    let dataset = oxigraph::model::BlankNode::default();
    let sd = |local: &str| NamedNode::new_unchecked(format!("{}{local}", vocab::SD));
    let formats = [
        "http://www.w3.org/ns/formats/SPARQL_Results_JSON",
        "http://www.w3.org/ns/formats/SPARQL_Results_XML",
        "http://www.w3.org/ns/formats/SPARQL_Results_CSV",
        "http://www.w3.org/ns/formats/SPARQL_Results_TSV",
        "http://www.w3.org/ns/formats/Turtle",
        "http://www.w3.org/ns/formats/N-Triples",
        "http://www.w3.org/ns/formats/N-Quads",
        "http://www.w3.org/ns/formats/RDF_XML",
        "http://www.w3.org/ns/formats/JSON-LD",
    ];
    let subject = oxigraph::model::NamedOrBlankNode::from(endpoint.clone());
    let mut triples = vec![
        Triple::new(subject.clone(), vocab::RDF_TYPE, vocab::SD_SERVICE),
        Triple::new(subject.clone(), vocab::SD_ENDPOINT, service),
        Triple::new(
            subject.clone(),
            vocab::SD_SUPPORTED_LANGUAGE,
            vocab::SD_SPARQL11_QUERY,
        ),
        Triple::new(
            subject.clone(),
            vocab::SD_SUPPORTED_LANGUAGE,
            vocab::SD_SPARQL11_UPDATE,
        ),
        Triple::new(
            subject.clone(),
            vocab::SD_FEATURE,
            vocab::SD_UNION_DEFAULT_GRAPH,
        ),
        Triple::new(subject.clone(), vocab::SD_DEFAULT_DATASET, dataset.clone()),
        Triple::new(dataset, vocab::RDF_TYPE, vocab::SD_DATASET),
    ];
    for format in formats {
        triples.push(Triple::new(
            subject.clone(),
            sd("resultFormat"),
            NamedNode::new_unchecked(format),
        ));
    }
    triples
}
