//! Special functions the grammar needs, accurate to a few ulps: erf, erfc, sinc and the
//! derivatives of sinc.

/// $1/\sqrt{2\pi}$.
pub const FRAC_1_SQRT_2PI: f64 = 0.398_942_280_401_432_7;
const FRAC_2_SQRT_PI: f64 = std::f64::consts::FRAC_2_SQRT_PI;
const FRAC_1_SQRT_PI: f64 = 0.564_189_583_547_756_3;

/// The error function.
///
/// For $|x| < 3$ the series $\operatorname{erf}(x) = \frac{2x}{\sqrt\pi} e^{-x^2}
/// \sum_{n\ge0} \frac{(2x^2)^n}{1\cdot3\cdots(2n+1)}$, whose terms are all positive (no
/// cancellation); beyond, $1 - \operatorname{erfc}(x)$ with erfc from its continued fraction.
pub fn erf(x: f64) -> f64 {
    if x.is_nan() {
        return f64::NAN;
    }
    let a = x.abs();
    // The continued fraction is ∞/∞ at infinity; the limit is exact.
    let v = if a == f64::INFINITY {
        1.0
    } else if a < 3.0 {
        erf_series(a)
    } else {
        1.0 - erfc_cf(a)
    };
    v.copysign(x)
}

/// The complementary error function $1 - \operatorname{erf}(x)$, accurate in the tail.
pub fn erfc(x: f64) -> f64 {
    if x.is_nan() {
        f64::NAN
    } else if x == f64::INFINITY {
        0.0
    } else if x < 0.0 {
        1.0 + erf(-x)
    } else if x < 0.5 {
        1.0 - erf_series(x)
    } else if x < 3.0 {
        // erfc(x) = 1 − erf(x) loses digits as erf → 1; the continued fraction converges
        // (more slowly) here too.
        erfc_cf(x)
    } else {
        erfc_cf(x)
    }
}

fn erf_series(a: f64) -> f64 {
    let x2 = a * a;
    let mut term = 1.0;
    let mut sum = 1.0;
    let mut n = 0.0;
    while term > sum * 1e-17 {
        n += 1.0;
        term *= 2.0 * x2 / (2.0 * n + 1.0);
        sum += term;
        if n > 500.0 {
            break;
        }
    }
    FRAC_2_SQRT_PI * a * (-x2).exp() * sum
}

/// erfc for x ≥ 0.5 by the continued fraction
/// $\operatorname{erfc}(x) = \frac{e^{-x^2}}{\sqrt\pi}\cfrac{1}{x + \cfrac{1/2}{x + \cfrac{1}{x + \cdots}}}$,
/// evaluated by the modified Lentz method.
fn erfc_cf(x: f64) -> f64 {
    let tiny = 1e-300;
    let mut f = x;
    let mut c = x;
    let mut d = 0.0;
    for n in 1..5000 {
        let an = f64::from(n) * 0.5;
        d = x + an * d;
        if d.abs() < tiny {
            d = tiny;
        }
        c = x + an / c;
        if c.abs() < tiny {
            c = tiny;
        }
        d = 1.0 / d;
        let delta = c * d;
        f *= delta;
        if (delta - 1.0).abs() < 1e-16 {
            break;
        }
    }
    FRAC_1_SQRT_PI * (-x * x).exp() / f
}

/// $\sin(\pi u)$ with exact zeros at the integers (argument reduced before multiplying by π).
pub fn sin_pi(u: f64) -> f64 {
    if !u.is_finite() {
        return f64::NAN;
    }
    let r = u - 2.0 * (u / 2.0).round(); // r in [−1, 1], exact
    if r == 0.0 || r.abs() == 1.0 {
        return 0.0 * u.signum();
    }
    (std::f64::consts::PI * r).sin()
}

/// $\operatorname{sinc}(u) = \sin(\pi u)/(\pi u)$, $\operatorname{sinc}(0) = 1$.
pub fn sinc(u: f64) -> f64 {
    let x = std::f64::consts::PI * u;
    if x.abs() < 1.0 {
        series(x, 0)
    } else {
        sin_pi(u) / x
    }
}

/// $\cos(\pi u)$, exact at the integers and half-integers (the argument is reduced exactly
/// to $[-1, 1]$ before it is multiplied by $\pi$).
fn cos_pi(u: f64) -> f64 {
    if !u.is_finite() {
        return f64::NAN;
    }
    let r = u - 2.0 * (u / 2.0).round(); // r in [−1, 1], exact
    if r.abs() == 0.5 {
        return 0.0;
    }
    (std::f64::consts::PI * r).cos()
}

/// $\operatorname{sinc}'(u) = \pi\,(\cos x - \sin x / x)/x$ with $x = \pi u$, written so
/// that no intermediate overflows where the value is tiny ($|u|$ up to the largest double).
pub fn sinc_d1(u: f64) -> f64 {
    let pi = std::f64::consts::PI;
    let x = pi * u;
    if x.abs() < 1.0 {
        pi * series(x, 1)
    } else {
        pi * ((cos_pi(u) - sin_pi(u) / x) / x)
    }
}

/// $\operatorname{sinc}''(u) = \pi^2\,\big((2\sin x/x - 2\cos x)/x - \sin x\big)/x$ with
/// $x = \pi u$, the same as $\pi^2((2 - x^2)\sin x - 2x\cos x)/x^3$ without its overflow
/// ($x^3$ overflows from $|u| \approx 10^{102}$).
pub fn sinc_d2(u: f64) -> f64 {
    let pi = std::f64::consts::PI;
    let x = pi * u;
    if x.abs() < 1.0 {
        pi * pi * series(x, 2)
    } else {
        let (s, c) = (sin_pi(u), cos_pi(u));
        pi * pi * (((2.0 * s / x - 2.0 * c) / x - s) / x)
    }
}

/// The `d`-th derivative (d ≤ 2) of $s(x) = \sin x / x = \sum_k (-1)^k x^{2k}/(2k+1)!$ by its
/// series; for $|x| < 1$ the terms alternate and shrink from the start, so 20 terms give full
/// precision.
fn series(x: f64, d: u32) -> f64 {
    let mut sum = 0.0;
    let mut c = 1.0; // (−1)^k / (2k+1)!
    for k in 0..20u32 {
        let p = 2 * k;
        if p >= d {
            let mut coef = c;
            for j in 0..d {
                coef *= f64::from(p - j);
            }
            sum += coef * x.powi((p - d) as i32);
        }
        c *= -1.0 / (f64::from(2 * k + 2) * f64::from(2 * k + 3));
    }
    sum
}

#[cfg(test)]
// Reference values are quoted to 19–20 digits on purpose: they are the independent truth.
#[allow(clippy::excessive_precision)]
mod tests {
    use super::*;
    use std::f64::consts::FRAC_1_PI;

    /// Relative tolerance: a few ulps (series and continued fraction each lose ~2-3 ulps).
    const TOL: f64 = 8.0 * f64::EPSILON;

    #[test]
    fn erf_matches_high_precision_values() {
        // Values to 19 digits (Abramowitz & Stegun tables / mpmath).
        for (x, want) in [
            (0.5, 0.520_499_877_813_046_537_7),
            (1.0, 0.842_700_792_949_714_869_3),
            (2.0, 0.995_322_265_018_952_734_2),
            (0.1, 0.112_462_916_018_284_892_2),
            (3.5, 0.999_999_256_901_627_658_6),
        ] {
            let got = erf(x);
            assert!(
                ((got - want) / want).abs() < TOL,
                "erf({x}) = {got}, want {want}"
            );
            assert_eq!(erf(-x), -got, "erf is odd");
        }
    }

    #[test]
    fn erfc_is_accurate_in_the_tail() {
        for (x, want) in [
            (3.0, 2.209_049_699_858_544_137e-5),
            (1.0, 0.157_299_207_050_285_130_7),
            (5.0, 1.537_459_794_428_034_850e-12),
            (10.0, 2.088_487_583_762_544_757e-45),
        ] {
            let got = erfc(x);
            assert!(
                ((got - want) / want).abs() < 4.0 * TOL,
                "erfc({x}) = {got}, want {want}"
            );
        }
    }

    #[test]
    fn sinc_and_its_derivatives_agree_with_finite_differences_around_the_series_switch_at_1_over_pi()
     {
        for u in [
            -2.5,
            -0.4,
            -0.31,
            -0.3,
            0.0,
            1e-3,
            FRAC_1_PI - 1e-4,
            FRAC_1_PI + 1e-4,
            0.9,
            1.0,
            2.0,
            7.3,
        ] {
            let h = 1e-5;
            // Central difference error h²·f'''/6 ≈ 1e-10·π³ plus rounding ε/h ≈ 2e-11.
            let fd1 = (sinc(u + h) - sinc(u - h)) / (2.0 * h);
            assert!((fd1 - sinc_d1(u)).abs() < 1e-8, "sinc'({u})");
            let fd2 = (sinc_d1(u + h) - sinc_d1(u - h)) / (2.0 * h);
            assert!((fd2 - sinc_d2(u)).abs() < 1e-8, "sinc''({u})");
        }
        assert_eq!(sinc(0.0), 1.0);
        assert_eq!(sinc(1.0), 0.0);
        assert_eq!(sinc(-3.0), 0.0);
    }
}
