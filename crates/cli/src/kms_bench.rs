//! `palisade bench kms`: a load generator for the key service over its HTTPS API with
//! keep-alive connections, beside the raw speed of the same AEAD in process (the ceiling).
//! With `--pid` it also reports the server's CPU time per operation, and always its own.

use crate::{
    bench::cpu_seconds,
    client::{Client, ServerArgs},
    kms_load::{encrypt_decrypt_until, get_until, Tally, Target, Workload},
};
use anyhow::Context;
use base64::Engine;
use std::{
    path::PathBuf,
    process::ExitCode,
    sync::Arc,
    time::{Duration, Instant},
};

/// Flags of `palisade bench kms`.
#[derive(clap::Args)]
pub struct KmsBench {
    /// Parallel keep-alive connections (one request in flight on each).
    #[arg(long, default_value_t = 8)]
    connections: usize,
    /// Load generator threads the connections are spread over (each runs its connections
    /// on one event loop).
    #[arg(long, default_value_t = 1)]
    threads: usize,
    /// Seconds of encrypt+decrypt load.
    #[arg(long, default_value_t = 10)]
    seconds: u64,
    /// Plaintext size in bytes.
    #[arg(long, default_value_t = 1024)]
    size: usize,
    /// Items per request (`batch_input`); 1 sends one plaintext per request.
    #[arg(long, default_value_t = 1)]
    batch: usize,
    /// Data-key requests for the latency measurement.
    #[arg(long, default_value_t = 2000)]
    datakeys: usize,
    /// Instead of encrypt+decrypt, GET this path with the same connections (one request is
    /// one operation), e.g. `/healthz`: the HTTPS+HTTP floor, with no key or audit work.
    #[arg(long)]
    path: Option<String>,
    /// Process id of the server, to report its CPU time per operation (same machine only).
    #[arg(long)]
    pid: Option<u32>,
    /// Token of a key administrator (the operator's `admin.token` will do), to create the
    /// benchmark key when it does not exist yet; `--token-file` must be a key user's.
    #[arg(long)]
    admin_token_file: Option<PathBuf>,
    #[command(flatten)]
    server: ServerArgs,
}

/// The key every run encrypts with.
const KEY: &str = "bench-aes256";

/// Runs the benchmark and prints one result line per measurement.
pub fn run(args: KmsBench) -> anyhow::Result<ExitCode> {
    if let Some(admin) = &args.admin_token_file {
        create_key(&ServerArgs {
            token_file: admin.clone(),
            ..args.server.clone()
        })?;
    }
    let client = Client::new(&args.server)?;
    let target = Target::new(&args.server.server, client.token(), client.tls())?;
    let work = Arc::new(workload(args.size, args.batch.max(1)));
    let server_cpu_before = args.pid.map(cpu_seconds).transpose()?;
    let own_cpu_before = cpu_seconds(std::process::id())?;
    let started = Instant::now();
    let load_kind = match &args.path {
        Some(path) => Load::Get(Arc::from(path.as_str())),
        None => Load::EncryptDecrypt(work.clone()),
    };
    let mut tally = load(
        &target,
        &load_kind,
        args.connections.max(1),
        args.threads.max(1),
        args.seconds,
    )?;
    let items = tally.items;
    let elapsed = started.elapsed().as_secs_f64();
    let own_cpu = cpu_seconds(std::process::id())? - own_cpu_before;
    let http_rate = items as f64 / elapsed;
    match &args.path {
        Some(path) => println!(
            "https GET {path}: {http_rate:.0} requests/s over {} keep-alive connections",
            args.connections
        ),
        None => println!(
            "https encrypt+decrypt {} B, {} per request: {:.0} operations/s ({:.0} requests/s) over {} keep-alive connections",
            args.size,
            work.batch,
            http_rate,
            http_rate / work.batch as f64,
            args.connections
        ),
    }
    let per_op = |cpu: f64| cpu * 1e6 / items.max(1) as f64;
    if let (Some(pid), Some(before)) = (args.pid, server_cpu_before) {
        let cpu = cpu_seconds(pid)? - before;
        println!(
            "server CPU: {cpu:.2} s over {elapsed:.1} s: {:.1} us per operation",
            per_op(cpu)
        );
    }
    println!(
        "load generator CPU: {own_cpu:.2} s: {:.1} us per operation",
        per_op(own_cpu)
    );
    tally.latencies_us.sort_unstable();
    println!(
        "request latency under load: p50 {} us, p99 {} us over {} requests",
        percentile(&tally.latencies_us, 0.50),
        percentile(&tally.latencies_us, 0.99),
        tally.latencies_us.len()
    );
    if args.path.is_some() {
        return Ok(ExitCode::SUCCESS);
    }
    datakey_latency(&target, args.datakeys)?;
    let raw_rate = raw_aead_rate(args.size);
    println!(
        "raw ring AES-256-GCM encrypt+decrypt {} B, one thread: {:.0} operations/s; HTTPS/raw ratio {:.4} (raw is {:.0}x faster)",
        args.size,
        raw_rate,
        http_rate / raw_rate,
        raw_rate / http_rate.max(1.0)
    );
    Ok(ExitCode::SUCCESS)
}

/// Creates the benchmark key unless it exists.
fn create_key(admin: &ServerArgs) -> anyhow::Result<()> {
    let create = serde_json::json!({"name": KEY, "type": "aes256-gcm96"}).to_string();
    match Client::new(admin)?.post("/api/v1/kms/keys", "application/json", create.as_bytes()) {
        Err(e) if !e.to_string().contains("409") => Err(e.context("cannot create the key")),
        _ => Ok(()),
    }
}

/// The request bodies, encoded once.
fn workload(size: usize, batch: usize) -> Workload {
    let plaintext_b64 = base64::engine::general_purpose::STANDARD.encode(vec![0x5a_u8; size]);
    let item = serde_json::json!({ "plaintext": plaintext_b64 });
    let body = if batch == 1 {
        item
    } else {
        serde_json::json!({ "batch_input": vec![item; batch] })
    };
    Workload {
        encrypt_path: format!("/api/v1/kms/keys/{KEY}/encrypt"),
        decrypt_path: format!("/api/v1/kms/keys/{KEY}/decrypt"),
        encrypt_body: body.to_string().into_bytes(),
        plaintext_b64,
        batch,
    }
}

/// What each connection does in a loop.
#[derive(Clone)]
enum Load {
    /// Encrypt then decrypt the workload's plaintext.
    EncryptDecrypt(Arc<Workload>),
    /// GET one path.
    Get(Arc<str>),
}

/// The value at fraction `p` of sorted `values` (zero when empty).
fn percentile<T: Copy + Default>(values: &[T], p: f64) -> T {
    values
        .get(((values.len().saturating_sub(1)) as f64 * p) as usize)
        .copied()
        .unwrap_or_default()
}

/// Runs `connections` loops of `work` for `seconds`, spread over `threads` event loops;
/// returns the operations done and each request's latency.
fn load(
    target: &Target,
    work: &Load,
    connections: usize,
    thread_count: usize,
    seconds: u64,
) -> anyhow::Result<Tally> {
    let until = Instant::now() + Duration::from_secs(seconds);
    let threads: Vec<std::thread::JoinHandle<anyhow::Result<Tally>>> = (0..thread_count)
        .map(|t| {
            let (target, work) = (target.clone(), work.clone());
            let mine = (t..connections).step_by(thread_count).count();
            std::thread::spawn(move || {
                event_loop()?.block_on(async move {
                    let mut loops = tokio::task::JoinSet::new();
                    for _ in 0..mine {
                        let connection = target.connect().await?;
                        match &work {
                            Load::EncryptDecrypt(w) => {
                                loops.spawn(encrypt_decrypt_until(connection, w.clone(), until))
                            }
                            Load::Get(path) => {
                                loops.spawn(get_until(connection, path.clone(), until))
                            }
                        };
                    }
                    let mut tally = Tally::default();
                    while let Some(done) = loops.join_next().await {
                        tally.merge(done.context("a load task failed")??);
                    }
                    anyhow::Ok(tally)
                })
            })
        })
        .collect();
    let mut tally = Tally::default();
    for t in threads {
        tally.merge(
            t.join()
                .map_err(|_| anyhow::anyhow!("a load thread panicked"))??,
        );
    }
    Ok(tally)
}

/// A single-threaded runtime: the load generator's connections share one thread each.
fn event_loop() -> anyhow::Result<tokio::runtime::Runtime> {
    Ok(tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?)
}

/// Sequential data-key requests on one connection; prints p50 and p99.
fn datakey_latency(target: &Target, count: usize) -> anyhow::Result<()> {
    let path = format!("/api/v1/kms/keys/{KEY}/datakey");
    let mut latencies = event_loop()?.block_on(async {
        let mut connection = target.connect().await?;
        let head = connection.head("POST", &path);
        let mut latencies = Vec::with_capacity(count);
        for _ in 0..count {
            let t = Instant::now();
            connection.send(&head, b"{}").await?;
            latencies.push(t.elapsed());
        }
        anyhow::Ok(latencies)
    })?;
    latencies.sort();
    let pct = |p: f64| percentile(&latencies, p).as_secs_f64() * 1e6;
    println!(
        "data key (256-bit, plaintext+wrapped) latency: p50 {:.0} us, p99 {:.0} us over {} sequential requests",
        pct(0.50),
        pct(0.99),
        latencies.len()
    );
    Ok(())
}

/// Encrypt+decrypt operations per second of the key service's own AEAD path in process.
fn raw_aead_rate(size: usize) -> f64 {
    use palisade_kms::{crypto, KeyType, Secret};
    let key = Secret::random(32);
    let plain = vec![0x5a_u8; size];
    let started = Instant::now();
    let mut ops = 0u64;
    while started.elapsed() < Duration::from_secs(2) {
        for _ in 0..1000 {
            if let Ok(sealed) = crypto::seal(KeyType::Aes256Gcm, &key, b"", &plain) {
                if crypto::open(KeyType::Aes256Gcm, &key, b"", &sealed).is_ok() {
                    ops += 2;
                }
            }
        }
    }
    ops as f64 / started.elapsed().as_secs_f64()
}
