//! Printing: Unicode for people, LaTeX for documents, ASCII in the grammar's own syntax (which
//! parses back to an equal expression). Parentheses only where precedence needs them.

use super::ast::{Expr, Func};

#[derive(Clone, Copy, PartialEq, Eq)]
enum Style {
    Unicode,
    Latex,
    Ascii,
}

// Precedence: sums 1, products 2, unary minus 3, powers 4, atoms 5.
fn prec(e: &Expr) -> u8 {
    match e {
        Expr::Add(..) | Expr::Sub(..) => 1,
        Expr::Mul(..) | Expr::Div(..) => 2,
        Expr::Neg(_) => 3,
        Expr::Num(v) if *v < 0.0 => 3,
        Expr::Pow(..) => 4,
        _ => 5,
    }
}

fn var_name(name: &str, style: Style) -> String {
    match (name, style) {
        (_, Style::Ascii) => name.to_string(),
        ("tau", Style::Unicode) => "τ".into(),
        ("tau", Style::Latex) => r"\tau".into(),
        ("sigma", Style::Unicode) => "σ".into(),
        ("sigma", Style::Latex) => r"\sigma".into(),
        ("t0", Style::Unicode) => "t₀".into(),
        ("t0", Style::Latex) => "t_0".into(),
        ("xp", Style::Unicode) => "x′".into(),
        ("xp", Style::Latex) => "x'".into(),
        ("xpp", Style::Unicode) => "x″".into(),
        ("xpp", Style::Latex) => "x''".into(),
        (n, Style::Latex) if n.len() > 1 => {
            // x1 → x_1; longer names upright.
            let (head, digits) =
                n.split_at(n.find(|c: char| c.is_ascii_digit()).unwrap_or(n.len()));
            if head.len() == 1 && !digits.is_empty() {
                format!("{head}_{{{digits}}}")
            } else {
                format!(r"\mathrm{{{n}}}")
            }
        }
        (n, _) => n.to_string(),
    }
}

fn const_name(name: &str, value: f64, style: Style) -> String {
    match (name, style) {
        ("pi", Style::Ascii) => "pi".into(),
        ("e", Style::Ascii) => "e".into(),
        ("pi", Style::Unicode) => "π".into(),
        ("pi", Style::Latex) => r"\pi".into(),
        ("2/√π", Style::Latex) => r"\frac{2}{\sqrt{\pi}}".into(),
        ("π²", Style::Latex) => r"\pi^{2}".into(),
        (n, Style::Ascii) if n.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') => n.into(),
        (_, Style::Ascii) => fmt_num(value, Style::Ascii),
        (n, Style::Latex) => var_name(n, Style::Latex),
        (n, Style::Unicode) => n.into(),
    }
}

fn fmt_num(v: f64, style: Style) -> String {
    let s = if v.fract() == 0.0 && v.abs() < 1e15 {
        format!("{}", v as i64)
    } else if (1e-4..1e15).contains(&v.abs()) {
        format!("{v}")
    } else {
        format!("{v:e}")
    };
    match style {
        Style::Unicode => s.replace('-', "−"),
        Style::Latex => {
            if let Some((m, e)) = s.split_once('e') {
                format!(r"{m} \cdot 10^{{{e}}}")
            } else {
                s
            }
        }
        Style::Ascii => s,
    }
}

fn superscript(v: f64) -> Option<String> {
    if v.fract() != 0.0 || v.abs() > 99.0 || v < 2.0 {
        return None;
    }
    let digits = ['⁰', '¹', '²', '³', '⁴', '⁵', '⁶', '⁷', '⁸', '⁹'];
    Some(
        format!("{}", v as i64)
            .chars()
            .map(|c| digits[c.to_digit(10).unwrap_or(0) as usize])
            .collect(),
    )
}

fn func_latex(f: Func) -> &'static str {
    match f {
        Func::Log => r"\log",
        Func::Sin => r"\sin",
        Func::Cos => r"\cos",
        Func::Tan => r"\tan",
        Func::Tanh => r"\tanh",
        Func::Erf => r"\operatorname{erf}",
        Func::Step => r"\operatorname{step}",
        Func::Rect => r"\operatorname{rect}",
        Func::Tri => r"\operatorname{tri}",
        Func::Sinc => r"\operatorname{sinc}",
        Func::Gauss => r"\operatorname{gauss}",
        Func::Sign => r"\operatorname{sgn}",
        Func::SincD1 => r"\operatorname{sinc}'",
        Func::SincD2 => r"\operatorname{sinc}''",
        Func::Exp => r"\exp",
        Func::Sqrt => r"\sqrt",
        Func::Abs => r"\operatorname{abs}",
    }
}

fn paren(s: String, style: Style) -> String {
    match style {
        Style::Latex => format!(r"\left({s}\right)"),
        _ => format!("({s})"),
    }
}

fn wrap(e: &Expr, min: u8, style: Style) -> String {
    let s = render(e, style);
    if prec(e) < min { paren(s, style) } else { s }
}

/// The positive form of a term that reads with a leading minus: $-y$ or $-c\\,y$ ($c > 0$).
fn negated(e: &Expr) -> Option<Expr> {
    match e {
        Expr::Neg(y) => Some((**y).clone()),
        Expr::Mul(c, y) => match **c {
            Expr::Num(v) if v < 0.0 => Some(Expr::Mul(Box::new(Expr::Num(-v)), y.clone())),
            _ => None,
        },
        _ => None,
    }
}

fn render(e: &Expr, style: Style) -> String {
    let minus = if style == Style::Unicode {
        " − "
    } else {
        " - "
    };
    let neg_sign = if style == Style::Unicode { "−" } else { "-" };
    match e {
        Expr::Num(v) => fmt_num(*v, style),
        Expr::Const { name, value } => const_name(name, *value, style),
        Expr::Var(n) => var_name(n, style),
        Expr::Neg(a) => {
            // −(a·b) reads the same as (−a)·b; parenthesise sums and other negations.
            let inner = match **a {
                Expr::Neg(_) => paren(render(a, style), style),
                Expr::Num(v) if v < 0.0 => paren(render(a, style), style),
                _ => wrap(a, 2, style),
            };
            format!("{neg_sign}{inner}")
        }
        Expr::Add(a, b) => {
            // For people (not ASCII, which parses back to the same tree): −c·y + 1 reads
            // 1 − c·y, as a textbook writes 1 − e^{−t}.
            if style != Style::Ascii
                && let Some(pos) = negated(a)
                && matches!(**b, Expr::Num(v) if v > 0.0)
            {
                return format!("{}{minus}{}", wrap(b, 1, style), wrap(&pos, 2, style));
            }
            // a + (−c·y) reads a − c·y.
            if let Expr::Mul(c, y) = &**b
                && let Expr::Num(v) = **c
                && v < 0.0
            {
                let nb = Expr::Mul(Box::new(Expr::Num(-v)), y.clone());
                return format!("{}{minus}{}", wrap(a, 1, style), wrap(&nb, 2, style));
            }
            let rhs = match **b {
                Expr::Neg(_) => paren(render(b, style), style),
                Expr::Num(v) if v < 0.0 => paren(render(b, style), style),
                // ASCII parses back to the same tree: a + (b + c) is not (a + b) + c in
                // floating point.
                Expr::Add(..) | Expr::Sub(..) if style == Style::Ascii => {
                    paren(render(b, style), style)
                }
                _ => wrap(b, 1, style),
            };
            format!("{} + {rhs}", wrap(a, 1, style))
        }
        Expr::Sub(a, b) => {
            let rhs = match **b {
                Expr::Neg(_) => paren(render(b, style), style),
                Expr::Num(v) if v < 0.0 => paren(render(b, style), style),
                _ => wrap(b, 2, style),
            };
            format!("{}{minus}{rhs}", wrap(a, 1, style))
        }
        Expr::Mul(a, b) => {
            // For people: 1·y is y and −1·y is −y.
            if style != Style::Ascii
                && let Expr::Num(v) = **a
                && v.abs() == 1.0
            {
                let r = match **b {
                    Expr::Neg(_) => paren(render(b, style), style),
                    Expr::Num(w) if w < 0.0 => paren(render(b, style), style),
                    _ => wrap(b, 2, style),
                };
                return if v < 0.0 { format!("{neg_sign}{r}") } else { r };
            }
            let l = wrap(a, 2, style);
            let r = match **b {
                Expr::Neg(_) | Expr::Div(..) => paren(render(b, style), style),
                Expr::Num(v) if v < 0.0 => paren(render(b, style), style),
                Expr::Mul(..) if style == Style::Ascii => paren(render(b, style), style),
                _ => wrap(b, 2, style),
            };
            // A number times a name or a power of one reads best side by side: 2t, 3t².
            let name_like = match &**b {
                Expr::Var(_) | Expr::Const { .. } => true,
                Expr::Pow(base, _) => matches!(**base, Expr::Var(_)),
                _ => false,
            };
            let juxtapose = matches!(**a, Expr::Num(_)) && name_like;
            match style {
                Style::Ascii => format!("{l}*{r}"),
                Style::Unicode if juxtapose => format!("{l}{r}"),
                Style::Unicode => format!("{l}·{r}"),
                Style::Latex if juxtapose => format!("{l}{r}"),
                Style::Latex if matches!(**b, Expr::Num(_)) => format!(r"{l} \cdot {r}"),
                Style::Latex => format!(r"{l}\,{r}"),
            }
        }
        Expr::Div(a, b) => match style {
            Style::Latex => format!(r"\frac{{{}}}{{{}}}", render(a, style), render(b, style)),
            _ => {
                let r = match **b {
                    Expr::Neg(_) => paren(render(b, style), style),
                    _ => wrap(b, 3, style),
                };
                format!("{}/{r}", wrap(a, 2, style))
            }
        },
        Expr::Pow(a, b) => {
            if style == Style::Latex {
                if let Expr::Num(v) = **b
                    && v == 0.5
                {
                    return format!(r"\sqrt{{{}}}", render(a, style));
                }
                // A function call as a base: f(u)^2 → f^{2}(u) is ambiguous for students;
                // keep it bracketed.
                let base = if prec(a) < 5 || matches!(**a, Expr::Call(..)) {
                    paren(render(a, style), style)
                } else {
                    render(a, style)
                };
                if let Some((n, d)) = half_integer(b) {
                    return format!("{base}^{{{n}/{d}}}");
                }
                return format!("{base}^{{{}}}", render(b, style));
            }
            let base = if prec(a) < 5 || matches!(**a, Expr::Num(v) if v < 0.0) {
                paren(render(a, style), style)
            } else {
                render(a, style)
            };
            if style == Style::Unicode
                && let Some(sup) = num_of(b).and_then(superscript)
            {
                return format!("{base}{sup}");
            }
            // Half-integer powers as fractions, the way the textbooks write them: (1 + x′²)^(3/2).
            if let Some((n, d)) = half_integer(b) {
                return format!("{base}^({n}/{d})");
            }
            // `2^-t` and `2^-t^2` read (and parse) as intended, but the grammar's `^` takes a
            // unary operand only, so `2^-(π/t)` must keep its parentheses: `2^-π/t` is
            // `(2^-π)/t`.
            let exp = match &**b {
                Expr::Neg(inner) if prec(inner) >= 4 => render(b, style),
                _ => wrap(b, 4, style),
            };
            format!("{base}^{exp}")
        }
        Expr::Call(f, a) => {
            let arg = render(a, style);
            match style {
                Style::Latex => match f {
                    Func::Exp => format!("e^{{{arg}}}"),
                    Func::Sqrt => format!(r"\sqrt{{{arg}}}"),
                    Func::Abs => format!(r"\left|{arg}\right|"),
                    _ => format!(r"{}\left({arg}\right)", func_latex(*f)),
                },
                Style::Unicode => match f {
                    Func::Sqrt if prec(a) == 5 => format!("√{arg}"),
                    Func::Sqrt => format!("√({arg})"),
                    Func::Abs => format!("|{arg}|"),
                    Func::SincD1 => format!("sinc′({arg})"),
                    Func::SincD2 => format!("sinc″({arg})"),
                    _ => format!("{}({arg})", f.name()),
                },
                Style::Ascii => match f {
                    // The derivatives of sinc are not in the grammar: write them out.
                    // The call is an atom to its neighbours, so its spelled-out form must be
                    // one too: `-sgn(t)*u` is `-(2*step(t) - 1)*u`, not `-2*step(t) - 1*u`.
                    Func::SincD1 | Func::SincD2 | Func::Sign => {
                        let fallback = ascii_fallback(*f, a);
                        paren(render(&fallback, style), style)
                    }
                    _ => format!("{}({arg})", f.name()),
                },
            }
        }
    }
}

fn num_of(e: &Expr) -> Option<f64> {
    match e {
        Expr::Num(v) => Some(*v),
        _ => None,
    }
}

/// Grammar-only equivalents (valid away from isolated points) for the internal functions.
fn ascii_fallback(f: Func, u: &Expr) -> Expr {
    let u = u.clone();
    let pi = Expr::Const {
        name: "pi".into(),
        value: std::f64::consts::PI,
    };
    match f {
        // sgn(u) = 2·step(u) − 1 (0 at 0, as sgn).
        Func::Sign => Expr::Num(2.0) * Expr::call(Func::Step, u) - Expr::Num(1.0),
        // sinc′(u) = (cos(πu) − sinc(u))/u
        Func::SincD1 => {
            (Expr::call(Func::Cos, pi * u.clone()) - Expr::call(Func::Sinc, u.clone())) / u
        }
        // sinc″(u) = −π² sinc(u) − 2 sinc′(u)/u
        _ => {
            let pi2 = Expr::Num(std::f64::consts::PI * std::f64::consts::PI);
            -(pi2 * Expr::call(Func::Sinc, u.clone()))
                - Expr::Num(2.0) * ascii_fallback(Func::SincD1, &u) / u
        }
    }
}

impl Expr {
    /// Unicode text for people: `exp(τ − 1)·step(1 − τ)`, `3t²`, `√t`.
    pub fn to_unicode(&self) -> String {
        render(self, Style::Unicode)
    }

    /// LaTeX: `e^{\tau - 1}\,\operatorname{step}\left(1 - \tau\right)`.
    pub fn to_latex(&self) -> String {
        render(self, Style::Latex)
    }

    /// The grammar's own syntax, which [`Expr::parse_with`] reads back (with the same variables
    /// and parameters) as an expression of equal value.
    pub fn to_ascii(&self) -> String {
        render(self, Style::Ascii)
    }

    /// The same as [`Expr::to_ascii`], under the name the engine's specification uses.
    ///
    /// ```
    /// # use flipshift_continuous::Expr;
    /// let e = Expr::parse("-(t/2)^2 + 2^-t")?;
    /// assert_eq!(e.to_string_ascii(), "-(t/2)^2 + 2^-t");
    /// assert_eq!(Expr::parse(&e.to_string_ascii())?, e);
    /// # Ok::<(), flipshift_continuous::ContinuousError>(())
    /// ```
    pub fn to_string_ascii(&self) -> String {
        self.to_ascii()
    }
}

impl std::fmt::Display for Expr {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.to_unicode())
    }
}

/// A half-integer exponent other than ½ (which prints as a square root) as (numerator, 2).
fn half_integer(e: &Expr) -> Option<(i64, i64)> {
    match e {
        Expr::Num(v) if v.fract().abs() == 0.5 && v.abs() < 1e6 && *v != 0.5 => {
            Some(((2.0 * v) as i64, 2))
        }
        _ => None,
    }
}
