//! `palisade rules check PATH...`: load Sigma rules and report what loads and what fails.

use palisade_detect::{Engine, EngineOptions, Mappings, Placeholders, RuleSet};
use std::{path::PathBuf, process::ExitCode};

/// `palisade rules ...`
#[derive(clap::Subcommand)]
pub enum RulesCommand {
    /// Load Sigma rules (files or directories, recursively) and report failures with reasons.
    /// Exit code 1 when any document failed.
    Check(CheckArgs),
}

/// Options shared by the commands that load rules.
#[derive(clap::Args)]
pub struct RuleOptions {
    /// TOML file of `expand` placeholder values: `name = ["value", ...]` per placeholder.
    #[arg(long)]
    pub placeholders: Option<PathBuf>,
    /// TOML file of extra field mappings and logsource definitions (see docs/sigma.md).
    #[arg(long)]
    pub mappings: Option<PathBuf>,
}

impl RuleOptions {
    /// Loads every path into one rule set.
    pub fn load(&self, paths: &[PathBuf]) -> anyhow::Result<RuleSet> {
        let placeholders: Placeholders = match &self.placeholders {
            Some(path) => {
                let text = std::fs::read_to_string(path)
                    .map_err(|e| anyhow::anyhow!("cannot read {}: {e}", path.display()))?;
                toml::from_str(&text).map_err(|e| {
                    anyhow::anyhow!(
                        "{}: placeholders must be name = [values]: {e}",
                        path.display()
                    )
                })?
            }
            None => Placeholders::new(),
        };
        let mut set = RuleSet::new(placeholders);
        for path in paths {
            if !path.exists() {
                anyhow::bail!("{} does not exist", path.display());
            }
            set.load_path(path);
        }
        Ok(set)
    }

    /// Compiles a rule set with the shipped mappings plus the user's.
    pub fn engine(&self, set: &RuleSet) -> anyhow::Result<Engine> {
        let mut options = EngineOptions::default();
        if let Some(path) = &self.mappings {
            let text = std::fs::read_to_string(path)
                .map_err(|e| anyhow::anyhow!("cannot read {}: {e}", path.display()))?;
            let extra = Mappings::from_toml(&text)
                .map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))?;
            options.mappings.extend(extra);
        }
        Engine::new(set, &options).map_err(|e| anyhow::anyhow!("cannot compile the rules: {e}"))
    }
}

/// Flags of `palisade rules check`.
#[derive(clap::Args)]
pub struct CheckArgs {
    /// Print one JSON object: {"loaded": N, "failed": M, "failures": [{"file", "line", "reason"}]}.
    #[arg(long)]
    json: bool,
    #[command(flatten)]
    options: RuleOptions,
    /// Rule files or directories.
    #[arg(required = true)]
    paths: Vec<PathBuf>,
}

/// Runs a `rules` command.
pub fn run(cmd: RulesCommand) -> anyhow::Result<ExitCode> {
    match cmd {
        RulesCommand::Check(args) => check(args),
    }
}

fn check(args: CheckArgs) -> anyhow::Result<ExitCode> {
    let set = args.options.load(&args.paths)?;
    args.options.engine(&set)?;
    let loaded = set.rules.len() + set.filters.len();
    let failed = set.failures.len();
    if args.json {
        // Written by hand to keep the documented key order.
        let failures = serde_json::to_string(&set.failures)?;
        println!("{{\"loaded\":{loaded},\"failed\":{failed},\"failures\":{failures}}}");
    } else {
        for f in &set.failures {
            match f.line {
                Some(line) => println!("{}:{line}: {}", f.file, f.reason),
                None => println!("{}: {}", f.file, f.reason),
            }
        }
        println!(
            "{loaded} loaded ({} rules, {} filters), {failed} failed, {} correlation rules left to the correlation engine",
            set.rules.len(),
            set.filters.len(),
            set.skipped.len()
        );
    }
    Ok(if failed == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}
