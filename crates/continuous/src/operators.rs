//! Reversal, shift and scale as composable operators on any [`RealFn`], and pointwise sums.
//!
//! | maths | code | value at $t$ | support (input on $[a, b]$) | adjoint |
//! |---|---|---|---|---|
//! | $Rf$ | [`Reverse`] | $f(-t)$ | $[-b, -a]$ | $R^* = R$ |
//! | $S_{t_0} f$ | [`Shift`] | $f(t - t_0)$ | $[a + t_0, b + t_0]$ | $S_{t_0}^* = S_{-t_0}$ |
//! | $D_c f$ | [`Scale`] | $f(c\\,t)$ | $[a/c, b/c]$ (ordered) | $D_c^* = \lvert c\rvert^{-1} D_{1/c}$ |
//!
//! Adapters read left to right: `h.reversed().shifted(t0)` is $S_{t_0} R\\, h$, the function
//! $\tau \mapsto h(t_0 - \tau)$ — the functional derivative of $z(t_0) = (h*x)(t_0)$.

use crate::error::{ContinuousError, Result};
use crate::realfn::{Features, Interval, Peak, RealFn};

/// Reversal $(R f)(t) = f(-t)$. Support $[a, b] \mapsto [-b, -a]$; $R^* = R$, $R R = I$.
#[derive(Debug, Clone)]
pub struct Reverse<F>(pub F);

impl<F: RealFn> RealFn for Reverse<F> {
    fn eval(&self, t: f64) -> f64 {
        self.0.eval(-t)
    }
    fn support(&self) -> Interval {
        self.0.support().reversed()
    }
    fn breakpoints(&self) -> Vec<f64> {
        let mut b: Vec<f64> = self.0.breakpoints().iter().map(|p| -p).collect();
        b.reverse();
        b
    }
    fn eval_with_error(&self, t: f64, dt: f64) -> (f64, f64) {
        self.0.eval_with_error(-t, dt)
    }
    fn bound(&self, lo: f64, hi: f64) -> Option<f64> {
        self.0.bound(-hi, -lo)
    }
    fn features(&self) -> Features {
        self.0.features().mapped(0.0, -1.0)
    }
}

/// Shift $(S_{t_0} f)(t) = f(t - t_0)$. Support $[a, b] \mapsto [a + t_0, b + t_0]$;
/// $S_{t_0}^* = S_{-t_0}$, $S_a S_b = S_{a+b}$, $R S_a = S_{-a} R$.
#[derive(Debug, Clone)]
pub struct Shift<F> {
    /// The function shifted.
    pub f: F,
    /// The shift $t_0$ (finite).
    pub t0: f64,
}

impl<F: RealFn> RealFn for Shift<F> {
    fn eval(&self, t: f64) -> f64 {
        self.f.eval(t - self.t0)
    }
    fn support(&self) -> Interval {
        self.f.support().shifted(self.t0)
    }
    fn breakpoints(&self) -> Vec<f64> {
        self.f.breakpoints().iter().map(|p| p + self.t0).collect()
    }
    fn eval_with_error(&self, t: f64, dt: f64) -> (f64, f64) {
        // t − t0 rounds once.
        let u = t - self.t0;
        self.f.eval_with_error(u, dt + 0.5 * f64::EPSILON * u.abs())
    }
    fn bound(&self, lo: f64, hi: f64) -> Option<f64> {
        self.f.bound(lo - self.t0, hi - self.t0)
    }
    fn features(&self) -> Features {
        self.f.features().mapped(-self.t0, 1.0)
    }
}

/// Scale $(D_c f)(t) = f(c\\,t)$, $c \ne 0$. Support $[a, b] \mapsto [a/c, b/c]$ (ordered);
/// $D_c^* = |c|^{-1} D_{1/c}$.
#[derive(Debug, Clone)]
pub struct Scale<F> {
    f: F,
    c: f64,
}

impl<F: RealFn> Scale<F> {
    /// $D_c f$; an error unless $c$ is finite and non-zero.
    pub fn new(f: F, c: f64) -> Result<Self> {
        if !(c.is_finite() && c != 0.0) {
            return Err(ContinuousError::InvalidParameter {
                what: "scale c".into(),
                reason: format!("need a finite, non-zero factor, got {c}"),
            });
        }
        Ok(Self { f, c })
    }

    /// The factor $c$.
    pub fn factor(&self) -> f64 {
        self.c
    }
}

impl<F: RealFn> RealFn for Scale<F> {
    fn eval(&self, t: f64) -> f64 {
        self.f.eval(self.c * t)
    }
    fn support(&self) -> Interval {
        let s = self.f.support();
        let (x, y) = (s.a() / self.c, s.b() / self.c);
        let (lo, hi) = if x < y { (x, y) } else { (y, x) };
        Interval::new(lo, hi).unwrap_or(Interval::real_line())
    }
    fn breakpoints(&self) -> Vec<f64> {
        let mut b: Vec<f64> = self.f.breakpoints().iter().map(|p| p / self.c).collect();
        b.sort_by(f64::total_cmp);
        b
    }
    fn eval_with_error(&self, t: f64, dt: f64) -> (f64, f64) {
        let u = self.c * t;
        self.f
            .eval_with_error(u, self.c.abs() * dt + 0.5 * f64::EPSILON * u.abs())
    }
    fn bound(&self, lo: f64, hi: f64) -> Option<f64> {
        let (x, y) = (self.c * lo, self.c * hi);
        self.f.bound(x.min(y), x.max(y))
    }
    fn features(&self) -> Features {
        let f = self.f.features();
        let c = self.c;
        Features {
            peaks: f
                .peaks
                .iter()
                .map(|p| Peak {
                    centre: p.centre / c,
                    width: p.width / c.abs(),
                })
                .collect(),
            decay_rates: f.decay_rates.iter().map(|r| r * c).collect(),
            frequencies: f.frequencies.iter().map(|w| w * c.abs()).collect(),
            singular_points: f.singular_points.iter().map(|p| p / c).collect(),
        }
    }
}

/// The pointwise combination $a\\,f + b\\,g$ (support: the hull; breakpoints: the union).
#[derive(Debug, Clone)]
pub struct LinearCombination<F, G> {
    /// First function.
    pub f: F,
    /// Its weight.
    pub a: f64,
    /// Second function.
    pub g: G,
    /// Its weight.
    pub b: f64,
}

impl<F: RealFn, G: RealFn> RealFn for LinearCombination<F, G> {
    fn eval(&self, t: f64) -> f64 {
        let u = if self.a == 0.0 {
            0.0
        } else {
            self.a * self.f.eval(t)
        };
        let v = if self.b == 0.0 {
            0.0
        } else {
            self.b * self.g.eval(t)
        };
        u + v
    }
    fn support(&self) -> Interval {
        match (self.a == 0.0, self.b == 0.0) {
            (false, true) => self.f.support(),
            (true, false) => self.g.support(),
            _ => self.f.support().hull(&self.g.support()),
        }
    }
    fn breakpoints(&self) -> Vec<f64> {
        let mut b = self.f.breakpoints();
        b.extend(self.g.breakpoints());
        b.sort_by(f64::total_cmp);
        b.dedup();
        b
    }
    fn eval_with_error(&self, t: f64, dt: f64) -> (f64, f64) {
        let part = |w: f64, f: &dyn RealFn| {
            if w == 0.0 {
                (0.0, 0.0)
            } else {
                let (v, e) = f.eval_with_error(t, dt);
                (w * v, w.abs() * e + 0.5 * f64::EPSILON * (w * v).abs())
            }
        };
        let ((u, eu), (v, ev)) = (part(self.a, &self.f), part(self.b, &self.g));
        (u + v, eu + ev + 0.5 * f64::EPSILON * (u + v).abs())
    }
    fn bound(&self, lo: f64, hi: f64) -> Option<f64> {
        let part = |w: f64, f: &dyn RealFn| {
            if w == 0.0 {
                Some(0.0)
            } else {
                f.bound(lo, hi).map(|m| w.abs() * m)
            }
        };
        Some(part(self.a, &self.f)? + part(self.b, &self.g)?)
    }
    fn features(&self) -> Features {
        self.f.features().union(self.g.features())
    }
}

/// Adapters on every [`RealFn`]: `h.reversed().shifted(t0)` is $S_{t_0} R h$.
///
/// ```
/// # use flipshift_continuous::{Expr, RealFn, RealFnExt};
/// let h = Expr::parse("exp(-t)*step(t)")?.compile()?;
/// let d = h.clone().reversed().shifted(1.0); // τ ↦ h(1 − τ)
/// assert_eq!(d.eval(0.25), h.eval(0.75));
/// assert_eq!((d.support().a(), d.support().b()), (f64::NEG_INFINITY, 1.0));
/// # Ok::<(), flipshift_continuous::ContinuousError>(())
/// ```
pub trait RealFnExt: RealFn + Sized {
    /// $R f$.
    fn reversed(self) -> Reverse<Self> {
        Reverse(self)
    }
    /// $S_{t_0} f$.
    fn shifted(self, t0: f64) -> Shift<Self> {
        Shift { f: self, t0 }
    }
    /// $D_c f$; an error unless $c$ is finite and non-zero.
    fn scaled(self, c: f64) -> Result<Scale<Self>> {
        Scale::new(self, c)
    }
    /// $f + \varepsilon g$.
    fn plus_scaled<G: RealFn>(self, eps: f64, g: G) -> LinearCombination<Self, G> {
        LinearCombination {
            f: self,
            a: 1.0,
            g,
            b: eps,
        }
    }
}

impl<F: RealFn> RealFnExt for F {}
