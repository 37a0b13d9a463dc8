//! Changes as OCSF File System Activity (class 1001, category System Activity) events: `file` is the state before,
//! `file_result` the state after, `file_diff` the line diff.

use super::{Change, ChangeKind, FileState};
use serde_json::{json, Value};

/// OCSF class of File System Activity.
pub const CLASS_UID: i64 = 1001;
/// OCSF category System Activity.
pub const CATEGORY_UID: i64 = 1;

fn file_object(path: &str, s: &FileState) -> Value {
    let name = path.rsplit('/').next().unwrap_or(path);
    let parent = path
        .rsplit_once('/')
        .map(|(p, _)| if p.is_empty() { "/" } else { p })
        .unwrap_or("/");
    let type_id = match s.kind.as_str() {
        "file" => 1,
        "dir" => 2,
        "symlink" => 7,
        _ => 99,
    };
    let mut f = json!({
        "path": path,
        "name": name,
        "parent_folder": parent,
        "type_id": type_id,
        "size": s.size,
        "owner": { "name": s.owner, "uid": s.uid.to_string() },
        "group": { "name": s.group, "uid": s.gid.to_string() },
        "attributes": s.mode,
        "mode": format!("{:04o}", s.mode),
    });
    if let Some(h) = &s.sha256 {
        f["hashes"] = json!([{ "algorithm_id": 3, "algorithm": "SHA-256", "value": h }]);
    }
    if let Some(l) = &s.link {
        f["link_target"] = json!(l);
    }
    f
}

/// One change as an OCSF File System Activity event at `time` (epoch milliseconds).
pub fn file_activity(change: &Change, hostname: &str, time: i64) -> Value {
    let (activity_id, activity) = match change.kind {
        ChangeKind::Created => (1, "Create"),
        ChangeKind::Modified => (3, "Update"),
        ChangeKind::Deleted => (4, "Delete"),
        ChangeKind::Attributes => (7, "Set Security"),
    };
    let mut event = json!({
        "class_uid": CLASS_UID,
        "class_name": "File System Activity",
        "category_uid": CATEGORY_UID,
        "category_name": "System Activity",
        "activity_id": activity_id,
        "activity_name": activity,
        "type_uid": CLASS_UID * 100 + activity_id,
        "time": time,
        "severity_id": 3,
        "severity": "Medium",
        "status_id": 1,
        "status": "Success",
        "message": format!("watched file {}: {}", change.path, activity.to_ascii_lowercase()),
        "metadata": {
            "version": super::super::report::OCSF_VERSION,
            "product": { "name": "Palisade", "vendor_name": "Palisade", "feature": { "name": "fim" } },
            "log_name": "fim",
        },
        "device": { "hostname": hostname },
        "actor": { "process": { "name": "palisade check fim" } },
    });
    let file = change.before.as_ref().or(change.after.as_ref());
    if let Some(f) = file {
        event["file"] = file_object(&change.path, f);
    }
    if let (Some(_), Some(after)) = (&change.before, &change.after) {
        event["file_result"] = file_object(&change.path, after);
    }
    if let Some(d) = &change.diff {
        event["file_diff"] = json!(d);
    }
    event
}
