//! Field paths that JSON events get as constants instead of new strings: the attributes of
//! the OCSF events Palisade writes itself (key operations, audit calls) and those most OCSF
//! sources fill. A constant path costs no allocation per event, and detection reuses an
//! event's field bindings for the next event whose paths are the same constants.

use rustc_hash::FxHashSet;
use std::sync::LazyLock;

/// The paths, each once (array members under index 0 only).
const KNOWN: &[&str] = &[
    // Classification, outcome and time.
    "activity_id",
    "activity_name",
    "category_uid",
    "category_name",
    "class_uid",
    "class_name",
    "type_uid",
    "type_name",
    "severity_id",
    "severity",
    "status_id",
    "status",
    "status_code",
    "status_detail",
    "message",
    "time",
    "start_time",
    "end_time",
    "duration",
    "count",
    // Who.
    "actor.user.name",
    "actor.user.type",
    "actor.user.uid",
    "actor.user.domain",
    "actor.process.name",
    "actor.process.pid",
    "actor.session.uid",
    "user.name",
    "user.uid",
    "user.domain",
    // API and HTTP.
    "api.operation",
    "api.service.name",
    "api.request.uid",
    "api.response.code",
    "http_request.http_method",
    "http_request.url.path",
    "http_request.url.hostname",
    "http_request.user_agent",
    "http_response.code",
    // Where.
    "src_endpoint.ip",
    "src_endpoint.port",
    "src_endpoint.hostname",
    "dst_endpoint.ip",
    "dst_endpoint.port",
    "dst_endpoint.hostname",
    "device.hostname",
    "device.ip",
    "device.name",
    "device.os.name",
    "connection_info.protocol_name",
    "connection_info.direction",
    "traffic.bytes_in",
    "traffic.bytes_out",
    // Processes, authentication, findings.
    "process.name",
    "process.pid",
    "process.cmd_line",
    "process.file.path",
    "process.user.name",
    "process.parent_process.name",
    "process.parent_process.pid",
    "auth_protocol",
    "logon_type",
    "is_mfa",
    "finding_info.title",
    "finding_info.uid",
    "finding_info.desc",
    "resources.0.type",
    "resources.0.name",
    "resources.0.uid",
    "resources.0.version",
    // Metadata.
    "metadata.product.name",
    "metadata.product.vendor_name",
    "metadata.product.version",
    "metadata.product.feature.name",
    "metadata.log_name",
    "metadata.event_code",
    "metadata.sequence",
    "metadata.version",
    "metadata.uid",
    "metadata.original_time",
];

/// `path` as a constant when it is one of the known paths.
pub(super) fn known(path: &str) -> Option<&'static str> {
    static SET: LazyLock<FxHashSet<&'static str>> =
        LazyLock::new(|| KNOWN.iter().copied().collect());
    SET.get(path).copied()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_known_path_is_itself_as_a_constant_and_others_are_not_known() {
        for path in KNOWN {
            assert_eq!(known(path), Some(*path));
        }
        assert_eq!(KNOWN.iter().collect::<FxHashSet<_>>().len(), KNOWN.len());
        for path in ["", "actor", "actor.user.nam", "resources.1.name", "Message"] {
            assert_eq!(known(path), None, "{path}");
        }
    }
}
