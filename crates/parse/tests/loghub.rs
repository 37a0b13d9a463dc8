//! Grouping accuracy on the Loghub-2k corpus (`../shared/corpus/loghub` beside the repository),
//! computed as the Loghub benchmark computes it: a line counts as correct when the set of lines
//! its template groups it with is exactly the set of lines of its labelled event. Only the
//! built-in masking is used (no per-dataset regular expressions), as `palisade templates mine`
//! runs by default. Skips with a message when the corpus is absent.

use palisade_parse::template::{HeaderFormat, MinerConfig, TemplateMiner};
use std::collections::{BTreeSet, HashMap};
use std::path::{Path, PathBuf};

fn corpus() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/corpus/loghub")
}

/// The fields of one CSV record (RFC 4180 quoting), enough for Loghub's structured files.
fn csv_fields(line: &str) -> Vec<String> {
    let mut fields = vec![String::new()];
    let mut quoted = false;
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        let field = fields.last_mut().expect("starts with one field");
        match (c, quoted) {
            ('"', true) if chars.peek() == Some(&'"') => {
                field.push('"');
                chars.next();
            }
            ('"', _) => quoted = !quoted,
            (',', false) => fields.push(String::new()),
            _ => field.push(c),
        }
    }
    fields
}

/// The labelled event id of every line, in order.
fn truth(structured_csv: &Path) -> Vec<String> {
    let text = std::fs::read_to_string(structured_csv).expect("read the structured CSV");
    let mut lines = text.lines();
    let header = csv_fields(lines.next().expect("a header row"));
    let column = header
        .iter()
        .position(|h| h == "EventId")
        .expect("an EventId column");
    lines.map(|l| csv_fields(l)[column].clone()).collect()
}

/// Loghub's grouping accuracy.
fn grouping_accuracy(truth: &[String], predicted: &[String]) -> f64 {
    fn groups(labels: &[String]) -> HashMap<&str, BTreeSet<usize>> {
        let mut out: HashMap<&str, BTreeSet<usize>> = HashMap::new();
        for (line, label) in labels.iter().enumerate() {
            out.entry(label).or_default().insert(line);
        }
        out
    }
    let truth_sets: BTreeSet<BTreeSet<usize>> = groups(truth).into_values().collect();
    let correct: usize = groups(predicted)
        .into_values()
        .filter(|set| truth_sets.contains(set))
        .map(|set| set.len())
        .sum();
    correct as f64 / truth.len() as f64
}

#[test]
fn mean_grouping_accuracy_on_loghub_is_at_least_0_90() {
    let root = corpus();
    let Ok(settings) = std::fs::read_to_string(root.join("settings.json")) else {
        eprintln!("skipped: the Loghub corpus is not at {}", root.display());
        return;
    };
    let settings: serde_json::Value = serde_json::from_str(&settings).expect("settings.json");
    let datasets = settings["datasets"].as_object().expect("datasets");
    let mut total = 0.0;
    for (name, dataset) in datasets {
        let format = dataset["log_format"].as_str().expect("log_format");
        let format = HeaderFormat::parse(format).expect("Loghub formats compile");
        let log = root.join(name).join(format!("{name}_2k.log"));
        let text = std::fs::read(&log).expect("read the log");
        let text = String::from_utf8_lossy(&text);
        let mut miner = TemplateMiner::new(MinerConfig::default());
        let mut at = format.locations();
        let indices: Vec<u32> = text
            .lines()
            .map(|line| {
                let content = format.content(line, &mut at).unwrap_or(line);
                miner.mine(content).expect("no template limit").index
            })
            .collect();
        let predicted: Vec<String> = indices
            .iter()
            .map(|&index| miner.id_of(index).to_string())
            .collect();
        let truth = truth(
            &root
                .join(name)
                .join(format!("{name}_2k.log_structured.csv")),
        );
        assert_eq!(truth.len(), predicted.len(), "{name}: line count");
        let accuracy = grouping_accuracy(&truth, &predicted);
        eprintln!(
            "{name:<10} GA {accuracy:.3}  templates {}",
            miner.templates().count()
        );
        total += accuracy;
    }
    let mean = total / datasets.len() as f64;
    eprintln!("mean       GA {mean:.3}");
    assert!(mean >= 0.90, "mean grouping accuracy {mean:.3} < 0.90");
}
