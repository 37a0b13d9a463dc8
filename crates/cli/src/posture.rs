//! `palisade posture`: a tenant's compliance posture from the server (table or JSON), an
//! auditor's report (HTML, JSON, Markdown), and the import of the CCM control text
//! (docs/posture.md).

use crate::client::{Client, ServerArgs};
use anyhow::{bail, Context};
use palisade_posture::{render, Posture};
use std::{path::PathBuf, process::ExitCode};

/// `palisade posture [--json] [--tenant T]`, or one of its subcommands.
#[derive(clap::Args)]
#[command(args_conflicts_with_subcommands = true)]
pub struct PostureArgs {
    #[command(subcommand)]
    command: Option<PostureCommand>,
    #[command(flatten)]
    show: ShowArgs,
}

/// Flags of `palisade posture` itself.
#[derive(clap::Args)]
struct ShowArgs {
    #[command(flatten)]
    server: ServerArgs,
    /// Another tenant (operators), or `*` for every tenant.
    #[arg(long)]
    tenant: Option<String>,
    /// Print the posture document as JSON instead of a table.
    #[arg(long)]
    json: bool,
}

/// Subcommands of `palisade posture`.
#[derive(clap::Subcommand)]
enum PostureCommand {
    /// Export a report for an auditor: a self-contained HTML page, JSON or Markdown.
    Report(ReportArgs),
    /// Import the CCM control titles and specifications from a CSV or JSON file you supply
    /// (operator; replaces an earlier import).
    ImportCcm(ImportArgs),
}

/// Flags of `posture report`.
#[derive(clap::Args)]
struct ReportArgs {
    #[command(flatten)]
    server: ServerArgs,
    /// Another tenant (operators).
    #[arg(long)]
    tenant: Option<String>,
    /// Report format.
    #[arg(long, default_value = "html")]
    format: ReportFormat,
    /// Write the report here instead of standard output.
    #[arg(long, short)]
    output: Option<PathBuf>,
}

/// Report formats.
#[derive(Clone, Copy, clap::ValueEnum)]
enum ReportFormat {
    /// One self-contained HTML page.
    Html,
    /// The posture document.
    Json,
    /// Markdown.
    Md,
}

/// Flags of `posture import-ccm`.
#[derive(clap::Args)]
struct ImportArgs {
    #[command(flatten)]
    server: ServerArgs,
    /// The CCM file: CSA's spreadsheet exported as CSV, or JSON (docs/posture.md).
    file: PathBuf,
}

/// Runs the command.
pub fn run(args: PostureArgs) -> anyhow::Result<ExitCode> {
    match args.command {
        None => show(args.show),
        Some(PostureCommand::Report(r)) => report(r),
        Some(PostureCommand::ImportCcm(i)) => import(i),
    }
}

fn fetch(server: &ServerArgs, tenant: Option<&str>) -> anyhow::Result<serde_json::Value> {
    let query: Vec<(&str, &str)> = tenant.map(|t| ("tenant", t)).into_iter().collect();
    Client::new(server)?.get("/api/v1/posture", &query)
}

/// The postures in an answer: one, or every tenant's.
fn postures(answer: serde_json::Value) -> anyhow::Result<Vec<Posture>> {
    let list = match answer.get("tenants") {
        Some(list) => serde_json::from_value(list.clone()),
        None => serde_json::from_value(answer).map(|p| vec![p]),
    };
    list.context("the server's posture answer has an unexpected shape")
}

fn show(args: ShowArgs) -> anyhow::Result<ExitCode> {
    let answer = fetch(&args.server, args.tenant.as_deref())?;
    if args.json {
        println!("{answer:#}");
        return Ok(ExitCode::SUCCESS);
    }
    let tables: Vec<String> = postures(answer)?.iter().map(render::table).collect();
    print!("{}", tables.join("\n"));
    Ok(ExitCode::SUCCESS)
}

fn report(args: ReportArgs) -> anyhow::Result<ExitCode> {
    if args.tenant.as_deref() == Some("*") {
        bail!("a report covers one tenant: name it with --tenant");
    }
    let answer = fetch(&args.server, args.tenant.as_deref())?;
    let posture: Posture = serde_json::from_value(answer)
        .context("the server's posture answer has an unexpected shape")?;
    let text = match args.format {
        ReportFormat::Html => render::html(&posture),
        ReportFormat::Json => format!("{:#}\n", serde_json::to_value(&posture)?),
        ReportFormat::Md => render::markdown(&posture),
    };
    match &args.output {
        Some(path) => {
            std::fs::write(path, text)
                .with_context(|| format!("cannot write {}", path.display()))?;
            eprintln!("report written to {}", path.display());
        }
        None => print!("{text}"),
    }
    Ok(ExitCode::SUCCESS)
}

fn import(args: ImportArgs) -> anyhow::Result<ExitCode> {
    let body = std::fs::read(&args.file)
        .with_context(|| format!("cannot read {}", args.file.display()))?;
    let content_type = if args
        .file
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("json"))
    {
        "application/json"
    } else {
        "text/csv"
    };
    let answer = Client::new(&args.server)?.post("/api/v1/posture/ccm", content_type, &body)?;
    let unknown = answer["unknown"].as_array().map_or(0, Vec::len);
    println!(
        "imported the text of {} controls{}",
        answer["imported"].as_u64().unwrap_or(0),
        if unknown > 0 {
            format!(" ({unknown} ids in the file are not CCM v4 controls and were skipped)")
        } else {
            String::new()
        }
    );
    Ok(ExitCode::SUCCESS)
}
