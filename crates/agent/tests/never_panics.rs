//! Untrusted bytes never panic the agent: presented tokens (from any HTTP client), buffered
//! batch files and saved positions (from a disk that may be damaged), tailed file contents.

use palisade_agent::{buffer::DiskBuffer, positions::Positions, registry::Registry, tail::Tailer};
use palisade_state::StateStore;
use proptest::prelude::*;
use std::sync::Arc;

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn presented_tokens_never_panic(token in "(paa|pae)?_?[0-9a-f_]{0,40}\\PC{0,20}") {
        let dir = tempfile::tempdir().unwrap();
        let store = Arc::new(StateStore::open(&dir.path().join("s.db")).unwrap());
        let registry = Registry::open(store).unwrap();
        prop_assert!(registry.authenticate(&token).is_none());
        prop_assert!(registry.enrol(&token, "host").is_err());
    }

    #[test]
    fn damaged_state_files_are_errors_not_panics(bytes in proptest::collection::vec(any::<u8>(), 0..300)) {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("buffer")).unwrap();
        std::fs::write(dir.path().join("buffer").join(format!("{:020}.batch", 7)), &bytes).unwrap();
        std::fs::write(dir.path().join("positions.json"), &bytes).unwrap();
        let buffer = DiskBuffer::open(dir.path()).unwrap();
        let _ = buffer.read(7);
        let _ = Positions::load(dir.path());
    }

    #[test]
    fn any_file_content_is_read_as_lines(bytes in proptest::collection::vec(any::<u8>(), 0..2000)) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("x.log");
        std::fs::write(&path, &bytes).unwrap();
        let mut tailer = Tailer::new(path, None);
        let mut lines = Vec::new();
        while tailer.poll(64, &mut lines).unwrap() {}
        let complete = bytes.iter().rposition(|b| *b == b'\n').map_or(0, |i| i + 1) as u64;
        prop_assert_eq!(tailer.position().unwrap().offset, complete);
    }
}
