//! Single-core throughput and peak memory of Sigma engines on SigmaHQ's rules and the
//! regression events replicated to N events; Palisade's engine with and without logsource
//! routing, side by side with rsigma-eval, in one run.
//!
//! `sigma-bench [--events N] [--rules all|N,N...]` runs every engine in a child process of
//! its own (so peak memory is each engine's) and prints a Markdown table; `--engine NAME`
//! runs one and prints a JSON line; `--compare` checks both engines find the same matches;
//! `--cross-check` reports where Palisade and sigma-rust agree and differ.

mod corpus;
mod cross_check;
mod engines;

use std::process::Command;

fn arg(args: &[String], name: &str) -> Option<String> {
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1))
        .cloned()
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let events: u64 = arg(&args, "--events")
        .and_then(|n| n.parse().ok())
        .unwrap_or(1_000_000);
    let rules: usize = match arg(&args, "--rules").as_deref() {
        None | Some("all") => usize::MAX,
        Some(n) => n.parse().unwrap_or(usize::MAX),
    };
    if !corpus::root().join("sigma").is_dir() {
        eprintln!("the corpus is not at {}", corpus::root().display());
        std::process::exit(2);
    }
    if args.iter().any(|a| a == "--compare") {
        engines::compare(rules);
        return;
    }
    if args.iter().any(|a| a == "--cross-check") {
        cross_check::run(rules);
        return;
    }
    if let Some(engine) = arg(&args, "--engine") {
        println!("{}", engines::run(&engine, rules, events));
        return;
    }
    let counts = arg(&args, "--rule-counts").unwrap_or_else(|| "100,1000,all".into());
    println!("| engine | rules | events | seconds | events/s | matches | peak RSS MiB |");
    println!("|---|---|---|---|---|---|---|");
    for count in counts.split(',') {
        for engine in ["palisade", "palisade-unrouted", "rsigma", "rsigma-unrouted"] {
            let Ok(me) = std::env::current_exe() else {
                return;
            };
            let out = Command::new(me)
                .args([
                    "--engine",
                    engine,
                    "--events",
                    &events.to_string(),
                    "--rules",
                    count,
                ])
                .output();
            let Ok(out) = out else { continue };
            let line = String::from_utf8_lossy(&out.stdout);
            let Ok(r) = serde_json::from_str::<serde_json::Value>(line.trim()) else {
                eprintln!("{engine}: {}", String::from_utf8_lossy(&out.stderr));
                continue;
            };
            println!(
                "| {engine} | {} | {} | {:.2} | {:.0} | {} | {:.0} |",
                r["rules"],
                r["events"],
                r["seconds"].as_f64().unwrap_or(0.0),
                r["events_per_second"].as_f64().unwrap_or(0.0),
                r["matches"],
                r["peak_rss_kib"].as_f64().unwrap_or(0.0) / 1024.0
            );
        }
    }
}
