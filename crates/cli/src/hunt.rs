//! `palisade hunt --rules PATH FILE...`: run Sigma rules offline over log files, or with
//! `--from T --to T` over the events a running server stored (crate::hunt_stored).
//!
//! Files hold JSON (one object, NDJSON, or objects simply concatenated, as Windows event
//! exports are) or plain log lines; each record is parsed by palisade-parse exactly as
//! ingest would parse it, then matched.

use crate::rules::RuleOptions;
use anyhow::Context;
use indicatif::{ProgressBar, ProgressStyle};
use palisade_core::{Event, PayloadFormat, RawRecord, TenantId, Transport};
use palisade_detect::Rule;
use std::{io::Write, path::PathBuf, process::ExitCode};

/// Flags of `palisade hunt`.
#[derive(clap::Args)]
pub struct HuntArgs {
    /// Sigma rule file or directory (repeatable).
    #[arg(long, required = true)]
    rules: Vec<PathBuf>,
    /// Print one JSON object per match: rule_id, rule_title, rule_name, level, tags, file, event.
    #[arg(long)]
    json: bool,
    #[command(flatten)]
    options: RuleOptions,
    /// Log files: JSON, NDJSON, concatenated JSON objects, or plain lines.
    #[arg(required_unless_present = "from", conflicts_with = "from")]
    files: Vec<PathBuf>,
    /// Hunt over stored events from this time on (RFC 3339, a date, epoch ms, now-1h)
    /// instead of files, through the server's search API.
    #[arg(long, requires = "to")]
    from: Option<String>,
    /// End of the stored time range (exclusive).
    #[arg(long, requires = "from")]
    to: Option<String>,
    /// With --from/--to: a search query narrowing the stored events (docs/query.md).
    #[arg(long, default_value = "", requires = "from")]
    query: String,
    /// With --from/--to: the tenant (provider administrators: a name or `*`).
    #[arg(long, requires = "from")]
    tenant: Option<String>,
    #[command(flatten)]
    server: crate::client::ServerArgs,
}

/// Runs the command; exit code 1 when nothing matched, like grep.
pub fn run(args: HuntArgs) -> anyhow::Result<ExitCode> {
    let set = args.options.load(&args.rules)?;
    for f in &set.failures {
        eprintln!("warning: rule not loaded: {}: {}", f.file, f.reason);
    }
    let engine = args.options.engine(&set)?;
    if engine.is_empty() {
        anyhow::bail!("no rule loaded from {:?}", args.rules);
    }
    let total: u64 = args
        .files
        .iter()
        .map(|f| std::fs::metadata(f).map(|m| m.len()).unwrap_or(0))
        .sum();
    let bar = ProgressBar::new(total).with_style(
        ProgressStyle::with_template("{bar:40} {bytes}/{total_bytes} {bytes_per_sec} {msg}")
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    let mut scanner = engine.scanner();
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    let (mut events, mut matches) = (0u64, 0u64);
    if !args.json {
        writeln!(
            out,
            "{:<24} {:<13} {:<36} TITLE / EVENT",
            "TIME", "LEVEL", "RULE ID"
        )?;
    }
    if let (Some(from), Some(to)) = (&args.from, &args.to) {
        let spinner = ProgressBar::new_spinner();
        let range = crate::hunt_stored::StoredRange {
            server: &args.server,
            from,
            to,
            query: &args.query,
            tenant: args.tenant.as_deref(),
        };
        events = crate::hunt_stored::for_each_event(&range, |event| {
            for rule in scanner.scan(event) {
                matches += 1;
                print_match(&mut out, rule, event, "stored", args.json)?;
            }
            spinner.inc(1);
            if spinner.position().is_multiple_of(1000) {
                spinner.set_message(format!("{} events, {matches} matches", spinner.position()));
            }
            Ok(())
        })?;
        spinner.finish_and_clear();
        out.flush()?;
        eprintln!(
            "{matches} matches in {events} stored events from {from} to {to}, {} rules",
            engine.len()
        );
        return Ok(if matches > 0 {
            ExitCode::SUCCESS
        } else {
            ExitCode::from(1)
        });
    }
    for path in &args.files {
        let bytes =
            std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))?;
        let file = path.display().to_string();
        for record in records(&bytes) {
            let event =
                palisade_parse::parse_record(events, &raw_record(record.payload, record.format));
            events += 1;
            for rule in scanner.scan(&event) {
                matches += 1;
                print_match(&mut out, rule, &event, &file, args.json)?;
            }
            bar.set_position(bar.position().max(record.end as u64));
        }
        bar.inc(0);
        bar.set_message(format!("{events} events, {matches} matches"));
    }
    bar.finish_and_clear();
    out.flush()?;
    eprintln!(
        "{matches} matches in {events} events from {} file(s), {} rules",
        args.files.len(),
        engine.len()
    );
    Ok(if matches > 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

fn print_match(
    out: &mut impl Write,
    rule: &Rule,
    event: &Event,
    file: &str,
    json: bool,
) -> anyhow::Result<()> {
    if json {
        let line = serde_json::json!({
            "rule_id": rule.id,
            "rule_title": rule.title,
            "rule_name": rule.name,
            "level": rule.level,
            "tags": rule.tags,
            "file": file,
            "event": event.to_ocsf_json(),
        });
        writeln!(out, "{line}")?;
    } else {
        let summary = event
            .get_str(palisade_core::fields::DEVICE_HOSTNAME)
            .unwrap_or("-");
        writeln!(
            out,
            "{:<24} {:<13} {:<36} {} [{summary}]",
            palisade_core::time::format_rfc3339(event.time),
            rule.level,
            rule.id,
            rule.title
        )?;
    }
    Ok(())
}

/// One record found in a file.
struct Record<'a> {
    payload: &'a [u8],
    format: PayloadFormat,
    /// Byte offset just after the record.
    end: usize,
}

/// Splits a file into records: JSON values when it starts with `{` or `[` (arrays give
/// their elements), otherwise lines. Text after a JSON syntax error is read as lines.
fn records(bytes: &[u8]) -> Vec<Record<'_>> {
    let start = bytes
        .iter()
        .position(|b| !b.is_ascii_whitespace())
        .unwrap_or(bytes.len());
    if !matches!(bytes.get(start), Some(b'{' | b'[')) {
        return lines(bytes, 0);
    }
    let mut out = Vec::new();
    let mut stream =
        serde_json::Deserializer::from_slice(bytes).into_iter::<&serde_json::value::RawValue>();
    let mut offset = 0;
    while let Some(item) = stream.next() {
        let Ok(raw) = item else {
            out.extend(lines(&bytes[offset..], offset));
            return out;
        };
        let end = stream.byte_offset();
        let text = raw.get();
        match serde_json::from_str::<Vec<&serde_json::value::RawValue>>(text) {
            Ok(elements) if text.starts_with('[') => {
                for element in elements {
                    let slice = element.get().as_bytes();
                    out.push(Record {
                        payload: sub_slice(bytes, slice),
                        format: PayloadFormat::Json,
                        end,
                    });
                }
            }
            _ => out.push(Record {
                payload: &bytes[offset..end],
                format: PayloadFormat::Json,
                end,
            }),
        }
        offset = end;
    }
    out
}

/// `inner` re-borrowed from `outer` when it points into it (it always does here).
fn sub_slice<'a>(outer: &'a [u8], inner: &[u8]) -> &'a [u8] {
    let start = (inner.as_ptr() as usize).wrapping_sub(outer.as_ptr() as usize);
    outer.get(start..start + inner.len()).unwrap_or_default()
}

fn lines(bytes: &[u8], base: usize) -> Vec<Record<'_>> {
    let mut out = Vec::new();
    let mut at = 0;
    for line in bytes.split_inclusive(|b| *b == b'\n') {
        at += line.len();
        let text = line.strip_suffix(b"\n").unwrap_or(line);
        let text = text.strip_suffix(b"\r").unwrap_or(text);
        if text.iter().all(u8::is_ascii_whitespace) {
            continue;
        }
        let format = if text.first() == Some(&b'{') {
            PayloadFormat::Json
        } else {
            PayloadFormat::Syslog
        };
        out.push(Record {
            payload: text,
            format,
            end: base + at,
        });
    }
    out
}

fn raw_record(payload: &[u8], format: PayloadFormat) -> RawRecord {
    RawRecord {
        tenant: TenantId::default(),
        source: "file".into(),
        transport: Transport::File,
        format,
        received_ms: palisade_core::time::now_ms(),
        peer: None,
        payload: payload.to_vec(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn payloads(text: &str) -> Vec<(String, PayloadFormat)> {
        records(text.as_bytes())
            .into_iter()
            .map(|r| {
                (
                    String::from_utf8_lossy(r.payload).trim().to_owned(),
                    r.format,
                )
            })
            .collect()
    }

    #[test]
    fn json_ndjson_concatenated_arrays_and_lines() {
        let concatenated = "{\n \"a\": 1\n}\n{\n \"a\": 2\n}";
        assert_eq!(payloads(concatenated).len(), 2);
        assert_eq!(payloads("{\"a\":1}\n{\"a\":2}\n{\"a\":3}\n").len(), 3);
        let array = payloads("[{\"a\":1}, {\"a\":2}]");
        assert_eq!(array[1].0, "{\"a\":2}");
        let lines = payloads("<13>Jan  1 00:00:00 h sshd[1]: hi\n\nplain line\n");
        assert_eq!(lines.len(), 2);
        assert_eq!(lines[1], ("plain line".to_owned(), PayloadFormat::Syslog));
    }

    #[test]
    fn broken_json_tail_is_kept_as_lines() {
        let got = payloads("{\"a\":1}\n{\"broken\": \nnext line\n");
        assert_eq!(got[0].1, PayloadFormat::Json);
        assert!(got.len() >= 2, "{got:?}");
    }
}
