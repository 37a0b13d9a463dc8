//! `palisade bench ingest`: a syslog load generator that measures end to end.
//!
//! It sends RFC 5424 messages with octet-counting framing over TCP at full speed, then (with
//! `--server`) waits until the server reports every one of them stored and searchable, and
//! (with `--pid`) reads the server's CPU time from /proc, so the result is events per second
//! and events per CPU-second, received → parsed → durable → searchable.

use crate::client::{Client, ServerArgs};
use anyhow::Context;
use indicatif::ProgressBar;
use std::{
    io::Write,
    net::TcpStream,
    process::ExitCode,
    time::{Duration, Instant},
};

/// Benchmark subcommands.
#[derive(clap::Subcommand)]
pub enum BenchCommand {
    /// Send syslog over TCP at full speed and measure end-to-end ingest.
    Ingest(IngestBench),
    /// Encrypt+decrypt over HTTPS keep-alive, data-key latency, and the raw AEAD ceiling.
    Kms(crate::kms_bench::KmsBench),
}

/// Flags of `palisade bench ingest`.
#[derive(clap::Args)]
pub struct IngestBench {
    /// Syslog TCP address of the server.
    #[arg(long, default_value = "127.0.0.1:1514")]
    target: String,
    /// Messages to send in all.
    #[arg(long, default_value_t = 1_000_000)]
    events: u64,
    /// Parallel connections.
    #[arg(long, default_value_t = 2)]
    connections: u64,
    /// Approximate message size in bytes.
    #[arg(long, default_value_t = 300)]
    size: usize,
    /// Put this IP address in exactly one message (the middle one of the first connection),
    /// as the needle for a search benchmark.
    #[arg(long)]
    needle: Option<String>,
    /// Wait until the server (API) reports every message stored, to measure end to end.
    #[arg(long)]
    wait: bool,
    /// Server process id, to report events per CPU-second of the server.
    #[arg(long)]
    pid: Option<u32>,
    #[command(flatten)]
    server: ServerArgs,
}

/// Runs a benchmark.
pub fn run(cmd: BenchCommand) -> anyhow::Result<ExitCode> {
    let args = match cmd {
        BenchCommand::Ingest(args) => args,
        BenchCommand::Kms(args) => return crate::kms_bench::run(args),
    };
    let client = if args.wait {
        Some(Client::new(&args.server)?)
    } else {
        None
    };
    let stored_before = client.as_ref().map(stored_total).transpose()?.unwrap_or(0);
    let cpu_before = args.pid.map(cpu_seconds).transpose()?;
    let started = Instant::now();
    let per_conn = args.events / args.connections;
    let threads: Vec<_> = (0..args.connections)
        .map(|c| {
            let count = if c == 0 {
                args.events - per_conn * (args.connections - 1)
            } else {
                per_conn
            };
            let target = args.target.clone();
            let size = args.size;
            let needle = args
                .needle
                .clone()
                .filter(|_| c == 0)
                .map(|ip| (count / 2, ip));
            std::thread::spawn(move || send(&target, c, count, size, needle))
        })
        .collect();
    let mut raw_bytes = 0;
    for t in threads {
        raw_bytes += t
            .join()
            .map_err(|_| anyhow::anyhow!("sender thread panicked"))??;
    }
    let sent_secs = started.elapsed().as_secs_f64();
    println!(
        "sent {} messages ({raw_bytes} bytes of syslog) in {sent_secs:.2}s: {:.0} msg/s",
        args.events,
        args.events as f64 / sent_secs
    );
    if let Some(client) = client {
        let bar = ProgressBar::new(args.events);
        loop {
            let stored = stored_total(&client)? - stored_before;
            bar.set_position(stored.min(args.events));
            if stored >= args.events {
                break;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        bar.finish_and_clear();
        let secs = started.elapsed().as_secs_f64();
        println!(
            "end to end (stored and searchable): {secs:.2}s: {:.0} events/s",
            args.events as f64 / secs
        );
    }
    if let (Some(pid), Some(before)) = (args.pid, cpu_before) {
        let cpu = cpu_seconds(pid)? - before;
        println!(
            "server CPU: {cpu:.2}s: {:.0} events per CPU-second",
            args.events as f64 / cpu
        );
    }
    Ok(ExitCode::SUCCESS)
}

/// One connection's worth of messages, written in large chunks; returns the message bytes sent.
fn send(
    target: &str,
    conn: u64,
    count: u64,
    size: usize,
    needle: Option<(u64, String)>,
) -> anyhow::Result<u64> {
    let mut stream =
        TcpStream::connect(target).with_context(|| format!("cannot connect to {target}"))?;
    stream.set_nodelay(true)?;
    let mut buf = Vec::with_capacity(1 << 20);
    let mut raw_bytes = 0;
    for i in 0..count {
        let mut msg = message(conn, i, size);
        if let Some((_, ip)) = needle.as_ref().filter(|(at, _)| *at == i) {
            msg = msg.replacen(" from 10.", &format!(" from {ip} was 10."), 1);
        }
        raw_bytes += msg.len() as u64;
        write!(buf, "{} ", msg.len())?;
        buf.extend_from_slice(msg.as_bytes());
        if buf.len() >= 1 << 20 {
            stream.write_all(&buf)?;
            buf.clear();
        }
    }
    stream.write_all(&buf)?;
    stream.flush()?;
    Ok(raw_bytes)
}

/// A realistic sshd-style RFC 5424 message, padded to about `size` bytes.
fn message(conn: u64, i: u64, size: usize) -> String {
    let n = conn * 1_000_003 + i;
    let users = [
        "root", "admin", "alice", "bob", "oracle", "test", "ubuntu", "git",
    ];
    let mut m = format!(
        "<38>1 2026-11-23T10:{:02}:{:02}.{:03}Z host-{} sshd {} - - Failed password for {} from 10.{}.{}.{} port {} ssh2 seq={n}",
        (n / 60_000) % 60,
        (n / 1000) % 60,
        n % 1000,
        n % 97,
        1000 + n % 5000,
        users[(n % 8) as usize],
        n % 7,
        (n / 7) % 11,
        n % 251,
        1024 + n % 60_000,
    );
    while m.len() < size {
        m.push_str(" pad");
    }
    m
}

/// Sum of `palisade_events_stored_total` over all sources.
fn stored_total(client: &Client) -> anyhow::Result<u64> {
    let text = client.get_text("/metrics")?;
    Ok(text
        .lines()
        .filter(|l| l.starts_with("palisade_events_stored_total{"))
        .filter_map(|l| l.rsplit(' ').next()?.parse::<u64>().ok())
        .sum())
}

/// utime + stime of a process, in seconds.
pub(crate) fn cpu_seconds(pid: u32) -> anyhow::Result<f64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat"))
        .with_context(|| format!("no process {pid}"))?;
    let after_name = stat.rsplit_once(')').map(|(_, rest)| rest).unwrap_or("");
    let fields: Vec<&str> = after_name.split_whitespace().collect();
    let ticks = |i: usize| {
        fields
            .get(i)
            .and_then(|f| f.parse::<f64>().ok())
            .unwrap_or(0.0)
    };
    // Fields after the name start at field 3; utime is field 14, stime field 15.
    Ok((ticks(11) + ticks(12)) / 100.0)
}
