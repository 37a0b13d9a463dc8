//! `palisade audit verify [DIR]` and `palisade audit export`: offline work on the audit trail
//! of a data directory (no server needed; reading only); `audit verify --remote` asks a
//! running server to verify its own trail.

use anyhow::Context;
use palisade_audit::{hex, merkle::leaf_hash, scan, PublicKey};
use std::{
    io::{BufWriter, Write},
    ops::ControlFlow,
    path::{Path, PathBuf},
    process::ExitCode,
};

/// Audit trail subcommands.
#[derive(clap::Subcommand)]
pub enum AuditCommand {
    /// Check every record's checksum and index, the Merkle tree and every signed tree head;
    /// names the first record or head that fails and exits 1.
    Verify {
        /// A data directory or its `audit` directory [default: ./palisade-data].
        dir: Option<PathBuf>,
        /// The expected Ed25519 public key (hex), kept apart from the trail; default: the
        /// trail's own `signing.pub`.
        #[arg(long)]
        public_key: Option<String>,
        /// Ask the running server (`--server`, as an audit administrator's `--token-file`) to
        /// verify its trail now instead: recorded, and a failure raises a high alert.
        #[arg(long, conflicts_with_all = ["dir", "public_key"])]
        remote: bool,
        #[command(flatten)]
        server: crate::client::ServerArgs,
    },
    /// Write the records of a time range as NDJSON (one record per line, with its leaf hash).
    Export {
        /// Start (inclusive): RFC 3339, a date, epoch ms, or relative like now-7d [default: the beginning].
        #[arg(long)]
        from: Option<String>,
        /// End (exclusive) [default: now].
        #[arg(long)]
        to: Option<String>,
        /// Data directory [default: ./palisade-data].
        #[arg(long)]
        data_dir: Option<PathBuf>,
        /// Write to this file instead of standard output.
        #[arg(long, short)]
        output: Option<PathBuf>,
    },
}

/// Runs the subcommand.
pub fn run(cmd: AuditCommand) -> anyhow::Result<ExitCode> {
    match cmd {
        AuditCommand::Verify {
            remote: true,
            server,
            ..
        } => verify_remote(&server),
        AuditCommand::Verify {
            dir, public_key, ..
        } => verify(dir, public_key.as_deref()),
        AuditCommand::Export {
            from,
            to,
            data_dir,
            output,
        } => export(data_dir, from.as_deref(), to.as_deref(), output),
    }
}

/// The audit directory for a data directory or an audit directory given by the user.
fn resolve(dir: Option<PathBuf>) -> PathBuf {
    let dir = dir.unwrap_or_else(|| PathBuf::from("palisade-data"));
    if dir.join(scan::RECORDS_FILE).exists() {
        dir
    } else {
        palisade_audit::audit_dir(&dir)
    }
}

fn verify(dir: Option<PathBuf>, public_key: Option<&str>) -> anyhow::Result<ExitCode> {
    let dir = resolve(dir);
    let pinned = public_key
        .map(PublicKey::from_hex)
        .transpose()
        .map_err(|e| anyhow::anyhow!("--public-key: {e}"))?;
    match palisade_audit::verify_dir(&dir, pinned.as_ref()) {
        Ok(report) => {
            let mut text = format!(
                "audit trail OK: {} records, {} signed tree heads (newest covers {} records)\n\
                 root {}\nkey  {}\n",
                report.records,
                report.heads,
                report.signed_size,
                report.root_hash,
                report.public_key
            );
            if let Some(offset) = report.incomplete_tail {
                text.push_str(&format!(
                    "note: an incomplete record at byte {offset} (being written, or torn by a \
                     crash) is not covered by any signed tree head\n"
                ));
            }
            if report.records > report.signed_size {
                text.push_str(&format!(
                    "note: the last {} records are not yet covered by a signed tree head\n",
                    report.records - report.signed_size
                ));
            }
            // A closed pipe (`| head -1`) is not an error of the verification.
            let _ = std::io::stdout().lock().write_all(text.as_bytes());
            Ok(ExitCode::SUCCESS)
        }
        Err(e) => {
            eprintln!("audit verify FAILED in {}: {e}", dir.display());
            Ok(ExitCode::FAILURE)
        }
    }
}

/// `verify --remote`: `POST /api/v1/audit/verify` on the running server.
fn verify_remote(server: &crate::client::ServerArgs) -> anyhow::Result<ExitCode> {
    let client = crate::client::Client::new(server)?;
    let answer = client.post("/api/v1/audit/verify", "application/json", b"{}")?;
    if answer["verified"] == true {
        println!(
            "audit trail OK on {}: {} records, newest signed tree head covers {}",
            server.server, answer["records"], answer["signed_size"]
        );
        return Ok(ExitCode::SUCCESS);
    }
    eprintln!(
        "audit verify FAILED on {}: {}",
        server.server,
        answer["failure"].as_str().unwrap_or("no reason given")
    );
    Ok(ExitCode::FAILURE)
}

fn export(
    data_dir: Option<PathBuf>,
    from: Option<&str>,
    to: Option<&str>,
    output: Option<PathBuf>,
) -> anyhow::Result<ExitCode> {
    let dir = resolve(data_dir);
    let now = palisade_core::time::now_ms();
    let time = |value: Option<&str>, default: i64, flag: &str| match value {
        Some(text) => {
            palisade_core::time::parse_time(text, now).map_err(|e| anyhow::anyhow!("--{flag}: {e}"))
        }
        None => Ok(default),
    };
    let from = time(from, i64::MIN, "from")?;
    let to = time(to, now + 1, "to")?;
    let sink: Box<dyn Write> = match &output {
        Some(path) => Box::new(
            std::fs::File::create(path)
                .with_context(|| format!("cannot create {}", path.display()))?,
        ),
        None => Box::new(std::io::stdout().lock()),
    };
    let mut out = BufWriter::new(sink);
    let (written, end) = write_records(&dir, from, to, &mut out)?;
    out.flush().context("cannot write the export")?;
    if let Some(damage) = end {
        eprintln!("export stopped: {damage}; run `palisade audit verify`");
        return Ok(ExitCode::FAILURE);
    }
    eprintln!("exported {written} audit records");
    Ok(ExitCode::SUCCESS)
}

/// Writes the records with `from <= time < to` as NDJSON; returns how many, and the damage
/// that stopped the read, if any.
fn write_records(
    dir: &Path,
    from: i64,
    to: i64,
    out: &mut impl Write,
) -> anyhow::Result<(u64, Option<scan::Damage>)> {
    let mut written = 0u64;
    let mut failed: Option<std::io::Error> = None;
    let end = scan::scan(&dir.join(scan::RECORDS_FILE), None, |_, bytes, entry| {
        if entry.event.time_ms < from || entry.event.time_ms >= to {
            return ControlFlow::Continue(());
        }
        let mut line = serde_json::to_value(&entry).unwrap_or_default();
        line["time"] = serde_json::json!(palisade_core::time::format_rfc3339(entry.event.time_ms));
        line["leaf_hash"] = serde_json::json!(hex::encode(&leaf_hash(bytes)));
        match writeln!(out, "{line}") {
            Ok(()) => {
                written += 1;
                ControlFlow::Continue(())
            }
            Err(e) => {
                failed = Some(e);
                ControlFlow::Break(())
            }
        }
    })?;
    if let Some(e) = failed {
        return Err(e).context("cannot write the export");
    }
    Ok((written, end.damage))
}
