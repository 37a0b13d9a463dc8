//! `palisade templates`: list the templates a running server mined from unparsed events, or
//! mine templates offline from a file.

use crate::client::{Client, ServerArgs};
use anyhow::Context;
use indicatif::{ProgressBar, ProgressStyle};
use palisade_parse::template::{HeaderFormat, MinerConfig, Template, TemplateMiner};
use std::io::{BufWriter, Read, Write};
use std::path::{Path, PathBuf};
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
    }
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
    let input = read_input(&args.file)?;
    // Drawn only when standard error is a terminal.
    let bar = ProgressBar::new(input.len() as u64 * 2).with_style(
        ProgressStyle::with_template("{bar:40} {bytes}/{total_bytes} {bytes_per_sec} {msg}")
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    let text = String::from_utf8_lossy(&input);
    let lines = || text.lines().map(|line| line.trim_end_matches('\r'));
    let mut locations = format.as_ref().map(HeaderFormat::locations);
    let mut content_of = |line| match (&format, &mut locations) {
        (Some(format), Some(at)) => format.content(line, at),
        _ => Some(line),
    };

    // Pass one mines every line; pass two prints each line with its final template, so that
    // templates merged after a line was mined still give the line its final id.
    let mut assigned: Vec<Option<u32>> = Vec::new();
    let (mut unmatched, mut first_unmatched) = (0u64, None);
    for (number, line) in (1u64..).zip(lines()) {
        if number % 4096 == 0 {
            bar.set_position((line.as_ptr() as usize - text.as_ptr() as usize) as u64);
        }
        let content = content_of(line).unwrap_or_else(|| {
            unmatched += 1;
            first_unmatched.get_or_insert(number);
            line
        });
        assigned.push(miner.mine(content).map(|mined| mined.index));
    }
    let mut out = BufWriter::with_capacity(1 << 16, std::io::stdout().lock());
    for ((number, line), index) in (1u64..).zip(lines()).zip(&assigned) {
        if number % 4096 == 0 {
            let done = line.as_ptr() as usize - text.as_ptr() as usize;
            bar.set_position((text.len() + done) as u64);
        }
        let Some(index) = index else { continue };
        let content = content_of(line);
        let template = miner.resolve(*index);
        let params = miner.parameters(template, content.unwrap_or(line));
        write_line(&mut out, number, template, &params, content.is_some())
            .context("cannot write the output")?;
    }
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

/// The whole input: the miner's second pass reads it again.
fn read_input(file: &Path) -> anyhow::Result<Vec<u8>> {
    let mut input = Vec::new();
    if file.as_os_str() == "-" {
        std::io::stdin()
            .read_to_end(&mut input)
            .context("cannot read standard input")?;
    } else {
        std::fs::File::open(file)
            .and_then(|mut f| f.read_to_end(&mut input))
            .with_context(|| format!("cannot read {}", file.display()))?;
    }
    Ok(input)
}

/// Writes `{"line":n,"template_id":"…","template":"…","params":[…]}` and a newline.
fn write_line(
    out: &mut impl Write,
    number: u64,
    template: &Template,
    params: &[String],
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
        serde_json::to_writer(&mut *out, param)?;
    }
    out.write_all(if matched {
        b"]}\n"
    } else {
        b"],\"unmatched\":true}\n"
    })
}
