//! Template miner and Loghub header formats: never panic, every line gets a template whose
//! token count is the line's, whatever the bytes; offline mining (chunked reading, worker
//! threads, the masking cache) gives every line the template mining it line by line gives.
#![no_main]

use libfuzzer_sys::fuzz_target;
use palisade_parse::template::{
    offline, CaptureLocations, HeaderFormat, MinerConfig, TemplateMiner,
};

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let mut lines = text.split('\n');
    // The first line is tried as a header format; the rest are mined (with the format when
    // it compiles), with a small tree so that full nodes and merges are reached quickly.
    let format = lines.next().and_then(|f| HeaderFormat::parse(f).ok());
    let mut locations = format.as_ref().map(HeaderFormat::locations);
    let config = MinerConfig {
        prefix_depth: 2,
        max_children: 3,
        max_templates: 64,
        ..MinerConfig::default()
    };
    let mut miner = TemplateMiner::new(config.clone());
    for line in lines {
        let content = content_of(line, format.as_ref(), &mut locations);
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
    offline_mining_agrees(&text, format.as_ref(), config);
});

/// Mines the lines after the first with `offline::mine` and checks each line's template id in
/// its JSON output against mining the same lines one by one.
fn offline_mining_agrees(text: &str, format: Option<&HeaderFormat>, config: MinerConfig) {
    let rest = text.split_once('\n').map_or("", |(_, rest)| rest);
    let mut reference = TemplateMiner::new(config.clone());
    let mut locations = format.map(HeaderFormat::locations);
    let indices: Vec<u32> = offline::lines(rest)
        .filter_map(|line| {
            let content = content_of(line, format, &mut locations);
            reference.mine(content).map(|mined| mined.index)
        })
        .collect();
    let expected: Vec<String> = indices
        .iter()
        .map(|&index| reference.id_of(index).to_string())
        .collect();
    let mut miner = TemplateMiner::new(config);
    let mined = offline::mine(rest.as_bytes(), format, &mut miner, false, |_| {})
        .expect("reading from memory cannot fail");
    let mut json = Vec::new();
    mined
        .write_json(&miner, &mut json)
        .expect("writing to memory cannot fail");
    let json = String::from_utf8(json).expect("the output is UTF-8");
    let got: Vec<String> = json
        .lines()
        .map(|line| {
            let id = line.split_once("\"template_id\":\"").expect("an id").1;
            id.split('"').next().unwrap_or_default().to_owned()
        })
        .collect();
    assert_eq!(got, expected);
}

/// What the miner sees of a line: its `<Content>` when the format matches, else the whole line.
fn content_of<'l>(
    line: &'l str,
    format: Option<&HeaderFormat>,
    locations: &mut Option<CaptureLocations>,
) -> &'l str {
    match (format, locations) {
        (Some(format), Some(at)) => format.content(line, at).unwrap_or(line),
        _ => line,
    }
}
