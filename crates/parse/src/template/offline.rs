//! Offline mining of a whole input, as `palisade templates mine` runs it.
//!
//! Pass one ([`mine`]) reads the input in chunks of whole lines, cuts each line's `<Content>`
//! out with the header format, masks it and mines it, keeping only the template index per
//! line; reading, cutting and masking run on worker threads, and on the calling thread
//! between its turns to mine ([`super::pipeline`]). Pass two ([`MinedLines::write_json`]) writes one JSON object per
//! line with the template that index resolves to at the end, so lines mined before a merge
//! get the merged template's id. Each final template's JSON text
//! (`"template_id":…,"template":…`) is escaped once and copied for every line it takes.

use super::pipeline;
use super::{HeaderFormat, TemplateMiner};
use std::io::{self, Read, Write};

/// The index recorded for a line the miner refused (its template limit was reached).
pub(super) const REFUSED: u32 = u32::MAX;

/// Output is handed to the writer in chunks of about this many bytes.
const OUTPUT_CHUNK: usize = 1 << 20;

/// The most threads reading, cutting and masking lines, the mining one included.
const MAX_THREADS: usize = 4;

/// What pass one learnt about every line of the input.
#[derive(Default)]
pub struct MinedLines {
    /// Per line, the template index it was given (or [`REFUSED`]).
    pub(super) templates: Vec<u32>,
    /// The lines (counted from 0) that did not match the header format, in order.
    pub(super) unmatched: Vec<usize>,
    /// Every line's content back to back (kept only when parameters are wanted).
    kept: String,
    /// Per line, where its content is in `kept`.
    contents: Vec<(usize, usize)>,
}

/// The lines of a text, split at `\n` and without the `\r`s that end them; a `\n` that ends
/// the text does not start one more, empty line.
pub fn lines(text: &str) -> impl Iterator<Item = &str> {
    let mut rest = text;
    std::iter::from_fn(move || {
        if rest.is_empty() {
            return None;
        }
        let (line, next) = match memchr::memchr(b'\n', rest.as_bytes()) {
            Some(end) => (&rest[..end], &rest[end + 1..]),
            None => (rest, ""),
        };
        rest = next;
        Some(line.trim_end_matches('\r'))
    })
}

/// Pass one: mines every line's content (the whole line when there is no format, or when the
/// line does not match it) read from `source`, split into lines as [`lines`] splits a text
/// (invalid UTF-8 replaced). `keep_contents` keeps each content, for the parameters;
/// `progress` is told now and then how many bytes of the input are done. With two cores or
/// more, reading, cutting and masking also run on worker threads while this thread mines.
pub fn mine(
    source: impl Read + Send,
    format: Option<&HeaderFormat>,
    miner: &mut TemplateMiner,
    keep_contents: bool,
    mut progress: impl FnMut(usize),
) -> io::Result<MinedLines> {
    let mut mined = MinedLines::default();
    let cores = std::thread::available_parallelism().map_or(1, usize::from);
    // The calling thread prepares batches too, between its turns to mine.
    let workers = cores.min(MAX_THREADS) - 1;
    pipeline::mine_source(
        source,
        format,
        miner,
        &mut mined,
        keep_contents,
        workers,
        &mut progress,
    )?;
    Ok(mined)
}

impl MinedLines {
    /// How many lines the text had.
    pub fn lines(&self) -> usize {
        self.templates.len()
    }

    /// How many lines did not match the header format, and the first of them (from 1).
    pub fn unmatched(&self) -> (usize, Option<usize>) {
        (self.unmatched.len(), self.unmatched.first().map(|n| n + 1))
    }

    /// Keeps a line's content (for the parameters), in line order.
    pub(super) fn keep_content(&mut self, content: &str) {
        let start = self.kept.len();
        self.kept.push_str(content);
        self.contents.push((start, self.kept.len()));
    }

    /// Pass two: writes `{"line":n,"template_id":"…","template":"…"}` and a newline for every
    /// line the miner took, with `"params":[…]` when they were kept in pass one and
    /// `"unmatched":true` for a line that did not match the header format. `miner` must be
    /// the one pass one used.
    pub fn write_json(&self, miner: &TemplateMiner, out: &mut impl Write) -> io::Result<()> {
        let fragments = Fragments::new(miner);
        let mut buffer = Vec::with_capacity(OUTPUT_CHUNK + 4096);
        let mut number = LineNumber::default();
        let mut unmatched = self.unmatched.iter().peekable();
        for (line, &index) in self.templates.iter().enumerate() {
            number.advance();
            let is_unmatched = unmatched.next_if_eq(&&line).is_some();
            let Some(fragment) = fragments.get(index) else {
                continue;
            };
            buffer.extend_from_slice(b"{\"line\":");
            buffer.extend_from_slice(number.digits());
            buffer.extend_from_slice(fragment);
            if let Some(&(start, end)) = self.contents.get(line) {
                let content = self.kept.get(start..end).unwrap_or_default();
                write_params(&mut buffer, miner, index, content)?;
            }
            buffer.extend_from_slice(if is_unmatched {
                b",\"unmatched\":true}\n"
            } else {
                b"}\n"
            });
            if buffer.len() >= OUTPUT_CHUNK {
                out.write_all(&buffer)?;
                buffer.clear();
            }
        }
        out.write_all(&buffer)
    }
}

/// Appends `,"params":[…]`: the content's tokens at the template's variable positions.
fn write_params(
    buffer: &mut Vec<u8>,
    miner: &TemplateMiner,
    index: u32,
    content: &str,
) -> io::Result<()> {
    let params = miner.parameters(miner.resolve(index), content);
    buffer.extend_from_slice(b",\"params\":[");
    for (i, param) in params.iter().enumerate() {
        if i > 0 {
            buffer.push(b',');
        }
        serde_json::to_writer(&mut *buffer, param.as_ref())?;
    }
    buffer.push(b']');
    Ok(())
}

/// Every template index's final template as JSON object members, escaped once:
/// `,"template_id":"…","template":"…"`.
struct Fragments {
    /// The fragments of the live templates, back to back.
    bytes: Vec<u8>,
    /// Per template index, where its final template's fragment is in `bytes`.
    spans: Vec<(usize, usize)>,
}

impl Fragments {
    fn new(miner: &TemplateMiner) -> Self {
        let count = miner.template_slots();
        let mut bytes = Vec::new();
        let mut own_span = vec![None; count];
        let mut spans = Vec::with_capacity(count);
        for index in 0..count as u32 {
            let live = miner.live_index(index);
            let span = *own_span[live as usize].get_or_insert_with(|| {
                let template = miner.resolve(live);
                let start = bytes.len();
                bytes.extend_from_slice(b",\"template_id\":\"");
                bytes.extend_from_slice(template.id().to_string().as_bytes());
                bytes.extend_from_slice(b"\",\"template\":");
                // Writing JSON text into a Vec cannot fail.
                let _ = serde_json::to_writer(&mut bytes, template.text());
                (start, bytes.len())
            });
            spans.push(span);
        }
        Fragments { bytes, spans }
    }

    /// The fragment for a template index (`None` for a refused line).
    fn get(&self, index: u32) -> Option<&[u8]> {
        let &(start, end) = self.spans.get(index as usize)?;
        self.bytes.get(start..end)
    }
}

/// A line number kept as decimal digits and counted up in place (no formatting per line).
struct LineNumber {
    /// Right-aligned digits; room for any `u64`.
    digits: [u8; 20],
    /// Where the number starts in `digits`.
    start: usize,
}

impl Default for LineNumber {
    /// Zero, so the first [`LineNumber::advance`] makes it line 1.
    fn default() -> Self {
        LineNumber {
            digits: [b'0'; 20],
            start: 19,
        }
    }
}

impl LineNumber {
    /// Adds one.
    fn advance(&mut self) {
        for at in (0..self.digits.len()).rev() {
            if self.digits[at] == b'9' {
                self.digits[at] = b'0';
            } else {
                self.digits[at] += 1;
                self.start = self.start.min(at);
                return;
            }
        }
    }

    /// The number in decimal.
    fn digits(&self) -> &[u8] {
        &self.digits[self.start..]
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::template::MinerConfig;

    #[test]
    fn line_numbers_count_in_decimal() {
        let mut number = LineNumber::default();
        let mut seen = Vec::new();
        for _ in 0..1001 {
            number.advance();
            seen.push(String::from_utf8(number.digits().to_vec()).unwrap());
        }
        assert_eq!(seen[0], "1");
        assert_eq!(seen[8..11], ["9", "10", "11"]);
        assert_eq!(seen[98..101], ["99", "100", "101"]);
        assert_eq!(seen[1000], "1001");
    }

    #[test]
    fn lines_split_at_newlines_and_drop_carriage_returns() {
        let got: Vec<&str> = lines("a\r\n\nb\r\r\nc").collect();
        assert_eq!(got, ["a", "", "b", "c"]);
        assert_eq!(lines("a\n").count(), 1);
        assert_eq!(lines("").count(), 0);
    }

    fn run_bytes(text: &[u8]) -> Vec<serde_json::Value> {
        mine_to_json(text, None, false)
    }

    fn run(text: &str, format: Option<&str>, params: bool) -> Vec<serde_json::Value> {
        let format = format.map(|f| HeaderFormat::parse(f).unwrap());
        mine_to_json(text.as_bytes(), format.as_ref(), params)
    }

    fn mine_to_json(
        text: &[u8],
        format: Option<&HeaderFormat>,
        params: bool,
    ) -> Vec<serde_json::Value> {
        let mut miner = TemplateMiner::new(MinerConfig::default());
        let mined = mine(text, format, &mut miner, params, |_| {}).unwrap();
        let mut out = Vec::new();
        mined.write_json(&miner, &mut out).unwrap();
        String::from_utf8(out)
            .unwrap()
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect()
    }

    #[test]
    fn every_line_gets_its_final_template_and_unmatched_lines_are_marked() {
        let text = "x: user logged in as root\nx: user logged in as alice\nno header \"here\"\n\
                    x: user logged in as bob\n";
        let got = run(text, Some("<Tag>: <Content>"), false);
        assert_eq!(got.len(), 4);
        assert_eq!(got[0]["line"], 1);
        assert_eq!(got[3]["line"], 4);
        // The third user made the position variable: the first two lines resolve to it too.
        for line in [0, 1, 3] {
            assert_eq!(got[line]["template"], "user logged in as <*>");
            assert_eq!(got[line]["template_id"], got[0]["template_id"]);
            assert!(got[line].get("unmatched").is_none());
        }
        assert_eq!(got[2]["template"], "no header \"here\"");
        assert_eq!(got[2]["unmatched"], true);
        assert!(got[0].get("params").is_none());
    }

    #[test]
    fn a_read_error_is_reported() {
        struct Failing;
        impl Read for Failing {
            fn read(&mut self, _: &mut [u8]) -> io::Result<usize> {
                Err(io::Error::other("disk on fire"))
            }
        }
        let mut miner = TemplateMiner::new(MinerConfig::default());
        let error = mine(Failing, None, &mut miner, false, |_| {})
            .err()
            .unwrap();
        assert_eq!(error.to_string(), "disk on fire");
    }

    #[test]
    fn invalid_utf8_is_replaced_line_by_line() {
        let got = run_bytes(b"caf\xe9 open\ncaf\xc3\xa9 open\n");
        assert_eq!(got[0]["template"], "caf\u{fffd} open");
        assert_eq!(got[1]["template"], "caf\u{e9} open");
    }

    #[test]
    fn parameters_are_written_when_kept() {
        let got = run("disk 1 at 90%\ndisk 2 at 95%\n", None, true);
        assert_eq!(got[0]["params"], serde_json::json!(["1", "90%"]));
        assert_eq!(got[1]["params"], serde_json::json!(["2", "95%"]));
    }
}
