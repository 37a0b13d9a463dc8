//! Template mining for lines no parser understands, in the style of Drain (He et al., ICWS
//! 2017): an online clustering over a fixed-depth parse tree.
//!
//! Each line's content is split on white space and masked ([`mask`]: numbers, IPs, hex, paths
//! and any per-format regular expressions become `<*>`). The tree ([`tree`]) narrows the
//! templates a line can join to those with its token count and first tokens; among them the
//! most similar one (share of equal literal tokens) takes the line when the similarity reaches
//! the threshold, and the positions where they differ become `<*>`. Otherwise the line starts a
//! new template. Every template keeps the [`TemplateId`] it was created with.

mod cluster;
mod format;
pub mod mask;
mod tree;

pub use cluster::{Template, TemplateId};
pub use format::{FormatError, HeaderFormat};

use mask::{mask_token, WILDCARD};
use regex::Regex;
use std::collections::HashSet;

/// Tuning of the miner.
#[derive(Debug, Clone)]
pub struct MinerConfig {
    /// Least similarity (0..=1) for a line to join a template.
    pub similarity: f64,
    /// How many leading tokens the tree branches on.
    pub prefix_depth: usize,
    /// Literal children per tree node before new tokens share the wildcard child.
    pub max_children: usize,
    /// Most templates kept; once reached, a line that matches none gets no template.
    pub max_templates: usize,
}

impl Default for MinerConfig {
    fn default() -> Self {
        MinerConfig {
            similarity: 0.5,
            prefix_depth: 2,
            max_children: 100,
            max_templates: usize::MAX,
        }
    }
}

/// What mining one line did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// The line started a new template.
    Created,
    /// The line joined a template unchanged.
    Matched,
    /// The line joined a template and made it more general.
    Generalised,
}

/// The template a line was assigned, borrowed from the miner.
#[derive(Debug, Clone, Copy)]
pub struct Mined<'m> {
    /// The line's template, as it stands after taking the line.
    pub template: &'m Template,
    /// What happened.
    pub outcome: Outcome,
    /// The line's tokens after any per-format masking (what [`Mined::parameters`] reads).
    tokens_text: &'m str,
}

impl<'m> Mined<'m> {
    /// The line's parameters: its tokens at the template's variable positions (whole tokens:
    /// for a template token `size=<*>` the parameter is `size=42`).
    pub fn parameters(&self) -> impl Iterator<Item = &'m str> {
        self.template
            .tokens()
            .zip(split_tokens(self.tokens_text))
            .filter(|(template, _)| template.contains(WILDCARD))
            .map(|(_, token)| token)
    }
}

/// Buffers reused for every line, so mining allocates nothing per token.
#[derive(Default)]
struct Scratch {
    /// The content after per-format masking (used only when there are such masks).
    preprocessed: String,
    /// The masked tokens, back to back.
    masked: String,
    /// Where each masked token ends in `masked`.
    ends: Vec<usize>,
}

/// An online template miner. Not thread-safe by itself: wrap it in a lock to share it.
pub struct TemplateMiner {
    config: MinerConfig,
    masks: Vec<Regex>,
    tree: tree::Tree,
    templates: Vec<Template>,
    ids: HashSet<u64>,
    scratch: Scratch,
}

impl TemplateMiner {
    /// An empty miner with the built-in masking only.
    pub fn new(config: MinerConfig) -> Self {
        TemplateMiner {
            tree: tree::Tree::new(config.prefix_depth, config.max_children),
            config,
            masks: Vec::new(),
            templates: Vec::new(),
            ids: HashSet::new(),
            scratch: Scratch::default(),
        }
    }

    /// Adds per-format masking: every match of each pattern, in order, is replaced by `<*>`
    /// before the line is split into tokens (Loghub's preprocessing regexes).
    pub fn with_masks<S: AsRef<str>>(mut self, patterns: &[S]) -> Result<Self, regex::Error> {
        for pattern in patterns {
            self.masks.push(Regex::new(pattern.as_ref())?);
        }
        Ok(self)
    }

    /// Mines one line's content. `None` only when `max_templates` is reached and the line
    /// matches no existing template.
    pub fn mine<'m>(&'m mut self, content: &'m str) -> Option<Mined<'m>> {
        let Scratch {
            preprocessed,
            masked,
            ends,
        } = &mut self.scratch;
        let text = if self.masks.is_empty() {
            content
        } else {
            apply_masks(&self.masks, content, preprocessed);
            preprocessed.as_str()
        };
        masked.clear();
        ends.clear();
        for token in split_tokens(text) {
            mask_token(token, masked);
            ends.push(masked.len());
        }
        let mut tokens: Vec<&str> = Vec::with_capacity(ends.len());
        let mut start = 0;
        for &end in ends.iter() {
            tokens.push(&masked[start..end]);
            start = end;
        }

        let best = self
            .tree
            .candidates(&tokens)
            .iter()
            .map(|&index| (index, self.templates[index as usize].similarity(&tokens)))
            .max_by(|(_, a), (_, b)| a.partial_cmp(b).unwrap_or(std::cmp::Ordering::Equal))
            .filter(|(_, (similarity, _))| *similarity >= self.config.similarity);
        let (index, outcome) = match best {
            Some((index, _)) => {
                let template = &mut self.templates[index as usize];
                let outcome = if template.absorb(&tokens) {
                    Outcome::Generalised
                } else {
                    Outcome::Matched
                };
                (index as usize, outcome)
            }
            None if self.templates.len() >= self.config.max_templates => return None,
            None => {
                let index = self.templates.len();
                let id = fresh_id(&mut self.ids, cluster::id_hash(&tokens));
                self.templates.push(Template::new(id, &tokens, content));
                self.tree.insert(&tokens, index as u32);
                (index, Outcome::Created)
            }
        };
        Some(Mined {
            template: &self.templates[index],
            outcome,
            tokens_text: text,
        })
    }

    /// Every template, in order of creation.
    pub fn templates(&self) -> &[Template] {
        &self.templates
    }
}

/// An id not in `taken` yet, starting from `hash`; records it as taken.
fn fresh_id(taken: &mut HashSet<u64>, mut hash: u64) -> TemplateId {
    while !taken.insert(hash) {
        hash = hash.rotate_left(17).wrapping_mul(0x9e37_79b9_7f4a_7c15) ^ 1;
    }
    TemplateId(hash)
}

/// Splits on ASCII white space, skipping empty tokens.
fn split_tokens(text: &str) -> impl Iterator<Item = &str> {
    text.split(|c: char| c.is_ascii_whitespace())
        .filter(|token| !token.is_empty())
}

/// Writes `content` with every match of every mask (applied in order) replaced by `<*>`.
fn apply_masks(masks: &[Regex], content: &str, out: &mut String) {
    out.clear();
    out.push_str(content);
    for mask in masks {
        if let std::borrow::Cow::Owned(replaced) = mask.replace_all(out, WILDCARD) {
            *out = replaced;
        }
    }
}

#[cfg(test)]
mod tests;
