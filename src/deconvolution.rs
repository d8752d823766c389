//! The deconvolution experiment: blur a known signal with a Gaussian, add seeded noise, and
//! recover it by minimising least squares plus a regulariser — the discrete functional and the
//! minimiser of `flipshift-discrete` at work, kept here (with its random numbers) for the CLI's
//! `deconvolve`, the demo and the example.

use flipshift_continuous::{Expr, QuadParams, convolve as cconvolve, losses};
use flipshift_discrete::{
    DiscreteError, DiscreteFunctional, Grid, IterInfo, MinimizeParams, MinimizeReport, Optimizer,
    Rule, minimize_observed, sample,
};
use rand::SeedableRng;
use rand_distr::{Distribution, Normal};
use std::ops::ControlFlow;

/// The regulariser of one reconstruction.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Regulariser {
    /// First-order Tikhonov $\tfrac12\lambda x'^2$: smooth reconstructions, edges rounded.
    Tikhonov {
        /// $\lambda$.
        lambda: f64,
    },
    /// Smoothed total variation $\lambda\sqrt{\varepsilon^2 + x'^2}$: edges kept, flat parts
    /// flat.
    SmoothTv {
        /// $\lambda$.
        lambda: f64,
        /// $\varepsilon$, the smoothing of $|x'|$ near 0.
        eps: f64,
    },
}

impl Regulariser {
    /// The name used in reports (`tikhonov`, `smooth-tv`).
    pub fn name(&self) -> &'static str {
        match self {
            Regulariser::Tikhonov { .. } => "tikhonov",
            Regulariser::SmoothTv { .. } => "smooth-tv",
        }
    }

    fn expr(&self) -> Result<Expr, DiscreteError> {
        Ok(match *self {
            Regulariser::Tikhonov { lambda } => losses::smoothness(lambda)?,
            Regulariser::SmoothTv { lambda, eps } => losses::smooth_tv(lambda, eps)?,
        })
    }
}

/// The experiment's settings.
#[derive(Debug, Clone)]
pub struct DeconvSetup {
    /// The true signal, an expression in `t`.
    pub truth: Expr,
    /// The blur: the kernel is $h(t) = \operatorname{gauss}(t/\sigma)/\sigma$.
    pub sigma: f64,
    /// The standard deviation of the added white noise.
    pub noise: f64,
    /// The seed of the noise.
    pub seed: u64,
    /// The interval of the reconstruction.
    pub interval: (f64, f64),
    /// The sample spacing $\Delta$.
    pub dt: f64,
    /// The reconstructions to run.
    pub regularisers: Vec<Regulariser>,
    /// The optimiser settings.
    pub minimize: MinimizeParams,
}

impl Default for DeconvSetup {
    /// A box and a triangle, blurred with $\sigma = 0.3$, noise 0.01, on $[-4, 4]$ with
    /// $\Delta = 0.02$; Tikhonov ($\lambda = 3\cdot10^{-6}$) and smoothed TV ($\lambda = 10^{-4}$,
    /// $\varepsilon = 0.2$) — each near the best of a sweep over $\lambda$ — with L-BFGS.
    fn default() -> Self {
        Self {
            truth: Expr::parse("rect((t + 1.5)/1.6) + 0.6*tri((t - 1.5)/0.75)")
                .unwrap_or_else(|_| Expr::num(0.0)),
            sigma: 0.3,
            noise: 0.01,
            seed: 7,
            interval: (-4.0, 4.0),
            dt: 0.02,
            regularisers: vec![
                Regulariser::Tikhonov { lambda: 3e-6 },
                Regulariser::SmoothTv {
                    lambda: 1e-4,
                    eps: 0.2,
                },
            ],
            minimize: MinimizeParams {
                optimizer: Optimizer::Lbfgs { memory: 10 },
                max_iterations: 2000,
                grad_tol: 1e-7,
                cost_tol: 1e-13,
            },
        }
    }
}

/// One reconstruction.
#[derive(Debug, Clone)]
pub struct DeconvRun {
    /// The regulariser used.
    pub regulariser: Regulariser,
    /// The minimiser's report (the reconstruction is `report.x`, the cost per iteration
    /// `report.costs`).
    pub report: MinimizeReport,
    /// $\lVert x - x_{\text{true}}\rVert_2 / \lVert x_{\text{true}}\rVert_2$ on the grid.
    pub rel_error: f64,
}

/// The outcome of [`deconvolution`].
#[derive(Debug, Clone)]
pub struct DeconvReport {
    /// The reconstruction grid.
    pub grid: Grid,
    /// The true signal on it.
    pub truth: Vec<f64>,
    /// The noisy blurred data on it (the data lives on a wider grid; this is its middle).
    pub data: Vec<f64>,
    /// The relative error of the data itself as an estimate of the truth.
    pub data_rel_error: f64,
    /// The reconstructions, in the order of the setup's regularisers.
    pub runs: Vec<DeconvRun>,
}

fn rel_error(x: &[f64], truth: &[f64]) -> f64 {
    let num: f64 = x.iter().zip(truth).map(|(a, b)| (a - b) * (a - b)).sum();
    let den: f64 = truth.iter().map(|b| b * b).sum();
    (num / den.max(f64::MIN_POSITIVE)).sqrt()
}

fn positive(what: &'static str, v: f64) -> Result<(), DiscreteError> {
    if v.is_finite() && v > 0.0 {
        Ok(())
    } else {
        Err(DiscreteError::InvalidParameter {
            what,
            reason: format!("need a finite value > 0, got {v}"),
        })
    }
}

/// Run the experiment: sample the truth on the grid, blur it exactly (the continuous
/// convolution, by quadrature — not the discrete model, so the reconstruction is not handed
/// its own forward operator), add seeded Gaussian noise, and minimise
/// $\Delta\sum_k \tfrac12(z_k - y_k)^2 + \Delta\sum_j L$ from $x = 0$ for each regulariser.
///
/// `progress` receives the name of the run and each iteration; returning
/// [`ControlFlow::Break`] ends that run early.
pub fn deconvolution(
    setup: &DeconvSetup,
    progress: &mut dyn FnMut(&str, &IterInfo) -> ControlFlow<()>,
) -> Result<DeconvReport, DiscreteError> {
    positive("sigma", setup.sigma)?;
    positive("dt", setup.dt)?;
    if !(setup.noise.is_finite() && setup.noise >= 0.0) {
        return Err(DiscreteError::InvalidParameter {
            what: "noise",
            reason: format!("need a finite standard deviation ≥ 0, got {}", setup.noise),
        });
    }
    let (a, b) = setup.interval;
    if !(a.is_finite() && b.is_finite() && a < b) {
        return Err(DiscreteError::InvalidParameter {
            what: "interval",
            reason: format!("need finite a < b, got [{a}, {b}]"),
        });
    }
    if setup.sigma < 2.0 * setup.dt {
        return Err(DiscreteError::InvalidParameter {
            what: "sigma",
            reason: format!(
                "the blur σ = {} must span at least two samples (σ ≥ 2Δ = {}); a kernel the grid cannot resolve cannot be inverted on it",
                setup.sigma,
                2.0 * setup.dt
            ),
        });
    }
    let n = ((b - a) / setup.dt).round() as usize + 1;
    if n < 16 {
        return Err(DiscreteError::InvalidParameter {
            what: "dt",
            reason: format!(
                "[{a}, {b}] holds only {n} samples of spacing {}; use at least 16",
                setup.dt
            ),
        });
    }
    if n > 200_000 {
        return Err(DiscreteError::InvalidParameter {
            what: "dt",
            reason: format!("{n} samples is too many for this experiment; use a larger dt"),
        });
    }
    let grid = Grid::new(a, setup.dt, n)?;
    let truth_fn = setup.truth.compile()?;
    let truth = sample(&truth_fn, &grid, Rule::Point)?;
    if truth.iter().all(|v| *v == 0.0) {
        return Err(DiscreteError::InvalidParameter {
            what: "truth",
            reason: format!("the true signal vanishes on [{a}, {b}]: nothing to recover"),
        });
    }

    // The kernel on a symmetric lattice out to 6σ.
    let k = (6.0 * setup.sigma / setup.dt).ceil() as i64;
    let h_expr = Expr::parse(&format!("gauss(t/{s:e})/{s:e}", s = setup.sigma))?;
    let h_fn = h_expr.compile()?;
    let h = sample(&h_fn, &Grid::lattice(-k, k, setup.dt)?, Rule::Point)?;
    let h_start = -(k as f64) * setup.dt;

    // The data: the exact blur on the z grid, plus noise.
    let base = DiscreteFunctional::new(grid).with_data_term(&h, h_start, Expr::num(0.0))?;
    let zg = base
        .z_grid()
        .ok_or(DiscreteError::Empty { what: "kernel" })?;
    // Noise is added next: values far below the signal's scale need no relative accuracy.
    let scale = truth.iter().fold(0.0f64, |m, v| m.max(v.abs()));
    let params = QuadParams {
        abs_tol: 1e-14 * scale,
        ..QuadParams::default()
    };
    let clean = cconvolve(&h_fn, &truth_fn, &zg.points(), params)?.values;
    let mut rng = rand::rngs::StdRng::seed_from_u64(setup.seed);
    let normal = Normal::new(0.0, setup.noise).map_err(|e| DiscreteError::InvalidParameter {
        what: "noise",
        reason: e.to_string(),
    })?;
    let y: Vec<f64> = clean.iter().map(|c| c + normal.sample(&mut rng)).collect();
    let data: Vec<f64> = y[k as usize..k as usize + n].to_vec();

    let mut runs = Vec::new();
    for reg in &setup.regularisers {
        let f = DiscreteFunctional::new(grid)
            .with_data_samples(&h, h_start, losses::least_squares(&Expr::var("y"))?, &y)?
            .with_regulariser(reg.expr()?)?;
        let name = reg.name();
        let report = minimize_observed(&f, &vec![0.0; n], &setup.minimize, &mut |info| {
            progress(name, info)
        })?;
        let rel = rel_error(&report.x, &truth);
        runs.push(DeconvRun {
            regulariser: *reg,
            report,
            rel_error: rel,
        });
    }
    Ok(DeconvReport {
        data_rel_error: rel_error(&data, &truth),
        grid,
        truth,
        data,
        runs,
    })
}
