//! The French web interface's HTML pages. Templates are maud macros, compiled with the binary:
//! every interpolated value is escaped, so a name like `<script>` shows as text. Pages are
//! rendered from the same documents as the JSON-LD API (the compact resource document, the
//! Hydra collection document, the funding views); only presentation is decided here.

use maud::{html, Markup, PreEscaped, DOCTYPE};
use serde_json::{Map, Value};
use std::collections::HashMap;

/// A link to a resource of the store, with its label.
#[derive(Clone, Debug)]
pub struct Item {
    pub href: String,
    pub name: String,
}

/// Where pages sit: turns IRIs under the base into paths of this server.
pub struct Site<'a> {
    pub base: &'a str,
}

impl Site<'_> {
    pub fn href(&self, iri: &str) -> String {
        match iri.strip_prefix(self.base) {
            Some(path) => format!("/{path}"),
            None => iri.to_owned(),
        }
    }
}

const NAV: &[(&str, &str)] = &[
    ("/places", "Tiers-lieux"),
    ("/commons", "Communs"),
    ("/contributors", "Contributeur·ices"),
    ("/pledges", "Financements"),
    ("/campaigns", "Campagnes"),
    ("/networks", "Réseaux"),
    ("/sparql", "SPARQL"),
    ("/validate", "Validateur"),
    ("/api", "API"),
];

/// Scripts and style sheets a page loads, under /assets/.
#[derive(Default)]
pub struct Assets {
    pub styles: &'static [&'static str],
    pub scripts: &'static [&'static str],
}

/// The frame of every page: language, navigation, one `h1`, then the body.
pub fn layout(title: &str, assets: &Assets, body: Markup) -> String {
    html! {
        (DOCTYPE)
        html lang="fr" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (title) " — Lieux Communs" }
                link rel="icon" type="image/svg+xml" href="/assets/site/favicon.svg";
                @for style in assets.styles {
                    link rel="stylesheet" href={ "/assets/" (style) };
                }
                link rel="stylesheet" href="/assets/site/site.css";
            }
            body {
                header.site {
                    a.brand href="/" { "Lieux Communs" }
                    nav aria-label="Navigation principale" {
                        ul {
                            @for (href, label) in NAV {
                                li { a href=(href) { (label) } }
                            }
                        }
                    }
                }
                main {
                    h1 { (title) }
                    (body)
                }
                footer.site {
                    p {
                        "Données ouvertes des tiers-lieux et des communs · "
                        a href="/sparql" { "SPARQL" } " · "
                        a href="/context.jsonld" { "contexte JSON-LD" } " · "
                        a href="/openapi.json" { "OpenAPI" } " · "
                        a href="/dump" { "export complet (N-Quads)" } " · "
                        a href="/.well-known/void" { "VoID" }
                    }
                }
                @for script in assets.scripts {
                    script src={ "/assets/" (script) } {}
                }
            }
        }
    }
    .into_string()
}

/// One count of the home page.
pub struct Count {
    pub segment: &'static str,
    pub label: &'static str,
    pub count: usize,
}

/// Results of the home page's search, by collection.
pub struct SearchGroup {
    pub segment: &'static str,
    pub label: &'static str,
    pub total: usize,
    pub items: Vec<Item>,
}

pub fn home(counts: &[Count], query: Option<&str>, results: &[SearchGroup]) -> String {
    let body = html! {
        p.lead {
            "Lieux Communs rassemble les données ouvertes des tiers-lieux de France, des communs "
            "qu'ils partagent, de celles et ceux qui y contribuent et des intentions de financement "
            "des campagnes de cofinancement. Chaque réseau publie ses données ; chacun peut les lire, "
            "les interroger et les réutiliser."
        }
        section aria-labelledby="chiffres" {
            h2 id="chiffres" { "En chiffres" }
            ul.counts {
                @for c in counts {
                    li data-collection=(c.segment) {
                        a href={ "/" (c.segment) } {
                            span.count { (number(c.count as f64)) }
                            " " span.label { (c.label) }
                        }
                    }
                }
            }
        }
        section aria-labelledby="recherche" {
            h2 id="recherche" { "Rechercher" }
            form.search method="get" action="/" role="search" {
                label for="q" { "Nom d'un lieu, d'un commun, d'une personne, d'un réseau…" }
                input id="q" type="search" name="q" value=[query];
                button type="submit" { "Rechercher" }
            }
            @if let Some(q) = query {
                @let total: usize = results.iter().map(|g| g.total).sum();
                p.results-summary {
                    @if total == 0 { "Aucun résultat pour « " (q) " »." }
                    @else { (number(total as f64)) " résultat" @if total > 1 { "s" } " pour « " (q) " »." }
                }
                @for group in results {
                    @if group.total > 0 {
                        h3 { (group.label) " (" (group.total) ")" }
                        ul.search-results data-collection=(group.segment) {
                            @for item in &group.items {
                                li { a href=(item.href) { (item.name) } }
                            }
                        }
                        @if group.total > group.items.len() {
                            p { a href={ "/" (group.segment) "?q=" (urlencode(q)) } { "Voir les " (group.total) " résultats" } }
                        }
                    }
                }
            }
        }
        section aria-labelledby="outils" {
            h2 id="outils" { "Pour aller plus loin" }
            ul {
                li { a href="/places" { "La carte des tiers-lieux" } " (aussi en " a href="/places?format=geojson" { "GeoJSON" } ")" }
                li { a href="/campaigns" { "Les campagnes de cofinancement" } " et la progression de chaque commun" }
                li { a href="/sparql" { "L'éditeur de requêtes SPARQL" } ", avec des exemples prêts à lancer" }
                li { a href="/validate" { "Le validateur" } " : vérifier un export avant de le publier" }
                li { a href="/api" { "La référence de l'API" } " (" a href="/openapi.json" { "openapi.json" } ")" }
                li { "Pour les machines : " a href="/context.jsonld" { "contexte JSON-LD" } ", " a href="/ontology" { "ontologie" } ", " a href="/shapes" { "formes SHACL" } ", " a href="/dump" { "export N-Quads" } ", " a href="/.well-known/void" { "description VoID" } }
            }
        }
    };
    layout(
        "Les données ouvertes des tiers-lieux",
        &Assets::default(),
        body,
    )
}

/// The filters of a collection page, as given in its query string.
#[derive(Default)]
pub struct FilterValues {
    pub q: Option<String>,
    pub network: Option<String>,
    pub tag: Option<String>,
    pub region: Option<String>,
    pub commons: Option<String>,
    pub campaign: Option<String>,
    pub limit: usize,
}

/// A choice of a select element.
pub struct Choice {
    pub value: String,
    pub label: String,
}

/// What a collection page shows besides its Hydra document.
pub struct CollectionPage<'a> {
    pub segment: &'a str,
    pub title: &'a str,
    pub filters: FilterValues,
    pub networks: Vec<Choice>,
    /// Places only: the map's tile URL template (empty: no tiles) and attribution.
    pub map: Option<(&'a str, &'a str)>,
}

pub fn collection(site: &Site<'_>, page: &CollectionPage<'_>, document: &Value) -> String {
    let total = document["totalItems"].as_u64().unwrap_or(0);
    let members = document["member"].as_array().cloned().unwrap_or_default();
    let view = &document["view"];
    let link = |key: &str| view[key].as_str().map(|url| site.href(url));
    let f = &page.filters;
    let body = html! {
        @if let Some((tiles, attribution)) = page.map {
            section aria-labelledby="carte" {
                h2 id="carte" { "Carte" }
                div.map-filters {
                    label for="map-network" { "Réseau" }
                    select id="map-network" { option value="" { "Tous les réseaux" } }
                    label for="map-type" { "Type de lieu" }
                    select id="map-type" { option value="" { "Tous les types" } }
                    span id="map-status" role="status" {}
                }
                div id="map" data-geojson={ "/" (page.segment) "?format=geojson" } data-tiles=(tiles) data-attribution=(attribution) {}
                noscript { p { "La carte a besoin de JavaScript ; la liste ci-dessous n'en a pas besoin." } }
            }
        }
        section aria-labelledby="filtres" {
            h2 id="filtres" { "Filtrer" }
            form.filters method="get" action={ "/" (page.segment) } {
                div { label for="f-q" { "Nom contient" } input id="f-q" type="search" name="q" value=[f.q.as_deref()]; }
                div {
                    label for="f-network" { "Réseau" }
                    select id="f-network" name="network" {
                        option value="" { "Tous" }
                        @for choice in &page.networks {
                            option value=(choice.value) selected[f.network.as_deref() == Some(choice.value.as_str())] { (choice.label) }
                        }
                    }
                }
                div { label for="f-tag" { "Mot-clé" } input id="f-tag" type="text" name="tag" value=[f.tag.as_deref()]; }
                div { label for="f-region" { "Région ou début de code postal" } input id="f-region" type="text" name="region" value=[f.region.as_deref()]; }
                div { label for="f-commons" { "Commun (identifiant)" } input id="f-commons" type="text" name="commons" value=[f.commons.as_deref()]; }
                @if page.segment == "pledges" {
                    div { label for="f-campaign" { "Campagne (identifiant)" } input id="f-campaign" type="text" name="campaign" value=[f.campaign.as_deref()]; }
                }
                div {
                    label for="f-limit" { "Par page" }
                    select id="f-limit" name="limit" {
                        @if ![10, 20, 50, 100, 200].contains(&f.limit) {
                            option value=(f.limit) selected { (f.limit) }
                        }
                        @for n in [10usize, 20, 50, 100, 200] {
                            option value=(n) selected[f.limit == n] { (n) }
                        }
                    }
                }
                button type="submit" { "Filtrer" }
            }
        }
        section aria-labelledby="liste" {
            h2 id="liste" { "Liste" }
            p.total { (number(total as f64)) " résultat" @if total != 1 { "s" } }
            ul.members {
                @for m in &members {
                    @let id = m["id"].as_str().unwrap_or_default();
                    li { a href=(site.href(id)) { (m["name"].as_str().unwrap_or(id)) } }
                }
            }
            nav.pager aria-label="Pages" {
                @if let Some(p) = link("previous") { a rel="prev" href=(p) { "← Page précédente" } " " }
                @if let Some(n) = link("next") { a rel="next" href=(n) { "Page suivante →" } }
            }
            p.formats {
                "Pour les programmes : cette liste en JSON-LD avec " code { "Accept: application/ld+json" }
                @if page.map.is_some() { ", en " a href={ "/" (page.segment) "?format=geojson" } { "GeoJSON" } }
                "."
            }
        }
    };
    let assets = if page.map.is_some() {
        Assets {
            styles: &[
                "lib/leaflet/dist/leaflet.css",
                "lib/leaflet.markercluster/dist/MarkerCluster.css",
                "lib/leaflet.markercluster/dist/MarkerCluster.Default.css",
            ],
            scripts: &[
                "lib/leaflet/dist/leaflet.js",
                "lib/leaflet.markercluster/dist/leaflet.markercluster.js",
                "site/map.js",
            ],
        }
    } else {
        Assets::default()
    };
    layout(page.title, &assets, body)
}

/// One commun's funding, as computed by `resources::funding_summary` (and, on a campaign page,
/// what the campaign's own pledges bring).
pub struct FundingRow {
    pub commons: Option<Item>,
    pub budget: f64,
    pub pledged: f64,
    pub confirmed: f64,
    pub paid: f64,
    /// Sur-adhésion (membership shares), not cancelled.
    pub membership_shares: f64,
    /// Campaign pages: pledged through this campaign, and how many pledges.
    pub campaign: Option<(f64, usize)>,
}

/// What a resource page shows besides its document.
pub struct ResourcePage<'a> {
    pub title: &'a str,
    pub class_label: &'a str,
    pub iri: &'a str,
    /// French labels of the document's keys (context terms).
    pub labels: &'a HashMap<String, String>,
    /// Resources linking to this one, by collection: (label, link to the filtered collection, items, total).
    pub neighbours: Vec<(String, String, Vec<Item>, usize)>,
    pub funding: Vec<FundingRow>,
    pub is_campaign: bool,
}

/// Keys of the document shown elsewhere on the page or not meant for people.
const HIDDEN: &[&str] = &[
    "@context",
    "id",
    "type",
    "name",
    "fundingSummary",
    "fundingByCommons",
];

pub fn resource(site: &Site<'_>, page: &ResourcePage<'_>, document: &Value) -> String {
    let empty = Map::new();
    let map = document.as_object().unwrap_or(&empty);
    let json = serde_json::to_string_pretty(document).unwrap_or_default();
    // In the script element, no `<` at all (JSON escapes it as well): nothing can end it early.
    let embedded = json.replace('<', "\\u003c");
    let budget_lines: Vec<&Value> = match map.get("budgetLine") {
        Some(Value::Array(lines)) => lines.iter().collect(),
        Some(line @ Value::Object(_)) => vec![line],
        _ => vec![],
    };
    let body = html! {
        p.kind { (page.class_label) " · " code { (page.iri) } }
        dl.properties {
            @for (key, value) in map {
                @if !HIDDEN.contains(&key.as_str()) && (key != "budgetLine" || budget_lines.is_empty()) {
                    dt { (page.labels.get(key).map(String::as_str).unwrap_or(key)) }
                    dd { (value_html(site, page.labels, value)) }
                }
            }
        }
        @if !budget_lines.is_empty() {
            section aria-labelledby="budget" {
                h2 id="budget" { "Budget" }
                table.budget {
                    caption { "Lignes budgétaires" }
                    thead { tr { th scope="col" { "Ligne" } th scope="col" { "Année" } th scope="col" { "Montant" } } }
                    tbody {
                        @for line in &budget_lines {
                            tr {
                                td { (text(&line["name"])) }
                                td { (text(&line["year"])) }
                                td.amount { (line_amount(&line["amount"])) }
                            }
                        }
                    }
                }
            }
        }
        @if !page.funding.is_empty() {
            section aria-labelledby="financement" {
                h2 id="financement" { @if page.is_campaign { "Progression par commun" } @else { "Financement" } }
                @for row in &page.funding { (funding_row(row)) }
            }
        }
        @for (label, all, items, total) in &page.neighbours {
            @if *total > 0 {
                section.neighbours {
                    h2 { (label) " (" (total) ")" }
                    ul { @for item in items { li { a href=(item.href) { (item.name) } } } }
                    @if *total > items.len() { p { a href=(all) { "Voir les " (total) } } }
                }
            }
        }
        details.jsonld {
            summary { "Données (JSON-LD)" }
            pre { (json) }
        }
        script type="application/ld+json" { (PreEscaped(embedded)) }
    };
    layout(page.title, &Assets::default(), body)
}

fn funding_row(row: &FundingRow) -> Markup {
    let of = |part: f64| {
        if row.budget > 0.0 {
            (part / row.budget * 100.0).clamp(0.0, 100.0)
        } else {
            0.0
        }
    };
    html! {
        div.funding data-commons=[row.commons.as_ref().map(|c| c.href.as_str())] {
            @if let Some(commons) = &row.commons {
                h3 { a href=(commons.href) { (commons.name) } }
            } @else {
                h3 { "Intentions pour la campagne dans son ensemble" }
            }
            @if let Some((amount, count)) = row.campaign {
                p.campaign-total { "Par cette campagne : " strong { (euros(amount)) } " (" (count) " intention" @if count != 1 { "s" } ")" }
            }
            @if row.commons.is_some() {
                p.budget-total {
                    "Budget recherché : "
                    @if row.budget > 0.0 { strong { (euros(row.budget)) } } @else { "non renseigné" }
                }
                @for (class, label, amount) in [("pledged", "Promis", row.pledged), ("confirmed", "Confirmé", row.confirmed), ("paid", "Versé", row.paid)] {
                    div.bar-row {
                        span.bar-label id={ "l-" (class) } { (label) }
                        @if row.budget > 0.0 {
                            progress class=(class) max="100" value=(format!("{:.1}", of(amount))) aria-label={ (label) " : " (euros(amount)) " sur " (euros(row.budget)) } { (format!("{:.0}", of(amount))) " %" }
                        }
                        span.bar-amount { (euros(amount)) @if row.budget > 0.0 { " sur " (euros(row.budget)) " (" (format!("{:.0}", of(amount))) " %)" } }
                    }
                }
            }
            @if row.membership_shares > 0.0 {
                p.membership-shares { "Dont sur-adhésion : " strong { (euros(row.membership_shares)) } " (parts d'adhésion reversées au commun)" }
            }
        }
    }
}

/// A document value as HTML: linked resources by their label, nested nodes as lists.
fn value_html(site: &Site<'_>, labels: &HashMap<String, String>, value: &Value) -> Markup {
    html! {
        @match value {
            Value::Array(items) => ul { @for item in items { li { (value_html(site, labels, item)) } } },
            Value::Object(map) => {
                @if let Some(id) = map.get("id").and_then(Value::as_str) {
                    @let label = map.get("name").or_else(|| map.get("prefLabel")).map(text);
                    @if let (Some(label), true) = (&label, map.len() <= 3) {
                        a href=(site.href(id)) { (label) }
                    } @else if map.len() == 1 && !id.starts_with("_:") {
                        a href=(site.href(id)) { (id) }
                    } @else {
                        (nested(site, labels, map))
                    }
                } @else if let Some(v) = map.get("@value") {
                    (text(v))
                } @else if map.contains_key("fr") || map.contains_key("en") {
                    (text(value))
                } @else {
                    (nested(site, labels, map))
                }
            },
            Value::String(s) if s.starts_with("http://") || s.starts_with("https://") => a href=(site.href(s)) { (s) },
            other => (text(other)),
        }
    }
}

fn nested(site: &Site<'_>, labels: &HashMap<String, String>, map: &Map<String, Value>) -> Markup {
    html! {
        dl {
            @for (k, v) in map {
                @if k != "id" && k != "type" {
                    dt { (labels.get(k).map(String::as_str).unwrap_or(k)) }
                    dd { (value_html(site, labels, v)) }
                }
            }
        }
    }
}

/// The text of a value: strings as they are, language maps in French first.
fn text(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        Value::Null => String::new(),
        Value::Object(map) => map
            .get("@value")
            .or_else(|| map.get("fr"))
            .or_else(|| map.get("@none"))
            .or_else(|| map.values().next())
            .map(text)
            .unwrap_or_default(),
        Value::Bool(true) => "oui".into(),
        Value::Bool(false) => "non".into(),
        other => other.to_string(),
    }
}

fn line_amount(value: &Value) -> String {
    let raw = text(value);
    raw.parse::<f64>().map(euros).unwrap_or(raw)
}

/// `8000` → `8 000`, `1234.5` → `1 234,5` (French: no-break space between thousands).
pub fn number(value: f64) -> String {
    let negative = value < 0.0;
    let rounded = (value.abs() * 100.0).round() / 100.0;
    let whole = rounded.trunc() as u64;
    let cents = ((rounded - rounded.trunc()) * 100.0).round() as u64;
    let digits = whole.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push('\u{a0}');
        }
        out.push(c);
    }
    if cents > 0 {
        out.push_str(&format!(",{cents:02}"));
    }
    if negative {
        out.insert(0, '-');
    }
    out
}

/// `8000` → `8 000 €`.
pub fn euros(value: f64) -> String {
    format!("{}\u{a0}€", number(value))
}

fn urlencode(text: &str) -> String {
    url::form_urlencoded::byte_serialize(text.as_bytes()).collect()
}

/// Partner queries offered as ready examples in the SPARQL editor: (title, query).
pub type Example = (&'static str, String);

pub fn sparql(examples: &[Example], prefixes: &[(&str, &str)]) -> String {
    let config = serde_json::json!({
        "endpoint": "/sparql",
        "examples": examples.iter().map(|(t, q)| serde_json::json!({"title": t, "query": q})).collect::<Vec<_>>(),
        "prefixes": prefixes.iter().map(|(p, ns)| (p.to_string(), Value::String(ns.to_string()))).collect::<Map<_, _>>(),
    });
    let body = html! {
        p {
            "Interrogez toutes les données du service en SPARQL 1.1. Choisissez un exemple, modifiez-le, "
            "puis lancez-le (Ctrl+Entrée). Les préfixes de l'ontologie sont déjà déclarés."
        }
        div.examples {
            label for="example" { "Exemple" }
            select id="example" {
                @for (i, (title, _)) in examples.iter().enumerate() { option value=(i) { (title) } }
            }
            button id="load-example" type="button" { "Charger l'exemple" }
        }
        div id="yasgui" {}
        noscript {
            p { "L'éditeur a besoin de JavaScript. Sans lui, envoyez votre requête par ce formulaire :" }
            form method="get" action="/sparql" {
                label for="query-plain" { "Requête" }
                textarea id="query-plain" name="query" rows="10" cols="80" { (examples.first().map(|e| e.1.as_str()).unwrap_or_default()) }
                input type="hidden" name="format" value="csv";
                button type="submit" { "Exécuter (résultat CSV)" }
            }
        }
        script id="sparql-config" type="application/json" { (PreEscaped(config.to_string().replace('<', "\\u003c"))) }
    };
    layout(
        "Éditeur SPARQL",
        &Assets {
            styles: &["lib/@zazuko/yasgui/build/yasgui.min.css"],
            scripts: &["lib/@zazuko/yasgui/build/yasgui.min.js", "site/sparql.js"],
        },
        body,
    )
}

pub fn validator(shape_sets: &[Choice]) -> String {
    let body = html! {
        p {
            "Vérifiez un export avant de le publier : collez-le ou choisissez un fichier, puis lancez la validation. "
            "Rien n'est enregistré."
        }
        form id="validate-form" method="post" action="/validate" {
            div {
                label for="v-format" { "Format" }
                select id="v-format" name="format" {
                    option value="text/turtle" { "Turtle" }
                    option value="application/ld+json" { "JSON-LD" }
                    option value="application/n-triples" { "N-Triples" }
                    option value="application/rdf+xml" { "RDF/XML" }
                }
            }
            div {
                label for="v-file" { "Fichier" }
                input id="v-file" type="file" name="file" accept=".ttl,.jsonld,.json,.nt,.rdf,.xml";
            }
            div {
                label for="v-text" { "Ou collez les données" }
                textarea id="v-text" name="data" rows="14" cols="80" {}
            }
            div {
                label for="v-shapes" { "Jeu de formes" }
                select id="v-shapes" name="shapes" {
                    @for s in shape_sets { option value=(s.value) { (s.label) } }
                }
            }
            div {
                input id="v-store" type="checkbox" name="context" value="store";
                label for="v-store" { "Comme une écriture : avec les données du service (les liens vers ses ressources sont résolus)" }
            }
            button type="submit" { "Valider" }
        }
        noscript { p { "Le validateur a besoin de JavaScript ; sans lui, utilisez " code { "POST /validate" } " ou la commande " code { "lieux-communs validate" } "." } }
        section id="report" aria-live="polite" {}
    };
    layout(
        "Valider un export",
        &Assets {
            styles: &[],
            scripts: &["site/validate.js"],
        },
        body,
    )
}

pub fn api_reference() -> String {
    let body = html! {
        p {
            "La référence de l'API, lue dans " a href="/openapi.json" { "/openapi.json" } "."
        }
        div id="swagger" {}
        noscript { p { "La référence a besoin de JavaScript ; le document " a href="/openapi.json" { "openapi.json" } " se lit sans." } }
    };
    layout(
        "Référence de l'API",
        &Assets {
            styles: &["lib/swagger-ui-dist/swagger-ui.css"],
            scripts: &["lib/swagger-ui-dist/swagger-ui-bundle.js", "site/api.js"],
        },
        body,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amounts_are_written_the_french_way() {
        assert_eq!(euros(8000.0), "8\u{a0}000\u{a0}€");
        assert_eq!(euros(1234.5), "1\u{a0}234,50\u{a0}€");
        assert_eq!(euros(50.0), "50\u{a0}€");
        assert_eq!(number(1_234_567.0), "1\u{a0}234\u{a0}567");
    }

    #[test]
    fn values_are_escaped() {
        let html = home(
            &[],
            Some("<script>alert(1)</script>"),
            &[SearchGroup {
                segment: "places",
                label: "Tiers-lieux",
                total: 1,
                items: vec![Item {
                    href: "/places/x".into(),
                    name: "<script>alert(1)</script>".into(),
                }],
            }],
        );
        assert!(!html.contains("<script>alert(1)"));
        assert!(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
    }
}
