//! Reading a partner's export: HTTPS with the configured certificate authorities, a timeout
//! per request (body included), and a retry with exponential backoff when the partner is
//! briefly unavailable (503, 429, a reset connection…). A local file is read the same way, so
//! that an importer takes a path or a URL.

use super::harvest::HarvestError;
use backon::{BlockingRetryable, ExponentialBuilder};
use serde_json::Value;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

/// How often and how patiently a harvest asks again.
#[derive(Clone, Debug)]
pub struct RetryPolicy {
    /// Attempts after the first one.
    pub retries: usize,
    /// The wait before the first retry; it doubles at each retry.
    pub first_delay: Duration,
    pub max_delay: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            retries: 3,
            first_delay: Duration::from_secs(1),
            max_delay: Duration::from_secs(30),
        }
    }
}

/// A blocking HTTP client for one harvest.
pub struct Fetcher {
    client: reqwest::blocking::Client,
    retry: RetryPolicy,
    retried: AtomicUsize,
}

impl Fetcher {
    pub fn new(
        roots: &[reqwest::Certificate],
        timeout: Duration,
        retry: RetryPolicy,
    ) -> Result<Self, HarvestError> {
        let client = client_builder(roots)
            .timeout(timeout)
            .build()
            .map_err(|e| HarvestError::Config(format!("cannot build the HTTP client: {e}")))?;
        Ok(Self {
            client,
            retry,
            retried: AtomicUsize::new(0),
        })
    }

    /// Requests asked again so far.
    pub fn retried(&self) -> usize {
        self.retried.load(Ordering::Relaxed)
    }

    /// GET a JSON document; any HTTP error, timeout or malformed body is an error naming the
    /// URL.
    pub fn json(&self, url: &str) -> Result<Value, HarvestError> {
        let body = self.get(url, "application/json")?;
        parse_json(url, &body)
    }

    /// The body of a successful GET (or of a local file), asked again while the partner answers
    /// with a transient error.
    pub fn get(&self, url: &str, accept: &str) -> Result<Vec<u8>, HarvestError> {
        if let Some(path) = local_path(url) {
            return std::fs::read(&path).map_err(|e| HarvestError::Transport {
                url: url.to_owned(),
                message: format!("cannot read {}: {e}", path.display()),
            });
        }
        let backoff = ExponentialBuilder::default()
            .with_min_delay(self.retry.first_delay)
            .with_max_delay(self.retry.max_delay)
            .with_max_times(self.retry.retries)
            .with_jitter();
        (|| self.get_once(url, accept))
            .retry(backoff)
            .sleep(std::thread::sleep)
            .when(HarvestError::is_transient)
            .notify(|error, wait| {
                self.retried.fetch_add(1, Ordering::Relaxed);
                tracing::warn!(%error, ?wait, "harvest request failed, asking again");
            })
            .call()
    }

    fn get_once(&self, url: &str, accept: &str) -> Result<Vec<u8>, HarvestError> {
        let transport = |e: reqwest::Error| {
            // The cause (refused certificate, connection reset…) is down the source chain.
            let mut message = if e.is_timeout() {
                format!("timed out ({e})")
            } else {
                e.to_string()
            };
            let mut cause = std::error::Error::source(&e);
            while let Some(c) = cause {
                message.push_str(&format!(": {c}"));
                cause = c.source();
            }
            HarvestError::Transport {
                url: url.to_owned(),
                message,
            }
        };
        let response = self
            .client
            .get(url)
            .header(reqwest::header::ACCEPT, accept)
            .send()
            .map_err(transport)?;
        let status = response.status();
        if !status.is_success() {
            return Err(HarvestError::Status {
                url: url.to_owned(),
                status: status.as_u16(),
            });
        }
        Ok(response.bytes().map_err(transport)?.to_vec())
    }
}

pub fn parse_json(url: &str, body: &[u8]) -> Result<Value, HarvestError> {
    serde_json::from_slice(body).map_err(|e| HarvestError::Json {
        url: url.to_owned(),
        message: e.to_string(),
    })
}

/// `file:///…` or a path: an importer reads a file as it would a URL.
fn local_path(url: &str) -> Option<std::path::PathBuf> {
    if let Some(rest) = url.strip_prefix("file://") {
        return url::Url::parse(url)
            .ok()
            .and_then(|u| u.to_file_path().ok())
            .or_else(|| Some(rest.into()));
    }
    (!url.contains("://")).then(|| url.into())
}

/// The certificate authorities of `federation.ca_certificates` (PEM files, each with one or
/// more certificates), trusted besides the public ones.
pub fn trusted_roots(files: &[std::path::PathBuf]) -> anyhow::Result<Vec<reqwest::Certificate>> {
    let mut roots = Vec::new();
    for file in files {
        let pem = std::fs::read(file).map_err(|e| {
            anyhow::anyhow!(
                "federation.ca_certificates: cannot read {}: {e}",
                file.display()
            )
        })?;
        let found = reqwest::Certificate::from_pem_bundle(&pem).map_err(|e| {
            anyhow::anyhow!(
                "federation.ca_certificates: {} is not PEM: {e}",
                file.display()
            )
        })?;
        anyhow::ensure!(
            !found.is_empty(),
            "federation.ca_certificates: {} holds no certificate",
            file.display()
        );
        roots.extend(found);
    }
    Ok(roots)
}

/// An HTTP client for partners, trusting `roots` besides the public authorities.
pub fn client_builder(roots: &[reqwest::Certificate]) -> reqwest::blocking::ClientBuilder {
    roots.iter().fold(
        reqwest::blocking::Client::builder()
            .user_agent(concat!("lieux-communs/", env!("CARGO_PKG_VERSION"))),
        |builder, root| builder.add_root_certificate(root.clone()),
    )
}
