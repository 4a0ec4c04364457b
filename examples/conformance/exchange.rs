//! One request of a test sent as written to the real server, and its response checked against
//! the expected status.

use crate::common::TestServer;
use crate::manifest::Request;

pub struct Answer {
    pub status: reqwest::StatusCode,
    pub content_type: String,
    pub location: Option<String>,
    pub body: Vec<u8>,
    /// The request and the start of the answer, for failure messages.
    pub described: String,
}

impl Answer {
    pub fn fail(&self, why: impl std::fmt::Display) -> String {
        format!(
            "{why}; {} answered {} ({}): {}",
            self.described,
            self.status,
            self.content_type,
            String::from_utf8_lossy(&self.body[..self.body.len().min(300)])
        )
    }
}

/// Sends `request` to `path` with the bearer `token`, `$LOCATION$`-style variables replaced by
/// `variables`, and checks its status.
pub fn send(
    server: &TestServer,
    http: &reqwest::blocking::Client,
    request: &Request,
    path: &str,
    token: &str,
    variables: &[(String, String)],
) -> Result<Answer, String> {
    let method = reqwest::Method::from_bytes(request.method.as_bytes())
        .map_err(|e| format!("invalid method {:?}: {e}", request.method))?;
    let url = if path.starts_with("http") {
        path.to_owned()
    } else {
        server.url(path)
    };
    let mut builder = http.request(method, &url).bearer_auth(token);
    for (name, value) in &request.headers {
        builder = builder.header(name, value);
    }
    if let Some(body) = &request.body {
        let mut body = body.clone();
        for (name, value) in variables {
            if let Ok(text) = String::from_utf8(body.clone()) {
                body = text.replace(name, value).into_bytes();
            }
        }
        builder = builder.body(body);
    }
    let described = format!("{} {path}", request.method);
    let response = builder.send().map_err(|e| format!("{described}: {e}"))?;
    let header = |name: &str| {
        response
            .headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
    };
    let (status, content_type, location) = (
        response.status(),
        header("content-type").unwrap_or_default(),
        header("location"),
    );
    let body = response
        .bytes()
        .map_err(|e| format!("{described}: reading the body: {e}"))?
        .to_vec();
    let answer = Answer {
        status,
        content_type,
        location,
        body,
        described,
    };
    if !request
        .expected_status
        .iter()
        .any(|e| e.accepts(status.as_u16()))
    {
        let expected: Vec<String> = request
            .expected_status
            .iter()
            .map(|e| e.to_string())
            .collect();
        return Err(answer.fail(format!("expected {}", expected.join(" or "))));
    }
    Ok(answer)
}
