//! Pass one of offline mining in batches of lines: cutting out the content and masking it
//! ([`Batch::fill`]) is one step, mining the masked lines ([`Batch::mine`]) another, so the two
//! can run on two threads with batches handed from one to the other ([`mine_on_two_threads`]).

use super::line::MaskedLines;
use super::offline::{lines, MinedLines, REFUSED};
use super::{CaptureLocations, HeaderFormat, TemplateMiner};
use regex::Regex;
use std::sync::mpsc;

/// Lines per batch.
const BATCH_LINES: usize = 1024;

/// Filled batches on their way to the miner, at most.
const BATCHES_IN_FLIGHT: usize = 4;

/// Lines with their content cut out and masked, ready for the miner.
#[derive(Default)]
pub(super) struct Batch {
    masked: MaskedLines,
    /// Per line, where its content is in the text.
    contents: Vec<(usize, usize)>,
    /// The lines (numbered from 0 in the whole text) that did not match the header format.
    unmatched: Vec<usize>,
}

/// What cuts out and masks lines: the header format, room for its matches, the masks.
pub(super) struct Cutter<'f> {
    format: Option<&'f HeaderFormat>,
    locations: Option<CaptureLocations>,
    masks: Vec<Regex>,
}

impl<'f> Cutter<'f> {
    /// A cutter for `format` (none: the whole line is the content) and the miner's masks.
    pub(super) fn new(format: Option<&'f HeaderFormat>, miner: &TemplateMiner) -> Self {
        Cutter {
            format,
            locations: format.map(HeaderFormat::locations),
            masks: miner.masks().to_vec(),
        }
    }
}

impl Batch {
    /// Refills the batch with up to [`BATCH_LINES`] lines (numbered from 0) of `text`;
    /// returns whether there was any.
    pub(super) fn fill<'t>(
        &mut self,
        text: &'t str,
        lines: &mut impl Iterator<Item = (usize, &'t str)>,
        cutter: &mut Cutter<'_>,
    ) -> bool {
        self.masked.clear();
        self.contents.clear();
        self.unmatched.clear();
        for (number, line) in lines.take(BATCH_LINES) {
            let content = match (cutter.format, &mut cutter.locations) {
                (Some(format), Some(at)) => format.content(line, at),
                _ => Some(line),
            };
            let content = content.unwrap_or_else(|| {
                self.unmatched.push(number);
                line
            });
            self.masked.push(&cutter.masks, content);
            let start = content.as_ptr() as usize - text.as_ptr() as usize;
            self.contents.push((start, start + content.len()));
        }
        self.masked.len() > 0
    }

    /// Mines the batch's lines in order, recording what they got in `mined`; `keep_contents`
    /// keeps where each content is (for the parameters). Returns how far into the text the
    /// batch reached.
    pub(super) fn mine(
        &self,
        text: &str,
        miner: &mut TemplateMiner,
        mined: &mut MinedLines,
        keep_contents: bool,
    ) -> usize {
        for (line, &(start, end)) in self.contents.iter().enumerate() {
            let content = text.get(start..end).unwrap_or_default();
            let mined_line = miner.mine_masked(self.masked.get(line), content);
            mined
                .templates
                .push(mined_line.map_or(REFUSED, |(index, _)| index));
        }
        mined.unmatched.extend_from_slice(&self.unmatched);
        if keep_contents {
            mined.contents.extend_from_slice(&self.contents);
        }
        self.contents.last().map_or(0, |&(_, end)| end)
    }
}

/// Pass one with cutting and masking on a second thread, a few batches ahead of the miner.
pub(super) fn mine_on_two_threads(
    text: &str,
    mut cutter: Cutter<'_>,
    miner: &mut TemplateMiner,
    mined: &mut MinedLines,
    keep_contents: bool,
    progress: &mut impl FnMut(usize),
) {
    let (to_miner, filled) = mpsc::sync_channel::<Batch>(BATCHES_IN_FLIGHT);
    let (to_cutter, emptied) = mpsc::channel::<Batch>();
    std::thread::scope(|scope| {
        scope.spawn(move || {
            let mut numbered = lines(text).enumerate();
            loop {
                let mut batch = emptied.try_recv().unwrap_or_default();
                // A send fails only when the miner's side has stopped: nothing left to do.
                if !batch.fill(text, &mut numbered, &mut cutter) || to_miner.send(batch).is_err() {
                    return;
                }
            }
        });
        for batch in filled {
            progress(batch.mine(text, miner, mined, keep_contents));
            // The cutter may have finished already: the batch is simply dropped then.
            let _ = to_cutter.send(batch);
        }
    });
}
