//! `palisade config check FILE` and `palisade config default`.

use std::{path::PathBuf, process::ExitCode};

/// Configuration subcommands.
#[derive(clap::Subcommand)]
pub enum ConfigCommand {
    /// Validate a palisade.toml: prints `ok` or each problem with its line and column.
    Check {
        /// The file to check.
        file: PathBuf,
    },
    /// Print the default configuration as TOML (a starting point for palisade.toml).
    Default,
}

/// Runs the subcommand.
pub fn run(cmd: ConfigCommand) -> anyhow::Result<ExitCode> {
    match cmd {
        ConfigCommand::Check { file } => match palisade_core::config::Config::load(&file)
            .map_err(|e| e.to_string())
            .and_then(|config| {
                palisade_parse::ParserChains::from_config(&config.parsers)
                    .map_err(|e| e.to_string())
            }) {
            Ok(_) => {
                println!("{}: ok", file.display());
                Ok(ExitCode::SUCCESS)
            }
            Err(e) => {
                eprintln!("{e}");
                Ok(ExitCode::from(2))
            }
        },
        ConfigCommand::Default => {
            print!(
                "{}",
                toml::to_string_pretty(&palisade_core::config::Config::default())?
            );
            Ok(ExitCode::SUCCESS)
        }
    }
}
