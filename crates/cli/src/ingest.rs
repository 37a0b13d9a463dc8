//! `palisade ingest FILE...`: send files to a running server.

use crate::client::{Client, ServerArgs};
use anyhow::Context;
use indicatif::{ProgressBar, ProgressStyle};
use std::{
    io::{BufRead, BufReader, Read},
    path::PathBuf,
    process::ExitCode,
};

/// Flags of `palisade ingest`.
#[derive(clap::Args)]
pub struct IngestArgs {
    #[command(flatten)]
    server: ServerArgs,
    /// How to read each file: `auto` (NDJSON when the first line is a JSON object, else lines),
    /// `lines` (each line one log message, syslog or not), `ndjson`.
    #[arg(long, default_value = "auto", value_parser = ["auto", "lines", "ndjson"])]
    format: String,
    /// Source name the events carry in metadata.log_name.
    #[arg(long, default_value = "file")]
    source: String,
    /// Lines per request.
    #[arg(long, default_value_t = 20_000)]
    batch: usize,
    /// Files to send (`-` reads standard input).
    #[arg(required = true)]
    files: Vec<PathBuf>,
}

/// Runs the command.
pub fn run(args: IngestArgs) -> anyhow::Result<ExitCode> {
    let client = Client::new(&args.server)?;
    let total_bytes: u64 = args
        .files
        .iter()
        .filter(|f| f.as_os_str() != "-")
        .map(|f| std::fs::metadata(f).map(|m| m.len()).unwrap_or(0))
        .sum();
    let bar = ProgressBar::new(total_bytes).with_style(
        ProgressStyle::with_template("{bar:40} {bytes}/{total_bytes} {bytes_per_sec} {msg}")
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    let mut sent = 0u64;
    for path in &args.files {
        let reader: Box<dyn Read> = if path.as_os_str() == "-" {
            Box::new(std::io::stdin())
        } else {
            Box::new(
                std::fs::File::open(path)
                    .with_context(|| format!("cannot open {}", path.display()))?,
            )
        };
        sent += send_file(&client, &args, BufReader::new(reader), &bar)
            .with_context(|| format!("while sending {}", path.display()))?;
    }
    bar.finish_and_clear();
    println!("ingested {sent} events from {} file(s)", args.files.len());
    Ok(ExitCode::SUCCESS)
}

fn send_file(
    client: &Client,
    args: &IngestArgs,
    mut reader: impl BufRead,
    bar: &ProgressBar,
) -> anyhow::Result<u64> {
    let mut format = args.format.clone();
    let mut body = Vec::with_capacity(1 << 20);
    let mut lines = 0usize;
    let mut sent = 0u64;
    let mut line = Vec::new();
    loop {
        line.clear();
        let n = reader.read_until(b'\n', &mut line)?;
        if n > 0 {
            bar.inc(n as u64);
            if format == "auto" && line.iter().any(|b| !b.is_ascii_whitespace()) {
                let first = line.iter().find(|b| !b.is_ascii_whitespace());
                format = if first == Some(&b'{') {
                    "ndjson"
                } else {
                    "lines"
                }
                .to_owned();
            }
            body.extend_from_slice(&line);
            if !line.ends_with(b"\n") {
                body.push(b'\n');
            }
            lines += 1;
        }
        if (n == 0 && !body.is_empty()) || lines >= args.batch {
            let content_type = if format == "ndjson" {
                "application/x-ndjson"
            } else {
                "text/plain"
            };
            let answer = client.post(
                &format!("/api/v1/ingest?source={}", args.source),
                content_type,
                &body,
            )?;
            sent += answer["accepted"].as_u64().unwrap_or(0);
            bar.set_message(format!("{sent} events"));
            body.clear();
            lines = 0;
        }
        if n == 0 {
            return Ok(sent);
        }
    }
}
