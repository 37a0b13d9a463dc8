//! Advisories are untrusted input: reading them never panics, and whatever reads can be
//! indexed and matched against any version without panicking either.

use palisade_vuln::osv::{advisories_from_json, advisories_from_yaml, AdvisoryIndex, Ecosystem};
use proptest::prelude::*;

const ECOSYSTEMS: [&str; 6] = [
    "crates.io",
    "PyPI",
    "npm",
    "Debian:12",
    "Ubuntu:22.04:LTS",
    "Go",
];

/// A JSON advisory with random events, versions and ecosystem.
fn advisory() -> impl Strategy<Value = String> {
    let event = (
        "(introduced|fixed|last_affected|limit|bogus)",
        "[0-9a-z.~:+*-]{0,8}",
    )
        .prop_map(|(kind, version)| format!(r#"{{"{kind}":"{version}"}}"#));
    let range = (
        "(SEMVER|ECOSYSTEM|GIT|OTHER)",
        proptest::collection::vec(event, 0..6),
    )
        .prop_map(|(kind, events)| {
            format!(r#"{{"type":"{kind}","events":[{}]}}"#, events.join(","))
        });
    (
        0..ECOSYSTEMS.len(),
        proptest::collection::vec(range, 0..3),
        proptest::collection::vec("[0-9a-z.~:+-]{0,6}", 0..4),
        any::<bool>(),
    )
        .prop_map(|(eco, ranges, versions, withdrawn)| {
            let versions: Vec<String> = versions.iter().map(|v| format!("\"{v}\"")).collect();
            format!(
                r#"{{"id":"X-1",{}"affected":[{{"package":{{"ecosystem":"{}","name":"p"}},"ranges":[{}],"versions":[{}]}}]}}"#,
                if withdrawn { r#""withdrawn":"2024-01-01T00:00:00Z","# } else { "" },
                ECOSYSTEMS[eco],
                ranges.join(","),
                versions.join(",")
            )
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(1000))]

    #[test]
    fn reading_arbitrary_text_never_panics(text in "\\PC{0,300}") {
        let _ = advisories_from_json(&text);
        let _ = advisories_from_yaml(&text);
    }

    #[test]
    fn indexing_and_matching_random_advisories_never_panics(
        doc in advisory(),
        version in "[0-9a-z.~:+-]{0,8}",
    ) {
        if let Ok(advisories) = advisories_from_json(&doc) {
            let index = AdvisoryIndex::new(advisories);
            for eco in ECOSYSTEMS {
                if let Some(eco) = Ecosystem::parse(eco) {
                    for found in index.matches(&eco, "p", &version) {
                        prop_assert_eq!(&found.advisory.id, "X-1");
                        prop_assert!(found.advisory.withdrawn.is_none());
                    }
                }
            }
        }
    }
}

#[test]
fn deeply_nested_documents_are_refused_not_overflowing_the_stack() {
    let deep = format!("{}{}", "[".repeat(200_000), "]".repeat(200_000));
    assert!(advisories_from_json(&deep).is_err());
    let err = advisories_from_yaml(&deep).expect_err("too deep");
    assert!(err.0.contains("not valid YAML"), "{err}");
}
