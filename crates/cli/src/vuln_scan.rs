//! `palisade vuln scan`: match what a target root has installed (its dpkg status) and what
//! lock files pin against the imported advisories, offline. Output as a table, JSON, or OCSF
//! Vulnerability Finding events (NDJSON).

use palisade_core::TenantId;
use palisade_vuln::{
    database,
    inventory::{read_lockfile, read_target_root, Inventory},
    ocsf::finding_event,
    osv::AdvisoryIndex,
    scan::{scan, ScanReport},
};
use std::{io::Write, path::PathBuf, process::ExitCode};

/// `palisade vuln ...`
#[derive(clap::Subcommand)]
pub enum VulnCommand {
    /// Scan a target root's dpkg packages and lock files against the imported advisories.
    /// Exit code 0: no finding; 1: findings; 2: the scan could not run.
    Scan(ScanArgs),
}

/// Output formats of `palisade vuln scan`.
#[derive(Clone, Copy, clap::ValueEnum)]
pub enum Format {
    /// Aligned columns and a summary.
    Table,
    /// One JSON object: summary, findings, unpinned requirements, skipped entries.
    Json,
    /// One OCSF Vulnerability Finding (class 2002) per line.
    Ocsf,
}

/// Flags of `palisade vuln scan`.
#[derive(clap::Args)]
pub struct ScanArgs {
    /// Root of the system to inventory (its var/lib/dpkg/status and etc/os-release)
    /// [default: / when no --lockfile is given, none otherwise].
    #[arg(long)]
    target_root: Option<PathBuf>,
    /// A lock file to include: Cargo.lock, package-lock.json, npm-shrinkwrap.json,
    /// poetry.lock, requirements*.txt, or NAME:PATH for another file name
    /// (`requirements.txt:deps/base.txt`); repeatable.
    #[arg(long)]
    lockfile: Vec<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value = "table")]
    format: Format,
    /// Data directory holding the advisory database (`palisade advisories import`).
    #[arg(long, default_value = "./palisade-data")]
    data_dir: PathBuf,
    /// Tenant recorded in OCSF output.
    #[arg(long, default_value = "default")]
    tenant: String,
}

/// Runs `palisade vuln ...`.
pub fn run(cmd: VulnCommand) -> anyhow::Result<ExitCode> {
    let VulnCommand::Scan(args) = cmd;
    match run_scan(&args) {
        Ok(report) => Ok(ExitCode::from(u8::from(!report.findings.is_empty()))),
        Err(e) => {
            eprintln!("error: {e:#}");
            Ok(ExitCode::from(2))
        }
    }
}

fn run_scan(args: &ScanArgs) -> anyhow::Result<ScanReport> {
    let tenant = TenantId::new(&args.tenant).map_err(|e| anyhow::anyhow!("--tenant: {e}"))?;
    let advisories = database::load(&args.data_dir)
        .map_err(|e| anyhow::anyhow!("cannot read the advisory database: {e}"))?;
    if advisories.is_empty() {
        anyhow::bail!(
            "no advisories in {}: run `palisade advisories import DIR` first",
            database::database_path(&args.data_dir).display()
        );
    }
    let index = AdvisoryIndex::new(advisories);
    let mut inventory = Inventory::default();
    let root = match (&args.target_root, args.lockfile.is_empty()) {
        (Some(root), _) => Some(root.clone()),
        (None, true) => Some(PathBuf::from("/")),
        (None, false) => None,
    };
    if let Some(root) = root {
        if !root.is_dir() {
            anyhow::bail!("--target-root {} is not a directory", root.display());
        }
        inventory.extend(read_target_root(&root)?);
    }
    for path in &args.lockfile {
        inventory.extend(read_lockfile(path)?);
    }
    let report = scan(&index, &inventory);
    let mut out = std::io::stdout().lock();
    match args.format {
        Format::Table => print_table(&mut out, &report)?,
        Format::Json => writeln!(out, "{}", serde_json::to_string(&report)?)?,
        Format::Ocsf => {
            let now = palisade_core::time::now_ms();
            for (i, finding) in report.findings.iter().enumerate() {
                let event = finding_event(finding, i as u64 + 1, tenant.clone(), now);
                writeln!(out, "{}", event.to_ocsf_json())?;
            }
        }
    }
    out.flush()?;
    if !matches!(args.format, Format::Table) {
        eprintln!("{}", summary(&report));
    }
    Ok(report)
}

fn summary(report: &ScanReport) -> String {
    let fixable = report.fixable();
    format!(
        "{} packages scanned against {} advisories: {} findings ({fixable} with a fix available, {} with no fix available)",
        report.packages,
        report.advisories,
        report.findings.len(),
        report.findings.len() - fixable
    )
}

fn print_table(out: &mut impl Write, report: &ScanReport) -> std::io::Result<()> {
    let header = [
        "SEVERITY",
        "PACKAGE",
        "INSTALLED",
        "FIXED",
        "ADVISORY",
        "FOUND IN",
    ];
    let rows: Vec<[String; 6]> = report
        .findings
        .iter()
        .map(|f| {
            let advisory = match f.aliases.first().filter(|a| a.starts_with("CVE-")) {
                Some(cve) => format!("{} ({cve})", f.advisory),
                None => f.advisory.clone(),
            };
            [
                f.severity.level.name().to_owned(),
                format!("{} ({})", f.package.name, f.package.ecosystem),
                f.package.version.clone(),
                f.fixed_version
                    .clone()
                    .unwrap_or_else(|| "no fix available".to_owned()),
                advisory,
                f.package.source.clone(),
            ]
        })
        .collect();
    let mut widths = header.map(str::len);
    for row in &rows {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.chars().count());
        }
    }
    let line = |cells: &[&str]| {
        let padded: Vec<String> = cells
            .iter()
            .zip(widths)
            .map(|(c, w)| format!("{c:<w$}"))
            .collect();
        padded.join("  ").trim_end().to_owned()
    };
    if !rows.is_empty() {
        writeln!(out, "{}", line(&header))?;
        for row in &rows {
            writeln!(out, "{}", line(&row.each_ref().map(String::as_str)))?;
        }
        writeln!(out)?;
    }
    writeln!(out, "{}", summary(report))?;
    if !report.unpinned.is_empty() {
        writeln!(
            out,
            "{} requirements not pinned with == were not checked:",
            report.unpinned.len()
        )?;
        for u in &report.unpinned {
            writeln!(out, "  {} ({})", u.requirement, u.source)?;
        }
    }
    for note in report.skipped.iter() {
        writeln!(out, "note: {note}")?;
    }
    for version in &report.unparsable_versions {
        writeln!(
            out,
            "note: version does not parse, only explicit lists checked: {version}"
        )?;
    }
    let index = &report.index;
    writeln!(
        out,
        "advisories: {} withdrawn ignored, {} GIT ranges skipped, {} entries of other ecosystems, {} unparsable versions",
        index.withdrawn, index.git_ranges, index.unsupported_ecosystem, index.unparsable_versions
    )?;
    Ok(())
}
