//! `palisade check`: baseline configuration checks and file integrity monitoring, offline
//! (docs/assess.md). Exit status: 0 nothing failed (or changed), 1 a check failed (or a
//! watched file changed), 2 the run itself failed (bad policy, unreadable baseline).

use anyhow::{anyhow, bail, Context};
use palisade_assess::{builtin, report, Policy, Status, Target};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// `palisade check ...`
#[derive(clap::Subcommand)]
pub enum CheckCommand {
    /// Evaluate policies (every built-in one without --policy) against this host or a tree.
    Run(RunArgs),
    /// List policies and their checks.
    List(ListArgs),
    /// File integrity: compare watched files with a baseline (created on first run).
    Fim(crate::check_fim::FimArgs),
}

/// Which policies, against what.
#[derive(clap::Args)]
pub struct PolicyArgs {
    /// A policy file, or the id of a built-in policy; repeatable. Default: every built-in.
    #[arg(long = "policy", value_name = "FILE|ID")]
    pub policies: Vec<String>,
    /// Override a policy variable (see `check list`), e.g. --set data_dir=/srv/palisade.
    #[arg(long = "set", value_name = "NAME=VALUE")]
    pub vars: Vec<String>,
}

/// Flags of `check run`.
#[derive(clap::Args)]
pub struct RunArgs {
    #[command(flatten)]
    policy: PolicyArgs,
    /// Evaluate the file tree under DIR instead of / (commands are then not applicable;
    /// processes, ports and kernel parameters are read from DIR/proc when present).
    #[arg(long, value_name = "DIR", default_value = "/")]
    target_root: PathBuf,
    /// Output format: table, json, sarif, or ocsf (NDJSON Compliance Finding events).
    #[arg(long, default_value = "table")]
    format: Format,
    /// In the table, show the evidence of every check, not only of failures.
    #[arg(long, short)]
    verbose: bool,
}

/// Output formats of `check run`.
#[derive(Clone, Copy, clap::ValueEnum)]
pub enum Format {
    /// A table for a terminal.
    Table,
    /// One JSON document: summary and results.
    Json,
    /// SARIF 2.1.0.
    Sarif,
    /// OCSF Compliance Finding events, one JSON object per line.
    Ocsf,
}

/// Flags of `check list`.
#[derive(clap::Args)]
pub struct ListArgs {
    #[command(flatten)]
    policy: PolicyArgs,
    /// One JSON document instead of text.
    #[arg(long)]
    json: bool,
}

/// Runs a `check` subcommand, turning errors into exit status 2.
pub fn run(cmd: CheckCommand) -> anyhow::Result<ExitCode> {
    let outcome = match cmd {
        CheckCommand::Run(args) => run_checks(args),
        CheckCommand::List(args) => list(args),
        CheckCommand::Fim(args) => crate::check_fim::run(args),
    };
    outcome.or_else(|e| {
        eprintln!("error: {e:#}");
        Ok(ExitCode::from(2))
    })
}

fn overrides(vars: &[String]) -> anyhow::Result<BTreeMap<String, String>> {
    vars.iter()
        .map(|v| {
            v.split_once('=')
                .map(|(k, v)| (k.trim().to_owned(), v.to_owned()))
                .ok_or_else(|| anyhow!("--set {v:?}: write NAME=VALUE"))
        })
        .collect()
}

/// Loads the selected policies: files by path, built-ins by id, every built-in by default.
pub fn load_policies(args: &PolicyArgs) -> anyhow::Result<Vec<Policy>> {
    let vars = overrides(&args.vars)?;
    let builtins = builtin::policies(&vars).map_err(|e| anyhow!(e))?;
    if args.policies.is_empty() {
        return Ok(builtins);
    }
    args.policies
        .iter()
        .map(|p| {
            if let Some(b) = builtins.iter().find(|b| b.id == *p) {
                return Ok(b.clone());
            }
            let path = Path::new(p);
            if !path.exists() {
                let ids: Vec<&str> = builtins.iter().map(|b| b.id.as_str()).collect();
                bail!(
                    "{p:?} is neither a policy file nor a built-in policy ({})",
                    ids.join(", ")
                );
            }
            let text = std::fs::read_to_string(path).with_context(|| format!("cannot read {p}"))?;
            Policy::parse(&text, &vars).map_err(|e| anyhow!("{p}: {e}"))
        })
        .collect()
}

/// The assessed host's name: the target's /etc/hostname, else the kernel's.
pub fn hostname(target: &Target) -> String {
    ["/etc/hostname", "/proc/sys/kernel/hostname"]
        .iter()
        .filter_map(|p| target.read_to_string(p).ok())
        .map(|s| s.trim().to_owned())
        .find(|s| !s.is_empty())
        .unwrap_or_else(|| "unknown".into())
}

fn run_checks(args: RunArgs) -> anyhow::Result<ExitCode> {
    if !args.target_root.is_dir() {
        bail!(
            "--target-root {}: not a directory",
            args.target_root.display()
        );
    }
    let policies = load_policies(&args.policy)?;
    let target = Target::new(&args.target_root);
    let results = palisade_assess::run(&policies, &target);
    let text = match args.format {
        Format::Table => report::table(&results, args.verbose),
        Format::Json => format!("{:#}\n", report::json(&results)),
        Format::Sarif => format!("{:#}\n", report::sarif(&results, env!("CARGO_PKG_VERSION"))),
        Format::Ocsf => {
            let host = hostname(&target);
            let now = palisade_core::time::now_ms();
            results
                .iter()
                .map(|r| format!("{}\n", report::compliance_finding(r, &host, now)))
                .collect()
        }
    };
    print!("{text}");
    let failed = results.iter().any(|r| r.status == Status::Fail);
    Ok(if failed {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

fn list(args: ListArgs) -> anyhow::Result<ExitCode> {
    let policies = load_policies(&args.policy)?;
    if args.json {
        let doc: Vec<serde_json::Value> = policies
            .iter()
            .map(|p| {
                let checks: Vec<serde_json::Value> = p
                    .checks
                    .iter()
                    .map(|c| serde_json::json!({"id": c.id, "title": c.title, "severity": c.severity, "ccm": c.ccm}))
                    .collect();
                serde_json::json!({"id": p.id, "title": p.title, "description": p.description, "watch": p.watch, "checks": checks})
            })
            .collect();
        println!("{:#}", serde_json::Value::Array(doc));
        return Ok(ExitCode::SUCCESS);
    }
    let mut total = 0;
    for p in &policies {
        println!("{}  {} ({} checks)", p.id, p.title, p.checks.len());
        for c in &p.checks {
            println!(
                "    {:<32} {:<13} {:<16} {}",
                c.id,
                c.severity,
                c.ccm.join(","),
                c.title
            );
        }
        total += p.checks.len();
    }
    println!("\n{} policies, {total} checks", policies.len());
    Ok(ExitCode::SUCCESS)
}
