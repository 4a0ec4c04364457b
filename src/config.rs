//! Every setting of the service, layered with figment. Precedence: command-line flag >
//! environment variable > configuration file (TOML) > default. Every key has its variable,
//! nested ones included: `LIEUX_COMMUNS_QUERY_TIMEOUT_S`, `LIEUX_COMMUNS_FEDERATION__CA_CERTIFICATES`,
//! `LIEUX_COMMUNS_NETWORKS__RFFLAB__TOKEN` (`__` between levels; arrays as `[a, b]`).

use figment::providers::{Env, Format, Serialized, Toml};
use figment::Figment;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct Config {
    pub bind: String,
    /// RocksDB folder; ignored when `memory` is true.
    pub store: PathBuf,
    pub memory: bool,
    pub base_iri: String,
    /// Token for SPARQL Update and admin routes. No token: those routes are closed.
    pub admin_token: Option<String>,
    pub query_timeout_s: u64,
    /// The longest a request may take, its body included (408 past it); at least
    /// `query_timeout_s` + 5.
    pub request_timeout_s: u64,
    pub max_body_bytes: usize,
    /// Largest SPARQL answer served (it is built in memory before it is sent).
    pub max_result_bytes: usize,
    /// SPARQL queries evaluated at once, each in a process of its own; when all run, a new
    /// query takes the slot of the oldest query of the busiest client (see `sparql::slots`).
    pub max_running_queries: usize,
    /// Connections served at once; more are closed as soon as they are accepted.
    pub max_connections: usize,
    /// The longest a client may take to send a request's headers, and to start its next
    /// request on a kept-alive connection.
    pub header_timeout_s: u64,
    /// Memory for resource representations kept between reads (until the next commit);
    /// 0: each GET renders the resource again.
    pub kept_representations_bytes: usize,
    /// Memory for SPARQL answers kept until the next commit; 0: every query is evaluated.
    pub kept_answers_bytes: usize,
    /// Folders read at start-up instead of the files the binary carries (see `bundled`).
    pub shapes_dir: Option<PathBuf>,
    pub fixtures_dir: Option<PathBuf>,
    pub ontology_dir: Option<PathBuf>,
    pub load_fixtures: bool,
    pub networks: BTreeMap<String, NetworkConfig>,
    pub federation: FederationConfig,
    /// Harvests the server runs on its own, each at its interval.
    pub harvests: Vec<HarvestSchedule>,
    /// `text` (coloured on a terminal only) or `json` (one object a line, for journald and log
    /// shippers).
    pub log_format: LogFormat,
    /// Tile URL template of the places map (`{z}/{x}/{y}`); empty: markers on a blank background.
    pub map_tiles_url: String,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize, Serialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    #[default]
    Text,
    Json,
}

#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct HarvestSchedule {
    /// A name of `federation::sources::SOURCES` (communecter, gogocarto, mednum, list)
    pub source: String,
    /// The platform's root URL; options in its query string (key, tags, types, name, limit, timeout)
    pub url: String,
    pub interval_s: u64,
}

#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct NetworkConfig {
    pub token: String,
}

#[derive(Clone, Debug, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct FederationConfig {
    /// SPARQL endpoints a `SERVICE` clause may call; any other is refused.
    pub service_allow_list: Vec<String>,
    /// PEM files of certificate authorities trusted for HTTPS harvests and `SERVICE` calls,
    /// besides the public ones (partners behind a private CA).
    pub ca_certificates: Vec<PathBuf>,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            bind: "127.0.0.1:8080".into(),
            store: PathBuf::from("./data"),
            memory: false,
            base_iri: "http://localhost:8080/".into(),
            admin_token: None,
            query_timeout_s: 30,
            request_timeout_s: 60,
            max_body_bytes: 10_000_000,
            max_result_bytes: 100_000_000,
            max_running_queries: 16,
            max_connections: 1024,
            header_timeout_s: 10,
            kept_representations_bytes: 32 * 1024 * 1024,
            kept_answers_bytes: 64 * 1024 * 1024,
            shapes_dir: None,
            fixtures_dir: None,
            ontology_dir: None,
            load_fixtures: true,
            networks: BTreeMap::new(),
            federation: FederationConfig::default(),
            harvests: Vec::new(),
            log_format: LogFormat::Text,
            map_tiles_url: "https://tile.openstreetmap.org/{z}/{x}/{y}.png".into(),
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read configuration file {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("invalid configuration: {0}")]
    Invalid(Box<figment::Error>),
    #[error("invalid value for environment variable {name}: {message}")]
    Env { name: String, message: String },
}

const ENV_PREFIX: &str = "LIEUX_COMMUNS_";
/// `name=token,other=token2`: every network's token in one variable, for an `EnvironmentFile`.
const NETWORK_TOKENS: &str = "NETWORK_TOKENS";

impl Config {
    /// Reads the optional TOML file, then the `LIEUX_COMMUNS_*` environment variables.
    pub fn load(file: Option<&Path>) -> Result<Self, ConfigError> {
        Self::load_from(file, Env::prefixed(ENV_PREFIX), |name| {
            std::env::var(name).ok()
        })
    }

    fn load_from(
        file: Option<&Path>,
        env: Env,
        var: impl Fn(&str) -> Option<String>,
    ) -> Result<Self, ConfigError> {
        let mut figment = Figment::from(Serialized::defaults(Config::default()));
        if let Some(path) = file {
            // figment skips a missing file: a file named on the command line must exist.
            std::fs::metadata(path).map_err(|source| ConfigError::Read {
                path: path.into(),
                source,
            })?;
            figment = figment.merge(Toml::file_exact(path));
        }
        let mut config: Config = figment
            .merge(env.ignore(&[NETWORK_TOKENS]).split("__"))
            .extract()
            .map_err(|e| ConfigError::Invalid(Box::new(e)))?;
        if let Some(tokens) = var(&format!("{ENV_PREFIX}{NETWORK_TOKENS}")) {
            config.add_network_tokens(&tokens)?;
        }
        Ok(config)
    }

    fn add_network_tokens(&mut self, tokens: &str) -> Result<(), ConfigError> {
        for pair in tokens.split(',').filter(|p| !p.trim().is_empty()) {
            let (name, token) = pair.split_once('=').ok_or_else(|| ConfigError::Env {
                name: format!("{ENV_PREFIX}{NETWORK_TOKENS}"),
                message: format!("expected name=token, found {pair:?}"),
            })?;
            self.networks.insert(
                name.trim().into(),
                NetworkConfig {
                    token: token.trim().into(),
                },
            );
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The environment of a test: figment reads variables from the process, so each test uses
    /// a prefix of its own and sets only those.
    fn env(prefix: &str, vars: &[(&str, &str)]) -> Env {
        for (name, value) in vars {
            std::env::set_var(format!("{prefix}{name}"), value);
        }
        Env::prefixed(prefix)
    }

    fn with_file(text: &str) -> tempfile_path::Path {
        tempfile_path::Path::with(text)
    }

    mod tempfile_path {
        pub struct Path(pub std::path::PathBuf);
        impl Path {
            pub fn with(text: &str) -> Self {
                static COUNTER: std::sync::atomic::AtomicUsize =
                    std::sync::atomic::AtomicUsize::new(0);
                let n = COUNTER.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                let path = std::env::temp_dir().join(format!(
                    "lieux-communs-config-{}-{n}.toml",
                    std::process::id()
                ));
                std::fs::write(&path, text).unwrap();
                Self(path)
            }
        }
        impl Drop for Path {
            fn drop(&mut self) {
                let _ = std::fs::remove_file(&self.0);
            }
        }
    }

    #[test]
    fn environment_overrides_file_values_nested_keys_included() {
        let file = with_file(
            "base_iri = \"http://example.org/\"\nquery_timeout_s = 5\n[networks.rfflab]\ntoken = \"t1\"\n",
        );
        let config = Config::load_from(
            Some(&file.0),
            env(
                "LC_TEST_A_",
                &[
                    ("QUERY_TIMEOUT_S", "7"),
                    ("ONTOLOGY_DIR", "elsewhere/ontology"),
                    ("FEDERATION__CA_CERTIFICATES", "[\"a.pem\", \"b.pem\"]"),
                    ("NETWORKS__CNLII__TOKEN", "t3"),
                ],
            ),
            |name| (name == "LIEUX_COMMUNS_NETWORK_TOKENS").then(|| "cnlii2=t2".into()),
        )
        .unwrap();
        assert_eq!(config.base_iri, "http://example.org/");
        assert_eq!(config.query_timeout_s, 7);
        assert_eq!(
            config.ontology_dir.as_deref(),
            Some(Path::new("elsewhere/ontology"))
        );
        assert_eq!(
            config.federation.ca_certificates,
            [PathBuf::from("a.pem"), PathBuf::from("b.pem")]
        );
        assert_eq!(config.networks["rfflab"].token, "t1");
        assert_eq!(config.networks["cnlii"].token, "t3");
        assert_eq!(config.networks["cnlii2"].token, "t2");
    }

    #[test]
    fn unknown_keys_bad_numbers_and_missing_files_are_errors() {
        let file = with_file("bogus = 1");
        let err = Config::load_from(Some(&file.0), env("LC_TEST_B_", &[]), |_| None).unwrap_err();
        assert!(err.to_string().contains("bogus"), "{err}");
        let err = Config::load_from(
            None,
            env("LC_TEST_C_", &[("QUERY_TIMEOUT_S", "soon")]),
            |_| None,
        )
        .unwrap_err();
        assert!(err.to_string().contains("QUERY_TIMEOUT_S"), "{err}");
        let missing = std::env::temp_dir().join("lieux-communs-no-such-config.toml");
        let err = Config::load_from(Some(&missing), env("LC_TEST_D_", &[]), |_| None).unwrap_err();
        assert!(matches!(err, ConfigError::Read { .. }), "{err}");
    }
}
