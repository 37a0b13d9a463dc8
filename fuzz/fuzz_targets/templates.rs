//! Template miner and Loghub header formats: never panic, every line gets a template whose
//! token count is the line's, whatever the bytes.
#![no_main]

use libfuzzer_sys::fuzz_target;
use palisade_parse::template::{HeaderFormat, MinerConfig, TemplateMiner};

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let mut lines = text.split('\n');
    // The first line is tried as a header format; the rest are mined (with the format when
    // it compiles), with a small tree so that full nodes and merges are reached quickly.
    let format = lines.next().and_then(|f| HeaderFormat::parse(f).ok());
    let mut locations = format.as_ref().map(HeaderFormat::locations);
    let mut miner = TemplateMiner::new(MinerConfig {
        prefix_depth: 2,
        max_children: 3,
        max_templates: 64,
        ..MinerConfig::default()
    });
    for line in lines {
        let content = match (&format, &mut locations) {
            (Some(format), Some(at)) => format.content(line, at).unwrap_or(line),
            _ => line,
        };
        let tokens = content.split_ascii_whitespace().count();
        if let Some(mined) = miner.mine(content) {
            assert_eq!(mined.template.tokens().count(), tokens);
            let template = mined.template.clone();
            let _ = miner.parameters(&template, content);
        }
    }
    for template in miner.templates() {
        assert!(template.count() > 0);
    }
});
