//! The expression tree and its tree-walking evaluation.

use crate::error::{ContinuousError, Result};
use crate::special;

/// A function of the grammar (plus `sgn` and the derivatives of `sinc`, which differentiation
/// introduces).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Func {
    /// $e^u$.
    Exp,
    /// Natural logarithm.
    Log,
    /// Square root.
    Sqrt,
    /// $|u|$.
    Abs,
    /// Sine.
    Sin,
    /// Cosine.
    Cos,
    /// Tangent.
    Tan,
    /// Hyperbolic tangent.
    Tanh,
    /// The error function $\operatorname{erf}(u) = \frac{2}{\sqrt\pi}\int_0^u e^{-s^2} ds$.
    Erf,
    /// Heaviside step, $\operatorname{step}(0) = \tfrac12$.
    Step,
    /// $\operatorname{rect}(u) = 1$ for $|u| < \tfrac12$, $\tfrac12$ at $|u| = \tfrac12$, 0 outside.
    Rect,
    /// $\operatorname{tri}(u) = \max(0, 1 - |u|)$.
    Tri,
    /// $\operatorname{sinc}(u) = \sin(\pi u)/(\pi u)$, $\operatorname{sinc}(0) = 1$.
    Sinc,
    /// $\operatorname{gauss}(u) = e^{-u^2/2}/\sqrt{2\pi}$.
    Gauss,
    /// The sign, $\operatorname{sgn}(0) = 0$ (introduced by $d/dt\\,|u|$).
    Sign,
    /// $\operatorname{sinc}'$, evaluated without cancellation near 0.
    SincD1,
    /// $\operatorname{sinc}''$, evaluated without cancellation near 0.
    SincD2,
}

impl Func {
    /// The function of the grammar named `name`.
    pub fn from_name(name: &str) -> Option<Func> {
        Some(match name {
            "exp" => Func::Exp,
            "log" => Func::Log,
            "sqrt" => Func::Sqrt,
            "abs" => Func::Abs,
            "sin" => Func::Sin,
            "cos" => Func::Cos,
            "tan" => Func::Tan,
            "tanh" => Func::Tanh,
            "erf" => Func::Erf,
            "step" => Func::Step,
            "rect" => Func::Rect,
            "tri" => Func::Tri,
            "sinc" => Func::Sinc,
            "gauss" => Func::Gauss,
            _ => return None,
        })
    }

    /// The name as written in the grammar (`sgn`, `sinc'`, `sinc''` for the internal ones).
    pub fn name(&self) -> &'static str {
        match self {
            Func::Exp => "exp",
            Func::Log => "log",
            Func::Sqrt => "sqrt",
            Func::Abs => "abs",
            Func::Sin => "sin",
            Func::Cos => "cos",
            Func::Tan => "tan",
            Func::Tanh => "tanh",
            Func::Erf => "erf",
            Func::Step => "step",
            Func::Rect => "rect",
            Func::Tri => "tri",
            Func::Sinc => "sinc",
            Func::Gauss => "gauss",
            Func::Sign => "sgn",
            Func::SincD1 => "sinc'",
            Func::SincD2 => "sinc''",
        }
    }

    /// The value at `u`.
    #[inline]
    pub fn apply(&self, u: f64) -> f64 {
        match self {
            Func::Exp => u.exp(),
            Func::Log => u.ln(),
            Func::Sqrt => u.sqrt(),
            Func::Abs => u.abs(),
            Func::Sin => u.sin(),
            Func::Cos => u.cos(),
            Func::Tan => u.tan(),
            Func::Tanh => u.tanh(),
            Func::Erf => special::erf(u),
            Func::Step => {
                if u > 0.0 {
                    1.0
                } else if u < 0.0 {
                    0.0
                } else if u == 0.0 {
                    0.5
                } else {
                    f64::NAN
                }
            }
            Func::Rect => {
                let a = u.abs();
                if a < 0.5 {
                    1.0
                } else if a > 0.5 {
                    0.0
                } else if a == 0.5 {
                    0.5
                } else {
                    f64::NAN
                }
            }
            Func::Tri => (1.0 - u.abs()).max(0.0) + 0.0 * u,
            Func::Sinc => special::sinc(u),
            Func::Gauss => (-0.5 * u * u).exp() * special::FRAC_1_SQRT_2PI,
            Func::Sign => {
                if u > 0.0 {
                    1.0
                } else if u < 0.0 {
                    -1.0
                } else {
                    u * 0.0
                }
            }
            Func::SincD1 => special::sinc_d1(u),
            Func::SincD2 => special::sinc_d2(u),
        }
    }

    /// Whether $f(0) = 0$, so that $f(u)$ vanishes wherever $u$ does.
    pub fn preserves_zero(&self) -> bool {
        matches!(
            self,
            Func::Sqrt | Func::Abs | Func::Sin | Func::Tan | Func::Tanh | Func::Erf | Func::Sign
        )
    }
}

/// A symbolic expression in one or more real variables.
///
/// Parsed from the grammar of `docs/cli.md` by [`Expr::parse`], built with the constructors and the
/// operators `+ - * /`, simplified, differentiated, substituted into, printed as Unicode or
/// LaTeX, and compiled for fast evaluation.
#[derive(Debug, Clone, PartialEq)]
pub enum Expr {
    /// A number.
    Num(f64),
    /// A named constant: `pi`, `e`, or a parameter bound with `--param`.
    Const {
        /// The name, kept for printing.
        name: String,
        /// The value.
        value: f64,
    },
    /// A variable (`t`, `tau`, `x`, `xp`, ...).
    Var(String),
    /// $-a$.
    Neg(Box<Expr>),
    /// $a + b$.
    Add(Box<Expr>, Box<Expr>),
    /// $a - b$.
    Sub(Box<Expr>, Box<Expr>),
    /// $a \cdot b$.
    Mul(Box<Expr>, Box<Expr>),
    /// $a / b$.
    Div(Box<Expr>, Box<Expr>),
    /// $a^b$.
    Pow(Box<Expr>, Box<Expr>),
    /// $f(a)$.
    Call(Func, Box<Expr>),
}

impl Expr {
    /// The number `v`.
    pub fn num(v: f64) -> Expr {
        Expr::Num(v)
    }

    /// The variable `name`.
    pub fn var(name: &str) -> Expr {
        Expr::Var(name.to_string())
    }

    /// $f(\text{arg})$.
    pub fn call(f: Func, arg: Expr) -> Expr {
        Expr::Call(f, Box::new(arg))
    }

    /// $\text{self}^{e}$.
    pub fn pow(self, e: Expr) -> Expr {
        Expr::Pow(Box::new(self), Box::new(e))
    }

    /// The value with `t` bound to `t` (tree walk; every other variable is NaN).
    pub fn eval_at(&self, t: f64) -> f64 {
        self.eval_with(&|name| (name == "t").then_some(t))
            .unwrap_or(f64::NAN)
    }

    /// The value with the given variables bound; an unbound variable is an error.
    ///
    /// ```
    /// # use flipshift_continuous::{Expr, ParseOptions};
    /// let l = Expr::parse_with("x*xp + t", &ParseOptions { variables: &["t", "x", "xp"], params: &[] })?;
    /// assert_eq!(l.eval_vars(&[("t", 1.0), ("x", 2.0), ("xp", 3.0)])?, 7.0);
    /// assert!(l.eval_vars(&[("t", 1.0)]).is_err());
    /// # Ok::<(), flipshift_continuous::ContinuousError>(())
    /// ```
    pub fn eval_vars(&self, vars: &[(&str, f64)]) -> Result<f64> {
        self.eval_with(&|name| vars.iter().find(|(n, _)| *n == name).map(|(_, v)| *v))
    }

    fn eval_with(&self, lookup: &dyn Fn(&str) -> Option<f64>) -> Result<f64> {
        Ok(match self {
            Expr::Num(v) => *v,
            Expr::Const { value, .. } => *value,
            Expr::Var(name) => lookup(name).ok_or_else(|| ContinuousError::UnknownName {
                name: name.clone(),
                column: 0,
                hint: "no value was given for this variable".into(),
            })?,
            Expr::Neg(a) => -a.eval_with(lookup)?,
            Expr::Add(a, b) => a.eval_with(lookup)? + b.eval_with(lookup)?,
            Expr::Sub(a, b) => a.eval_with(lookup)? - b.eval_with(lookup)?,
            Expr::Mul(a, b) => {
                let (x, y) = (a.eval_with(lookup)?, b.eval_with(lookup)?);
                let p = x * y;
                // ∞·0 where the zero is a factor outside its own support (e^{10⁴}·step(−10⁴)):
                // the product is zero there, whatever the other factor gives.
                if p.is_nan() && ((x == 0.0 && y.is_infinite()) || (y == 0.0 && x.is_infinite())) {
                    let (zero, other) = if x == 0.0 { (a, b) } else { (b, a) };
                    // Only an overflow (no pole in the other factor) is such an ∞.
                    let pole = other.any(&|e| {
                        matches!(e, Expr::Div(..) | Expr::Call(Func::Log | Func::Tan, _))
                            || matches!(e, Expr::Pow(_, q) if q.constant_value().is_none_or(|q| q < 0.0))
                    });
                    if !pole
                        && let Some(t) = lookup("t")
                        && !zero.support_contains(t)
                    {
                        return Ok(0.0);
                    }
                }
                p
            }
            Expr::Div(a, b) => a.eval_with(lookup)? / b.eval_with(lookup)?,
            Expr::Pow(a, b) => pow(a.eval_with(lookup)?, b.eval_with(lookup)?),
            Expr::Call(f, a) => f.apply(a.eval_with(lookup)?),
        })
    }

    /// Whether `pred` holds for this node or any below it.
    fn any(&self, pred: &dyn Fn(&Expr) -> bool) -> bool {
        pred(self)
            || match self {
                Expr::Num(_) | Expr::Const { .. } | Expr::Var(_) => false,
                Expr::Neg(a) | Expr::Call(_, a) => a.any(pred),
                Expr::Add(a, b)
                | Expr::Sub(a, b)
                | Expr::Mul(a, b)
                | Expr::Div(a, b)
                | Expr::Pow(a, b) => a.any(pred) || b.any(pred),
            }
    }

    /// Whether `t` lies in the expression's support (with respect to `t`).
    fn support_contains(&self, t: f64) -> bool {
        match super::support::support_range(self) {
            super::support::Range::Empty => false,
            super::support::Range::Span(lo, hi) => lo <= t && t <= hi,
        }
    }

    /// Replace every occurrence of the variable `var` by `with` (not simplified).
    pub fn substitute(&self, var: &str, with: &Expr) -> Expr {
        let sub = |e: &Expr| Box::new(e.substitute(var, with));
        match self {
            Expr::Var(name) if name == var => with.clone(),
            Expr::Num(_) | Expr::Const { .. } | Expr::Var(_) => self.clone(),
            Expr::Neg(a) => Expr::Neg(sub(a)),
            Expr::Add(a, b) => Expr::Add(sub(a), sub(b)),
            Expr::Sub(a, b) => Expr::Sub(sub(a), sub(b)),
            Expr::Mul(a, b) => Expr::Mul(sub(a), sub(b)),
            Expr::Div(a, b) => Expr::Div(sub(a), sub(b)),
            Expr::Pow(a, b) => Expr::Pow(sub(a), sub(b)),
            Expr::Call(f, a) => Expr::Call(*f, sub(a)),
        }
    }

    /// The variables that occur.
    pub fn free_vars(&self) -> std::collections::BTreeSet<String> {
        let mut out = std::collections::BTreeSet::new();
        self.collect_vars(&mut out);
        out
    }

    fn collect_vars(&self, out: &mut std::collections::BTreeSet<String>) {
        match self {
            Expr::Var(n) => {
                out.insert(n.clone());
            }
            Expr::Num(_) | Expr::Const { .. } => {}
            Expr::Neg(a) | Expr::Call(_, a) => a.collect_vars(out),
            Expr::Add(a, b)
            | Expr::Sub(a, b)
            | Expr::Mul(a, b)
            | Expr::Div(a, b)
            | Expr::Pow(a, b) => {
                a.collect_vars(out);
                b.collect_vars(out);
            }
        }
    }

    /// An error naming the first free variable outside `allowed`, with `what` the expression is
    /// ("the data term G may use only t, u").
    pub fn require_vars(&self, allowed: &[&str], what: &str) -> Result<()> {
        match self
            .free_vars()
            .into_iter()
            .find(|v| !allowed.contains(&v.as_str()))
        {
            Some(v) => Err(ContinuousError::UnknownName {
                name: v,
                column: 0,
                hint: format!("{what} may use only {}", allowed.join(", ")),
            }),
            None => Ok(()),
        }
    }

    /// Whether the variable `var` occurs.
    pub fn depends_on(&self, var: &str) -> bool {
        match self {
            Expr::Var(n) => n == var,
            Expr::Num(_) | Expr::Const { .. } => false,
            Expr::Neg(a) | Expr::Call(_, a) => a.depends_on(var),
            Expr::Add(a, b)
            | Expr::Sub(a, b)
            | Expr::Mul(a, b)
            | Expr::Div(a, b)
            | Expr::Pow(a, b) => a.depends_on(var) || b.depends_on(var),
        }
    }

    /// The value when no variable occurs.
    pub fn constant_value(&self) -> Option<f64> {
        if self.free_vars().is_empty() {
            self.eval_vars(&[]).ok()
        } else {
            None
        }
    }

    /// $t \mapsto -t$: the reversal $R$, simplified.
    pub fn reversed(&self) -> Expr {
        self.substitute("t", &Expr::Neg(Box::new(Expr::var("t"))))
            .simplify()
    }

    /// $t \mapsto t - t_0$: the shift $S_{t_0}$, simplified.
    pub fn shifted(&self, t0: f64) -> Expr {
        self.substitute("t", &(Expr::var("t") - Expr::num(t0)))
            .simplify()
    }

    /// $t \mapsto c\\,t$: the scale $D_c$, simplified.
    pub fn scaled(&self, c: f64) -> Expr {
        self.substitute("t", &(Expr::num(c) * Expr::var("t")))
            .simplify()
    }
}

/// `a^b` with integer exponents done by repeated multiplication (exact for small integers,
/// and defined for negative bases).
#[inline]
pub(crate) fn pow(a: f64, b: f64) -> f64 {
    // A negative base has no real power with a fractional exponent; IEEE's powf still gives
    // (−∞)^0.5 = +∞, which would disagree with √(−∞) = NaN after simplification.
    if a < 0.0 && b.is_finite() && b.fract() != 0.0 {
        return f64::NAN;
    }
    if b == 2.0 {
        a * a
    } else if b.fract() == 0.0 && b.abs() <= 64.0 {
        a.powi(b as i32)
    } else {
        a.powf(b)
    }
}

macro_rules! binop {
    ($tr:ident, $m:ident, $v:ident) => {
        impl std::ops::$tr for Expr {
            type Output = Expr;
            fn $m(self, rhs: Expr) -> Expr {
                Expr::$v(Box::new(self), Box::new(rhs))
            }
        }
    };
}
binop!(Add, add, Add);
binop!(Sub, sub, Sub);
binop!(Mul, mul, Mul);
binop!(Div, div, Div);

impl std::ops::Neg for Expr {
    type Output = Expr;
    fn neg(self) -> Expr {
        Expr::Neg(Box::new(self))
    }
}
