//! The command line as users run it: serve on a persistent store (fixtures on first start, data
//! kept across restarts), load with clear errors and nothing half-loaded, export, generate.

mod common;

use common::client;
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};

const BIN: &str = env!("CARGO_BIN_EXE_lieux-communs");

struct Server {
    child: Child,
    url: String,
}

impl Server {
    /// Starts `serve` on port 0 and reads the address it prints.
    fn start(store: &Path, extra_env: &[(&str, &str)]) -> Self {
        let mut command = Command::new(BIN);
        command
            .args(["serve", "--bind", "127.0.0.1:0", "--store"])
            .arg(store)
            .env("RUST_LOG", "info")
            .stdout(Stdio::null())
            .stderr(Stdio::piped());
        for (k, v) in extra_env {
            command.env(k, v);
        }
        let mut child = command.spawn().unwrap();
        let stderr = BufReader::new(child.stderr.take().unwrap());
        let mut url = None;
        for line in stderr.lines() {
            let line = line.unwrap();
            if let Some(rest) = line.split("listening on ").nth(1) {
                url = Some(rest.trim().to_owned());
                break;
            }
        }
        let url = url.expect("the server prints its address");
        Self { child, url }
    }

    fn ask(&self, query: &str) -> bool {
        client()
            .get(format!("{}/sparql", self.url))
            .query(&[("query", query)])
            .header("accept", "application/sparql-results+json")
            .send()
            .unwrap()
            .json::<serde_json::Value>()
            .unwrap()["boolean"]
            .as_bool()
            .unwrap()
    }

    fn stop(mut self) {
        // SIGTERM lets the server shut down cleanly and release the RocksDB lock.
        let _ = Command::new("kill")
            .arg("-TERM")
            .arg(self.child.id().to_string())
            .status();
        let _ = self.child.wait();
    }
}

#[test]
fn data_persists_across_a_restart_and_fixtures_load_once() {
    let dir = tempdir("persist");
    let store = dir.join("store");
    let env = [("LIEUX_COMMUNS_ADMIN_TOKEN", "admin")];
    let server = Server::start(&store, &env);
    let base = "http://localhost:8080/";
    assert!(server.ask(&format!(
        "ASK {{ GRAPH <{base}graphs/fixtures> {{ ?p a <https://w3id.org/tiers-lieux/ns#Place> }} }}"
    )));
    let status = client()
        .post(format!("{}/sparql", server.url))
        .bearer_auth("admin")
        .header("content-type", "application/sparql-update")
        .body("INSERT DATA { GRAPH <http://example.org/kept> { <http://example.org/a> <http://example.org/b> 1 } } ; DELETE WHERE { GRAPH ?g { ?s a <https://w3id.org/tiers-lieux/ns#Campaign> } }")
        .send()
        .unwrap()
        .status();
    assert!(status.is_success());
    server.stop();

    let server = Server::start(&store, &env);
    assert!(
        server.ask("ASK { <http://example.org/a> <http://example.org/b> 1 }"),
        "written data survives"
    );
    assert!(
        !server.ask("ASK { ?s a <https://w3id.org/tiers-lieux/ns#Campaign> }"),
        "fixtures are not reloaded over the existing data"
    );
    server.stop();
}

#[test]
fn load_reports_file_line_and_column_and_loads_nothing_on_error() {
    let dir = tempdir("load");
    let store = dir.join("store");
    let good = dir.join("good.ttl");
    std::fs::write(
        &good,
        "<http://example.org/a> <http://example.org/b> <http://example.org/c> .\n",
    )
    .unwrap();
    let bad = dir.join("bad.ttl");
    std::fs::write(&bad, "<http://example.org/d> <http://example.org/e> <http://example.org/f> .\n<http://example.org/g> <http://example.org/h> \"oops .\n").unwrap();
    let output = Command::new(BIN)
        .args(["load", "--graph", "test", "--store"])
        .arg(&store)
        .arg(&good)
        .arg(&bad)
        .output()
        .unwrap();
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("bad.ttl") && stderr.contains("line 2"),
        "{stderr}"
    );

    // Nothing of good.ttl was loaded: the export is empty.
    let export = Command::new(BIN)
        .args(["export", "--store"])
        .arg(&store)
        .output()
        .unwrap();
    assert!(
        export.status.success(),
        "{}",
        String::from_utf8_lossy(&export.stderr)
    );
    assert!(!String::from_utf8_lossy(&export.stdout).contains("example.org/a"));

    // Every syntax loads: Turtle, N-Triples, N-Quads, TriG, RDF/XML, JSON-LD.
    let files = [
        ("a.nt", "<http://example.org/s1> <http://example.org/p> \"nt\" .\n"),
        ("a.nq", "<http://example.org/s2> <http://example.org/p> \"nq\" <http://example.org/own> .\n"),
        ("a.trig", "<http://example.org/g> { <http://example.org/s3> <http://example.org/p> \"trig\" }\n"),
        ("a.rdf", "<?xml version=\"1.0\"?><rdf:RDF xmlns:rdf=\"http://www.w3.org/1999/02/22-rdf-syntax-ns#\" xmlns:ex=\"http://example.org/\"><rdf:Description rdf:about=\"http://example.org/s4\"><ex:p>xml</ex:p></rdf:Description></rdf:RDF>"),
        ("a.jsonld", "{\"@id\":\"http://example.org/s5\",\"http://example.org/p\":\"jsonld\"}"),
    ];
    let mut command = Command::new(BIN);
    command
        .args(["load", "--graph", "test", "--store"])
        .arg(&store)
        .arg(&good);
    for (name, content) in files {
        let path = dir.join(name);
        std::fs::write(&path, content).unwrap();
        command.arg(path);
    }
    let output = command.output().unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let export = Command::new(BIN)
        .args(["export", "--format", "nquads", "--store"])
        .arg(&store)
        .output()
        .unwrap();
    let nquads = String::from_utf8_lossy(&export.stdout);
    for literal in ["\"nt\"", "\"nq\"", "\"trig\"", "\"xml\"", "\"jsonld\""] {
        assert!(nquads.contains(literal), "{literal} missing from {nquads}");
    }
    assert!(nquads.contains("<http://localhost:8080/graphs/test>"));
    let trig = Command::new(BIN)
        .args(["export", "--format", "trig", "--store"])
        .arg(&store)
        .output()
        .unwrap();
    assert!(
        String::from_utf8_lossy(&trig.stdout).contains("GRAPH")
            || String::from_utf8_lossy(&trig.stdout).contains('{')
    );
}

#[test]
fn the_synthetic_dataset_generates_and_loads() {
    let dir = tempdir("generate");
    let file = dir.join("synthetic.nt");
    let output = Command::new(BIN)
        .args(["generate", "--seed", "7", "--out"])
        .arg(&file)
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let store = dir.join("store");
    let load = || {
        let output = Command::new(BIN)
            .args(["load", "--graph", "synthetic", "--store"])
            .arg(&store)
            .arg(&file)
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
        assert!(output.status.success(), "{stderr}");
        let number = |after: &str| -> usize {
            stderr
                .split(after)
                .nth(1)
                .and_then(|s| s.split(' ').next())
                .and_then(|n| n.parse().ok())
                .unwrap_or_else(|| panic!("no number after {after:?}: {stderr}"))
        };
        (number("read "), number("added "))
    };
    let (read, added) = load();
    assert!(read > 300_000, "a France-scale dataset: {read} quads");
    assert!(added <= read && added > 300_000, "{added} of {read} added");
    // Loaded again: every quad is there already.
    assert_eq!(load(), (read, 0));
}

fn tempdir(name: &str) -> std::path::PathBuf {
    let dir =
        std::env::temp_dir().join(format!("lieux-communs-test-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}
