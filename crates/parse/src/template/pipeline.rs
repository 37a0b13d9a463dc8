//! Pass one on several threads: worker threads take turns reading the next chunk of lines
//! (under a lock, so chunks keep their input order), then cut and mask it on their own; the
//! calling thread mines the prepared batches strictly in input order and hands each batch
//! back to its worker for reuse. When the next batch in order is not ready, the calling
//! thread reads and prepares one itself instead of waiting, so one worker per extra core
//! keeps every core busy without more threads than cores. Each thread owns a fixed number of
//! batches, which bounds the memory in flight.

use super::batch::{Batch, Cutter};
use super::chunks::LineChunks;
use super::offline::MinedLines;
use super::{HeaderFormat, TemplateMiner};
use std::io::{self, Read};
use std::sync::{mpsc, Mutex, PoisonError};

/// Bytes read per batch: small enough to stay in the cache between masking and mining.
const CHUNK_BYTES: usize = 128 * 1024;

/// Batches each worker owns.
const BATCHES_PER_WORKER: usize = 3;

/// The input shared by the workers.
struct Input<R> {
    chunks: LineChunks<R>,
    /// The position the next batch read gets.
    next_position: usize,
    /// The first read error; reading stops at it.
    failure: Option<io::Error>,
}

/// Mines every line of `source` into `mined`, reading, cutting and masking on `workers`
/// threads and on the calling thread between its turns to mine (none: all on the calling
/// thread). `progress` is told how many input bytes are done.
pub(super) fn mine_source<R: Read + Send>(
    source: R,
    format: Option<&HeaderFormat>,
    miner: &mut TemplateMiner,
    mined: &mut MinedLines,
    keep_contents: bool,
    workers: usize,
    progress: &mut impl FnMut(usize),
) -> io::Result<()> {
    let chunks = LineChunks::new(source, CHUNK_BYTES);
    let mut done = 0;
    let input = Mutex::new(Input {
        chunks,
        next_position: 0,
        failure: None,
    });
    let masks = miner.masks().to_vec();
    let (to_miner, prepared) = mpsc::channel::<Batch>();
    std::thread::scope(|scope| {
        let mut give_back = Vec::with_capacity(workers);
        for worker in 0..workers {
            let (back, free) = mpsc::channel::<Batch>();
            for _ in 0..BATCHES_PER_WORKER {
                // The receiver lives in the worker spawned just below: this cannot fail.
                let _ = back.send(Batch::for_worker(worker));
            }
            give_back.push(back);
            let (to_miner, input, mut cutter) =
                (to_miner.clone(), &input, Cutter::new(format, &masks));
            scope.spawn(move || {
                for mut batch in free {
                    if !read_next(input, &mut batch) {
                        return;
                    }
                    batch.prepare(&mut cutter);
                    if to_miner.send(batch).is_err() {
                        return;
                    }
                }
            });
        }
        drop(to_miner);
        // This thread's own batches (prepared while nothing is ready to mine), and batches
        // that arrived before their turn.
        let own = workers;
        let mut own_free: Vec<Batch> = (0..BATCHES_PER_WORKER)
            .map(|_| Batch::for_worker(own))
            .collect();
        let mut own_cutter = Cutter::new(format, &masks);
        let mut waiting: Vec<Batch> = Vec::new();
        let mut next = 0;
        let mut input_left = true;
        loop {
            waiting.extend(prepared.try_iter());
            while let Some(at) = waiting.iter().position(|b| b.position == next) {
                let batch = waiting.swap_remove(at);
                done += batch.mine(miner, mined, keep_contents);
                progress(done);
                next += 1;
                match give_back.get(batch.worker) {
                    // A worker that found the end of the input has stopped: the batch is dropped.
                    Some(back) => drop(back.send(batch)),
                    None => own_free.push(batch),
                }
                waiting.extend(prepared.try_iter());
            }
            // Nothing to mine yet: prepare the next batch here rather than wait for one.
            if input_left {
                if let Some(mut batch) = own_free.pop() {
                    input_left = read_next(&input, &mut batch);
                    if input_left {
                        batch.prepare(&mut own_cutter);
                        waiting.push(batch);
                    } else {
                        own_free.push(batch);
                    }
                    continue;
                }
            }
            match prepared.recv() {
                Ok(batch) => waiting.push(batch),
                // Every worker has stopped and all they sent is mined: positions are handed
                // out in order and every one read is prepared and mined, so none is missing.
                Err(_) => break,
            }
        }
    });
    let input = input.into_inner().unwrap_or_else(PoisonError::into_inner);
    input.failure.map_or(Ok(()), Err)
}

/// Reads the next chunk into `batch` and gives it its position; `false` at the end of the
/// input or after a read error (kept in `input` for the caller).
fn read_next<R: Read>(input: &Mutex<Input<R>>, batch: &mut Batch) -> bool {
    let mut input = input.lock().unwrap_or_else(PoisonError::into_inner);
    if input.failure.is_some() {
        return false;
    }
    match batch.read(&mut input.chunks) {
        Ok(true) => {
            batch.position = input.next_position;
            input.next_position += 1;
            true
        }
        Ok(false) => false,
        Err(error) => {
            input.failure = Some(error);
            false
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::template::offline::lines;
    use crate::template::MinerConfig;

    #[test]
    fn a_large_input_mined_on_worker_threads_gets_what_mining_line_by_line_gives() {
        let verbs = ["started", "stopped", "paused", "resumed", "failed"];
        let text: String = (0..120_000)
            .map(|i| {
                let verb = verbs[i % verbs.len()];
                format!(
                    "10:00:{:02} INFO c{}: worker {i} {verb} after {} ms\n",
                    i % 60,
                    i % 7,
                    i % 13
                )
            })
            .collect();
        let format = HeaderFormat::parse("<Time> <Level> <Component>: <Content>").unwrap();
        let mut one_by_one = TemplateMiner::new(MinerConfig::default());
        let mut at = format.locations();
        let expected: Vec<u32> = lines(&text)
            .map(|line| {
                let content = format.content(line, &mut at).unwrap();
                one_by_one.mine(content).unwrap().index
            })
            .collect();
        for workers in [0, 1, 3] {
            let mut miner = TemplateMiner::new(MinerConfig::default());
            let mut mined = MinedLines::default();
            let mut done = 0;
            mine_source(
                text.as_bytes(),
                Some(&format),
                &mut miner,
                &mut mined,
                false,
                workers,
                &mut |bytes| done = bytes,
            )
            .unwrap();
            assert_eq!(mined.templates, expected, "{workers} workers");
            assert_eq!(done, text.len());
            assert_eq!(miner.templates().count(), one_by_one.templates().count());
        }
    }
}
