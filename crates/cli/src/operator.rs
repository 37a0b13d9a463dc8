//! `palisade operator`: the root of trust. `init` splits a new root key into Shamir shares
//! (offline, before the server's first start), `unseal` hands shares to a running sealed
//! server, `seal-status` and `seal` report and close it.

use crate::client::{Client, ServerArgs};
use anyhow::Context;
use std::{io::BufRead, path::PathBuf, process::ExitCode};

/// Operator subcommands.
#[derive(clap::Subcommand)]
pub enum OperatorCommand {
    /// Create the key service's root key and print its Shamir shares once. Run on a data
    /// directory whose server has never started (or has no key service yet).
    Init(InitArgs),
    /// Give unseal shares to a sealed server: the shares given as arguments, or one per line
    /// on standard input (keeps them out of shell history).
    Unseal(UnsealArgs),
    /// Show whether the key service is sealed, and the unseal progress.
    SealStatus(ServerOnly),
    /// Seal the key service again: every key operation is refused until unsealed.
    Seal(ServerOnly),
}

/// Flags of `palisade operator init`.
#[derive(clap::Args)]
pub struct InitArgs {
    /// Data directory of the server.
    #[arg(long, default_value = "./palisade-data")]
    data_dir: PathBuf,
    /// Shares to print.
    #[arg(long, default_value_t = 5)]
    shares: u8,
    /// Shares needed to unseal.
    #[arg(long, default_value_t = 3)]
    threshold: u8,
}

/// Flags of `palisade operator unseal`.
#[derive(clap::Args)]
pub struct UnsealArgs {
    /// Shares (read from standard input when none are given).
    shares: Vec<String>,
    /// Forget shares submitted earlier before these.
    #[arg(long)]
    reset: bool,
    #[command(flatten)]
    server: ServerArgs,
}

/// Only the server flags.
#[derive(clap::Args)]
pub struct ServerOnly {
    #[command(flatten)]
    server: ServerArgs,
}

/// Runs an operator command.
pub fn run(cmd: OperatorCommand) -> anyhow::Result<ExitCode> {
    match cmd {
        OperatorCommand::Init(args) => init(args),
        OperatorCommand::Unseal(args) => unseal(args),
        OperatorCommand::SealStatus(args) => {
            let status = Client::new(&args.server)?.get("/api/v1/kms/seal-status", &[])?;
            print_status(&status);
            Ok(ExitCode::SUCCESS)
        }
        OperatorCommand::Seal(args) => {
            let status =
                Client::new(&args.server)?.post("/api/v1/kms/seal", "application/json", b"{}")?;
            print_status(&status);
            Ok(ExitCode::SUCCESS)
        }
    }
}

fn init(args: InitArgs) -> anyhow::Result<ExitCode> {
    let kms_dir = args.data_dir.join("kms");
    let shares = palisade_kms::seal::init_shamir(&kms_dir, args.shares, args.threshold)
        .with_context(|| format!("cannot initialise the key service in {}", kms_dir.display()))?;
    println!(
        "Key service initialised in {} with a Shamir seal.",
        kms_dir.display()
    );
    println!(
        "These {} unseal shares are shown ONCE and stored nowhere. Give each to a different \
         custodian; any {} of them unseal the server after every start.",
        shares.len(),
        args.threshold
    );
    for (i, share) in shares.iter().enumerate() {
        println!("Unseal share {}: {share}", i + 1);
    }
    Ok(ExitCode::SUCCESS)
}

fn unseal(args: UnsealArgs) -> anyhow::Result<ExitCode> {
    let client = Client::new(&args.server)?;
    let mut shares = args.shares;
    if shares.is_empty() {
        for line in std::io::stdin().lock().lines() {
            let line = line.context("cannot read shares from standard input")?;
            if !line.trim().is_empty() {
                shares.push(line.trim().to_owned());
            }
        }
    }
    if shares.is_empty() && !args.reset {
        anyhow::bail!("no share given (pass them as arguments or one per line on standard input)");
    }
    let mut status = serde_json::Value::Null;
    let mut reset = args.reset;
    if shares.is_empty() {
        status = client.post(
            "/api/v1/kms/unseal",
            "application/json",
            br#"{"reset":true}"#,
        )?;
    }
    for share in &shares {
        let body = serde_json::json!({ "share": share, "reset": reset });
        reset = false;
        status = client.post(
            "/api/v1/kms/unseal",
            "application/json",
            body.to_string().as_bytes(),
        )?;
    }
    print_status(&status);
    Ok(if status["sealed"].as_bool() == Some(false) {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(2)
    })
}

fn print_status(status: &serde_json::Value) {
    let sealed = status["sealed"].as_bool().unwrap_or(true);
    println!(
        "Seal: {}  Sealed: {}  Progress: {}/{}",
        status["seal"].as_str().unwrap_or("?"),
        sealed,
        status["progress"],
        status["threshold"]
    );
}
