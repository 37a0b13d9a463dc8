//! `palisade operator`: the root of trust. `init` splits a new root key into Shamir shares, or
//! has a PKCS#11 token wrap it (offline, before the server's first start), `unseal` hands
//! shares to a running sealed server, `seal-status` and `seal` report and close it.

use crate::client::{Client, ServerArgs};
use anyhow::Context;
use std::{io::BufRead, path::PathBuf, process::ExitCode};

/// Operator subcommands.
#[derive(clap::Subcommand)]
pub enum OperatorCommand {
    /// Create the key service's root key and print its Shamir shares once, or (`--seal pkcs11`)
    /// have the HSM token of `[kms.pkcs11]` wrap it. Run on a data directory whose server has
    /// never started (or has no key service yet).
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
    /// Data directory of the server (default: the configuration's `data_dir`).
    #[arg(long)]
    data_dir: Option<PathBuf>,
    /// How the root key is sealed.
    #[arg(long, value_enum, default_value_t = SealKind::Shamir)]
    seal: SealKind,
    /// Configuration file: its `data_dir` and, for `--seal pkcs11`, its `[kms.pkcs11]` section.
    #[arg(long)]
    config: Option<PathBuf>,
    /// Shares to print (Shamir seal).
    #[arg(long, default_value_t = 5)]
    shares: u8,
    /// Shares needed to unseal (Shamir seal).
    #[arg(long, default_value_t = 3)]
    threshold: u8,
}

/// The seals `palisade operator init` can set up.
#[derive(Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum SealKind {
    /// Split the root key into Shamir shares printed once.
    Shamir,
    /// Wrap the root key with a non-extractable key in a PKCS#11 token (automatic unseal).
    Pkcs11,
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
    let config = match &args.config {
        Some(path) => palisade_core::config::Config::load(path)?,
        None => palisade_core::config::Config::default(),
    };
    let kms_dir = args.data_dir.unwrap_or(config.data_dir).join("kms");
    if args.seal == SealKind::Pkcs11 {
        return init_pkcs11(&kms_dir, &config.kms.pkcs11);
    }
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

fn init_pkcs11(
    kms_dir: &std::path::Path,
    hsm: &palisade_core::pkcs11_config::Pkcs11Config,
) -> anyhow::Result<ExitCode> {
    palisade_kms::seal_pkcs11::init_pkcs11(kms_dir, hsm)
        .with_context(|| format!("cannot initialise the key service in {}", kms_dir.display()))?;
    println!(
        "Key service initialised in {} with a PKCS#11 seal: the root key is wrapped by key {:?} \
         of token {} (module {}). The server unseals itself from the token at every start.",
        kms_dir.display(),
        hsm.key_label,
        hsm.slot.map_or_else(
            || format!("{:?}", hsm.token_label),
            |s| format!("in slot {s}")
        ),
        hsm.module.display()
    );
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
    if let Some(reason) = status["error"].as_str() {
        println!("Why sealed: {reason}");
    }
}
