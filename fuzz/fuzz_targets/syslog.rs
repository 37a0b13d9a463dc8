//! Syslog (RFC 5424 / RFC 3164) and plain lines: never panic, always keep the input.
#![no_main]

#[path = "common.rs"]
mod common;

use libfuzzer_sys::fuzz_target;
use palisade_core::PayloadFormat;

fuzz_target!(|data: &[u8]| {
    common::check(PayloadFormat::Syslog, data);
    common::check(PayloadFormat::Line, data);
});
