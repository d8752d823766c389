//! Distributions: an ordinary function plus finitely many Dirac deltas and their derivatives,
//! $f(t) + \sum_i w_i\\, \delta^{(k_i)}(t - p_i)$.
//!
//! Written `dirac(u)` and `dirac(u, k)` in the expression grammar, with $u$ affine in $t$:
//! $\delta^{(k)}(ct - a) = \operatorname{sgn}(c)^k / |c|^{k+1}\\, \delta^{(k)}(t - a/c)$. A delta
//! may be added to functions, scaled by a constant, and multiplied by a function that is smooth
//! where the delta sits: $f\\,\delta_p = f(p)\\,\delta_p$ and, by the product rule,
//! $f\\,\delta^{(k)}_p = \sum_{j=0}^k (-1)^j \binom{k}{j} f^{(j)}(p)\\, \delta^{(k-j)}_p$
//! (so $f\\,\delta'_p = f(p)\\,\delta'_p - f'(p)\\,\delta_p$). Anything else — a delta under a
//! nonlinear function, a delta times a delta, a delta in a denominator or a power, a product
//! with a function that jumps where the delta sits — defines no distribution and is refused.
//!
//! Convolution with a delta is exact, by sifting: $\delta^{(k)}_p * x = x^{(k)}(t - p)$, where
//! $x^{(k)}$ is the distributional derivative — the classical one plus a delta
//! $[x^{(j)}](b)\\,\delta^{(k-1-j)}_b$ for every jump $[x^{(j)}](b) = x^{(j)}(b^+) - x^{(j)}(b^-)$ of
//! a lower derivative. The numerical core (quadrature, compiled evaluation) never sees a delta:
//! a [`Distribution`] keeps its regular part as an ordinary [`Expr`] and its singular part as a
//! list of [`DiracTerm`]s.

use crate::closed_form::{ConvPath, convolve_auto_lenient};
use crate::convolution::ConvOutput;
use crate::error::{ContinuousError, Result};
use crate::quadrature::QuadParams;
use crate::realfn::RealFn;
use crate::symbolic::{CompiledExpr, Expr, Func, ParseOptions};

/// The highest derivative order `dirac(u, k)` accepts: each order differentiates the signal of
/// a convolution once more, symbolically.
pub const MAX_DIRAC_ORDER: u32 = 12;

/// $u = 2^{-53}$.
const U: f64 = 0.5 * f64::EPSILON;

/// One term $w\\,\delta^{(k)}(t - p)$ of a distribution.
#[derive(Debug, Clone, PartialEq)]
pub struct DiracTerm {
    /// The point $p$ where the term sits.
    pub point: f64,
    /// The derivative order $k \ge 0$.
    pub order: u32,
    /// The weight $w$.
    pub weight: f64,
    /// A bound on $|p - p_{\text{exact}}|$ (the rounding of the literals and of $a/c$).
    pub point_error: f64,
    /// A bound on $|w - w_{\text{exact}}|$.
    pub weight_error: f64,
}

/// `δ`, `δ′`, `δ″`, `δ‴`, `δ⁽⁴⁾` ...
fn delta_symbol_unicode(k: u32) -> String {
    match k {
        0 => "δ".into(),
        1 => "δ′".into(),
        2 => "δ″".into(),
        3 => "δ‴".into(),
        _ => {
            let sup: String = k
                .to_string()
                .chars()
                .map(|c| match c {
                    '0' => '⁰',
                    '1' => '¹',
                    '2' => '²',
                    '3' => '³',
                    '4' => '⁴',
                    '5' => '⁵',
                    '6' => '⁶',
                    '7' => '⁷',
                    '8' => '⁸',
                    _ => '⁹',
                })
                .collect();
            format!("δ⁽{sup}⁾")
        }
    }
}

fn delta_symbol_latex(k: u32) -> String {
    match k {
        0 => r"\delta".into(),
        1 => r"\delta'".into(),
        2 => r"\delta''".into(),
        _ => format!(r"\delta^{{({k})}}"),
    }
}

/// How a term is printed: `w·δ⁽ᵏ⁾(arg)`, the weight left out when it is ±1.
fn print_term(weight: f64, symbol: &str, arg: &str, times: &str, minus: &str) -> String {
    if weight == 1.0 {
        format!("{symbol}({arg})")
    } else if weight == -1.0 {
        format!("{minus}{symbol}({arg})")
    } else {
        let w = Expr::num(weight);
        let w = if times == "·" {
            w.to_unicode()
        } else {
            w.to_latex()
        };
        format!("{w}{times}{symbol}({arg})")
    }
}

impl DiracTerm {
    fn arg(&self, var: &str) -> Expr {
        (Expr::var(var) - Expr::num(self.point)).simplify()
    }

    /// Unicode in the variable `var` (`t`, or `tau` printed τ): `2·δ′(t − 0.5)`.
    pub fn to_unicode_in(&self, var: &str) -> String {
        print_term(
            self.weight,
            &delta_symbol_unicode(self.order),
            &self.arg(var).to_unicode(),
            "·",
            "−",
        )
    }

    /// LaTeX in the variable `var`: `2\,\delta'(t - 0.5)`.
    pub fn to_latex_in(&self, var: &str) -> String {
        print_term(
            self.weight,
            &delta_symbol_latex(self.order),
            &self.arg(var).to_latex(),
            r"\,",
            "-",
        )
    }

    /// The same term written as a function of $c - $`var`, as $h(t_0 - \tau)$ comes out:
    /// $w\\,\delta^{(k)}(\tau - c) = (-1)^k w\\,\delta^{(k)}(c - \tau)$, Unicode.
    pub fn to_unicode_reflected(&self, var: &str) -> String {
        let arg = (Expr::num(self.point) - Expr::var(var)).simplify();
        print_term(
            self.weight * sign_pow(self.order),
            &delta_symbol_unicode(self.order),
            &arg.to_unicode(),
            "·",
            "−",
        )
    }

    /// [`DiracTerm::to_unicode_reflected`] in LaTeX.
    pub fn to_latex_reflected(&self, var: &str) -> String {
        let arg = (Expr::num(self.point) - Expr::var(var)).simplify();
        print_term(
            self.weight * sign_pow(self.order),
            &delta_symbol_latex(self.order),
            &arg.to_latex(),
            r"\,",
            "-",
        )
    }
}

/// $(-1)^k$.
fn sign_pow(k: u32) -> f64 {
    if k.is_multiple_of(2) { 1.0 } else { -1.0 }
}

/// $\binom{k}{j}$ (exact in `f64` for the orders allowed).
fn binomial(k: u32, j: u32) -> f64 {
    (0..j).fold(1.0, |acc, i| acc * f64::from(k - i) / f64::from(i + 1))
}

/// A distribution $f(t) + \sum_i w_i\\, \delta^{(k_i)}(t - p_i)$: a regular part (an ordinary
/// expression) and a finite singular part.
///
/// ```
/// # use flipshift_continuous::Distribution;
/// let d = Distribution::parse("exp(-t^2) + 3*dirac(2*t - 1) + t*dirac(t - 2, 1)")?;
/// assert_eq!(d.regular().to_unicode(), "exp(−t²)");
/// // 3·δ(2t − 1) = 1.5·δ(t − 0.5); t·δ′(t − 2) = 2·δ′(t − 2) − δ(t − 2).
/// let terms: Vec<(f64, u32, f64)> = d.deltas().iter().map(|d| (d.point, d.order, d.weight)).collect();
/// assert_eq!(terms, vec![(0.5, 0, 1.5), (2.0, 0, -1.0), (2.0, 1, 2.0)]);
/// # Ok::<(), flipshift_continuous::ContinuousError>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct Distribution {
    regular: Expr,
    deltas: Vec<DiracTerm>,
}

/// Whether `src` uses `dirac` (as a name on its own, not inside a longer one).
///
/// ```
/// # use flipshift_continuous::contains_dirac;
/// assert!(contains_dirac("exp(-t) + dirac(t - 1)"));
/// assert!(!contains_dirac("exp(-t)*mydirac_param"));
/// ```
pub fn contains_dirac(src: &str) -> bool {
    !find_dirac_names(&src.chars().collect::<Vec<_>>()).is_empty()
}

/// Char indices of every `dirac` that is a name of its own.
fn find_dirac_names(chars: &[char]) -> Vec<usize> {
    let ident = |c: char| c.is_ascii_alphanumeric() || c == '_';
    let word: Vec<char> = "dirac".chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i + word.len() <= chars.len() {
        if chars[i..i + word.len()] == word[..]
            && (i == 0 || !ident(chars[i - 1]))
            && chars.get(i + word.len()).is_none_or(|c| !ident(*c))
        {
            out.push(i);
            i += word.len();
        } else {
            i += 1;
        }
    }
    out
}

fn at(column: usize, reason: impl Into<String>) -> ContinuousError {
    ContinuousError::Distribution {
        column,
        reason: reason.into(),
    }
}

/// Shift the column of a parse error found in a substring starting at `offset` (0-based).
fn shift_column(e: ContinuousError, offset: usize) -> ContinuousError {
    match e {
        ContinuousError::Parse { column, message } => ContinuousError::Parse {
            column: column + offset,
            message,
        },
        ContinuousError::UnknownName { name, column, hint } => ContinuousError::UnknownName {
            name,
            column: if column > 0 { column + offset } else { 0 },
            hint,
        },
        other => other,
    }
}

/// One `dirac(...)` of the source, parsed.
#[derive(Debug, Clone)]
struct Site {
    /// The placeholder variable standing for it.
    name: String,
    /// Its text, for messages.
    text: String,
    /// 1-based column of `dirac`.
    column: usize,
    point: f64,
    point_error: f64,
    order: u32,
    /// $\operatorname{sgn}(c)^k / |c|^{k+1}$.
    scale: f64,
}

/// An expression linear in the placeholders: `regular + Σ coefficient·site`.
#[derive(Debug, Clone)]
struct Linear {
    regular: Expr,
    terms: Vec<(Expr, usize)>,
}

impl Linear {
    fn regular(e: Expr) -> Linear {
        Linear {
            regular: e,
            terms: Vec::new(),
        }
    }

    fn map(self, f: impl Fn(Expr) -> Expr) -> Linear {
        Linear {
            regular: f(self.regular),
            terms: self.terms.into_iter().map(|(c, i)| (f(c), i)).collect(),
        }
    }
}

struct Splitter<'a> {
    sites: &'a [Site],
}

impl Splitter<'_> {
    fn site(&self, e: &Expr) -> Option<usize> {
        match e {
            Expr::Var(n) => self.sites.iter().position(|s| &s.name == n),
            _ => None,
        }
    }

    /// The first site below `e`, if any.
    fn first_site(&self, e: &Expr) -> Option<&Site> {
        if let Some(i) = self.site(e) {
            return self.sites.get(i);
        }
        match e {
            Expr::Num(_) | Expr::Const { .. } | Expr::Var(_) => None,
            Expr::Neg(a) | Expr::Call(_, a) => self.first_site(a),
            Expr::Add(a, b)
            | Expr::Sub(a, b)
            | Expr::Mul(a, b)
            | Expr::Div(a, b)
            | Expr::Pow(a, b) => self.first_site(a).or_else(|| self.first_site(b)),
        }
    }

    fn split(&self, e: &Expr) -> Result<Linear> {
        if let Some(i) = self.site(e) {
            return Ok(Linear {
                regular: Expr::num(0.0),
                terms: vec![(Expr::num(1.0), i)],
            });
        }
        if self.first_site(e).is_none() {
            return Ok(Linear::regular(e.clone()));
        }
        Ok(match e {
            Expr::Neg(a) => self.split(a)?.map(|x| -x),
            Expr::Add(a, b) | Expr::Sub(a, b) => {
                let (mut l, r) = (self.split(a)?, self.split(b)?);
                let minus = matches!(e, Expr::Sub(..));
                let fix = |x: Expr| if minus { -x } else { x };
                l.regular = if minus {
                    l.regular - r.regular
                } else {
                    l.regular + r.regular
                };
                l.terms
                    .extend(r.terms.into_iter().map(|(c, i)| (fix(c), i)));
                l
            }
            Expr::Mul(a, b) => {
                let (l, r) = (self.split(a)?, self.split(b)?);
                match (l.terms.is_empty(), r.terms.is_empty()) {
                    (false, false) => {
                        let (s, u) = (&self.sites[l.terms[0].1], &self.sites[r.terms[0].1]);
                        return Err(at(
                            u.column,
                            format!(
                                "{} times {} is not defined: a product of two deltas is not a distribution",
                                s.text, u.text
                            ),
                        ));
                    }
                    (true, _) => {
                        let f = l.regular;
                        r.map(|x| f.clone() * x)
                    }
                    (false, true) => {
                        let f = r.regular;
                        l.map(|x| x * f.clone())
                    }
                }
            }
            Expr::Div(a, b) => {
                if let Some(s) = self.first_site(b) {
                    return Err(at(
                        s.column,
                        format!(
                            "{} in a denominator is not defined: a distribution can be divided by a function, not divide one",
                            s.text
                        ),
                    ));
                }
                let d = (**b).clone();
                self.split(a)?.map(|x| x / d.clone())
            }
            Expr::Pow(a, _) | Expr::Call(_, a) => {
                // A site is somewhere below: under a power or a function.
                let s = self
                    .first_site(e)
                    .ok_or_else(|| at(0, "internal: a delta was lost"))?;
                let what = match e {
                    Expr::Call(f, _) => format!("under {}(...)", f.name()),
                    _ if self.first_site(a).is_some() => "raised to a power".to_string(),
                    _ => "in an exponent".to_string(),
                };
                return Err(at(
                    s.column,
                    format!(
                        "{} {what} is not defined: a delta can be added, scaled, shifted and multiplied by a smooth function, not put through a nonlinear one",
                        s.text
                    ),
                ));
            }
            Expr::Num(_) | Expr::Const { .. } | Expr::Var(_) => Linear::regular(e.clone()),
        })
    }
}

/// `(c, b)` with `u = c·t + b`, when `u` is affine in `t`.
fn affine_parts(u: &Expr) -> Option<(f64, f64)> {
    let du = u.diff("t");
    if du.depends_on("t") {
        return None;
    }
    let c = du.constant_value()?;
    let b = u.substitute("t", &Expr::num(0.0)).constant_value()?;
    // The slope is constant; check that u is affine on a second point too (du is exact).
    (c.is_finite() && b.is_finite()).then_some((c, b))
}

/// Parse `dirac(ARG)` / `dirac(ARG, K)` at char index `start` (the `d`): the site and the char
/// index just past the closing parenthesis.
fn parse_site(
    chars: &[char],
    start: usize,
    index: usize,
    opts: &ParseOptions,
) -> Result<(Site, usize)> {
    let column = start + 1;
    let mut i = start + 5;
    while chars.get(i).is_some_and(|c| c.is_whitespace()) {
        i += 1;
    }
    if chars.get(i) != Some(&'(') {
        return Err(ContinuousError::Parse {
            column: i + 1,
            message: "expected '(' after 'dirac': write dirac(t - a) or dirac(t - a, k)".into(),
        });
    }
    let open = i;
    let mut depth = 0usize;
    let mut commas = Vec::new();
    let mut close = None;
    for (j, &c) in chars.iter().enumerate().skip(open) {
        match c {
            '(' => depth += 1,
            ')' => {
                depth -= 1;
                if depth == 0 {
                    close = Some(j);
                    break;
                }
            }
            ',' if depth == 1 => commas.push(j),
            _ => {}
        }
    }
    let close = close.ok_or_else(|| ContinuousError::Parse {
        column: open + 1,
        message: "expected ')' to close 'dirac('".into(),
    })?;
    if commas.len() > 1 {
        return Err(ContinuousError::Parse {
            column: commas[1] + 1,
            message: "dirac takes one or two arguments: dirac(t - a) or dirac(t - a, k)".into(),
        });
    }
    let text: String = chars[start..=close].iter().collect();
    let arg_end = commas.first().copied().unwrap_or(close);
    let arg_src: String = chars[open + 1..arg_end].iter().collect();
    if contains_dirac(&arg_src) {
        return Err(at(
            column,
            format!("{text}: a delta inside a delta's argument is not defined"),
        ));
    }
    let arg = Expr::parse_with(&arg_src, opts).map_err(|e| shift_column(e, open + 1))?;
    let (c, b) = affine_parts(&arg).ok_or_else(|| {
        at(
            column,
            format!(
                "{text}: the argument must be affine in t (c·t + a, c ≠ 0), got {}",
                arg.to_unicode()
            ),
        )
    })?;
    if c == 0.0 {
        return Err(at(
            column,
            format!("{text}: the argument must depend on t (c·t + a with c ≠ 0)"),
        ));
    }
    let order = match commas.first() {
        None => 0,
        Some(&comma) => {
            let k_src: String = chars[comma + 1..close].iter().collect();
            let no_vars = ParseOptions {
                variables: &[],
                params: opts.params,
            };
            let k = Expr::parse_with(&k_src, &no_vars).map_err(|e| match e {
                ContinuousError::UnknownName { name, column, .. } => {
                    ContinuousError::UnknownName {
                        name,
                        column: column + comma + 1,
                        hint: "the order k of dirac(u, k) is a whole number (or a name bound with --param NAME=VALUE)".into(),
                    }
                }
                other => shift_column(other, comma + 1),
            })?;
            let kv = k.constant_value().unwrap_or(f64::NAN);
            if !(kv.is_finite() && kv.fract() == 0.0 && kv >= 0.0) {
                return Err(at(
                    comma + 2,
                    format!(
                        "{text}: the order k must be a whole number ≥ 0, got {}",
                        k_src.trim()
                    ),
                ));
            }
            if kv > f64::from(MAX_DIRAC_ORDER) {
                return Err(at(
                    comma + 2,
                    format!("{text}: the order k is at most {MAX_DIRAC_ORDER}, got {kv}"),
                ));
            }
            kv as u32
        }
    };
    // + 0.0: the point of dirac(t) is 0, not −0.
    let point = -b / c + 0.0;
    if !point.is_finite() {
        return Err(at(
            column,
            format!("{text}: the delta's point is not finite"),
        ));
    }
    let sgn = if c < 0.0 { sign_pow(order) } else { 1.0 };
    let scale = sgn / c.abs().powi(order as i32 + 1);
    if !scale.is_finite() || scale == 0.0 {
        return Err(at(
            column,
            format!("{text}: its weight 1/|c|^(k+1) is out of range"),
        ));
    }
    // p = −b/c: b and c each carry the rounding of their literals and of the arithmetic that
    // formed them (a few ulps), the quotient one more.
    let point_error = 8.0 * U * (point.abs() + (b / c).abs());
    let name = format!("__d{index}");
    Ok((
        Site {
            name,
            text,
            column,
            point,
            point_error,
            order,
            scale,
        },
        close + 1,
    ))
}

/// The value of `e` as $t \to$ `t` from the side `side` (±1): every jump function (`step`,
/// `rect`, `sgn`) whose argument sits on its jump takes its one-sided value, read from the
/// direction the argument moves; `None` where that direction is not defined (a stationary
/// argument) or a value is not finite.
fn eval_side(e: &Expr, t: f64, side: f64) -> Option<f64> {
    let v = match e {
        Expr::Num(v) => *v,
        Expr::Const { value, .. } => *value,
        Expr::Var(n) if n == "t" => t,
        Expr::Var(_) => return None,
        Expr::Neg(a) => -eval_side(a, t, side)?,
        Expr::Add(a, b) => eval_side(a, t, side)? + eval_side(b, t, side)?,
        Expr::Sub(a, b) => eval_side(a, t, side)? - eval_side(b, t, side)?,
        Expr::Mul(a, b) => eval_side(a, t, side)? * eval_side(b, t, side)?,
        Expr::Div(a, b) => eval_side(a, t, side)? / eval_side(b, t, side)?,
        Expr::Pow(a, b) => {
            crate::symbolic::pow_real(eval_side(a, t, side)?, eval_side(b, t, side)?)
        }
        Expr::Call(f, a) => {
            let u = eval_side(a, t, side)?;
            let jumps: &[f64] = match f {
                Func::Step | Func::Sign => &[0.0],
                Func::Rect => &[-0.5, 0.5],
                _ => &[],
            };
            // On a jump when within rounding of it: the argument was computed from t.
            let du = a.diff("t").eval_at(t);
            let tol = 64.0 * U * (u.abs() + (t * du).abs()).max(f64::MIN_POSITIVE);
            match jumps.iter().find(|&&j| (u - j).abs() <= tol) {
                None => f.apply(u),
                Some(&j) => {
                    if !(du.is_finite() && du != 0.0) {
                        return None;
                    }
                    // Just past the jump, on the side the argument moves to.
                    let dir = side * du.signum();
                    let past = if j == 0.0 { dir * 0.25 } else { j + dir * 0.25 };
                    f.apply(past)
                }
            }
        }
    };
    Some(v)
}

/// Every jump function's argument must be affine or quadratic in `t`, so that
/// [`Expr::breakpoints`] finds every jump.
fn jumps_located(e: &Expr) -> std::result::Result<(), String> {
    match e {
        Expr::Num(_) | Expr::Const { .. } | Expr::Var(_) => Ok(()),
        Expr::Neg(a) => jumps_located(a),
        Expr::Add(a, b) | Expr::Sub(a, b) | Expr::Mul(a, b) | Expr::Div(a, b) | Expr::Pow(a, b) => {
            jumps_located(a).and(jumps_located(b))
        }
        Expr::Call(f, a) => {
            if matches!(f, Func::Step | Func::Rect | Func::Sign)
                && a.depends_on("t")
                && crate::symbolic::affine(a).is_none()
                && crate::symbolic::quadratic(a).is_none()
            {
                return Err(format!("{}({})", f.name(), a.to_unicode()));
            }
            jumps_located(a)
        }
    }
}

/// The jumps $g(b^+) - g(b^-)$ of `g` at its breakpoints (nonzero ones only), each with a
/// bound on its rounding.
fn jumps(g: &Expr, what: &str) -> Result<Vec<(f64, f64, f64)>> {
    if let Err(f) = jumps_located(g) {
        return Err(ContinuousError::NotDifferentiable {
            what: what.to_string(),
            reason: format!(
                "the jumps of {f} cannot be located (its argument is neither affine nor quadratic in t), so the deltas of its derivative cannot be carried"
            ),
        });
    }
    let mut out = Vec::new();
    for b in g.breakpoints() {
        match (eval_side(g, b, 1.0), eval_side(g, b, -1.0)) {
            (Some(r), Some(l)) if r.is_finite() && l.is_finite() => {
                let j = r - l;
                if j != 0.0 {
                    out.push((b, j, 16.0 * U * (r.abs() + l.abs())));
                }
            }
            _ => {
                return Err(ContinuousError::NotDifferentiable {
                    what: what.to_string(),
                    reason: format!(
                        "{} has no finite limit on both sides of t = {b}, so its derivative there is not a delta",
                        g.to_unicode()
                    ),
                });
            }
        }
    }
    Ok(out)
}

impl Distribution {
    /// Parse an expression in `t` that may use `dirac` (see the module docs).
    pub fn parse(src: &str) -> Result<Distribution> {
        Self::parse_with(src, &ParseOptions::default())
    }

    /// Parse with bound parameters (`variables` must be just `t`: a distribution is a function
    /// of one variable).
    pub fn parse_with(src: &str, opts: &ParseOptions) -> Result<Distribution> {
        let chars: Vec<char> = src.chars().collect();
        let starts = find_dirac_names(&chars);
        if starts.is_empty() {
            return Ok(Distribution::from_expr(Expr::parse_with(src, opts)?));
        }
        let mut sites = Vec::new();
        let mut replaced = String::new();
        let mut pos = 0;
        for &s in &starts {
            if s < pos {
                // Inside an earlier site's argument: refused there.
                continue;
            }
            let (site, end) = parse_site(&chars, s, sites.len(), opts)?;
            replaced.extend(&chars[pos..s]);
            // The placeholder, padded with spaces to the same width so columns still match.
            replaced.push_str(&site.name);
            let width = end - s;
            replaced.extend(std::iter::repeat_n(
                ' ',
                width.saturating_sub(site.name.len()),
            ));
            pos = end;
            sites.push(site);
        }
        replaced.extend(&chars[pos..]);
        let mut vars: Vec<&str> = opts.variables.to_vec();
        vars.extend(sites.iter().map(|s| s.name.as_str()));
        let e = Expr::parse_with(
            &replaced,
            &ParseOptions {
                variables: &vars,
                params: opts.params,
            },
        )
        .map_err(|e| match e {
            ContinuousError::Parse { column, message } => ContinuousError::Parse {
                column,
                message: sites
                    .iter()
                    .fold(message, |m, s| m.replace(&s.name, &s.text)),
            },
            other => other,
        })?;
        let linear = Splitter { sites: &sites }.split(&e)?;
        let mut deltas = Vec::new();
        for (coefficient, i) in linear.terms {
            let s = &sites[i];
            product_with_delta(&coefficient.simplify(), s, &mut deltas)?;
        }
        Ok(Distribution {
            regular: linear.regular.simplify(),
            deltas: normalised(deltas),
        })
    }

    /// An ordinary function as a distribution (no singular part).
    pub fn from_expr(regular: Expr) -> Distribution {
        Distribution {
            regular,
            deltas: Vec::new(),
        }
    }

    /// A distribution from its two parts.
    pub fn new(regular: Expr, deltas: Vec<DiracTerm>) -> Distribution {
        Distribution {
            regular,
            deltas: normalised(deltas),
        }
    }

    /// The regular part $f$ (the number 0 when there is none).
    pub fn regular(&self) -> &Expr {
        &self.regular
    }

    /// The singular part: the terms $w_i\\,\delta^{(k_i)}(t - p_i)$, sorted by point, then order.
    pub fn deltas(&self) -> &[DiracTerm] {
        &self.deltas
    }

    /// Whether there is no singular part (an ordinary function).
    pub fn is_regular(&self) -> bool {
        self.deltas.is_empty()
    }

    /// Whether the regular part is not identically zero.
    pub fn has_regular_part(&self) -> bool {
        self.regular.constant_value() != Some(0.0)
    }

    /// The support of the singular part: its points.
    pub fn points(&self) -> Vec<f64> {
        let mut p: Vec<f64> = self.deltas.iter().map(|d| d.point).collect();
        p.dedup();
        p
    }

    /// The distributional derivative $k$ times: the classical derivative of the regular part,
    /// a delta for each of its jumps (and of its lower derivatives' jumps), and each delta's
    /// order raised by $k$.
    ///
    /// ```
    /// # use flipshift_continuous::Distribution;
    /// // tri″ = δ(t + 1) − 2δ(t) + δ(t − 1)
    /// let d = Distribution::parse("tri(t)")?.derivative(2)?;
    /// assert_eq!(d.regular().constant_value(), Some(0.0));
    /// let w: Vec<(f64, f64)> = d.deltas().iter().map(|d| (d.point, d.weight)).collect();
    /// assert_eq!(w, vec![(-1.0, 1.0), (0.0, -2.0), (1.0, 1.0)]);
    /// # Ok::<(), flipshift_continuous::ContinuousError>(())
    /// ```
    pub fn derivative(&self, k: u32) -> Result<Distribution> {
        let mut deltas: Vec<DiracTerm> = self
            .deltas
            .iter()
            .map(|d| DiracTerm {
                order: d.order + k,
                ..d.clone()
            })
            .collect();
        let mut g = self.regular.clone();
        for j in 0..k {
            for (b, jump, err) in jumps(&g, &self.regular.to_unicode())? {
                deltas.push(DiracTerm {
                    point: b,
                    order: k - 1 - j,
                    weight: jump,
                    point_error: crate::realfn::position_rounding(b),
                    weight_error: err,
                });
            }
            g = g.diff("t");
        }
        Ok(Distribution::new(g, deltas))
    }

    /// $t \mapsto$ this at $t - a$: the shift $S_a$.
    pub fn shifted(&self, a: f64) -> Distribution {
        Distribution::new(
            self.regular.shifted(a),
            self.deltas
                .iter()
                .map(|d| DiracTerm {
                    point: d.point + a,
                    point_error: d.point_error + U * (d.point + a).abs(),
                    ..d.clone()
                })
                .collect(),
        )
    }

    /// $\tau \mapsto$ this at $t_0 - \tau$, in the variable `t`: the kernel reversed and shifted,
    /// $S_{t_0} R$. A delta $w\\,\delta^{(k)}(t - p)$ becomes $(-1)^k w\\,\delta^{(k)}(\tau - (t_0 - p))$.
    pub fn reflected(&self, t0: f64) -> Distribution {
        Distribution::new(
            crate::point_eval::point_eval_derivative_in_t(&self.regular, t0),
            self.deltas
                .iter()
                .map(|d| DiracTerm {
                    point: t0 - d.point,
                    weight: sign_pow(d.order) * d.weight,
                    point_error: d.point_error + U * (t0 - d.point).abs(),
                    ..d.clone()
                })
                .collect(),
        )
    }

    /// Unicode, in `t`: `exp(−t²) + 1.5·δ(t − 0.5)`.
    pub fn to_unicode(&self) -> String {
        self.to_unicode_in("t")
    }

    /// LaTeX, in `t`.
    pub fn to_latex(&self) -> String {
        self.to_latex_in("t")
    }

    /// Unicode in the variable `var` (`tau` prints τ).
    pub fn to_unicode_in(&self, var: &str) -> String {
        self.print(
            self.regular.substitute("t", &Expr::var(var)).to_unicode(),
            self.deltas.iter().map(|d| d.to_unicode_in(var)).collect(),
            "−",
        )
    }

    /// LaTeX in the variable `var`.
    pub fn to_latex_in(&self, var: &str) -> String {
        self.print(
            self.regular.substitute("t", &Expr::var(var)).to_latex(),
            self.deltas.iter().map(|d| d.to_latex_in(var)).collect(),
            "-",
        )
    }

    fn print(&self, regular: String, terms: Vec<String>, minus: &str) -> String {
        let regular = if self.has_regular_part() || terms.is_empty() {
            regular
        } else {
            String::new()
        };
        join_terms(regular, &terms, minus)
    }
}

/// `head` followed by each term, joined by ` + ` or, for a term that starts with a minus sign,
/// ` − ` (`minus` is the sign printed: `−` in Unicode, `-` in LaTeX).
pub fn join_terms(head: String, terms: &[String], minus: &str) -> String {
    let mut out = head;
    for t in terms {
        if out.is_empty() {
            out = t.clone();
        } else if let Some(rest) = t.strip_prefix('−').or_else(|| t.strip_prefix('-')) {
            out = format!("{out} {minus} {rest}");
        } else {
            out = format!("{out} + {t}");
        }
    }
    out
}

/// $F\\,\delta^{(k)}(ct + b)$, with `s` the site: appended to `out` as the terms of the product
/// rule. $F$ (and its derivatives up to $k$) must be continuous at the point.
fn product_with_delta(f: &Expr, s: &Site, out: &mut Vec<DiracTerm>) -> Result<()> {
    let p = s.point;
    let what = format!("{}·{}", f.to_unicode(), s.text);
    let mut g = f.clone();
    for j in 0..=s.order {
        let left = eval_side(&g, p, -1.0);
        let right = eval_side(&g, p, 1.0);
        let value = match (left, right) {
            (Some(l), Some(r)) if l.is_finite() && r.is_finite() && l == r => l,
            (Some(l), Some(r)) if l.is_finite() && r.is_finite() => {
                let name = if j == 0 {
                    f.to_unicode()
                } else {
                    format!("the derivative {} of {}", j, f.to_unicode())
                };
                return Err(at(
                    s.column,
                    format!(
                        "{what} is not defined: {name} jumps at t = {p}, where the delta sits (from {l} to {r})"
                    ),
                ));
            }
            _ => {
                return Err(at(
                    s.column,
                    format!(
                        "{what} is not defined: {} has no finite value at t = {p}, where the delta sits",
                        g.to_unicode()
                    ),
                ));
            }
        };
        // g(p) with its rounding, p itself uncertain by its point error.
        let (v, verr) = match g.compile() {
            Ok(c) => {
                let (v, e) = c.eval_formula_with_error(p, s.point_error);
                if v == value {
                    (v, e)
                } else {
                    (value, 16.0 * U * value.abs())
                }
            }
            Err(e) => return Err(e),
        };
        let c = sign_pow(j) * binomial(s.order, j) * s.scale;
        let weight = c * v;
        if weight != 0.0 || verr != 0.0 {
            out.push(DiracTerm {
                point: p,
                order: s.order - j,
                weight,
                point_error: s.point_error,
                weight_error: c.abs() * verr + 8.0 * f64::from(s.order + 2) * U * weight.abs(),
            });
        }
        if j < s.order {
            g = g.diff("t");
        }
    }
    Ok(())
}

/// Terms at the same point and order summed, zero weights dropped, sorted by point then order.
fn normalised(mut d: Vec<DiracTerm>) -> Vec<DiracTerm> {
    d.sort_by(|a, b| a.point.total_cmp(&b.point).then(a.order.cmp(&b.order)));
    let mut out: Vec<DiracTerm> = Vec::new();
    for t in d {
        match out.last_mut() {
            Some(last) if last.point == t.point && last.order == t.order => {
                last.weight += t.weight;
                last.weight_error += t.weight_error + U * last.weight.abs();
                last.point_error = last.point_error.max(t.point_error);
            }
            _ => out.push(t),
        }
    }
    out.retain(|t| t.weight != 0.0);
    out
}

/// One sifted term $w\\, g(t - p)$ of a convolution, $g$ compiled.
#[derive(Debug, Clone)]
struct Sifted {
    weight: f64,
    weight_error: f64,
    point: f64,
    point_error: f64,
    g: CompiledExpr,
}

/// The convolution $h * x$ of two distributions, split into what sifting gives exactly and
/// the convolution of the two regular parts (computed by [`convolve_auto_lenient`]: a closed
/// form or quadrature, with its bound):
///
/// $$(f_h + D_h) * (f_x + D_x) = f_h * f_x + D_h * f_x + f_h * D_x + D_h * D_x,$$
///
/// with $w\\,\delta^{(k)}_p * f = w\\, f^{(k)}(t - p)$ (the distributional derivative: jumps of
/// $f$ give deltas) and $\delta^{(k)}_p * \delta^{(m)}_q = \delta^{(k+m)}_{p+q}$.
#[derive(Debug, Clone)]
pub struct DistributionConvolution {
    exact: Distribution,
    sifted: Vec<Sifted>,
    regular_pair: Option<(Expr, Expr)>,
}

/// What [`DistributionConvolution::values`] returns: the regular part's values with their
/// bounds, and how the part $f_h * f_x$ was computed (when there is one).
#[derive(Debug, Clone)]
pub struct DistributionValues {
    /// Values, bounds, evaluations and the points where a tolerance was missed.
    pub output: ConvOutput,
    /// How $f_h * f_x$ was computed; `None` when one of the regular parts is zero and every
    /// value came from sifting (exact up to rounding).
    pub path: Option<ConvPath>,
}

/// Sift one delta against a distribution: $w\\,\delta^{(k)}_p * X$.
fn sift(
    d: &DiracTerm,
    x: &Distribution,
    exact: &mut Vec<DiracTerm>,
) -> Result<Option<(Expr, Sifted)>> {
    let dx = x.derivative(d.order)?;
    for e in dx.deltas() {
        exact.push(DiracTerm {
            point: d.point + e.point,
            order: e.order,
            weight: d.weight * e.weight,
            point_error: d.point_error + e.point_error + U * (d.point + e.point).abs(),
            weight_error: d.weight_error * e.weight.abs()
                + d.weight.abs() * e.weight_error
                + U * (d.weight * e.weight).abs(),
        });
    }
    if !dx.has_regular_part() {
        return Ok(None);
    }
    let g = dx.regular().clone();
    let compiled = g.compile()?;
    let symbolic = (Expr::num(d.weight) * g.shifted(d.point)).simplify();
    Ok(Some((
        symbolic,
        Sifted {
            weight: d.weight,
            weight_error: d.weight_error,
            point: d.point,
            point_error: d.point_error,
            g: compiled,
        },
    )))
}

impl DistributionConvolution {
    /// Set up $h * x$: the sifted terms symbolically, the deltas of the result, and the pair of
    /// regular parts left for [`DistributionConvolution::values`].
    ///
    /// An error where a derivative of the signal cannot be taken as a distribution (a jump
    /// whose place cannot be located, or a function with no finite limit at a jump).
    pub fn new(h: &Distribution, x: &Distribution) -> Result<DistributionConvolution> {
        let mut singular = Vec::new();
        let mut sifted = Vec::new();
        let mut regular = Expr::num(0.0);
        let xr = Distribution::from_expr(x.regular().clone());
        let hr = Distribution::from_expr(h.regular().clone());
        if x.has_regular_part() {
            for d in h.deltas() {
                if let Some((e, s)) = sift(d, &xr, &mut singular)? {
                    regular = regular + e;
                    sifted.push(s);
                }
            }
        }
        if h.has_regular_part() {
            for d in x.deltas() {
                if let Some((e, s)) = sift(d, &hr, &mut singular)? {
                    regular = regular + e;
                    sifted.push(s);
                }
            }
        }
        for a in h.deltas() {
            for b in x.deltas() {
                singular.push(DiracTerm {
                    point: a.point + b.point,
                    order: a.order + b.order,
                    weight: a.weight * b.weight,
                    point_error: a.point_error + b.point_error + U * (a.point + b.point).abs(),
                    weight_error: a.weight_error * b.weight.abs()
                        + a.weight.abs() * b.weight_error
                        + U * (a.weight * b.weight).abs(),
                });
            }
        }
        let regular_pair = (h.has_regular_part() && x.has_regular_part())
            .then(|| (h.regular().clone(), x.regular().clone()));
        Ok(DistributionConvolution {
            exact: Distribution::new(regular.simplify(), singular),
            sifted,
            regular_pair,
        })
    }

    /// What sifting gives exactly: $D_h * f_x + f_h * D_x$ (regular) and $D_h * D_x$ plus the
    /// deltas of the derivatives (singular). The result's singular part is all here.
    pub fn exact(&self) -> &Distribution {
        &self.exact
    }

    /// The two regular parts whose convolution is left to closed forms or quadrature, when
    /// both are nonzero.
    pub fn regular_pair(&self) -> Option<(&Expr, &Expr)> {
        self.regular_pair.as_ref().map(|(a, b)| (a, b))
    }

    /// Whether the result is a pure distribution (no regular part at all).
    pub fn is_singular_only(&self) -> bool {
        self.regular_pair.is_none() && self.sifted.is_empty()
    }

    /// The regular part of $h * x$ at each point of `t`, with a bound on each value's error:
    /// the sifted terms evaluated with their rounding (the argument $t - p$ charged its own
    /// rounding and the point's), plus $f_h * f_x$ with its closed form's or quadrature's bound.
    pub fn values(&self, t: &[f64], params: QuadParams) -> Result<DistributionValues> {
        if let Some(bad) = t.iter().find(|v| !v.is_finite()) {
            return Err(ContinuousError::NonFinite {
                what: "t".into(),
                value: *bad,
            });
        }
        let (mut output, path) = match &self.regular_pair {
            Some((h, x)) => {
                let (out, path) = convolve_auto_lenient(h, x, t, params)?;
                (out, Some(path))
            }
            None => (
                ConvOutput {
                    values: vec![0.0; t.len()],
                    error_estimates: vec![0.0; t.len()],
                    evaluations: 0,
                    unmet: Vec::new(),
                },
                None,
            ),
        };
        for (i, &ti) in t.iter().enumerate() {
            let mut sum = 0.0;
            let mut err = 0.0;
            let mut mag = output.values[i].abs();
            for s in &self.sifted {
                let arg = ti - s.point;
                let (v, e) = s.g.eval_with_error(arg, s.point_error + U * arg.abs());
                if !v.is_finite() {
                    return Err(ContinuousError::NotDefined {
                        what: format!("the sifted term {}", s.g.expr().to_unicode()),
                        t: arg,
                        value: v,
                    });
                }
                let term = s.weight * v;
                sum += term;
                mag += term.abs();
                err += s.weight.abs() * e + s.weight_error * v.abs() + U * term.abs();
            }
            output.values[i] += sum;
            // Each addition rounds once more: n terms, n roundings of at most the magnitude.
            output.error_estimates[i] += err + (self.sifted.len() as f64 + 1.0) * U * mag;
            output.evaluations += self.sifted.len();
        }
        Ok(DistributionValues { output, path })
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn terms(d: &Distribution) -> Vec<(f64, u32, f64)> {
        d.deltas()
            .iter()
            .map(|d| (d.point, d.order, d.weight))
            .collect()
    }

    fn err(src: &str) -> String {
        Distribution::parse(src).unwrap_err().to_string()
    }

    #[test]
    fn affine_arguments_scale_the_weight_by_the_chain_rule() {
        // δ(ct − a) = δ(t − a/c)/|c|;  δ′(ct − a) = sgn(c)/c²·δ′(t − a/c).
        let d = Distribution::parse("dirac(2*t - 1)").unwrap();
        assert_eq!(terms(&d), vec![(0.5, 0, 0.5)]);
        let d = Distribution::parse("dirac(-2*t + 1, 1)").unwrap();
        assert_eq!(terms(&d), vec![(0.5, 1, -0.25)]);
        let d = Distribution::parse("dirac(-t/4, 2)").unwrap();
        assert_eq!(terms(&d), vec![(0.0, 2, 64.0)]);
        // The second derivative's factor sgn(c)²/|c|³ on a test: ⟨δ″(ct), φ⟩ = φ″(0)/|c|³.
    }

    #[test]
    fn products_follow_the_product_rule() {
        // t²·δ′(t − 1) = δ′(t − 1) − 2δ(t − 1); cos(t)·δ(t) = δ(t).
        let d = Distribution::parse("t^2*dirac(t - 1, 1) + cos(t)*dirac(t)").unwrap();
        assert_eq!(
            terms(&d),
            vec![(0.0, 0, 1.0), (1.0, 0, -2.0), (1.0, 1, 1.0)]
        );
        // t³·δ″(t − 1) = δ″ − 2·3δ′ + 6δ (f = t³: f(1) = 1, f′ = 3, f″ = 6, binomials 1 2 1).
        let d = Distribution::parse("t^3*dirac(t - 1, 2)").unwrap();
        assert_eq!(
            terms(&d),
            vec![(1.0, 0, 6.0), (1.0, 1, -6.0), (1.0, 2, 1.0)]
        );
        // Division by a function is a product with its reciprocal.
        let d = Distribution::parse("dirac(t - 2)/t + 1").unwrap();
        assert_eq!(terms(&d), vec![(2.0, 0, 0.5)]);
        assert_eq!(d.regular().constant_value(), Some(1.0));
        // Cancelling terms vanish.
        let d = Distribution::parse("dirac(t) - dirac(-t)").unwrap();
        assert!(d.is_regular());
    }

    #[test]
    fn undefined_uses_are_refused_with_the_reason() {
        assert!(err("exp(dirac(t))").contains("under exp"));
        assert!(err("dirac(t)*dirac(t - 1)").contains("product of two deltas"));
        assert!(err("1/dirac(t)").contains("denominator"));
        assert!(err("dirac(t)^2").contains("power"));
        assert!(err("2^dirac(t)").contains("exponent"));
        assert!(err("dirac(t, -1)").contains("whole number"));
        assert!(err("dirac(t, 0.5)").contains("whole number"));
        assert!(err("dirac(t, 99)").contains("at most"));
        assert!(err("dirac(t^2 - 1)").contains("affine"));
        assert!(err("dirac(3)").contains("depend on t"));
        assert!(err("dirac(dirac(t))").contains("inside"));
        assert!(err("dirac t").contains("'('"));
        assert!(err("dirac(t").contains("')'"));
        assert!(err("dirac(t, 1, 2)").contains("one or two"));
        assert!(err("step(t)*dirac(t)").contains("jumps"));
        assert!(err("abs(t)*dirac(t, 1)").contains("jumps"));
        assert!(err("dirac(t)/t").contains("no finite value"));
        // Columns point at the delta (or into its argument).
        assert!(
            err("1 + exp(dirac(t))").contains("column 9"),
            "{}",
            err("1 + exp(dirac(t))")
        );
        assert!(
            err("dirac(t + foo)").contains("column 11"),
            "{}",
            err("dirac(t + foo)")
        );
        // A continuous factor is fine where it has a kink, for δ itself.
        assert!(Distribution::parse("abs(t - 1)*dirac(t)").is_ok());
    }

    #[test]
    fn distributional_derivative_carries_the_jumps() {
        // d/dt step(t − 1) = δ(t − 1); d²/dt² (t·step(t)) = δ(t); rect′ = δ(t + ½) − δ(t − ½).
        let d = Distribution::parse("step(t - 1)")
            .unwrap()
            .derivative(1)
            .unwrap();
        assert_eq!(terms(&d), vec![(1.0, 0, 1.0)]);
        let d = Distribution::parse("t*step(t)")
            .unwrap()
            .derivative(2)
            .unwrap();
        assert_eq!(terms(&d), vec![(0.0, 0, 1.0)]);
        let d = Distribution::parse("rect(t)")
            .unwrap()
            .derivative(1)
            .unwrap();
        assert_eq!(terms(&d), vec![(-0.5, 0, 1.0), (0.5, 0, -1.0)]);
        // A reversed step jumps down: step(1 − t)′ = −δ(t − 1); and e^{−t}step(t) jumps by 1,
        // its second derivative holds δ′ and −δ (from the kink of the first derivative).
        let d = Distribution::parse("step(1 - t)")
            .unwrap()
            .derivative(1)
            .unwrap();
        assert_eq!(terms(&d), vec![(1.0, 0, -1.0)]);
        let d = Distribution::parse("exp(-t)*step(t)")
            .unwrap()
            .derivative(2)
            .unwrap();
        assert_eq!(terms(&d), vec![(0.0, 0, -1.0), (0.0, 1, 1.0)]);
        assert!((d.regular().eval_at(0.7) - (-0.7f64).exp()).abs() < 1e-15);
        // A jump it cannot place is refused, not dropped.
        let e = Distribution::parse("step(sin(t))")
            .unwrap()
            .derivative(1)
            .unwrap_err();
        assert!(e.to_string().contains("cannot be located"), "{e}");
    }

    /// δ^{(k)}_p * x = x^{(k)}(t − p), against finite differences of x.
    #[test]
    fn sifting_matches_finite_differences_and_shifts() {
        let x = Distribution::parse("exp(-t^2)").unwrap();
        let t = [-1.0, 0.0, 0.3, 1.0, 2.5];
        let q = QuadParams::default();
        let h = Distribution::parse("dirac(t - 0.5)").unwrap();
        let v = DistributionConvolution::new(&h, &x)
            .unwrap()
            .values(&t, q)
            .unwrap();
        for (i, &ti) in t.iter().enumerate() {
            let want = (-(ti - 0.5f64).powi(2)).exp();
            assert!(
                (v.output.values[i] - want).abs() <= 2.0 * f64::EPSILON,
                "{ti}"
            );
            assert!(v.output.error_estimates[i] >= (v.output.values[i] - want).abs());
        }
        let h = Distribution::parse("dirac(t, 1)").unwrap();
        let v = DistributionConvolution::new(&h, &x)
            .unwrap()
            .values(&t, q)
            .unwrap();
        let f = |s: f64| (-s * s).exp();
        for (i, &ti) in t.iter().enumerate() {
            // Central difference, step 1e-5: truncation ~ f‴·η²/6 ≲ 1e-10, rounding ~ ε/η ≈ 2e-11.
            let eta = 1e-5;
            let fd = (f(ti + eta) - f(ti - eta)) / (2.0 * eta);
            assert!((v.output.values[i] - fd).abs() < 1e-9, "{ti}");
        }
        let h = Distribution::parse("3*dirac(t + 1, 2)").unwrap();
        let v = DistributionConvolution::new(&h, &x)
            .unwrap()
            .values(&t, q)
            .unwrap();
        for (i, &ti) in t.iter().enumerate() {
            let s = ti + 1.0;
            let want = 3.0 * (4.0 * s * s - 2.0) * f(s);
            assert!(
                (v.output.values[i] - want).abs() < 1e-14 * (1.0 + want.abs()),
                "{ti}"
            );
        }
    }

    #[test]
    fn a_function_plus_deltas_splits_into_the_two_parts() {
        // (rect + δ_1) * rect = tri + rect(t − 1), both exact.
        let h = Distribution::parse("rect(t) + dirac(t - 1)").unwrap();
        let x = Distribution::parse("rect(t)").unwrap();
        let c = DistributionConvolution::new(&h, &x).unwrap();
        assert!(c.regular_pair().is_some());
        let t = [-0.75, 0.2, 0.9, 1.25, 1.7];
        let v = c.values(&t, QuadParams::default()).unwrap();
        for (i, &ti) in t.iter().enumerate() {
            let want = (1.0 - ti.abs()).max(0.0) + if (ti - 1.0).abs() < 0.5 { 1.0 } else { 0.0 };
            assert!(
                (v.output.values[i] - want).abs() <= v.output.error_estimates[i] + 1e-15,
                "{ti}"
            );
        }
    }

    #[test]
    fn jumps_of_the_signal_become_deltas_of_the_result() {
        // δ′ * step(t) = δ(t); δ′_{0.5} * rect = δ(t) − δ(t − 1).
        let h = Distribution::parse("dirac(t - 0.5, 1)").unwrap();
        let x = Distribution::parse("rect(t)").unwrap();
        let c = DistributionConvolution::new(&h, &x).unwrap();
        assert!(c.is_singular_only());
        assert_eq!(terms(c.exact()), vec![(0.0, 0, 1.0), (1.0, 0, -1.0)]);
        // δ_a * δ′_b = δ′_{a+b}.
        let c = DistributionConvolution::new(
            &Distribution::parse("2*dirac(t - 1)").unwrap(),
            &Distribution::parse("dirac(t + 3, 1)").unwrap(),
        )
        .unwrap();
        assert_eq!(terms(c.exact()), vec![(-2.0, 1, 2.0)]);
    }

    #[test]
    fn reflection_flips_the_sign_of_odd_orders() {
        // h = δ′: h(t0 − τ) = δ′(t0 − τ) = −δ′(τ − t0).
        let h = Distribution::parse("dirac(t, 1)").unwrap();
        let r = h.reflected(1.0);
        assert_eq!(terms(&r), vec![(1.0, 1, -1.0)]);
        assert_eq!(r.deltas()[0].to_unicode_reflected("tau"), "δ′(1 − τ)");
        assert_eq!(r.deltas()[0].to_unicode_in("tau"), "−δ′(τ − 1)");
        assert_eq!(
            r.deltas()[0].to_latex_reflected("tau"),
            r"\delta'(1 - \tau)"
        );
        let h = Distribution::parse("2*dirac(t - 3, 2)").unwrap();
        assert_eq!(h.to_unicode(), "2·δ″(t − 3)");
        assert_eq!(terms(&h.reflected(0.0)), vec![(-3.0, 2, 2.0)]);
    }
}
