//! What a filter tells the store before any row is read: the index terms every match must
//! carry (in conjunctive normal form) and the fields the filter reads.

use crate::text::atoms;
use crate::{Expr, IndexTerm, Pattern, TextMatch};
use palisade_core::fields;

/// The most clauses an OR keeps from the cross product of its sides (any subset of a CNF's
/// clauses is still implied by it, so dropping the rest stays correct).
const MAX_CLAUSES: usize = 64;

/// One OR-clause of index terms.
type Clause = Vec<IndexTerm>;

/// The CNF of index terms implied by `expr` (see [`Expr::index_terms`]).
pub(crate) fn index_terms(expr: &Expr) -> Vec<Clause> {
    match expr {
        Expr::All | Expr::Not(_) | Expr::Compare { .. } => Vec::new(),
        Expr::And(left, right) => {
            let mut clauses = index_terms(left);
            for clause in index_terms(right) {
                if !clauses.contains(&clause) {
                    clauses.push(clause);
                }
            }
            clauses
        }
        Expr::Or(left, right) => either(index_terms(left), index_terms(right)),
        Expr::Text(TextMatch::Word(word)) if word.contains('*') => Vec::new(),
        // A word matches only where it stands between breakers, so each of its atoms is a
        // whole token wherever it matches.
        // Its run of minor parts (as far as the index keeps runs) is an index term too.
        Expr::Text(TextMatch::Word(word)) => {
            let mut clauses = token_clauses(word, |_| true);
            if let Some(run) = palisade_core::tokenize::run_term_of_word(word.as_bytes()) {
                let run = String::from_utf8_lossy(run).to_ascii_lowercase();
                clauses.insert(0, vec![IndexTerm::Token(run)]);
            }
            clauses
        }
        // A phrase may start or end inside a longer token: only atoms strictly inside it
        // are sure to be whole tokens.
        Expr::Text(TextMatch::Phrase(phrase)) => {
            token_clauses(phrase, |touches_edge| !touches_edge)
        }
        Expr::Field { field, pattern } => match pattern {
            Pattern::Exact(value) if fields::field_value_is_indexed(field, value) => {
                vec![vec![IndexTerm::FieldValue {
                    field: field.clone(),
                    value: value.to_ascii_lowercase(),
                }]]
            }
            _ => Vec::new(),
        },
    }
}

/// One single-term clause per atom of `text` that `keep` accepts, lowercased, without repeats.
fn token_clauses(text: &str, keep: impl Fn(bool) -> bool) -> Vec<Clause> {
    let mut clauses: Vec<Clause> = Vec::new();
    for (atom, touches_edge) in atoms(text.as_bytes()) {
        if !keep(touches_edge) {
            continue;
        }
        let clause = vec![IndexTerm::Token(
            String::from_utf8_lossy(atom).to_ascii_lowercase(),
        )];
        if !clauses.contains(&clause) {
            clauses.push(clause);
        }
    }
    clauses
}

/// The CNF of `left OR right`: every pairwise union of their clauses (capped).
fn either(left: Vec<Clause>, right: Vec<Clause>) -> Vec<Clause> {
    let mut clauses: Vec<Clause> = Vec::new();
    for a in &left {
        for b in &right {
            if clauses.len() == MAX_CLAUSES {
                return clauses;
            }
            let mut clause = a.clone();
            for term in b {
                if !clause.contains(term) {
                    clause.push(term.clone());
                }
            }
            if !clauses.contains(&clause) {
                clauses.push(clause);
            }
        }
    }
    clauses
}

/// The canonical paths `expr` reads, each once, in order of first use.
pub(crate) fn read_fields(expr: &Expr) -> Vec<String> {
    let mut out = Vec::new();
    collect_fields(expr, &mut out);
    out
}

fn collect_fields(expr: &Expr, out: &mut Vec<String>) {
    let mut add = |path: &str| {
        if !out.iter().any(|known| known == path) {
            out.push(path.to_owned());
        }
    };
    match expr {
        Expr::All => {}
        Expr::Text(_) => {
            add(fields::MESSAGE);
            add(fields::RAW_DATA);
        }
        Expr::Field { field, .. } | Expr::Compare { field, .. } => add(field),
        Expr::Not(inner) => collect_fields(inner, out),
        Expr::And(left, right) | Expr::Or(left, right) => {
            collect_fields(left, out);
            collect_fields(right, out);
        }
    }
}
