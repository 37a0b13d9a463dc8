//! The benchmark's input: SigmaHQ rules and the regression events of the shared corpus.

use palisade_core::{Event, PayloadFormat, RawRecord, TenantId, Transport};
use serde_json::{Map, Value};
use std::path::{Path, PathBuf};

/// The corpus directory (`../shared/corpus` beside the repository).
pub fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/corpus")
}

/// Every rule file under `sigma/rules*/`, sorted, at most `limit`.
pub fn rule_files(limit: usize) -> Vec<PathBuf> {
    let mut files = Vec::new();
    let sigma = root().join("sigma");
    for entry in std::fs::read_dir(&sigma).into_iter().flatten().flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        if name.starts_with("rules") {
            walk(&entry.path(), &mut files, "yml");
        }
    }
    files.sort();
    files.truncate(limit);
    files
}

fn walk(dir: &Path, out: &mut Vec<PathBuf>, ext: &str) {
    for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let path = entry.path();
        if path.is_dir() {
            walk(&path, out, ext);
        } else if path.extension().is_some_and(|x| x == ext) {
            out.push(path);
        }
    }
}

/// Every regression event, as the JSON object the file holds.
pub fn regression_events() -> Vec<Value> {
    let mut files = Vec::new();
    walk(&root().join("events/sigma-regression"), &mut files, "json");
    files.sort();
    files
        .iter()
        .flat_map(|f| {
            let text = std::fs::read_to_string(f).unwrap_or_default();
            serde_json::Deserializer::from_str(&text)
                .into_iter::<Value>()
                .filter_map(Result::ok)
                .collect::<Vec<_>>()
        })
        .collect()
}

/// The event as Palisade's ingest parses it.
pub fn palisade_event(id: u64, object: &Value) -> Event {
    let record = RawRecord {
        tenant: TenantId::default(),
        source: "file".into(),
        transport: Transport::File,
        format: PayloadFormat::Json,
        received_ms: 0,
        peer: None,
        payload: serde_json::to_vec(object).unwrap_or_default(),
    };
    palisade_parse::parse_record(id, &record)
}

/// The event as rsigma wants it: one flat object keyed by Sigma field names (EventData and
/// UserData keys with spaces removed, plus EventID, Channel, Provider_Name, Computer).
pub fn flat_event(object: &Value) -> Value {
    let mut flat = Map::new();
    let event = &object["Event"];
    let system = &event["System"];
    for (key, value) in [
        ("EventID", &system["EventID"]),
        ("Channel", &system["Channel"]),
        ("Computer", &system["Computer"]),
        ("Provider_Name", &system["Provider"]["#attributes"]["Name"]),
    ] {
        if !value.is_null() {
            flat.insert(key.into(), value.clone());
        }
    }
    let user_data = event["UserData"]
        .as_object()
        .and_then(|m| m.values().next());
    for data in [Some(&event["EventData"]), user_data].into_iter().flatten() {
        for (key, value) in data.as_object().into_iter().flatten() {
            flat.insert(key.replace(' ', ""), value.clone());
        }
    }
    Value::Object(flat)
}

/// The Sigma logsource of a Windows event (for rsigma's logsource pruning).
pub fn logsource_of(flat: &Value) -> (Option<&'static str>, Option<&'static str>) {
    let id = flat["EventID"].as_i64().unwrap_or(-1);
    let channel = flat["Channel"].as_str().unwrap_or_default();
    if channel == "Microsoft-Windows-Sysmon/Operational" {
        let category = match id {
            1 => "process_creation",
            2 => "file_change",
            3 => "network_connection",
            5 => "process_termination",
            6 => "driver_load",
            7 => "image_load",
            8 => "create_remote_thread",
            9 => "raw_access_thread",
            10 => "process_access",
            11 => "file_event",
            12 | 14 => "registry_event",
            13 => "registry_set",
            15 => "create_stream_hash",
            17 | 18 => "pipe_created",
            19..=21 => "wmi_event",
            22 => "dns_query",
            23 | 26 => "file_delete",
            25 => "process_tampering",
            _ => "sysmon_status",
        };
        return (Some(category), None);
    }
    let service = match channel {
        "Security" => "security",
        "System" => "system",
        "Application" => "application",
        "Microsoft-Windows-Windows Defender/Operational" => "windefend",
        "Microsoft-Windows-TaskScheduler/Operational" => "taskscheduler",
        "Microsoft-Windows-WMI-Activity/Operational" => "wmi",
        _ => return (None, None),
    };
    (None, Some(service))
}
