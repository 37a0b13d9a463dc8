//! Parser chains over hostile input: one chain with every step kind (kv, csv, regex, grok,
//! json, rename, convert, timestamp, set, remove, ocsf, drop, route) applied to whatever the
//! built-in parsers made of the bytes: never panic, and the raw input is kept.
#![no_main]

#[path = "common.rs"]
mod common;

use libfuzzer_sys::fuzz_target;
use palisade_core::PayloadFormat;
use palisade_parse::ParserChains;
use std::sync::OnceLock;

const CHAINS: &str = r#"
[[parsers]]
name = "all-steps"
steps = [
  { type = "kv", field = "raw_data", prefix = "kv." },
  { type = "csv", field = "raw_data", separator = ";", columns = ["a", "b", "c"] },
  { type = "regex", field = "raw_data", pattern = '(?P<word>\w+)=(?P<num__value>\d+)' },
  { type = "grok", field = "raw_data", pattern = "%{IP:ip} %{WORD:verb} %{NUMBER:n:float} %{GREEDYDATA:rest}" },
  { type = "json", field = "raw_data", prefix = "j." },
  { type = "rename", from = "a", to = "renamed" },
  { type = "convert", field = "b", to = "int" },
  { type = "convert", field = "c", to = "bool" },
  { type = "timestamp", field = "kv.ts", format = "rfc3339" },
  { type = "timestamp", field = "kv.epoch", format = "epoch" },
  { type = "timestamp", field = "kv.clf", format = "clf" },
  { type = "set", field = "tag", value = "x" },
  { type = "remove", fields = ["kv.secret"] },
  { type = "ocsf", class = "authentication", activity = "logon" },
  { type = "route", to = "last", when = "verb:GET" },
  { type = "drop", when = "kv.drop:yes" },
]

[[parsers]]
name = "last"
sources = ["nowhere"]
steps = [{ type = "set", field = "routed", value = true }]
"#;

fn chains() -> &'static ParserChains {
    static CHAINS_ONCE: OnceLock<ParserChains> = OnceLock::new();
    CHAINS_ONCE.get_or_init(|| {
        #[derive(serde::Deserialize)]
        struct File {
            parsers: Vec<toml::Table>,
        }
        let file: File = toml::from_str(CHAINS).expect("fuzz chain config parses");
        ParserChains::from_config(&file.parsers).expect("fuzz chains compile")
    })
}

fuzz_target!(|data: &[u8]| {
    let mut event = common::check(PayloadFormat::Line, data);
    chains().apply("fuzz", &mut event);
    let raw = event.get_str("raw_data").expect("raw_data survives the chains");
    assert_eq!(raw, String::from_utf8_lossy(data));
});
