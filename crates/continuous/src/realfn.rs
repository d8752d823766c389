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

/// A narrow feature of a function: a peak (or a transition) of width `width` at `centre`.
///
/// Quadrature places points at the centre and at a few widths around it, so that a feature
/// far narrower than the range of integration is never stepped over.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Peak {
    /// Where the feature is.
    pub centre: f64,
    /// Its width (a standard deviation, a half-width or a transition length), positive.
    pub width: f64,
}

/// What a function's formula says about its shape, beyond support and breakpoints: hints that
/// let quadrature resolve it (see [`RealFn::features`]).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Features {
    /// Peaks and transitions (Gaussians, Lorentzians, `tanh`/`erf` steps, `sinc` lobes).
    pub peaks: Vec<Peak>,
    /// Rates $eta$ of exponential factors $e^{-eta t}$: $eta > 0$ decays towards
    /// $+\infty$, $eta < 0$ towards $-\infty$; $1/|eta|$ is a length to resolve.
    pub decay_rates: Vec<f64>,
    /// Angular frequencies $\omega > 0$ of oscillating factors ($\sin \omega t$, `sinc`).
    pub frequencies: Vec<f64>,
    /// Points where the function may be unbounded or not smooth although it is integrable
    /// (roots of `log`, `sqrt` and negative powers' arguments).
    pub singular_points: Vec<f64>,
}

impl Features {
    /// The features of $t \mapsto f(c + \sigma t)$ for $\sigma = \pm 1$, given those of $f$.
    pub fn mapped(&self, c: f64, sigma: f64) -> Features {
        let at = |p: f64| sigma * (p - c);
        Features {
            peaks: self
                .peaks
                .iter()
                .map(|p| Peak {
                    centre: at(p.centre),
                    width: p.width,
                })
                .collect(),
            decay_rates: self.decay_rates.iter().map(|r| sigma * r).collect(),
            frequencies: self.frequencies.clone(),
            singular_points: self.singular_points.iter().map(|&p| at(p)).collect(),
        }
    }

    /// Both sets of features, as for a product.
    pub fn union(mut self, other: Features) -> Features {
        self.peaks.extend(other.peaks);
        self.decay_rates.extend(other.decay_rates);
        self.frequencies.extend(other.frequencies);
        self.singular_points.extend(other.singular_points);
        self
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
    /// The value at `t` and a bound on its absolute rounding error, when `t` itself is known
    /// only to within `dt` (an argument computed as $t_0 - \tau$ carries a rounding of its own).
    ///
    /// The default knows nothing about the formula: it charges four ulps of the value and
    /// nothing for `dt`. Symbolic expressions propagate the error through every operation.
    fn eval_with_error(&self, t: f64, dt: f64) -> (f64, f64) {
        let _ = dt;
        let v = self.eval(t);
        (v, 4.0 * f64::EPSILON * v.abs())
    }
    /// An upper bound of $|f|$ on $[lo, hi]$ (`lo` ≤ `hi`), `f64::INFINITY` when there is none,
    /// or `None` when the function cannot bound itself (the default).
    ///
    /// Quadrature asks this where every sample of a panel was zero: a bound proves the panel
    /// negligible, or shows that a narrow feature lies between the samples.
    fn bound(&self, lo: f64, hi: f64) -> Option<f64> {
        let _ = (lo, hi);
        None
    }
    /// Peaks, decay rates, frequencies and singular points (default: none known).
    fn features(&self) -> Features {
        Features::default()
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
    fn eval_with_error(&self, t: f64, dt: f64) -> (f64, f64) {
        (**self).eval_with_error(t, dt)
    }
    fn bound(&self, lo: f64, hi: f64) -> Option<f64> {
        (**self).bound(lo, hi)
    }
    fn features(&self) -> Features {
        (**self).features()
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
    fn eval_with_error(&self, t: f64, dt: f64) -> (f64, f64) {
        (**self).eval_with_error(t, dt)
    }
    fn bound(&self, lo: f64, hi: f64) -> Option<f64> {
        (**self).bound(lo, hi)
    }
    fn features(&self) -> Features {
        (**self).features()
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
    fn eval_with_error(&self, t: f64, dt: f64) -> (f64, f64) {
        (**self).eval_with_error(t, dt)
    }
    fn bound(&self, lo: f64, hi: f64) -> Option<f64> {
        (**self).bound(lo, hi)
    }
    fn features(&self) -> Features {
        (**self).features()
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
    features: Features,
}

impl<F: Fn(f64) -> f64> FnWithSupport<F> {
    /// Wrap `f`, declared zero outside `support`.
    pub fn new(f: F, support: Interval) -> Self {
        Self {
            f,
            support,
            breakpoints: Vec::new(),
            features: Features::default(),
        }
    }

    /// Declare peaks, decay rates, frequencies and singular points, so that quadrature can
    /// resolve features narrower than the range it integrates over.
    pub fn with_features(mut self, features: Features) -> Self {
        self.features = features;
        self
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
    fn features(&self) -> Features {
        self.features.clone()
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
