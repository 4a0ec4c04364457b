//! The W3C conformance suites run against the real server: SPARQL 1.1 Protocol and SPARQL 1.1
//! Graph Store HTTP Protocol. The suites are third-party files kept outside the repository; this
//! command is given their folder (`./dev.sh conformance ../shared/suites`, or
//! `cargo run --example conformance -- DIR`) and fails when a manifest is missing or a score
//! falls below the one recorded here. The SHACL Core suite runs through the SHACL crate's own
//! command (see `dev.sh`).

#[path = "../../tests/common/mod.rs"]
mod common;
mod exchange;
mod graph_store;
mod manifest;
mod protocol;

use manifest::{HttpTest, Manifest};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

struct Suite {
    name: &'static str,
    manifest: &'static str,
    /// Tests that pass today: fewer is a regression.
    expected: usize,
    run: fn(&HttpTest) -> Result<(), String>,
}

const SUITES: &[Suite] = &[
    Suite {
        name: "W3C SPARQL 1.1 Protocol",
        manifest: "sparql/protocol/manifest.ttl",
        expected: 34,
        run: protocol::run,
    },
    Suite {
        name: "W3C SPARQL 1.1 Graph Store Protocol",
        manifest: "sparql/graph-store-protocol/manifest.ttl",
        expected: 0,
        run: graph_store::run,
    },
];

fn run_suite(suite: &Suite, folder: &Path) -> Result<(usize, usize), String> {
    let path: PathBuf = folder.join(suite.manifest);
    let path = path.canonicalize().map_err(|e| {
        format!(
            "{}: the manifest is missing at {}: {e}",
            suite.name,
            path.display()
        )
    })?;
    let tests = Manifest::load(&path)?.tests()?;
    if tests.is_empty() {
        return Err(format!("{}: no test in {}", suite.name, path.display()));
    }
    let mut failed = 0;
    for test in &tests {
        if let Err(reason) = (suite.run)(test) {
            failed += 1;
            eprintln!("FAIL {} ({}): {reason}", test.id, test.name);
        }
    }
    Ok((tests.len() - failed, failed))
}

fn main() -> ExitCode {
    let Some(folder) = std::env::args_os().nth(1).map(PathBuf::from) else {
        eprintln!("usage: conformance SUITES_FOLDER (e.g. ../shared/suites)");
        return ExitCode::from(2);
    };
    if !folder.is_dir() {
        eprintln!("the suites folder {} does not exist", folder.display());
        return ExitCode::from(2);
    }
    let mut ok = true;
    for suite in SUITES {
        match run_suite(suite, &folder) {
            Ok((passed, failed)) => {
                println!("{}: {passed} passed, {failed} failed", suite.name);
                if passed < suite.expected {
                    eprintln!(
                        "{}: {passed} tests pass, fewer than the {} that passed before",
                        suite.name, suite.expected
                    );
                    ok = false;
                }
            }
            Err(error) => {
                eprintln!("{error}");
                ok = false;
            }
        }
    }
    if ok {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}
