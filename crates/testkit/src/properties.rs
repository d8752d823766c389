//! The properties the fuzz targets (`fuzz/`) and the proptest suites check, in one place: each
//! takes a generated input (see [`crate::strategies`]) and returns `Err` with a description of
//! the first violation.
//!
//! - [`parse_round_trip`]: no text makes the parser panic; an error points into the text;
//!   what parses prints in the grammar's syntax and parses back to the same values.
//! - [`print_round_trip`]: the same for trees built directly.
//! - [`simplify_keeps_values`]: the simplified expression, and the compiled one, have the
//!   values of the original where it is defined, to within a tolerance that follows the
//!   rounding of both evaluations ([`eval_with_bound`]), not a fixed one.
//! - [`closed_form_agrees_with_quadrature`]: the exact convolution of a pair from the
//!   closed-form families and the quadrature of the same pair agree within the sum of their
//!   reported bounds.
//! - [`direct_agrees_with_fft`]: the fast paths of the discrete convolution agree with the
//!   direct sum within $8 (n + m)\\,\varepsilon \sum|h| \max|x|$.
//! - [`gradient_agrees_with_direct`]: the least-squares gradient $H^\top(h * x - y)$ agrees
//!   with the direct residual and correlation within that bound carried through both products.

use crate::strategies::families::FamilyPair;
use crate::strategies::signals::{FastPath, SignalPair};
use flipshift_continuous::{Expr, Func, QuadParams, RealFn, convolve_lenient, convolve_symbolic};
use flipshift_discrete::{DiscreteError, Method, Mode, Plan, convolve, correlate, ls_gradient};

/// Points every expression is evaluated at (0 and ±½ sit on the jumps of `step` and `rect`).
pub const POINTS: [f64; 8] = [-1.7, -0.5, -0.45, 0.0, 0.3, 0.5, 0.77, 2.1];

/// At most 400 characters of `s`, for messages.
fn clip(s: &str) -> String {
    if s.chars().count() <= 400 {
        format!("{s:?}")
    } else {
        format!(
            "{:?}… ({} characters)",
            s.chars().take(400).collect::<String>(),
            s.chars().count()
        )
    }
}

fn same_bits(a: f64, b: f64) -> bool {
    a.to_bits() == b.to_bits() || (a.is_nan() && b.is_nan())
}

/// Parse `src`; if it parses, print it and require what [`print_round_trip`] requires; whatever
/// parses is also simplified, differentiated, compiled and printed in every style without a
/// panic. A parse error must name a column within the text (or just past its end).
pub fn parse_round_trip(src: &str) -> Result<(), String> {
    let e = match Expr::parse(src) {
        Ok(e) => e,
        Err(err) => {
            let msg = err.to_string();
            let len = src.chars().count();
            let column = match err {
                flipshift_continuous::ContinuousError::Parse { column, .. }
                | flipshift_continuous::ContinuousError::UnknownName { column, .. } => column,
                other => return Err(format!("{src:?}: not a parse error: {other:?}")),
            };
            if column == 0 || column > len + 1 {
                return Err(format!(
                    "{src:?}: column {column} outside 1..={}: {msg}",
                    len + 1
                ));
            }
            return Ok(());
        }
    };
    let _ = (e.to_unicode(), e.to_latex(), e.diff("t").to_ascii());
    let _ = e.compile().map(|c| c.eval(0.3));
    let _ = (e.support(), e.breakpoints());
    print_round_trip(&e).map_err(|why| format!("{src:?} parses to {why}"))
}

/// Print `e` in the grammar's syntax and parse it back: it must parse and have the values of `e` at [`POINTS`] — bit for bit where the tree came back unchanged,
/// and within four times the sum of both evaluations' rounding bounds ([`eval_with_bound`])
/// where the printer rewrote a sum (`a + (-2)*y` prints as `a - 2*y`), or spelled an
/// internal function (`sgn`, `sinc′`, `sinc″`) as a formula of others.
pub fn print_round_trip(e: &Expr) -> Result<(), String> {
    let text = e.to_ascii();
    let back = match Expr::parse(&text) {
        Ok(back) => back,
        // The parser's limits on length and nesting are its contract; the spelled-out internal
        // functions can exceed them when nested (each `sinc″` writes its argument five times).
        Err(flipshift_continuous::ContinuousError::Parse { message, .. })
            if text.len() > 1000 && (message.contains("longer") || message.contains("deep")) =>
        {
            return Ok(());
        }
        Err(err) => return Err(format!("{e:?}\n prints as {}: {err}", clip(&text))),
    };
    for t in POINTS {
        let (a, b) = (eval_with_bound(e, t), eval_with_bound(&back, t));
        let agree = if back == *e {
            same_bits(a.value, b.value)
        } else {
            a.defined != Defined::Yes
                || b.defined != Defined::Yes
                || (a.value - b.value).abs() <= 4.0 * (a.bound + b.bound)
        };
        if !agree {
            return Err(format!(
                "{e:?}\n prints as {}, which parses back to\n {back:?}\n at t = {t}: {:e} ± {:e} vs {:e} ± {:e}",
                clip(&text),
                a.value,
                a.bound,
                b.value,
                b.bound
            ));
        }
    }
    Ok(())
}

/// How an evaluation went.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Defined {
    /// Every intermediate value finite, no division by zero, no logarithm of zero.
    Yes,
    /// An intermediate overflowed to ±∞ from finite operands.
    Overflow,
    /// A division by zero, a logarithm of zero or of a negative number, zero to a negative
    /// power, a square root of a negative number, or a NaN.
    No,
}

/// A value with a bound on its rounding error and whether it is defined.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Bounded {
    /// The value, computed as [`Expr::eval_at`] computes it (bit for bit).
    pub value: f64,
    /// A bound on |value − exact value of the tree at t| (first order in the roundings).
    pub bound: f64,
    /// Whether the value is defined.
    pub defined: Defined,
    /// Whether some operand of a square root, logarithm, division or power lies within its
    /// error of where that operation stops being defined: the exact value may be undefined,
    /// and another evaluation of the same function may find it so.
    pub fragile: bool,
}

const U: f64 = 0.5 * f64::EPSILON;

/// `a·b` for magnitudes, with 0·∞ = 0: an exact zero operand contributes nothing, however
/// uncertain the other one is.
fn mulz(a: f64, b: f64) -> f64 {
    if a == 0.0 || b == 0.0 { 0.0 } else { a * b }
}

/// The absolute rounding of a result below the normal range, where half an ulp of the result
/// is not relative to it: one unit of the last place there, 2⁻¹⁰⁷⁴.
fn underflow(v: f64) -> f64 {
    if v.abs() < f64::MIN_POSITIVE {
        f64::from_bits(1)
    } else {
        0.0
    }
}

fn worse(a: Defined, b: Defined) -> Defined {
    match (a, b) {
        (Defined::No, _) | (_, Defined::No) => Defined::No,
        (Defined::Overflow, _) | (_, Defined::Overflow) => Defined::Overflow,
        _ => Defined::Yes,
    }
}

/// `a^b` as the expression engine computes it (integer powers by multiplication, NaN for a
/// negative base with a fractional exponent), through a one-node tree.
fn pow_value(a: f64, b: f64) -> f64 {
    Expr::num(a).pow(Expr::num(b)).eval_at(0.0)
}

/// Evaluate `e` at `t` with a running bound on the rounding error: each operation adds its own
/// rounding (half an ulp for `+ − × ÷`, a few ulps for the elementary functions, absolute
/// ones where a function's result cancels, as `sinc` does at the integers) to the operands'
/// errors times the function's largest slope over their error intervals; a jump (`step`,
/// `rect`, `sgn`) within reach of its argument's error adds the jump. Independent of the
/// engine's own bound (`CompiledExpr::eval_formula_with_error`), which it is compared with.
pub fn eval_with_bound(e: &Expr, t: f64) -> Bounded {
    let fragile = std::cell::Cell::new(false);
    let mut b = eval_rec(e, t, &fragile);
    b.fragile = fragile.get() || !b.bound.is_finite();
    b
}

fn eval_rec(e: &Expr, t: f64, fragile: &std::cell::Cell<bool>) -> Bounded {
    let mark = |on: bool| {
        if on {
            fragile.set(true);
        }
    };
    let done = |value: f64, bound: f64, defined: Defined| {
        let defined = if defined != Defined::Yes {
            defined
        } else if value.is_nan() {
            Defined::No
        } else if value.is_infinite() {
            Defined::Overflow
        } else {
            Defined::Yes
        };
        Bounded {
            value,
            // A bound that came out NaN (∞·0 in a slope that underflowed) is no bound.
            bound: if bound.is_nan() { f64::INFINITY } else { bound },
            defined,
            fragile: false,
        }
    };
    match e {
        Expr::Num(v) => done(*v, 0.0, Defined::Yes),
        Expr::Const { value, .. } => done(*value, 0.0, Defined::Yes),
        Expr::Var(name) => done(if name == "t" { t } else { f64::NAN }, 0.0, Defined::Yes),
        Expr::Neg(a) => {
            let a = eval_rec(a, t, fragile);
            done(-a.value, a.bound, a.defined)
        }
        Expr::Add(a, b) | Expr::Sub(a, b) | Expr::Mul(a, b) | Expr::Div(a, b) | Expr::Pow(a, b) => {
            let (a, b) = (eval_rec(a, t, fragile), eval_rec(b, t, fragile));
            let d = worse(a.defined, b.defined);
            let (x, y, ex, ey) = (a.value, b.value, a.bound, b.bound);
            match e {
                // Each operation's own rounding a priori, even where this evaluation happened
                // to be exact: the other side may group the same numbers differently (a
                // simplifier folds 2⁵³ + 2 + 1 + 1 into one coefficient, or −10⁻¹⁰ − (1 − 1)
                // into 0.9999999999 − 1, rounding where the original did not). For a sum that is
                // half an ulp of its operands' magnitudes, |x| + |y|, not of the result: the
                // error of a sum in any order is bounded by its condition, Σ|terms|.
                Expr::Add(..) => {
                    let v = x + y;
                    done(v, ex + ey + U * (x.abs() + y.abs()), d)
                }
                Expr::Sub(..) => {
                    let v = x - y;
                    done(v, ex + ey + U * (x.abs() + y.abs()), d)
                }
                Expr::Mul(..) => {
                    let v = x * y;
                    let own = U * v.abs() + underflow(v);
                    done(
                        v,
                        mulz(y.abs(), ex) + mulz(x.abs(), ey) + mulz(ex, ey) + own,
                        d,
                    )
                }
                Expr::Div(..) => {
                    let v = x / y;
                    mark(y.abs() <= ey);
                    if y == 0.0 {
                        return done(v, f64::INFINITY, Defined::No);
                    }
                    let bound = if ex == 0.0 && ey == 0.0 {
                        0.0
                    } else if y.abs() > ey {
                        (ex + mulz(v.abs(), ey)) / (y.abs() - ey)
                    } else {
                        f64::INFINITY
                    };
                    let own = U * v.abs() + underflow(v);
                    done(v, bound + own, d)
                }
                _ => {
                    mark(x.abs() <= ex && (y < 0.0 || y.fract() != 0.0 || ey > 0.0));
                    mark(x < 0.0 && ey > 0.0);
                    pow_bound(x, y, ex, ey, d, &done)
                }
            }
        }
        Expr::Call(f, a) => {
            let a = eval_rec(a, t, fragile);
            let v = f.apply(a.value);
            mark(matches!(f, Func::Log | Func::Sqrt) && a.value.abs() <= a.bound);
            let d = if matches!(f, Func::Log) && a.value == 0.0 {
                Defined::No
            } else {
                a.defined
            };
            done(v, call_bound(*f, a.value, a.bound, v), d)
        }
    }
}

fn pow_bound(
    x: f64,
    y: f64,
    ex: f64,
    ey: f64,
    d: Defined,
    done: &dyn Fn(f64, f64, Defined) -> Bounded,
) -> Bounded {
    let v = pow_value(x, y);
    // Integer powers by repeated multiplication: up to 2·log₂|y| + 2 roundings.
    let own = (4.0 + 2.0 * y.abs().min(64.0).log2().max(0.0)) * U * v.abs() + underflow(v);
    if x == 0.0 {
        if y < 0.0 {
            return done(v, f64::INFINITY, Defined::No);
        }
        // |x| ≤ ex: |x^y| ≤ ex^y (y > 0); 0^0 = 1 only if the exponent is exactly 0.
        let bound = if y > 0.0 {
            ex.powf(y - ey)
        } else if ey > 0.0 || ex > 0.0 {
            f64::INFINITY
        } else {
            0.0
        };
        return done(v, bound, d);
    }
    if x < 0.0 && ey > 0.0 {
        // The exact exponent may not be an integer: a negative base then has no real power.
        return done(v, f64::INFINITY, d);
    }
    let ax = x.abs();
    let bound = if !(ex < ax) || !ey.is_finite() {
        f64::INFINITY
    } else {
        // |x|^y is monotone in |x| and in y separately, so over the box of the operands'
        // errors it is farthest from |v| at a corner. Evaluated there directly (not through
        // a slope, which a value that underflowed to 0 would make 0).
        let av = v.abs();
        let mut spread = 0.0f64;
        for (p, q) in [
            (ax - ex, y - ey),
            (ax - ex, y + ey),
            (ax + ex, y - ey),
            (ax + ex, y + ey),
        ] {
            spread = spread.max((p.powf(q) - av).abs());
        }
        spread * (1.0 + 8.0 * U) + underflow(spread)
    };
    done(v, bound + own, d)
}

/// The error of `f(a) = v` given the argument's error `e`.
fn call_bound(f: Func, a: f64, e: f64, v: f64) -> f64 {
    use std::f64::consts::PI;
    if e.is_infinite() {
        return f64::INFINITY;
    }
    let rel = |k: f64| k * U * v.abs() + underflow(v);
    // A jump crossed: either side's value is possible. A jump landed on exactly (e = 0) is
    // the defined midpoint.
    let jump = |at: f64, size: f64| {
        if e > 0.0 && (a - at).abs() <= e {
            size
        } else {
            0.0
        }
    };
    match f {
        // exp is convex: the farthest value within e of a is exp(a + e), evaluated directly
        // (a value that underflowed to 0 times expm1(e) would be 0).
        Func::Exp => (if e > 0.0 { (a + e).exp() - v } else { 0.0 }) + rel(2.0),
        Func::Log => {
            if a.abs() > e {
                e / (a.abs() - e) + rel(2.0)
            } else {
                f64::INFINITY
            }
        }
        Func::Sqrt => (if a > 0.0 { e / a.sqrt() } else { e.sqrt() }) + rel(1.0),
        Func::Abs => e,
        Func::Sin | Func::Cos => e.min(2.0) + rel(2.0),
        Func::Tan => {
            let c = a.cos().abs();
            if e < 0.25 * c {
                mulz(4.0 * (1.0 + v * v), e) + rel(2.0)
            } else {
                f64::INFINITY
            }
        }
        Func::Tanh => {
            (if e < 1e-3 {
                (1.0 - v * v) * e * 1.01 + 4.0 * e * e
            } else {
                e.min(2.0)
            }) + rel(2.0)
        }
        Func::Erf => {
            let m = (a.abs() - e).max(0.0);
            mulz(2.0 / PI.sqrt() * (-m * m).exp(), e) + rel(4.0)
        }
        Func::Step => jump(0.0, 1.0),
        Func::Sign => jump(0.0, 2.0),
        Func::Rect => jump(0.5, 1.0) + jump(-0.5, 1.0),
        Func::Tri => {
            if a.abs() >= 1.0 + e {
                0.0
            } else {
                e + rel(2.0)
            }
        }
        // sin(πu)/(πu): |sinc′| ≤ 1.4; the rounding of πu is absolute in the result.
        // (The functions are bounded: sinc within [−0.22, 1], |sinc′| ≤ 1.4, |sinc″| ≤ π²/3,
        // so no error exceeds the range.)
        Func::Sinc => (1.4 * e).min(1.3) + 4.0 * U * (v.abs() + 1.0),
        Func::Gauss => {
            let m = (a.abs() - e).max(0.0);
            let slope = if e < 1e-3 {
                (a.abs() + e) * (-0.5 * m * m).exp() / (2.0 * PI).sqrt()
            } else {
                0.25
            };
            mulz(slope, e) + (4.0 + a * a) * U * v.abs()
        }
        // |sinc″| ≤ π²/3 and |sinc‴| ≤ π³/4; their formulas round absolutely at the scale of π².
        Func::SincD1 => (3.3 * e).min(2.8) + 16.0 * U * (v.abs() + PI * PI),
        Func::SincD2 => (PI * PI * PI / 4.0 * e).min(6.6) + 32.0 * U * (v.abs() + PI * PI * PI),
    }
}

/// The simplified expression has the value of the original at each point where the original
/// is defined, to within four times the sum of the two evaluations' rounding bounds
/// ([`eval_with_bound`]); where the simplified one is not defined (a NaN, a division by zero)
/// although the original is, that is a failure too (an overflow of an intermediate is not).
/// The compiled program (simplified, then evaluated on a stack with its own rounding bound)
/// must agree with the original within the sum of its bound and the original's.
pub fn simplify_keeps_values(e: &Expr, points: &[f64]) -> Result<(), String> {
    let s = e.simplify();
    let c = e
        .compile()
        .map_err(|err| format!("{e:?} does not compile: {err}"))?;
    for &t in points {
        let o = eval_with_bound(e, t);
        if o.defined != Defined::Yes || !o.bound.is_finite() {
            continue;
        }
        let describe = |what: &str, got: f64, bound: f64| {
            format!(
                "{}\n  ({e:?})\n {what} {}\n at t = {t:?}: original {:e} ± {:e}, {what} {got:e} ± {bound:e}",
                e.to_ascii(),
                if what == "compiled" {
                    c.expr().to_ascii()
                } else {
                    s.to_ascii()
                },
                o.value,
                o.bound
            )
        };
        let r = eval_with_bound(&s, t);
        match r.defined {
            Defined::No if !o.fragile => {
                return Err(describe("simplified (undefined)", r.value, r.bound));
            }
            Defined::No => {}
            Defined::Overflow => {}
            Defined::Yes => {
                let tol = 4.0 * (o.bound + r.bound);
                if !((r.value - o.value).abs() <= tol) {
                    return Err(describe("simplified", r.value, r.bound));
                }
            }
        }
        let (cv, cb) = c.eval_formula_with_error(t, 0.0);
        if cv.is_finite() && !((cv - o.value).abs() <= cb + 4.0 * o.bound) {
            return Err(describe("compiled", cv, cb));
        }
        if cv.is_nan() && r.defined == Defined::Yes {
            return Err(describe("compiled (NaN)", cv, cb));
        }
    }
    Ok(())
}

/// What [`closed_form_agrees_with_quadrature`] compared.
#[derive(Debug, Clone, PartialEq)]
pub enum Compared {
    /// The closed form and quadrature at this many points.
    Points(usize),
    /// No closed form for this pair (the reason).
    NoClosedForm(String),
}

/// The closed form of a family pair against quadrature of the same expressions (compiled,
/// [`convolve_lenient`] at the pair's relative tolerance and at most `max_evaluations` per
/// point): at each point both values must be finite and within the sum of their bounds of
/// each other, whether or not quadrature met the tolerance. A pair without a closed form is
/// not a failure (it is reported); quadrature refusing an in-family pair is.
pub fn closed_form_agrees_with_quadrature(
    p: &FamilyPair,
    max_evaluations: usize,
) -> Result<Compared, String> {
    let params = QuadParams {
        rel_tol: p.tol,
        max_evaluations,
        ..QuadParams::default()
    };
    let parse = |s: &str| Expr::parse(s).map_err(|e| format!("{p:?}\n{s:?}: {e}"));
    let (h, x) = (parse(&p.h)?, parse(&p.x)?);
    let cf = match convolve_symbolic(&h, &x) {
        Ok(cf) => cf,
        Err(why) => return Ok(Compared::NoClosedForm(why.to_string())),
    };
    let hc = h.compile().map_err(|e| format!("{p:?}\n{e}"))?;
    let xc = x.compile().map_err(|e| format!("{p:?}\n{e}"))?;
    let q = convolve_lenient(&hc, &xc, &p.t, params)
        .map_err(|e| format!("{p:?}\nquadrature refused: {e}"))?;
    for (i, &t) in p.t.iter().enumerate() {
        let (cv, cb) = cf.eval_with_error(t);
        let (qv, qb) = (q.values[i], q.error_estimates[i]);
        if !cv.is_finite() || !(cb >= 0.0) {
            return Err(format!("{p:?}\nat t = {t:?}: closed form {cv:e} ± {cb:e}"));
        }
        if !qv.is_finite() || !(qb >= 0.0) {
            return Err(format!("{p:?}\nat t = {t:?}: quadrature {qv:e} ± {qb:e}"));
        }
        if !((cv - qv).abs() <= cb + qb) {
            return Err(format!(
                "{p:?}\nat t = {t:?}: closed form {cv:e} ± {cb:e}, quadrature {qv:e} ± {qb:e}{}; \
                 they differ by {:e}, {:.1} times the sum of the bounds",
                if q.unmet.contains(&i) {
                    " (tolerance unmet)"
                } else {
                    ""
                },
                (cv - qv).abs(),
                (cv - qv).abs() / (cb + qb)
            ));
        }
    }
    Ok(Compared::Points(p.t.len()))
}

/// The direct sum against the pair's fast path: the same length, and every entry within
/// $8 (n + m)\\,\varepsilon \sum_i |h_i| \max_j |x_j|$ (plus the rounding of subnormal
/// products, $(n + m)$ times the smallest subnormal) of the direct one. Where that bound
/// overflows, only the lengths are compared; both must refuse the same inputs.
pub fn direct_agrees_with_fft(p: &SignalPair) -> Result<(), String> {
    let (n, m) = (p.x.len(), p.h.len());
    let describe = || {
        format!(
            "{:?} {:?}, m = {m}, n = {n}\n  h = {:?}\n  x = {:?}",
            p.path, p.mode, p.h, p.x
        )
    };
    let (direct, fast) = match p.path {
        FastPath::Fft | FastPath::Auto => {
            let method = if p.path == FastPath::Fft {
                Method::Fft
            } else {
                Method::Auto
            };
            (
                convolve(&p.h, &p.x, p.mode, Method::Direct),
                convolve(&p.h, &p.x, p.mode, method),
            )
        }
        FastPath::CorrelateFft => (
            correlate(&p.h, &p.x, p.mode, Method::Direct),
            correlate(&p.h, &p.x, p.mode, Method::Fft),
        ),
        FastPath::Plan => (
            convolve(&p.h, &p.x, p.mode, Method::Direct),
            Plan::new(&p.h, n, Method::Fft).and_then(|plan| plan.convolve(&p.x, p.mode)),
        ),
    };
    let (direct, fast) = match (direct, fast) {
        (Ok(d), Ok(f)) => (d, f),
        (Err(_), Err(_)) => return Ok(()),
        (d, f) => {
            return Err(format!(
                "{}\n direct {:?}\n fast {:?}",
                describe(),
                d.map(|v| v.len()),
                f.map(|v| v.len())
            ));
        }
    };
    if direct.len() != fast.len() || direct.len() != p.mode.len(n, m) {
        return Err(format!(
            "{}\n lengths: direct {}, fast {}, mode {}",
            describe(),
            direct.len(),
            fast.len(),
            p.mode.len(n, m)
        ));
    }
    let norm1: f64 = p.h.iter().map(|v| v.abs()).sum();
    let max = p.x.iter().fold(0.0f64, |a, v| a.max(v.abs()));
    let size = (n + m) as f64;
    // The product of the norms first: ε·Σ|h| alone underflows for a subnormal kernel.
    let tol = (norm1 * max) * (8.0 * size * f64::EPSILON) + size * f64::from_bits(1);
    if !tol.is_finite() {
        return Ok(());
    }
    // Entries may overflow where the largest possible one, Σ|h|·max|x|, comes near the end of
    // the range: then equal infinities agree, and an infinity against a finite value is no
    // disagreement either (one rounding either side of f64::MAX).
    let near_overflow = norm1 * max > f64::MAX / 4.0;
    for (k, (d, f)) in direct.iter().zip(&fast).enumerate() {
        if d == f || (near_overflow && !(d.is_finite() && f.is_finite())) {
            continue;
        }
        if !((d - f).abs() <= tol) {
            return Err(format!(
                "{}\n entry {k}: direct {d:e}, fast {f:e}, difference {:e} > {tol:e}",
                describe(),
                (d - f).abs()
            ));
        }
    }
    Ok(())
}

/// The least-squares gradient $g = H^\top(h * x - y)$ of [`ls_gradient`] (FFT blocks or one
/// transform, whichever the cost model picks, or the direct sums for small problems) against
/// the direct residual and the direct correlation, for the pair's $h$ and $x$ and the data
/// $y_i = x_{i \bmod n} / 2$ ($n + m - 1$ entries, so that every block reads data of its own).
///
/// Bound: the residual's error is the convolution's, $8(n + m)\\,\varepsilon\\,(\sum|h|
/// \max|x| + \max|y|)$; the correlation multiplies it by $\sum|h|$ and adds its own,
/// $8(n + m)\\,\varepsilon \sum|h| \max|r|$; twice that covers the reference's own rounding.
pub fn gradient_agrees_with_direct(p: &SignalPair) -> Result<(), String> {
    let (h, x) = (&p.h, &p.x);
    let (n, m) = (x.len(), h.len());
    if n == 0 || m == 0 {
        return Ok(());
    }
    let y: Vec<f64> = (0..n + m - 1).map(|i| 0.5 * x[i % n]).collect();
    let describe = || format!("m = {m}, n = {n}\n  h = {h:?}\n  x = {x:?}");
    let max = |v: &[f64]| v.iter().fold(0.0f64, |a, v| a.max(v.abs()));
    let norm1: f64 = h.iter().map(|v| v.abs()).sum();
    let fast = ls_gradient(h, x, &y);
    // |g| ≤ Σ|h|·(Σ|h|·max|x| + max|y|): near the end of the double range the gradient or the
    // reference may overflow, and an error that says so is the right answer; below it, both
    // must be finite.
    if !(norm1 * (norm1 * max(x) + max(&y)) < f64::MAX / 4.0) {
        return match fast {
            Ok(_) | Err(DiscreteError::Overflow { .. }) => Ok(()),
            Err(e) => Err(format!(
                "{}\n near overflow, not an overflow error: {e}",
                describe()
            )),
        };
    }
    let fast = fast.map_err(|e| format!("{}\n ls_gradient: {e}", describe()))?;
    let direct = convolve(h, x, Mode::Full, Method::Direct)
        .and_then(|hx| {
            let r: Vec<f64> = hx.iter().zip(&y).map(|(a, b)| a - b).collect();
            correlate(h, &r, Mode::Valid, Method::Direct).map(|g| (g, r))
        })
        .map_err(|e| format!("{}\n direct: {e}", describe()))?;
    let (direct, r) = direct;
    if direct.len() != n || fast.len() != n {
        return Err(format!(
            "{}\n lengths: direct {}, fast {}, n {n}",
            describe(),
            direct.len(),
            fast.len()
        ));
    }
    let eps = 8.0 * (n + m) as f64 * f64::EPSILON;
    // Products of norms first (ε·Σ|h| alone underflows for a subnormal kernel).
    let residual_err = (norm1 * max(x) + max(&y)) * eps;
    let tol =
        2.0 * (norm1 * residual_err + (norm1 * max(&r)) * eps) + (n + m) as f64 * f64::from_bits(1);
    for (k, (d, f)) in direct.iter().zip(&fast).enumerate() {
        if !((d - f).abs() <= tol) {
            return Err(format!(
                "{}\n gradient entry {k}: direct {d:e}, fast {f:e}, difference {:e} > {tol:e}",
                describe(),
                (d - f).abs()
            ));
        }
    }
    Ok(())
}
