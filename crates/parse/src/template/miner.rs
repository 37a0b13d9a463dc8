//! The miner itself: masking a line, finding its template, learning variable words.

use super::cluster::{self, Comparison, Template, TemplateId};
use super::mask::{mask_token, WILDCARD};
use super::{tree::Tree, Mined, MinerConfig, Outcome};
use regex::Regex;
use std::borrow::Cow;
use std::collections::{HashMap, HashSet};

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
    tree: Tree,
    templates: Vec<Template>,
    /// For a template merged into another, the index it was merged into.
    merged_into: HashMap<u32, u32>,
    /// Templates created because one word differed from an older one: (older, position) →
    /// the templates that differ from it there.
    word_siblings: HashMap<(u32, usize), Vec<u32>>,
    /// For such a template, the (older, position) it was counted under.
    sibling_of: HashMap<u32, (u32, usize)>,
    ids: HashSet<u64>,
    scratch: Scratch,
}

impl TemplateMiner {
    /// An empty miner with the built-in masking only.
    pub fn new(config: MinerConfig) -> Self {
        TemplateMiner {
            tree: Tree::new(config.prefix_depth, config.max_children),
            config,
            masks: Vec::new(),
            templates: Vec::new(),
            merged_into: HashMap::new(),
            word_siblings: HashMap::new(),
            sibling_of: HashMap::new(),
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
    pub fn mine(&mut self, content: &str) -> Option<Mined<'_>> {
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

        // The most similar template without a word conflict, and the most similar one with
        // exactly one (the oldest wins ties in both).
        let mut best: Option<(u32, Comparison)> = None;
        let mut sibling: Option<(u32, Comparison)> = None;
        for &leaf_index in self.tree.candidates(&tokens) {
            let index = resolve_in(&self.merged_into, leaf_index);
            let seen = self.templates[index as usize].compare(&tokens);
            if seen.share < self.config.similarity {
                continue;
            }
            let slot = match seen.word_conflicts {
                0 => &mut best,
                1 => &mut sibling,
                _ => continue,
            };
            let better = slot.is_none_or(|(kept, was)| {
                (seen.share, seen.wildcards, std::cmp::Reverse(index))
                    > (was.share, was.wildcards, std::cmp::Reverse(kept))
            });
            if better {
                *slot = Some((index, seen));
            }
        }
        let (index, outcome) = match best {
            Some((index, _)) => {
                let outcome = if self.templates[index as usize].absorb(&tokens) {
                    Outcome::Generalised
                } else {
                    Outcome::Matched
                };
                (index, outcome)
            }
            None if self.templates.len() >= self.config.max_templates => return None,
            None => {
                let index = self.templates.len() as u32;
                let id = fresh_id(&mut self.ids, cluster::id_hash(&tokens));
                self.templates.push(Template::new(id, &tokens, content));
                self.tree.insert(&tokens, index);
                let merged = sibling.and_then(|(older, seen)| {
                    self.count_word_sibling(older, seen.conflict_at, index)
                });
                match merged {
                    Some(survivor) => (survivor, Outcome::Generalised),
                    None => (index, Outcome::Created),
                }
            }
        };
        Some(Mined {
            template: &self.templates[index as usize],
            index,
            outcome,
        })
    }

    /// Records that `young` differs from `older` by one word at `at`; once `merge_after`
    /// templates differ there, makes the position variable and merges them into the oldest.
    /// Returns the survivor when a merge happened.
    fn count_word_sibling(&mut self, older: u32, at: usize, young: u32) -> Option<u32> {
        let key = self.sibling_of.get(&older).copied().unwrap_or((older, at));
        if key.1 != at {
            return None;
        }
        self.sibling_of.insert(young, key);
        let group = self.word_siblings.entry(key).or_default();
        group.push(young);
        if group.len() + 1 < self.config.merge_after.max(2) {
            return None;
        }
        let group = self.word_siblings.remove(&key).unwrap_or_default();
        let survivor = resolve_in(&self.merged_into, key.0);
        self.templates[survivor as usize].make_variable(at);
        for member in group {
            let member = resolve_in(&self.merged_into, member);
            if member == survivor {
                continue;
            }
            let taken = self.templates[member as usize].clone();
            self.templates[survivor as usize].take_over(&taken);
            self.merged_into.insert(member, survivor);
        }
        Some(survivor)
    }

    /// The template a template index stands for now (itself, or what it was merged into).
    pub fn resolve(&self, index: u32) -> &Template {
        &self.templates[resolve_in(&self.merged_into, index) as usize]
    }

    /// Every live template (not merged into another), in order of creation.
    pub fn templates(&self) -> impl Iterator<Item = &Template> {
        self.templates
            .iter()
            .enumerate()
            .filter(|(index, _)| !self.merged_into.contains_key(&(*index as u32)))
            .map(|(_, template)| template)
    }

    /// A line's parameters under a template: its tokens (after per-format masking) at the
    /// template's variable positions, whole (for `size=<*>` the parameter is `size=42`).
    /// Borrowed from `content` unless per-format masks rewrote the line.
    pub fn parameters<'c>(&self, template: &Template, content: &'c str) -> Vec<Cow<'c, str>> {
        if self.masks.is_empty() {
            return template
                .tokens()
                .zip(split_tokens(content))
                .filter_map(|(slot, token)| slot.contains(WILDCARD).then_some(token))
                .map(Cow::Borrowed)
                .collect();
        }
        let mut preprocessed = String::new();
        apply_masks(&self.masks, content, &mut preprocessed);
        template
            .tokens()
            .zip(split_tokens(&preprocessed))
            .filter_map(|(slot, token)| slot.contains(WILDCARD).then_some(token))
            .map(|token| Cow::Owned(token.to_owned()))
            .collect()
    }

    /// The id a template index stands for now.
    pub fn id_of(&self, index: u32) -> TemplateId {
        self.resolve(index).id()
    }
}

/// Follows merges to the live template.
fn resolve_in(merged_into: &HashMap<u32, u32>, mut index: u32) -> u32 {
    while let Some(&next) = merged_into.get(&index) {
        index = next;
    }
    index
}

/// An id not in `taken` yet, starting from `hash`; records it as taken.
fn fresh_id(taken: &mut HashSet<u64>, mut hash: u64) -> TemplateId {
    while !taken.insert(hash) {
        hash = hash.rotate_left(17).wrapping_mul(0x9e37_79b9_7f4a_7c15) ^ 1;
    }
    TemplateId(hash)
}

/// Splits on ASCII white space, skipping empty tokens.
pub(super) fn split_tokens(text: &str) -> impl Iterator<Item = &str> {
    text.split_ascii_whitespace()
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
