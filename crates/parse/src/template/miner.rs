//! The miner itself: masking a line, finding its template, learning variable words.

use super::answers::Answers;
use super::cluster::{self, Comparison, Template, TemplateId};
use super::line::{apply_masks, split_tokens, MaskedLines, Tokens};
use super::mask::WILDCARD;
use super::{tree::Tree, Mined, MinerConfig, Outcome};
use regex::Regex;
use rustc_hash::{FxBuildHasher, FxHashMap as HashMap, FxHashSet as HashSet};
use std::borrow::Cow;
use std::hash::BuildHasher;

/// An online template miner. Not thread-safe by itself: wrap it in a lock to share it.
pub struct TemplateMiner {
    config: MinerConfig,
    masks: Vec<Regex>,
    tree: Tree,
    templates: Vec<Template>,
    /// Per template, the index it was merged into (its own index while it is live).
    merged_into: Vec<u32>,
    /// Masked lines known to equal a live template, by the hash of their text: such a line
    /// takes that template without a search (see [`TemplateMiner::mine`]).
    exact: HashMap<u64, u32>,
    /// Masked lines the search gave a template without changing any, while none changes.
    answers: Answers,
    /// Templates created because one word differed from an older one: (older, position) →
    /// the templates that differ from it there.
    word_siblings: HashMap<(u32, usize), Vec<u32>>,
    /// For such a template, the (older, position) it was counted under.
    sibling_of: HashMap<u32, (u32, usize)>,
    ids: HashSet<u64>,
    /// The line being mined, in buffers reused for every line.
    scratch: MaskedLines,
}

impl TemplateMiner {
    /// An empty miner with the built-in masking only.
    pub fn new(config: MinerConfig) -> Self {
        TemplateMiner {
            tree: Tree::new(config.prefix_depth, config.max_children),
            config,
            masks: Vec::new(),
            templates: Vec::new(),
            merged_into: Vec::new(),
            exact: HashMap::default(),
            answers: Answers::default(),
            word_siblings: HashMap::default(),
            sibling_of: HashMap::default(),
            ids: HashSet::default(),
            scratch: MaskedLines::default(),
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
    ///
    /// A masked line that equals a live template, and that the search below gave that
    /// template, takes it straight away while the template's text stays the same: no newer
    /// template can beat an exact match (the oldest wins ties), and an older one that comes to
    /// equal the line drops the shortcut ([`TemplateMiner::text_changed`]). Any other masked
    /// line that the search gave a template without changing it gets the same template again
    /// without a search while no template is created, changed or merged ([`Answers`]).
    pub fn mine(&mut self, content: &str) -> Option<Mined<'_>> {
        let mut line = std::mem::take(&mut self.scratch);
        line.clear();
        line.push(&self.masks, content);
        let mined = self.mine_masked(line.get(0), content);
        self.scratch = line;
        let (index, outcome) = mined?;
        Some(Mined {
            template: &self.templates[index as usize],
            index,
            outcome,
        })
    }

    /// The per-format masks, for masking lines ahead of [`TemplateMiner::mine_masked`].
    pub(super) fn masks(&self) -> &[Regex] {
        &self.masks
    }

    /// Mines a line already masked with [`TemplateMiner::masks`]; `content` is the line as it
    /// came (the example of a new template). Returns the template index and what happened.
    pub(super) fn mine_masked(
        &mut self,
        tokens: Tokens<'_>,
        content: &str,
    ) -> Option<(u32, Outcome)> {
        let key = text_hash(tokens.text());
        if let Some(&index) = self.exact.get(&key) {
            let template = &mut self.templates[index as usize];
            if template.text() == tokens.text() {
                template.count_line();
                return Some((index, Outcome::Matched));
            }
        }

        if let Some(index) = self.answers.get(key, tokens.text()) {
            self.templates[index as usize].count_line();
            return Some((index, Outcome::Matched));
        }

        // The most similar template without a word conflict, and the most similar one with
        // exactly one (the oldest wins ties in both).
        let mut best: Option<(u32, Comparison)> = None;
        let mut sibling: Option<(u32, Comparison)> = None;
        for &leaf_index in self.tree.candidates(tokens) {
            let index = resolve_in(&self.merged_into, leaf_index);
            let seen = self.templates[index as usize].compare(tokens);
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
            Some((index, seen)) if seen.share == 1.0 => {
                self.templates[index as usize].count_line();
                self.exact.insert(key, index);
                (index, Outcome::Matched)
            }
            Some((index, _)) => {
                let template = &mut self.templates[index as usize];
                let before = text_hash(template.text());
                if template.absorb(tokens.iter()) {
                    self.text_changed(index, before);
                    (index, Outcome::Generalised)
                } else {
                    self.answers.remember(key, tokens.text(), index);
                    (index, Outcome::Matched)
                }
            }
            None if self.templates.len() >= self.config.max_templates => return None,
            None => {
                self.answers.forget();
                let index = self.templates.len() as u32;
                let id = fresh_id(&mut self.ids, cluster::id_hash(tokens));
                self.templates.push(Template::new(id, tokens, content));
                self.merged_into.push(index);
                self.tree.insert(tokens, index);
                let merged = sibling.and_then(|(older, seen)| {
                    self.count_word_sibling(older, seen.conflict_at, index)
                });
                match merged {
                    Some(survivor) => (survivor, Outcome::Generalised),
                    None => {
                        self.exact.insert(key, index);
                        (index, Outcome::Created)
                    }
                }
            }
        };
        Some((index, outcome))
    }

    /// Keeps the exact-match shortcuts right after a template's text changed from the text
    /// hashed as `before`: lines equal to the old text must search again, and so must lines
    /// equal to the new one, which another template may have taken so far.
    fn text_changed(&mut self, index: u32, before: u64) {
        self.answers.forget();
        if self.exact.get(&before) == Some(&index) {
            self.exact.remove(&before);
        }
        self.exact
            .remove(&text_hash(self.templates[index as usize].text()));
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
        let before = text_hash(self.templates[survivor as usize].text());
        self.templates[survivor as usize].make_variable(at);
        for member in group {
            let member = resolve_in(&self.merged_into, member);
            if member == survivor {
                continue;
            }
            let taken = self.templates[member as usize].clone();
            self.templates[survivor as usize].take_over(&taken);
            self.merged_into[member as usize] = survivor;
            let member_text = text_hash(taken.text());
            if self.exact.get(&member_text) == Some(&member) {
                self.exact.remove(&member_text);
            }
        }
        self.text_changed(survivor, before);
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
            .filter(|(index, _)| self.merged_into[*index] == *index as u32)
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

    /// How many templates were ever created (live or merged): every index is below it.
    pub(super) fn template_slots(&self) -> usize {
        self.templates.len()
    }

    /// The index of the live template an index stands for now.
    pub(super) fn live_index(&self, index: u32) -> u32 {
        resolve_in(&self.merged_into, index)
    }
}

/// Follows merges to the live template.
fn resolve_in(merged_into: &[u32], mut index: u32) -> u32 {
    while let Some(&next) = merged_into.get(index as usize) {
        if next == index {
            break;
        }
        index = next;
    }
    index
}

/// The key of a masked line's text in the exact-match shortcuts.
fn text_hash(text: &str) -> u64 {
    FxBuildHasher.hash_one(text)
}

/// An id not in `taken` yet, starting from `hash`; records it as taken.
fn fresh_id(taken: &mut HashSet<u64>, mut hash: u64) -> TemplateId {
    while !taken.insert(hash) {
        hash = hash.rotate_left(17).wrapping_mul(0x9e37_79b9_7f4a_7c15) ^ 1;
    }
    TemplateId(hash)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        /// Lines from a small vocabulary repeat, generalise templates, create word siblings and
        /// merge them: a miner that answers repeated searches from memory gives every line the
        /// same template index and text as one that searches every time.
        #[test]
        fn remembered_answers_are_the_answers_a_new_search_gives(
            lines in proptest::collection::vec(
                proptest::collection::vec(
                    proptest::sample::select(vec!["user", "root", "alice", "bob", "login", "failed", "ok", "42", "7", "x=1", "from"]),
                    2..7,
                ).prop_map(|words| words.join(" ")),
                1..120,
            )
        ) {
            let config = MinerConfig { merge_after: 3, ..MinerConfig::default() };
            let (mut remembering, mut searching) = (TemplateMiner::new(config.clone()), TemplateMiner::new(config));
            for line in &lines {
                searching.answers.forget();
                let a = remembering.mine(line).map(|m| (m.index, m.outcome, m.template.text().to_owned()));
                let b = searching.mine(line).map(|m| (m.index, m.outcome, m.template.text().to_owned()));
                prop_assert_eq!(a, b, "{}", line);
            }
            let texts = |miner: &TemplateMiner| miner.templates().map(|t| t.text().to_owned()).collect::<Vec<_>>();
            prop_assert_eq!(texts(&remembering), texts(&searching));
        }
    }
}
