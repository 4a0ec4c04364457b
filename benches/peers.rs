//! Side by side with Virtuoso open-source (Debian's package): the same synthetic dataset loaded
//! from the same file into both, the six partner queries over HTTP, answers compared, figures
//! written to `bench-results/sparql-peers.md`.
//!
//! `./dev.sh bench peers [--rounds=N] [--seconds=S]` (= `cargo bench --bench peers -- …`, a
//! release build). Without `--bench` (as in `cargo test --all-targets`) it does nothing:
//! timings belong here, not in tests.

mod support;

use anyhow::{bail, ensure, Context as _};
use axum::http;
use http_body_util::{BodyExt as _, Empty};
use hyper::client::conn::http1::SendRequest;
use lieux_communs::generate::Sizes;
use lieux_communs::vocab::Base;
use oxigraph::io::{RdfFormat, RdfParser};
use oxigraph::model::Term;
use reqwest::blocking::Client;
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_lieux-communs");
/// Our default base: the IRIs of the file and of the queries are the same for both servers.
const BASE: &str = "http://localhost:8080/";
/// Rounds of each query left out of the figures: both servers fill their page caches.
const WARM_UP: usize = 3;
const XSD: &str = "http://www.w3.org/2001/XMLSchema#";

fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().collect();
    if !args.iter().any(|a| a == "--bench") {
        println!("peers: run with `./dev.sh bench peers`; nothing to do without --bench");
        return Ok(());
    }
    let flag = |name: &str, default: u64| -> anyhow::Result<u64> {
        args.iter()
            .find_map(|a| a.strip_prefix(name))
            .map_or(Ok(default), |v| {
                v.parse()
                    .with_context(|| format!("{name}{v}: not a number"))
            })
    };
    let settings = Settings {
        rounds: flag("--rounds=", 40)?.max(1) as usize,
        seconds: flag("--seconds=", 10)?.max(1),
        clients: 8,
    };
    let report = run(&settings)?;
    let path = support::results_dir()?.join("sparql-peers.md");
    std::fs::write(&path, &report)?;
    println!("{report}\nwritten to {}", path.display());
    Ok(())
}

struct Settings {
    /// Measured rounds of each query on each server.
    rounds: usize,
    /// Length of each throughput run.
    seconds: u64,
    clients: usize,
}

fn run(settings: &Settings) -> anyhow::Result<String> {
    ensure_virtuoso()?;
    let load_before = loadavg();
    let machine_before = MachineCpu::read();
    let work = Workspace::new()?;
    let base = Base::new(BASE);
    let graph = base.graph("synthetic");
    let data = work.0.join("synthetic.nt");
    let quads = support::synthetic_ntriples(&base, &data)?;
    let file_mb = std::fs::metadata(&data)?.len() as f64 / 1e6;
    eprintln!(
        "peers: {} triples written to {}",
        quads.len(),
        data.display()
    );

    // Each side loads the file LOAD_ROUNDS times, taking turns: Virtuoso into a new instance on
    // a new database, then ours into a new store while that Virtuoso idles (as it does during
    // the queries). One load is one sample of a machine whose memory and disk vary from minute
    // to minute; the median of alternated loads is what either side is held to. The last pair
    // serves the queries.
    let mut virtuoso_loads = Vec::new();
    let mut our_loads = Vec::new();
    let mut last = None;
    for round in 0..LOAD_ROUNDS {
        if let Some((virtuoso, virtuoso_dir, store)) = last.take() {
            // Stopped and removed before the next pair: only one of each at a time.
            drop(virtuoso);
            std::fs::remove_dir_all(virtuoso_dir)?;
            std::fs::remove_dir_all(store)?;
        }
        let virtuoso_dir = work.0.join(format!("virtuoso-{round}"));
        let (virtuoso, virtuoso_loaded) = virtuoso_loaded(&virtuoso_dir, &work.0, &data, &graph)?;
        let store = work.0.join(format!("ours-{round}"));
        let ours = our_load(&store, &data, &virtuoso)?;
        eprintln!(
            "peers: load {}: Virtuoso {:.2} s, lieux-communs {:.2} s",
            round + 1,
            virtuoso_loaded.load.as_secs_f64(),
            ours.time.as_secs_f64()
        );
        virtuoso_loads.push(virtuoso_loaded);
        our_loads.push(ours);
        last = Some((virtuoso, virtuoso_dir, store));
    }
    let (virtuoso, _, store) = last.context("at least one load")?;
    let our_port = free_port()?;
    let ours = Server::start(
        "lieux-communs",
        Command::new(BIN)
            .args(["serve", "--base-iri", BASE, "--store"])
            .arg(&store)
            .args(["--bind", &format!("127.0.0.1:{our_port}")])
            .env("LIEUX_COMMUNS_LOAD_FIXTURES", "false")
            .env(
                "LIEUX_COMMUNS_QUERY_TIMEOUT_S",
                RUNAWAY_TIMEOUT_S.to_string(),
            ),
        &work.0.join("ours.log"),
        format!("http://127.0.0.1:{our_port}/sparql"),
        Dialect::Ours,
    )?;
    let our_pid = ours.child.id();
    let (ours, virtuoso) = (&ours.endpoint, &virtuoso.endpoint);

    let count = format!("SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{graph}> {{ ?s ?p ?o }} }}");
    let counted = |endpoint: &Endpoint| -> anyhow::Result<String> {
        let answer: serde_json::Value = serde_json::from_slice(&endpoint.ask(&count)?.body)?;
        Ok(answer["results"]["bindings"][0]["n"]["value"]
            .as_str()
            .unwrap_or("?")
            .to_owned())
    };
    let (our_count, virtuoso_count) = (counted(ours)?, counted(virtuoso)?);

    let queries = support::queries(BASE);
    let runs = AtomicU64::new(0);
    let next = || runs.fetch_add(1, Ordering::Relaxed);

    // Whether a repetition is cold on our server: the ETag is a hash of the cache key, so
    // equal tags mean one cache entry. A comment is checked too, to record which key the
    // server uses (the query's text, or the query parsed and printed again).
    let first = &queries[0].1;
    let plain = ours.ask(first)?.etag;
    let renamed = [
        ours.ask(&distinct(first, next()))?.etag,
        ours.ask(&distinct(first, next()))?.etag,
    ];
    let commented = ours.ask(&format!("{first}\n# run {}", next()))?.etag;
    let key_check = match (&plain, &renamed, &commented) {
        (Some(plain), [Some(a), Some(b)], Some(commented)) => {
            let apart = a != b && a != plain && b != plain;
            ensure!(
                apart,
                "renamed repetitions share our server's cache entry: they would not be cold"
            );
            format!(
                "Checked on our server at this run through its `ETag` (a hash of its cache key): \
                 two renamed repetitions have tags of their own, apart from the original's; \
                 a `# run N` comment line {}.",
                if commented == plain {
                    "keeps the original's tag (the key is the parsed query: a comment would \
                     have been answered from the cache)"
                } else {
                    "changes the tag (the key is the query's text)"
                },
            )
        }
        _ => "Not checked at this run: our server sent no `ETag`.".to_owned(),
    };

    eprintln!("peers: comparing answers");
    let mut same = Vec::new();
    for (name, query) in &queries {
        same.push((*name, compare(ours, virtuoso, query)?));
    }

    eprintln!("peers: cold evaluation, {} rounds", settings.rounds);
    let cold = cold_rounds(ours, virtuoso, &queries, settings.rounds, &next)?;

    eprintln!("peers: repeated identical queries");
    let mut repeated = Vec::new();
    for (name, query) in &queries {
        ours.ask(query)?;
        virtuoso.ask(query)?;
        let (mut mine, mut theirs) = (Vec::new(), Vec::new());
        for _ in 0..settings.rounds {
            mine.push(ours.time(query)?);
            theirs.push(virtuoso.time(query)?);
        }
        // Then each server alone, each request right after its own last answer, as a
        // dashboard's burst of panels comes: ours repeated, Virtuoso cold (renamed). Taking
        // turns, the faster server sleeps through the slower one's answers and pays for
        // waking up; alone, neither does. The two blocks alternate who goes first.
        let ours_alone = || -> anyhow::Result<Vec<f64>> {
            (0..settings.rounds).map(|_| ours.time(query)).collect()
        };
        let virtuoso_alone = || -> anyhow::Result<Vec<f64>> {
            (0..settings.rounds)
                .map(|_| virtuoso.time(&distinct(query, next())))
                .collect()
        };
        let (back_to_back, virtuoso_cold_alone) = if repeated.len() % 2 == 0 {
            let mine = ours_alone()?;
            (mine, virtuoso_alone()?)
        } else {
            let theirs = virtuoso_alone()?;
            (ours_alone()?, theirs)
        };
        repeated.push(Repeated {
            name,
            ours_turns: Stats::of(mine),
            virtuoso_turns: Stats::of(theirs),
            ours_alone: Stats::of(back_to_back),
            virtuoso_cold_alone: Stats::of(virtuoso_cold_alone),
        });
    }
    ours.floor("/health")?;
    let floor = Stats::of(
        (0..settings.rounds)
            .map(|_| ours.floor("/health"))
            .collect::<anyhow::Result<_>>()?,
    );
    // Each repeated query above followed an answer of Virtuoso, while which our server's
    // threads slept: waking them costs more than a request that follows another at once.
    // The same floor, each request after a Virtuoso answer (the DESCRIBE, the shortest).
    let (describe_name, describe) = queries
        .iter()
        .find(|(_, q)| q.contains("DESCRIBE"))
        .context("the queries hold a DESCRIBE")?;
    let interleaved_floor = Stats::of(
        (0..settings.rounds)
            .map(|_| {
                virtuoso.ask(describe)?;
                ours.floor("/health")
            })
            .collect::<anyhow::Result<_>>()?,
    );

    eprintln!(
        "peers: throughput, {} clients, {} s each",
        settings.clients, settings.seconds
    );
    let mut rates = Vec::new();
    for repeat in [false, true] {
        let mut row = Vec::new();
        for endpoint in [ours, virtuoso] {
            row.push(throughput(endpoint, first, repeat, settings, &runs)?);
        }
        rates.push((repeat, row));
    }
    // Last, since the runaway queries still run when it ends (they end with the servers).
    eprintln!(
        "peers: cold evaluation while {RUNAWAY_CLIENTS} clients send runaway queries to ours"
    );
    let hostile = Runaways::start(&ours.url, RUNAWAY_CLIENTS)?;
    // The runaways' workers spend their first CPU at the priority of any query.
    std::thread::sleep(Duration::from_secs(2));
    // New connections: the measuring ones sat idle through the throughput runs, past the
    // time our server keeps an idle connection open.
    let (ours_again, virtuoso_again) = (ours.again()?, virtuoso.again()?);
    let under_runaways = cold_rounds(
        &ours_again,
        &virtuoso_again,
        &queries,
        settings.rounds,
        &next,
    )?;
    let runaway_outcomes = hostile.outcomes();
    let runaway_workers = children(our_pid);
    let load_after = loadavg();
    let run_stolen = stolen_since(&machine_before);

    // The report.
    let sizes = Sizes::default();
    let mut md = String::new();
    writeln!(
        md,
        "# SPARQL side by side: lieux-communs and Virtuoso — synthetic dataset ({} triples)\n",
        quads.len()
    )?;
    writeln!(md, "Written by `./dev.sh bench peers` (`benches/peers.rs`); the queries are those of `benches/support/mod.rs`.\n")?;
    writeln!(md, "- machine: {}, {} logical CPUs, {:.1} GiB RAM; load average {load_before} before, {load_after} after; CPU time the host gave other guests (steal) during the whole run: {run_stolen} (other work on the machine, in it or beside it, shows here)", cpu_model(), std::thread::available_parallelism().map_or(0, |n| n.get()), ram_gib())?;
    writeln!(
        md,
        "- lieux-communs: {} (release build), its RocksDB store, default settings but `query_timeout_s = {RUNAWAY_TIMEOUT_S}` (30 by default; no partner query comes near it)",
        version(Command::new(BIN).arg("--version"))
    )?;
    writeln!(md, "- Virtuoso: {} (Debian package {}), its own instance and database, `NumberOfBuffers = 170000`, `MaxDirtyBuffers = 130000` (~2 GB), other settings Debian's", version(Command::new("virtuoso-t").arg("-?")), version(Command::new("dpkg-query").args(["-W", "-f=${Version}", "virtuoso-opensource-7"])))?;
    writeln!(md, "- dataset: `lieux_communs::generate` (seed 42: {} places, {} commons, {} contributors, {} pledges, {} campaigns), {} triples, one N-Triples file of {file_mb:.1} MB loaded into both in graph `<{graph}>`; triples counted in that graph afterwards: lieux-communs {our_count}, Virtuoso {virtuoso_count}\n", sizes.places, sizes.commons, sizes.contributors, sizes.pledges, sizes.campaigns, quads.len())?;

    writeln!(md, "## Load\n")?;
    writeln!(
        md,
        "| what | time | triples/s | CPU time of the loading process | host's steal meanwhile | the other server's CPU time meanwhile |"
    )?;
    writeln!(md, "|---|---:|---:|---:|---:|---:|")?;
    let rate = |seconds: f64| quads.len() as f64 / seconds;
    // Each load's figures, their median, and them listed in order.
    let median = |values: &[f64]| Stats::of(values.to_vec()).median;
    let listed = |values: &[f64]| {
        values
            .iter()
            .map(|v| format!("{v:.2}"))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let ours_time: Vec<f64> = our_loads.iter().map(|l| l.time.as_secs_f64()).collect();
    let ours_cpu: Vec<f64> = our_loads.iter().map(|l| l.cpu.process_s).collect();
    let ours_steal: Vec<&str> = our_loads.iter().map(|l| l.cpu.stolen.as_str()).collect();
    let meanwhile: Vec<f64> = our_loads.iter().map(|l| l.virtuoso_meanwhile).collect();
    let virtuoso_time: Vec<f64> = virtuoso_loads
        .iter()
        .map(|l| l.load.as_secs_f64())
        .collect();
    let virtuoso_cpu: Vec<f64> = virtuoso_loads.iter().map(|l| l.cpu.process_s).collect();
    let virtuoso_steal: Vec<&str> = virtuoso_loads
        .iter()
        .map(|l| l.cpu.stolen.as_str())
        .collect();
    let virtuoso_durable: Vec<f64> = virtuoso_loads
        .iter()
        .map(|l| (l.load + l.checkpoint).as_secs_f64())
        .collect();
    let virtuoso_start: Vec<f64> = virtuoso_loads
        .iter()
        .map(|l| l.start.as_secs_f64())
        .collect();
    writeln!(md, "| lieux-communs `load --graph synthetic --store DIR FILE` (the whole process: store created, ontology graph written, file parsed, committed) | **{:.2} s** ({} s) | {:.0} | {:.2} s | {} | Virtuoso (idle, its load done): {} s |", median(&ours_time), listed(&ours_time), rate(median(&ours_time)), median(&ours_cpu), ours_steal.join(", "), listed(&meanwhile))?;
    writeln!(
        md,
        "| Virtuoso `ld_dir` + `rdf_loader_run()` (through `isql-vt`) | **{:.2} s** ({} s) | {:.0} | {:.2} s | {} | none (ours not started yet) |",
        median(&virtuoso_time),
        listed(&virtuoso_time),
        rate(median(&virtuoso_time)),
        median(&virtuoso_cpu),
        virtuoso_steal.join(", "),
    )?;
    writeln!(
        md,
        "| Virtuoso, the same then `checkpoint` (durable: the loader writes no log) | {:.2} s | {:.0} | | | |",
        median(&virtuoso_durable),
        rate(median(&virtuoso_durable))
    )?;
    writeln!(md, "\nEach side loaded the file {LOAD_ROUNDS} times, taking turns (Virtuoso into a new instance on a new database, then ours into a new store while that Virtuoso idled); the time and CPU time shown are the medians, each load's time in brackets, in order. CPU time: user and system time of the process that loads (our `load` process; Virtuoso's server process), on all its threads: the same work costs more of it when other work shares the cores and their caches. Steal: the share of the machine's CPU time that the host gave to other guests while each load ran (from `/proc/stat`).\n")?;
    writeln!(md, "lieux-communs said: `{}`. Virtuoso's start on an empty database, not counted above: {:.1} s (median).\n", our_loads.last().map(|l| l.message.lines().last().unwrap_or_default()).unwrap_or_default(), median(&virtuoso_start))?;

    writeln!(md, "## Same answers?\n")?;
    writeln!(md, "SELECT answers compared as multisets of rows; RDF terms normalized: blank nodes as one label, `xsd:string` as a simple literal, numbers by value within their kind (integer, decimal, double, float), language tags in lower case. DESCRIBE and CONSTRUCT compared as sets of triples, the same way; Virtuoso's DESCRIBE asked for a concise bounded description (`define sql:describe-mode \"CBD\"`), what ours answers.\n")?;
    writeln!(md, "| query | lieux-communs | Virtuoso | same |")?;
    writeln!(md, "|---|---:|---:|---|")?;
    let mut differences = String::new();
    for (name, c) in &same {
        writeln!(
            md,
            "| {name} | {} {unit} | {} {unit} | {} |",
            c.ours,
            c.virtuoso,
            if c.diff.is_empty() { "yes" } else { "**no**" },
            unit = c.unit
        )?;
        if !c.diff.is_empty() {
            writeln!(differences, "\n{name}:\n```\n{}```", c.diff)?;
        }
    }
    if !differences.is_empty() {
        writeln!(
            md,
            "\nDifferences (at most five lines each way):{differences}"
        )?;
    }

    writeln!(md, "\n## Cold answers, one client\n")?;
    writeln!(md, "Milliseconds per request, from sending it to the last byte of the answer (SELECT as `application/sparql-results+json`, DESCRIBE and CONSTRUCT as `application/n-triples`), {} rounds after {WARM_UP} of warm-up, the two servers taking turns within each round; no answer kept anywhere (see the method).\n", settings.rounds)?;
    writeln!(
        md,
        "| query | lieux-communs median | p90 | Virtuoso median | p90 | Virtuoso / lieux-communs |"
    )?;
    writeln!(md, "|---|---:|---:|---:|---:|---:|")?;
    for (name, mine, theirs) in &cold {
        writeln!(
            md,
            "| {name} | {:.2} | {:.2} | {:.2} | {:.2} | {:.2}× |",
            mine.median,
            mine.p90,
            theirs.median,
            theirs.p90,
            theirs.median / mine.median
        )?;
    }

    writeln!(md, "\n## The same query again\n")?;
    writeln!(md, "The identical query sent {} times to each server. Ours answers it from the answers it keeps for the store's version; Virtuoso keeps no answers (it may keep the query's compiled plan). The goal: a repeated query answered at least 10× faster than Virtuoso answers it cold.\n", settings.rounds)?;
    writeln!(md, "Each server alone, each request right after its own last answer (back to back, as a dashboard's burst of panels comes): ours the identical query, Virtuoso the query renamed for every request (cold, as above); the two blocks of {} requests follow each other, who goes first alternating from query to query.\n", settings.rounds)?;
    writeln!(md, "| query | lieux-communs repeated median | p90 | Virtuoso cold median | p90 | Virtuoso cold / lieux-communs repeated |")?;
    writeln!(md, "|---|---:|---:|---:|---:|---:|")?;
    for r in &repeated {
        writeln!(
            md,
            "| {} | {:.3} | {:.3} | {:.2} | {:.2} | {:.1}× |",
            r.name,
            r.ours_alone.median,
            r.ours_alone.p90,
            r.virtuoso_cold_alone.median,
            r.virtuoso_cold_alone.p90,
            r.virtuoso_cold_alone.median / r.ours_alone.median,
        )?;
    }
    writeln!(md, "\nTaking turns instead, the two servers' requests alternating as in the cold rounds (Virtuoso's repeated answers are the identical query too; its cold median is that of the cold rounds):\n")?;
    writeln!(md, "| query | lieux-communs repeated median | p90 | Virtuoso repeated median | Virtuoso cold median | Virtuoso cold / lieux-communs repeated |")?;
    writeln!(md, "|---|---:|---:|---:|---:|---:|")?;
    for (r, (_, _, cold_theirs)) in repeated.iter().zip(&cold) {
        writeln!(
            md,
            "| {} | {:.3} | {:.3} | {:.2} | {:.2} | {:.1}× |",
            r.name,
            r.ours_turns.median,
            r.ours_turns.p90,
            r.virtuoso_turns.median,
            cold_theirs.median,
            cold_theirs.median / r.ours_turns.median,
        )?;
    }
    writeln!(md, "\nThe floor, through the same client and connection: `GET /health` on our server (a constant answer, no query) {:.3} ms median, p90 {:.3}, when each request follows the last one at once; {:.3} ms median, p90 {:.3}, when each follows an answer of Virtuoso, as each repeated query taking turns does (the server's threads slept meanwhile, and waking them is part of the round trip; the longer Virtuoso's answer, the deeper they slept). No answer comes back faster on this machine: taking turns measures the machine's wake-up as much as the servers, which is why the goal is judged back to back. Virtuoso's cold DESCRIBE over that floor: {:.1}×.", floor.median, floor.p90, interleaved_floor.median, interleaved_floor.p90, cold.iter().find(|(name, _, _)| name == describe_name).map_or(0.0, |(_, _, theirs)| theirs.median / interleaved_floor.median))?;

    writeln!(md, "\n## Throughput, {} clients\n", settings.clients)?;
    writeln!(md, "\"{}\", {} client threads in this process (each with its own keep-alive connection) for {} s per line and server; the clients share the machine's CPUs with the server.\n", queries[0].0, settings.clients, settings.seconds)?;
    writeln!(md, "| requests | lieux-communs | Virtuoso |")?;
    writeln!(md, "|---|---:|---:|")?;
    for (repeat, row) in &rates {
        let what = if *repeat {
            "the identical query"
        } else {
            "each request distinct (cold)"
        };
        writeln!(
            md,
            "| {what} | {} | {} |",
            row[0].describe(),
            row[1].describe()
        )?;
    }

    writeln!(md, "\n## Cold answers while runaway queries run\n")?;
    writeln!(md, "The cold rounds again, while {RUNAWAY_CLIENTS} other clients keep sending our server queries that never end (a cross product of the store with itself four times, as in `tests/hostile_load.rs`), each sending the next when its last is answered: they take every core the machine has. Our server evaluates each in a worker process it kills at the timeout ({RUNAWAY_TIMEOUT_S} s) or when a newer query needs the slot, and demotes a worker once it has used {} ms of CPU: the idle scheduling class, and stopped (`SIGSTOP`) whenever a query at full priority is being evaluated. Virtuoso gets no runaway query, so its quiet median (the cold rounds above) is what ours with runaways is held against; its median in these rounds is shown too, but it is not the same machine's state as ours: our demoted runaways are stopped during our queries and run during its. Runaway queries answered meanwhile: {runaway_outcomes}. Our server's worker processes as the rounds ended: {}.\n", lieux_communs::sparql::DEMOTE_AFTER.as_millis(), describe_children(&runaway_workers))?;
    writeln!(
        md,
        "| query | lieux-communs quiet median | median with runaways | p90 | with runaways / quiet | Virtuoso quiet median | Virtuoso quiet / lieux-communs with runaways | Virtuoso median in these rounds |"
    )?;
    writeln!(md, "|---|---:|---:|---:|---:|---:|---:|---:|")?;
    for ((name, quiet, theirs_quiet), (_, mine, theirs)) in cold.iter().zip(&under_runaways) {
        writeln!(
            md,
            "| {name} | {:.2} | {:.2} | {:.2} | {:.2}× | {:.2} | {:.2}× | {:.2} |",
            quiet.median,
            mine.median,
            mine.p90,
            mine.median / quiet.median,
            theirs_quiet.median,
            theirs_quiet.median / mine.median,
            theirs.median,
        )?;
    }

    writeln!(md, "\n## Method\n")?;
    writeln!(md, "- Both servers run on this machine at the same time, on loopback, queried over HTTP by one client (one keep-alive HTTP/1.1 connection per server, hyper's client connection driven on the measuring thread: no pool, no thread of its own) with `GET /sparql?query=…`, no `default-graph-uri`: the default graph is the union of the named graphs on both (ours by design, Virtuoso by default), so the data sit in the graph they were loaded into and the queries read the default graph, as partners' do.")?;
    writeln!(md, "- Cold: our server keeps answers per store version, keyed by the query, so every measured repetition must be a query it has not seen, without changing the work. Each request is made distinct by renaming the query's variables (`?place` → `?place_r17`, a new suffix for every request, on both servers): the algebra, and so the plan, is the same up to names, and so are the answers but for the names of the columns. DESCRIBE of one IRI has no variable: it gets `LIMIT 1000017` instead, far above its rows. Not a comment: whether a comment changes the key depends on whether the key is the text or the parsed query, and renaming changes both. It also defeats Virtuoso's cache of compiled queries, so both servers parse and plan every request. {key_check}")?;
    writeln!(md, "- Interleaving: the servers take turns within each round, and which goes first alternates, so that a background load on the machine falls on both alike; the load averages at the top tell how busy the machine was (above the number of CPUs, the figures are noisy).")?;
    writeln!(md, "- Loading: the same N-Triples file, by our `load` command (timed from process start to exit) and by Virtuoso's bulk loader through `isql-vt` (timed from the `ld_dir` call to the end of `rdf_loader_run()`, then with the `checkpoint` that makes it durable), {LOAD_ROUNDS} times each, taking turns, each into a new database (Virtuoso a new instance); the medians are the figures, and the last pair serves the queries. Before each load the machine's pending writes are flushed (`sync`): each load's `fsync` then waits for its own writes only, not for the file just generated or the other's checkpoint. Virtuoso starts first, on a fresh database in a temporary folder, with its own `virtuoso.ini` and free ports, not the system's service.")?;
    writeln!(md, "- Our store also holds the ontology graph, which our server writes at start; none of the six queries reads what it holds, and the comparison above would show it.")?;
    Ok(md)
}

/// Runaway clients sent against our server in the hostile rounds.
const RUNAWAY_CLIENTS: usize = 4;
/// Our server's query timeout: shorter than its default, so that runaway queries are killed
/// and sent again while the hostile rounds run.
const RUNAWAY_TIMEOUT_S: u64 = 8;

/// Each query `rounds` times (after the warm-up) on both servers, made distinct for every
/// request, the servers taking turns and alternating who goes first: per query, our
/// figures and Virtuoso's.
fn cold_rounds(
    ours: &Endpoint,
    virtuoso: &Endpoint,
    queries: &[(&'static str, String)],
    rounds: usize,
    next: &dyn Fn() -> u64,
) -> anyhow::Result<Vec<(&'static str, Stats, Stats)>> {
    let mut cold = Vec::new();
    for (name, query) in queries {
        let (mut mine, mut theirs) = (Vec::new(), Vec::new());
        for round in 0..WARM_UP + rounds {
            // Neither always runs right after the other's work.
            let order = if round % 2 == 0 {
                [(ours, &mut mine), (virtuoso, &mut theirs)]
            } else {
                [(virtuoso, &mut theirs), (ours, &mut mine)]
            };
            for (endpoint, times) in order {
                let ms = endpoint.time(&distinct(query, next()))?;
                if round >= WARM_UP {
                    times.push(ms);
                }
            }
        }
        cold.push((*name, Stats::of(mine), Stats::of(theirs)));
        eprintln!("peers: {name}: done");
    }
    Ok(cold)
}

/// Clients that keep a runaway query running on a server, each sending the next one when the
/// last is answered, until dropped (their threads end with the server's connections).
struct Runaways {
    stop: std::sync::Arc<std::sync::atomic::AtomicBool>,
    statuses: std::sync::Arc<std::sync::Mutex<BTreeMap<String, usize>>>,
}

impl Runaways {
    fn start(url: &str, clients: usize) -> anyhow::Result<Self> {
        let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
        let statuses = std::sync::Arc::new(std::sync::Mutex::new(BTreeMap::new()));
        for i in 0..clients {
            let client = Client::builder()
                .timeout(Duration::from_secs(120))
                .build()?;
            let (url, stop, statuses) = (url.to_owned(), stop.clone(), statuses.clone());
            let query = support::RUNAWAYS[i % support::RUNAWAYS.len()];
            std::thread::spawn(move || {
                while !stop.load(Ordering::Relaxed) {
                    let outcome = match client.get(&url).query(&[("query", query)]).send() {
                        Ok(response) => response.status().as_u16().to_string(),
                        Err(_) => "no answer".to_owned(),
                    };
                    if !stop.load(Ordering::Relaxed) {
                        *statuses
                            .lock()
                            .expect("no panic holding it")
                            .entry(outcome)
                            .or_default() += 1;
                    }
                }
            });
        }
        Ok(Self { stop, statuses })
    }

    /// The answers received so far, by status ("none yet" when every runaway still runs).
    fn outcomes(&self) -> String {
        let statuses = self.statuses.lock().expect("no panic holding it");
        if statuses.is_empty() {
            return "none yet (each still ran)".to_owned();
        }
        statuses
            .iter()
            .map(|(status, n)| format!("{n} × {status}"))
            .collect::<Vec<_>>()
            .join(", ")
    }
}

impl Drop for Runaways {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
    }
}

/// A child process: its scheduling policy (5: idle), its niceness and the CPU it has used.
struct ChildProcess {
    policy: i64,
    nice: i64,
    cpu_s: f64,
}

/// The children of process `pid` (forked by any of its threads), read from `/proc` (none
/// where it is not mounted).
fn children(pid: u32) -> Vec<ChildProcess> {
    let ticks = 100.0; // USER_HZ on Linux
    let threads = std::fs::read_dir(format!("/proc/{pid}/task"))
        .into_iter()
        .flatten();
    threads
        .flatten()
        .filter_map(|task| std::fs::read_to_string(task.path().join("children")).ok())
        .flat_map(|listed| {
            listed
                .split_whitespace()
                .map(str::to_owned)
                .collect::<Vec<_>>()
        })
        .filter_map(|child| {
            let stat = std::fs::read_to_string(format!("/proc/{child}/stat")).ok()?;
            // Fields after the command's closing parenthesis, numbered as in proc(5): utime
            // 14, stime 15, nice 19, policy 41.
            let fields: Vec<&str> = stat.rsplit_once(')')?.1.split_whitespace().collect();
            let field = |n: usize| fields.get(n - 3).and_then(|v| v.parse::<f64>().ok());
            Some(ChildProcess {
                policy: field(41)? as i64,
                nice: field(19)? as i64,
                cpu_s: (field(14)? + field(15)?) / ticks,
            })
        })
        .collect()
}

fn describe_children(children: &[ChildProcess]) -> String {
    if children.is_empty() {
        return "none".to_owned();
    }
    children
        .iter()
        .map(|c| {
            let class = if c.policy == 5 {
                "idle class".to_owned()
            } else {
                format!("niceness {}", c.nice)
            };
            format!("{class}, {:.1} s of CPU", c.cpu_s)
        })
        .collect::<Vec<_>>()
        .join("; ")
}

/// One query's repeated answers: taking turns with Virtuoso, and each server alone.
struct Repeated<'a> {
    name: &'a str,
    ours_turns: Stats,
    virtuoso_turns: Stats,
    ours_alone: Stats,
    virtuoso_cold_alone: Stats,
}

/// Percentiles of a sample, in milliseconds.
struct Stats {
    median: f64,
    p90: f64,
}

impl Stats {
    fn of(mut sample: Vec<f64>) -> Self {
        sample.sort_by(f64::total_cmp);
        // Nearest rank: a value that was measured, not an interpolation.
        let rank = |p: f64| {
            let n = sample.len();
            sample[((p * n as f64).ceil() as usize).clamp(1, n) - 1]
        };
        Self {
            median: rank(0.5),
            p90: rank(0.9),
        }
    }
}

#[derive(Clone, Copy, PartialEq)]
enum Dialect {
    Ours,
    Virtuoso,
}

struct Endpoint {
    name: &'static str,
    url: String,
    client: Timed,
    dialect: Dialect,
}

/// One keep-alive HTTP/1.1 connection, driven on the calling thread (hyper's client
/// connection: no pool, no thread of its own). The measuring client's own cost is in every
/// figure, and it is neither server's: reqwest's async client, used before, took about 0.04 ms
/// of the 0.08 ms round trip of a constant answer on this machine, as much as a whole kept
/// answer, and its blocking client twice that.
struct Timed {
    authority: String,
    /// The endpoint's path (`/sparql`), parsed once.
    path: String,
    runtime: tokio::runtime::Runtime,
    sender: std::sync::Mutex<Option<SendRequest<Empty<bytes::Bytes>>>>,
}

struct Answer {
    body: bytes::Bytes,
    etag: Option<String>,
}

struct Reply {
    status: http::StatusCode,
    headers: http::HeaderMap,
    body: bytes::Bytes,
}

fn client(url: &str) -> anyhow::Result<Timed> {
    let url = url::Url::parse(url)?;
    Ok(Timed {
        authority: format!(
            "{}:{}",
            url.host_str().context("the endpoint has a host")?,
            url.port_or_known_default()
                .context("the endpoint has a port")?
        ),
        path: url.path().to_owned(),
        runtime: tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()?,
        sender: std::sync::Mutex::new(None),
    })
}

impl Timed {
    /// `GET` of `target` (path and query) on the connection, opened again when the server
    /// closed it; a request the closed connection did not take is sent once more.
    fn get(&self, target: &str, accept: Option<&str>) -> anyhow::Result<Reply> {
        self.runtime.block_on(async {
            tokio::time::timeout(Duration::from_secs(300), async {
                match self.send(target, accept).await {
                    Err(error) if error.downcast_ref::<hyper::Error>().is_some() => {
                        self.connection().take();
                        self.send(target, accept).await
                    }
                    outcome => outcome,
                }
            })
            .await
            .context("no answer in 300 s")?
        })
    }

    async fn send(&self, target: &str, accept: Option<&str>) -> anyhow::Result<Reply> {
        let kept = self.connection().take();
        let mut sender = match kept {
            Some(sender) if !sender.is_closed() => sender,
            _ => self.connect().await?,
        };
        let mut request = http::Request::get(target).header(http::header::HOST, &self.authority);
        if let Some(accept) = accept {
            request = request.header(http::header::ACCEPT, accept);
        }
        sender.ready().await?;
        let response = sender.send_request(request.body(Empty::new())?).await?;
        let (parts, body) = response.into_parts();
        let body = body.collect().await?.to_bytes();
        self.connection().replace(sender);
        Ok(Reply {
            status: parts.status,
            headers: parts.headers,
            body,
        })
    }

    /// The connection kept between requests (the lock is never held across an await).
    fn connection(&self) -> std::sync::MutexGuard<'_, Option<SendRequest<Empty<bytes::Bytes>>>> {
        self.sender
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    async fn connect(&self) -> anyhow::Result<SendRequest<Empty<bytes::Bytes>>> {
        let stream = tokio::net::TcpStream::connect(&self.authority).await?;
        stream.set_nodelay(true)?;
        let (sender, connection) =
            hyper::client::conn::http1::handshake(hyper_util::rt::TokioIo::new(stream)).await?;
        // Driven by this runtime whenever a request is being sent or read.
        self.runtime.spawn(connection);
        Ok(sender)
    }
}

/// `path?query=…`, the query form-encoded as browsers and reqwest send it.
fn with_query(path: &str, query: &str) -> String {
    format!(
        "{path}?query={}",
        url::form_urlencoded::byte_serialize(query.as_bytes()).collect::<String>()
    )
}

fn is_graph_query(query: &str) -> bool {
    query.contains("CONSTRUCT") || query.contains("DESCRIBE")
}

impl Endpoint {
    /// Another client for the same server: its own connection.
    fn again(&self) -> anyhow::Result<Self> {
        Ok(Self {
            name: self.name,
            url: self.url.clone(),
            client: client(&self.url)?,
            dialect: self.dialect,
        })
    }

    fn ask(&self, query: &str) -> anyhow::Result<Answer> {
        let text = match self.dialect {
            // Virtuoso's DESCRIBE is not a CBD by default; ours is.
            Dialect::Virtuoso if query.contains("DESCRIBE") => {
                format!("define sql:describe-mode \"CBD\"\n{query}")
            }
            _ => query.to_owned(),
        };
        let accept = if is_graph_query(query) {
            "application/n-triples"
        } else {
            "application/sparql-results+json"
        };
        let Reply {
            status,
            headers,
            body,
        } = self
            .client
            .get(&with_query(&self.client.path, &text), Some(accept))?;
        let etag = headers
            .get(http::header::ETAG)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        // Virtuoso's "anytime" answers: partial results past a time limit, flagged so.
        let partial = headers.contains_key("x-sql-state");
        ensure!(
            status.is_success() && !partial,
            "{}: {status}{} for {query}\n{}",
            self.name,
            if partial { " (partial answer)" } else { "" },
            String::from_utf8_lossy(&body[..body.len().min(2000)])
        );
        Ok(Answer { body, etag })
    }

    /// Milliseconds for a `GET` of `path` on the same connection: the round trip of an answer
    /// that costs the server nothing, below which no answer can come.
    fn floor(&self, path: &str) -> anyhow::Result<f64> {
        let started = Instant::now();
        let reply = self.client.get(path, None)?;
        ensure!(
            reply.status.is_success(),
            "{}: {} for {path}",
            self.name,
            reply.status
        );
        Ok(started.elapsed().as_secs_f64() * 1000.0)
    }

    /// Milliseconds from sending the query to the answer's last byte.
    fn time(&self, query: &str) -> anyhow::Result<f64> {
        let started = Instant::now();
        let answer = self.ask(query)?;
        let ms = started.elapsed().as_secs_f64() * 1000.0;
        ensure!(!answer.body.is_empty(), "{}: empty answer", self.name);
        Ok(ms)
    }
}

/// The query with every variable renamed for this run (`?x` → `?x_rN`), or, when it has
/// none, a `LIMIT` above any count of rows: a distinct text, the same plan and answer.
/// Variables are recognized outside strings and IRIs.
fn distinct(query: &str, run: u64) -> String {
    let mut out = String::with_capacity(query.len() + 64);
    let mut renamed = false;
    let mut chars = query.chars().peekable();
    let mut closing: Option<char> = None;
    while let Some(c) = chars.next() {
        out.push(c);
        match closing {
            Some(end) if c == end => closing = None,
            Some(_) => {}
            None if c == '"' => closing = Some('"'),
            None if c == '<'
                && chars
                    .peek()
                    .is_some_and(|n| !n.is_whitespace() && *n != '=') =>
            {
                closing = Some('>')
            }
            None if c == '?' || c == '$' => {
                let mut name = false;
                while let Some(&n) = chars.peek().filter(|n| n.is_alphanumeric() || **n == '_') {
                    out.push(n);
                    chars.next();
                    name = true;
                }
                if name {
                    write!(out, "_r{run}").expect("writing to a String");
                    renamed = true;
                }
            }
            None => {}
        }
    }
    if !renamed {
        write!(out, "\nLIMIT {}", 1_000_000 + run).expect("writing to a String");
    }
    out
}

/// Both servers' answers to a query, compared.
struct Comparison {
    ours: usize,
    virtuoso: usize,
    unit: &'static str,
    /// Empty when the answers are the same.
    diff: String,
}

fn compare(ours: &Endpoint, virtuoso: &Endpoint, query: &str) -> anyhow::Result<Comparison> {
    let (graph, unit) = if is_graph_query(query) {
        (true, "triples")
    } else {
        (false, "rows")
    };
    let rows = |endpoint: &Endpoint| -> anyhow::Result<Vec<String>> {
        let body = endpoint.ask(query)?.body;
        let mut rows = if graph {
            graph_rows(&body)
        } else {
            select_rows(&body)
        }
        .with_context(|| format!("reading {}'s answer", endpoint.name))?;
        rows.sort();
        if graph {
            // Graphs are sets: a server may repeat a triple in its answer.
            rows.dedup();
        }
        Ok(rows)
    };
    let (mine, theirs) = (rows(ours)?, rows(virtuoso)?);
    let mut diff = String::new();
    if mine != theirs {
        let mut counts: BTreeMap<&str, i64> = BTreeMap::new();
        for row in &mine {
            *counts.entry(row).or_default() += 1;
        }
        for row in &theirs {
            *counts.entry(row).or_default() -= 1;
        }
        for (side, sign) in [("only in lieux-communs", 1), ("only in Virtuoso", -1)] {
            let extra: Vec<_> = counts.iter().filter(|(_, n)| **n * sign > 0).collect();
            if extra.is_empty() {
                continue;
            }
            writeln!(diff, "{side}: {} line(s)", extra.len())?;
            for (row, n) in extra.iter().take(5) {
                writeln!(
                    diff,
                    "  {row}{}",
                    if n.abs() > 1 {
                        format!(" (×{})", n.abs())
                    } else {
                        String::new()
                    }
                )?;
            }
        }
        if diff.is_empty() {
            diff.push_str("the same rows, in other numbers\n");
        }
    }
    Ok(Comparison {
        ours: mine.len(),
        virtuoso: theirs.len(),
        unit,
        diff,
    })
}

/// The rows of a SPARQL JSON answer, each as `var=term` in the order of the head's variables.
fn select_rows(body: &[u8]) -> anyhow::Result<Vec<String>> {
    let json: serde_json::Value = serde_json::from_slice(body)?;
    let vars: Vec<&str> = json["head"]["vars"]
        .as_array()
        .context("no head.vars")?
        .iter()
        .filter_map(|v| v.as_str())
        .collect();
    let mut rows = Vec::new();
    for binding in json["results"]["bindings"]
        .as_array()
        .context("no results.bindings")?
    {
        let mut row = Vec::new();
        for var in &vars {
            let Some(term) = binding.get(*var) else {
                continue;
            };
            let value = term["value"].as_str().unwrap_or_default();
            let normalized = match term["type"].as_str() {
                Some("uri") => format!("<{value}>"),
                Some("bnode") => "_:b".to_owned(),
                // "typed-literal": the older name, which Virtuoso still sends.
                Some("literal" | "typed-literal") => {
                    literal(value, term["datatype"].as_str(), term["xml:lang"].as_str())
                }
                other => bail!("unknown term type {other:?}"),
            };
            row.push(format!("{var}={normalized}"));
        }
        rows.push(row.join(" "));
    }
    Ok(rows)
}

/// The triples of an N-Triples answer, each as one normalized line.
fn graph_rows(body: &[u8]) -> anyhow::Result<Vec<String>> {
    let term = |t: Term| match t {
        Term::NamedNode(n) => format!("<{}>", n.as_str()),
        Term::BlankNode(_) => "_:b".to_owned(),
        Term::Literal(l) => literal(l.value(), Some(l.datatype().as_str()), l.language()),
        #[allow(unreachable_patterns)]
        other => other.to_string(),
    };
    RdfParser::from_format(RdfFormat::NTriples)
        .for_slice(body)
        .map(|quad| {
            let quad = quad?;
            Ok(format!(
                "{} <{}> {}",
                term(quad.subject.into()),
                quad.predicate.as_str(),
                term(quad.object)
            ))
        })
        .collect()
}

/// A literal written so that the same value compares equal whatever its lexical form:
/// `"50.00"^^xsd:decimal` and `"50"^^xsd:decimal` are one value.
fn literal(value: &str, datatype: Option<&str>, language: Option<&str>) -> String {
    if let Some(language) = language.filter(|l| !l.is_empty()) {
        return format!("{value:?}@{}", language.to_ascii_lowercase());
    }
    let local = datatype.and_then(|d| d.strip_prefix(XSD));
    let kind = match local {
        None if datatype.is_none() => return format!("{value:?}"),
        Some("string") => return format!("{value:?}"),
        Some(
            "integer" | "int" | "long" | "short" | "byte" | "nonNegativeInteger"
            | "positiveInteger" | "negativeInteger" | "nonPositiveInteger" | "unsignedInt"
            | "unsignedLong" | "unsignedShort" | "unsignedByte",
        ) => "integer",
        Some(kind @ ("decimal" | "double" | "float")) => kind,
        _ => return format!("{value:?}^^<{}>", datatype.unwrap_or_default()),
    };
    match value.trim().parse::<f64>() {
        Ok(number) => format!("{number}^^{kind}"),
        Err(_) => format!("{value:?}^^{kind}"),
    }
}

/// Requests answered per second by `clients` threads sending the query for the settings'
/// duration, each over its own connection.
fn throughput(
    endpoint: &Endpoint,
    query: &str,
    repeat: bool,
    settings: &Settings,
    runs: &AtomicU64,
) -> anyhow::Result<Throughput> {
    let clients: Vec<Endpoint> = (0..settings.clients)
        .map(|_| endpoint.again())
        .collect::<anyhow::Result<_>>()?;
    let text = || {
        if repeat {
            query.to_owned()
        } else {
            distinct(query, runs.fetch_add(1, Ordering::Relaxed))
        }
    };
    // Connections opened (and, when repeated, the answer kept) before the clock starts.
    for client in &clients {
        client.ask(&text())?;
    }
    let (done, failed) = (AtomicUsize::new(0), AtomicUsize::new(0));
    let first_error = std::sync::Mutex::new(None);
    let duration = Duration::from_secs(settings.seconds);
    let started = Instant::now();
    std::thread::scope(|scope| {
        for client in &clients {
            let (done, failed, first_error, text) = (&done, &failed, &first_error, &text);
            scope.spawn(move || {
                while started.elapsed() < duration {
                    match client.ask(&text()) {
                        Ok(_) => done.fetch_add(1, Ordering::Relaxed),
                        Err(e) => {
                            first_error
                                .lock()
                                .expect("no panic holding it")
                                .get_or_insert(e.to_string());
                            failed.fetch_add(1, Ordering::Relaxed)
                        }
                    };
                }
            });
        }
    });
    let elapsed = started.elapsed().as_secs_f64();
    Ok(Throughput {
        per_second: done.into_inner() as f64 / elapsed,
        failed: failed.into_inner(),
        first_error: first_error.into_inner().expect("no panic holding it"),
    })
}

struct Throughput {
    per_second: f64,
    failed: usize,
    first_error: Option<String>,
}

impl Throughput {
    fn describe(&self) -> String {
        match &self.first_error {
            None => format!("{:.0} requests/s", self.per_second),
            Some(e) => format!(
                "{:.0} requests/s, **{} failed** (first: {})",
                self.per_second,
                self.failed,
                e.lines().next().unwrap_or_default().replace('|', "/")
            ),
        }
    }
}

/// A server process, stopped when dropped.
struct Server {
    child: Child,
    endpoint: Endpoint,
}

impl Server {
    /// Starts the process, its output into `log`, and waits until its endpoint answers.
    fn start(
        name: &'static str,
        command: &mut Command,
        log: &Path,
        url: String,
        dialect: Dialect,
    ) -> anyhow::Result<Self> {
        let out = std::fs::File::create(log)?;
        let child = command
            .stdin(Stdio::null())
            .stdout(out.try_clone()?)
            .stderr(out)
            .spawn()
            .with_context(|| format!("starting {name}"))?;
        let mut server = Self {
            child,
            endpoint: Endpoint {
                name,
                client: client(&url)?,
                url,
                dialect,
            },
        };
        let probe = Client::builder().timeout(Duration::from_secs(5)).build()?;
        let deadline = Instant::now() + Duration::from_secs(180);
        loop {
            if let Some(status) = server.child.try_wait()? {
                bail!("{name} stopped ({status}):\n{}", tail(log));
            }
            let ready = probe
                .get(&server.endpoint.url)
                .query(&[("query", "ASK {}")])
                .send()
                .is_ok_and(|r| r.status().is_success());
            if ready {
                return Ok(server);
            }
            ensure!(
                Instant::now() < deadline,
                "{name} did not answer within 3 minutes:\n{}",
                tail(log)
            );
            std::thread::sleep(Duration::from_millis(200));
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        // A polite stop first, so that the server's own children go with it.
        let _ = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status();
        let deadline = Instant::now() + Duration::from_secs(10);
        while Instant::now() < deadline {
            if matches!(self.child.try_wait(), Ok(Some(_))) {
                return;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The run's temporary folder, removed at the end.
struct Workspace(PathBuf);

impl Workspace {
    fn new() -> anyhow::Result<Self> {
        let dir = std::env::temp_dir().join(format!("lieux-communs-peers-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir)?;
        Ok(Self(dir))
    }
}

impl Drop for Workspace {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn tail(log: &Path) -> String {
    let text = std::fs::read_to_string(log).unwrap_or_default();
    let lines: Vec<&str> = text.lines().collect();
    lines[lines.len().saturating_sub(30)..].join("\n")
}

/// A port free at the time of the call (the servers bind it right after).
fn free_port() -> anyhow::Result<u16> {
    Ok(std::net::TcpListener::bind("127.0.0.1:0")?
        .local_addr()?
        .port())
}

/// Statements run by Virtuoso's SQL client as the DBA of our own instance (a new database's
/// password is `dba`); `isql-vt` exits 0 on SQL errors, so they are looked for in its output.
fn isql(port: u16, statements: &[&str]) -> anyhow::Result<String> {
    let output = Command::new("isql-vt")
        .arg(port.to_string())
        .args(["dba", "dba", "VERBOSE=OFF", "BANNER=OFF", "PROMPT=OFF"])
        .args(statements.iter().map(|s| format!("EXEC={s}")))
        .output()
        .context("running isql-vt")?;
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    ensure!(
        output.status.success() && !text.contains("*** Error"),
        "isql-vt {statements:?}: {text}"
    );
    Ok(text)
}

/// Debian's settings but for the ports, the files (all in `dir`), the memory (~2 GB of
/// buffers), the folders the bulk loader may read, and enough HTTP threads for the clients.
fn virtuoso_ini(dir: &Path, data_dir: &Path, sql_port: u16, http_port: u16) -> String {
    let dir = dir.display();
    let data_dir = data_dir.display();
    format!(
        "[Database]
DatabaseFile = {dir}/virtuoso.db
ErrorLogFile = {dir}/virtuoso.log
LockFile = {dir}/virtuoso.lck
TransactionFile = {dir}/virtuoso.trx
xa_persistent_file = {dir}/virtuoso.pxa
ErrorLogLevel = 7
FileExtend = 200
MaxCheckpointRemap = 2000
Striping = 0
TempStorage = TempDatabase

[TempDatabase]
DatabaseFile = {dir}/virtuoso-temp.db
TransactionFile = {dir}/virtuoso-temp.trx
MaxCheckpointRemap = 2000
Striping = 0

[Parameters]
ServerPort = 127.0.0.1:{sql_port}
LiteMode = 0
DisableUnixSocket = 1
DisableTcpSocket = 0
MaxClientConnections = 32
CheckpointInterval = 60
O_DIRECT = 0
CaseMode = 2
MaxStaticCursorRows = 5000
CheckpointAuditTrail = 0
AllowOSCalls = 0
SchedulerInterval = 10
DirsAllowed = ., {dir}, {data_dir}
ThreadCleanupInterval = 0
ThreadThreshold = 10
ResourcesCleanupInterval = 0
FreeTextBatchSize = 100000
SingleCPU = 0
PrefixResultNames = 0
RdfFreeTextRulesSize = 100
IndexTreeMaps = 64
MaxMemPoolSize = 200000000
MaxQueryMem = 2G
VectorSize = 1000
MaxVectorSize = 1000000
AdjustVectorSize = 0
ThreadsPerQuery = 4
AsyncQueueMaxThreads = 10
NumberOfBuffers = 170000
MaxDirtyBuffers = 130000

[HTTPServer]
ServerPort = 127.0.0.1:{http_port}
ServerRoot = {dir}
MaxClientConnections = 16
DavRoot = DAV
EnabledDavVSP = 0
HTTPProxyEnabled = 0
TempASPXDir = 0
ServerThreads = 16
MaxKeepAlives = 16
KeepAliveTimeout = 10
HTTPThreadSize = 280000
HttpPrintWarningsInOutput = 0
Charset = UTF-8
EnabledGzipContent = 1

[Client]
SQL_PREFETCH_ROWS = 100
SQL_PREFETCH_BYTES = 16000
SQL_QUERY_TIMEOUT = 0
SQL_TXN_TIMEOUT = 0

[SPARQL]
ResultSetMaxRows = 10000000
MaxQueryCostEstimationTime = 400
MaxQueryExecutionTime = 60
DeferInferenceRulesInit = 0
"
    )
}

/// Installs Virtuoso from Debian's packages when it is missing (as root, or through sudo).
fn ensure_virtuoso() -> anyhow::Result<()> {
    if on_path("virtuoso-t") && on_path("isql-vt") {
        return Ok(());
    }
    ensure!(
        on_path("apt-get"),
        "Virtuoso is missing: install virtuoso-opensource (version 7) with your package manager"
    );
    let root = Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| o.stdout.trim_ascii() == b"0");
    ensure!(
        root || on_path("sudo"),
        "Virtuoso is missing: run 'apt-get install virtuoso-opensource' as root"
    );
    let admin = |args: &[&str], input: Option<&str>| -> anyhow::Result<()> {
        let mut command = if root {
            Command::new(args[0])
        } else {
            let mut sudo = Command::new("sudo");
            sudo.arg(args[0]);
            sudo
        };
        command.args(&args[1..]).stdin(if input.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        });
        let mut child = command.spawn()?;
        if let (Some(input), Some(mut stdin)) = (input, child.stdin.take()) {
            use std::io::Write as _;
            stdin.write_all(input.as_bytes())?;
        }
        ensure!(child.wait()?.success(), "{} failed", args.join(" "));
        Ok(())
    };
    eprintln!("peers: installing virtuoso-opensource (Debian's package)");
    // The package asks for the DBA password of the system's instance, which this benchmark
    // does not use: answered beforehand with Debian's default, so that nothing waits on a
    // terminal.
    admin(
        &["debconf-set-selections"],
        Some(
            "virtuoso-opensource-7 virtuoso-opensource-7/dba-password password dba\n\
             virtuoso-opensource-7 virtuoso-opensource-7/dba-password-again password dba\n",
        ),
    )?;
    admin(&["apt-get", "update", "-qq"], None)?;
    // The recommended packages are the web console and start page: not needed here.
    admin(
        &[
            "env",
            "DEBIAN_FRONTEND=noninteractive",
            "apt-get",
            "install",
            "-y",
            "-qq",
            "--no-install-recommends",
            "virtuoso-opensource",
        ],
        None,
    )
    .context("could not install virtuoso-opensource: run 'sudo apt-get install virtuoso-opensource' and try again")?;
    ensure!(
        on_path("virtuoso-t") && on_path("isql-vt"),
        "virtuoso-opensource is installed but virtuoso-t or isql-vt is not on the PATH"
    );
    Ok(())
}

fn on_path(program: &str) -> bool {
    std::env::var_os("PATH")
        .is_some_and(|path| std::env::split_paths(&path).any(|d| d.join(program).is_file()))
}

/// The first line of a command's output that names a version, or the whole output.
fn version(command: &mut Command) -> String {
    let Ok(output) = command.output() else {
        return "?".to_owned();
    };
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    text.lines()
        .find(|l| l.contains("Version "))
        .or_else(|| text.lines().next())
        .map_or("?", str::trim)
        .to_owned()
}

fn cpu_model() -> String {
    std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|info| {
            info.lines()
                .find_map(|l| l.strip_prefix("model name"))
                .map(|l| l.trim_start_matches([' ', '\t', ':']).to_owned())
        })
        .unwrap_or_else(|| "unknown CPU".to_owned())
}

fn ram_gib() -> f64 {
    std::fs::read_to_string("/proc/meminfo")
        .ok()
        .and_then(|info| {
            info.lines()
                .find_map(|l| l.strip_prefix("MemTotal:"))
                .and_then(|l| l.split_whitespace().next()?.parse::<f64>().ok())
        })
        .map_or(f64::NAN, |kib| kib / 1024.0 / 1024.0)
}

/// Writes the machine's pending writes to disk before a load is timed: a load ends with
/// `fsync`, which on ext4 also waits for the data written before it by others (the data file
/// just generated, Virtuoso's checkpoint), and would be charged for it.
fn flush_writes() -> anyhow::Result<()> {
    let status = Command::new("sync").status().context("running sync")?;
    ensure!(status.success(), "sync failed: {status}");
    Ok(())
}

/// The machine's CPU time counters (`/proc/stat`, in clock ticks): read before a step, they
/// tell afterwards how much of the machine the host gave to other guests meanwhile (steal),
/// which slows every process here alike.
struct MachineCpu {
    total: u64,
    steal: u64,
}

impl MachineCpu {
    fn read() -> Option<Self> {
        let stat = std::fs::read_to_string("/proc/stat").ok()?;
        let counters: Vec<u64> = stat
            .lines()
            .next()?
            .strip_prefix("cpu ")?
            .split_whitespace()
            .map(str::parse)
            .collect::<Result<_, _>>()
            .ok()?;
        // user nice system idle iowait irq softirq steal (guest times are within user).
        Some(Self {
            total: counters.iter().take(8).sum(),
            steal: *counters.get(7)?,
        })
    }
}

/// The share of CPU time stolen since `before` was read, as a percentage.
fn stolen_since(before: &Option<MachineCpu>) -> String {
    match (before, MachineCpu::read()) {
        (Some(before), Some(now)) if now.total > before.total => format!(
            "{:.1} %",
            100.0 * (now.steal - before.steal) as f64 / (now.total - before.total) as f64
        ),
        _ => "?".to_owned(),
    }
}

/// Loads of each side, alternated: the median is the figure (see `run`).
const LOAD_ROUNDS: usize = 3;

/// One load of Virtuoso: its start on an empty database, the bulk load, the checkpoint that
/// makes it durable.
struct VirtuosoLoad {
    start: Duration,
    load: Duration,
    checkpoint: Duration,
    cpu: LoadCpu,
}

/// A new Virtuoso instance, on a new database in `dir`, with `data` (a file under `work`, the
/// folder its loader may read) loaded into `graph`.
fn virtuoso_loaded(
    dir: &Path,
    work: &Path,
    data: &Path,
    graph: &str,
) -> anyhow::Result<(Server, VirtuosoLoad)> {
    std::fs::create_dir_all(dir)?;
    let (sql_port, http_port) = (free_port()?, free_port()?);
    std::fs::write(
        dir.join("virtuoso.ini"),
        virtuoso_ini(dir, work, sql_port, http_port),
    )?;
    let started = Instant::now();
    let virtuoso = Server::start(
        "Virtuoso",
        Command::new("virtuoso-t")
            .args(["+foreground", "+configfile", "virtuoso.ini"])
            .current_dir(dir),
        &dir.join("virtuoso.out"),
        format!("http://127.0.0.1:{http_port}/sparql"),
        Dialect::Virtuoso,
    )?;
    let start = started.elapsed();
    let data_dir = data.parent().context("the data file has a folder")?;
    let data_name = data.file_name().context("the data file has a name")?;
    flush_writes()?;
    let cpu_before = process_cpu_s(virtuoso.child.id());
    let machine = MachineCpu::read();
    let started = Instant::now();
    isql(
        sql_port,
        &[
            &format!(
                "ld_dir('{}', '{}', '{graph}')",
                data_dir.display(),
                data_name.to_string_lossy()
            ),
            "rdf_loader_run()",
        ],
    )?;
    let load = started.elapsed();
    let cpu = LoadCpu {
        process_s: process_cpu_s(virtuoso.child.id()) - cpu_before,
        stolen: stolen_since(&machine),
    };
    // The bulk loader writes without a transaction log: the load is durable after this.
    let started = Instant::now();
    isql(sql_port, &["checkpoint"])?;
    let checkpoint = started.elapsed();
    let status = isql(sql_port, &["select 'load-errors=' || cast(count(*) as varchar) from DB.DBA.LOAD_LIST where ll_state <> 2 or ll_error is not null"])?;
    ensure!(
        status.contains("load-errors=0"),
        "Virtuoso's loader reports errors: {status}"
    );
    Ok((
        virtuoso,
        VirtuosoLoad {
            start,
            load,
            checkpoint,
            cpu,
        },
    ))
}

/// One load of ours, by the command partners' operators use.
struct OurLoad {
    time: Duration,
    cpu: LoadCpu,
    /// Virtuoso's CPU time meanwhile: its background work, if any, would share the cores.
    virtuoso_meanwhile: f64,
    message: String,
}

/// `lieux-communs load` of `data` into a new store at `store`, Virtuoso idling beside it.
fn our_load(store: &Path, data: &Path, virtuoso: &Server) -> anyhow::Result<OurLoad> {
    flush_writes()?;
    let children_before = children_cpu_s();
    let virtuoso_before = process_cpu_s(virtuoso.child.id());
    let machine = MachineCpu::read();
    let started = Instant::now();
    let loaded = Command::new(BIN)
        .args([
            "load",
            "--graph",
            "synthetic",
            "--base-iri",
            BASE,
            "--store",
        ])
        .arg(store)
        .arg(data)
        .env("LIEUX_COMMUNS_LOAD_FIXTURES", "false")
        .output()?;
    let time = started.elapsed();
    let cpu = LoadCpu {
        process_s: children_cpu_s() - children_before,
        stolen: stolen_since(&machine),
    };
    let virtuoso_meanwhile = process_cpu_s(virtuoso.child.id()) - virtuoso_before;
    let message = String::from_utf8_lossy(&loaded.stderr).trim().to_owned();
    ensure!(loaded.status.success(), "lieux-communs load: {message}");
    Ok(OurLoad {
        time,
        cpu,
        virtuoso_meanwhile,
        message,
    })
}

/// What a load cost in CPU, and how busy the host was meanwhile.
struct LoadCpu {
    process_s: f64,
    stolen: String,
}

/// User and system seconds of this process's children that have been waited for.
fn children_cpu_s() -> f64 {
    // SAFETY: getrusage only writes the struct it is given.
    let usage = unsafe {
        let mut usage: libc::rusage = std::mem::zeroed();
        libc::getrusage(libc::RUSAGE_CHILDREN, &mut usage);
        usage
    };
    let seconds = |t: libc::timeval| t.tv_sec as f64 + t.tv_usec as f64 / 1e6;
    seconds(usage.ru_utime) + seconds(usage.ru_stime)
}

/// User and system seconds a running process has used (`/proc/PID/stat`), NaN if unknown.
fn process_cpu_s(pid: u32) -> f64 {
    // SAFETY: sysconf reads a constant of the system.
    let ticks = unsafe { libc::sysconf(libc::_SC_CLK_TCK) } as f64;
    std::fs::read_to_string(format!("/proc/{pid}/stat"))
        .ok()
        .and_then(|stat| {
            // Fields after the command name (which may hold spaces), from the third on:
            // utime and stime are the 14th and 15th.
            let fields: Vec<&str> = stat.rsplit_once(')')?.1.split_whitespace().collect();
            let utime: f64 = fields.get(11)?.parse().ok()?;
            let stime: f64 = fields.get(12)?.parse().ok()?;
            Some((utime + stime) / ticks)
        })
        .unwrap_or(f64::NAN)
}

/// The 1, 5 and 15 minute load averages.
fn loadavg() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .ok()
        .map(|l| l.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_else(|| "?".to_owned())
}
