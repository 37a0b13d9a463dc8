//! Loading arbitrary text as rules never panics, whatever the input.

use palisade_core::{Event, TenantId};
use palisade_detect::{Engine, EngineOptions, Placeholders, RuleSet};
use proptest::prelude::*;

const KEYS: &[&str] = &[
    "sel",
    "condition",
    "A|contains",
    "A|re",
    "B|base64offset|contains",
    "A|cidr",
    "A|windash|contains",
    "A|expand",
    "A|fieldref",
    "1 of sel*",
    "not",
    "(",
    ")",
    "A|lt",
    "A|hour",
    "all of them",
];

proptest! {
    #[test]
    fn arbitrary_text_never_panics(text in ".{0,400}") {
        let mut set = RuleSet::new(Placeholders::new());
        set.load_str("fuzz.yml", &text);
        let _ = Engine::new(&set, &EngineOptions::default());
    }

    #[test]
    fn rule_shaped_text_never_panics(parts in proptest::collection::vec((0..KEYS.len(), ".{0,12}"), 0..12)) {
        let mut body = String::from("title: t\nlogsource:\n  product: test\ndetection:\n");
        for (key, value) in parts {
            body.push_str(&format!("  {}: '{}'\n", KEYS[key], value.replace('\'', "")));
        }
        let mut set = RuleSet::new(Placeholders::new());
        set.load_str("fuzz.yml", &body);
        if let Ok(engine) = Engine::new(&set, &EngineOptions::default()) {
            let mut event = Event::new(1, TenantId::default(), 0);
            event.set("A", "10.0.0.1 -x");
            let _ = engine.matches(&event);
        }
    }
}
