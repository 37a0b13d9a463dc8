//! `palisade templates`: list the templates a running server mined from unparsed events, or
//! mine templates offline from a file.

use crate::client::{Client, ServerArgs};
use anyhow::Context;
use indicatif::{ProgressBar, ProgressStyle};
use palisade_parse::template::{offline, HeaderFormat, MinerConfig, TemplateMiner};
use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

/// Subcommands of `palisade templates`.
#[derive(clap::Subcommand)]
pub enum TemplatesCommand {
    /// Mine templates from a log file offline; prints one JSON object per input line:
    /// {"line": n, "template_id": ..., "template": ...} (and "params": [...] with --params).
    Mine(MineArgs),
    /// List the templates a running server mined from its unparsed events, most frequent
    /// first, with counts and an example each.
    List(ListArgs),
    /// Promote a template of a running server to a parser chain: lines that fit it are
    /// parsed from then on, each `<*>` into the field named by the matching `--field`.
    Promote(PromoteArgs),
}

/// Flags of `palisade templates promote`.
#[derive(clap::Args)]
pub struct PromoteArgs {
    #[command(flatten)]
    tenant: crate::parsers::TenantArgs,
    /// The template's id (`palisade templates list`).
    id: String,
    /// Name of the new parser chain.
    #[arg(long)]
    name: String,
    /// Field for each `<*>` in order (repeat; an empty name skips a wildcard).
    #[arg(long = "field", value_name = "FIELD")]
    fields: Vec<String>,
    /// Limit the parser to these sources (repeat; default: every source).
    #[arg(long = "source", value_name = "SOURCE")]
    sources: Vec<String>,
}

/// Flags of `palisade templates list`.
#[derive(clap::Args)]
pub struct ListArgs {
    #[command(flatten)]
    server: ServerArgs,
    /// Tenant to list (provider administrators only).
    #[arg(long)]
    tenant: Option<String>,
    /// Most templates to print.
    #[arg(long, default_value_t = 100)]
    limit: usize,
    /// Print the server's JSON answer as it is.
    #[arg(long)]
    json: bool,
}

/// Flags of `palisade templates mine`.
#[derive(clap::Args)]
pub struct MineArgs {
    /// Loghub-style header format, e.g. `<Date> <Time> <Level> <Component>: <Content>`; only
    /// `<Content>` is mined. Without it the whole line is the content.
    #[arg(long)]
    log_format: Option<String>,
    /// A regular expression whose matches are masked as `<*>` before mining (repeatable).
    #[arg(long = "mask", value_name = "REGEX")]
    masks: Vec<String>,
    /// Least similarity (0..1) for a line to join an existing template.
    #[arg(long, default_value_t = MinerConfig::default().similarity)]
    similarity: f64,
    /// Also print each line's parameters: its tokens at the template's `<*>` positions.
    #[arg(long)]
    params: bool,
    /// The log file (`-` for standard input).
    file: PathBuf,
}

/// Runs the command.
pub fn run(command: TemplatesCommand) -> anyhow::Result<ExitCode> {
    match command {
        TemplatesCommand::Mine(args) => mine(args),
        TemplatesCommand::List(args) => list(args),
        TemplatesCommand::Promote(args) => promote(args),
    }
}

fn promote(args: PromoteArgs) -> anyhow::Result<ExitCode> {
    let path = args
        .tenant
        .path(&format!("/api/v1/templates/{}/promote", args.id));
    let body = serde_json::json!({
        "name": args.name, "fields": args.fields, "sources": args.sources,
    });
    let answer = Client::new(&args.tenant.server)?.send_json("POST", &path, &body)?;
    println!(
        "template {} is now parser chain {}: {}",
        args.id, args.name, answer["chain"]["chain"]
    );
    Ok(ExitCode::SUCCESS)
}

fn list(args: ListArgs) -> anyhow::Result<ExitCode> {
    let client = Client::new(&args.server)?;
    let limit = args.limit.to_string();
    let mut query = vec![("limit", limit.as_str())];
    if let Some(tenant) = &args.tenant {
        query.push(("tenant", tenant));
    }
    let answer = client.get("/api/v1/templates", &query)?;
    if args.json {
        println!("{answer}");
        return Ok(ExitCode::SUCCESS);
    }
    let templates = answer["templates"].as_array().cloned().unwrap_or_default();
    println!("{:>10}  {:<16}  template / example", "count", "id");
    for t in &templates {
        println!(
            "{:>10}  {:<16}  {}\n{:>30}{}",
            t["count"],
            t["id"].as_str().unwrap_or_default(),
            t["template"].as_str().unwrap_or_default(),
            "e.g. ",
            t["example"].as_str().unwrap_or_default()
        );
    }
    println!("{} of {} templates", templates.len(), answer["total"]);
    Ok(ExitCode::SUCCESS)
}

fn mine(args: MineArgs) -> anyhow::Result<ExitCode> {
    let format = args
        .log_format
        .as_deref()
        .map(HeaderFormat::parse)
        .transpose()
        .context("--log-format")?;
    if !(0.0..=1.0).contains(&args.similarity) {
        anyhow::bail!(
            "--similarity must be between 0 and 1, not {}",
            args.similarity
        );
    }
    let config = MinerConfig {
        similarity: args.similarity,
        ..MinerConfig::default()
    };
    let mut miner = TemplateMiner::new(config)
        .with_masks(&args.masks)
        .context("--mask is not a valid regular expression")?;
    // Drawn only when standard error is a terminal (the length is unknown on standard input).
    let bar = ProgressBar::new(0).with_style(
        ProgressStyle::with_template("{bar:40} {bytes}/{total_bytes} {bytes_per_sec} {msg}")
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    let progress = |done| bar.set_position(done as u64);
    let format = format.as_ref();
    let mined = if args.file.as_os_str() == "-" {
        offline::mine(std::io::stdin(), format, &mut miner, args.params, progress)
            .context("cannot read standard input")?
    } else {
        let read_error = || format!("cannot read {}", args.file.display());
        let file = std::fs::File::open(&args.file).with_context(read_error)?;
        if let Ok(metadata) = file.metadata() {
            bar.set_length(metadata.len());
        }
        offline::mine(file, format, &mut miner, args.params, progress).with_context(read_error)?
    };
    bar.finish_and_clear();
    enlarge_output_pipe();
    let mut out = std::io::stdout().lock();
    mined
        .write_json(&miner, &mut out)
        .and_then(|()| out.flush())
        .context("cannot write the output")?;
    let (unmatched, first_unmatched) = mined.unmatched();
    if let Some(first) = first_unmatched {
        eprintln!(
            "warning: {unmatched} of {} lines (first: line {first}) did not match the log \
             format; each was mined as a whole line and marked \"unmatched\": true",
            mined.lines()
        );
    }
    eprintln!(
        "{} lines, {} templates",
        mined.lines(),
        miner.templates().count()
    );
    Ok(ExitCode::SUCCESS)
}

/// The pipe buffer asked for when standard output is a pipe.
#[cfg(target_os = "linux")]
const OUTPUT_PIPE_BYTES: libc::c_int = 1 << 20;

/// Asks for a larger pipe buffer when standard output is a pipe (Linux: 64 KiB by default),
/// so the output is written in fewer, larger steps and a reader that drains it in small reads
/// (Python's `subprocess` reads 32 KiB at a time) waits less often. Best effort: when standard
/// output is not a pipe or the system limit is lower, it stays as it was.
fn enlarge_output_pipe() {
    // SAFETY: `fcntl(F_SETPIPE_SZ)` takes a descriptor and an integer and only resizes the
    // pipe's buffer; its failure changes nothing and is ignored.
    #[cfg(target_os = "linux")]
    unsafe {
        libc::fcntl(libc::STDOUT_FILENO, libc::F_SETPIPE_SZ, OUTPUT_PIPE_BYTES);
    }
}
