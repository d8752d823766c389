//! Functions of one real variable that know where they live.

use crate::error::{ContinuousError, Result};
use std::sync::Arc;

/// A closed interval $[a, b]$ with $a < b$, ends possibly infinite, never NaN.
///
/// Used as the *support* of a function: the function is exactly zero outside it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Interval {
    a: f64,
    b: f64,
}

impl Interval {
    /// $[a, b]$; an error unless $a < b$ and neither end is NaN.
    ///
    /// ```
    /// # use flipshift_continuous::Interval;
    /// let iv = Interval::new(-0.5, 0.5)?;
    /// assert_eq!(iv.width(), 1.0);
    /// assert!(Interval::new(1.0, 1.0).is_err());
    /// # Ok::<(), flipshift_continuous::ContinuousError>(())
    /// ```
    pub fn new(a: f64, b: f64) -> Result<Self> {
        if a.is_nan() || b.is_nan() || a >= b {
            return Err(ContinuousError::InvalidInterval { a, b });
        }
        Ok(Self { a, b })
    }

    /// The whole real line $(-\infty, \infty)$.
    pub const fn real_line() -> Self {
        Self {
            a: f64::NEG_INFINITY,
            b: f64::INFINITY,
        }
    }

    /// Left end (may be $-\infty$).
    pub const fn a(&self) -> f64 {
        self.a
    }

    /// Right end (may be $+\infty$).
    pub const fn b(&self) -> f64 {
        self.b
    }

    /// $b - a$ (infinite for an unbounded interval).
    pub fn width(&self) -> f64 {
        self.b - self.a
    }

    /// Whether both ends are finite.
    pub fn is_bounded(&self) -> bool {
        self.a.is_finite() && self.b.is_finite()
    }

    /// Whether $a \le t \le b$.
    pub fn contains(&self, t: f64) -> bool {
        self.a <= t && t <= self.b
    }

    /// The intersection, or `None` when it is empty or a single point.
    pub fn intersect(&self, other: &Interval) -> Option<Interval> {
        let a = self.a.max(other.a);
        let b = self.b.min(other.b);
        (a < b).then_some(Interval { a, b })
    }

    /// The smallest interval containing both.
    pub fn hull(&self, other: &Interval) -> Interval {
        Interval {
            a: self.a.min(other.a),
            b: self.b.max(other.b),
        }
    }

    /// Reversal: $[a, b] \mapsto [-b, -a]$.
    pub fn reversed(&self) -> Interval {
        Interval {
            a: -self.b,
            b: -self.a,
        }
    }

    /// Shift: $[a, b] \mapsto [a + t_0, b + t_0]$.
    ///
    /// A finite shift of a finite interval can still collapse it when the shift dwarfs its width
    /// in floating point; the result is then widened to the neighbouring floats.
    pub fn shifted(&self, t0: f64) -> Interval {
        let (a, b) = (self.a + t0, self.b + t0);
        if a < b {
            Interval { a, b }
        } else {
            Interval {
                a: a.next_down(),
                b: b.next_up(),
            }
        }
    }

    /// Minkowski sum: $[a, b] + [c, d] = [a + c, b + d]$, the support rule of convolution.
    pub fn minkowski_sum(&self, other: &Interval) -> Interval {
        let a = self.a + other.a;
        let b = self.b + other.b;
        Interval {
            a: if a.is_nan() { f64::NEG_INFINITY } else { a },
            b: if b.is_nan() { f64::INFINITY } else { b },
        }
    }
}

impl std::fmt::Display for Interval {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "[{}, {}]", self.a, self.b)
    }
}

/// A real function of one real variable with a declared support and breakpoints.
///
/// Implemented by symbolic expressions, by closures with a declared support
/// ([`FnWithSupport`]) and by the operators ([`Reverse`](crate::Reverse),
/// [`Shift`](crate::Shift), [`Scale`](crate::Scale)), so every routine that takes a `RealFn`
/// works with a user's own numeric kernel as well as with a parsed one.
pub trait RealFn {
    /// The value at `t`; zero outside [`support`](RealFn::support).
    fn eval(&self, t: f64) -> f64;
    /// An interval outside of which the function is exactly zero.
    fn support(&self) -> Interval;
    /// Points where the function or its first derivative jumps (kinks, steps), sorted and
    /// without duplicates; quadrature splits there.
    fn breakpoints(&self) -> Vec<f64> {
        Vec::new()
    }
}

impl<F: RealFn + ?Sized> RealFn for &F {
    fn eval(&self, t: f64) -> f64 {
        (**self).eval(t)
    }
    fn support(&self) -> Interval {
        (**self).support()
    }
    fn breakpoints(&self) -> Vec<f64> {
        (**self).breakpoints()
    }
}

impl<F: RealFn + ?Sized> RealFn for Box<F> {
    fn eval(&self, t: f64) -> f64 {
        (**self).eval(t)
    }
    fn support(&self) -> Interval {
        (**self).support()
    }
    fn breakpoints(&self) -> Vec<f64> {
        (**self).breakpoints()
    }
}

impl<F: RealFn + ?Sized> RealFn for Arc<F> {
    fn eval(&self, t: f64) -> f64 {
        (**self).eval(t)
    }
    fn support(&self) -> Interval {
        (**self).support()
    }
    fn breakpoints(&self) -> Vec<f64> {
        (**self).breakpoints()
    }
}

/// A shared, thread-safe function: what heterogeneous trees hold.
pub type SharedFn = Arc<dyn RealFn + Send + Sync>;

/// A closure with a declared support and breakpoints: a user's numeric kernel.
///
/// `eval` returns zero outside the support, whatever the closure says there.
///
/// ```
/// # use flipshift_continuous::{FnWithSupport, Interval, RealFn};
/// let h = FnWithSupport::new(|t: f64| (-t).exp(), Interval::new(0.0, f64::INFINITY)?)
///     .with_breakpoints(vec![0.0]);
/// assert_eq!(h.eval(-1.0), 0.0);
/// assert_eq!(h.eval(0.0), 1.0);
/// # Ok::<(), flipshift_continuous::ContinuousError>(())
/// ```
#[derive(Clone)]
pub struct FnWithSupport<F> {
    f: F,
    support: Interval,
    breakpoints: Vec<f64>,
}

impl<F: Fn(f64) -> f64> FnWithSupport<F> {
    /// Wrap `f`, declared zero outside `support`.
    pub fn new(f: F, support: Interval) -> Self {
        Self {
            f,
            support,
            breakpoints: Vec::new(),
        }
    }

    /// Declare kinks and jumps (sorted and deduplicated here; non-finite points dropped).
    pub fn with_breakpoints(mut self, mut points: Vec<f64>) -> Self {
        points.retain(|p| p.is_finite());
        points.sort_by(f64::total_cmp);
        points.dedup();
        self.breakpoints = points;
        self
    }
}

impl<F: Fn(f64) -> f64> RealFn for FnWithSupport<F> {
    fn eval(&self, t: f64) -> f64 {
        if self.support.contains(t) {
            (self.f)(t)
        } else {
            0.0
        }
    }
    fn support(&self) -> Interval {
        self.support
    }
    fn breakpoints(&self) -> Vec<f64> {
        self.breakpoints.clone()
    }
}

impl<F> std::fmt::Debug for FnWithSupport<F> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FnWithSupport")
            .field("support", &self.support)
            .field("breakpoints", &self.breakpoints)
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn interval_rejects_nan_and_empty() {
        assert!(Interval::new(f64::NAN, 1.0).is_err());
        assert!(Interval::new(2.0, 1.0).is_err());
        assert!(Interval::new(0.0, f64::INFINITY).is_ok());
    }

    #[test]
    fn minkowski_sum_of_half_lines_is_a_half_line() {
        let h = Interval::new(0.0, f64::INFINITY).unwrap();
        let s = h.minkowski_sum(&h);
        assert_eq!((s.a(), s.b()), (0.0, f64::INFINITY));
        let r = h.minkowski_sum(&h.reversed());
        assert_eq!((r.a(), r.b()), (f64::NEG_INFINITY, f64::INFINITY));
    }
}
