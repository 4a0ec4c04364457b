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

/// Kept representations by resource IRI, then by media type, within `max_bytes` of bodies.
pub struct Representations {
    kept: RwLock<Table>,
    max_bytes: usize,
}

#[derive(Default)]
struct Table {
    forms: HashMap<String, Vec<(&'static str, Kept)>>,
    bytes: usize,
}

/// Bounds on what is kept: anyone may GET any resource.
const MAX_RESOURCES: usize = 8192;
const MAX_BODY_BYTES: usize = 256 * 1024;

impl Representations {
    pub fn new(max_bytes: usize) -> Self {
        Self {
            kept: RwLock::default(),
            max_bytes,
        }
    }

    /// The representation of `iri` as `media_type`, if it was rendered at `version`.
    pub fn get(&self, iri: &str, media_type: &str, version: u64) -> Option<Kept> {
        let kept = self.kept.read().unwrap_or_else(|e| e.into_inner());
        kept.forms
            .get(iri)?
            .iter()
            .find(|(m, k)| *m == media_type && k.version == version)
            .map(|(_, k)| k.clone())
    }

    pub fn put(&self, iri: &str, media_type: &'static str, fresh: Kept) {
        if fresh.body.len() > MAX_BODY_BYTES.min(self.max_bytes) {
            return;
        }
        let mut kept = self.kept.write().unwrap_or_else(|e| e.into_inner());
        let table = &mut *kept;
        // A slow reader's rendering does not replace a later one.
        if table.forms.get(iri).is_some_and(|forms| {
            forms
                .iter()
                .any(|(m, k)| *m == media_type && k.version > fresh.version)
        }) {
            return;
        }
        let full = |t: &Table| {
            (!t.forms.contains_key(iri) && t.forms.len() >= MAX_RESOURCES)
                || t.bytes + fresh.body.len() > self.max_bytes
        };
        if full(table) {
            // Older versions go first; if the current one alone fills the table, all go.
            table.retain(|k| k.version >= fresh.version);
            if full(table) {
                table.retain(|_| false);
            }
        }
        let forms = table.forms.entry(iri.to_owned()).or_default();
        let mut freed = 0;
        forms.retain(|(m, k)| {
            let keep = *m != media_type && k.version >= fresh.version;
            if !keep {
                freed += k.body.len();
            }
            keep
        });
        table.bytes = table.bytes - freed + fresh.body.len();
        forms.push((media_type, fresh));
    }
}

impl Table {
    fn retain(&mut self, keep: impl Fn(&Kept) -> bool) {
        let mut bytes = 0;
        self.forms.retain(|_, forms| {
            forms.retain(|(_, k)| keep(k));
            bytes += forms.iter().map(|(_, k)| k.body.len()).sum::<usize>();
            !forms.is_empty()
        });
        self.bytes = bytes;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MAX_KEPT_BYTES: usize = 32 * 1024 * 1024;

    fn kept(version: u64, body: &'static str) -> Kept {
        Kept {
            version,
            etag: HeaderValue::from_static("\"x\""),
            body: Bytes::from_static(body.as_bytes()),
        }
    }

    #[test]
    fn a_representation_serves_its_version_and_media_type_only() {
        let r = Representations::new(MAX_KEPT_BYTES);
        r.put("http://x/a", "text/turtle", kept(3, "ttl"));
        r.put("http://x/a", "application/ld+json", kept(3, "json"));
        assert_eq!(r.get("http://x/a", "text/turtle", 3).unwrap().body, "ttl");
        assert_eq!(
            r.get("http://x/a", "application/ld+json", 3).unwrap().body,
            "json"
        );
        assert!(r.get("http://x/a", "text/turtle", 4).is_none());
        assert!(r.get("http://x/b", "text/turtle", 3).is_none());
        // A newer rendering replaces the older one of the same media type, not the reverse.
        r.put("http://x/a", "text/turtle", kept(4, "ttl4"));
        assert_eq!(r.get("http://x/a", "text/turtle", 4).unwrap().body, "ttl4");
        assert!(r.get("http://x/a", "text/turtle", 3).is_none());
        r.put("http://x/a", "text/turtle", kept(3, "ttl"));
        assert_eq!(r.get("http://x/a", "text/turtle", 4).unwrap().body, "ttl4");
    }

    #[test]
    fn the_table_stays_bounded() {
        let r = Representations::new(MAX_KEPT_BYTES);
        for i in 0..MAX_RESOURCES + 10 {
            r.put(&format!("http://x/{i}"), "text/turtle", kept(1, "t"));
        }
        assert!(r.kept.read().unwrap().forms.len() <= MAX_RESOURCES);
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
        // Large bodies: the bytes kept stay bounded too.
        let large = Bytes::from(vec![b' '; MAX_BODY_BYTES]);
        for i in 0..2 * MAX_KEPT_BYTES / MAX_BODY_BYTES {
            r.put(
                &format!("http://x/large-{i}"),
                "text/turtle",
                Kept {
                    body: large.clone(),
                    ..kept(1, "")
                },
            );
            let table = r.kept.read().unwrap();
            let counted: usize = table
                .forms
                .values()
                .flatten()
                .map(|(_, k)| k.body.len())
                .sum();
            assert_eq!(table.bytes, counted);
            assert!(table.bytes <= MAX_KEPT_BYTES);
        }
    }

    #[test]
    fn nothing_is_kept_with_no_memory_for_it() {
        let r = Representations::new(0);
        r.put("http://x/a", "text/turtle", kept(1, "ttl"));
        assert!(r.get("http://x/a", "text/turtle", 1).is_none());
    }
}
