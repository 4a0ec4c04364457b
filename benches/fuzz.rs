//! `./dev.sh bench fuzz [TARGET…] [--inputs N] [--seconds S] [--seed X]`: each target (all of
//! them by default) fed inputs until 1 000 000 of them or 10 minutes, whichever comes first;
//! the counts go to bench-results/fuzz.md (a target's row replaces its previous one), the
//! failing inputs in full to `$CARGO_TARGET_DIR/fuzz-failures/`. Also set by
//! `LIEUX_COMMUNS_FUZZ_INPUTS`, `LIEUX_COMMUNS_FUZZ_SECONDS`, `LIEUX_COMMUNS_FUZZ_SEED`.
//!
//! The targets are those of `tests/fuzz.rs`, which runs a short run of each.

#[path = "../tests/fuzz_targets/mod.rs"]
mod fuzz_targets;

use fuzz_targets::{Budget, Report, TARGETS};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::time::Duration;

const DEFAULT_INPUTS: u64 = 1_000_000;
const DEFAULT_SECONDS: u64 = 600;

struct Options {
    targets: Vec<String>,
    inputs: u64,
    seconds: u64,
    seed: u64,
}

fn parse_u64(text: &str) -> Option<u64> {
    let text = text.trim().replace('_', "");
    match text.strip_prefix("0x") {
        Some(hex) => u64::from_str_radix(hex, 16).ok(),
        None => text.parse().ok(),
    }
}

fn env_u64(name: &str) -> Option<u64> {
    std::env::var(name).ok().and_then(|v| parse_u64(&v))
}

fn clock_seed() -> u64 {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos() as u64);
    nanos ^ u64::from(std::process::id()).rotate_left(32)
}

fn options(args: &[String]) -> Result<Options, String> {
    let mut options = Options {
        targets: Vec::new(),
        inputs: env_u64("LIEUX_COMMUNS_FUZZ_INPUTS").unwrap_or(DEFAULT_INPUTS),
        seconds: env_u64("LIEUX_COMMUNS_FUZZ_SECONDS").unwrap_or(DEFAULT_SECONDS),
        // A new seed each run unless one is given: long runs explore, the tests replay.
        seed: env_u64("LIEUX_COMMUNS_FUZZ_SEED").unwrap_or_else(clock_seed),
    };
    let mut args = args.iter();
    while let Some(arg) = args.next() {
        let mut value = |name: &str| {
            args.next()
                .and_then(|v| parse_u64(v))
                .ok_or_else(|| format!("{name} takes a number"))
        };
        match arg.as_str() {
            "--bench" => {}
            "--inputs" => options.inputs = value("--inputs")?,
            "--seconds" => options.seconds = value("--seconds")?,
            "--seed" => options.seed = value("--seed")?,
            other if other.starts_with('-') => return Err(format!("unknown option {other}")),
            target if TARGETS.contains(&target) => options.targets.push(target.to_owned()),
            other => return Err(format!("unknown target {other}: one of {TARGETS:?}")),
        }
    }
    if options.targets.is_empty() {
        options.targets = TARGETS.iter().map(|t| (*t).to_owned()).collect();
    }
    Ok(options)
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    // `cargo test --all-targets` builds and runs this file without --bench: nothing to do then.
    if !args.iter().any(|a| a == "--bench") {
        println!("fuzz: run it with ./dev.sh bench fuzz [TARGET…] (cargo bench --bench fuzz)");
        return;
    }
    let options = match options(&args) {
        Ok(options) => options,
        Err(message) => {
            eprintln!("fuzz: {message}");
            std::process::exit(2);
        }
    };
    println!(
        "fuzz: seed {:#x}, each target until {} inputs or {} s: {}",
        options.seed,
        options.inputs,
        options.seconds,
        options.targets.join(", ")
    );
    let budget = Budget {
        inputs: options.inputs,
        time: Duration::from_secs(options.seconds),
    };
    let mut reports = Vec::new();
    for target in &options.targets {
        println!("fuzz: {target}…");
        let report = fuzz_targets::run_named(target, options.seed, budget);
        println!("fuzz: {}", report.summary());
        if !report.failures.is_empty() {
            match write_failures(&report) {
                Ok(path) => println!("fuzz: failing inputs of {target} in {}", path.display()),
                Err(e) => eprintln!("fuzz: cannot write the failing inputs: {e}"),
            }
        }
        reports.push(report);
    }
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("bench-results/fuzz.md");
    if let Err(e) = write_results(&path, &reports, budget) {
        eprintln!("fuzz: cannot write {}: {e}", path.display());
        std::process::exit(1);
    }
    println!("fuzz: results in {}", path.display());
    if reports.iter().any(|r| !r.is_clean()) {
        eprintln!("fuzz: FAILURES (see above)");
        std::process::exit(1);
    }
}

fn write_failures(report: &Report) -> std::io::Result<PathBuf> {
    let target_dir = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("target"));
    let dir = target_dir.join("fuzz-failures");
    std::fs::create_dir_all(&dir)?;
    let path = dir.join(format!("{}-{:x}.txt", report.target, report.seed));
    std::fs::write(&path, report.failures_text())?;
    Ok(path)
}

const TABLE_HEAD: &str = "| target | seed | inputs | time (s) | inputs/s | 2xx | 3xx | 4xx | 503 | other 5xx | panics | canary | stopped by |";

fn row(report: &Report, budget: Budget) -> String {
    let stopped = if report.inputs >= budget.inputs {
        "inputs"
    } else {
        "time"
    };
    format!(
        "| {} | {:#x} | {} | {:.0} | {:.0} | {} | {} | {} | {} | {} | {} | {} | {stopped} |",
        report.target,
        report.seed,
        report.inputs,
        report.elapsed.as_secs_f64(),
        report.rate(),
        report.class(2),
        report.class(3),
        report.class(4),
        report.count(503),
        report.server_errors,
        report.panics,
        report.canary_connections,
    )
}

/// Rewrites the table: this run's rows, and the rows of targets it did not run, as they were.
fn write_results(path: &Path, reports: &[Report], budget: Budget) -> std::io::Result<()> {
    let previous = std::fs::read_to_string(path).unwrap_or_default();
    let mut rows: Vec<(String, String)> = previous
        .lines()
        .filter_map(|line| {
            let target = line.strip_prefix("| ")?.split(" |").next()?.trim();
            TARGETS
                .contains(&target)
                .then(|| (target.to_owned(), line.to_owned()))
        })
        .filter(|(target, _)| !reports.iter().any(|r| &r.target == target))
        .collect();
    for report in reports {
        rows.push((report.target.clone(), row(report, budget)));
    }
    rows.sort_by_key(|(target, _)| TARGETS.iter().position(|t| t == target));
    let mut text = String::new();
    writeln!(text, "# Fuzzed inputs").unwrap();
    writeln!(text).unwrap();
    writeln!(
        text,
        "`./dev.sh bench fuzz` (benches/fuzz.rs, targets in tests/fuzz_targets/): each target fed \
         seeded mutations of real seeds and structure-aware random inputs until {} inputs or {} s, \
         whichever comes first; release build, the server driven in-process through its whole \
         router (tower `oneshot`), on a machine of {} cores shared with other work.",
        budget.inputs,
        budget.time.as_secs(),
        std::thread::available_parallelism().map_or(0, |n| n.get())
    )
    .unwrap();
    writeln!(text).unwrap();
    writeln!(
        text,
        "Pass: 0 panics, 0 answers 5xx other than the documented 503 (query timeout, every \
         query slot taken), 0 connections to the canary (a local listener whose address inputs \
         name as a remote @context, a SERVICE endpoint, a harvest link: the server fetches none \
         of them). For the harvest targets, 2xx = harvest stored, 4xx = refused as the \
         source's fault, other 5xx = the store could not be written or the shapes refused the \
         graph after `conform`."
    )
    .unwrap();
    writeln!(text).unwrap();
    writeln!(text, "Last run: {} (UTC).", utc_now()).unwrap();
    writeln!(text).unwrap();
    writeln!(text, "{TABLE_HEAD}").unwrap();
    writeln!(text, "|{}", "---|".repeat(13)).unwrap();
    for (_, line) in &rows {
        writeln!(text, "{line}").unwrap();
    }
    let failing: Vec<&Report> = reports.iter().filter(|r| !r.failures.is_empty()).collect();
    if !failing.is_empty() {
        writeln!(text).unwrap();
        writeln!(text, "## Failures of the last run").unwrap();
        writeln!(text).unwrap();
        for report in failing {
            for f in &report.failures {
                let first = f.input.lines().next().unwrap_or_default();
                writeln!(
                    text,
                    "- {} input #{} (seed {:#x}): {} — `{}`",
                    report.target,
                    f.index,
                    report.seed,
                    f.what.lines().next().unwrap_or_default(),
                    first
                        .chars()
                        .take(160)
                        .collect::<String>()
                        .replace('`', "'")
                )
                .unwrap();
            }
        }
    }
    if let Some(notes) = previous.split_once("\n## Notes\n").map(|(_, n)| n) {
        writeln!(text).unwrap();
        write!(text, "## Notes\n{notes}").unwrap();
    }
    std::fs::write(path, text)
}

fn utc_now() -> String {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    let (days, rest) = ((secs / 86_400) as i64, secs % 86_400);
    // Days since 1970-01-01 to a civil date (Howard Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02} {:02}:{:02}",
        rest / 3600,
        rest % 3600 / 60
    )
}
