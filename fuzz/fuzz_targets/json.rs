//! JSON payloads (OCSF, generic, Windows events): never panic, always keep the input.
#![no_main]

#[path = "common.rs"]
mod common;

use libfuzzer_sys::fuzz_target;
use palisade_core::PayloadFormat;

fuzz_target!(|data: &[u8]| {
    common::check(PayloadFormat::Json, data);
});
