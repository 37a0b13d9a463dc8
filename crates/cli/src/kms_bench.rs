//! `palisade bench kms`: a load generator for the key service over its HTTPS API with
//! keep-alive connections, beside the raw speed of the same AEAD in process (the ceiling).

use crate::client::{Client, ServerArgs};
use base64::Engine;
use std::{
    process::ExitCode,
    sync::{
        atomic::{AtomicBool, AtomicU64, Ordering},
        Arc,
    },
    time::{Duration, Instant},
};

/// Flags of `palisade bench kms`.
#[derive(clap::Args)]
pub struct KmsBench {
    /// Parallel keep-alive connections (one thread each).
    #[arg(long, default_value_t = 8)]
    connections: usize,
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
    #[command(flatten)]
    server: ServerArgs,
}

/// Runs the benchmark and prints one result line per measurement.
pub fn run(args: KmsBench) -> anyhow::Result<ExitCode> {
    let client = Arc::new(Client::new(&args.server)?);
    let key = "bench-aes256";
    let create = serde_json::json!({"name": key, "type": "aes256-gcm96"}).to_string();
    if let Err(e) = client.post("/api/v1/kms/keys", "application/json", create.as_bytes()) {
        if !e.to_string().contains("409") {
            return Err(e);
        }
    }
    let plaintext = base64::engine::general_purpose::STANDARD.encode(vec![0x5a_u8; args.size]);
    let batch = args.batch.max(1);
    let encrypt_body = if batch == 1 {
        serde_json::json!({ "plaintext": plaintext })
    } else {
        serde_json::json!({ "batch_input": vec![serde_json::json!({ "plaintext": plaintext }); batch] })
    }
    .to_string();
    let ops = Arc::new(AtomicU64::new(0));
    let stop = Arc::new(AtomicBool::new(false));
    let started = Instant::now();
    let workers: Vec<std::thread::JoinHandle<anyhow::Result<()>>> = (0..args.connections)
        .map(|_| {
            // One client (one agent, one pooled connection) per thread: every thread keeps
            // its own connection alive instead of competing for a shared pool of one.
            let client = Client::new(&args.server)?;
            let (ops, stop, body) = (ops.clone(), stop.clone(), encrypt_body.clone());
            Ok(std::thread::spawn(move || -> anyhow::Result<()> {
                let path_enc = format!("/api/v1/kms/keys/{key}/encrypt");
                let path_dec = format!("/api/v1/kms/keys/{key}/decrypt");
                while !stop.load(Ordering::Relaxed) {
                    let mut ct = client.post(&path_enc, "application/json", body.as_bytes())?;
                    let dec = match ct.get_mut("batch_results") {
                        Some(results) => {
                            let items: Vec<_> = results
                                .as_array_mut()
                                .into_iter()
                                .flatten()
                                .map(
                                    |r| serde_json::json!({ "ciphertext": r["ciphertext"].take() }),
                                )
                                .collect();
                            serde_json::json!({ "batch_input": items })
                        }
                        None => serde_json::json!({ "ciphertext": ct["ciphertext"] }),
                    };
                    client.post(&path_dec, "application/json", dec.to_string().as_bytes())?;
                    ops.fetch_add(2 * batch as u64, Ordering::Relaxed);
                }
                Ok(())
            }))
        })
        .collect::<anyhow::Result<_>>()?;
    std::thread::sleep(Duration::from_secs(args.seconds));
    stop.store(true, Ordering::Relaxed);
    for w in workers {
        w.join()
            .map_err(|_| anyhow::anyhow!("a load thread panicked"))??;
    }
    let elapsed = started.elapsed().as_secs_f64();
    let http_rate = ops.load(Ordering::Relaxed) as f64 / elapsed;
    println!(
        "https encrypt+decrypt {} B, {} per request: {:.0} operations/s ({:.0} requests/s) over {} keep-alive connections",
        args.size,
        batch,
        http_rate,
        http_rate / batch as f64,
        args.connections
    );

    let mut latencies = Vec::with_capacity(args.datakeys);
    let path = format!("/api/v1/kms/keys/{key}/datakey");
    for _ in 0..args.datakeys {
        let t = Instant::now();
        client.post(&path, "application/json", b"{}")?;
        latencies.push(t.elapsed());
    }
    latencies.sort();
    let pct = |p: f64| {
        latencies
            .get(((latencies.len() as f64 - 1.0) * p) as usize)
            .copied()
            .unwrap_or_default()
    };
    println!(
        "data key (256-bit, plaintext+wrapped) latency: p50 {:.0} us, p99 {:.0} us over {} sequential requests",
        pct(0.50).as_secs_f64() * 1e6,
        pct(0.99).as_secs_f64() * 1e6,
        latencies.len()
    );

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
