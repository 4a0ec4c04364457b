//! A real server on a free loopback port, in the test process, speaking real HTTP.
#![allow(dead_code)]

pub mod api;
pub mod process;

use lieux_communs::config::Config;
use std::net::SocketAddr;
use std::path::Path;

pub struct TestServer {
    pub addr: SocketAddr,
    pub base: String,
    runtime: Option<tokio::runtime::Runtime>,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
}

impl TestServer {
    /// An in-memory store with the fixtures, base IRI = the server's own address.
    pub fn start() -> Self {
        Self::start_with(|_| {})
    }

    pub fn start_with(adjust: impl FnOnce(&mut Config)) -> Self {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind a free port");
        let addr = listener.local_addr().unwrap();
        let mut config = Config {
            memory: true,
            base_iri: format!("http://{addr}/"),
            ..Config::default()
        };
        adjust(&mut config);
        let base = config.base_iri.clone();
        let state = lieux_communs::build_state(config).expect("server state");
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap();
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        runtime.spawn(async move {
            listener.set_nonblocking(true).unwrap();
            let listener = tokio::net::TcpListener::from_std(listener).unwrap();
            lieux_communs::federation::schedule::spawn_harvests(
                &state.harvester(),
                &state.config.harvests,
                &state.harvests,
            );
            axum::serve(listener, lieux_communs::http::router(state))
                .with_graceful_shutdown(async {
                    let _ = rx.await;
                })
                .await
                .unwrap();
        });
        Self {
            addr,
            base,
            runtime: Some(runtime),
            shutdown: Some(tx),
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://{}{}", self.addr, path)
    }

    /// Sends a SPARQL Update to `/sparql`, with `token` as bearer (none: no credentials).
    pub fn update(&self, token: Option<&str>, update: &str) -> reqwest::blocking::Response {
        let request = client()
            .post(self.url("/sparql"))
            .header("content-type", "application/sparql-update")
            .body(update.to_owned());
        match token {
            Some(token) => request.bearer_auth(token),
            None => request,
        }
        .send()
        .unwrap()
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(runtime) = self.runtime.take() {
            runtime.shutdown_timeout(std::time::Duration::from_secs(5));
        }
    }
}

pub fn client() -> reqwest::blocking::Client {
    reqwest::blocking::Client::builder()
        .timeout(std::time::Duration::from_secs(60))
        .build()
        .unwrap()
}

pub fn repo_path(relative: &str) -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(relative)
}
