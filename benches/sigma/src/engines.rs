//! Building and timing each engine.

use crate::corpus;
use palisade_detect::{Engine, EngineOptions, Placeholders, RuleSet};
use serde_json::{json, Value};
use std::collections::BTreeSet;

/// Peak resident set size of this process, KiB.
fn peak_rss_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .unwrap_or_default()
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0)
}

/// The rules Palisade loads from the first `limit` rule files.
pub fn palisade_rules(limit: usize) -> RuleSet {
    let mut set = RuleSet::new(Placeholders::new());
    for file in corpus::rule_files(limit) {
        set.load_path(&file);
    }
    set
}

fn palisade_engine(limit: usize, routing: bool) -> (Engine, usize) {
    let set = palisade_rules(limit);
    let options = EngineOptions {
        routing,
        ..EngineOptions::default()
    };
    let engine = Engine::new(&set, &options).expect("rules compile");
    let n = engine.len();
    (engine, n)
}

/// rsigma with the same rules: those Palisade loaded (rsigma also accepts rules Palisade
/// rejects, such as `expand` with no configured placeholder values).
fn rsigma_engine(limit: usize) -> (rsigma_eval::Engine, usize) {
    let set = palisade_rules(limit);
    let same: BTreeSet<&str> = set.rules.iter().map(|r| r.id.as_str()).collect();
    let mut engine = rsigma_eval::Engine::new();
    for file in corpus::rule_files(limit) {
        let text = std::fs::read_to_string(&file).unwrap_or_default();
        if let Ok(collection) = rsigma_parser::parse_sigma_yaml(&text) {
            for rule in &collection.rules {
                if rule.id.as_deref().is_some_and(|id| same.contains(id)) {
                    let _ = engine.add_rule(rule);
                }
            }
        }
    }
    let n = engine.rule_count();
    (engine, n)
}

/// CPU time (user + system) this process has used, seconds: robust to other load on the
/// machine, unlike wall time.
fn cpu_seconds() -> f64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    let after_name = stat.rsplit(')').next().unwrap_or_default();
    let fields: Vec<&str> = after_name.split_whitespace().collect();
    let ticks: f64 = [11, 12]
        .iter()
        .filter_map(|&i| fields.get(i)?.parse::<f64>().ok())
        .sum();
    ticks / 100.0
}

/// Times one engine over `events` events (the regression events, cycled).
pub fn run(name: &str, limit: usize, events: u64) -> Value {
    let base = corpus::regression_events();
    let mut matches = 0u64;
    let (rules, seconds) = match name {
        "palisade" | "palisade-unrouted" => {
            let (engine, rules) = palisade_engine(limit, name == "palisade");
            let parsed: Vec<_> = base
                .iter()
                .enumerate()
                .map(|(i, e)| corpus::palisade_event(i as u64, e))
                .collect();
            let mut scanner = engine.scanner();
            let start = cpu_seconds();
            for i in 0..events {
                matches += scanner
                    .scan(&parsed[(i % parsed.len() as u64) as usize])
                    .len() as u64;
            }
            (rules, cpu_seconds() - start)
        }
        _ => {
            let (engine, rules) = rsigma_engine(limit);
            let flat: Vec<Value> = base.iter().map(corpus::flat_event).collect();
            let sources: Vec<_> = flat.iter().map(rsigma_logsource).collect();
            let routed = name == "rsigma";
            let start = cpu_seconds();
            for i in 0..events {
                let at = (i % flat.len() as u64) as usize;
                let event = rsigma_eval::event::JsonEvent::borrow(&flat[at]);
                matches += if routed {
                    engine.evaluate_with_logsource(&event, &sources[at]).len()
                } else {
                    engine.evaluate(&event).len()
                } as u64;
            }
            (rules, cpu_seconds() - start)
        }
    };
    json!({
        "engine": name, "rules": rules, "events": events, "seconds": seconds,
        "events_per_second": events as f64 / seconds, "matches": matches,
        "peak_rss_kib": peak_rss_kib(),
    })
}

fn rsigma_logsource(flat: &Value) -> rsigma_parser::LogSource {
    let (category, service) = corpus::logsource_of(flat);
    rsigma_parser::LogSource {
        product: Some("windows".into()),
        category: category.map(Into::into),
        service: service.map(Into::into),
        ..Default::default()
    }
}

/// Prints where the two engines (both without routing) disagree on the regression events.
pub fn compare(limit: usize) {
    let (palisade, ours_loaded) = palisade_engine(limit, false);
    let (rsigma, theirs_loaded) = rsigma_engine(limit);
    println!("rules: palisade {ours_loaded}, rsigma {theirs_loaded}");
    let (mut same, mut differ) = (0, 0);
    for (i, object) in corpus::regression_events().iter().enumerate() {
        let event = corpus::palisade_event(i as u64, object);
        let ours: BTreeSet<String> = palisade
            .matches(&event)
            .iter()
            .map(|r| r.id.clone())
            .collect();
        let flat = corpus::flat_event(object);
        let theirs: BTreeSet<String> = rsigma
            .evaluate(&rsigma_eval::event::JsonEvent::borrow(&flat))
            .iter()
            .filter_map(|m| m.header.rule_id.clone())
            .collect();
        if ours == theirs {
            same += 1;
        } else {
            differ += 1;
            eprintln!(
                "event {i}: only palisade {:?}, only rsigma {:?}",
                ours.difference(&theirs).collect::<Vec<_>>(),
                theirs.difference(&ours).collect::<Vec<_>>()
            );
        }
    }
    println!("identical matches on {same} events, different on {differ}");
}
