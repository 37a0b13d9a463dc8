//! `palisade parse [--source-type T] FILE...`: show what each line becomes, offline.

use anyhow::Context;
use indicatif::{ProgressBar, ProgressStyle};
use palisade_core::config::Config;
use palisade_core::{Event, PayloadFormat, RawRecord, TenantId, Transport};
use palisade_parse::{parse_record_as, AuditJoiner, ParserChains, SourceType, Verdict};
use std::{
    collections::BTreeMap,
    io::{BufRead, BufReader, IsTerminal, Read, Write},
    path::PathBuf,
    process::ExitCode,
};

/// Flags of `palisade parse`.
#[derive(clap::Args)]
pub struct ParseArgs {
    /// The parser for text lines: `auto` detects per line, as the server does; the others
    /// force one parser (a line it does not recognise is shown as unparsed). JSON lines are
    /// always read as JSON.
    #[arg(long, default_value = "auto", value_parser = source_type_names())]
    source_type: String,
    /// Print each event indented over several lines instead of one JSON object per line.
    #[arg(long)]
    pretty: bool,
    /// A palisade.toml whose `[[parsers]]` chains run after the built-in parsers.
    #[arg(long)]
    config: Option<PathBuf>,
    /// The source name the lines arrive as (chains are chosen by it).
    #[arg(long, default_value = "file")]
    source: String,
    /// Files to read (`-` reads standard input).
    #[arg(required = true)]
    files: Vec<PathBuf>,
}

fn source_type_names() -> Vec<&'static str> {
    SourceType::ALL.iter().map(|(name, _)| *name).collect()
}

/// What was read, for the summary on standard error.
#[derive(Default)]
struct Tally {
    lines: u64,
    events: u64,
    by_parser: BTreeMap<String, u64>,
}

/// Runs the command: one JSON object per event on standard output,
/// `{"line": N, "event": {...}}` (audit records of one event joined into one), and a
/// summary by parser on standard error.
pub fn run(args: ParseArgs) -> anyhow::Result<ExitCode> {
    let source = SourceType::from_name(&args.source_type)
        .with_context(|| format!("unknown source type {:?}", args.source_type))?;
    let tenant = TenantId::default();
    let chains = match &args.config {
        Some(path) => ParserChains::from_config(&Config::load(path)?.parsers)?,
        None => ParserChains::default(),
    };
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    let mut tally = Tally::default();
    for path in &args.files {
        let (reader, size): (Box<dyn Read>, u64) = if path.as_os_str() == "-" {
            (Box::new(std::io::stdin()), 0)
        } else {
            let file = std::fs::File::open(path)
                .with_context(|| format!("cannot open {}", path.display()))?;
            let size = file.metadata().map(|m| m.len()).unwrap_or(0);
            (Box::new(file), size)
        };
        let bar = progress(size);
        let mut printer = Printer {
            out: &mut out,
            pretty: args.pretty,
            tally: &mut tally,
        };
        let input = Input {
            source,
            source_name: &args.source,
            tenant: &tenant,
            chains: &chains,
        };
        parse_stream(BufReader::new(reader), &input, &bar, &mut printer)
            .with_context(|| format!("while reading {}", path.display()))?;
        bar.finish_and_clear();
    }
    out.flush()?;
    eprintln!(
        "{} line(s) became {} event(s): {}",
        tally.lines,
        tally.events,
        tally
            .by_parser
            .iter()
            .map(|(parser, n)| format!("{parser} {n}"))
            .collect::<Vec<_>>()
            .join(", ")
    );
    Ok(ExitCode::SUCCESS)
}

fn progress(size: u64) -> ProgressBar {
    if size == 0 || !std::io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    ProgressBar::new(size).with_style(
        ProgressStyle::with_template("{bar:40} {bytes}/{total_bytes} {bytes_per_sec}")
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
    )
}

/// How lines are read into events.
struct Input<'a> {
    source: SourceType,
    source_name: &'a str,
    tenant: &'a TenantId,
    chains: &'a ParserChains,
}

/// Writes events as they complete.
struct Printer<'a, W: Write> {
    out: &'a mut W,
    pretty: bool,
    tally: &'a mut Tally,
}

impl<W: Write> Printer<'_, W> {
    fn print(&mut self, event: &Event) -> anyhow::Result<()> {
        let parser = event
            .get_str(palisade_core::fields::PARSER)
            .unwrap_or("none");
        *self.tally.by_parser.entry(parser.to_owned()).or_default() += 1;
        self.tally.events += 1;
        // The event id is the line number (see `parse_stream`).
        let record = serde_json::json!({ "line": event.id, "event": event.to_ocsf_json() });
        if self.pretty {
            serde_json::to_writer_pretty(&mut *self.out, &record)?;
        } else {
            serde_json::to_writer(&mut *self.out, &record)?;
        }
        self.out.write_all(b"\n")?;
        Ok(())
    }
}

fn parse_stream<W: Write>(
    mut reader: impl BufRead,
    input: &Input<'_>,
    bar: &ProgressBar,
    printer: &mut Printer<'_, W>,
) -> anyhow::Result<()> {
    let mut joiner = AuditJoiner::default();
    let mut line = Vec::new();
    let mut number = 0u64;
    loop {
        line.clear();
        let n = reader.read_until(b'\n', &mut line)?;
        if n == 0 {
            break;
        }
        bar.inc(n as u64);
        number += 1;
        while matches!(line.last(), Some(b'\n' | b'\r')) {
            line.pop();
        }
        if line.iter().all(u8::is_ascii_whitespace) {
            continue;
        }
        printer.tally.lines += 1;
        let format = if line.first() == Some(&b'{') {
            PayloadFormat::Json
        } else {
            PayloadFormat::Line
        };
        let record = RawRecord {
            tenant: input.tenant.clone(),
            source: input.source_name.into(),
            transport: Transport::File,
            format,
            received_ms: palisade_core::time::now_ms(),
            peer: None,
            payload: line.clone(),
        };
        let mut event = parse_record_as(number, &record, input.source);
        if input.chains.apply(input.source_name, &mut event) == Verdict::Drop {
            *printer
                .tally
                .by_parser
                .entry("dropped by a chain".into())
                .or_default() += 1;
            continue;
        }
        for event in joiner.push(event) {
            printer.print(&event)?;
        }
    }
    if let Some(event) = joiner.finish() {
        printer.print(&event)?;
    }
    Ok(())
}
