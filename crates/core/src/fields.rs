//! Well-known field paths of the canonical event and the short aliases users may type.
//!
//! The mapping of the six descriptors of a security event onto these paths is written down
//! in `docs/event-model.md`.

/// OCSF class of the event (`0`: base event, when nothing more specific is known).
pub const CLASS_UID: &str = "class_uid";
/// OCSF category of the class.
pub const CATEGORY_UID: &str = "category_uid";
/// OCSF activity within the class.
pub const ACTIVITY_ID: &str = "activity_id";
/// `class_uid * 100 + activity_id`.
pub const TYPE_UID: &str = "type_uid";
/// OCSF severity: 0 unknown, 1 informational, 2 low, 3 medium, 4 high, 5 critical, 6 fatal.
pub const SEVERITY_ID: &str = "severity_id";
/// OCSF status: 0 unknown, 1 success, 2 failure, 99 other.
pub const STATUS_ID: &str = "status_id";
/// The human-readable message.
pub const MESSAGE: &str = "message";
/// The input exactly as received (lossy UTF-8 when the input was not UTF-8).
pub const RAW_DATA: &str = "raw_data";
/// Base64 of the exact input bytes, present only when they were not valid UTF-8.
pub const RAW_DATA_BASE64: &str = "raw_data_base64";
/// `true` when no parser understood the input; the event is kept all the same.
pub const UNPARSED: &str = "unparsed";
/// Host name of the device that reported the event.
pub const DEVICE_HOSTNAME: &str = "device.hostname";
/// Network address of the device that reported the event (the sender's address).
pub const DEVICE_IP: &str = "device.ip";
/// The application or product that wrote the log line (syslog APP-NAME / TAG).
pub const PRODUCT_NAME: &str = "metadata.product.name";
/// The source the event arrived through (`syslog-udp`, `syslog-tcp`, `syslog-tls`, `http`, `file`).
pub const LOG_NAME: &str = "metadata.log_name";
/// The format the input was read as (`rfc5424`, `rfc3164`, `json`, `line`).
pub const LOG_FORMAT: &str = "metadata.log_format";
/// The parser that produced the event.
pub const PARSER: &str = "metadata.parser";
/// When Palisade received the input, epoch milliseconds.
pub const LOGGED_TIME: &str = "metadata.logged_time";

/// Short names accepted in queries, with the canonical path each stands for.
pub const ALIASES: &[(&str, &str)] = &[
    ("host", DEVICE_HOSTNAME),
    ("hostname", DEVICE_HOSTNAME),
    ("app", PRODUCT_NAME),
    ("source", LOG_NAME),
    ("severity", SEVERITY_ID),
    ("msg", MESSAGE),
    ("raw", RAW_DATA),
];

/// True when the index keeps the whole value of `path` as a term (so `path:value` can skip
/// blocks). Free text (`message`, `raw_data`, `raw_data_base64`) is indexed by its tokens
/// instead, and values that look typed (numbers, `true`, `false`) are left out: they are
/// searched by comparison, and their unique values (times, ids, sequence numbers) would only
/// fill the filters. The store and the query language both follow this one rule.
pub fn field_value_is_indexed(path: &str, value: &str) -> bool {
    !matches!(path, MESSAGE | RAW_DATA | RAW_DATA_BASE64)
        && !value.eq_ignore_ascii_case("true")
        && !value.eq_ignore_ascii_case("false")
        && value.parse::<f64>().is_err()
}

/// The canonical path for a field name as a user typed it (aliases resolved).
pub fn canonical(name: &str) -> &str {
    ALIASES
        .iter()
        .find(|(alias, _)| *alias == name)
        .map(|(_, path)| *path)
        .unwrap_or(name)
}

#[cfg(test)]
mod tests {
    #[test]
    fn only_untyped_values_of_structured_fields_are_indexed_whole() {
        assert!(super::field_value_is_indexed("device.hostname", "web01"));
        assert!(!super::field_value_is_indexed("device.hostname", "42"));
        assert!(!super::field_value_is_indexed("unparsed", "TRUE"));
        assert!(!super::field_value_is_indexed("message", "disk full"));
    }

    #[test]
    fn aliases_resolve_and_others_pass_through() {
        assert_eq!(super::canonical("host"), "device.hostname");
        assert_eq!(super::canonical("src_endpoint.ip"), "src_endpoint.ip");
    }
}
