//! The fixed-depth parse tree: token count → first tokens → a leaf of candidate templates.
//!
//! Lines of different lengths never share a template, and lines whose first tokens differ
//! reach different leaves, so a line is compared with a handful of templates rather than all
//! of them. A prefix token holding a variable (`<*>`) goes to the node's wildcard child, as does
//! every new token once a node has `max_children` literal children, which bounds the tree's
//! width on input with a variable first word.

use super::line::Tokens;
use super::mask::WILDCARD;
use rustc_hash::FxHashMap as HashMap;

/// One inner node: literal children, the wildcard child and, at the bottom, the leaf.
#[derive(Default)]
struct Node {
    children: HashMap<Box<str>, Node>,
    wildcard: Option<Box<Node>>,
    /// Indices of the templates whose lines end here.
    leaf: Vec<u32>,
}

/// The tree for every token count.
pub(super) struct Tree {
    by_length: HashMap<usize, Node>,
    prefix_depth: usize,
    max_children: usize,
}

impl Tree {
    /// An empty tree that descends `prefix_depth` tokens below the token count.
    pub(super) fn new(prefix_depth: usize, max_children: usize) -> Self {
        Tree {
            by_length: HashMap::default(),
            prefix_depth,
            max_children: max_children.max(1),
        }
    }

    /// The candidate templates for a masked line, if its path exists.
    pub(super) fn candidates<'t>(&'t self, tokens: Tokens<'_>) -> &'t [u32] {
        let Some(mut node) = self.by_length.get(&tokens.len()) else {
            return &[];
        };
        for token in tokens.iter().take(self.prefix_depth) {
            node = match node.children.get(token) {
                Some(child) => child,
                None => match &node.wildcard {
                    Some(child) => child,
                    None => return &[],
                },
            };
        }
        &node.leaf
    }

    /// Adds a new template for a masked line, creating its path as needed.
    pub(super) fn insert(&mut self, tokens: Tokens<'_>, template: u32) {
        let mut node = self.by_length.entry(tokens.len()).or_default();
        for token in tokens.iter().take(self.prefix_depth) {
            node = if node.children.contains_key(token) {
                node.children
                    .get_mut(token)
                    .expect("key checked just above")
            } else if token.contains(WILDCARD) || node.children.len() >= self.max_children {
                node.wildcard.get_or_insert_with(Box::default)
            } else {
                node.children.entry(token.into()).or_default()
            };
        }
        node.leaf.push(template);
    }
}

#[cfg(test)]
mod tests {
    use super::super::line::MaskedLines;
    use super::*;

    /// Inserts a masked line's template.
    fn insert(tree: &mut Tree, line: &str, template: u32) {
        let mut masked = MaskedLines::default();
        masked.push(&[], line);
        tree.insert(masked.get(0), template);
    }

    /// The candidates for a line.
    fn candidates(tree: &Tree, line: &str) -> Vec<u32> {
        let mut masked = MaskedLines::default();
        masked.push(&[], line);
        tree.candidates(masked.get(0)).to_vec()
    }

    #[test]
    fn lines_reach_only_templates_of_their_length_and_prefix() {
        let mut tree = Tree::new(2, 100);
        insert(&mut tree, "session opened for", 0);
        insert(&mut tree, "session closed for", 1);
        insert(&mut tree, "session opened", 2);
        assert_eq!(candidates(&tree, "session opened by"), [0]);
        assert_eq!(candidates(&tree, "session closed x"), [1]);
        assert_eq!(candidates(&tree, "session opened"), [2]);
        assert!(candidates(&tree, "user opened for").is_empty());
        assert!(candidates(&tree, "a b c d").is_empty());
    }

    #[test]
    fn variable_prefixes_share_the_wildcard_child() {
        let mut tree = Tree::new(2, 100);
        insert(&mut tree, "<*> bytes sent", 0);
        assert_eq!(candidates(&tree, "<*> bytes received"), [0]);
        assert_eq!(candidates(&tree, "anything bytes sent"), [0]);
    }

    #[test]
    fn a_full_node_sends_new_tokens_to_the_wildcard_child() {
        let mut tree = Tree::new(1, 2);
        insert(&mut tree, "alice logged in", 0);
        insert(&mut tree, "bob logged in", 1);
        insert(&mut tree, "carol logged in", 2);
        assert_eq!(candidates(&tree, "dave logged in"), [2]);
        assert_eq!(candidates(&tree, "alice logged in"), [0]);
    }

    #[test]
    fn short_lines_and_empty_lines_have_a_leaf_too() {
        let mut tree = Tree::new(3, 100);
        insert(&mut tree, "", 0);
        insert(&mut tree, "x", 1);
        assert_eq!(candidates(&tree, ""), [0]);
        assert_eq!(candidates(&tree, "x"), [1]);
    }
}
