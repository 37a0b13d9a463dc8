//! Recursive-descent parser for the filter (precedence NOT > AND > OR, implicit AND between
//! adjacent terms). Chains of AND / OR are built as balanced trees and nesting is capped, so
//! no input can exhaust the stack.

use crate::lexer::{error, lex, Token, TokenKind};
use crate::{pipe, Expr, Query, QueryError};

/// The deepest parenthesis nesting accepted.
const MAX_NESTING: usize = 64;

/// Parses a whole query: filter, then an optional pipe.
pub(crate) fn parse_query(text: &str) -> Result<Query, QueryError> {
    let lexed = lex(text)?;
    let filter_end = lexed.pipe_at.unwrap_or(text.len());
    let mut parser = Parser {
        tokens: lexed.tokens,
        next: 0,
        end: filter_end,
    };
    let filter = parser.filter()?;
    let pipe = match lexed.pipe_at {
        Some(at) => Some(pipe::parse_pipe(text, at)?),
        None => None,
    };
    Ok(Query { filter, pipe })
}

/// Which binary operator a chain is built with.
#[derive(Clone, Copy)]
enum Chain {
    And,
    Or,
}

struct Parser {
    tokens: Vec<Token>,
    next: usize,
    /// Offset where the filter text ends (for errors at the end).
    end: usize,
}

impl Parser {
    fn peek(&self) -> Option<&Token> {
        self.tokens.get(self.next)
    }

    /// Offset of the next token, or of the end of the filter.
    fn here(&self) -> usize {
        self.peek().map_or(self.end, |t| t.position)
    }

    fn filter(&mut self) -> Result<Expr, QueryError> {
        if self.tokens.is_empty() {
            return Ok(Expr::All);
        }
        let expr = self.or(0)?;
        match self.peek() {
            None => Ok(expr),
            Some(token) => Err(error(
                token.position,
                "unbalanced ')': there is no '(' for it to close",
            )),
        }
    }

    fn or(&mut self, depth: usize) -> Result<Expr, QueryError> {
        let mut operands = vec![self.and(depth)?];
        while let Some(Token {
            kind: TokenKind::Or,
            ..
        }) = self.peek()
        {
            self.next += 1;
            self.expect_term_after("OR")?;
            operands.push(self.and(depth)?);
        }
        Ok(combine(operands, Chain::Or))
    }

    fn and(&mut self, depth: usize) -> Result<Expr, QueryError> {
        let mut operands = vec![self.unary(depth)?];
        loop {
            match self.peek().map(|t| &t.kind) {
                Some(TokenKind::And) => {
                    self.next += 1;
                    self.expect_term_after("AND")?;
                }
                Some(TokenKind::Open | TokenKind::Not | TokenKind::Term(_)) => {}
                _ => break,
            }
            operands.push(self.unary(depth)?);
        }
        Ok(combine(operands, Chain::And))
    }

    fn unary(&mut self, depth: usize) -> Result<Expr, QueryError> {
        let mut negated = false;
        while let Some(Token {
            kind: TokenKind::Not,
            ..
        }) = self.peek()
        {
            self.next += 1;
            self.expect_term_after("NOT")?;
            negated = !negated;
        }
        let inner = self.primary(depth)?;
        Ok(if negated {
            Expr::Not(Box::new(inner))
        } else {
            inner
        })
    }

    fn primary(&mut self, depth: usize) -> Result<Expr, QueryError> {
        let position = self.here();
        let Some(token) = self.peek().cloned() else {
            return Err(error(position, "expected a search term"));
        };
        self.next += 1;
        match token.kind {
            TokenKind::Term(expr) => Ok(expr),
            TokenKind::Open => {
                if depth >= MAX_NESTING {
                    return Err(error(
                        position,
                        format!("parentheses nested too deeply (at most {MAX_NESTING} levels)"),
                    ));
                }
                if let Some(TokenKind::Close) = self.peek().map(|t| &t.kind) {
                    return Err(error(
                        position,
                        "empty parentheses: put a search term inside",
                    ));
                }
                let inner = self.or(depth + 1)?;
                match self.peek().map(|t| &t.kind) {
                    Some(TokenKind::Close) => {
                        self.next += 1;
                        Ok(inner)
                    }
                    _ => Err(error(
                        position,
                        "unbalanced '(': missing the ')' that closes it",
                    )),
                }
            }
            TokenKind::Close => Err(error(
                position,
                "unbalanced ')': there is no '(' for it to close",
            )),
            TokenKind::And => Err(error(position, "expected a search term before AND")),
            TokenKind::Or => Err(error(position, "expected a search term before OR")),
            TokenKind::Not => Err(error(position, "expected a search term after NOT")),
        }
    }

    /// Fails unless a term can start at the next token (after the operator `name`).
    fn expect_term_after(&self, name: &str) -> Result<(), QueryError> {
        match self.peek().map(|t| &t.kind) {
            Some(TokenKind::Open | TokenKind::Not | TokenKind::Term(_)) => Ok(()),
            _ => Err(error(
                self.here(),
                format!("expected a search term after {name}"),
            )),
        }
    }
}

/// Joins operands with AND or OR as a balanced tree, dropping what `*` makes redundant.
fn combine(mut operands: Vec<Expr>, chain: Chain) -> Expr {
    match chain {
        Chain::And => {
            operands.retain(|e| *e != Expr::All);
            if operands.is_empty() {
                return Expr::All;
            }
        }
        Chain::Or => {
            if operands.contains(&Expr::All) {
                return Expr::All;
            }
        }
    }
    balanced(operands, chain)
}

/// A balanced tree over a non-empty list of operands.
fn balanced(mut operands: Vec<Expr>, chain: Chain) -> Expr {
    if operands.len() <= 1 {
        return operands.pop().unwrap_or(Expr::All);
    }
    let right = operands.split_off(operands.len() / 2);
    let (left, right) = (balanced(operands, chain), balanced(right, chain));
    match chain {
        Chain::And => Expr::And(Box::new(left), Box::new(right)),
        Chain::Or => Expr::Or(Box::new(left), Box::new(right)),
    }
}
