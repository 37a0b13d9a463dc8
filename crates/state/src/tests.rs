use super::*;

const NOTES: &[&str] = &[
    "CREATE TABLE notes (id INTEGER PRIMARY KEY, text TEXT NOT NULL)",
    "ALTER TABLE notes ADD COLUMN author TEXT",
];

fn count(store: &StateStore) -> i64 {
    store
        .with(|c| c.query_row("SELECT count(*) FROM notes", [], |r| r.get(0)))
        .unwrap()
}

#[test]
fn migrations_apply_once_and_survive_reopening() {
    let dir = tempfile::tempdir().unwrap();
    let path = state_path(dir.path());
    {
        let store = StateStore::open(&path).unwrap();
        store.migrate("notes", &NOTES[..1]).unwrap();
        store
            .with(|c| c.execute("INSERT INTO notes (text) VALUES ('first')", []))
            .unwrap();
    }
    let store = StateStore::open(&path).unwrap();
    // The first migration is not run again (it would fail: the table exists); the second is.
    store.migrate("notes", NOTES).unwrap();
    store
        .with(|c| {
            c.execute(
                "INSERT INTO notes (text, author) VALUES ('second', 'ann')",
                [],
            )
        })
        .unwrap();
    assert_eq!(count(&store), 2);
    store.migrate("notes", NOTES).unwrap();
    assert_eq!(count(&store), 2);
}

#[test]
fn a_failing_migration_applies_nothing_and_names_itself() {
    let dir = tempfile::tempdir().unwrap();
    let store = StateStore::open(&state_path(dir.path())).unwrap();
    let broken = [
        NOTES[0],
        "ALTER TABLE notes ADD COLUMN author TEXT; THIS IS NOT SQL",
    ];
    let err = store.migrate("notes", &broken).unwrap_err().to_string();
    assert!(err.contains("migration 2 of notes"), "{err}");
    // The column from the failed migration's first statement was rolled back with it.
    let columns: i64 = store
        .with(|c| {
            c.query_row(
                "SELECT count(*) FROM pragma_table_info('notes') WHERE name = 'author'",
                [],
                |r| r.get(0),
            )
        })
        .unwrap();
    assert_eq!(columns, 0);
    store.migrate("notes", NOTES).unwrap();
}

#[test]
fn components_keep_separate_versions() {
    let dir = tempfile::tempdir().unwrap();
    let store = StateStore::open(&state_path(dir.path())).unwrap();
    store.migrate("notes", NOTES).unwrap();
    store
        .migrate("tags", &["CREATE TABLE tags (name TEXT PRIMARY KEY)"])
        .unwrap();
    let versions: Vec<(String, i64)> = store
        .with(|c| {
            let mut stmt =
                c.prepare("SELECT component, version FROM schema_migrations ORDER BY component")?;
            let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?;
            rows.collect()
        })
        .unwrap();
    assert_eq!(versions, [("notes".into(), 2), ("tags".into(), 1)]);
}

#[test]
fn an_unwritable_location_is_a_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("not-a-dir");
    std::fs::write(&file, b"x").unwrap();
    let err = StateStore::open(&file.join("state.db"))
        .err()
        .unwrap()
        .to_string();
    assert!(err.contains("not-a-dir"), "{err}");
}

#[test]
fn the_generation_moves_with_every_write_and_with_another_connections_commit() {
    let dir = tempfile::tempdir().unwrap();
    let path = state_path(dir.path());
    let store = StateStore::open(&path).unwrap();
    store.migrate("notes", NOTES).unwrap();
    let start = store.generation();
    assert_eq!(count(&store), 0);
    assert_eq!(store.generation(), start, "a read is not a change");
    store
        .with(|c| c.execute("INSERT INTO notes (text) VALUES ('a')", []))
        .unwrap();
    let written = store.generation();
    assert!(written > start);
    // A write by another connection: seen at once by a caller holding the connection ...
    let other = rusqlite::Connection::open(&path).unwrap();
    other
        .execute("INSERT INTO notes (text) VALUES ('b')", [])
        .unwrap();
    let seen = store.with(|c| Ok(store.generation_exact(c))).unwrap();
    assert!(seen > written);
    // ... and by everyone once the check interval has passed.
    other
        .execute("INSERT INTO notes (text) VALUES ('c')", [])
        .unwrap();
    std::thread::sleep(OTHER_WRITERS_CHECK + Duration::from_millis(5));
    assert!(store.generation() > seen);
}
