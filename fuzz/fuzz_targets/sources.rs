//! The built-in source parsers (sshd, PAM, sudo, su, access and error logs, auditd,
//! netfilter, PostgreSQL, MySQL), each forced on the same input, and the audit record joiner
//! over the results: never panic, always keep the input.
#![no_main]

#[path = "common.rs"]
mod common;

use libfuzzer_sys::fuzz_target;
use palisade_core::PayloadFormat;
use palisade_parse::{AuditJoiner, SourceType};

fuzz_target!(|data: &[u8]| {
    let mut joiner = AuditJoiner::default();
    for (_, source) in SourceType::ALL {
        let event = common::check_as(PayloadFormat::Line, data, *source);
        drop(joiner.push(event));
    }
    drop(joiner.finish());
});
