//! Who is writing: the bearer token names the network, whose graph is the only one it writes.

use super::error::{Error, Result};
use super::{constant_time_eq, headers::bearer, AppState};
use axum::http::HeaderMap;

/// The network whose token the request carries. Every configured token is compared (in
/// constant time), so the answer's timing does not tell which network came close.
pub fn network(state: &AppState, headers: &HeaderMap) -> Result<String> {
    let Some(given) = bearer(headers) else {
        return Err(Error::Unauthorized(
            "writes need a network token: Authorization: Bearer <token>".into(),
        ));
    };
    let mut found = None;
    for (name, network) in &state.config.networks {
        if constant_time_eq(&network.token, &given) && found.is_none() {
            found = Some(name.clone());
        }
    }
    found.ok_or_else(|| Error::Unauthorized("unknown network token".into()))
}
