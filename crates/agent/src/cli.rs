//! `palisade agent` and `palisade agent enrol`.

use crate::{client::ServerClient, config::AgentConfig, run::Agent};
use anyhow::Context;
use std::{io::Write, path::PathBuf, process::ExitCode};
use zeroize::Zeroizing;

/// `palisade agent [enrol]`
#[derive(clap::Args, Debug)]
#[command(args_conflicts_with_subcommands = true)]
pub struct AgentArgs {
    #[command(subcommand)]
    command: Option<AgentCommand>,
    #[command(flatten)]
    run: RunArgs,
}

#[derive(clap::Subcommand, Debug)]
enum AgentCommand {
    /// Exchanges a one-time enrolment token for this agent's token (saved with mode 0600).
    Enrol(EnrolArgs),
}

/// Where the server is and how to trust it.
#[derive(clap::Args, Debug)]
struct Connection {
    /// Server API URL.
    #[arg(
        long,
        env = "PALISADE_SERVER",
        default_value = "https://127.0.0.1:8443"
    )]
    server: String,
    /// PEM certificate to trust for the server: its own certificate (<data-dir>/tls/cert.pem
    /// of the server, pinned) or the CA that signed it.
    #[arg(long, env = "PALISADE_CA_CERT")]
    ca_file: Option<PathBuf>,
    /// File holding this agent's token.
    #[arg(long, default_value = "./palisade-agent/agent.token")]
    token_file: PathBuf,
}

#[derive(clap::Args, Debug)]
struct RunArgs {
    #[command(flatten)]
    connection: Connection,
    /// Agent configuration (agent.toml: files to tail, intervals; docs/agent.md).
    #[arg(long)]
    config: Option<PathBuf>,
    /// Where read positions and the disk buffer live.
    #[arg(long, default_value = "./palisade-agent")]
    state_dir: PathBuf,
}

#[derive(clap::Args, Debug)]
struct EnrolArgs {
    #[command(flatten)]
    connection: Connection,
    /// The one-time enrolment token an administrator created.
    #[arg(long, env = "PALISADE_ENROL_TOKEN", hide_env_values = true)]
    enrol_token: String,
    /// Host name to enrol under (default: the system's).
    #[arg(long)]
    hostname: Option<String>,
}

/// Runs `palisade agent` or `palisade agent enrol`.
pub fn run(args: AgentArgs) -> anyhow::Result<ExitCode> {
    match args.command {
        Some(AgentCommand::Enrol(enrol)) => enrol_agent(enrol),
        None => run_agent(args.run),
    }
}

fn run_agent(args: RunArgs) -> anyhow::Result<ExitCode> {
    let config = match &args.config {
        Some(path) => AgentConfig::load(path)?,
        None => AgentConfig::default(),
    };
    let token_file = &args.connection.token_file;
    let token = Zeroizing::new(
        std::fs::read_to_string(token_file)
            .with_context(|| {
                format!(
                    "cannot read the agent token {} (enrol first: palisade agent enrol)",
                    token_file.display()
                )
            })?
            .trim()
            .to_owned(),
    );
    let client = ServerClient::new(&args.connection.server, args.connection.ca_file.as_deref())?;
    let files = config.files.len();
    let mut agent = Agent::new(config, args.state_dir.clone(), client, token)?;
    println!(
        "Agent running: tailing {files} file(s), state in {}.",
        args.state_dir.display()
    );
    agent.run()
}

fn enrol_agent(args: EnrolArgs) -> anyhow::Result<ExitCode> {
    let client = ServerClient::new(&args.connection.server, args.connection.ca_file.as_deref())?;
    let hostname = args
        .hostname
        .unwrap_or_else(|| AgentConfig::default().host_name());
    let request = Zeroizing::new(
        serde_json::json!({ "enrol_token": args.enrol_token, "hostname": hostname }).to_string(),
    );
    let answer = client
        .post(
            "/api/v1/agents/enrol",
            None,
            "application/json",
            request.as_bytes(),
        )
        .context("enrolment failed")?;
    let (Some(id), Some(token)) = (answer["agent_id"].as_str(), answer["token"].as_str()) else {
        anyhow::bail!("the server's enrolment answer has no agent_id and token");
    };
    let token = Zeroizing::new(token.to_owned());
    write_secret(&args.connection.token_file, &token)?;
    println!(
        "Enrolled as agent {id} (tenant {}); token written to {} (mode 0600).",
        answer["tenant"].as_str().unwrap_or("?"),
        args.connection.token_file.display()
    );
    Ok(ExitCode::SUCCESS)
}

/// Writes a secret to a file only its owner can read.
fn write_secret(path: &std::path::Path, secret: &str) -> anyhow::Result<()> {
    use std::os::unix::fs::OpenOptionsExt;
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        crate::run::create_private_dir(dir)?;
    }
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(path)
        .with_context(|| format!("cannot write {}", path.display()))?;
    file.set_permissions(std::os::unix::fs::PermissionsExt::from_mode(0o600))?;
    file.write_all(secret.as_bytes())?;
    file.write_all(b"\n")?;
    file.sync_all()?;
    Ok(())
}
