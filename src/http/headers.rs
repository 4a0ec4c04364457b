//! Request headers read through the `headers` crate's typed headers (via axum-extra): the
//! bearer token, conditional requests, and `Prefer` (RFC 7240), which that crate lacks.

use axum::http::{HeaderMap, HeaderName, HeaderValue};
use axum_extra::headers::authorization::Bearer;
use axum_extra::headers::{Authorization, ETag, Header, HeaderMapExt, IfMatch, IfNoneMatch};

/// The bearer token (RFC 6750; the scheme's case does not matter, as RFC 7235 has it).
pub fn bearer(headers: &HeaderMap) -> Option<String> {
    headers
        .typed_get::<Authorization<Bearer>>()
        .map(|auth| auth.token().trim().to_owned())
}

/// Whether `If-None-Match` names this entity tag (or `*`): the client holds it already.
pub fn not_modified(headers: &HeaderMap, etag: &HeaderValue) -> bool {
    let (Some(given), Some(tag)) = (
        headers.typed_get::<IfNoneMatch>(),
        etag.to_str().ok().and_then(|t| t.parse::<ETag>().ok()),
    ) else {
        return false;
    };
    !given.precondition_passes(&tag)
}

/// `If-Match`, when the request has one.
pub fn if_match(headers: &HeaderMap) -> Option<IfMatch> {
    headers.typed_get::<IfMatch>()
}

/// Whether `If-Match` names one of `tags` (`*` is left to the caller: it means "exists").
pub fn matches_any(if_match: &IfMatch, tags: impl IntoIterator<Item = String>) -> bool {
    tags.into_iter()
        .filter_map(|tag| tag.parse::<ETag>().ok())
        .any(|tag| if_match.precondition_passes(&tag))
}

/// `Prefer` (RFC 7240): only `return=minimal` changes our answers.
pub struct Prefer {
    pub return_minimal: bool,
}

static PREFER: HeaderName = HeaderName::from_static("prefer");

impl Header for Prefer {
    fn name() -> &'static HeaderName {
        &PREFER
    }

    fn decode<'i, I: Iterator<Item = &'i HeaderValue>>(
        values: &mut I,
    ) -> Result<Self, axum_extra::headers::Error> {
        let mut return_minimal = false;
        for value in values {
            let value = value
                .to_str()
                .map_err(|_| axum_extra::headers::Error::invalid())?;
            // preference *( OWS ";" OWS parameter ), comma-separated; the value may be quoted.
            for preference in value.split(',') {
                let token = preference.split(';').next().unwrap_or("").trim();
                if let Some((name, value)) = token.split_once('=') {
                    if name.trim().eq_ignore_ascii_case("return")
                        && value
                            .trim()
                            .trim_matches('"')
                            .eq_ignore_ascii_case("minimal")
                    {
                        return_minimal = true;
                    }
                }
            }
        }
        Ok(Self { return_minimal })
    }

    fn encode<E: Extend<HeaderValue>>(&self, values: &mut E) {
        if self.return_minimal {
            values.extend(std::iter::once(HeaderValue::from_static("return=minimal")));
        }
    }
}

/// Whether the request prefers an answer without a body.
pub fn prefers_minimal(headers: &HeaderMap) -> bool {
    headers
        .typed_get::<Prefer>()
        .is_some_and(|prefer| prefer.return_minimal)
}

/// Who sent the request, for sharing query slots fairly: the peer's IP address, or "local"
/// when the router is served without connection information (in-process callers).
pub struct Peer(pub String);

impl<S: Send + Sync> axum::extract::FromRequestParts<S> for Peer {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        _state: &S,
    ) -> Result<Self, Self::Rejection> {
        Ok(Self(
            parts
                .extensions
                .get::<axum::extract::ConnectInfo<std::net::SocketAddr>>()
                .map_or_else(|| "local".to_owned(), |info| info.0.ip().to_string()),
        ))
    }
}
