//! Places as GeoJSON (RFC 7946): a FeatureCollection of Points, longitude first, WGS 84, which
//! uMap, QGIS and Leaflet read as they are.

use serde_json::{json, Value};

/// A linked resource shown in a feature's properties: its IRI and its label.
#[derive(Clone, Debug, serde::Serialize)]
pub struct Link {
    pub id: String,
    pub name: String,
}

/// One place with coordinates.
#[derive(Clone, Debug)]
pub struct PlaceFeature {
    pub id: String,
    pub name: String,
    pub longitude: f64,
    pub latitude: f64,
    pub locality: Option<String>,
    pub networks: Vec<Link>,
    pub place_types: Vec<Link>,
}

pub const MEDIA_TYPE: &str = "application/geo+json";

pub fn feature_collection(features: &[PlaceFeature]) -> Value {
    let features: Vec<Value> = features
        .iter()
        .map(|f| {
            json!({
                "type": "Feature",
                "id": f.id,
                "geometry": { "type": "Point", "coordinates": [f.longitude, f.latitude] },
                "properties": {
                    "name": f.name,
                    "url": f.id,
                    "locality": f.locality,
                    "networks": f.networks,
                    "placeTypes": f.place_types,
                },
            })
        })
        .collect();
    json!({ "type": "FeatureCollection", "features": features })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn coordinates_are_longitude_then_latitude() {
        let collection = feature_collection(&[PlaceFeature {
            id: "http://x/places/a".into(),
            name: "A".into(),
            longitude: 2.35,
            latitude: 48.85,
            locality: None,
            networks: vec![],
            place_types: vec![],
        }]);
        assert_eq!(collection["type"], "FeatureCollection");
        assert_eq!(
            collection["features"][0]["geometry"]["coordinates"],
            json!([2.35, 48.85])
        );
    }
}
