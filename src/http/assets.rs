//! `/assets/…`: the web interface's scripts, styles and images, embedded in the binary at
//! build time (build.rs): npm libraries under `lib/`, our own files under `site/`.

use super::error::{Error, Result};
use axum::extract::Path;
use axum::http::{header, HeaderValue};
use axum::response::Response;

include!(concat!(env!("OUT_DIR"), "/assets.rs"));

pub async fn get(Path(path): Path<String>) -> Result<Response> {
    let (_, media_type, content) = ASSETS
        .iter()
        .find(|(name, _, _)| *name == path)
        .ok_or_else(|| Error::NotFound(format!("no asset /assets/{path}")))?;
    let mut response = super::with_type(media_type, *content);
    // Library files change only with web/package-lock.json, that is with a new binary.
    response.headers_mut().insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("public, max-age=3600"),
    );
    Ok(response)
}
