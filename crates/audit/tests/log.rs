//! The log as a server uses it: concurrent appends, reopening, crash remains, and refusing
//! to write when the disk cannot take the record.

mod common;

use palisade_audit::{scan::RECORDS_FILE, AuditError, AuditLog, AuditOptions, RecordQuery};
use palisade_core::IdentitySealer;
use std::{path::Path, sync::Arc};

fn open(dir: &Path) -> Result<AuditLog, AuditError> {
    AuditLog::open(dir, &IdentitySealer, AuditOptions::default())
}

#[test]
fn concurrent_appends_get_distinct_indexes_and_survive_reopening() {
    let dir = tempfile::tempdir().unwrap();
    let log = Arc::new(open(dir.path()).unwrap());
    let threads: Vec<_> = (0..8)
        .map(|t| {
            let log = log.clone();
            std::thread::spawn(move || {
                (0..50)
                    .map(|i| log.append_blocking(common::event(t * 100 + i)).unwrap())
                    .collect::<Vec<u64>>()
            })
        })
        .collect();
    let mut indexes: Vec<u64> = threads
        .into_iter()
        .flat_map(|t| t.join().unwrap())
        .collect();
    indexes.sort_unstable();
    assert_eq!(indexes, (0..400).collect::<Vec<u64>>());
    let root = log.root(400).unwrap();
    drop(log);
    let again = open(dir.path()).unwrap();
    assert_eq!(again.tree_head().tree_size, 400);
    assert_eq!(again.root(400).unwrap(), root);
    let report = palisade_audit::verify_dir(dir.path(), None).unwrap();
    assert_eq!((report.records, report.signed_size), (400, 400));
}

#[test]
fn records_are_read_back_by_time() {
    let dir = tempfile::tempdir().unwrap();
    let log = open(dir.path()).unwrap();
    for i in 0..20 {
        log.append_blocking(common::event(i)).unwrap();
    }
    let base = common::event(0).time_ms;
    let query = |from_ms, to_ms, first_index, limit| RecordQuery {
        from_ms,
        to_ms,
        first_index,
        limit,
    };
    let page = log.records(query(base + 5, base + 15, 0, 100)).unwrap();
    let indexes: Vec<u64> = page.records.iter().map(|r| r.index).collect();
    assert_eq!(indexes, (5..15).collect::<Vec<_>>());
    assert_eq!(page.next_index, None);
    let page = log.records(query(base, base + 20, 0, 3)).unwrap();
    assert_eq!(page.records.len(), 3);
    assert_eq!(page.next_index, Some(3));
    let page = log.records(query(base, base + 20, 18, 3)).unwrap();
    let indexes: Vec<u64> = page.records.iter().map(|r| r.index).collect();
    assert_eq!((indexes, page.next_index), (vec![18, 19], None));
}

#[test]
fn a_record_torn_by_a_crash_is_dropped_but_a_truncated_log_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let log = open(dir.path()).unwrap();
    for i in 0..3 {
        log.append_blocking(common::event(i)).unwrap();
    }
    drop(log);
    let path = dir.path().join(RECORDS_FILE);
    let full = std::fs::read(&path).unwrap();
    // Half a record appended by a crash: dropped on open, the next index is reused.
    let mut torn = full.clone();
    torn.extend_from_slice(&full[8..40]);
    std::fs::write(&path, &torn).unwrap();
    let log = open(dir.path()).unwrap();
    assert_eq!(log.append_blocking(common::event(3)).unwrap(), 3);
    drop(log);
    // A record cut off under a signed head: refused, naming the head.
    let now = std::fs::read(&path).unwrap();
    std::fs::write(&path, &now[..now.len() - 10]).unwrap();
    let err = open(dir.path())
        .err()
        .expect("a truncated trail must not open");
    assert!(err.to_string().contains("tree head on line"), "{err}");
    assert_eq!(
        std::fs::read(&path).unwrap().len(),
        now.len() - 10,
        "the evidence is left as found"
    );
}

#[test]
fn a_record_being_written_is_noted_by_verify_unless_a_head_covers_it() {
    let dir = tempfile::tempdir().unwrap();
    let log = open(dir.path()).unwrap();
    for i in 0..3 {
        log.append_blocking(common::event(i)).unwrap();
    }
    drop(log);
    let path = dir.path().join(RECORDS_FILE);
    let complete = std::fs::read(&path).unwrap();
    let mut writing = complete.clone();
    writing.extend_from_slice(&complete[8..30]);
    std::fs::write(&path, &writing).unwrap();
    let report = palisade_audit::verify_dir(dir.path(), None).unwrap();
    assert_eq!(report.records, 3);
    assert_eq!(report.incomplete_tail, Some(complete.len() as u64));
    // The same bytes short of the end of a signed record are a failure naming it.
    std::fs::write(&path, &complete[..complete.len() - 4]).unwrap();
    let err = palisade_audit::verify_dir(dir.path(), None).unwrap_err();
    assert!(err.to_string().starts_with("record 2 "), "{err}");
}

#[test]
fn a_log_shortened_while_open_refuses_further_records() {
    let dir = tempfile::tempdir().unwrap();
    let log = open(dir.path()).unwrap();
    for i in 0..3 {
        log.append_blocking(common::event(i)).unwrap();
    }
    let path = dir.path().join(RECORDS_FILE);
    std::fs::OpenOptions::new()
        .write(true)
        .open(&path)
        .unwrap()
        .set_len(records_end(&path) - 5)
        .unwrap();
    let err = log.append_blocking(common::event(3)).unwrap_err();
    assert!(err.to_string().contains("truncated"), "{err}");
}

#[test]
fn a_full_disk_refuses_the_record_and_recovers_when_space_returns() {
    let dir = tempfile::tempdir().unwrap();
    let mount = dir.path().join("audit");
    std::fs::create_dir(&mount).unwrap();
    let mounted = std::process::Command::new("mount")
        .args(["-t", "tmpfs", "-o", "size=64k", "tmpfs"])
        .arg(&mount)
        .status()
        .is_ok_and(|s| s.success());
    if !mounted {
        eprintln!("skipping: cannot mount a tmpfs here (needs root or CAP_SYS_ADMIN)");
        return;
    }
    let unmount = Unmount(mount.clone());
    let log = open(&mount).unwrap();
    log.append_blocking(common::event(0)).unwrap();
    let filler = mount.join("filler");
    let _ = std::fs::write(&filler, vec![0u8; 128 * 1024]);
    // Records still fit in the file's last page; the first one that needs a new page fails.
    let mut written = 1;
    let err = loop {
        match log.append_blocking(common::event(written)) {
            Ok(_) if written < 100 => written += 1,
            Ok(_) => panic!("100 records written to a full disk"),
            Err(e) => break e,
        }
    };
    assert!(err.to_string().contains("No space left"), "{err}");
    assert!(log.append_blocking(common::event(written)).is_err());
    std::fs::remove_file(&filler).unwrap();
    assert_eq!(
        log.append_blocking(common::event(written)).unwrap(),
        written
    );
    drop(log);
    let report = palisade_audit::verify_dir(&mount, None).unwrap();
    assert_eq!(report.records, written + 1);
    drop(unmount);
}

/// Unmounts the test's tmpfs however the test ends.
struct Unmount(std::path::PathBuf);

impl Drop for Unmount {
    fn drop(&mut self) {
        let _ = std::process::Command::new("umount").arg(&self.0).status();
    }
}

/// The trail in `dir`, open, holding records 0, 1 and 2.
fn open_with_three_records(dir: &Path) -> AuditLog {
    let log = open(dir).unwrap();
    for i in 0..3 {
        log.append_blocking(common::event(i)).unwrap();
    }
    log
}

/// Where the records of the file at `path` end.
fn records_end(path: &Path) -> u64 {
    palisade_audit::scan::scan(path, None, |_, _, _| std::ops::ControlFlow::Continue(()))
        .unwrap()
        .end_offset
}

#[test]
fn an_open_trail_keeps_zeros_after_its_records_and_a_closed_one_ends_with_its_last_record() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(RECORDS_FILE);
    let log = open_with_three_records(dir.path());
    let bytes = std::fs::read(&path).unwrap();
    let end = records_end(&path) as usize;
    assert!(
        bytes.len() > end && bytes.len() >= 1 << 20,
        "{} bytes",
        bytes.len()
    );
    assert!(bytes[end..].iter().all(|&b| b == 0));
    // Appends overwrite the zeros; the file does not grow while they fit.
    log.append_blocking(common::event(3)).unwrap();
    assert_eq!(std::fs::metadata(&path).unwrap().len(), bytes.len() as u64);
    assert!(records_end(&path) > end as u64);
    drop(log);
    assert_eq!(std::fs::metadata(&path).unwrap().len(), records_end(&path));
    let report = palisade_audit::verify_dir(dir.path(), None).unwrap();
    assert_eq!((report.records, report.signed_size), (4, 4));
}

#[test]
fn a_crash_while_writing_into_the_zeros_drops_the_unfinished_record() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(RECORDS_FILE);
    let log = open_with_three_records(dir.path());
    // The file as a kill -9 would leave it: records, then zeros, into which the next batch
    // got only its first bytes (here: the first record's frame, cut short).
    let mut crashed = std::fs::read(&path).unwrap();
    let end = records_end(&path) as usize;
    let first: Vec<u8> = crashed[8..60].to_vec();
    crashed[end..end + first.len()].copy_from_slice(&first);
    drop(log);
    std::fs::write(&path, &crashed).unwrap();

    let report = palisade_audit::verify_dir(dir.path(), None).unwrap();
    assert_eq!(report.records, 3);
    assert_eq!(report.incomplete_tail, Some(end as u64));
    let log = open(dir.path()).unwrap();
    assert_eq!(log.append_blocking(common::event(3)).unwrap(), 3);
    drop(log);
    let report = palisade_audit::verify_dir(dir.path(), None).unwrap();
    assert_eq!((report.records, report.incomplete_tail), (4, None));
}
