//! Template mining for lines no parser understands, in the style of Drain (He et al., ICWS
//! 2017): an online clustering over a fixed-depth parse tree.
//!
//! Each line's content is split on white space and masked ([`mask`]: numbers, IPs, hex, paths
//! and any per-format regular expressions become `<*>`). The tree ([`tree`]) narrows the
//! templates a line can join to those with its token count and first tokens; among them the
//! most similar one (share of equal literal tokens) takes the line when the similarity reaches
//! the threshold, and the positions where they differ become `<*>`. Otherwise the line starts a
//! new template. Every template keeps the [`TemplateId`] it was created with.
//!
//! Plain words are treated as constants until shown otherwise: a line whose only difference
//! from a template is another plain word at one position (`Starting` / `Ending`) starts a
//! template of its own, and only when `merge_after` such templates differ at the same position
//! (`user root`, `user alice`, `user bob`) does the position become `<*>` and the templates
//! merge into the oldest one. The merged templates' ids then resolve to the oldest one's
//! ([`TemplateMiner::resolve`]); lines mined before the merge keep the id they were given,
//! so an offline run that wants one id per final template resolves every line's index at the
//! end, as `palisade templates mine` does.

mod answers;
mod batch;
mod chunks;
mod cluster;
mod format;
mod line;
pub mod mask;
mod mask_cache;
mod miner;
pub mod offline;
mod pipeline;
mod registry;
mod scan;
mod text_keyed;
mod tree;
mod word_run;

pub use cluster::{Template, TemplateId};
pub use format::{FormatError, HeaderFormat};
pub use miner::TemplateMiner;
/// Room for one header match's positions ([`HeaderFormat::locations`]).
pub use regex::CaptureLocations;
pub use registry::{
    TemplateRegistry, TemplateSummary, MAX_TEMPLATES_PER_TENANT, TEMPLATE, TEMPLATE_ID,
};

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
    /// How many templates that differ only by one plain word at one position it takes to
    /// decide that the position is variable and merge them (see the module docs).
    pub merge_after: usize,
}

impl Default for MinerConfig {
    fn default() -> Self {
        MinerConfig {
            similarity: 0.6,
            prefix_depth: 2,
            max_children: 100,
            max_templates: usize::MAX,
            merge_after: 3,
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
    /// The line joined a template and made it more general (or merged templates).
    Generalised,
}

/// The template a line was assigned, borrowed from the miner.
#[derive(Debug, Clone, Copy)]
pub struct Mined<'m> {
    /// The line's template, as it stands after taking the line.
    pub template: &'m Template,
    /// The template's index in the miner (see [`TemplateMiner::resolve`]).
    pub index: u32,
    /// What happened.
    pub outcome: Outcome,
}

#[cfg(test)]
mod tests;
