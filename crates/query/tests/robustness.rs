//! No input, however malformed, makes the parser, evaluator or aggregator panic.

use palisade_core::{Event, TenantId};
use palisade_query::{parse, Aggregator};
use proptest::prelude::*;

/// Text built mostly from the language's own syntax, so the parser's deep paths are reached.
fn syntax_soup() -> impl Strategy<Value = String> {
    let pieces = prop_oneof![
        Just("("),
        Just(")"),
        Just("\""),
        Just("\\"),
        Just(":"),
        Just("*"),
        Just("-"),
        Just("!"),
        Just("<"),
        Just(">="),
        Just("|"),
        Just(","),
        Just(" "),
        Just("AND"),
        Just("or"),
        Just("NOT"),
        Just("host"),
        Just("x"),
        Just("4"),
        Just("="),
        Just("stats"),
        Just("timechart"),
        Just("count()"),
        Just("by"),
        Just("span="),
        Just("1h"),
        Just("é"),
        Just("."),
        Just("::"),
        Just("\u{0}"),
    ];
    proptest::collection::vec(pieces, 0..40).prop_map(|p| p.concat())
}

fn sample_event() -> Event {
    let mut e = Event::new(1, TenantId::default(), 1_700_000_000_123);
    e.set("message", "Failed password for admin from 10.1.2.3 port 22");
    e.set("raw_data", "<38>sshd[1]: Failed password x=4 é");
    e.set("device.hostname", "web01");
    e.set("x", 4i64);
    e.set("host", true);
    e
}

fn exercise(text: &str) {
    let event = sample_event();
    match parse(text) {
        Ok(query) => {
            let _ = query.filter.matches(&event);
            let _ = query.filter.index_terms();
            let _ = query.filter.fields();
            if let Some(pipe) = query.pipe {
                let mut aggregator = Aggregator::new(pipe);
                aggregator.add(&event);
                let _ = aggregator.finish();
            }
        }
        Err(e) => assert!(text.is_char_boundary(e.position), "{text:?}: {e}"),
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(3000))]

    #[test]
    fn arbitrary_unicode_never_panics(text in any::<String>()) {
        exercise(&text);
    }

    #[test]
    fn syntax_heavy_input_never_panics(text in syntax_soup()) {
        exercise(&text);
    }

    #[test]
    fn arbitrary_bytes_as_lossy_text_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..64)) {
        exercise(&String::from_utf8_lossy(&bytes));
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(3000))]

    /// The evaluator's substring search agrees with a naive lowercase `contains`.
    #[test]
    fn phrase_search_agrees_with_a_naive_search(
        haystack in "[aAbBzZ .=]{0,24}",
        needle in "[aAbBzZ .=]{1,5}",
    ) {
        let mut e = Event::new(1, TenantId::default(), 0);
        e.set("message", haystack.as_str());
        let expr = palisade_query::Expr::Text(palisade_query::TextMatch::Phrase(needle.clone()));
        let naive = haystack.to_ascii_lowercase().contains(&needle.to_ascii_lowercase());
        prop_assert_eq!(expr.matches(&e), naive);
    }
}
