//! Build-time part of the web interface (called by build.rs): embeds the npm libraries installed
//! in web/node_modules (pinned by web/package-lock.json) and our own scripts and styles in
//! web/static, so that an installed binary serves them with no file beside it.

use std::fmt::Write as _;
use std::path::Path;

/// Files of web/node_modules the pages load, by their path there (served under /assets/).
const LIBRARIES: &[&str] = &[
    "leaflet/dist/leaflet.js",
    "leaflet/dist/leaflet.css",
    "leaflet/dist/images/marker-icon.png",
    "leaflet/dist/images/marker-icon-2x.png",
    "leaflet/dist/images/marker-shadow.png",
    "leaflet/dist/images/layers.png",
    "leaflet/dist/images/layers-2x.png",
    "leaflet.markercluster/dist/leaflet.markercluster.js",
    "leaflet.markercluster/dist/MarkerCluster.css",
    "leaflet.markercluster/dist/MarkerCluster.Default.css",
    "@zazuko/yasgui/build/yasgui.min.js",
    "@zazuko/yasgui/build/yasgui.min.css",
    "swagger-ui-dist/swagger-ui-bundle.js",
    "swagger-ui-dist/swagger-ui.css",
];

fn media_type(path: &str) -> &'static str {
    match path.rsplit('.').next() {
        Some("js") => "text/javascript; charset=utf-8",
        Some("css") => "text/css; charset=utf-8",
        Some("png") => "image/png",
        Some("svg") => "image/svg+xml",
        _ => "application/octet-stream",
    }
}

/// Writes `$OUT_DIR/assets.rs`, read by `src/http/assets.rs`.
pub fn embed() {
    // Read at run time: `env!` would bake in the path of the checkout that first compiled this
    // script, and cargo reuses the compiled script for every clone sharing the target directory.
    let manifest = std::env::var("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR");
    let root = Path::new(&manifest).join("web");
    let modules = root.join("node_modules");
    println!("cargo:rerun-if-changed=web/package-lock.json");
    println!("cargo:rerun-if-changed=web/static");
    let mut files: Vec<(String, std::path::PathBuf)> = Vec::new();
    for library in LIBRARIES {
        let path = modules.join(library);
        if !path.is_file() {
            eprintln!("web/node_modules/{library} is missing: run `npm ci --prefix web`");
            std::process::exit(1);
        }
        println!("cargo:rerun-if-changed={}", path.display());
        files.push((format!("lib/{library}"), path));
    }
    let mut own: Vec<_> = std::fs::read_dir(root.join("static"))
        .expect("web/static")
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.is_file())
        .collect();
    own.sort();
    for path in own {
        println!("cargo:rerun-if-changed={}", path.display());
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        files.push((format!("site/{name}"), path));
    }
    let mut table = String::from(
        "/// (path under /assets/, media type, content)\npub static ASSETS: &[(&str, &str, &[u8])] = &[\n",
    );
    for (name, path) in &files {
        let _ = writeln!(
            table,
            "    ({name:?}, {:?}, include_bytes!({:?})),",
            media_type(name),
            path.display().to_string()
        );
    }
    table.push_str("];\n");
    let out = Path::new(&std::env::var("OUT_DIR").unwrap()).join("assets.rs");
    std::fs::write(out, table).expect("write the assets table");
}
