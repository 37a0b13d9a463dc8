//! `palisade`: the one binary. `serve` runs the platform; the other commands talk to a running
//! server over its API (`ingest`, `search`), work offline (`parse`), check configuration, or
//! measure (`bench`).

mod advisories;
mod audit;
mod bench;
mod check;
mod check_fim;
mod client;
mod config_cmd;
mod hunt;
mod hunt_stored;
mod iam;
mod incident_tables;
mod incidents;
mod ingest;
mod kms_bench;
mod kms_load;
mod kms_wire;
mod operator;
mod parse_cmd;
mod parsers;
mod posture;
mod rules;
mod search;
mod templates;
mod vuln_scan;

use clap::{Parser, Subcommand};

/// mimalloc instead of the system allocator: the pipeline allocates and frees millions of
/// small strings per second across threads, where it measured faster (docs/benchmarks.md).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// mimalloc's `purge_delay` option (its index in mimalloc v3's option table, between
/// `eager_commit_delay` = 14 and `use_numa_nodes` = 16, which libmimalloc-sys names).
const MI_OPTION_PURGE_DELAY: libmimalloc_sys::mi_option_t = 15;
/// Keeps freed pages for 10 s before returning them to the OS (mimalloc's default is 1 s).
/// A memtable is filled, written out and freed about once a second under load; returning its
/// pages each time made the kernel zero them again for the next one, which measured as a
/// quarter of the server's CPU. Idle memory still goes back after 10 s.
///
/// Also keeps transparent huge pages off: the kernel zeroed a whole 2 MiB page on the first
/// touch of each, which measured 4–14% of the server's CPU under ingest load, for memory that
/// is reused anyway. mimalloc is built without its huge-page advice (the `no_thp` feature: its
/// first arena, reserved before main runs, took a zeroed 2 MiB page at every start, up to
/// 2.4 ms of a `templates mine` run), and where the kernel gives huge pages unasked
/// (`enabled=always`) the process opts out here, unless `MIMALLOC_ALLOW_THP` is set.
fn tune_allocator() {
    // SAFETY: called first thing in main, before any other thread exists (mimalloc's option
    // setters are not thread safe); the option index is checked against its default first.
    // `prctl(PR_SET_THP_DISABLE)` takes plain integers and changes only this process.
    unsafe {
        if libmimalloc_sys::mi_option_get(MI_OPTION_PURGE_DELAY) == 1000 {
            libmimalloc_sys::mi_option_set(MI_OPTION_PURGE_DELAY, 10_000);
        }
        #[cfg(target_os = "linux")]
        if std::env::var_os("MIMALLOC_ALLOW_THP").is_none() {
            libc::prctl(libc::PR_SET_THP_DISABLE, 1, 0, 0, 0);
        }
    }
}
use std::{net::SocketAddr, path::PathBuf, process::ExitCode};

/// Palisade: collect, normalise, store and search security logs. One binary, no external service.
#[derive(Parser)]
#[command(name = "palisade", version, about, long_about = None)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run the server: HTTPS API, syslog collectors (UDP/TCP 1514, TLS 6514), storage.
    Serve(ServeArgs),
    /// Send log files (plain lines or NDJSON; `-` for stdin) to a running server.
    Ingest(ingest::IngestArgs),
    /// Search stored events with the query language (see docs/query.md).
    Search(search::SearchArgs),
    /// Show what each line of a log file becomes (offline; see docs/parsers.md).
    Parse(parse_cmd::ParseArgs),
    /// Work with palisade.toml.
    #[command(subcommand)]
    Config(config_cmd::ConfigCommand),
    /// Log templates: mine a file offline, list a server's, promote one to a parser.
    #[command(subcommand)]
    Templates(templates::TemplatesCommand),
    /// Measure: load generators.
    #[command(subcommand)]
    Bench(bench::BenchCommand),
    /// The tamper-evident audit trail: verify it offline, export records for auditors.
    #[command(subcommand)]
    Audit(audit::AuditCommand),
    /// Key service root of trust: init (Shamir shares), unseal, seal-status, seal.
    #[command(subcommand)]
    Operator(operator::OperatorCommand),
    /// A tenant's own parser chains on a running server (see docs/parsers.md).
    #[command(subcommand)]
    Parsers(parsers::ParsersCommand),
    /// Sigma rules: check that they load (see docs/sigma.md).
    #[command(subcommand)]
    Rules(rules::RulesCommand),
    /// Run Sigma rules offline over JSON/NDJSON/log files.
    Hunt(hunt::HuntArgs),
    /// OSV vulnerability advisories: import them for offline scans (see docs/vulnerabilities.md).
    #[command(subcommand)]
    Advisories(advisories::AdvisoriesCommand),
    /// Vulnerability matching: scan installed packages and lock files (offline).
    #[command(subcommand)]
    Vuln(vuln_scan::VulnCommand),
    /// Accounts: add, list, disable, enable (docs/iam.md).
    #[command(subcommand)]
    User(iam::UserCommand),
    /// API tokens: create (shown once), list, revoke (docs/iam.md).
    #[command(subcommand)]
    Token(iam::TokenCommand),
    /// Incidents: list, show, ack, resolve, close, reopen, assign, comment, metrics, patterns.
    #[command(subcommand)]
    Incidents(incidents::IncidentsCommand),
    /// Host agent: tail log files and ship them to a server (`agent enrol` first; docs/agent.md).
    Agent(palisade_agent::cli::AgentArgs),
    /// Posture: baseline configuration checks and file integrity (offline; docs/assess.md).
    #[command(subcommand)]
    Check(check::CheckCommand),
    /// Compliance posture per CSA CCM v4 domain and control, reports, CCM text import
    /// (docs/posture.md).
    Posture(posture::PostureArgs),
}

/// Flags of `palisade serve`; each overrides the configuration file.
#[derive(clap::Args)]
struct ServeArgs {
    /// Configuration file (every key documented in docs/configuration.md).
    #[arg(long, env = "PALISADE_CONFIG")]
    config: Option<PathBuf>,
    /// Data directory [default: ./palisade-data].
    #[arg(long)]
    data_dir: Option<PathBuf>,
    /// API address [default: 127.0.0.1:8443].
    #[arg(long)]
    api: Option<SocketAddr>,
    /// Syslog UDP and TCP address (same port) [default: 0.0.0.0:1514].
    #[arg(long)]
    syslog: Option<SocketAddr>,
    /// Syslog over TLS address [default: 0.0.0.0:6514].
    #[arg(long)]
    syslog_tls: Option<SocketAddr>,
    /// Serve the API over plain HTTP (refused unless the API address is loopback).
    #[arg(long)]
    insecure_http: bool,
}

/// Lets a command whose output is piped into a reader that stops early (`palisade search ... |
/// head`) end as other command-line tools do, by the default action of `SIGPIPE`, instead of
/// failing on the write. Not for the daemons (`serve`, `agent`): the Rust runtime ignores the
/// signal so that a vanished peer is an error, and socket writes never raise it anyway
/// (`MSG_NOSIGNAL`).
fn stop_quietly_when_the_reader_leaves() {
    // SAFETY: restoring a signal's default disposition passes only constants and happens
    // before any other thread exists.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
}

fn main() -> ExitCode {
    tune_allocator();
    let cli = Cli::parse();
    if !matches!(cli.command, Command::Serve(_) | Command::Agent(_)) {
        stop_quietly_when_the_reader_leaves();
    }
    let result = match cli.command {
        Command::Serve(args) => serve(args),
        Command::Ingest(args) => ingest::run(args),
        Command::Search(args) => search::run(args),
        Command::Parse(args) => parse_cmd::run(args),
        Command::Config(cmd) => config_cmd::run(cmd),
        Command::Bench(cmd) => bench::run(cmd),
        Command::Audit(cmd) => audit::run(cmd),
        Command::Operator(cmd) => operator::run(cmd),
        Command::Templates(cmd) => templates::run(cmd),
        Command::Parsers(cmd) => parsers::run(cmd),
        Command::Rules(cmd) => rules::run(cmd),
        Command::Hunt(args) => hunt::run(args),
        Command::Advisories(cmd) => advisories::run(cmd),
        Command::Vuln(cmd) => vuln_scan::run(cmd),
        Command::User(cmd) => iam::run_user(cmd),
        Command::Token(cmd) => iam::run_token(cmd),
        Command::Incidents(cmd) => incidents::run(cmd),
        Command::Agent(args) => palisade_agent::cli::run(args),
        Command::Check(cmd) => check::run(cmd),
        Command::Posture(args) => posture::run(args),
    };
    match result {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

fn serve(args: ServeArgs) -> anyhow::Result<ExitCode> {
    let mut config = match &args.config {
        Some(path) => palisade_core::config::Config::load(path)?,
        None => palisade_core::config::Config::default(),
    };
    if let Some(d) = args.data_dir {
        config.data_dir = d;
    }
    if let Some(a) = args.api {
        config.api.listen = a;
    }
    if let Some(a) = args.syslog {
        config.syslog.listen = Some(a);
    }
    if let Some(a) = args.syslog_tls {
        config.syslog.tls_listen = Some(a);
    }
    config.api.insecure_http |= args.insecure_http;
    init_logging(&config.log)?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    runtime.block_on(palisade_server::serve::run(config))?;
    Ok(ExitCode::SUCCESS)
}

fn init_logging(cfg: &palisade_core::config::LogConfig) -> anyhow::Result<()> {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .or_else(|_| tracing_subscriber::EnvFilter::try_new(&cfg.level))
        .map_err(|e| anyhow::anyhow!("log.level {:?} is not a valid filter: {e}", cfg.level))?;
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()));
    match cfg.format {
        palisade_core::config::LogFormat::Json => builder.json().init(),
        palisade_core::config::LogFormat::Text => builder.init(),
    }
    Ok(())
}
