//! The correctness cross-check with `sigma-rust`: the same rules and the same regression
//! events through Palisade's engine (without routing, since sigma-rust has none) and through
//! sigma-rust, compared (rule, event) pair by pair.
//!
//! sigma-rust reads one YAML document per rule, so rules from multi-document files
//! (`action: global`) and rules whose YAML it rejects are listed as not loaded. For every
//! rule on which the engines disagree the report names the modifiers the rule uses, which is
//! where the explanation usually lies (a modifier sigma-rust lacks or reads differently).

use crate::corpus;
use crate::engines::palisade_rules;
use palisade_detect::{Engine, EngineOptions};
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// A sigma-rust rule with the file it came from.
struct TheirRule {
    id: String,
    file: String,
    rule: sigma_rust::Rule,
}

/// Rules sigma-rust loaded, and those it could not load with the reason.
fn sigma_rust_rules(limit: usize, wanted: &BTreeSet<String>) -> (Vec<TheirRule>, Vec<String>) {
    let mut loaded = Vec::new();
    let mut failed = Vec::new();
    for file in corpus::rule_files(limit) {
        let text = std::fs::read_to_string(&file).unwrap_or_default();
        let name = short(&file);
        let documents = text.split("\n---").filter(|d| !d.trim().is_empty()).count();
        if documents > 1 {
            failed.push(format!(
                "{name}: {documents} YAML documents (sigma-rust reads one)"
            ));
            continue;
        }
        match sigma_rust::rule_from_yaml(&text) {
            Ok(rule) => {
                let id = rule.id.clone().unwrap_or_else(|| rule.title.clone());
                if wanted.contains(&id) {
                    loaded.push(TheirRule {
                        id,
                        file: name,
                        rule,
                    });
                }
            }
            Err(e) => {
                // Only rules Palisade loaded are compared; a failure of another rule is moot.
                let id = id_in(&text);
                if id.as_ref().is_some_and(|i| wanted.contains(i)) {
                    let reason = e.to_string();
                    failed.push(format!("{name}: {}", first_line(&reason)));
                }
            }
        }
    }
    (loaded, failed)
}

fn short(file: &Path) -> String {
    let text = file.to_string_lossy();
    match text.find("/corpus/sigma/") {
        Some(at) => text[at + "/corpus/sigma/".len()..].to_owned(),
        None => text.into_owned(),
    }
}

fn first_line(text: &str) -> &str {
    text.lines().next().unwrap_or_default()
}

/// The rule's top-level `id:` value, read as text (for rules sigma-rust cannot parse).
fn id_in(text: &str) -> Option<String> {
    text.lines()
        .find_map(|l| l.strip_prefix("id:"))
        .map(|v| v.trim().trim_matches(['\'', '"']).to_owned())
}

/// The value modifiers (`|contains`, `|windash`...) a rule's text uses, for the report.
fn modifiers_in(file: &str) -> BTreeSet<String> {
    let path = corpus::root().join("sigma").join(file);
    let text = std::fs::read_to_string(path).unwrap_or_default();
    let mut found = BTreeSet::new();
    for line in text.lines() {
        let Some(key) = line.trim_start().trim_start_matches("- ").split(':').next() else {
            continue;
        };
        for modifier in key.split('|').skip(1) {
            found.insert(modifier.trim().to_owned());
        }
    }
    found
}

/// Runs both engines over the regression events and prints the agreement report.
pub fn run(limit: usize) {
    let set = palisade_rules(limit);
    let options = EngineOptions {
        routing: false,
        ..EngineOptions::default()
    };
    let Ok(engine) = Engine::new(&set, &options) else {
        eprintln!("the rules do not compile");
        return;
    };
    let ours_ids: BTreeSet<String> = set.rules.iter().map(|r| r.id.clone()).collect();
    let (theirs, failed) = sigma_rust_rules(limit, &ours_ids);
    let compared: BTreeSet<&str> = theirs.iter().map(|r| r.id.as_str()).collect();
    println!(
        "rules: palisade {}, sigma-rust loaded {} of them, {} not loaded",
        ours_ids.len(),
        compared.len(),
        ours_ids.len() - compared.len()
    );
    let mut scanner = engine.scanner();
    let mut both = 0u64;
    let mut only_ours: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
    let mut only_theirs: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
    let objects = corpus::regression_events();
    let mut events_agreeing = 0;
    for (i, object) in objects.iter().enumerate() {
        let event = corpus::palisade_event(i as u64, object);
        let ours: BTreeSet<&str> = scanner
            .scan(&event)
            .iter()
            .map(|r| r.id.as_str())
            .filter(|id| compared.contains(id))
            .collect();
        let Ok(flat) = sigma_rust::Event::try_from(corpus::flat_event(object)) else {
            eprintln!("event {i}: sigma-rust cannot read it");
            continue;
        };
        let mut agree = true;
        for rule in &theirs {
            let id = rule.id.as_str();
            match (ours.contains(id), rule.rule.is_match(&flat)) {
                (true, true) => both += 1,
                (true, false) => {
                    only_ours.entry(id).or_default().push(i);
                    agree = false;
                }
                (false, true) => {
                    only_theirs.entry(id).or_default().push(i);
                    agree = false;
                }
                (false, false) => {}
            }
        }
        events_agreeing += usize::from(agree);
    }
    let pairs = compared.len() * objects.len();
    let differing: usize = only_ours
        .values()
        .chain(only_theirs.values())
        .map(Vec::len)
        .sum();
    println!(
        "events: {} ({events_agreeing} with identical matches); (rule, event) pairs: {pairs}, \
         agreeing {} ({:.3}%), both match {both}, only palisade {}, only sigma-rust {}",
        objects.len(),
        pairs - differing,
        100.0 * (pairs - differing) as f64 / pairs.max(1) as f64,
        only_ours.values().map(Vec::len).sum::<usize>(),
        only_theirs.values().map(Vec::len).sum::<usize>(),
    );
    let file_of: BTreeMap<&str, &str> = theirs
        .iter()
        .map(|r| (r.id.as_str(), r.file.as_str()))
        .collect();
    for (label, rules) in [
        ("only palisade", &only_ours),
        ("only sigma-rust", &only_theirs),
    ] {
        for (id, events) in rules {
            let file = file_of.get(id).copied().unwrap_or_default();
            let modifiers: Vec<String> = modifiers_in(file).into_iter().collect();
            println!(
                "{label}: {file} on {} event(s) {events:?}; modifiers: {}",
                events.len(),
                modifiers.join(", ")
            );
        }
    }
    for failure in &failed {
        println!("not loaded by sigma-rust: {failure}");
    }
}
