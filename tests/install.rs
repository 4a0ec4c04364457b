//! The binary as an operator installs it: copied alone into an empty folder, it serves the
//! ontology, the shapes, the JSON-LD context and the fixtures it carries; `--version` names the
//! ontology's version; logs written to a pipe carry no colour codes, and `--log-format json`
//! writes one JSON object a line.

mod common;

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

/// An empty folder of its own under the system's temporary folder, removed at the end.
struct TempDir(PathBuf);

impl TempDir {
    fn new(name: &str) -> Self {
        let path =
            std::env::temp_dir().join(format!("lieux-communs-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&path);
        std::fs::create_dir_all(&path).unwrap();
        Self(path)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// The built binary, copied into `dir`: nothing of the checkout is beside it.
fn installed_binary(dir: &TempDir) -> PathBuf {
    let target = dir.0.join("lieux-communs");
    std::fs::copy(env!("CARGO_BIN_EXE_lieux-communs"), &target).unwrap();
    target
}

/// A server run from `dir`, and every line it logs.
struct Server {
    child: Child,
    url: String,
    lines: mpsc::Receiver<String>,
    logged: Vec<String>,
}

impl Server {
    fn start(dir: &TempDir, args: &[&str]) -> Self {
        let mut child = Command::new(installed_binary(dir))
            .current_dir(&dir.0)
            .args(["serve", "--memory", "--bind", "127.0.0.1:0"])
            .args(args)
            .env_remove("RUST_LOG")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let (tx, lines) = mpsc::channel();
        let stderr = child.stderr.take().unwrap();
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        let mut logged = Vec::new();
        loop {
            let Ok(line) = lines.recv_timeout(Duration::from_secs(60)) else {
                let _ = child.kill();
                let _ = child.wait();
                panic!("the server did not start; it logged:\n{logged:#?}");
            };
            logged.push(line.clone());
            if let Some(at) = line.find("http://127.0.0.1:") {
                let url = line[at..]
                    .split(|c: char| c.is_whitespace() || c == '"')
                    .next()
                    .unwrap()
                    .to_owned();
                return Self {
                    child,
                    url,
                    lines,
                    logged,
                };
            }
        }
    }

    fn get(&self, path: &str, accept: &str) -> reqwest::blocking::Response {
        common::client()
            .get(format!("{}{path}", self.url))
            .header("accept", accept)
            .send()
            .unwrap()
    }

    /// Every line logged so far.
    fn logged(&mut self) -> &[String] {
        std::thread::sleep(Duration::from_millis(200));
        self.logged.extend(self.lines.try_iter());
        &self.logged
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[test]
fn a_copied_binary_serves_what_it_carries_from_an_empty_folder() {
    let dir = TempDir::new("install");
    let mut server = Server::start(&dir, &[]);

    let context = server.get("/context.jsonld", "application/ld+json");
    assert_eq!(context.status(), 200);
    let context: serde_json::Value = context.json().unwrap();
    assert!(context["@context"]["tl"].is_string(), "{context}");

    let shapes = server.get("/shapes", "application/n-triples");
    assert_eq!(shapes.status(), 200);
    let shapes = shapes.text().unwrap();
    assert!(
        shapes.contains("<http://www.w3.org/ns/shacl#NodeShape>"),
        "no NodeShape in /shapes"
    );

    let ontology = server
        .get("/ontology", "application/n-triples")
        .text()
        .unwrap();
    assert!(ontology.contains("<http://www.w3.org/2002/07/owl#Ontology>"));

    let place = server.get("/commons/aiguilleurs", "application/ld+json");
    assert_eq!(place.status(), 200, "the fixtures are served");
    let places: serde_json::Value = server.get("/places", "application/ld+json").json().unwrap();
    assert!(places["totalItems"].as_u64().unwrap() > 0, "{places}");

    // Nothing was read from, or written beside, a checkout: the folder holds the binary and
    // nothing else (the store is in memory).
    let entries: Vec<_> = std::fs::read_dir(&dir.0).unwrap().collect();
    assert_eq!(entries.len(), 1);

    // Logs to a pipe are plain text.
    let logged = server.logged().join("\n");
    assert!(
        !logged.contains('\u{1b}'),
        "colour codes in piped logs:\n{logged}"
    );
    assert!(logged.contains("fixtures loaded"), "{logged}");
}

#[test]
fn json_logs_are_one_object_a_line() {
    let dir = TempDir::new("json-logs");
    let mut server = Server::start(&dir, &["--log-format", "json"]);
    assert_eq!(server.get("/health", "application/json").status(), 200);
    let logged = server.logged().to_vec();
    assert!(logged.len() >= 2, "{logged:#?}");
    for line in &logged {
        let object: serde_json::Value = serde_json::from_str(line)
            .unwrap_or_else(|e| panic!("not a JSON log line ({e}): {line}"));
        assert!(
            object["level"].is_string() && object["fields"].is_object(),
            "{line}"
        );
    }
}

#[test]
fn version_names_the_ontology_version() {
    let dir = TempDir::new("version");
    let output = Command::new(installed_binary(&dir))
        .arg("--version")
        .output()
        .unwrap();
    assert!(output.status.success());
    let text = String::from_utf8(output.stdout).unwrap();
    let ontology = std::fs::read_to_string(common::repo_path("ontology/tiers-lieux.ttl")).unwrap();
    let declared = ontology
        .split("owl:versionInfo \"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .expect("the ontology declares its version");
    assert_eq!(
        text.trim(),
        format!(
            "lieux-communs {} (ontology {declared})",
            env!("CARGO_PKG_VERSION")
        )
    );
}
