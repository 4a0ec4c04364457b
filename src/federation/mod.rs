//! Federation with partner platforms: harvests (Communecter, GoGoCarto) into a graph per
//! source, and the HTTP client partners are reached with (their certificate authorities).

pub mod communecter;
pub mod gogocarto;
pub mod gogocarto_harvest;
pub mod harvest;
pub mod schedule;

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
