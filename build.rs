//! Embeds the ontology, the shapes, the JSON-LD contexts and the fixtures in the binary (they
//! are small), so that an installed `lieux-communs` runs from any folder: writes a table of
//! `include_bytes!` per folder into `$OUT_DIR/bundled.rs`, read by `src/bundled.rs`.

use std::fmt::Write as _;
use std::path::Path;

/// (constant, folder, extensions): every file of the folder itself (not its subfolders) with one
/// of these extensions, sorted by name so that loads are reproducible.
const FOLDERS: &[(&str, &str, &[&str])] = &[
    ("ONTOLOGY", "ontology", &["ttl"]),
    ("CONTEXTS", "ontology/contexts", &["jsonld"]),
    ("SHAPES", "shapes", &["ttl"]),
    (
        "FIXTURES",
        "fixtures",
        &["ttl", "trig", "nt", "nq", "jsonld"],
    ),
];

fn main() {
    let root = std::env::var("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR");
    let mut out = String::new();
    for (constant, folder, extensions) in FOLDERS {
        let dir = Path::new(&root).join(folder);
        println!("cargo:rerun-if-changed={folder}");
        let mut files: Vec<_> = std::fs::read_dir(&dir)
            .unwrap_or_else(|e| panic!("cannot read {}: {e}", dir.display()))
            .map(|entry| entry.expect("a folder entry").path())
            .filter(|path| {
                path.is_file()
                    && path
                        .extension()
                        .and_then(|e| e.to_str())
                        .is_some_and(|e| extensions.contains(&e))
            })
            .collect();
        files.sort();
        writeln!(out, "pub const {constant}: &[Bundled] = &[").unwrap();
        for path in files {
            let name = path
                .file_name()
                .unwrap()
                .to_str()
                .expect("a UTF-8 file name");
            println!("cargo:rerun-if-changed={folder}/{name}");
            writeln!(
                out,
                "    Bundled {{ name: {name:?}, bytes: include_bytes!({:?}) }},",
                path.display().to_string()
            )
            .unwrap();
        }
        writeln!(out, "];").unwrap();
    }
    let target =
        Path::new(&std::env::var("OUT_DIR").expect("cargo sets OUT_DIR")).join("bundled.rs");
    std::fs::write(target, out).expect("write the bundled table");
}
