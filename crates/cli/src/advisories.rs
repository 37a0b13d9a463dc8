//! `palisade advisories import DIR...`: read OSV advisories (JSON or YAML, recursively) into
//! the data directory's advisory database (`<data-dir>/advisories/osv.ndjson`), for
//! `palisade vuln scan` to match offline.

use indicatif::{ProgressBar, ProgressStyle};
use palisade_vuln::database::{self, ImportReport, Importer};
use std::{path::PathBuf, process::ExitCode, time::Instant};

/// `palisade advisories ...`
#[derive(clap::Subcommand)]
pub enum AdvisoriesCommand {
    /// Import OSV advisories (.json, .yaml, .yml files, directories recursively). An advisory
    /// replaces an earlier one with the same id; withdrawn advisories are removed. Exit code 1
    /// when some file was not valid OSV (the valid ones are imported all the same).
    Import(ImportArgs),
}

/// Flags of `palisade advisories import`.
#[derive(clap::Args)]
pub struct ImportArgs {
    /// Files or directories of OSV advisories.
    #[arg(required = true)]
    paths: Vec<PathBuf>,
    /// Data directory holding the advisory database.
    #[arg(long, default_value = "./palisade-data")]
    data_dir: PathBuf,
    /// Print the report as one JSON object.
    #[arg(long)]
    json: bool,
}

/// Invalid files listed in the text report before "and N more".
const LISTED_INVALID: usize = 20;

/// Runs `palisade advisories ...`.
pub fn run(cmd: AdvisoriesCommand) -> anyhow::Result<ExitCode> {
    match cmd {
        AdvisoriesCommand::Import(args) => import(args),
    }
}

fn import(args: ImportArgs) -> anyhow::Result<ExitCode> {
    let started = Instant::now();
    let files = database::advisory_files(&args.paths)?;
    let existing = database::load(&args.data_dir)
        .map_err(|e| anyhow::anyhow!("cannot read the advisory database: {e}"))?;
    let mut importer = Importer::new(existing);
    let bar = ProgressBar::new(files.len() as u64).with_style(
        ProgressStyle::with_template("{bar:40} {pos}/{len} files {per_sec} {msg}")
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    for file in &files {
        importer.add_file(file);
        bar.inc(1);
    }
    bar.finish_and_clear();
    let (advisories, report) = importer.finish();
    database::save(&args.data_dir, &advisories).map_err(|e| {
        anyhow::anyhow!(
            "cannot write {}: {e}",
            database::database_path(&args.data_dir).display()
        )
    })?;
    let seconds = started.elapsed().as_secs_f64();
    if args.json {
        println!("{}", serde_json::to_string(&report)?);
    } else {
        print_report(&report, &args.data_dir);
    }
    let read = report.imported + report.updated + report.withdrawn;
    eprintln!(
        "{read} advisories from {} files in {seconds:.2} s ({:.0} advisories/s)",
        report.files,
        read as f64 / seconds.max(1e-9)
    );
    Ok(if report.invalid.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}

fn print_report(report: &ImportReport, data_dir: &std::path::Path) {
    println!(
        "imported {} new and {} updated advisories; {} withdrawn (ignored); {} invalid files",
        report.imported,
        report.updated,
        report.withdrawn,
        report.invalid.len()
    );
    for refused in report.invalid.iter().take(LISTED_INVALID) {
        println!("  invalid: {}: {}", refused.file.display(), refused.reason);
    }
    if report.invalid.len() > LISTED_INVALID {
        println!(
            "  ... and {} more (--json lists all)",
            report.invalid.len() - LISTED_INVALID
        );
    }
    println!(
        "{} advisories in {}",
        report.total,
        database::database_path(data_dir).display()
    );
}
