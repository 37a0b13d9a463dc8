//! A small YAML tree with line numbers, built from `yaml-rust2`'s event parser.
//!
//! The loader of `yaml-rust2` drops positions, and it expands aliases by copying (a few lines
//! can then grow into gigabytes). Building the tree here keeps the line of every node for error
//! messages and refuses aliases and absurd nesting outright: Sigma rules use neither.

use yaml_rust2::parser::{Event, Parser};
use yaml_rust2::scanner::TScalarStyle;

/// Deepest nesting of sequences and mappings accepted in one document.
const MAX_DEPTH: usize = 64;

/// One YAML node and the (1-based) line it starts on.
#[derive(Debug, Clone, PartialEq)]
pub struct Node {
    /// Line of the node in the source text, counting from 1.
    pub line: usize,
    /// What the node holds.
    pub kind: NodeKind,
}

/// The three shapes a YAML node can take.
#[derive(Debug, Clone, PartialEq)]
pub enum NodeKind {
    /// A scalar: its text, and whether it was written plain (unquoted), which decides whether
    /// `10` is a number and `null` is null.
    Scalar { text: String, plain: bool },
    /// A sequence.
    Seq(Vec<Node>),
    /// A mapping, in source order. Keys are scalars' text.
    Map(Vec<(String, Node)>),
}

impl Node {
    /// The value under `key` when this node is a mapping.
    pub fn get(&self, key: &str) -> Option<&Node> {
        match &self.kind {
            NodeKind::Map(entries) => entries.iter().find(|(k, _)| k == key).map(|(_, v)| v),
            _ => None,
        }
    }

    /// The text of a scalar, `None` for a plain `null`/`~`/empty scalar or a collection.
    pub fn as_text(&self) -> Option<&str> {
        match &self.kind {
            NodeKind::Scalar { text, plain } if !(*plain && is_null(text)) => Some(text),
            _ => None,
        }
    }

    /// A plain scalar read as a number.
    pub fn as_number(&self) -> Option<f64> {
        match &self.kind {
            NodeKind::Scalar { text, plain: true } => text.trim().parse::<f64>().ok(),
            _ => None,
        }
    }

    /// A plain scalar read as a boolean.
    pub fn as_bool(&self) -> Option<bool> {
        match &self.kind {
            NodeKind::Scalar { text, plain: true } => match text.as_str() {
                "true" | "True" | "TRUE" => Some(true),
                "false" | "False" | "FALSE" => Some(false),
                _ => None,
            },
            _ => None,
        }
    }

    /// A short word for the node's shape, for error messages.
    pub fn shape(&self) -> &'static str {
        match &self.kind {
            NodeKind::Scalar { .. } => "a scalar",
            NodeKind::Seq(_) => "a list",
            NodeKind::Map(_) => "a mapping",
        }
    }
}

fn is_null(text: &str) -> bool {
    matches!(text, "" | "~" | "null" | "Null" | "NULL")
}

/// Why a YAML text could not be read.
#[derive(Debug, Clone, PartialEq)]
pub struct YamlError {
    /// Line of the problem, counting from 1.
    pub line: usize,
    /// What is wrong.
    pub reason: String,
}

/// Parses every document of a YAML stream. Documents read before a syntax error are returned
/// with the error, so the caller can still use them.
pub fn parse_documents(text: &str) -> (Vec<Node>, Option<YamlError>) {
    let mut parser = Parser::new_from_str(text);
    let mut builder = Builder::default();
    loop {
        match parser.next_token() {
            Ok((Event::StreamEnd, _)) => return (builder.documents, None),
            Ok((event, mark)) => {
                if let Err(reason) = builder.accept(event, mark.line().max(1)) {
                    let line = mark.line().max(1);
                    return (builder.documents, Some(YamlError { line, reason }));
                }
            }
            Err(e) => {
                let error = YamlError {
                    line: e.marker().line().max(1),
                    reason: format!("YAML syntax error: {}", e.info()),
                };
                return (builder.documents, Some(error));
            }
        }
    }
}

/// A collection being filled, with the key waiting for its value when it is a mapping.
enum Open {
    Seq(usize, Vec<Node>),
    Map(usize, Vec<(String, Node)>, Option<String>),
}

#[derive(Default)]
struct Builder {
    documents: Vec<Node>,
    stack: Vec<Open>,
}

impl Builder {
    fn accept(&mut self, event: Event, line: usize) -> Result<(), String> {
        match event {
            Event::Alias(_) => Err("YAML aliases (*name) are not supported in rules".to_owned()),
            Event::Scalar(text, style, _, _) => {
                let plain = style == TScalarStyle::Plain;
                self.place(Node {
                    line,
                    kind: NodeKind::Scalar { text, plain },
                })
            }
            Event::SequenceStart(..) | Event::MappingStart(..) => {
                if self.stack.len() >= MAX_DEPTH {
                    return Err(format!("nesting deeper than {MAX_DEPTH} levels"));
                }
                self.stack.push(match event {
                    Event::SequenceStart(..) => Open::Seq(line, Vec::new()),
                    _ => Open::Map(line, Vec::new(), None),
                });
                Ok(())
            }
            Event::SequenceEnd | Event::MappingEnd => match self.stack.pop() {
                Some(Open::Seq(line, items)) => self.place(Node {
                    line,
                    kind: NodeKind::Seq(items),
                }),
                Some(Open::Map(line, entries, _)) => self.place(Node {
                    line,
                    kind: NodeKind::Map(entries),
                }),
                None => Err("unbalanced YAML collection".to_owned()),
            },
            _ => Ok(()),
        }
    }

    /// Puts a finished node into the collection on top of the stack, or makes it a document.
    fn place(&mut self, node: Node) -> Result<(), String> {
        match self.stack.last_mut() {
            None => self.documents.push(node),
            Some(Open::Seq(_, items)) => items.push(node),
            Some(Open::Map(_, entries, pending)) => match pending.take() {
                Some(key) => entries.push((key, node)),
                None => match node.kind {
                    NodeKind::Scalar { text, .. } => *pending = Some(text),
                    _ => return Err("mapping keys must be plain text".to_owned()),
                },
            },
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_lines_and_splits_documents() {
        let (docs, err) = parse_documents("a: 1\nb:\n  - x\n---\nc: 'q'\n");
        assert!(err.is_none());
        assert_eq!(docs.len(), 2);
        assert_eq!(docs[0].get("b").map(|n| n.line), Some(3));
        assert_eq!(docs[0].get("a").and_then(Node::as_number), Some(1.0));
        assert_eq!(docs[1].get("c").and_then(Node::as_text), Some("q"));
        assert_eq!(docs[1].line, 5);
    }

    #[test]
    fn refuses_aliases_and_reports_syntax_errors_with_a_line() {
        let (_, err) = parse_documents("a: &x [1]\nb: *x\n");
        assert!(err.is_some_and(|e| e.reason.contains("aliases")));
        let (_, err) = parse_documents("a: 1\nb: [1, 2\n");
        assert!(err.is_some_and(|e| e.reason.contains("syntax") && e.line >= 2));
    }

    #[test]
    fn quoted_numbers_stay_text() {
        let (docs, _) = parse_documents("a: '10'\nb: null\n");
        assert_eq!(docs[0].get("a").and_then(Node::as_number), None);
        assert_eq!(docs[0].get("b").and_then(Node::as_text), None);
    }
}
