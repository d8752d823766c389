//! Symbolic differentiation.

use super::ast::{Expr, Func};

fn n(v: f64) -> Expr {
    Expr::Num(v)
}

impl Expr {
    /// The partial derivative with respect to the variable `var`, simplified.
    ///
    /// Every function of the grammar has its classical derivative. For the ones with jumps or
    /// kinks — `step`, `rect`, `tri`, `abs` (and `sgn`) — that derivative holds *away from their
    /// breakpoints*, which [`Expr::breakpoints`] reports: $\operatorname{step}' = 0$,
    /// $\operatorname{rect}' = 0$, $|u|' = \operatorname{sgn}(u)\\,u'$,
    /// $\operatorname{tri}'(u) = -\operatorname{sgn}(u)\operatorname{rect}(u/2)\\,u'$. At a jump the
    /// distributional derivative has a Dirac mass that no function value can carry; callers that
    /// integrate a derivative must split at the breakpoints (the quadrature does).
    ///
    /// ```
    /// # use flipshift_continuous::Expr;
    /// let g = Expr::parse("gauss(t)")?.diff("t");
    /// assert_eq!(g.to_unicode(), "−t·gauss(t)");
    /// # Ok::<(), flipshift_continuous::ContinuousError>(())
    /// ```
    pub fn diff(&self, var: &str) -> Expr {
        self.d(var).simplify()
    }

    fn d(&self, var: &str) -> Expr {
        if !self.depends_on(var) {
            return n(0.0);
        }
        match self {
            Expr::Num(_) | Expr::Const { .. } => n(0.0),
            Expr::Var(name) => n(if name == var { 1.0 } else { 0.0 }),
            Expr::Neg(a) => -a.d(var),
            Expr::Add(a, b) => a.d(var) + b.d(var),
            Expr::Sub(a, b) => a.d(var) - b.d(var),
            Expr::Mul(a, b) => a.d(var) * (**b).clone() + (**a).clone() * b.d(var),
            Expr::Div(a, b) => {
                if !b.depends_on(var) {
                    a.d(var) / (**b).clone()
                } else {
                    (a.d(var) * (**b).clone() - (**a).clone() * b.d(var))
                        / (**b).clone().pow(n(2.0))
                }
            }
            Expr::Pow(a, b) => {
                let (a, b) = ((**a).clone(), (**b).clone());
                if !b.depends_on(var) {
                    // d/dt a^c = c·a^(c−1)·a′
                    b.clone() * a.clone().pow(b - n(1.0)) * a.d(var)
                } else if !a.depends_on(var) {
                    // d/dt c^b = c^b·log(c)·b′
                    a.clone().pow(b.clone()) * Expr::call(Func::Log, a) * b.d(var)
                } else {
                    // a^b = exp(b log a)
                    a.clone().pow(b.clone())
                        * (b.d(var) * Expr::call(Func::Log, a.clone()) + b * a.d(var) / a)
                }
            }
            Expr::Call(f, u) => {
                let u = (**u).clone();
                let du = u.d(var);
                let outer = match f {
                    Func::Exp => Expr::call(Func::Exp, u),
                    Func::Log => n(1.0) / u,
                    Func::Sqrt => n(0.5) / Expr::call(Func::Sqrt, u),
                    Func::Abs => Expr::call(Func::Sign, u),
                    Func::Sin => Expr::call(Func::Cos, u),
                    Func::Cos => -Expr::call(Func::Sin, u),
                    Func::Tan => n(1.0) + Expr::call(Func::Tan, u).pow(n(2.0)),
                    Func::Tanh => n(1.0) - Expr::call(Func::Tanh, u).pow(n(2.0)),
                    Func::Erf => {
                        Expr::Const {
                            name: "2/√π".into(),
                            value: std::f64::consts::FRAC_2_SQRT_PI,
                        } * Expr::call(Func::Exp, -(u.pow(n(2.0))))
                    }
                    Func::Step | Func::Rect | Func::Sign => n(0.0),
                    Func::Tri => {
                        -(Expr::call(Func::Sign, u.clone()) * Expr::call(Func::Rect, u / n(2.0)))
                    }
                    Func::Sinc => Expr::call(Func::SincD1, u),
                    Func::SincD1 => Expr::call(Func::SincD2, u),
                    Func::SincD2 => {
                        // sinc‴ from the ODE of s(x) = sin x / x: x s″ + 2 s′ + x s = 0, so
                        // differentiating, s‴ = −(3 s″ + s + x s′)/x with x = πu; in u:
                        // sinc‴ = −(3 sinc″ + π²(sinc + u sinc′))/u.
                        let pi2 = Expr::Const {
                            name: "π²".into(),
                            value: std::f64::consts::PI * std::f64::consts::PI,
                        };
                        -(n(3.0) * Expr::call(Func::SincD2, u.clone())
                            + pi2
                                * (Expr::call(Func::Sinc, u.clone())
                                    + u.clone() * Expr::call(Func::SincD1, u.clone())))
                            / u
                    }
                    Func::Gauss => -(u.clone() * Expr::call(Func::Gauss, u)),
                };
                outer * du
            }
        }
    }
}
