//! The condition language: `and`, `or`, `not` (tightest), parentheses, `1 of x*`,
//! `all of x*`, `1 of them`, `all of them`. Precedence follows the spec: `not` binds tighter
//! than `and`, which binds tighter than `or`.

/// A parsed condition over the detection's search identifiers (by index).
#[derive(Debug, Clone, PartialEq)]
pub enum Condition {
    /// One search identifier.
    Search(usize),
    /// Negation.
    Not(Box<Condition>),
    /// Every operand.
    And(Vec<Condition>),
    /// Any operand.
    Or(Vec<Condition>),
    /// At least `n` of the searches (`1 of`, `any of`, or a count).
    AtLeast(usize, Vec<usize>),
    /// Every one of the searches (`all of`).
    All(Vec<usize>),
}

#[derive(Debug, Clone, PartialEq)]
enum Token {
    Open,
    Close,
    And,
    Or,
    Not,
    Of,
    Word(String),
}

/// Parses a condition; `names` are the search identifiers in the order of the detection.
pub fn parse(text: &str, names: &[String]) -> Result<Condition, String> {
    let tokens = tokenize(text)?;
    let mut parser = Parser {
        tokens,
        at: 0,
        names,
        depth: 0,
    };
    let condition = parser.or_expr()?;
    match parser.tokens.get(parser.at) {
        None => Ok(condition),
        Some(t) => Err(format!("unexpected {} in condition {text:?}", describe(t))),
    }
}

fn tokenize(text: &str) -> Result<Vec<Token>, String> {
    if text.contains('|') {
        return Err(format!(
            "condition {text:?} uses a legacy Sigma v1 aggregation ('| count()' and the like); \
             write it as a Sigma correlation rule (event_count, value_count...) instead"
        ));
    }
    let mut tokens = Vec::new();
    let mut chars = text.char_indices().peekable();
    while let Some(&(start, c)) = chars.peek() {
        if c.is_whitespace() {
            chars.next();
        } else if c == '(' || c == ')' {
            chars.next();
            tokens.push(if c == '(' { Token::Open } else { Token::Close });
        } else {
            let mut end = start;
            while let Some(&(i, c)) = chars.peek() {
                if c.is_whitespace() || c == '(' || c == ')' {
                    break;
                }
                end = i + c.len_utf8();
                chars.next();
            }
            let word = &text[start..end];
            tokens.push(match word.to_ascii_lowercase().as_str() {
                "and" => Token::And,
                "or" => Token::Or,
                "not" => Token::Not,
                "of" => Token::Of,
                "near" => {
                    return Err(format!(
                        "condition {text:?} uses the legacy 'near' aggregation; write it as a \
                         Sigma temporal correlation rule instead"
                    ))
                }
                _ => Token::Word(word.to_owned()),
            });
        }
    }
    Ok(tokens)
}

fn describe(token: &Token) -> String {
    match token {
        Token::Open => "'('".into(),
        Token::Close => "')'".into(),
        Token::And => "'and'".into(),
        Token::Or => "'or'".into(),
        Token::Not => "'not'".into(),
        Token::Of => "'of'".into(),
        Token::Word(w) => format!("'{w}'"),
    }
}

/// Deepest nesting of parentheses and `not` accepted (deeper input is refused, not a stack
/// overflow).
const MAX_DEPTH: usize = 64;

struct Parser<'a> {
    tokens: Vec<Token>,
    at: usize,
    names: &'a [String],
    depth: usize,
}

impl Parser<'_> {
    fn next(&mut self) -> Option<Token> {
        let t = self.tokens.get(self.at).cloned();
        self.at += 1;
        t
    }

    fn peek_is(&self, token: &Token) -> bool {
        self.tokens.get(self.at) == Some(token)
    }

    fn or_expr(&mut self) -> Result<Condition, String> {
        let mut operands = vec![self.and_expr()?];
        while self.peek_is(&Token::Or) {
            self.at += 1;
            operands.push(self.and_expr()?);
        }
        Ok(flatten(operands, Condition::Or))
    }

    fn and_expr(&mut self) -> Result<Condition, String> {
        let mut operands = vec![self.not_expr()?];
        while self.peek_is(&Token::And) {
            self.at += 1;
            operands.push(self.not_expr()?);
        }
        Ok(flatten(operands, Condition::And))
    }

    fn not_expr(&mut self) -> Result<Condition, String> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(format!("condition nests deeper than {MAX_DEPTH} levels"));
        }
        let result = if self.peek_is(&Token::Not) {
            self.at += 1;
            self.not_expr().map(|c| Condition::Not(Box::new(c)))
        } else {
            self.primary()
        };
        self.depth -= 1;
        result
    }

    fn primary(&mut self) -> Result<Condition, String> {
        match self.next() {
            Some(Token::Open) => {
                let inner = self.or_expr()?;
                match self.next() {
                    Some(Token::Close) => Ok(inner),
                    _ => Err("missing ')' in condition".to_owned()),
                }
            }
            Some(Token::Word(word)) if self.peek_is(&Token::Of) => {
                self.at += 1;
                let target = match self.next() {
                    Some(Token::Word(t)) => t,
                    _ => {
                        return Err(format!(
                            "'{word} of' must be followed by a name, a pattern or 'them'"
                        ))
                    }
                };
                self.quantified(&word, &target)
            }
            Some(Token::Word(word)) => self
                .names
                .iter()
                .position(|n| *n == word)
                .map(Condition::Search)
                .ok_or_else(|| {
                    format!("condition names '{word}', which the detection does not define")
                }),
            Some(other) => Err(format!("unexpected {} in condition", describe(&other))),
            None => Err("condition ends too early".to_owned()),
        }
    }

    fn quantified(&self, quantity: &str, target: &str) -> Result<Condition, String> {
        let chosen: Vec<usize> = if target.eq_ignore_ascii_case("them") {
            (0..self.names.len())
                .filter(|&i| !self.names[i].starts_with('_'))
                .collect()
        } else {
            (0..self.names.len())
                .filter(|&i| glob_matches(target, &self.names[i]))
                .collect()
        };
        if chosen.is_empty() {
            return Err(format!(
                "'{quantity} of {target}' matches no search identifier"
            ));
        }
        match quantity.to_ascii_lowercase().as_str() {
            "all" => Ok(Condition::All(chosen)),
            "any" => Ok(Condition::AtLeast(1, chosen)),
            n => match n.parse::<usize>() {
                Ok(count) if count > 0 => Ok(Condition::AtLeast(count, chosen)),
                _ => Err(format!(
                    "'{quantity} of': the quantity must be 1, a positive number or 'all'"
                )),
            },
        }
    }
}

fn flatten(mut operands: Vec<Condition>, join: fn(Vec<Condition>) -> Condition) -> Condition {
    if operands.len() == 1 {
        operands.remove(0)
    } else {
        join(operands)
    }
}

/// Glob with `*` only, as identifier patterns use.
fn glob_matches(pattern: &str, name: &str) -> bool {
    let mut parts = pattern.split('*');
    let Some(first) = parts.next() else {
        return false;
    };
    let Some(mut rest) = name.strip_prefix(first) else {
        return false;
    };
    let parts: Vec<&str> = parts.collect();
    let Some((last, middle)) = parts.split_last() else {
        return rest.is_empty();
    };
    for part in middle {
        match rest.find(part) {
            Some(i) => rest = &rest[i + part.len()..],
            None => return false,
        }
    }
    rest.len() >= last.len() && rest.ends_with(last)
}

#[cfg(test)]
mod tests {
    use super::*;
    use Condition::*;

    fn names() -> Vec<String> {
        ["sel", "sel_a", "sel_b", "filter", "_hidden"]
            .iter()
            .map(|s| s.to_string())
            .collect()
    }

    fn p(text: &str) -> Result<Condition, String> {
        parse(text, &names())
    }

    #[test]
    fn precedence_is_not_then_and_then_or() {
        assert_eq!(
            p("sel or sel_a and not filter").expect("parses"),
            Or(vec![
                Search(0),
                And(vec![Search(1), Not(Box::new(Search(3)))])
            ])
        );
        assert_eq!(
            p("(sel or sel_a) and not filter").expect("parses"),
            And(vec![
                Or(vec![Search(0), Search(1)]),
                Not(Box::new(Search(3)))
            ])
        );
        assert_eq!(
            p("not not sel").expect("parses"),
            Not(Box::new(Not(Box::new(Search(0)))))
        );
    }

    #[test]
    fn quantifiers_over_patterns_and_them() {
        assert_eq!(p("1 of sel*").expect("parses"), AtLeast(1, vec![0, 1, 2]));
        assert_eq!(p("all of sel_*").expect("parses"), All(vec![1, 2]));
        assert_eq!(
            p("1 of them").expect("parses"),
            AtLeast(1, vec![0, 1, 2, 3])
        );
        assert_eq!(p("all of them").expect("parses"), All(vec![0, 1, 2, 3]));
        assert_eq!(p("any of *_b").expect("parses"), AtLeast(1, vec![2]));
    }

    #[test]
    fn errors_name_the_problem() {
        assert!(p("sel | count() > 5")
            .expect_err("legacy")
            .contains("correlation"));
        assert!(p("sel near sel_a").expect_err("near").contains("temporal"));
        assert!(p("selection")
            .expect_err("undefined")
            .contains("does not define"));
        assert!(p("(sel").expect_err("paren").contains("')'"));
        assert!(p("1 of nothing*")
            .expect_err("empty")
            .contains("matches no"));
        assert!(p("sel sel_a").expect_err("junk").contains("unexpected"));
        assert!(p("").expect_err("empty").contains("too early"));
        let deep = format!("{}sel{}", "(".repeat(10_000), ")".repeat(10_000));
        assert!(p(&deep).expect_err("deep").contains("deeper than"));
        assert!(p(&"not ".repeat(10_000))
            .expect_err("deep")
            .contains("deeper than"));
    }
}
