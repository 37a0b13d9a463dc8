//! Pass one of offline mining in batches of whole lines: reading a batch ([`Batch::read`]),
//! cutting out each line's content and masking it ([`Batch::prepare`]) can run on other
//! threads than mining the masked lines in input order ([`Batch::mine`]).

use super::chunks::LineChunks;
use super::line::MaskedLines;
use super::mask_cache::MaskCache;
use super::offline::{lines, MinedLines, REFUSED};
use super::{CaptureLocations, HeaderFormat, TemplateMiner};
use regex::Regex;
use std::io::{self, Read};

/// Lines read, cut out and masked, ready for the miner.
#[derive(Default)]
pub(super) struct Batch {
    /// Where the batch stands in the input (0 for the first).
    pub(super) position: usize,
    /// Which worker prepared it (it goes back to that worker once mined).
    pub(super) worker: usize,
    /// The raw bytes as read, while they are not `text`.
    raw: Vec<u8>,
    /// The lines as text (invalid UTF-8 replaced), once prepared.
    text: String,
    /// How many bytes of the input the batch holds.
    input_bytes: usize,
    masked: MaskedLines,
    /// Per line, where its content is in `text`.
    contents: Vec<(usize, usize)>,
    /// The lines (counted from 0 in the batch) that did not match the header format.
    unmatched: Vec<usize>,
}

/// What cuts out and masks lines: the header format, room for its matches, the masks, and
/// how recent contents were masked.
pub(super) struct Cutter<'f> {
    format: Option<&'f HeaderFormat>,
    locations: Option<CaptureLocations>,
    masks: Vec<Regex>,
    cache: MaskCache,
}

impl<'f> Cutter<'f> {
    /// A cutter for `format` (none: the whole line is the content) and per-format `masks`.
    pub(super) fn new(format: Option<&'f HeaderFormat>, masks: &[Regex]) -> Self {
        Cutter {
            format,
            locations: format.map(HeaderFormat::locations),
            masks: masks.to_vec(),
            cache: MaskCache::default(),
        }
    }
}

impl Batch {
    /// An empty batch owned by `worker`.
    pub(super) fn for_worker(worker: usize) -> Self {
        Batch {
            worker,
            ..Batch::default()
        }
    }

    /// Reads the next run of whole lines into the batch; `false` at the end of the input.
    pub(super) fn read(&mut self, chunks: &mut LineChunks<impl Read>) -> io::Result<bool> {
        if self.raw.capacity() == 0 {
            // Take back the buffer the previous text was made from.
            self.raw = std::mem::take(&mut self.text).into_bytes();
        }
        let more = chunks.next_into(&mut self.raw)?;
        self.input_bytes = self.raw.len();
        Ok(more)
    }

    /// Turns the lines read into text (invalid UTF-8 sequences replaced: they never cross a
    /// line end, so each chunk converts as the whole input would), cuts each line's content
    /// out and masks it.
    pub(super) fn prepare(&mut self, cutter: &mut Cutter<'_>) {
        self.text = match String::from_utf8(std::mem::take(&mut self.raw)) {
            Ok(text) => text,
            Err(invalid) => {
                let text = String::from_utf8_lossy(invalid.as_bytes()).into_owned();
                self.raw = invalid.into_bytes();
                text
            }
        };
        self.masked.clear();
        self.contents.clear();
        self.unmatched.clear();
        let text = self.text.as_str();
        for (number, line) in lines(text).enumerate() {
            let content = match (cutter.format, &mut cutter.locations) {
                (Some(format), Some(at)) => format.content_of_line(line, at),
                _ => Some(line),
            };
            let content = content.unwrap_or_else(|| {
                self.unmatched.push(number);
                line
            });
            cutter.cache.push(&mut self.masked, &cutter.masks, content);
            let start = content.as_ptr() as usize - text.as_ptr() as usize;
            self.contents.push((start, start + content.len()));
        }
    }

    /// Mines the batch's lines in order, recording what they got in `mined`; `keep_contents`
    /// keeps each content (for the parameters). Returns how many input bytes the batch held.
    pub(super) fn mine(
        &self,
        miner: &mut TemplateMiner,
        mined: &mut MinedLines,
        keep_contents: bool,
    ) -> usize {
        let first_line = mined.templates.len();
        for (line, &(start, end)) in self.contents.iter().enumerate() {
            let content = self.text.get(start..end).unwrap_or_default();
            let mined_line = miner.mine_masked(self.masked.get(line), content);
            mined
                .templates
                .push(mined_line.map_or(REFUSED, |(index, _)| index));
            if keep_contents {
                mined.keep_content(content);
            }
        }
        mined
            .unmatched
            .extend(self.unmatched.iter().map(|line| first_line + line));
        self.input_bytes
    }
}
