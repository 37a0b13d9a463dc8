//! OCSF classes the built-in source parsers map onto, and the one helper that writes a
//! class with its category, activity, type and status.

use palisade_core::{fields, Event, Value};

/// An OCSF event class: its `class_uid` and the `category_uid` it belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Class {
    uid: i64,
    category: i64,
}

/// Authentication (Identity & Access Management): logons, logoffs, failed attempts.
pub(crate) const AUTHENTICATION: Class = Class {
    uid: 3002,
    category: 3,
};
/// Process Activity (System Activity): a program started, for example through sudo.
pub(crate) const PROCESS_ACTIVITY: Class = Class {
    uid: 1007,
    category: 1,
};
/// Network Activity: connections and packets, for example a firewall LOG line.
pub(crate) const NETWORK_ACTIVITY: Class = Class {
    uid: 4001,
    category: 4,
};
/// HTTP Activity: one request and its response, from a web server access log.
pub(crate) const HTTP_ACTIVITY: Class = Class {
    uid: 4002,
    category: 4,
};
/// Datastore Activity (Application Activity): database statements.
pub(crate) const DATASTORE_ACTIVITY: Class = Class {
    uid: 6005,
    category: 6,
};

/// Authentication activity: a logon.
pub(crate) const LOGON: i64 = 1;
/// Authentication activity: a logoff.
pub(crate) const LOGOFF: i64 = 2;
/// Process Activity activity: a launch.
pub(crate) const LAUNCH: i64 = 1;
/// Network Activity activity: a connection refused (dropped or rejected by a firewall).
pub(crate) const REFUSE: i64 = 5;
/// Network Activity activity: traffic seen.
pub(crate) const TRAFFIC: i64 = 6;
/// Datastore Activity activity: a query.
pub(crate) const QUERY: i64 = 4;
/// Any class: an activity the class has no name for.
pub(crate) const OTHER: i64 = 99;

/// OCSF `status_id`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Status {
    /// 1: the activity succeeded.
    Success,
    /// 2: the activity failed.
    Failure,
}

/// Writes `class_uid`, `category_uid`, `activity_id`, `type_uid` and, when known,
/// `status_id` (and `status` as text).
pub(crate) fn classify(event: &mut Event, class: Class, activity: i64, status: Option<Status>) {
    event.set(fields::CLASS_UID, Value::Int(class.uid));
    event.set(fields::CATEGORY_UID, Value::Int(class.category));
    event.set(fields::ACTIVITY_ID, Value::Int(activity));
    event.set(fields::TYPE_UID, Value::Int(class.uid * 100 + activity));
    if let Some(status) = status {
        let (id, name) = match status {
            Status::Success => (1, "Success"),
            Status::Failure => (2, "Failure"),
        };
        event.set(fields::STATUS_ID, Value::Int(id));
        event.set("status", name);
    }
}

/// Sets a text field unless the text is empty.
pub(crate) fn set_text(event: &mut Event, path: &'static str, text: &str) {
    if !text.is_empty() {
        event.set(path, text);
    }
}

/// Sets a numeric field from decimal text, or keeps the text when it is not a number.
pub(crate) fn set_number(event: &mut Event, path: &'static str, text: &str) {
    match text.parse::<i64>() {
        Ok(n) => event.set(path, Value::Int(n)),
        Err(_) => set_text(event, path, text),
    }
}
