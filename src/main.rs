//! The `lieux-communs` command: serve, load, export (and the developer tools).

use clap::{Args, CommandFactory, FromArgMatches, Parser, Subcommand};
use indicatif::{ProgressBar, ProgressStyle};
use lieux_communs::config::{Config, LogFormat};
use lieux_communs::generate;
use lieux_communs::rdf::{self, Contexts};
use lieux_communs::store::AppStore;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Parser)]
#[command(
    name = "lieux-communs",
    version,
    about = "Linked data of the tiers-lieux and their commons"
)]
struct Cli {
    /// Log lines as text (coloured on a terminal only) or as JSON objects [default: the
    /// `log_format` setting, else text]
    #[arg(long, global = true, value_enum)]
    log_format: Option<LogFormat>,
    #[command(subcommand)]
    command: Command,
}

/// Where the data lives; shared by every command that touches the store.
#[derive(Args, Clone)]
struct StoreArgs {
    /// RocksDB folder of the store [default: ./data]
    #[arg(long, conflicts_with = "memory")]
    store: Option<PathBuf>,
    /// Use an in-memory store (nothing is kept after exit)
    #[arg(long)]
    memory: bool,
    /// Base IRI of the resources [default: http://localhost:8080/]
    #[arg(long)]
    base_iri: Option<String>,
    /// Configuration file (TOML)
    #[arg(long)]
    config: Option<PathBuf>,
}

impl StoreArgs {
    fn config(&self) -> anyhow::Result<Config> {
        let mut config = Config::load(self.config.as_deref())?;
        if let Some(store) = &self.store {
            config.store = store.clone();
            config.memory = false;
        }
        if self.memory {
            config.memory = true;
        }
        if let Some(base) = &self.base_iri {
            config.base_iri = base.clone();
        }
        Ok(config)
    }
}

#[derive(Subcommand)]
enum Command {
    /// Run the HTTP server (loads the fixtures into a new store)
    Serve {
        /// Address to listen on [default: 127.0.0.1:8080]
        #[arg(long)]
        bind: Option<String>,
        #[command(flatten)]
        store: StoreArgs,
    },
    /// Load RDF files into a named graph, atomically (all files or nothing)
    Load {
        #[arg(required = true)]
        files: Vec<PathBuf>,
        /// Graph name, relative to {base}graphs/
        #[arg(long, default_value = "imported")]
        graph: String,
        /// Syntax of the files (turtle, ntriples, nquads, trig, rdfxml, jsonld); default: by extension
        #[arg(long)]
        input_format: Option<String>,
        #[command(flatten)]
        store: StoreArgs,
    },
    /// Write the whole store as N-Quads or TriG
    Export {
        #[arg(long, default_value = "nquads", value_parser = ["nquads", "trig"])]
        format: String,
        /// Output file [default: standard output]
        #[arg(long)]
        out: Option<PathBuf>,
        #[command(flatten)]
        store: StoreArgs,
    },
    /// Validate RDF files against the shapes: exit 0 if they conform, 1 if not, 2 on error
    Validate {
        #[arg(required = true)]
        files: Vec<PathBuf>,
        /// A shapes file or a folder of shapes [default: the shapes the program carries]
        #[arg(long)]
        shapes: Option<PathBuf>,
        /// Syntax of the files (turtle, ntriples, nquads, trig, rdfxml, jsonld); default: by extension
        #[arg(long)]
        input_format: Option<String>,
        /// Report format
        #[arg(long, default_value = "text", value_parser = ["text", "turtle", "jsonld"])]
        format: String,
        /// Base IRI for relative IRIs in the files [default: each file's own file:// URL]
        #[arg(long)]
        base_iri: Option<String>,
    },
    /// Harvest a partner platform into its own graph (replaced atomically; failures keep the
    /// previous data). Options go in the URL's query string: key, tags, types, name, limit, timeout.
    Harvest {
        #[arg(value_parser = clap::builder::PossibleValuesParser::new(lieux_communs::federation::sources::names()))]
        source: String,
        /// Root URL of the platform, e.g. https://www.communecter.org or a GoGoCarto map
        /// (https://carte.example, or https://carte.example/api/elements.jsonld for its JSON-LD export)
        #[arg(long)]
        url: String,
        #[command(flatten)]
        store: StoreArgs,
    },
    /// Write a deterministic synthetic dataset shaped like the real records
    Generate {
        #[arg(long, default_value_t = 3_500)]
        places: usize,
        #[arg(long, default_value_t = 800)]
        commons: usize,
        #[arg(long, default_value_t = 20_000)]
        contributors: usize,
        #[arg(long, default_value_t = 30_000)]
        pledges: usize,
        #[arg(long, default_value_t = 12)]
        campaigns: usize,
        #[arg(long, default_value_t = 42)]
        seed: u64,
        /// Base IRI of the generated resources
        #[arg(long, default_value = "http://localhost:8080/")]
        base_iri: String,
        /// Output file; its extension picks the syntax (.ttl, .nt, .nq…) [default: N-Triples on standard output]
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// Run every harvester and importer on the partners' real samples of a folder (in memory):
    /// records read, kept, skipped and kept with values left out, per file
    Samples {
        dir: PathBuf,
        #[command(flatten)]
        store: StoreArgs,
    },
}

/// `--version`: the program's version and the version of the ontology it carries.
fn version() -> &'static str {
    let ontology = lieux_communs::bundled::ontology_version().unwrap_or_else(|| "unknown".into());
    Box::leak(format!("{} (ontology {ontology})", env!("CARGO_PKG_VERSION")).into_boxed_str())
}

/// Logs go to standard error: coloured only on a terminal, so that a file or a pipe (journald)
/// gets plain lines; or one JSON object a line.
fn init_logs(format: LogFormat) {
    use std::io::IsTerminal;
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| "info,tower_http=info".into());
    let logs = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    match format {
        LogFormat::Json => logs.json().init(),
        LogFormat::Text => logs.with_ansi(std::io::stderr().is_terminal()).init(),
    }
}

impl Command {
    fn store(&self) -> Option<&StoreArgs> {
        match self {
            Command::Serve { store, .. }
            | Command::Load { store, .. }
            | Command::Export { store, .. }
            | Command::Harvest { store, .. }
            | Command::Samples { store, .. } => Some(store),
            Command::Validate { .. } | Command::Generate { .. } => None,
        }
    }
}

fn main() -> ExitCode {
    let matches = Cli::command().version(version()).get_matches();
    let cli = match Cli::from_arg_matches(&matches) {
        Ok(cli) => cli,
        Err(e) => e.exit(),
    };
    // The flag first, else the setting (file and environment) of the command's configuration.
    let format = cli.log_format.unwrap_or_else(|| {
        let file = cli.command.store().and_then(|s| s.config.as_deref());
        Config::load(file).map(|c| c.log_format).unwrap_or_default()
    });
    init_logs(format);
    match run(cli.command) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::from(1)
        }
    }
}

fn run(command: Command) -> anyhow::Result<ExitCode> {
    match command {
        Command::Serve { bind, store } => {
            let mut config = store.config()?;
            if let Some(bind) = bind {
                config.bind = bind;
            }
            let bind = config.bind.clone();
            let state = lieux_communs::build_state(config)?;
            let runtime = tokio::runtime::Runtime::new()?;
            runtime.block_on(async {
                let listener = tokio::net::TcpListener::bind(&bind).await?;
                tracing::info!("listening on http://{}", listener.local_addr()?);
                lieux_communs::http::serve(listener, state).await?;
                anyhow::Ok(())
            })?;
            // A query still evaluated in this process (one that calls SERVICE) is not waited
            // for past this.
            runtime.shutdown_timeout(std::time::Duration::from_secs(2));
            Ok(ExitCode::SUCCESS)
        }
        Command::Load {
            files,
            graph,
            input_format,
            store,
        } => {
            let config = store.config()?;
            let format = input_format
                .map(|f| {
                    rdf::format_from_name(&f)
                        .ok_or_else(|| anyhow::anyhow!("unknown input format {f:?}"))
                })
                .transpose()?;
            let app = AppStore::open(&config)?;
            let contexts = Contexts::new(
                lieux_communs::bundled::context(config.ontology_dir.as_deref())?.into_owned(),
                &app.base,
            );
            let graph = app.graph(&graph);
            let bar = ProgressBar::new(files.len() as u64).with_style(
                ProgressStyle::with_template("{bar:40} {pos}/{len} files {msg}")
                    .expect("valid progress template"),
            );
            let loaded = app.load_files(&files, &graph, format, &contexts, |path| {
                bar.set_message(path.display().to_string());
                bar.inc(1);
            })?;
            bar.finish_and_clear();
            eprintln!(
                "read {} quads from {} file(s); added {} to {graph} ({} already there or repeated)",
                loaded.read,
                files.len(),
                loaded.added,
                loaded.read - loaded.added
            );
            Ok(ExitCode::SUCCESS)
        }
        Command::Export { format, out, store } => {
            let config = store.config()?;
            let app = AppStore::open(&config)?;
            let format = rdf::format_from_name(&format).expect("clap restricts the values");
            match out {
                Some(path) => app.export(
                    format,
                    std::io::BufWriter::new(std::fs::File::create(path)?),
                )?,
                None => app.export(format, std::io::BufWriter::new(std::io::stdout().lock()))?,
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Validate {
            files,
            shapes,
            input_format,
            format,
            base_iri,
        } => {
            // Errors here are exit code 2, distinct from "does not conform" (1).
            match validate(files, shapes, input_format, &format, base_iri) {
                Ok(conforms) => Ok(ExitCode::from(if conforms { 0 } else { 1 })),
                Err(e) => {
                    eprintln!("error: {e:#}");
                    Ok(ExitCode::from(2))
                }
            }
        }
        Command::Harvest { source, url, store } => {
            let config = store.config()?;
            let bar = ProgressBar::new_spinner();
            let outcome = lieux_communs::federation::sources::run_cli(
                &source,
                &url,
                &config,
                &|pages, records| {
                    bar.set_message(format!("{pages} pages, {records} records"));
                    bar.tick();
                },
            )?;
            bar.finish_and_clear();
            let mut lines = outcome.report_lines().into_iter();
            println!("{}", lines.next().unwrap_or_default());
            for line in lines {
                eprintln!("{line}");
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Samples { dir, store } => {
            let config = store.config()?;
            lieux_communs::federation::samples::run(&dir, &config, &mut std::io::stdout())?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Generate {
            places,
            commons,
            contributors,
            pledges,
            campaigns,
            seed,
            base_iri,
            out,
        } => {
            let sizes = generate::Sizes {
                places,
                commons,
                contributors,
                pledges,
                campaigns,
            };
            let quads = generate::generate(
                &lieux_communs::vocab::Base::new(&base_iri),
                &sizes,
                seed,
                &oxigraph::model::GraphName::DefaultGraph,
            );
            let format = match &out {
                Some(path) => rdf::format_from_path(path).ok_or_else(|| {
                    anyhow::anyhow!("unknown RDF extension for {}", path.display())
                })?,
                None => oxigraph::io::RdfFormat::NTriples,
            };
            let body = rdf::serialize_quads(&quads, format)?;
            match out {
                Some(path) => std::fs::write(&path, body)?,
                None => std::io::Write::write_all(&mut std::io::stdout().lock(), &body)?,
            }
            eprintln!("generated {} triples", quads.len());
            Ok(ExitCode::SUCCESS)
        }
    }
}

fn validate(
    files: Vec<PathBuf>,
    shapes: Option<PathBuf>,
    input_format: Option<String>,
    format: &str,
    base_iri: Option<String>,
) -> anyhow::Result<bool> {
    use lieux_communs::validation::{render_report, ReportFormat, Validator};
    use oxigraph::model::{Graph, GraphName, Triple};
    let config = Config::load(None)?;
    let base = lieux_communs::vocab::Base::new(base_iri.as_deref().unwrap_or(&config.base_iri));
    let shapes = shapes.as_deref().or(config.shapes_dir.as_deref());
    let validator = Validator::bundled_or(shapes)?;
    for warning in validator.warnings() {
        match shapes {
            Some(shapes) => eprintln!("warning: {}: {warning}", shapes.display()),
            None => eprintln!("warning: {warning}"),
        }
    }
    let forced = input_format
        .map(|f| {
            rdf::format_from_name(&f).ok_or_else(|| anyhow::anyhow!("unknown input format {f:?}"))
        })
        .transpose()?;
    let context = lieux_communs::bundled::context(config.ontology_dir.as_deref())?.into_owned();
    let contexts = Contexts::new(context.clone(), &base);
    let mut data = Graph::new();
    for file in &files {
        let syntax = forced
            .or_else(|| rdf::format_from_path(file))
            .ok_or_else(|| {
                anyhow::anyhow!("{}: unknown RDF syntax; use --input-format", file.display())
            })?;
        let bytes = std::fs::read(file)
            .map_err(|e| anyhow::anyhow!("{}: cannot read: {e}", file.display()))?;
        // Like any RDF tool, a file's relative IRIs resolve against its own location by default.
        let file_base = match &base_iri {
            Some(base) => base.clone(),
            None => std::fs::canonicalize(file)
                .ok()
                .and_then(|p| url::Url::from_file_path(p).ok())
                .map(String::from)
                .unwrap_or_else(|| base.as_str().to_owned()),
        };
        let quads = rdf::parse(
            &bytes,
            syntax,
            &file_base,
            &GraphName::DefaultGraph,
            true,
            &contexts,
        )
        .map_err(|e| anyhow::anyhow!("{}: {e}", file.display()))?;
        for q in quads {
            data.insert(&Triple::from(q));
        }
    }
    let report = validator.validate(&data);
    let format = match format {
        "turtle" => ReportFormat::Turtle,
        "jsonld" => ReportFormat::JsonLd,
        _ => ReportFormat::Text,
    };
    let compactor = lieux_communs::render::Compactor::from_context(&context, &base.context())?;
    std::io::Write::write_all(
        &mut std::io::stdout().lock(),
        &render_report(&report, format, &compactor),
    )?;
    Ok(report.conforms)
}
