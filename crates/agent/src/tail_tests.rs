use super::*;
use std::io::Write;

fn append(path: &Path, text: &str) {
    let mut f = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
        .unwrap();
    f.write_all(text.as_bytes()).unwrap();
}

fn poll(t: &mut Tailer) -> Vec<String> {
    let mut out = Vec::new();
    while t.poll(1 << 20, &mut out).unwrap() {}
    out
}

#[test]
fn partial_line_waits_for_its_newline() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("app.log");
    let mut t = Tailer::new(path.clone(), None);
    assert!(poll(&mut t).is_empty(), "absent file yields nothing");
    append(&path, "one\ntw");
    assert_eq!(poll(&mut t), ["one"]);
    append(&path, "o\r\nthree\n");
    assert_eq!(poll(&mut t), ["two", "three"]);
    assert!(poll(&mut t).is_empty());
}

#[test]
fn rename_rotation_reads_old_tail_then_new_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("app.log");
    append(&path, "a\n");
    let mut t = Tailer::new(path.clone(), None);
    assert_eq!(poll(&mut t), ["a"]);
    append(&path, "b\nunterminated");
    std::fs::rename(&path, dir.path().join("app.log.1")).unwrap();
    append(&path, "c\n");
    assert_eq!(poll(&mut t), ["b", "unterminated", "c"]);
    assert!(poll(&mut t).is_empty());
}

#[test]
fn truncation_restarts_at_the_beginning() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("app.log");
    append(&path, "first line\nsecond line\n");
    let mut t = Tailer::new(path.clone(), None);
    assert_eq!(poll(&mut t).len(), 2);
    std::fs::write(&path, "x\n").unwrap();
    assert_eq!(poll(&mut t), ["x"]);
}

#[test]
fn resumes_at_saved_position_even_after_rotation_while_stopped() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("app.log");
    append(&path, "a\n");
    let mut t = Tailer::new(path.clone(), None);
    assert_eq!(poll(&mut t), ["a"]);
    let saved = t.position();
    append(&path, "b\n");
    let mut again = Tailer::new(path.clone(), saved);
    assert_eq!(poll(&mut again), ["b"], "same file: resume");
    let saved = again.position();
    append(&path, "c\n");
    std::fs::rename(&path, dir.path().join("app.log.1")).unwrap();
    append(&path, "d\n");
    let mut third = Tailer::new(path, saved);
    assert_eq!(poll(&mut third), ["c", "d"], "rotated while stopped");
}

#[test]
fn an_endless_line_is_shipped_in_pieces() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("big.log");
    append(&path, &"x".repeat(MAX_LINE + 10));
    let mut t = Tailer::new(path, None);
    let lines = poll(&mut t);
    assert_eq!(lines.len(), 1);
    assert_eq!(lines[0].len(), MAX_LINE);
}
