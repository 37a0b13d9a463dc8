//! Palisade's storage: the write-ahead log, sealed columnar segments, search and retention.
//!
//! # Data flow and the exactly-once rule
//! Collectors append raw records to the [`Wal`] and acknowledge once the append resolves (the
//! bytes are written and fsync'ed; concurrent appends share one fsync). The WAL's writer
//! thread then hands every durable batch, in seq order, to the pipeline, which parses it into
//! [`palisade_core::Event`]s whose id is the record's seq and [`EventStore::insert`]s them
//! (searchable at once). The memtable does not keep the events themselves: each is encoded
//! on insert into its partition's open block (the same columns and index terms a segment
//! block holds, uncompressed), a few hundred bytes per event; a full block gets its bloom
//! filter at once, and a flush only compresses, seals and writes the blocks. [`EventStore::flush`] writes them to segments and only then advances
//! the checkpoint; the WAL is truncated through [`EventStore::committed_seq`]. At startup the
//! WAL replays everything above the checkpoint. Because a segment counts only once the
//! checkpoint covers it, and replay starts exactly after the checkpoint, a `kill -9` at any
//! instant leaves every acknowledged event searchable exactly once after restart.
//!
//! # On-disk layout
//! * `<wal dir>/<first seq>.wal`: frames of `len | crc32 | first_seq | records` (one per
//!   appended batch); a torn or corrupt tail is cut on open.
//! * `<dir>/CHECKPOINT`: the committed seq, replaced atomically (tmp, fsync, rename, fsync dir),
//!   and the tenants held back below it (see below).
//! * `<dir>/tenants/<tenant>/<YYYY-MM-DD>/<flush seq>.seg`: a partition is one tenant's UTC
//!   day of event time. One flush writes one segment per partition it touches, named by the
//!   flush's seq (its largest event id); only after all are durable does CHECKPOINT move. On
//!   open, segments above the checkpoint and `*.tmp` files are removed (an interrupted flush),
//!   so the replayed events are stored once.
//!
//! # A tenant whose key cannot seal
//! A flush writes tenant by tenant. When the sealer refuses a tenant's blocks (its storage key
//! is disabled, destroyed, or the key service is sealed) only that tenant is held back: its
//! segments of that flush are removed, its events stay in memory (searchable) and in the WAL,
//! and every flush retries them ([`EventStore::held_tenants`]). The other tenants' segments
//! count: the checkpoint moves past them and lists each held tenant with its first unwritten
//! seq; the WAL is truncated only through [`EventStore::replay_after`], and a restart replays
//! just the records [`EventStore::needs_replay`] selects: the held tenants' and the newer ones.
//!
//! # Segments
//! A segment is a run of blocks (up to `storage.block_events` events, in id order) and a
//! CRC-checked footer holding each block's row count, min/max time, min/max id and the
//! location, CRC, sealing key and size of each section. A block's sections are its bloom
//! filter (~1% false positives) over the ASCII-lowercased index terms (tokens and runs of
//! minor parts, `palisade_core::tokenize::for_each_index_term`) of `message` and
//! `raw_data` and over `field \0 lowercased whole value` of every field; its time and id
//! columns (delta varints); and one column per field path present (type-tagged cells, nulls
//! cost one byte). Every column is zstd-compressed separately and every section is sealed
//! through the [`palisade_core::Sealer`] with the section's location as associated data, so
//! a query reads and opens only the columns it needs. Any damage is a [`StoreError`] naming
//! the file, never a panic.
//!
//! # Search
//! A search takes the blocks overlapping the time range and cursor, those of the memtable
//! (whose open blocks have no bloom filter yet and are always read) and of segments, visits
//! blocks newest first, skips those whose bloom filter rules out a clause of the filter's
//! index terms, evaluates the filter on the few columns it reads, keeps the top `limit` by
//! (time desc, id desc), and stops once no remaining block can beat the current top. Only
//! the returned rows are read in full. Aggregations visit every match but read only the
//! filter's and the pipe's columns. Retention deletes whole partitions, by age or by a
//! tenant's size limit.

mod bloom;
mod codec;
mod column;
mod encoded_column;
mod error;
mod fsutil;
mod seen_tokens;
mod segment;
mod store;
mod wal;

pub use error::StoreError;
pub use store::{
    Cursor, EventStore, HeldTenant, RetentionReport, RowVisit, ScanStats, SearchPage,
    SearchRequest, StoreStats, TenantStats, VisitReport,
};
pub use wal::{DurableBatch, Wal};
