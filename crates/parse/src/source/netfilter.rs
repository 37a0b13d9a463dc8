//! Linux netfilter `LOG` target lines (iptables and nftables, as the kernel writes them):
//! `[123.456] PREFIX IN=eth0 OUT= SRC=1.2.3.4 DST=10.0.0.1 ... PROTO=TCP SPT=4444 DPT=22`.

use super::{
    kv,
    ocsf::{self, Status, NETWORK_ACTIVITY, REFUSE, TRAFFIC},
};
use palisade_core::Event;

/// True when `message` looks like a netfilter LOG line (cheap check before parsing).
pub(crate) fn looks_like(message: &str) -> bool {
    message.contains("IN=") && message.contains(" SRC=") && message.contains(" DST=")
}

/// Maps one netfilter LOG line; false when it is not one.
pub(crate) fn parse(message: &str, event: &mut Event) -> bool {
    let Some(at) = message.find("IN=") else {
        return false;
    };
    let mut prefix = message[..at].trim();
    // The kernel's uptime stamp, when the line came from dmesg or kern.log.
    if let Some(after) = prefix.strip_prefix('[') {
        prefix = after
            .split_once(']')
            .map_or(prefix, |(_, rest)| rest.trim());
    }
    let mut seen_addresses = false;
    for pair in kv::pairs(&message[at..]) {
        let path = match pair.key {
            "IN" => "src_endpoint.interface_name",
            "OUT" => "dst_endpoint.interface_name",
            "SRC" => {
                seen_addresses = true;
                "src_endpoint.ip"
            }
            "DST" => "dst_endpoint.ip",
            "SPT" => "src_endpoint.port",
            "DPT" => "dst_endpoint.port",
            "PROTO" => "connection_info.protocol_name",
            "MAC" => "unmapped.netfilter.mac",
            "LEN" => "unmapped.netfilter.len",
            "TTL" => "unmapped.netfilter.ttl",
            _ => continue,
        };
        match pair.key {
            "SPT" | "DPT" | "LEN" | "TTL" => ocsf::set_number(event, path, pair.value),
            "PROTO" => ocsf::set_text(event, path, &pair.value.to_ascii_lowercase()),
            _ => ocsf::set_text(event, path, pair.value),
        }
    }
    if !seen_addresses {
        return false;
    }
    ocsf::set_text(event, "firewall_rule.name", prefix.trim_end_matches(':'));
    let upper = prefix.to_ascii_uppercase();
    let refused = ["DROP", "REJECT", "DENY", "BLOCK"]
        .iter()
        .any(|word| upper.contains(word));
    if refused {
        ocsf::classify(event, NETWORK_ACTIVITY, REFUSE, Some(Status::Failure));
    } else {
        ocsf::classify(event, NETWORK_ACTIVITY, TRAFFIC, None);
    }
    true
}
