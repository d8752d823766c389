//! A recursive-descent parser for the expression grammar of `docs/cli.md`, with errors that give the
//! column and what was expected.
//!
//! ```text
//! expr  := term (('+' | '-') term)*
//! term  := unary (('*' | '/') unary)*
//! unary := ('-' | '+') unary | power          -- so -t^2 is -(t^2)
//! power := atom ('^' unary)?                  -- right-associative; 2^-t is allowed
//! atom  := number | name | name '(' expr ')' | '(' expr ')'
//! ```

use super::ast::{Expr, Func};
use crate::error::{ContinuousError, Result};

/// What a parse may refer to besides the grammar's functions and `pi`, `e`.
#[derive(Debug, Clone, Copy)]
pub struct ParseOptions<'a> {
    /// The variable names allowed (default `["t"]`).
    pub variables: &'a [&'a str],
    /// Named parameters bound to values (printed by name).
    pub params: &'a [(String, f64)],
}

impl Default for ParseOptions<'_> {
    fn default() -> Self {
        ParseOptions {
            variables: &["t"],
            params: &[],
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    Num(f64),
    Name(String),
    Op(char),
    LParen,
    RParen,
    End,
}

#[derive(Debug, Clone)]
struct Token {
    tok: Tok,
    col: usize,
    text: String,
}

fn err(column: usize, message: impl Into<String>) -> ContinuousError {
    ContinuousError::Parse {
        column,
        message: message.into(),
    }
}

fn lex(src: &str) -> Result<Vec<Token>> {
    let chars: Vec<char> = src.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let col = i + 1;
        if c.is_whitespace() {
            i += 1;
            continue;
        }
        if c.is_ascii_digit() || (c == '.' && chars.get(i + 1).is_some_and(char::is_ascii_digit)) {
            let start = i;
            while i < chars.len() && chars[i].is_ascii_digit() {
                i += 1;
            }
            if i < chars.len() && chars[i] == '.' {
                i += 1;
                while i < chars.len() && chars[i].is_ascii_digit() {
                    i += 1;
                }
            }
            if i < chars.len() && (chars[i] == 'e' || chars[i] == 'E') {
                // An exponent only if digits follow (`2e` alone would be 2·e: refused below).
                let mut j = i + 1;
                if j < chars.len() && (chars[j] == '+' || chars[j] == '-') {
                    j += 1;
                }
                if j < chars.len() && chars[j].is_ascii_digit() {
                    i = j;
                    while i < chars.len() && chars[i].is_ascii_digit() {
                        i += 1;
                    }
                } else {
                    return Err(err(
                        i + 1,
                        format!(
                            "malformed number '{}': an exponent needs digits, like 1e-3",
                            chars[start..(j.min(chars.len()))]
                                .iter()
                                .collect::<String>()
                        ),
                    ));
                }
            }
            if i < chars.len() && chars[i] == '.' {
                return Err(err(
                    i + 1,
                    format!(
                        "malformed number '{}': unexpected '.'",
                        chars[start..=i].iter().collect::<String>()
                    ),
                ));
            }
            let text: String = chars[start..i].iter().collect();
            let v: f64 = text
                .parse()
                .map_err(|_| err(col, format!("malformed number '{text}'")))?;
            if !v.is_finite() {
                return Err(err(col, format!("number '{text}' is out of range")));
            }
            out.push(Token {
                tok: Tok::Num(v),
                col,
                text,
            });
            continue;
        }
        if c.is_ascii_alphabetic() || c == '_' {
            let start = i;
            while i < chars.len() && (chars[i].is_ascii_alphanumeric() || chars[i] == '_') {
                i += 1;
            }
            let text: String = chars[start..i].iter().collect();
            out.push(Token {
                tok: Tok::Name(text.clone()),
                col,
                text,
            });
            continue;
        }
        let tok = match c {
            '+' | '-' | '*' | '/' | '^' => Tok::Op(c),
            '−' => Tok::Op('-'),
            '(' => Tok::LParen,
            ')' => Tok::RParen,
            _ => return Err(err(col, format!("unexpected character '{c}'"))),
        };
        if c == '*' && chars.get(i + 1) == Some(&'*') {
            return Err(err(
                col + 1,
                "'**' is not an operator; write t^2 for a power",
            ));
        }
        out.push(Token {
            tok,
            col,
            text: c.to_string(),
        });
        i += 1;
    }
    out.push(Token {
        tok: Tok::End,
        col: chars.len() + 1,
        text: String::new(),
    });
    Ok(out)
}

/// Most tokens an expression may have. With the depth limit below this keeps every recursive
/// pass over the tree (simplify, d/dt, printing, dropping) far from the stack's end; a
/// formula a person writes has a few dozen.
pub(crate) const MAX_TOKENS: usize = 10_000;
/// Deepest nesting of parentheses, calls, unary minus and powers while parsing.
pub(crate) const MAX_NESTING: usize = 100;
/// Deepest tree a parse may produce (a sum of $n$ terms is $n$ deep).
pub(crate) const MAX_DEPTH: usize = 500;

struct Parser<'a> {
    toks: Vec<Token>,
    pos: usize,
    opts: &'a ParseOptions<'a>,
    nesting: usize,
    /// Set by a unary sign for the atom right after it: a '(' there costs no level of its own,
    /// since the sign already paid for it. So `-(-(-t))`, which is how `---t` prints, is as
    /// deep as `---t`, and whatever parses prints as text that parses again.
    after_sign: bool,
}

/// The depth of a tree, without recursion (the tree may be deeper than is safe to recurse).
fn depth(e: &Expr) -> usize {
    let mut max = 0;
    let mut stack = vec![(e, 1usize)];
    while let Some((e, d)) = stack.pop() {
        max = max.max(d);
        match e {
            Expr::Num(_) | Expr::Const { .. } | Expr::Var(_) => {}
            Expr::Neg(a) | Expr::Call(_, a) => stack.push((a, d + 1)),
            Expr::Add(a, b)
            | Expr::Sub(a, b)
            | Expr::Mul(a, b)
            | Expr::Div(a, b)
            | Expr::Pow(a, b) => {
                stack.push((a, d + 1));
                stack.push((b, d + 1));
            }
        }
    }
    max
}

impl Parser<'_> {
    fn peek(&self) -> &Token {
        // The token list always ends with End, and `pos` never passes it.
        &self.toks[self.pos.min(self.toks.len() - 1)]
    }

    fn bump(&mut self) -> Token {
        let t = self.peek().clone();
        if self.pos < self.toks.len() - 1 {
            self.pos += 1;
        }
        t
    }

    fn found(t: &Token) -> String {
        match &t.tok {
            Tok::End => "end of input".into(),
            _ => format!("'{}'", t.text),
        }
    }

    /// Enter one more level of nesting at the current token; an error past [`MAX_NESTING`].
    fn enter(&mut self) -> Result<()> {
        self.nesting += 1;
        if self.nesting > MAX_NESTING {
            return Err(err(
                self.peek().col,
                format!(
                    "nested more than {MAX_NESTING} levels deep here; split the expression or remove redundant parentheses and signs"
                ),
            ));
        }
        Ok(())
    }

    fn leave(&mut self) {
        self.nesting = self.nesting.saturating_sub(1);
    }

    fn expr(&mut self) -> Result<Expr> {
        let mut lhs = self.term()?;
        loop {
            match self.peek().tok {
                Tok::Op('+') => {
                    self.bump();
                    lhs = lhs + self.term()?;
                }
                Tok::Op('-') => {
                    self.bump();
                    lhs = lhs - self.term()?;
                }
                _ => return Ok(lhs),
            }
        }
    }

    fn term(&mut self) -> Result<Expr> {
        let mut lhs = self.unary()?;
        loop {
            match self.peek().tok {
                Tok::Op('*') => {
                    self.bump();
                    lhs = lhs * self.unary()?;
                }
                Tok::Op('/') => {
                    self.bump();
                    lhs = lhs / self.unary()?;
                }
                _ => return Ok(lhs),
            }
        }
    }

    fn unary(&mut self) -> Result<Expr> {
        match self.peek().tok {
            Tok::Op('-') => {
                self.bump();
                self.enter()?;
                self.after_sign = true;
                let a = self.unary()?;
                self.leave();
                Ok(-a)
            }
            Tok::Op('+') => {
                self.bump();
                self.enter()?;
                self.after_sign = true;
                let a = self.unary()?;
                self.leave();
                Ok(a)
            }
            _ => self.power(),
        }
    }

    fn power(&mut self) -> Result<Expr> {
        let base = self.atom()?;
        if self.peek().tok == Tok::Op('^') {
            self.bump();
            self.enter()?;
            let exp = self.unary()?;
            self.leave();
            return Ok(base.pow(exp));
        }
        Ok(base)
    }

    fn atom(&mut self) -> Result<Expr> {
        let paid = std::mem::take(&mut self.after_sign);
        let t = self.bump();
        match t.tok {
            Tok::Num(v) => Ok(Expr::Num(v)),
            Tok::LParen => {
                if !paid {
                    self.enter()?;
                }
                let inner = self.expr()?;
                if !paid {
                    self.leave();
                }
                let close = self.bump();
                if close.tok != Tok::RParen {
                    return Err(err(
                        close.col,
                        format!(
                            "expected ')' to close the '(' at column {}, found {}",
                            t.col,
                            Self::found(&close)
                        ),
                    ));
                }
                Ok(inner)
            }
            Tok::Name(name) => {
                if let Some(f) = Func::from_name(&name) {
                    let open = self.bump();
                    if open.tok != Tok::LParen {
                        return Err(err(
                            open.col,
                            format!(
                                "expected '(' after the function '{name}', found {}",
                                Self::found(&open)
                            ),
                        ));
                    }
                    if self.peek().tok == Tok::RParen {
                        return Err(err(
                            self.peek().col,
                            format!("'{name}' needs an argument, found ')'"),
                        ));
                    }
                    self.enter()?;
                    let arg = self.expr()?;
                    self.leave();
                    let close = self.bump();
                    if close.tok != Tok::RParen {
                        return Err(err(
                            close.col,
                            format!(
                                "expected ')' to close '{name}(' at column {}, found {}",
                                open.col,
                                Self::found(&close)
                            ),
                        ));
                    }
                    return Ok(Expr::call(f, arg));
                }
                if self.opts.variables.contains(&name.as_str()) {
                    return Ok(Expr::Var(name));
                }
                if let Some((n, v)) = self.opts.params.iter().find(|(n, _)| *n == name) {
                    return Ok(Expr::Const {
                        name: n.clone(),
                        value: *v,
                    });
                }
                match name.as_str() {
                    "pi" => {
                        return Ok(Expr::Const {
                            name: "pi".into(),
                            value: std::f64::consts::PI,
                        });
                    }
                    "e" => {
                        return Ok(Expr::Const {
                            name: "e".into(),
                            value: std::f64::consts::E,
                        });
                    }
                    _ => {}
                }
                let hint = if name == "dirac" {
                    "dirac(...) is a distribution, not a function: it is accepted where a kernel or signal of a convolution is (convolve, derivative, lsgrad, check), not here".to_string()
                } else if self.peek().tok == Tok::LParen {
                    "not a function of the grammar (exp log sqrt abs sin cos tan tanh erf step rect tri sinc gauss)".to_string()
                } else {
                    format!(
                        "the variables here are {}; bind other names with --param NAME=VALUE",
                        self.opts.variables.join(", ")
                    )
                };
                Err(ContinuousError::UnknownName {
                    name,
                    column: t.col,
                    hint,
                })
            }
            Tok::RParen | Tok::Op(_) | Tok::End => Err(err(
                t.col,
                format!(
                    "expected a number, a name or '(', found {}",
                    Self::found(&t)
                ),
            )),
        }
    }
}

impl Expr {
    /// Parse an expression in `t` (see the module docs for the grammar).
    ///
    /// ```
    /// # use flipshift_continuous::Expr;
    /// let h = Expr::parse("exp(-t^2/2)")?;
    /// assert_eq!(h.eval_at(2.0), (-2.0f64).exp());
    /// let e = Expr::parse("exp(-t^").unwrap_err();
    /// assert!(e.to_string().contains("column 8"));
    /// # Ok::<(), flipshift_continuous::ContinuousError>(())
    /// ```
    pub fn parse(src: &str) -> Result<Expr> {
        Self::parse_with(src, &ParseOptions::default())
    }

    /// Parse with other variables (e.g. `t`, `x`, `xp` for a Lagrangian) and bound parameters.
    pub fn parse_with(src: &str, opts: &ParseOptions) -> Result<Expr> {
        if src.trim().is_empty() {
            return Err(err(1, "the expression is empty"));
        }
        let toks = lex(src)?;
        if let Some(t) = toks.get(MAX_TOKENS).filter(|t| t.tok != Tok::End) {
            return Err(err(
                t.col,
                format!("the expression is longer than {MAX_TOKENS} tokens; split it"),
            ));
        }
        let mut p = Parser {
            toks,
            pos: 0,
            opts,
            nesting: 0,
            after_sign: false,
        };
        let e = p.expr()?;
        let t = p.peek().clone();
        if t.tok != Tok::End {
            let hint = match t.tok {
                Tok::RParen => "')': it has no matching '('".to_string(),
                _ => format!(
                    "{}: expected an operator (+ - * / ^) or the end",
                    Parser::found(&t)
                ),
            };
            return Err(err(t.col, format!("unexpected {hint}")));
        }
        if depth(&e) > MAX_DEPTH {
            return Err(err(
                1,
                format!("the expression is more than {MAX_DEPTH} operations deep; split it"),
            ));
        }
        Ok(e)
    }
}
