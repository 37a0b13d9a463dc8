//! Hostile inventory input never panics: every reader either reads it or says why not.

use palisade_vuln::{
    inventory::{parse_dpkg_status, LockfileKind},
    osv::Ecosystem,
};
use proptest::prelude::*;

const KINDS: [LockfileKind; 4] = [
    LockfileKind::CargoLock,
    LockfileKind::NpmLock,
    LockfileKind::Requirements,
    LockfileKind::PoetryLock,
];

/// Text that looks like the formats (so the parsers get past their first checks).
fn structured() -> impl Strategy<Value = String> {
    prop_oneof![
        "(\\[\\[package\\]\\]\nname = \"[a-z]{0,3}\"\nversion = \"[0-9.]{0,4}\"\n(source = \"[a-z+:/.]{0,12}\"\n)?){0,4}",
        "\\{\"lockfileVersion\":[0-9],\"(packages|dependencies)\":\\{(\"[a-z/_@]{0,20}\":\\{\"version\":\"[a-z0-9.:]{0,5}\"(,\"link\":true)?\\},?){0,4}\\}\\}",
        "([a-zA-Z_.\\[\\]-]{0,6} ?(==|===|>=|~=|@)? ?[0-9a-z.*]{0,5}( ;[a-z ='<>]{0,8})?( #.{0,5})?\\\\?\n){0,6}",
        "(Package: [a-z]{0,4}\nStatus: (install|hold|deinstall) (ok|reinstreq) [a-z-]{0,12}\n(Source: [a-z]{0,4}( \\([0-9.:~-]{0,6}\\)?)?\n)?Version: [0-9.:~+-]{0,8}\n\n?){0,4}",
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(1500))]

    #[test]
    fn readers_never_panic_on_arbitrary_text(text in "\\PC{0,200}") {
        for kind in KINDS {
            let _ = kind.parse(&text, "f");
        }
        let _ = parse_dpkg_status(&text, "status", &Ecosystem::Debian(None));
    }

    #[test]
    fn readers_never_panic_on_near_miss_structures(text in structured()) {
        for kind in KINDS {
            if let Ok(inventory) = kind.parse(&text, "f") {
                prop_assert!(inventory.packages.iter().all(|p| !p.name.is_empty() || kind == LockfileKind::Requirements));
            }
        }
        let inventory = parse_dpkg_status(&text, "status", &Ecosystem::Debian(None));
        prop_assert!(inventory.packages.iter().all(|p| !p.binaries.is_empty()));
    }
}
