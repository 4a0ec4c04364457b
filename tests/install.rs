//! The binary as an operator installs it: copied alone into an empty folder, it serves the
//! ontology, the shapes, the JSON-LD context and the fixtures it carries; `--version` names the
//! ontology's version; logs written to a pipe carry no colour codes, and `--log-format json`
//! writes one JSON object a line.

mod common;

use common::process::{Server, TempDir};
use std::path::PathBuf;
use std::process::Command;

/// The built binary, copied into `dir`: nothing of the checkout is beside it.
fn installed_binary(dir: &TempDir) -> PathBuf {
    let target = dir.0.join("lieux-communs");
    std::fs::copy(env!("CARGO_BIN_EXE_lieux-communs"), &target).unwrap();
    target
}

/// The copied binary, serving an in-memory store from `dir`.
fn start(dir: &TempDir, args: &[&str]) -> Server {
    let mut all = vec!["--memory"];
    all.extend_from_slice(args);
    Server::start(&installed_binary(dir), &dir.0, &all, &[])
}

#[test]
fn a_copied_binary_serves_what_it_carries_from_an_empty_folder() {
    let dir = TempDir::new("install");
    let mut server = start(&dir, &[]);

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
    let mut server = start(&dir, &["--log-format", "json"]);
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
