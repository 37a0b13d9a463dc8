//! One template: its stable id, its tokens, how many lines it has taken and an example.

use super::line::Tokens;
use super::mask::WILDCARD;
use std::fmt;

/// A template's identifier: fixed when the template is created and kept for its whole life,
/// however far the template generalises afterwards. It is a 64-bit FNV-1a hash of the first
/// line's masked tokens, so the same input in the same order gets the same ids in every run
/// and on every machine; a collision with an existing id is resolved by rehashing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct TemplateId(pub u64);

impl fmt::Display for TemplateId {
    /// Sixteen lowercase hexadecimal digits.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:016x}", self.0)
    }
}

impl std::str::FromStr for TemplateId {
    type Err = std::num::ParseIntError;

    /// Reads the sixteen hexadecimal digits [`TemplateId`]'s `Display` writes.
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        u64::from_str_radix(text, 16).map(TemplateId)
    }
}

/// The hash a template's id starts from: FNV-1a over its tokens, each followed by a space.
pub(super) fn id_hash(tokens: Tokens<'_>) -> u64 {
    const OFFSET: u64 = 0xcbf2_9ce4_8422_2325;
    const PRIME: u64 = 0x0000_0100_0000_01b3;
    let mut hash = OFFSET;
    for token in tokens.iter() {
        for &b in token.as_bytes().iter().chain(b" ") {
            hash = (hash ^ u64::from(b)).wrapping_mul(PRIME);
        }
    }
    hash
}

/// A mined template.
#[derive(Debug, Clone)]
pub struct Template {
    id: TemplateId,
    tokens: Vec<Box<str>>,
    text: String,
    count: u64,
    example: String,
}

/// The longest example kept per template, in bytes.
const MAX_EXAMPLE: usize = 1024;

impl Template {
    /// A template made from one masked line; `example` is that line's content.
    pub(super) fn new(id: TemplateId, tokens: Tokens<'_>, example: &str) -> Self {
        let mut cut = example.len().min(MAX_EXAMPLE);
        while !example.is_char_boundary(cut) {
            cut -= 1;
        }
        Template {
            id,
            tokens: tokens.iter().map(Box::from).collect(),
            text: tokens.text().to_owned(),
            count: 1,
            example: example[..cut].to_owned(),
        }
    }

    /// The stable id.
    pub fn id(&self) -> TemplateId {
        self.id
    }

    /// The template text: tokens joined by one space, variable parts shown as `<*>`.
    pub fn text(&self) -> &str {
        &self.text
    }

    /// The template's tokens.
    pub fn tokens(&self) -> impl Iterator<Item = &str> {
        self.tokens.iter().map(|t| &**t)
    }

    /// How many lines the template has taken.
    pub fn count(&self) -> u64 {
        self.count
    }

    /// The content of the line that created the template (at most 1 KiB).
    pub fn example(&self) -> &str {
        &self.example
    }

    /// How a masked line of the same length compares with the template.
    pub(super) fn compare(&self, tokens: Tokens<'_>) -> Comparison {
        let mut out = Comparison {
            share: 1.0,
            wildcards: 0,
            word_conflicts: 0,
            conflict_at: 0,
        };
        if self.tokens.is_empty() {
            return out;
        }
        let mut equal = 0usize;
        for (at, (mine, theirs)) in self.tokens.iter().zip(tokens.iter()).enumerate() {
            if &**mine == theirs {
                equal += 1;
            } else if &**mine == WILDCARD {
                out.wildcards += 1;
            } else if is_word(mine) && is_word(theirs) {
                out.word_conflicts += 1;
                out.conflict_at = at;
            }
        }
        out.share = equal as f64 / self.tokens.len() as f64;
        out
    }

    /// Makes a position variable (when its words turned out to vary).
    pub(super) fn make_variable(&mut self, at: usize) {
        if let Some(token) = self.tokens.get_mut(at) {
            *token = Box::from(WILDCARD);
            self.render();
        }
    }

    /// Takes the lines another template had taken: positions where they differ become `<*>`.
    pub(super) fn take_over(&mut self, other: &Template) {
        self.absorb(other.tokens());
        self.count += other.count - 1;
    }

    /// Takes one more line that equals the template.
    pub(super) fn count_line(&mut self) {
        self.count += 1;
    }

    /// Takes one more line: positions where it differs become `<*>`.
    /// Returns whether the template changed.
    pub(super) fn absorb<'t>(&mut self, tokens: impl Iterator<Item = &'t str>) -> bool {
        self.count += 1;
        let mut changed = false;
        for (mine, theirs) in self.tokens.iter_mut().zip(tokens) {
            if &**mine != theirs && &**mine != WILDCARD {
                *mine = Box::from(WILDCARD);
                changed = true;
            }
        }
        if changed {
            self.render();
        }
        changed
    }

    fn render(&mut self) {
        self.text.clear();
        for (i, token) in self.tokens.iter().enumerate() {
            if i > 0 {
                self.text.push(' ');
            }
            self.text.push_str(token);
        }
    }
}

/// How a line compares with a template (Drain's similarity, and word conflicts).
#[derive(Debug, Clone, Copy)]
pub(super) struct Comparison {
    /// Share of positions where the two tokens are equal (a `<*>` in both counts as equal).
    pub share: f64,
    /// Template positions already variable that the line does not fill with `<*>`.
    pub wildcards: usize,
    /// Positions where both hold a different plain word (`opened` / `closed`).
    pub word_conflicts: usize,
    /// The last such position.
    pub conflict_at: usize,
}

/// A plain word: letters only, perhaps closed by punctuation (`finalization.`).
fn is_word(token: &str) -> bool {
    let core = token.trim_end_matches(['.', ',', ':', ';']);
    !core.is_empty() && core.bytes().all(|b| b.is_ascii_alphabetic())
}
