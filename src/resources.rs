//! Resources of the API, read side: the description of one resource, collection membership
//! with filters and paging, and the co-funding view computed from the pledges.

use crate::reading::Quads;
use crate::vocab::{self, Collection};
use oxigraph::model::{
    GraphNameRef, NamedNode, NamedNodeRef, NamedOrBlankNode, NamedOrBlankNodeRef, Term, TermRef,
    Triple,
};
use oxigraph::store::StorageError;
use oxsdatatypes::Decimal;
use std::collections::{BTreeMap, HashSet};
use std::str::FromStr;

/// Objects of (s, p) in the union of the named graphs, without duplicates.
pub fn objects(store: &dyn Quads, s: NamedOrBlankNodeRef<'_>, p: NamedNodeRef<'_>) -> Vec<Term> {
    let mut seen = HashSet::new();
    store
        .matching(Some(s), Some(p), None, None)
        .filter_map(Result::ok)
        .filter(|q| q.graph_name.as_ref() != GraphNameRef::DefaultGraph)
        .map(|q| q.object)
        .filter(|o| seen.insert(o.clone()))
        .collect()
}

fn subjects(store: &dyn Quads, p: NamedNodeRef<'_>, o: TermRef<'_>) -> Vec<NamedOrBlankNode> {
    let mut seen = HashSet::new();
    store
        .matching(None, Some(p), Some(o), None)
        .filter_map(Result::ok)
        .filter(|q| q.graph_name.as_ref() != GraphNameRef::DefaultGraph)
        .map(|q| q.subject)
        .filter(|s| seen.insert(s.clone()))
        .collect()
}

/// What a resource's representation holds: its own triples, those of the nodes it owns
/// (blank nodes and `#fragment` IRIs below it), and the labels of the resources it links to.
/// Empty when the store knows nothing about it.
/// The meta graph (provenance) is left out: it is about the writes, not the resource.
/// Sorted, so that a state has one representation (its ETag is strong) whichever of the store
/// or its copy, which list the quads in different orders, was read.
pub fn describe(
    store: &dyn Quads,
    iri: NamedNodeRef<'_>,
    meta: NamedNodeRef<'_>,
) -> Result<Vec<Triple>, StorageError> {
    let mut triples = Vec::new();
    let mut seen = HashSet::new();
    let mut owned: Vec<NamedOrBlankNode> = vec![iri.into_owned().into()];
    let mut visited = HashSet::new();
    let mut linked = Vec::new();
    let own_prefix = format!("{}#", iri.as_str());
    while let Some(node) = owned.pop() {
        if !visited.insert(node.clone()) {
            continue;
        }
        for quad in store.matching(Some(node.as_ref()), None, None, None) {
            let quad = quad?;
            if quad.graph_name.is_default_graph()
                || quad.graph_name.as_ref() == GraphNameRef::NamedNode(meta)
            {
                continue;
            }
            let triple = Triple::from(quad);
            if !seen.insert(triple.clone()) {
                continue;
            }
            match &triple.object {
                Term::BlankNode(b) => owned.push(b.clone().into()),
                Term::NamedNode(n) if n.as_str().starts_with(&own_prefix) => {
                    owned.push(n.clone().into())
                }
                Term::NamedNode(n) if triple.predicate != vocab::RDF_TYPE => linked.push(n.clone()),
                _ => {}
            }
            triples.push(triple);
        }
    }
    for target in linked {
        if visited.contains(&NamedOrBlankNode::from(target.clone())) {
            continue;
        }
        for label in [vocab::NAME, vocab::SKOS_PREF_LABEL] {
            for o in objects(store, target.as_ref().into(), label) {
                let triple = Triple::new(target.clone(), label, o);
                if seen.insert(triple.clone()) {
                    triples.push(triple);
                }
            }
        }
    }
    triples.sort_unstable_by(|a, b| triple_key(a).cmp(&triple_key(b)));
    Ok(triples)
}

type TermKey<'a> = (u8, &'a str, &'a str, &'a str);

fn triple_key(triple: &Triple) -> (TermKey<'_>, &str, TermKey<'_>) {
    (
        term_key(triple.subject.as_ref().into()),
        triple.predicate.as_str(),
        term_key(triple.object.as_ref()),
    )
}

/// What orders terms: kind, then lexical form, datatype and language.
fn term_key(term: TermRef<'_>) -> (u8, &str, &str, &str) {
    match term {
        TermRef::NamedNode(n) => (0, n.as_str(), "", ""),
        TermRef::BlankNode(b) => (1, b.as_str(), "", ""),
        TermRef::Literal(l) => (
            2,
            l.value(),
            l.datatype().as_str(),
            l.language().unwrap_or(""),
        ),
    }
}

/// Collection filters, as given in the query string.
#[derive(Clone, Debug, Default)]
pub struct Filters {
    pub q: Option<String>,
    pub network: Option<NamedNode>,
    pub tag: Option<String>,
    pub region: Option<String>,
    pub commons: Option<NamedNode>,
    pub campaign: Option<NamedNode>,
}

/// One member of a collection page.
pub struct Member {
    pub iri: NamedNode,
    pub name: Option<String>,
}

/// The members of a collection that pass the filters, sorted by name then IRI.
pub fn members(store: &dyn Quads, collection: &Collection, filters: &Filters) -> Vec<Member> {
    let q = filters.q.as_deref().map(fold);
    let tag = filters.tag.as_deref().map(fold);
    let region = filters
        .region
        .as_deref()
        .map(str::trim)
        .filter(|r| !r.is_empty());
    let mut members: Vec<Member> = candidates(store, collection, filters)
        .into_iter()
        .filter_map(|s| match s {
            NamedOrBlankNode::NamedNode(n) => Some(n),
            NamedOrBlankNode::BlankNode(_) => None,
        })
        .filter_map(|iri| {
            let node: NamedOrBlankNodeRef<'_> = iri.as_ref().into();
            let name = objects(store, node, vocab::NAME)
                .into_iter()
                .find_map(literal_text);
            if let Some(q) = &q {
                if !name
                    .as_deref()
                    .is_some_and(|n| fold(n).contains(q.as_str()))
                {
                    return None;
                }
            }
            if let Some(network) = &filters.network {
                let links = NETWORK_LINKS;
                if !links
                    .iter()
                    .any(|p| objects(store, node, *p).contains(&network.clone().into()))
                {
                    return None;
                }
            }
            if let Some(tag) = &tag {
                if !objects(store, node, vocab::TAG)
                    .into_iter()
                    .filter_map(literal_text)
                    .any(|t| fold(&t) == *tag)
                {
                    return None;
                }
            }
            if let Some(region) = region {
                if !in_region(store, node, region) {
                    return None;
                }
            }
            if let Some(commons) = &filters.commons {
                let links = COMMONS_LINKS;
                let target: Term = commons.clone().into();
                if iri != *commons
                    && !links
                        .iter()
                        .any(|p| objects(store, node, *p).contains(&target))
                {
                    return None;
                }
            }
            if let Some(campaign) = &filters.campaign {
                if !objects(store, node, vocab::CAMPAIGN_PROP).contains(&campaign.clone().into()) {
                    return None;
                }
            }
            Some(Member { iri, name })
        })
        .collect();
    members.sort_by(|a, b| {
        let key = |m: &Member| m.name.as_deref().map(fold);
        key(a)
            .cmp(&key(b))
            .then_with(|| a.iri.as_str().cmp(b.iri.as_str()))
    });
    members
}

/// What links a member to the network of the `network` filter.
const NETWORK_LINKS: [NamedNodeRef<'static>; 3] =
    [vocab::MEMBER_OF, vocab::ORGANIZER, vocab::FUNDER];
/// What links a member to the commun of the `commons` filter.
const COMMONS_LINKS: [NamedNodeRef<'static>; 5] = [
    vocab::USES_COMMONS,
    vocab::PLEDGED_TO,
    vocab::CONTRIBUTES_TO,
    vocab::FEATURES_COMMONS,
    vocab::RELATED_COMMONS,
];

/// The resources that may pass the filters: with a `network` or `commons` filter, those linking
/// to it (read from the index by object, not by scanning the class), else the whole class.
fn candidates(
    store: &dyn Quads,
    collection: &Collection,
    filters: &Filters,
) -> Vec<NamedOrBlankNode> {
    let linking = |target: &NamedNode, links: &[NamedNodeRef<'static>], itself: bool| {
        let mut seen = HashSet::new();
        let node: Term = target.clone().into();
        let mut found: Vec<NamedOrBlankNode> = links
            .iter()
            .flat_map(|p| subjects(store, *p, node.as_ref()))
            .collect();
        if itself {
            found.push(target.clone().into());
        }
        found
            .into_iter()
            .filter(|s| seen.insert(s.clone()))
            .filter(|s| {
                objects(store, s.as_ref(), vocab::RDF_TYPE).contains(&collection.class.into())
            })
            .collect()
    };
    if let Some(network) = &filters.network {
        linking(network, &NETWORK_LINKS, false)
    } else if let Some(commons) = &filters.commons {
        linking(commons, &COMMONS_LINKS, true)
    } else if let Some(campaign) = &filters.campaign {
        linking(campaign, &[vocab::CAMPAIGN_PROP], false)
    } else {
        subjects(store, vocab::RDF_TYPE, collection.class.into())
    }
}

/// A region given as digits is a postal code prefix; otherwise a region name.
fn in_region(store: &dyn Quads, node: NamedOrBlankNodeRef<'_>, region: &str) -> bool {
    let by_postal_code = region.chars().all(|c| c.is_ascii_digit());
    let wanted = fold(region);
    objects(store, node, vocab::ADDRESS)
        .into_iter()
        .any(|address| {
            let Some(address) = term_node(&address) else {
                return false;
            };
            if by_postal_code {
                objects(store, address.as_ref(), vocab::POSTAL_CODE)
                    .into_iter()
                    .filter_map(literal_text)
                    .any(|code| code.starts_with(region))
            } else {
                objects(store, address.as_ref(), vocab::REGION)
                    .into_iter()
                    .filter_map(literal_text)
                    .any(|r| fold(&r) == wanted)
            }
        })
}

fn term_node(term: &Term) -> Option<NamedOrBlankNode> {
    match term {
        Term::NamedNode(n) => Some(n.clone().into()),
        Term::BlankNode(b) => Some(b.clone().into()),
        Term::Literal(_) => None,
    }
}

fn literal_text(term: Term) -> Option<String> {
    match term {
        Term::Literal(l) => Some(l.value().to_owned()),
        _ => None,
    }
}

/// Lower case ASCII transliteration (deunicode), for accent- and case-insensitive matching:
/// composed or decomposed accents, ligatures and other scripts fold alike.
pub fn fold(text: &str) -> String {
    deunicode::deunicode(text).to_lowercase()
}

fn amount(store: &dyn Quads, node: NamedOrBlankNodeRef<'_>) -> Option<Decimal> {
    objects(store, node, vocab::AMOUNT)
        .into_iter()
        .find_map(|o| literal_text(o).and_then(|v| Decimal::from_str(&v).ok()))
}

fn add(a: Decimal, b: Decimal) -> Decimal {
    a.checked_add(b).unwrap_or(a)
}

/// The co-funding view of a commun, computed from the pledges and budget lines in the store.
#[derive(Debug, Default, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct FundingSummary {
    /// Total pledged, by status (local name of the status concept: intention, confirmed…).
    pub pledged_by_status: BTreeMap<String, String>,
    /// Total pledged and not cancelled, by kind (local name: gift, membership-share…), so that
    /// the sur-adhésion shares can be shown apart.
    pub pledged_by_kind: BTreeMap<String, String>,
    /// Total of the pledges that are not cancelled.
    pub pledged_total: String,
    pub pledge_count: usize,
    pub budget_total: String,
    /// Confirmed + paid over the budget total, in percent (absent without a budget).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub budget_covered_percent: Option<f64>,
}

pub fn funding_summary(store: &dyn Quads, commons: NamedNodeRef<'_>) -> FundingSummary {
    let mut by_status: BTreeMap<String, Decimal> = BTreeMap::new();
    let mut by_kind: BTreeMap<String, Decimal> = BTreeMap::new();
    let pledges = subjects(store, vocab::PLEDGED_TO, commons.into());
    for pledge in &pledges {
        let Some(value) = amount(store, pledge.as_ref()) else {
            continue;
        };
        let status = concept_name(store, pledge.as_ref(), vocab::STATUS, "status-");
        if status != "cancelled" {
            let kind = concept_name(store, pledge.as_ref(), vocab::PLEDGE_KIND, "kind-");
            let entry = by_kind.entry(kind).or_default();
            *entry = add(*entry, value);
        }
        let entry = by_status.entry(status).or_default();
        *entry = add(*entry, value);
    }
    let mut budget = Decimal::default();
    for line in objects(store, commons.into(), vocab::BUDGET_LINE_PROP) {
        if let Some(node) = term_node(&line) {
            if let Some(value) = amount(store, node.as_ref()) {
                budget = add(budget, value);
            }
        }
    }
    let total = by_status
        .iter()
        .filter(|(status, _)| status.as_str() != "cancelled")
        .fold(Decimal::default(), |acc, (_, v)| add(acc, *v));
    let secured = ["confirmed", "paid"]
        .iter()
        .filter_map(|s| by_status.get(*s))
        .fold(Decimal::default(), |acc, v| add(acc, *v));
    let as_f64 = |d: Decimal| d.to_string().parse::<f64>().unwrap_or(0.0);
    FundingSummary {
        pledged_by_status: by_status
            .into_iter()
            .map(|(k, v)| (k, v.to_string()))
            .collect(),
        pledged_by_kind: by_kind
            .into_iter()
            .map(|(k, v)| (k, v.to_string()))
            .collect(),
        pledged_total: total.to_string(),
        pledge_count: pledges.len(),
        budget_total: budget.to_string(),
        budget_covered_percent: (as_f64(budget) > 0.0)
            .then(|| (as_f64(secured) / as_f64(budget) * 1000.0).round() / 10.0),
    }
}

/// The local name of a pledge's concept for `property` (`tl:status-confirmed` → `confirmed`
/// with prefix `status-`), `unknown` without one.
fn concept_name(
    store: &dyn Quads,
    pledge: NamedOrBlankNodeRef<'_>,
    property: NamedNodeRef<'_>,
    prefix: &str,
) -> String {
    objects(store, pledge, property)
        .into_iter()
        .find_map(|s| match s {
            Term::NamedNode(n) => Some(
                n.as_str()
                    .rsplit(['#', '/'])
                    .next()
                    .unwrap_or_default()
                    .trim_start_matches(prefix)
                    .to_owned(),
            ),
            _ => None,
        })
        .unwrap_or_else(|| "unknown".into())
}

/// A campaign's totals per commun: pledges of the campaign grouped by the commun they go to
/// (pledges made to the campaign as a whole are grouped under `null`).
#[derive(Debug, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CampaignTotal {
    pub commons: Option<String>,
    pub name: Option<String>,
    pub pledged_total: String,
    pub pledge_count: usize,
    /// The part of `pledged_total` given as sur-adhésion (membership shares).
    pub membership_share_total: String,
}

pub fn campaign_totals(store: &dyn Quads, campaign: NamedNodeRef<'_>) -> Vec<CampaignTotal> {
    let mut totals: BTreeMap<Option<String>, (Decimal, usize, Decimal)> = BTreeMap::new();
    for commons in objects(store, campaign.into(), vocab::FEATURES_COMMONS) {
        if let Term::NamedNode(n) = commons {
            totals.entry(Some(n.as_str().to_owned())).or_default();
        }
    }
    for pledge in subjects(store, vocab::CAMPAIGN_PROP, campaign.into()) {
        let cancelled = objects(store, pledge.as_ref(), vocab::STATUS)
            .contains(&vocab::STATUS_CANCELLED.into());
        if cancelled {
            continue;
        }
        let target = objects(store, pledge.as_ref(), vocab::PLEDGED_TO)
            .into_iter()
            .find_map(|o| match o {
                Term::NamedNode(n) => Some(n.as_str().to_owned()),
                _ => None,
            });
        let entry = totals.entry(target).or_default();
        if let Some(value) = amount(store, pledge.as_ref()) {
            entry.0 = add(entry.0, value);
            if objects(store, pledge.as_ref(), vocab::PLEDGE_KIND)
                .contains(&vocab::KIND_MEMBERSHIP_SHARE.into())
            {
                entry.2 = add(entry.2, value);
            }
        }
        entry.1 += 1;
    }
    totals
        .into_iter()
        .map(|(commons, (total, count, shares))| CampaignTotal {
            name: commons.as_deref().and_then(|c| {
                let node = NamedNode::new(c).ok()?;
                objects(store, node.as_ref().into(), vocab::NAME)
                    .into_iter()
                    .find_map(literal_text)
            }),
            commons,
            pledged_total: total.to_string(),
            pledge_count: count,
            membership_share_total: shares.to_string(),
        })
        .collect()
}

/// The first literal value of (node, property).
pub fn text_of(
    store: &dyn Quads,
    node: NamedOrBlankNodeRef<'_>,
    property: NamedNodeRef<'_>,
) -> Option<String> {
    objects(store, node, property)
        .into_iter()
        .find_map(literal_text)
}

/// The name of a resource (`tl:name`, else `skos:prefLabel`, French first).
pub fn label(store: &dyn Quads, node: NamedOrBlankNodeRef<'_>) -> Option<String> {
    if let Some(name) = text_of(store, node, vocab::NAME) {
        return Some(name);
    }
    let labels = objects(store, node, vocab::SKOS_PREF_LABEL);
    labels
        .iter()
        .find(|l| matches!(l, Term::Literal(l) if l.language() == Some("fr")))
        .or_else(|| labels.first())
        .cloned()
        .and_then(literal_text)
}

/// A place's coordinates as (longitude, latitude), from its `tl:geo` node; none when either is
/// missing or out of range.
pub fn coordinates(store: &dyn Quads, place: NamedOrBlankNodeRef<'_>) -> Option<(f64, f64)> {
    let geo = objects(store, place, vocab::GEO)
        .iter()
        .find_map(term_node)?;
    let number = |p: NamedNodeRef<'static>| {
        objects(store, geo.as_ref(), p)
            .into_iter()
            .find_map(|o| literal_text(o)?.trim().parse::<f64>().ok())
    };
    let (longitude, latitude) = (number(vocab::LONGITUDE)?, number(vocab::LATITUDE)?);
    ((-180.0..=180.0).contains(&longitude) && (-90.0..=90.0).contains(&latitude))
        .then_some((longitude, latitude))
}

/// The IRIs `node` links to by `property`.
pub fn linked(
    store: &dyn Quads,
    node: NamedOrBlankNodeRef<'_>,
    property: NamedNodeRef<'_>,
) -> Vec<NamedNode> {
    objects(store, node, property)
        .into_iter()
        .filter_map(|o| match o {
            Term::NamedNode(n) => Some(n),
            _ => None,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::fold;

    #[test]
    fn folding_ignores_accents_and_case() {
        assert_eq!(fold("Île-de-France"), fold("ile-de-france"));
        assert_eq!(fold("Cahier d’activités"), "cahier d'activites");
        assert!(fold("La Fabrique des Possibles").contains(&fold("fabrique des possibles")));
        // Decomposed accents (NFD) fold like composed ones.
        assert_eq!(fold("Re\u{301}seau"), fold("Réseau"));
        assert_eq!(fold("Re\u{301}seau"), "reseau");
    }
}
