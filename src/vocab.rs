//! The only module that spells an IRI: namespaces, classes, properties, graph names and the
//! table of resource collections. Everything else refers to these constants.

use oxigraph::model::NamedNodeRef;

use shacl::terms;

pub const TL: &str = "https://w3id.org/tiers-lieux/ns#";
pub const SCHEMA: &str = "http://schema.org/";
pub const RDF: &str = "http://www.w3.org/1999/02/22-rdf-syntax-ns#";
pub const RDFS: &str = "http://www.w3.org/2000/01/rdf-schema#";
pub const XSD: &str = "http://www.w3.org/2001/XMLSchema#";
pub const OWL: &str = "http://www.w3.org/2002/07/owl#";
pub const SKOS: &str = "http://www.w3.org/2004/02/skos/core#";
/// The SHACL terms themselves live in the engine's crate (`shacl::vocab`).
pub const SH: &str = shacl::vocab::NAMESPACE;
pub const DCT: &str = "http://purl.org/dc/terms/";
pub const PROV: &str = "http://www.w3.org/ns/prov#";
pub const VF: &str = "https://w3id.org/valueflows/ont/vf#";
pub const PAIR: &str = "http://virtual-assembly.org/ontologies/pair#";
pub const HYDRA: &str = "http://www.w3.org/ns/hydra/core#";
pub const VOID: &str = "http://rdfs.org/ns/void#";
pub const SD: &str = "http://www.w3.org/ns/sparql-service-description#";
pub const FOAF: &str = "http://xmlns.com/foaf/0.1/";

/// Prefixes used when serializing Turtle and friends.
pub const PREFIXES: &[(&str, &str)] = &[
    ("tl", TL),
    ("schema", SCHEMA),
    ("rdf", RDF),
    ("rdfs", RDFS),
    ("xsd", XSD),
    ("owl", OWL),
    ("skos", SKOS),
    ("sh", SH),
    ("dct", DCT),
    ("prov", PROV),
    ("vf", VF),
    ("pair", PAIR),
];

/// The ontology's own IRI, and where its JSON-LD context is published.
pub const ONTOLOGY_IRI: &str = "https://w3id.org/tiers-lieux/ns";
pub const CONTEXT_IRI: &str = "https://w3id.org/tiers-lieux/context.jsonld";

terms!("https://w3id.org/tiers-lieux/ns#";
    PLACE = "Place",
    COMMONS = "Commons",
    CONTRIBUTOR = "Contributor",
    PLEDGE = "Pledge",
    CAMPAIGN = "Campaign",
    NETWORK = "Network",
    BUDGET_LINE = "BudgetLine",
    POSTAL_ADDRESS = "PostalAddress",
    GEO_COORDINATES = "GeoCoordinates",
    START_DATE = "startDate",
    NAME = "name",
    DESCRIPTION = "description",
    ADDRESS = "address",
    STREET_ADDRESS = "streetAddress",
    POSTAL_CODE = "postalCode",
    LOCALITY = "locality",
    REGION = "region",
    GEO = "geo",
    LATITUDE = "latitude",
    LONGITUDE = "longitude",
    WEBSITE = "website",
    EMAIL = "email",
    TAG = "tag",
    PLACE_TYPE = "placeType",
    MEMBER_OF = "memberOf",
    USES_COMMONS = "usesCommons",
    MATURITY = "maturity",
    CHALLENGE = "challenge",
    SEEKS = "seeks",
    REQUESTED_AMOUNT = "requestedAmount",
    BUDGET_LINE_PROP = "budgetLine",
    REFERENT = "referent",
    CONTRIBUTES_TO = "contributesTo",
    FUNDER = "funder",
    PLEDGED_TO = "pledgedTo",
    AMOUNT = "amount",
    STATUS = "status",
    PLEDGE_KIND = "pledgeKind",
    CAMPAIGN_PROP = "campaign",
    FEATURES_COMMONS = "featuresCommons",
    ORGANIZER = "organizer",
    RELATED_COMMONS = "relatedCommons",
    TL_COUNTRY = "country",
    TL_SHORT_DESCRIPTION = "shortDescription",
    TELEPHONE = "telephone",
    OPENING_HOURS = "openingHours",
    SIRET = "siret",
    SERVICE = "service",
    ACCESSIBILITY = "accessibility",
);

terms!("http://www.w3.org/2002/07/owl#"; OWL_SAME_AS = "sameAs", OWL_ONTOLOGY = "Ontology", OWL_VERSION_INFO = "versionInfo");
terms!("http://schema.org/"; SCHEMA_SAME_AS = "sameAs");

terms!("http://www.w3.org/1999/02/22-rdf-syntax-ns#"; RDF_TYPE = "type");
terms!("http://www.w3.org/2000/01/rdf-schema#"; RDFS_LABEL = "label", RDFS_SUBCLASS_OF = "subClassOf");
terms!("http://www.w3.org/2001/XMLSchema#"; XSD_DECIMAL = "decimal", XSD_DATE = "date", XSD_BOOLEAN = "boolean", XSD_DATETIME = "dateTime", XSD_INTEGER = "integer", XSD_DOUBLE = "double");
terms!("http://www.w3.org/2004/02/skos/core#";
    SKOS_PREF_LABEL = "prefLabel",
    SKOS_ALT_LABEL = "altLabel",
    SKOS_CONCEPT = "Concept",
    SKOS_CONCEPT_SCHEME = "ConceptScheme",
    SKOS_IN_SCHEME = "inScheme",
    SKOS_NOTATION = "notation",
    SKOS_BROADER = "broader",
    SKOS_TOP_CONCEPT_OF = "topConceptOf",
    SKOS_HAS_TOP_CONCEPT = "hasTopConcept",
);
terms!("http://purl.org/dc/terms/"; DCT_CREATOR = "creator", DCT_MODIFIED = "modified", DCT_SOURCE = "source", DCT_SUBJECT = "subject");
terms!("http://www.w3.org/ns/prov#"; PROV_WAS_ATTRIBUTED_TO = "wasAttributedTo");
terms!("http://www.w3.org/ns/sparql-service-description#";
    SD_SERVICE = "Service",
    SD_ENDPOINT = "endpoint",
    SD_SUPPORTED_LANGUAGE = "supportedLanguage",
    SD_SPARQL11_QUERY = "SPARQL11Query",
    SD_SPARQL11_UPDATE = "SPARQL11Update",
    SD_RESULT_FORMAT = "resultFormat",
    SD_FEATURE = "feature",
    SD_UNION_DEFAULT_GRAPH = "UnionDefaultGraph",
    SD_DEFAULT_DATASET = "defaultDataset",
    SD_DATASET = "Dataset",
);

// Concepts of the SKOS schemes that the code itself produces (generator) or reasons on
// (funding summaries). Their labels live in the ontology.
terms!("https://w3id.org/tiers-lieux/ns#";
    STATUS_INTENTION = "status-intention",
    STATUS_CONFIRMED = "status-confirmed",
    STATUS_PAID = "status-paid",
    STATUS_CANCELLED = "status-cancelled",
    KIND_GIFT = "kind-gift",
    KIND_MEMBERSHIP_SHARE = "kind-membership-share",
    KIND_SUBSIDY = "kind-subsidy",
    KIND_IN_KIND = "kind-in-kind",
    MATURITY_IDEA = "maturity-idea",
    MATURITY_EMERGENCE = "maturity-emergence",
    MATURITY_CONSOLIDATION = "maturity-consolidation",
    PLACE_TYPE_THIRD_PLACE = "placetype-tiers-lieu",
    PLACE_TYPE_FABRIQUE = "placetype-fabrique-de-territoire",
    PLACE_TYPE_MEDIATION = "placetype-mediation-numerique",
);

pub const PLEDGE_STATUSES: &[NamedNodeRef<'static>] = &[
    STATUS_INTENTION,
    STATUS_CONFIRMED,
    STATUS_PAID,
    STATUS_CANCELLED,
];
pub const PLEDGE_KINDS: &[NamedNodeRef<'static>] =
    &[KIND_GIFT, KIND_MEMBERSHIP_SHARE, KIND_SUBSIDY, KIND_IN_KIND];
pub const MATURITY_STAGES: &[NamedNodeRef<'static>] =
    &[MATURITY_IDEA, MATURITY_EMERGENCE, MATURITY_CONSOLIDATION];
pub const PLACE_TYPES: &[NamedNodeRef<'static>] = &[
    PLACE_TYPE_THIRD_PLACE,
    PLACE_TYPE_FABRIQUE,
    PLACE_TYPE_MEDIATION,
];

/// One collection of resources served by the API: the path segment, the class of its members
/// and a French label for the HTML pages. A new class of resource is one row here.
pub struct Collection {
    pub segment: &'static str,
    pub class: NamedNodeRef<'static>,
    pub label_fr: &'static str,
}

pub const COLLECTIONS: &[Collection] = &[
    Collection {
        segment: "places",
        class: PLACE,
        label_fr: "Tiers-lieux",
    },
    Collection {
        segment: "commons",
        class: COMMONS,
        label_fr: "Communs",
    },
    Collection {
        segment: "contributors",
        class: CONTRIBUTOR,
        label_fr: "Contributeur·ices",
    },
    Collection {
        segment: "pledges",
        class: PLEDGE,
        label_fr: "Intentions de financement",
    },
    Collection {
        segment: "campaigns",
        class: CAMPAIGN,
        label_fr: "Campagnes",
    },
    Collection {
        segment: "networks",
        class: NETWORK,
        label_fr: "Réseaux",
    },
];

impl Collection {
    /// The class's term in our JSON-LD context (`tl:Place` → `Place`).
    pub fn class_term(&self) -> &'static str {
        self.class.as_str().rsplit('#').next().unwrap_or_default()
    }
}

pub fn collection(segment: &str) -> Option<&'static Collection> {
    COLLECTIONS.iter().find(|c| c.segment == segment)
}

/// Names of the graphs the service itself writes, relative to `{base}graphs/`.
pub const GRAPH_FIXTURES: &str = "fixtures";
pub const GRAPH_META: &str = "meta";
pub const GRAPH_ONTOLOGY: &str = "ontology";

/// Builds IRIs relative to the configured base (`{base}{collection}/{slug}`, `{base}graphs/{name}`).
#[derive(Clone, Debug)]
pub struct Base {
    base: String,
}

impl Base {
    pub fn new(base: &str) -> Self {
        let mut base = base.to_owned();
        if !base.ends_with('/') {
            base.push('/');
        }
        Self { base }
    }

    pub fn as_str(&self) -> &str {
        &self.base
    }

    pub fn graph(&self, name: &str) -> String {
        format!("{}graphs/{name}", self.base)
    }

    pub fn resource(&self, collection: &str, slug: &str) -> String {
        format!("{}{collection}/{slug}", self.base)
    }

    pub fn context(&self) -> String {
        format!("{}context.jsonld", self.base)
    }

    pub fn sparql_endpoint(&self) -> String {
        format!("{}sparql", self.base)
    }
}

/// GoGoCarto's JSON-LD export (`/api/elements.jsonld`): its remote context, never fetched, is
/// answered from our bundled copy `ontology/contexts/gogocarto.jsonld`, whose terms give these
/// properties.
pub mod gogocarto {
    use shacl::terms;

    pub const CONTEXT_URL: &str =
        "https://rawgit.com/jmvanel/rdf-convert/master/context-gogo.jsonld";

    terms!("http://schema.org/";
        NAME = "name",
        ADDRESS = "address",
        GEO = "geo",
        KEYWORDS = "keywords",
        OPTION_VALUES = "category",
        STREET_ADDRESS = "streetAddress",
        ADDRESS_LOCALITY = "addressLocality",
        POSTAL_CODE = "postalCode",
        ADDRESS_COUNTRY = "addressCountry",
    );
    terms!("http://www.w3.org/2000/01/rdf-schema#"; LABEL = "label", COMMENT = "comment");
    terms!("http://xmlns.com/foaf/0.1/"; MBOX = "mbox", HOMEPAGE = "homepage", PHONE = "phone");
    terms!("http://www.w3.org/2003/01/geo/wgs84_pos#"; LAT = "lat", LONG = "long");
}
