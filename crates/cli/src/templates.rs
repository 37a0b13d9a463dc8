//! `palisade templates`: list the templates a running server mined from unparsed events, or
//! mine templates offline from a file.

use crate::client::{Client, ServerArgs};
use anyhow::Context;
use indicatif::{ProgressBar, ProgressStyle};
use palisade_parse::template::CaptureLocations;
use palisade_parse::template::{HeaderFormat, MinerConfig, Template, TemplateMiner};
use std::io::{BufRead, BufReader, BufWriter, Read, Write};
use std::path::PathBuf;
use std::process::ExitCode;

/// Subcommands of `palisade templates`.
#[derive(clap::Subcommand)]
pub enum TemplatesCommand {
    /// Mine templates from a log file offline; prints one JSON object per input line:
    /// {"line": n, "template_id": ..., "template": ..., "params": [...]}.
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
    // A file is read twice (once to mine, once to print); standard input is held in memory.
    let stdin = if args.file.as_os_str() == "-" {
        let mut input = Vec::new();
        std::io::stdin()
            .read_to_end(&mut input)
            .context("cannot read standard input")?;
        Some(input)
    } else {
        None
    };
    let open = || -> anyhow::Result<Box<dyn BufRead + '_>> {
        Ok(match &stdin {
            Some(input) => Box::new(input.as_slice()),
            None => Box::new(BufReader::with_capacity(
                1 << 16,
                std::fs::File::open(&args.file)
                    .with_context(|| format!("cannot read {}", args.file.display()))?,
            )),
        })
    };
    let size = match &stdin {
        Some(input) => input.len() as u64,
        None => std::fs::metadata(&args.file).map(|m| m.len()).unwrap_or(0),
    };
    // Drawn only when standard error is a terminal.
    let bar = ProgressBar::new(size * 2).with_style(
        ProgressStyle::with_template("{bar:40} {bytes}/{total_bytes} {bytes_per_sec} {msg}")
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    let mut locations = format.as_ref().map(HeaderFormat::locations);

    // Pass one mines every line; pass two prints each line with its final template, so that
    // templates merged after a line was mined still give the line its final id.
    let mut assigned: Vec<Assigned> = Vec::new();
    let (mut unmatched, mut first_unmatched) = (0u64, None);
    for_each_line(open()?, &bar, 0, |number, line| {
        let matched = content_of(&format, &mut locations, line);
        if matched.is_none() {
            unmatched += 1;
            first_unmatched.get_or_insert(number);
        }
        let content = matched.unwrap_or(line);
        // The content is a slice of the line: keep where, so pass two need not match again.
        let start = content.as_ptr() as usize - line.as_ptr() as usize;
        assigned.push(Assigned {
            template: miner.mine(content).map(|mined| mined.index),
            content: (start as u32, (start + content.len()) as u32),
            matched: matched.is_some(),
        });
        Ok(())
    })
    .with_context(|| format!("cannot read {}", args.file.display()))?;
    let mut out = BufWriter::with_capacity(1 << 16, std::io::stdout().lock());
    for_each_line(open()?, &bar, size, |number, line| {
        let Some(line_info) = assigned.get(number as usize - 1) else {
            return Ok(());
        };
        let Some(index) = line_info.template else {
            return Ok(());
        };
        let (start, end) = line_info.content;
        let content = line.get(start as usize..end as usize).unwrap_or(line);
        let template = miner.resolve(index);
        let params = miner.parameters(template, content);
        write_line(&mut out, number, template, &params, line_info.matched)
    })
    .context("cannot write the output")?;
    out.flush().context("cannot write the output")?;
    bar.finish_and_clear();
    if let Some(first) = first_unmatched {
        eprintln!(
            "warning: {unmatched} of {} lines (first: line {first}) did not match the log \
             format; each was mined as a whole line and marked \"unmatched\": true",
            assigned.len()
        );
    }
    eprintln!(
        "{} lines, {} templates",
        assigned.len(),
        miner.templates().count()
    );
    Ok(ExitCode::SUCCESS)
}

/// What pass one learnt about a line.
struct Assigned {
    /// The template index (`None` when the miner's template limit refused the line).
    template: Option<u32>,
    /// Where the content is in the line (byte offsets).
    content: (u32, u32),
    /// Whether the line matched the log format.
    matched: bool,
}

/// A line's `<Content>` under the format (`None` if it does not match), or the whole line.
fn content_of<'l>(
    format: &Option<HeaderFormat>,
    locations: &mut Option<CaptureLocations>,
    line: &'l str,
) -> Option<&'l str> {
    match (format, locations) {
        (Some(format), Some(at)) => format.content(line, at),
        _ => Some(line),
    }
}

/// Calls `each` with every line (numbered from 1, without its line ending, invalid UTF-8
/// replaced) and moves the progress bar on from `progress_base`.
fn for_each_line(
    mut reader: impl BufRead,
    bar: &ProgressBar,
    progress_base: u64,
    mut each: impl FnMut(u64, &str) -> std::io::Result<()>,
) -> std::io::Result<()> {
    let mut raw = Vec::with_capacity(4096);
    let (mut number, mut bytes) = (0u64, 0u64);
    loop {
        raw.clear();
        let read = reader.read_until(b'\n', &mut raw)?;
        if read == 0 {
            return Ok(());
        }
        number += 1;
        bytes += read as u64;
        if number % 4096 == 0 {
            bar.set_position(progress_base + bytes);
        }
        // Validating first takes the fast path; only invalid input pays for replacement.
        let line = match std::str::from_utf8(&raw) {
            Ok(valid) => std::borrow::Cow::Borrowed(valid),
            Err(_) => String::from_utf8_lossy(&raw),
        };
        each(number, line.trim_end_matches(['\n', '\r']))?;
    }
}

/// Writes `{"line":n,"template_id":"…","template":"…","params":[…]}` and a newline.
fn write_line(
    out: &mut impl Write,
    number: u64,
    template: &Template,
    params: &[std::borrow::Cow<str>],
    matched: bool,
) -> std::io::Result<()> {
    write!(
        out,
        "{{\"line\":{number},\"template_id\":\"{}\",\"template\":",
        template.id()
    )?;
    serde_json::to_writer(&mut *out, template.text())?;
    out.write_all(b",\"params\":[")?;
    for (i, param) in params.iter().enumerate() {
        if i > 0 {
            out.write_all(b",")?;
        }
        serde_json::to_writer(&mut *out, param.as_ref())?;
    }
    out.write_all(if matched {
        b"]}\n"
    } else {
        b"],\"unmatched\":true}\n"
    })
}
