//! Compilation to a flat stack program: no parsing, no allocation and no recursion per call.

use super::ast::{Expr, Func, pow};
use crate::error::{ContinuousError, Result};
use crate::realfn::{Interval, RealFn};

#[derive(Debug, Clone, Copy, PartialEq)]
enum Op {
    Const(f64),
    Var,
    Neg,
    Add,
    Sub,
    Mul,
    Div,
    Pow,
    Square,
    PowI(i32),
    AddC(f64),
    MulC(f64),
    /// top = c − top
    RSubC(f64),
    /// top = c / top
    RDivC(f64),
    Call(Func),
    /// top = 0 unless lo ≤ t ≤ hi: a term outside its own support is 0, whatever its formula
    /// gives there (exp(t)·step(−t) at t = 10⁴ is ∞·0 = NaN).
    Clip(f64, f64),
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
}

/// `emit`, then zero the value outside the term's own support when that is not the whole line.
fn emit_term(e: &Expr, out: &mut Vec<Op>) {
    emit(e, out);
    if let super::support::Range::Span(lo, hi) = super::support::support_range(e)
        && (lo > f64::NEG_INFINITY || hi < f64::INFINITY)
    {
        out.push(Op::Clip(lo, hi));
    }
}

fn emit(e: &Expr, out: &mut Vec<Op>) {
    match e {
        Expr::Num(v) => out.push(Op::Const(*v)),
        Expr::Const { value, .. } => out.push(Op::Const(*value)),
        Expr::Var(_) => out.push(Op::Var),
        Expr::Neg(a) => {
            emit(a, out);
            out.push(Op::Neg);
        }
        Expr::Add(a, b) | Expr::Sub(a, b) | Expr::Mul(a, b) | Expr::Div(a, b) => {
            let bc = b.constant_value().filter(|v| v.is_finite());
            let ac = a.constant_value().filter(|v| v.is_finite());
            match (e, ac, bc) {
                (Expr::Add(..), _, Some(c)) => {
                    emit_term(a, out);
                    out.push(Op::AddC(c));
                }
                (Expr::Add(..), Some(c), None) => {
                    emit_term(b, out);
                    out.push(Op::AddC(c));
                }
                (Expr::Sub(..), _, Some(c)) => {
                    emit_term(a, out);
                    out.push(Op::AddC(-c));
                }
                (Expr::Sub(..), Some(c), None) => {
                    emit_term(b, out);
                    out.push(Op::RSubC(c));
                }
                (Expr::Mul(..), _, Some(c)) => {
                    emit(a, out);
                    out.push(Op::MulC(c));
                }
                (Expr::Mul(..), Some(c), None) => {
                    emit(b, out);
                    out.push(Op::MulC(c));
                }
                (Expr::Div(..), _, Some(c)) => {
                    emit(a, out);
                    // Multiplying by 1/c is exact only for powers of two; otherwise divide.
                    let inv = 1.0 / c;
                    if c != 0.0 && inv.is_finite() && (c.abs().log2().fract() == 0.0) {
                        out.push(Op::MulC(inv));
                    } else {
                        out.push(Op::Const(c));
                        out.push(Op::Div);
                    }
                }
                (Expr::Div(..), Some(c), None) => {
                    emit(b, out);
                    out.push(Op::RDivC(c));
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
            Op::Const(_) | Op::Var => depth += 1,
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
        for op in &self.program {
            // Stack discipline was checked at compile time: sp stays in 1..=MAX_STACK
            // for unary ops and ≥ 2 for binary ones.
            match *op {
                Op::Const(c) => {
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
                Op::AddC(c) => stack[sp - 1] += c,
                Op::MulC(c) => stack[sp - 1] *= c,
                Op::RSubC(c) => stack[sp - 1] = c - stack[sp - 1],
                Op::RDivC(c) => stack[sp - 1] = c / stack[sp - 1],
                Op::Call(f) => stack[sp - 1] = f.apply(stack[sp - 1]),
                Op::Clip(lo, hi) => {
                    if t < lo || t > hi {
                        stack[sp - 1] = 0.0;
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
        }
        stack[0]
    }
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
            support: Expr::support(self),
            breakpoints: Expr::breakpoints(self),
            expr,
            program,
            deep,
        })
    }
}
