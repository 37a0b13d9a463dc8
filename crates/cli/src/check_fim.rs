//! `palisade check fim`: compare watched files with a baseline; write the baseline on the
//! first run or with --update.

use crate::check::{hostname, load_policies, PolicyArgs};
use anyhow::{bail, Context};
use palisade_assess::fim::{self, Baseline, ChangeKind, ScanOptions};
use palisade_assess::Target;
use std::io::Write;
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// Flags of `check fim`.
#[derive(clap::Args)]
pub struct FimArgs {
    /// The baseline file (JSON); written when it does not exist yet.
    #[arg(long, value_name = "FILE")]
    baseline: PathBuf,
    /// Paths to watch (directories recursively). Default: the `watch` lists of the policies.
    #[arg(long, num_args = 1.., value_name = "PATH")]
    paths: Vec<String>,
    #[command(flatten)]
    policy: PolicyArgs,
    /// Watch the tree under DIR instead of /.
    #[arg(long, value_name = "DIR", default_value = "/")]
    target_root: PathBuf,
    /// Rewrite the baseline with the current state after reporting the changes.
    #[arg(long)]
    update: bool,
    /// Output format: table, json, or ocsf (NDJSON File System Activity events).
    #[arg(long, default_value = "table")]
    format: FimFormat,
    /// Text files up to this many bytes keep their content in the baseline for diffs.
    #[arg(long, default_value_t = 65536)]
    max_content_bytes: u64,
}

/// Output formats of `check fim`.
#[derive(Clone, Copy, clap::ValueEnum)]
pub enum FimFormat {
    /// One line per change, diffs indented.
    Table,
    /// One JSON document with every change.
    Json,
    /// OCSF File System Activity events, one per line.
    Ocsf,
}

fn write_baseline(path: &Path, baseline: &Baseline) -> anyhow::Result<()> {
    let tmp = path.with_extension("tmp");
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(&tmp)
        .with_context(|| format!("cannot write {}", tmp.display()))?;
    serde_json::to_writer(&mut f, baseline)?;
    f.write_all(b"\n")?;
    f.sync_all()?;
    std::fs::rename(&tmp, path).with_context(|| format!("cannot replace {}", path.display()))?;
    Ok(())
}

/// Runs `check fim`.
pub fn run(args: FimArgs) -> anyhow::Result<ExitCode> {
    if !args.target_root.is_dir() {
        bail!(
            "--target-root {}: not a directory",
            args.target_root.display()
        );
    }
    let watched = if args.paths.is_empty() {
        let mut w: Vec<String> = load_policies(&args.policy)?
            .into_iter()
            .flat_map(|p| p.watch)
            .collect();
        w.sort();
        w.dedup();
        w
    } else {
        args.paths.clone()
    };
    if watched.is_empty() {
        bail!("nothing to watch: give --paths or a policy with a watch list");
    }
    let target = Target::new(&args.target_root);
    let opts = ScanOptions {
        max_content_bytes: args.max_content_bytes,
        ..ScanOptions::default()
    };
    let now = palisade_core::time::now_ms();
    let entries = fim::scan(&target, &watched, &opts).map_err(anyhow::Error::msg)?;
    let current = Baseline {
        version: fim::BASELINE_VERSION,
        created: now,
        watched,
        entries,
    };
    let old: Baseline = match std::fs::read(&args.baseline) {
        Ok(bytes) => serde_json::from_slice(&bytes)
            .with_context(|| format!("{} is not a baseline file", args.baseline.display()))?,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            write_baseline(&args.baseline, &current)?;
            eprintln!(
                "baseline written to {}: {} entries under {} watched paths",
                args.baseline.display(),
                current.entries.len(),
                current.watched.len()
            );
            return Ok(ExitCode::SUCCESS);
        }
        Err(e) => {
            return Err(e).with_context(|| format!("cannot read {}", args.baseline.display()))
        }
    };
    if old.version != fim::BASELINE_VERSION {
        bail!(
            "{}: baseline version {} is not supported",
            args.baseline.display(),
            old.version
        );
    }
    let changes = fim::compare(&old.entries, &current.entries);
    match args.format {
        FimFormat::Json => println!("{:#}", serde_json::json!({ "changes": changes })),
        FimFormat::Ocsf => {
            let host = hostname(&target);
            for c in &changes {
                println!("{}", fim::file_activity(c, &host, now));
            }
        }
        FimFormat::Table => {
            for c in &changes {
                let what = match c.kind {
                    ChangeKind::Created => "created".to_owned(),
                    ChangeKind::Deleted => "deleted".to_owned(),
                    ChangeKind::Modified => "modified".to_owned(),
                    ChangeKind::Attributes => match (&c.before, &c.after) {
                        (Some(b), Some(a)) => format!(
                            "attributes {:04o} {}:{} -> {:04o} {}:{}",
                            b.mode, b.owner, b.group, a.mode, a.owner, a.group
                        ),
                        _ => "attributes".to_owned(),
                    },
                };
                println!("{what:<10} {}", c.path);
                for line in c.diff.iter().flat_map(|d| d.lines()) {
                    println!("           {line}");
                }
            }
            println!(
                "{} changes since {}",
                changes.len(),
                palisade_core::time::format_rfc3339(old.created)
            );
        }
    }
    if args.update {
        write_baseline(&args.baseline, &current)?;
    }
    Ok(if changes.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}
