//! Whether a place's coordinates agree with its postal code: each French department (the first
//! two or three digits of a postal code) with an approximate centre and the distance from it
//! within which its communes lie. Coarse on purpose: it catches a record that mixes two places
//! (the official example of the médiation numérique schema puts Reims, 51100, at
//! Aix-en-Provence), not a commune a few kilometres off.

/// (postal code prefix, latitude, longitude, radius in km).
const DEPARTMENTS: &[(&str, f64, f64, f64)] = &[
    ("01", 46.10, 5.35, 150.0),
    ("02", 49.55, 3.55, 150.0),
    ("03", 46.40, 3.20, 150.0),
    ("04", 44.10, 6.25, 150.0),
    ("05", 44.65, 6.30, 150.0),
    ("06", 43.95, 7.15, 150.0),
    ("07", 44.75, 4.45, 150.0),
    ("08", 49.60, 4.65, 150.0),
    ("09", 42.95, 1.50, 150.0),
    ("10", 48.30, 4.15, 150.0),
    ("11", 43.10, 2.40, 150.0),
    ("12", 44.30, 2.65, 150.0),
    ("13", 43.55, 5.10, 150.0),
    ("14", 49.10, -0.35, 150.0),
    ("15", 45.05, 2.65, 150.0),
    ("16", 45.70, 0.20, 150.0),
    ("17", 45.75, -0.70, 150.0),
    ("18", 47.05, 2.50, 150.0),
    ("19", 45.35, 1.90, 150.0),
    ("20", 42.15, 9.05, 200.0),
    ("21", 47.40, 4.75, 150.0),
    ("22", 48.45, -2.85, 150.0),
    ("23", 46.10, 2.00, 150.0),
    ("24", 45.10, 0.75, 150.0),
    ("25", 47.15, 6.35, 150.0),
    ("26", 44.70, 5.15, 150.0),
    ("27", 49.10, 1.00, 150.0),
    ("28", 48.30, 1.35, 150.0),
    ("29", 48.25, -4.10, 150.0),
    ("30", 44.00, 4.20, 150.0),
    ("31", 43.35, 1.20, 150.0),
    ("32", 43.70, 0.45, 150.0),
    ("33", 44.85, -0.55, 150.0),
    ("34", 43.60, 3.40, 150.0),
    ("35", 48.15, -1.65, 150.0),
    ("36", 46.80, 1.60, 150.0),
    ("37", 47.25, 0.70, 150.0),
    ("38", 45.25, 5.55, 150.0),
    ("39", 46.75, 5.70, 150.0),
    ("40", 43.95, -0.80, 150.0),
    ("41", 47.60, 1.40, 150.0),
    ("42", 45.70, 4.15, 150.0),
    ("43", 45.10, 3.80, 150.0),
    ("44", 47.35, -1.70, 150.0),
    ("45", 47.90, 2.35, 150.0),
    ("46", 44.60, 1.60, 150.0),
    ("47", 44.35, 0.45, 150.0),
    ("48", 44.50, 3.50, 150.0),
    ("49", 47.40, -0.55, 150.0),
    ("50", 49.10, -1.30, 150.0),
    ("51", 48.95, 4.20, 150.0),
    ("52", 48.10, 5.20, 150.0),
    ("53", 48.15, -0.65, 150.0),
    ("54", 48.80, 6.15, 150.0),
    ("55", 49.00, 5.40, 150.0),
    ("56", 47.85, -2.80, 150.0),
    ("57", 49.05, 6.65, 150.0),
    ("58", 47.10, 3.50, 150.0),
    ("59", 50.45, 3.20, 150.0),
    ("60", 49.40, 2.45, 150.0),
    ("61", 48.60, 0.15, 150.0),
    ("62", 50.50, 2.30, 150.0),
    ("63", 45.70, 3.15, 150.0),
    ("64", 43.25, -0.75, 150.0),
    ("65", 43.05, 0.15, 150.0),
    ("66", 42.60, 2.50, 150.0),
    ("67", 48.65, 7.55, 150.0),
    ("68", 47.85, 7.25, 150.0),
    ("69", 45.85, 4.65, 150.0),
    ("70", 47.65, 6.10, 150.0),
    ("71", 46.65, 4.55, 150.0),
    ("72", 48.00, 0.20, 150.0),
    ("73", 45.50, 6.45, 150.0),
    ("74", 46.05, 6.45, 150.0),
    ("75", 48.86, 2.35, 150.0),
    ("76", 49.65, 1.00, 150.0),
    ("77", 48.60, 2.95, 150.0),
    ("78", 48.80, 1.85, 150.0),
    ("79", 46.55, -0.30, 150.0),
    ("80", 49.95, 2.30, 150.0),
    ("81", 43.80, 2.15, 150.0),
    ("82", 44.10, 1.30, 150.0),
    ("83", 43.45, 6.20, 150.0),
    ("84", 44.00, 5.20, 150.0),
    ("85", 46.65, -1.30, 150.0),
    ("86", 46.55, 0.45, 150.0),
    ("87", 45.90, 1.25, 150.0),
    ("88", 48.20, 6.40, 150.0),
    ("89", 47.85, 3.55, 150.0),
    ("90", 47.65, 6.90, 150.0),
    ("91", 48.50, 2.25, 150.0),
    ("92", 48.85, 2.25, 150.0),
    ("93", 48.90, 2.50, 150.0),
    ("94", 48.78, 2.45, 150.0),
    ("95", 49.10, 2.15, 150.0),
    // Overseas: Guadeloupe (and Saint-Barthélemy, Saint-Martin), Martinique, Guyane,
    // La Réunion, Saint-Pierre-et-Miquelon, Mayotte, Wallis-et-Futuna, Nouvelle-Calédonie.
    ("971", 16.25, -61.55, 250.0),
    ("972", 14.65, -61.00, 100.0),
    ("973", 4.00, -53.00, 400.0),
    ("974", -21.12, 55.50, 100.0),
    ("975", 46.90, -56.30, 100.0),
    ("976", -12.80, 45.15, 100.0),
    ("986", -13.80, -177.00, 300.0),
    ("988", -21.30, 165.60, 500.0),
];

/// The distance in km between two points (haversine, on a sphere of the Earth's mean radius).
fn distance_km(a: (f64, f64), b: (f64, f64)) -> f64 {
    let (lat1, lon1) = (a.0.to_radians(), a.1.to_radians());
    let (lat2, lon2) = (b.0.to_radians(), b.1.to_radians());
    let h = ((lat2 - lat1) / 2.0).sin().powi(2)
        + lat1.cos() * lat2.cos() * ((lon2 - lon1) / 2.0).sin().powi(2);
    2.0 * 6371.0 * h.sqrt().asin()
}

/// `Some(km)` when the coordinates lie farther from the postal code's department than its
/// communes do; `None` when they agree or the postal code names no known department (French
/// Polynesia, a foreign code).
pub fn contradiction(postal_code: &str, latitude: f64, longitude: f64) -> Option<f64> {
    let code = postal_code.trim();
    if code.len() != 5 || !code.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let (_, lat, lon, radius) = DEPARTMENTS
        .iter()
        .find(|(prefix, ..)| prefix.len() == 3 && code.starts_with(prefix))
        .or_else(|| {
            DEPARTMENTS
                .iter()
                .find(|(prefix, ..)| prefix.len() == 2 && code.starts_with(prefix))
        })?;
    let km = distance_km((*lat, *lon), (latitude, longitude));
    (km > *radius).then_some(km)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reims_is_not_in_aix_en_provence() {
        assert!(contradiction("51100", 43.52609, 5.41423).is_some_and(|km| km > 500.0));
        assert_eq!(contradiction("51100", 49.2583, 4.0317), None);
        // Near longitude 0, on both sides.
        assert_eq!(contradiction("79120", 46.3252, -0.0339), None);
        assert_eq!(contradiction("16100", 45.66202, -0.32572), None);
        assert_eq!(contradiction("86510", 46.17506, 0.15046), None);
        // Overseas, and codes we cannot judge.
        assert_eq!(contradiction("98800", -22.27, 166.44), None);
        assert!(contradiction("97400", 48.85, 2.35).is_some());
        assert_eq!(contradiction("98714", -17.53, -149.56), None);
        assert_eq!(contradiction("2B033", 42.0, 9.0), None);
    }
}
