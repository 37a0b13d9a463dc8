//! `palisade parsers`: a tenant's own parser chains on a running server (list, put, delete).
//! Chains in palisade.toml are shown by name; they change only with the configuration.

use crate::client::{Client, ServerArgs};
use anyhow::Context;
use std::path::PathBuf;
use std::process::ExitCode;

/// Subcommands of `palisade parsers`.
#[derive(clap::Subcommand)]
pub enum ParsersCommand {
    /// List the tenant's chains (and the names of the configuration's chains).
    List(TenantArgs),
    /// Add or replace a chain from a JSON file holding `sources`, `when` and `steps` (the keys
    /// of a `[[parsers]]` table, docs/parsers.md); the server checks it before using it.
    Put {
        #[command(flatten)]
        tenant: TenantArgs,
        /// The chain's name (unique in the tenant).
        name: String,
        /// The chain as JSON (`-` for standard input).
        file: PathBuf,
    },
    /// Remove a chain.
    Delete {
        #[command(flatten)]
        tenant: TenantArgs,
        /// The chain's name.
        name: String,
    },
}

/// The server, and the tenant acted on.
#[derive(clap::Args)]
pub struct TenantArgs {
    #[command(flatten)]
    pub server: ServerArgs,
    /// Tenant (provider administrators only; default: the caller's).
    #[arg(long)]
    pub tenant: Option<String>,
}

impl TenantArgs {
    /// `path`, with `?tenant=` when one was named.
    pub fn path(&self, path: &str) -> String {
        match &self.tenant {
            Some(tenant) => format!("{path}?tenant={tenant}"),
            None => path.to_owned(),
        }
    }
}

/// Runs the command.
pub fn run(command: ParsersCommand) -> anyhow::Result<ExitCode> {
    match command {
        ParsersCommand::List(args) => {
            let answer = Client::new(&args.server)?.get(&args.path("/api/v1/parsers"), &[])?;
            let configured = answer["configured"].as_array().cloned().unwrap_or_default();
            for name in &configured {
                println!("{:<24} (palisade.toml)", name.as_str().unwrap_or_default());
            }
            for chain in answer["chains"].as_array().cloned().unwrap_or_default() {
                println!(
                    "{:<24} {}",
                    chain["name"].as_str().unwrap_or_default(),
                    chain["chain"]
                );
            }
        }
        ParsersCommand::Put { tenant, name, file } => {
            let text = if file.as_os_str() == "-" {
                std::io::read_to_string(std::io::stdin()).context("cannot read standard input")?
            } else {
                std::fs::read_to_string(&file)
                    .with_context(|| format!("cannot read {}", file.display()))?
            };
            let chain: serde_json::Value = serde_json::from_str(&text)
                .with_context(|| format!("{} is not JSON", file.display()))?;
            let path = tenant.path(&format!("/api/v1/parsers/{name}"));
            Client::new(&tenant.server)?.send_json("PUT", &path, &chain)?;
            println!("parser chain {name} saved");
        }
        ParsersCommand::Delete { tenant, name } => {
            let path = tenant.path(&format!("/api/v1/parsers/{name}"));
            Client::new(&tenant.server)?.send_json("DELETE", &path, &serde_json::json!({}))?;
            println!("parser chain {name} deleted");
        }
    }
    Ok(ExitCode::SUCCESS)
}
