//! GoGoCarto: our places in GoGoCarto's own JSON element format (`gogofull`), so that a
//! GoGoCarto map can show them as an external source.

use crate::store::AppStore;
use crate::vocab;
use oxigraph::sparql::{QueryResults, SparqlEvaluator};
use serde_json::{json, Map, Value};

/// `{"licence": …, "ontology": "gogofull", "data": [element, …]}`.
pub fn elements(store: &AppStore) -> anyhow::Result<Value> {
    let query = format!(
        "PREFIX tl: <{tl}> PREFIX skos: <{skos}>
        SELECT ?place ?name ?description ?website ?email ?street ?postal ?locality ?country ?lat ?lon
               (GROUP_CONCAT(DISTINCT ?category; SEPARATOR='\\u001f') AS ?categories)
               (GROUP_CONCAT(DISTINCT ?tag; SEPARATOR='\\u001f') AS ?tags)
        WHERE {{
          ?place a tl:Place ; tl:name ?name .
          OPTIONAL {{ ?place tl:description ?description }}
          OPTIONAL {{ ?place tl:website ?website }}
          OPTIONAL {{ ?place tl:email ?email }}
          OPTIONAL {{ ?place tl:address ?a .
            OPTIONAL {{ ?a tl:streetAddress ?street }} OPTIONAL {{ ?a tl:postalCode ?postal }}
            OPTIONAL {{ ?a tl:locality ?locality }} OPTIONAL {{ ?a tl:country ?country }} }}
          OPTIONAL {{ ?place tl:geo ?g . ?g tl:latitude ?lat ; tl:longitude ?lon }}
          OPTIONAL {{ ?place tl:placeType ?type . ?type skos:prefLabel ?category FILTER(LANG(?category) = 'fr') }}
          OPTIONAL {{ ?place tl:tag ?tag }}
        }} GROUP BY ?place ?name ?description ?website ?email ?street ?postal ?locality ?country ?lat ?lon
        ORDER BY ?place",
        tl = vocab::TL,
        skos = vocab::SKOS,
    );
    let mut prepared = SparqlEvaluator::new().parse_query(&query)?;
    prepared.dataset_mut().set_default_graph_as_union();
    let QueryResults::Solutions(solutions) = prepared.on_store(&store.store).execute()? else {
        anyhow::bail!("a SELECT query answers solutions");
    };
    let mut data = Vec::new();
    let mut last: Option<String> = None;
    for solution in solutions {
        let solution = solution?;
        let text = |name: &str| -> Option<String> {
            solution.get(name).map(|t| match t {
                oxigraph::model::Term::Literal(l) => l.value().to_owned(),
                oxigraph::model::Term::NamedNode(n) => n.as_str().to_owned(),
                other => other.to_string(),
            })
        };
        let id = text("place").unwrap_or_default();
        // One element per place even when the data has several names or coordinates.
        if last.as_deref() == Some(id.as_str()) {
            continue;
        }
        last = Some(id.clone());
        let mut element = Map::new();
        element.insert("id".into(), json!(id));
        element.insert("name".into(), json!(text("name")));
        if let (Some(lat), Some(lon)) = (text("lat"), text("lon")) {
            if let (Ok(lat), Ok(lon)) = (lat.parse::<f64>(), lon.parse::<f64>()) {
                element.insert("geo".into(), json!({ "latitude": lat, "longitude": lon }));
            }
        }
        let mut address = Map::new();
        for (key, var) in [
            ("streetAddress", "street"),
            ("postalCode", "postal"),
            ("addressLocality", "locality"),
            ("addressCountry", "country"),
        ] {
            if let Some(v) = text(var) {
                address.insert(key.into(), json!(v));
            }
        }
        if !address.is_empty() {
            element.insert("address".into(), Value::Object(address));
        }
        let split = |v: Option<String>| -> Vec<String> {
            v.map(|s| {
                s.split('\u{1f}')
                    .filter(|x| !x.is_empty())
                    .map(String::from)
                    .collect()
            })
            .unwrap_or_default()
        };
        element.insert("categories".into(), json!(split(text("categories"))));
        element.insert("tags".into(), json!(split(text("tags"))));
        for key in ["description", "website", "email"] {
            if let Some(v) = text(key) {
                element.insert(key.into(), json!(v));
            }
        }
        element.insert("sourceKey".into(), json!("LieuxCommuns"));
        data.push(Value::Object(element));
    }
    Ok(json!({
        "licence": "https://opendatacommons.org/licenses/odbl/summary/",
        "ontology": "gogofull",
        "data": data,
    }))
}
