//! Every setting of the service. Precedence: command-line flag > environment variable
//! (`LIEUX_COMMUNS_<KEY>`) > configuration file (TOML) > default.

use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

#[derive(Clone, Debug, Deserialize)]
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
    pub max_body_bytes: usize,
    /// Largest SPARQL answer served (it is built in memory before it is sent).
    pub max_result_bytes: usize,
    /// SPARQL queries evaluated at once; more are answered 503. Bounds the threads that
    /// queries past their timeout can hold (see `sparql::QueryEngine::execute`).
    pub max_running_queries: usize,
    /// Memory for resource representations kept between reads (until the next commit);
    /// 0: each GET renders the resource again.
    pub kept_representations_bytes: usize,
    /// Folders read at start-up.
    pub shapes_dir: PathBuf,
    pub fixtures_dir: PathBuf,
    pub ontology_dir: PathBuf,
    pub load_fixtures: bool,
    pub networks: BTreeMap<String, NetworkConfig>,
    pub federation: FederationConfig,
    /// Harvests the server runs on its own, each at its interval.
    pub harvests: Vec<HarvestSchedule>,
    /// Tile URL template of the places map (`{z}/{x}/{y}`); empty: markers on a blank background.
    pub map_tiles_url: String,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HarvestSchedule {
    /// `communecter` or `gogocarto`
    pub source: String,
    /// The platform's root URL; options in its query string (key, tags, types, name, limit, timeout)
    pub url: String,
    pub interval_s: u64,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NetworkConfig {
    pub token: String,
}

#[derive(Clone, Debug, Default, Deserialize)]
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
        let root = Path::new(env!("CARGO_MANIFEST_DIR"));
        Self {
            bind: "127.0.0.1:8080".into(),
            store: PathBuf::from("./data"),
            memory: false,
            base_iri: "http://localhost:8080/".into(),
            admin_token: None,
            query_timeout_s: 30,
            max_body_bytes: 10_000_000,
            max_result_bytes: 100_000_000,
            max_running_queries: 16,
            kept_representations_bytes: 32 * 1024 * 1024,
            shapes_dir: root.join("shapes"),
            fixtures_dir: root.join("fixtures"),
            ontology_dir: root.join("ontology"),
            load_fixtures: true,
            networks: BTreeMap::new(),
            federation: FederationConfig::default(),
            harvests: Vec::new(),
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
    #[error("invalid configuration file {path}: {source}")]
    Parse {
        path: PathBuf,
        source: Box<toml::de::Error>,
    },
    #[error("invalid value for environment variable {name}: {message}")]
    Env { name: String, message: String },
}

impl Config {
    /// Reads the optional TOML file, then applies the `LIEUX_COMMUNS_*` environment variables.
    pub fn load(file: Option<&Path>) -> Result<Self, ConfigError> {
        let mut config = match file {
            Some(path) => {
                let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
                    path: path.into(),
                    source,
                })?;
                toml::from_str(&text).map_err(|source| ConfigError::Parse {
                    path: path.into(),
                    source: Box::new(source),
                })?
            }
            None => Config::default(),
        };
        config.apply_env(|name| std::env::var(name).ok())?;
        Ok(config)
    }

    fn apply_env(&mut self, var: impl Fn(&str) -> Option<String>) -> Result<(), ConfigError> {
        fn parsed<T: std::str::FromStr>(name: &str, value: String) -> Result<T, ConfigError>
        where
            T::Err: std::fmt::Display,
        {
            value.parse().map_err(|e: T::Err| ConfigError::Env {
                name: name.into(),
                message: e.to_string(),
            })
        }
        let key = |k: &str| format!("LIEUX_COMMUNS_{k}");
        if let Some(v) = var(&key("BIND")) {
            self.bind = v;
        }
        if let Some(v) = var(&key("STORE")) {
            self.store = v.into();
        }
        if let Some(v) = var(&key("MEMORY")) {
            self.memory = parsed(&key("MEMORY"), v)?;
        }
        if let Some(v) = var(&key("BASE_IRI")) {
            self.base_iri = v;
        }
        if let Some(v) = var(&key("ADMIN_TOKEN")) {
            self.admin_token = Some(v);
        }
        if let Some(v) = var(&key("QUERY_TIMEOUT_S")) {
            self.query_timeout_s = parsed(&key("QUERY_TIMEOUT_S"), v)?;
        }
        if let Some(v) = var(&key("MAX_BODY_BYTES")) {
            self.max_body_bytes = parsed(&key("MAX_BODY_BYTES"), v)?;
        }
        if let Some(v) = var(&key("MAX_RESULT_BYTES")) {
            self.max_result_bytes = parsed(&key("MAX_RESULT_BYTES"), v)?;
        }
        if let Some(v) = var(&key("MAX_RUNNING_QUERIES")) {
            self.max_running_queries = parsed(&key("MAX_RUNNING_QUERIES"), v)?;
        }
        if let Some(v) = var(&key("KEPT_REPRESENTATIONS_BYTES")) {
            self.kept_representations_bytes = parsed(&key("KEPT_REPRESENTATIONS_BYTES"), v)?;
        }
        if let Some(v) = var(&key("SHAPES_DIR")) {
            self.shapes_dir = v.into();
        }
        if let Some(v) = var(&key("FIXTURES_DIR")) {
            self.fixtures_dir = v.into();
        }
        if let Some(v) = var(&key("MAP_TILES_URL")) {
            self.map_tiles_url = v;
        }
        if let Some(v) = var(&key("LOAD_FIXTURES")) {
            self.load_fixtures = parsed(&key("LOAD_FIXTURES"), v)?;
        }
        // Network tokens: LIEUX_COMMUNS_NETWORK_TOKENS="name=token,other=token2"
        if let Some(v) = var(&key("NETWORK_TOKENS")) {
            for pair in v.split(',').filter(|p| !p.trim().is_empty()) {
                let (name, token) = pair.split_once('=').ok_or_else(|| ConfigError::Env {
                    name: key("NETWORK_TOKENS"),
                    message: format!("expected name=token, found {pair:?}"),
                })?;
                self.networks.insert(
                    name.trim().into(),
                    NetworkConfig {
                        token: token.trim().into(),
                    },
                );
            }
        }
        if let Some(v) = var(&key("SERVICE_ALLOW_LIST")) {
            self.federation.service_allow_list = v
                .split(',')
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(String::from)
                .collect();
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn environment_overrides_file_values() {
        let mut config: Config = toml::from_str(
            "base_iri = \"http://example.org/\"\nquery_timeout_s = 5\n[networks.rfflab]\ntoken = \"t1\"\n",
        )
        .unwrap();
        config
            .apply_env(|name| match name {
                "LIEUX_COMMUNS_QUERY_TIMEOUT_S" => Some("7".into()),
                "LIEUX_COMMUNS_NETWORK_TOKENS" => Some("cnlii=t2".into()),
                _ => None,
            })
            .unwrap();
        assert_eq!(config.base_iri, "http://example.org/");
        assert_eq!(config.query_timeout_s, 7);
        assert_eq!(config.networks["rfflab"].token, "t1");
        assert_eq!(config.networks["cnlii"].token, "t2");
    }

    #[test]
    fn unknown_keys_and_bad_numbers_are_errors() {
        assert!(toml::from_str::<Config>("bogus = 1").is_err());
        let mut config = Config::default();
        let err = config
            .apply_env(|name| (name == "LIEUX_COMMUNS_QUERY_TIMEOUT_S").then(|| "soon".into()))
            .unwrap_err();
        assert!(err.to_string().contains("LIEUX_COMMUNS_QUERY_TIMEOUT_S"));
    }
}
