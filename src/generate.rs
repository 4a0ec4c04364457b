//! A deterministic, France-scale synthetic dataset shaped like the real records (same classes,
//! properties and concept schemes as the fixtures), for benchmarks and load tests.

use crate::vocab::{self, Base};
use oxigraph::model::{GraphName, Literal, NamedNode, NamedNodeRef, Quad, Term};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

#[derive(Clone, Debug)]
pub struct Sizes {
    pub places: usize,
    pub commons: usize,
    pub contributors: usize,
    pub pledges: usize,
    pub campaigns: usize,
}

impl Default for Sizes {
    fn default() -> Self {
        Self {
            places: 3_500,
            commons: 800,
            contributors: 20_000,
            pledges: 30_000,
            campaigns: 12,
        }
    }
}

/// Regions of metropolitan France with one real town each (postal code, coordinates), so that
/// region filters and per-region counts have something real to group by.
const REGIONS: &[(&str, &str, &str, f64, f64)] = &[
    ("Auvergne-Rhône-Alpes", "Lyon", "69001", 45.764, 4.8357),
    ("Bourgogne-Franche-Comté", "Dijon", "21000", 47.322, 5.0415),
    ("Bretagne", "Rennes", "35000", 48.1173, -1.6778),
    ("Centre-Val de Loire", "Orléans", "45000", 47.9029, 1.9093),
    ("Corse", "Ajaccio", "20000", 41.9192, 8.7386),
    ("Grand Est", "Strasbourg", "67000", 48.5734, 7.7521),
    ("Hauts-de-France", "Lille", "59000", 50.6292, 3.0573),
    ("Île-de-France", "Paris", "75011", 48.8566, 2.3522),
    ("Normandie", "Rouen", "76000", 49.4432, 1.0999),
    ("Nouvelle-Aquitaine", "Bordeaux", "33000", 44.8378, -0.5792),
    ("Occitanie", "Toulouse", "31000", 43.6047, 1.4442),
    ("Pays de la Loire", "Nantes", "44000", 47.2184, -1.5536),
    (
        "Provence-Alpes-Côte d'Azur",
        "Marseille",
        "13001",
        43.2965,
        5.3698,
    ),
];

const TAGS: &[&str] = &[
    "fablab",
    "coworking",
    "numérique",
    "alimentation",
    "mobilité",
    "énergie",
    "formation",
    "accompagnement",
    "culture",
    "réemploi",
    "agriculture",
    "bricothèque",
];

/// Generates the dataset into `graph` (IRIs minted under `base`). Same seed, same quads.
pub fn generate(base: &Base, sizes: &Sizes, seed: u64, graph: &GraphName) -> Vec<Quad> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut out = Writer {
        quads: Vec::with_capacity(sizes.places * 16 + sizes.pledges * 7 + sizes.contributors * 4),
        graph: graph.clone(),
    };
    let iri =
        |collection: &str, slug: String| NamedNode::new_unchecked(base.resource(collection, &slug));

    // Regional networks, one per region, plus the national one.
    let networks: Vec<NamedNode> = (0..=REGIONS.len())
        .map(|i| iri("networks", format!("synthetic-network-{i:02}")))
        .collect();
    for (i, network) in networks.iter().enumerate() {
        out.typed(network, vocab::NETWORK);
        let name = match REGIONS.get(i) {
            Some(region) => format!("Réseau des tiers-lieux {}", region.0),
            None => "Réseau national des tiers-lieux (synthétique)".to_owned(),
        };
        out.literal(network, vocab::NAME, Literal::new_simple_literal(name));
    }

    let commons: Vec<NamedNode> = (0..sizes.commons)
        .map(|i| iri("commons", format!("synthetic-commons-{i:04}")))
        .collect();
    for (i, c) in commons.iter().enumerate() {
        out.typed(c, vocab::COMMONS);
        out.literal(
            c,
            vocab::NAME,
            Literal::new_simple_literal(format!("Commun synthétique n°{i}")),
        );
        out.literal(
            c,
            vocab::DESCRIPTION,
            Literal::new_simple_literal(format!(
                "Ressource ouverte n°{i} développée en commun par des tiers-lieux."
            )),
        );
        out.link(
            c,
            vocab::MATURITY,
            vocab::MATURITY_STAGES[rng.random_range(0..vocab::MATURITY_STAGES.len())],
        );
        out.literal(
            c,
            vocab::TAG,
            Literal::new_simple_literal(TAGS[rng.random_range(0..TAGS.len())]),
        );
        let requested = 1_000 * rng.random_range(5..=80);
        out.literal(c, vocab::REQUESTED_AMOUNT, decimal(requested));
        for line in 0..rng.random_range(0..=3) {
            let budget = NamedNode::new_unchecked(format!("{}#budget-{line}", c.as_str()));
            out.link(c, vocab::BUDGET_LINE_PROP, &budget);
            out.typed(&budget, vocab::BUDGET_LINE);
            out.literal(
                &budget,
                vocab::NAME,
                Literal::new_simple_literal(format!("Ligne budgétaire {line}")),
            );
            out.literal(
                &budget,
                vocab::AMOUNT,
                decimal(1_000 * rng.random_range(1..=10)),
            );
        }
    }

    let places: Vec<NamedNode> = (0..sizes.places)
        .map(|i| iri("places", format!("synthetic-place-{i:04}")))
        .collect();
    for (i, p) in places.iter().enumerate() {
        let region_index = rng.random_range(0..REGIONS.len());
        let (region, town, postal, lat, lon) = REGIONS[region_index];
        out.typed(p, vocab::PLACE);
        out.literal(
            p,
            vocab::NAME,
            Literal::new_simple_literal(format!("Tiers-lieu {town} {i}")),
        );
        out.literal(
            p,
            vocab::DESCRIPTION,
            Literal::new_simple_literal(format!("Tiers-lieu synthétique n°{i} à {town}.")),
        );
        let address = NamedNode::new_unchecked(format!("{}#address", p.as_str()));
        out.link(p, vocab::ADDRESS, &address);
        out.typed(&address, vocab::POSTAL_ADDRESS);
        out.literal(
            &address,
            vocab::STREET_ADDRESS,
            Literal::new_simple_literal(format!("{} rue des Communs", 1 + i % 200)),
        );
        out.literal(
            &address,
            vocab::POSTAL_CODE,
            Literal::new_simple_literal(postal),
        );
        out.literal(&address, vocab::LOCALITY, Literal::new_simple_literal(town));
        out.literal(&address, vocab::REGION, Literal::new_simple_literal(region));
        let geo = NamedNode::new_unchecked(format!("{}#geo", p.as_str()));
        out.link(p, vocab::GEO, &geo);
        out.typed(&geo, vocab::GEO_COORDINATES);
        out.literal(
            &geo,
            vocab::LATITUDE,
            decimal_f(lat + rng.random_range(-0.2..0.2)),
        );
        out.literal(
            &geo,
            vocab::LONGITUDE,
            decimal_f(lon + rng.random_range(-0.2..0.2)),
        );
        out.link(
            p,
            vocab::WEBSITE,
            &NamedNode::new_unchecked(format!("https://tiers-lieu-{i}.example.org/")),
        );
        out.literal(
            p,
            vocab::EMAIL,
            Literal::new_simple_literal(format!("contact@tiers-lieu-{i}.example.org")),
        );
        out.link(
            p,
            vocab::PLACE_TYPE,
            vocab::PLACE_TYPES[rng.random_range(0..vocab::PLACE_TYPES.len())],
        );
        out.link(p, vocab::MEMBER_OF, &networks[region_index]);
        if rng.random_bool(0.3) {
            out.link(p, vocab::MEMBER_OF, &networks[REGIONS.len()]);
        }
        for _ in 0..rng.random_range(0..=4) {
            out.link(
                p,
                vocab::USES_COMMONS,
                &commons[rng.random_range(0..commons.len())],
            );
        }
        out.literal(
            p,
            vocab::TAG,
            Literal::new_simple_literal(TAGS[rng.random_range(0..TAGS.len())]),
        );
    }

    for i in 0..sizes.contributors {
        let c = iri("contributors", format!("synthetic-contributor-{i:05}"));
        out.typed(&c, vocab::CONTRIBUTOR);
        out.literal(
            &c,
            vocab::NAME,
            Literal::new_simple_literal(format!("Contributeur·ice {i}")),
        );
        let commun = &commons[rng.random_range(0..commons.len())];
        out.link(&c, vocab::CONTRIBUTES_TO, commun);
        if i < commons.len() {
            out.link(&commons[i], vocab::REFERENT, &c);
            out.link(&c, vocab::CONTRIBUTES_TO, &commons[i]);
        }
    }

    let campaigns: Vec<NamedNode> = (0..sizes.campaigns)
        .map(|i| iri("campaigns", format!("synthetic-campaign-{i:02}")))
        .collect();
    for (i, c) in campaigns.iter().enumerate() {
        out.typed(c, vocab::CAMPAIGN);
        out.literal(
            c,
            vocab::NAME,
            Literal::new_simple_literal(format!("Campagne de cofinancement {}", 2021 + i)),
        );
        out.literal(
            c,
            vocab::START_DATE,
            Literal::new_typed_literal(format!("{}-03-01", 2021 + i), vocab::XSD_DATE),
        );
        out.link(c, vocab::ORGANIZER, &networks[REGIONS.len()]);
        for _ in 0..10 {
            out.link(
                c,
                vocab::FEATURES_COMMONS,
                &commons[rng.random_range(0..commons.len())],
            );
        }
    }

    for i in 0..sizes.pledges {
        let pl = iri("pledges", format!("synthetic-pledge-{i:05}"));
        out.typed(&pl, vocab::PLEDGE);
        let funder: &NamedNode = if rng.random_bool(0.8) {
            &places[rng.random_range(0..places.len())]
        } else {
            &networks[rng.random_range(0..networks.len())]
        };
        out.link(&pl, vocab::FUNDER, funder);
        out.link(
            &pl,
            vocab::PLEDGED_TO,
            &commons[rng.random_range(0..commons.len())],
        );
        out.literal(&pl, vocab::AMOUNT, decimal(10 * rng.random_range(1..=500)));
        out.link(
            &pl,
            vocab::STATUS,
            vocab::PLEDGE_STATUSES[rng.random_range(0..vocab::PLEDGE_STATUSES.len())],
        );
        out.link(
            &pl,
            vocab::PLEDGE_KIND,
            vocab::PLEDGE_KINDS[rng.random_range(0..vocab::PLEDGE_KINDS.len())],
        );
        if !campaigns.is_empty() {
            out.link(
                &pl,
                vocab::CAMPAIGN_PROP,
                &campaigns[rng.random_range(0..campaigns.len())],
            );
        }
    }
    out.quads
}

struct Writer {
    quads: Vec<Quad>,
    graph: GraphName,
}

impl Writer {
    fn push(&mut self, s: &NamedNode, p: NamedNodeRef<'_>, o: Term) {
        self.quads
            .push(Quad::new(s.clone(), p, o, self.graph.clone()));
    }

    fn typed(&mut self, s: &NamedNode, class: NamedNodeRef<'_>) {
        self.push(s, vocab::RDF_TYPE, class.into_owned().into());
    }

    fn link<'a>(&mut self, s: &NamedNode, p: NamedNodeRef<'_>, o: impl Into<NamedNodeRef<'a>>) {
        self.push(s, p, o.into().into_owned().into());
    }

    fn literal(&mut self, s: &NamedNode, p: NamedNodeRef<'_>, o: Literal) {
        self.push(s, p, o.into());
    }
}

fn decimal(value: i64) -> Literal {
    Literal::new_typed_literal(value.to_string(), vocab::XSD_DECIMAL)
}

fn decimal_f(value: f64) -> Literal {
    Literal::new_typed_literal(format!("{value:.5}"), vocab::XSD_DECIMAL)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_seed_same_data_other_seed_other_data() {
        let base = Base::new("http://localhost:8080/");
        let sizes = Sizes {
            places: 20,
            commons: 5,
            contributors: 30,
            pledges: 40,
            campaigns: 2,
        };
        let a = generate(&base, &sizes, 7, &GraphName::DefaultGraph);
        let b = generate(&base, &sizes, 7, &GraphName::DefaultGraph);
        let c = generate(&base, &sizes, 8, &GraphName::DefaultGraph);
        assert_eq!(a, b);
        assert_ne!(a, c);
        let places = a
            .iter()
            .filter(|q| q.predicate == vocab::RDF_TYPE && q.object == vocab::PLACE.into())
            .count();
        assert_eq!(places, 20);
    }
}
