//! Compilation to a flat stack program: no parsing, no allocation and no recursion per call.

use super::ast::{Expr, Func, pow};
use crate::error::{ContinuousError, Result};
use crate::realfn::{Features, Interval, RealFn};

#[derive(Debug, Clone, Copy, PartialEq)]
enum Op {
    /// A constant and the bound on its error (the rounding of its decimal, or of the folding
    /// of a constant subexpression).
    Const(f64, f64),
    Var,
    Neg,
    Add,
    Sub,
    Mul,
    Div,
    Pow,
    Square,
    PowI(i32),
    AddC(f64, f64),
    MulC(f64, f64),
    /// top = c − top
    RSubC(f64, f64),
    /// top = c / top
    RDivC(f64, f64),
    Call(Func),
    /// Unless lo ≤ t ≤ hi, push 0 and skip the next `skip` ops: a term or a product outside
    /// its own support is exactly 0, whatever its formula gives there (exp(t)·step(−t) at
    /// t = 10⁴ is ∞·0 = NaN), and is not evaluated at all.
    Guard {
        lo: f64,
        hi: f64,
        skip: usize,
    },
}

/// The rounding a constant carries: none for a short binary fraction (an integer, 0.375), half
/// an ulp for anything else (a decimal such as 0.1 is not a double, and folded constants were
/// rounded).
fn const_error(c: f64) -> f64 {
    if (c * 1024.0).fract() == 0.0 && c.abs() < 1e15 {
        0.0
    } else {
        0.5 * f64::EPSILON * c.abs() + underflow(c, true)
    }
}

/// The smallest subnormal number, $2^{-1074}$: below the normal range a rounding is this
/// absolute amount (at most half of it), not a relative one.
const TINY: f64 = 5e-324;

/// The absolute rounding of an operation whose result `v` is below the normal range (a
/// product or quotient of nonzero numbers, an exponential that underflowed): [`TINY`]; none
/// for an exact result (`inexact` false: an operand was 0).
#[inline]
fn underflow(v: f64, inexact: bool) -> f64 {
    if inexact && v.abs() < f64::MIN_POSITIVE {
        TINY
    } else {
        0.0
    }
}

/// `d·e` with `0·∞` read as 0 for an exact operand (`e` = 0: no error to amplify), and as ∞
/// for a slope of 0 against an unbounded error (the value may be anywhere).
#[inline]
fn scaled(d: f64, e: f64) -> f64 {
    if e == 0.0 {
        0.0
    } else {
        let r = d * e;
        if r.is_nan() { f64::INFINITY } else { r }
    }
}

/// The error of `f(a) = v` given the argument's error `e`: the derivative's magnitude times `e`,
/// the function's own rounding, and a jump within reach of the argument's error.
fn call_error(f: Func, a: f64, v: f64, e: f64) -> f64 {
    use std::f64::consts::PI;
    // Below the normal range a function's rounding is absolute: a subnormal value from any
    // of them, or a 0 from those that underflow (exp(−800) is 0, not e^−800).
    let ulps = |k: f64| {
        let underflows = matches!(f, Func::Exp | Func::Gauss) || v != 0.0;
        k * f64::EPSILON * v.abs() + underflow(v, underflows && a.is_finite())
    };
    let jump = |at: f64, size: f64| if (a - at).abs() <= e { size } else { 0.0 };
    match f {
        Func::Exp => scaled(v.abs(), e) + ulps(1.0),
        Func::Log => scaled(1.0 / a.abs(), e) + ulps(1.0),
        Func::Sqrt => scaled(0.5 / v.abs(), e) + ulps(0.5),
        Func::Abs => e,
        Func::Sin => scaled(a.cos().abs(), e) + ulps(1.0),
        Func::Cos => scaled(a.sin().abs(), e) + ulps(1.0),
        Func::Tan => scaled(1.0 + v * v, e) + ulps(1.0),
        Func::Tanh => scaled(1.0 - v * v, e) + ulps(1.0),
        Func::Erf => scaled(2.0 / PI.sqrt() * (-a * a).exp(), e) + ulps(1.5),
        Func::Step => jump(0.0, 1.0),
        Func::Sign => jump(0.0, 2.0),
        Func::Rect => jump(0.5, 1.0) + jump(-0.5, 1.0),
        Func::Tri => scaled(if a.abs() < 1.0 { 1.0 } else { 0.0 }, e) + ulps(1.0),
        Func::Sinc => scaled(crate::special::sinc_d1(a).abs(), e) + ulps(2.0),
        Func::Gauss => scaled((a * v).abs(), e) + ulps(1.5),
        Func::SincD1 => scaled(crate::special::sinc_d2(a).abs(), e) + ulps(4.0),
        // The third derivative of sinc is at most π³/4 in magnitude.
        Func::SincD2 => scaled(PI * PI * PI / 4.0, e) + ulps(8.0),
    }
}

/// Deepest stack a compiled program may use; deeper trees fall back to the tree walk.
const MAX_STACK: usize = 64;

/// An expression in `t` compiled for fast evaluation, with its support and breakpoints.
///
/// Implements [`RealFn`]: zero outside the support (checked before evaluating, so
/// `log(t)*step(t)` is 0, not NaN, for $t < 0$).
///
/// ```
/// # use flipshift_continuous::{Expr, RealFn};
/// let f = Expr::parse("exp(-t^2/2)*cos(3*t)")?.compile()?;
/// assert!((f.eval(0.5) - (-0.125f64).exp() * 1.5f64.cos()).abs() < 1e-15);
/// # Ok::<(), flipshift_continuous::ContinuousError>(())
/// ```
#[derive(Debug, Clone)]
pub struct CompiledExpr {
    expr: Expr,
    program: Vec<Op>,
    deep: bool,
    support: Interval,
    breakpoints: Vec<f64>,
    /// Each breakpoint with the uncertainty of its position (from the literals).
    breakpoint_errors: Vec<(f64, f64)>,
    features: Features,
}

/// `emit` behind a guard that skips the term and pushes 0 outside its own support, when that is
/// not the whole line.
fn emit_term(e: &Expr, out: &mut Vec<Op>) {
    let (lo, hi) = match super::support::support_range(e) {
        super::support::Range::Span(lo, hi) => (lo, hi),
        // Identically zero: never true, so the term is always skipped.
        super::support::Range::Empty => (f64::INFINITY, f64::NEG_INFINITY),
    };
    if (lo == f64::NEG_INFINITY && hi == f64::INFINITY) || matches!(e, Expr::Num(_) | Expr::Var(_))
    {
        emit_unguarded(e, out);
        return;
    }
    let at = out.len();
    out.push(Op::Guard { lo, hi, skip: 0 });
    emit_unguarded(e, out);
    let skip = out.len() - at - 1;
    out[at] = Op::Guard { lo, hi, skip };
}

/// Products, quotients, powers and calls are guarded by their support (a product's is the
/// intersection of its factors'); sums guard each term.
fn emit(e: &Expr, out: &mut Vec<Op>) {
    if matches!(
        e,
        Expr::Mul(..) | Expr::Div(..) | Expr::Pow(..) | Expr::Call(..) | Expr::Neg(..)
    ) {
        emit_term(e, out);
    } else {
        emit_unguarded(e, out);
    }
}

fn emit_unguarded(e: &Expr, out: &mut Vec<Op>) {
    match e {
        Expr::Num(v) => out.push(Op::Const(*v, const_error(*v))),
        Expr::Const { value, .. } => out.push(Op::Const(*value, const_error(*value))),
        Expr::Var(_) => out.push(Op::Var),
        Expr::Neg(a) => {
            emit(a, out);
            out.push(Op::Neg);
        }
        Expr::Add(a, b) | Expr::Sub(a, b) | Expr::Mul(a, b) | Expr::Div(a, b) => {
            let bc = folded(b);
            let ac = folded(a);
            match (e, ac, bc) {
                (Expr::Add(..), _, Some((c, ce))) => {
                    emit_term(a, out);
                    out.push(Op::AddC(c, ce));
                }
                (Expr::Add(..), Some((c, ce)), None) => {
                    emit_term(b, out);
                    out.push(Op::AddC(c, ce));
                }
                (Expr::Sub(..), _, Some((c, ce))) => {
                    emit_term(a, out);
                    out.push(Op::AddC(-c, ce));
                }
                (Expr::Sub(..), Some((c, ce)), None) => {
                    emit_term(b, out);
                    out.push(Op::RSubC(c, ce));
                }
                (Expr::Mul(..), _, Some((c, ce))) => {
                    emit(a, out);
                    out.push(Op::MulC(c, ce));
                }
                (Expr::Mul(..), Some((c, ce)), None) => {
                    emit(b, out);
                    out.push(Op::MulC(c, ce));
                }
                (Expr::Div(..), _, Some((c, ce))) => {
                    emit(a, out);
                    // Multiplying by 1/c is exact only for powers of two; otherwise divide.
                    let inv = 1.0 / c;
                    if c != 0.0 && inv.is_finite() && (c.abs().log2().fract() == 0.0) {
                        out.push(Op::MulC(inv, ce * inv * inv));
                    } else {
                        out.push(Op::Const(c, ce));
                        out.push(Op::Div);
                    }
                }
                (Expr::Div(..), Some((c, ce)), None) => {
                    emit(b, out);
                    out.push(Op::RDivC(c, ce));
                }
                _ => {
                    let sum = matches!(e, Expr::Add(..) | Expr::Sub(..));
                    if sum {
                        emit_term(a, out);
                        emit_term(b, out);
                    } else {
                        emit(a, out);
                        emit(b, out);
                    }
                    out.push(match e {
                        Expr::Add(..) => Op::Add,
                        Expr::Sub(..) => Op::Sub,
                        Expr::Mul(..) => Op::Mul,
                        _ => Op::Div,
                    });
                }
            }
        }
        Expr::Pow(a, b) => {
            emit(a, out);
            match b.constant_value() {
                Some(2.0) => out.push(Op::Square),
                Some(p) if p.fract() == 0.0 && p.abs() <= 64.0 => out.push(Op::PowI(p as i32)),
                _ => {
                    emit(b, out);
                    out.push(Op::Pow);
                }
            }
        }
        Expr::Call(f, a) => {
            emit(a, out);
            out.push(Op::Call(*f));
        }
    }
}

fn max_depth(program: &[Op]) -> usize {
    let mut depth: usize = 0;
    let mut max = 0;
    for op in program {
        match op {
            Op::Const(..) | Op::Var => depth += 1,
            Op::Add | Op::Sub | Op::Mul | Op::Div | Op::Pow => depth = depth.saturating_sub(1),
            _ => {}
        }
        max = max.max(depth);
    }
    max
}

impl CompiledExpr {
    /// The expression this was compiled from.
    pub fn expr(&self) -> &Expr {
        &self.expr
    }

    /// The value at `t`, ignoring the support (the raw formula).
    #[inline]
    pub fn eval_formula(&self, t: f64) -> f64 {
        if self.deep {
            return self.expr.eval_at(t);
        }
        let mut stack = [0.0f64; MAX_STACK];
        let mut sp = 0usize;
        let mut pc = 0usize;
        let program = &self.program;
        while pc < program.len() {
            // Stack discipline was checked at compile time: sp stays in 1..=MAX_STACK
            // for unary ops and ≥ 2 for binary ones.
            match program[pc] {
                Op::Const(c, _) => {
                    stack[sp] = c;
                    sp += 1;
                }
                Op::Var => {
                    stack[sp] = t;
                    sp += 1;
                }
                Op::Neg => stack[sp - 1] = -stack[sp - 1],
                Op::Square => stack[sp - 1] *= stack[sp - 1],
                Op::PowI(n) => stack[sp - 1] = stack[sp - 1].powi(n),
                Op::AddC(c, _) => stack[sp - 1] += c,
                Op::MulC(c, _) => stack[sp - 1] *= c,
                Op::RSubC(c, _) => stack[sp - 1] = c - stack[sp - 1],
                Op::RDivC(c, _) => stack[sp - 1] = c / stack[sp - 1],
                Op::Call(f) => stack[sp - 1] = f.apply(stack[sp - 1]),
                Op::Guard { lo, hi, skip } => {
                    if !(lo <= t && t <= hi) {
                        stack[sp] = 0.0;
                        sp += 1;
                        pc += skip;
                    }
                }
                Op::Add => {
                    sp -= 1;
                    stack[sp - 1] += stack[sp];
                }
                Op::Sub => {
                    sp -= 1;
                    stack[sp - 1] -= stack[sp];
                }
                Op::Mul => {
                    sp -= 1;
                    stack[sp - 1] *= stack[sp];
                }
                Op::Div => {
                    sp -= 1;
                    stack[sp - 1] /= stack[sp];
                }
                Op::Pow => {
                    sp -= 1;
                    stack[sp - 1] = pow(stack[sp - 1], stack[sp]);
                }
            }
            pc += 1;
        }
        stack[0]
    }

    /// The raw formula's value at `t` and a first-order bound on its rounding error, with `t`
    /// itself known to within `dt`: every operation adds its own rounding (half an ulp for
    /// `+ − × ÷`, one or two ulps for the elementary functions) to the propagated errors of its
    /// operands, each weighted by the magnitude of the partial derivative; a jump (`step`,
    /// `rect`, `sgn`) within the argument's error of its argument adds the jump. Decimal
    /// constants that are not short binary fractions are charged the half ulp of their
    /// conversion.
    pub fn eval_formula_with_error(&self, t: f64, dt: f64) -> (f64, f64) {
        if self.deep {
            let v = self.expr.eval_at(t);
            return (v, 64.0 * f64::EPSILON * v.abs());
        }
        run_with_error(&self.program, t, dt)
    }
}

/// A constant subexpression's value and the bound on its error, as compilation folds it: a
/// number with the rounding of its decimal; anything else evaluated with the errors of every
/// operation in it (`0.9999999999 - step(pi)` is −1.000000082740371e-10, its error the half ulp
/// of 0.9999999999, 8e-7 of the value — not the half ulp of the result).
fn folded(e: &Expr) -> Option<(f64, f64)> {
    let c = e.constant_value().filter(|v| v.is_finite())?;
    if matches!(e, Expr::Num(_) | Expr::Const { .. }) {
        return Some((c, const_error(c)));
    }
    let mut program = Vec::new();
    emit(e, &mut program);
    if max_depth(&program) >= MAX_STACK {
        return Some((c, 64.0 * f64::EPSILON * c.abs() + underflow(c, true)));
    }
    let (v, err) = run_with_error(&program, 0.0, 0.0);
    Some((c, err + (v - c).abs()))
}

/// The value of `program` at `t` and its error bound (see
/// [`CompiledExpr::eval_formula_with_error`]); `program` within [`MAX_STACK`].
fn run_with_error(program: &[Op], t: f64, dt: f64) -> (f64, f64) {
    const U: f64 = 0.5 * f64::EPSILON;
    let mut val = [0.0f64; MAX_STACK];
    let mut err = [0.0f64; MAX_STACK];
    let mut sp = 0usize;
    let mut pc = 0usize;
    while pc < program.len() {
        match program[pc] {
            Op::Const(c, ce) => {
                val[sp] = c;
                err[sp] = ce;
                sp += 1;
            }
            Op::Var => {
                val[sp] = t;
                err[sp] = dt;
                sp += 1;
            }
            Op::Neg => val[sp - 1] = -val[sp - 1],
            Op::Square => {
                let a = val[sp - 1];
                val[sp - 1] = a * a;
                err[sp - 1] =
                    scaled(2.0 * a.abs(), err[sp - 1]) + U * a * a + underflow(a * a, a != 0.0);
            }
            Op::PowI(n) => {
                let a = val[sp - 1];
                let v = a.powi(n);
                let d = if a == 0.0 {
                    if n == 1 { 1.0 } else { 0.0 }
                } else {
                    (f64::from(n) * v / a).abs()
                };
                val[sp - 1] = v;
                err[sp - 1] = scaled(d, err[sp - 1])
                    + f64::from(n.unsigned_abs()) * (U * v.abs() + underflow(v, a != 0.0));
            }
            Op::AddC(c, ce) => {
                let v = val[sp - 1] + c;
                val[sp - 1] = v;
                err[sp - 1] += ce + U * v.abs();
            }
            Op::MulC(c, ce) => {
                let a = val[sp - 1];
                let v = a * c;
                val[sp - 1] = v;
                err[sp - 1] = scaled(c.abs(), err[sp - 1])
                    + a.abs() * ce
                    + U * v.abs()
                    + underflow(v, a != 0.0 && c != 0.0);
            }
            Op::RSubC(c, ce) => {
                let v = c - val[sp - 1];
                val[sp - 1] = v;
                err[sp - 1] += ce + U * v.abs();
            }
            Op::RDivC(c, ce) => {
                let a = val[sp - 1];
                let v = c / a;
                val[sp - 1] = v;
                err[sp - 1] = scaled((v / a).abs(), err[sp - 1])
                    + (ce / a).abs()
                    + U * v.abs()
                    + underflow(v, c != 0.0);
            }
            Op::Call(f) => {
                let a = val[sp - 1];
                let v = f.apply(a);
                val[sp - 1] = v;
                err[sp - 1] = call_error(f, a, v, err[sp - 1]);
            }
            Op::Guard { lo, hi, skip } => {
                // Outside by more than t's own uncertainty: exactly 0. Within it, the term
                // is evaluated, and its jumps charge what they may be off by.
                if !(lo - dt <= t && t <= hi + dt) {
                    val[sp] = 0.0;
                    err[sp] = 0.0;
                    sp += 1;
                    pc += skip;
                }
            }
            Op::Add | Op::Sub => {
                sp -= 1;
                let v = if matches!(program[pc], Op::Add) {
                    val[sp - 1] + val[sp]
                } else {
                    val[sp - 1] - val[sp]
                };
                val[sp - 1] = v;
                err[sp - 1] += err[sp] + U * v.abs();
            }
            Op::Mul => {
                sp -= 1;
                let (a, b) = (val[sp - 1], val[sp]);
                let v = a * b;
                val[sp - 1] = v;
                err[sp - 1] = scaled(b.abs(), err[sp - 1])
                    + scaled(a.abs(), err[sp])
                    + U * v.abs()
                    + underflow(v, a != 0.0 && b != 0.0);
            }
            Op::Div => {
                sp -= 1;
                let (a, b) = (val[sp - 1], val[sp]);
                let v = a / b;
                val[sp - 1] = v;
                err[sp - 1] = (err[sp - 1] + scaled(v.abs(), err[sp])) / b.abs()
                    + U * v.abs()
                    + underflow(v, a != 0.0);
            }
            Op::Pow => {
                sp -= 1;
                let (a, b) = (val[sp - 1], val[sp]);
                let v = pow(a, b);
                let da = if a == 0.0 { 0.0 } else { (b * v / a).abs() };
                let db = if a > 0.0 { (v * a.ln()).abs() } else { 0.0 };
                val[sp - 1] = v;
                err[sp - 1] = scaled(da, err[sp - 1])
                    + scaled(db, err[sp])
                    + 2.0 * f64::EPSILON * v.abs()
                    + underflow(v, a != 0.0);
            }
        }
        pc += 1;
    }
    // A NaN bound is no bound (max() would drop it, a sum would spread it).
    (
        val[0],
        if err[0].is_nan() {
            f64::INFINITY
        } else {
            err[0]
        },
    )
}

impl RealFn for CompiledExpr {
    #[inline]
    fn eval(&self, t: f64) -> f64 {
        if t < self.support.a() || t > self.support.b() {
            0.0
        } else {
            self.eval_formula(t)
        }
    }
    fn support(&self) -> Interval {
        self.support
    }
    fn breakpoints(&self) -> Vec<f64> {
        self.breakpoints.clone()
    }
    fn eval_with_error(&self, t: f64, dt: f64) -> (f64, f64) {
        if t < self.support.a() - dt || t > self.support.b() + dt {
            (0.0, 0.0)
        } else {
            self.eval_formula_with_error(t, dt)
        }
    }
    fn bound(&self, lo: f64, hi: f64) -> Option<f64> {
        let (a, b) = (lo.max(self.support.a()), hi.min(self.support.b()));
        if a > b {
            return Some(0.0);
        }
        let (x, y) = super::shape::range(&self.expr, (a, b));
        Some(x.abs().max(y.abs()))
    }
    fn features(&self) -> Features {
        self.features.clone()
    }
    fn position_error(&self, p: f64) -> f64 {
        let near = 4.0 * f64::EPSILON * p.abs();
        let own = crate::realfn::position_rounding(p);
        self.breakpoint_errors
            .iter()
            .filter(|(q, _)| (q - p).abs() <= near)
            .map(|&(q, e)| e + (q - p).abs())
            .fold(own, f64::max)
    }
}

impl Expr {
    /// Compile to a flat program in `t` (simplified first); an error if any other variable is
    /// free.
    pub fn compile(&self) -> Result<CompiledExpr> {
        if let Some(v) = self.free_vars().into_iter().find(|v| v != "t") {
            return Err(ContinuousError::UnknownName {
                name: v,
                column: 0,
                hint: "only t may be free in a function of one variable; substitute or bind the others".into(),
            });
        }
        let expr = self.simplify();
        let mut program = Vec::new();
        emit(&expr, &mut program);
        let deep = max_depth(&program) >= MAX_STACK;
        Ok(CompiledExpr {
            features: super::shape::features(&expr),
            support: Expr::support(self),
            breakpoints: Expr::breakpoints(self),
            breakpoint_errors: {
                let mut v = Vec::new();
                super::support::breakpoint_errors(self, &mut v);
                v
            },
            expr,
            program,
            deep,
        })
    }
}
