//! Conformance and recall on the shared public Sigma corpus (`../shared/corpus` beside the
//! repository). Skips with a message when the corpus is absent.

mod common;
use palisade_core::PayloadFormat;
use palisade_detect::{Engine, EngineOptions, Placeholders, RuleSet};
use std::path::{Path, PathBuf};

fn corpus() -> Option<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/corpus");
    if dir.join("sigma").is_dir() {
        Some(dir)
    } else {
        eprintln!("skipping: Sigma corpus not found at {}", dir.display());
        None
    }
}

/// Values for the placeholders SigmaHQ's rules use (as a deployment would configure them).
fn placeholders() -> Placeholders {
    let mut p = Placeholders::new();
    for name in [
        "Admins_Workstations",
        "DomainControllers",
        "VIP",
        "Servers",
        "Workstations",
        "admin_users",
        "service_accounts",
        "DC-MACHINE-NAME",
        "dc_ip_addresses",
        "known_cdcs",
        "ApprovedUserUpn",
        "Approved_Inviters",
        "Important_AppIds",
        "Known_Location",
        "KNOWN_LOCATION",
        "dc_machine_accounts",
        "Administrators",
        "ServerSystems",
        "domain_controller_hostnames",
        "userdomain",
    ] {
        p.insert(name.into(), vec![format!("{name}-example")]);
    }
    p
}

fn rule_dirs(sigma: &Path) -> Vec<PathBuf> {
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(sigma)
        .into_iter()
        .flatten()
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| {
            p.is_dir()
                && p.file_name()
                    .and_then(|n| n.to_str())
                    .is_some_and(|n| n.starts_with("rules"))
        })
        .collect();
    dirs.sort();
    dirs
}

#[test]
fn at_least_99_percent_of_sigmahq_rules_load() {
    let Some(corpus) = corpus() else { return };
    let mut set = RuleSet::new(placeholders());
    for dir in rule_dirs(&corpus.join("sigma")) {
        set.load_path(&dir);
    }
    for f in &set.failures {
        eprintln!("FAILED {}:{:?}: {}", f.file, f.line, f.reason);
    }
    let loaded = set.rules.len() + set.filters.len() + set.skipped.len();
    let failed = set.failures.len();
    let rate = loaded as f64 / (loaded + failed) as f64;
    eprintln!(
        "loaded {loaded}, failed {failed}, rate {:.2}%",
        rate * 100.0
    );
    assert!(loaded > 2500, "only {loaded} documents loaded");
    assert!(rate >= 0.99, "load rate {rate}");
    Engine::new(&set, &EngineOptions::default()).expect("all loaded rules compile");
}

#[test]
fn every_unsupported_rule_is_rejected_with_a_reason() {
    let Some(corpus) = corpus() else { return };
    let mut files = Vec::new();
    collect_yaml(&corpus.join("sigma/unsupported"), &mut files);
    assert!(!files.is_empty());
    let mut accepted = Vec::new();
    for file in &files {
        let mut set = RuleSet::new(Placeholders::new());
        set.load_path(file);
        if set.failures.is_empty() || !set.rules.is_empty() {
            accepted.push(file.display().to_string());
        }
        for f in &set.failures {
            eprintln!("{}: {}", f.file, f.reason);
            assert!(f.reason.len() > 20, "unclear reason {:?}", f.reason);
        }
    }
    assert!(accepted.is_empty(), "accepted: {accepted:#?}");
}

fn collect_yaml(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir)
        .into_iter()
        .flatten()
        .filter_map(Result::ok)
    {
        let path = entry.path();
        if path.is_dir() {
            collect_yaml(&path, out);
        } else if path.extension().is_some_and(|x| x == "yml" || x == "yaml") {
            out.push(path);
        }
    }
}

fn files_named(dir: &Path, name: &str, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir)
        .into_iter()
        .flatten()
        .filter_map(Result::ok)
    {
        let path = entry.path();
        if path.is_dir() {
            files_named(&path, name, out);
        } else if path.file_name().is_some_and(|n| n == name) {
            out.push(path);
        }
    }
}

/// Every JSON object of a file holding one or more concatenated objects, each parsed into an
/// event exactly as ingest would.
fn events_of(path: &Path) -> Vec<palisade_core::Event> {
    let text = std::fs::read_to_string(path).unwrap_or_default();
    serde_json::Deserializer::from_str(&text)
        .into_iter::<serde_json::Value>()
        .filter_map(Result::ok)
        .enumerate()
        .map(|(i, object)| {
            let payload = serde_json::to_vec(&object).unwrap_or_default();
            common::parsed(i as u64, PayloadFormat::Json, payload)
        })
        .collect()
}

#[test]
fn every_regression_rule_fires_on_its_own_events() {
    let Some(corpus) = corpus() else { return };
    let mut set = RuleSet::new(placeholders());
    for dir in rule_dirs(&corpus.join("sigma")) {
        set.load_path(&dir);
    }
    set.load_path(&corpus.join("sigma/deprecated"));
    let engine = Engine::new(&set, &EngineOptions::default()).expect("compiles");
    let mut infos = Vec::new();
    files_named(
        &corpus.join("events/sigma-regression/regression_data"),
        "info.yml",
        &mut infos,
    );
    infos.sort();
    assert!(!infos.is_empty());
    let (mut passed, mut tested, mut missed) = (0, 0, Vec::new());
    for info in &infos {
        let text = std::fs::read_to_string(info).unwrap_or_default();
        let docs = yaml_rust2::YamlLoader::load_from_str(&text).unwrap_or_default();
        let Some(doc) = docs.first() else { continue };
        let id = doc["rule_metadata"][0]["id"]
            .as_str()
            .unwrap_or_default()
            .to_owned();
        let expected = doc["regression_tests_info"][0]["match_count"].as_i64();
        let Some(dir) = info.parent() else { continue };
        let mut jsons = Vec::new();
        collect_json(dir, &mut jsons);
        let events: Vec<_> = jsons.iter().flat_map(|j| events_of(j)).collect();
        if events.is_empty() {
            eprintln!("no JSON events for {id} in {}: not counted", dir.display());
            continue;
        }
        tested += 1;
        let hits = events
            .iter()
            .filter(|e| engine.matches(e).iter().any(|r| r.id == id))
            .count();
        if let Some(n) = expected.filter(|n| *n as usize != hits) {
            eprintln!("note: {id} matched {hits} events, info.yml says match_count {n}");
        }
        if hits > 0 {
            passed += 1;
        } else {
            missed.push(format!(
                "{} ({id}): none of {} events",
                dir.display(),
                events.len()
            ));
        }
    }
    for m in &missed {
        eprintln!("MISSED {m}");
    }
    eprintln!("recall: {passed} of {tested} rules fire on their own events");
    assert!(missed.is_empty(), "{} rules missed", missed.len());
}

fn collect_json(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir)
        .into_iter()
        .flatten()
        .filter_map(Result::ok)
    {
        let path = entry.path();
        if path.extension().is_some_and(|x| x == "json") {
            out.push(path);
        }
    }
}
