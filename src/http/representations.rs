//! Resource representations kept between reads. Rendering a resource costs index look-ups and
//! the decoding of every string of its quads (most of a GET's time, measured with perf); a
//! representation is reused until the next commit, whatever that commit touched: a resource's
//! JSON-LD carries the labels of what it links to and the funding totals of other resources'
//! pledges, so a finer invalidation would have to know every such dependency.

use axum::body::Bytes;
use axum::http::HeaderValue;
use std::collections::HashMap;
use std::sync::RwLock;

/// One rendered representation and the store version it was read at.
#[derive(Clone)]
pub struct Kept {
    pub version: u64,
    pub etag: HeaderValue,
    pub body: Bytes,
}

/// Kept representations by resource IRI, then by media type.
#[derive(Default)]
pub struct Representations {
    kept: RwLock<HashMap<String, Vec<(&'static str, Kept)>>>,
}

/// Bounds on what is kept: anyone may GET any resource.
const MAX_RESOURCES: usize = 8192;
const MAX_BODY_BYTES: usize = 256 * 1024;

impl Representations {
    /// The representation of `iri` as `media_type`, if it was rendered at `version`.
    pub fn get(&self, iri: &str, media_type: &str, version: u64) -> Option<Kept> {
        let kept = self.kept.read().unwrap_or_else(|e| e.into_inner());
        kept.get(iri)?
            .iter()
            .find(|(m, k)| *m == media_type && k.version == version)
            .map(|(_, k)| k.clone())
    }

    pub fn put(&self, iri: &str, media_type: &'static str, fresh: Kept) {
        if fresh.body.len() > MAX_BODY_BYTES {
            return;
        }
        let mut kept = self.kept.write().unwrap_or_else(|e| e.into_inner());
        if !kept.contains_key(iri) && kept.len() >= MAX_RESOURCES {
            // Older versions go first; if the current one alone fills the table, all go.
            kept.retain(|_, forms| {
                forms.retain(|(_, k)| k.version >= fresh.version);
                !forms.is_empty()
            });
            if kept.len() >= MAX_RESOURCES {
                kept.clear();
            }
        }
        let forms = kept.entry(iri.to_owned()).or_default();
        forms.retain(|(m, k)| *m != media_type && k.version >= fresh.version);
        forms.push((media_type, fresh));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kept(version: u64, body: &'static str) -> Kept {
        Kept {
            version,
            etag: HeaderValue::from_static("\"x\""),
            body: Bytes::from_static(body.as_bytes()),
        }
    }

    #[test]
    fn a_representation_serves_its_version_and_media_type_only() {
        let r = Representations::default();
        r.put("http://x/a", "text/turtle", kept(3, "ttl"));
        r.put("http://x/a", "application/ld+json", kept(3, "json"));
        assert_eq!(r.get("http://x/a", "text/turtle", 3).unwrap().body, "ttl");
        assert_eq!(
            r.get("http://x/a", "application/ld+json", 3).unwrap().body,
            "json"
        );
        assert!(r.get("http://x/a", "text/turtle", 4).is_none());
        assert!(r.get("http://x/b", "text/turtle", 3).is_none());
        // A newer rendering replaces the older one of the same media type.
        r.put("http://x/a", "text/turtle", kept(4, "ttl4"));
        assert_eq!(r.get("http://x/a", "text/turtle", 4).unwrap().body, "ttl4");
        assert!(r.get("http://x/a", "text/turtle", 3).is_none());
    }

    #[test]
    fn the_table_stays_bounded() {
        let r = Representations::default();
        for i in 0..MAX_RESOURCES + 10 {
            r.put(&format!("http://x/{i}"), "text/turtle", kept(1, "t"));
        }
        assert!(r.kept.read().unwrap().len() <= MAX_RESOURCES);
        let last = format!("http://x/{}", MAX_RESOURCES + 9);
        assert!(r.get(&last, "text/turtle", 1).is_some());
        r.put(
            "http://x/big",
            "text/turtle",
            Kept {
                body: Bytes::from(vec![b' '; MAX_BODY_BYTES + 1]),
                ..kept(1, "")
            },
        );
        assert!(r.get("http://x/big", "text/turtle", 1).is_none());
    }
}
