//! Minimisation of smooth objectives through argmin — L-BFGS with the More–Thuente line search,
//! Newton-CG with Hessian-vector products — and, kept for teaching and comparison, gradient
//! descent and an L-BFGS of our own with backtracking (Armijo) line search. An observer may
//! watch every iteration and stop the run.

use crate::error::DiscreteError;
use argmin::core::observers::{Observe, ObserverMode};
use argmin::core::{
    CostFunction, Executor, Gradient, Hessian, IterState, KV, State, TerminationReason,
};
use argmin::solver::linesearch::MoreThuenteLineSearch;
use argmin::solver::newton::NewtonCG;
use argmin::solver::quasinewton::LBFGS;
use std::collections::VecDeque;
use std::ops::ControlFlow;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc;

/// A smooth objective $f: \mathbb{R}^n \to \mathbb{R}$ with its gradient (and, for Newton-CG,
/// Hessian-vector products).
pub trait Objective {
    /// $f(x)$ and $\nabla f(x)$.
    fn value_gradient(&self, x: &[f64]) -> Result<(f64, Vec<f64>), DiscreteError>;

    /// $\nabla^2 f(x)\, v$, when the objective has it (`None` otherwise).
    fn hessian_vector(&self, _x: &[f64], _v: &[f64]) -> Option<Result<Vec<f64>, DiscreteError>> {
        None
    }
}

impl<F> Objective for F
where
    F: Fn(&[f64]) -> Result<(f64, Vec<f64>), DiscreteError>,
{
    fn value_gradient(&self, x: &[f64]) -> Result<(f64, Vec<f64>), DiscreteError> {
        self(x)
    }
}

/// The descent method.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Optimizer {
    /// Steepest descent $x \leftarrow x - \alpha\nabla f$, the step $\alpha$ found by
    /// backtracking and grown again after each success (our own loop).
    GradientDescent,
    /// argmin's limited-memory BFGS with the last `memory` pairs $(s_k, y_k)$ and the
    /// More–Thuente line search (strong Wolfe conditions).
    Lbfgs {
        /// How many pairs to keep (5–20 is usual).
        memory: usize,
    },
    /// Our own L-BFGS (two-loop recursion, backtracking Armijo line search trying the unit step
    /// first), kept to compare with argmin's (BENCHMARKS.md).
    LbfgsBacktracking {
        /// How many pairs to keep.
        memory: usize,
    },
    /// argmin's Newton-CG: conjugate gradients on the Newton equations with the objective's
    /// Hessian-vector products, then a More–Thuente line search.
    NewtonCg,
}

impl std::str::FromStr for Optimizer {
    type Err = DiscreteError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "gd" | "gradient-descent" => Ok(Optimizer::GradientDescent),
            "lbfgs" | "l-bfgs" => Ok(Optimizer::Lbfgs { memory: 10 }),
            "lbfgs-backtracking" => Ok(Optimizer::LbfgsBacktracking { memory: 10 }),
            "newton-cg" => Ok(Optimizer::NewtonCg),
            other => Err(DiscreteError::InvalidParameter {
                what: "optimizer",
                reason: format!(
                    "unknown optimizer '{other}'; use lbfgs, newton-cg, lbfgs-backtracking or gd"
                ),
            }),
        }
    }
}

/// Settings of [`minimize`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct MinimizeParams {
    /// The method.
    pub optimizer: Optimizer,
    /// At most this many iterations.
    pub max_iterations: usize,
    /// Stop when $\lVert\nabla f\rVert \le$ `grad_tol` $\cdot \lVert\nabla f(x_0)\rVert$.
    pub grad_tol: f64,
    /// Stop when an iteration lowers $f$ by less than `cost_tol` $\cdot \max(|f|, \text{tiny})$.
    pub cost_tol: f64,
}

impl Default for MinimizeParams {
    fn default() -> Self {
        Self {
            optimizer: Optimizer::Lbfgs { memory: 10 },
            max_iterations: 500,
            grad_tol: 1e-8,
            cost_tol: 1e-15,
        }
    }
}

/// What one iteration reached, as passed to the callback of [`minimize`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct IterInfo {
    /// The iteration (0 is the starting point).
    pub iteration: usize,
    /// $f$ at the current point.
    pub cost: f64,
    /// $\lVert\nabla f\rVert_2$ there (NaN where the method does not report it: Newton-CG).
    pub grad_norm: f64,
    /// The step length taken to get there (0 at the start; NaN for argmin's methods, which do
    /// not report it).
    pub step: f64,
    /// Objective evaluations so far.
    pub evaluations: usize,
}

/// Why [`minimize`] stopped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Termination {
    /// The gradient fell below its tolerance.
    GradientTolerance,
    /// An iteration no longer lowered the cost measurably.
    CostStalled,
    /// The iteration limit.
    MaxIterations,
    /// No step along the search direction lowered the cost (at rounding level).
    LineSearchFailed,
    /// The callback asked to stop.
    Stopped,
}

impl Termination {
    /// A short description.
    pub fn describe(&self) -> &'static str {
        match self {
            Termination::GradientTolerance => "gradient below tolerance",
            Termination::CostStalled => "cost no longer decreasing",
            Termination::MaxIterations => "iteration limit reached",
            Termination::LineSearchFailed => "line search found no decrease (rounding level)",
            Termination::Stopped => "stopped by the caller",
        }
    }
}

/// The outcome of [`minimize`].
#[derive(Debug, Clone, PartialEq)]
pub struct MinimizeReport {
    /// The best point found.
    pub x: Vec<f64>,
    /// $f$ there.
    pub cost: f64,
    /// $\lVert\nabla f\rVert_2$ there.
    pub grad_norm: f64,
    /// The cost at the start and after each iteration.
    pub costs: Vec<f64>,
    /// Iterations run.
    pub iterations: usize,
    /// Objective evaluations.
    pub evaluations: usize,
    /// Why it stopped.
    pub termination: Termination,
}

fn dot(a: &[f64], b: &[f64]) -> f64 {
    a.iter().zip(b).map(|(p, q)| p * q).sum()
}

fn norm(a: &[f64]) -> f64 {
    dot(a, a).sqrt()
}

fn finite(what: &'static str, v: &[f64]) -> Result<(), DiscreteError> {
    match crate::error::first_non_finite(v) {
        Some((index, value)) => Err(DiscreteError::NonFinite { what, index, value }),
        None => Ok(()),
    }
}

/// The L-BFGS two-loop recursion: $-H_k \nabla f$ from the stored pairs.
fn lbfgs_direction(g: &[f64], pairs: &VecDeque<(Vec<f64>, Vec<f64>, f64)>) -> Vec<f64> {
    let mut q = g.to_vec();
    let mut alphas = Vec::with_capacity(pairs.len());
    for (s, y, rho) in pairs.iter().rev() {
        let a = rho * dot(s, &q);
        for (qi, yi) in q.iter_mut().zip(y) {
            *qi -= a * yi;
        }
        alphas.push(a);
    }
    if let Some((s, y, _)) = pairs.back() {
        let gamma = dot(s, y) / dot(y, y);
        for qi in &mut q {
            *qi *= gamma;
        }
    }
    for ((s, y, rho), a) in pairs.iter().zip(alphas.iter().rev()) {
        let b = rho * dot(y, &q);
        for (qi, si) in q.iter_mut().zip(s) {
            *qi += (a - b) * si;
        }
    }
    q.iter_mut().for_each(|v| *v = -*v);
    q
}

/// Minimise `f` from `x0` (see [`minimize_observed`] to watch the iterations or stop early).
///
/// ```
/// # use flipshift_discrete::{MinimizeParams, Termination, minimize};
/// // f(x) = (x₀ − 1)² + 10(x₁ + 2)².
/// let f = |x: &[f64]| Ok(((x[0] - 1.0).powi(2) + 10.0 * (x[1] + 2.0).powi(2),
///                         vec![2.0 * (x[0] - 1.0), 20.0 * (x[1] + 2.0)]));
/// let r = minimize(&f, &[0.0, 0.0], &MinimizeParams::default())?;
/// assert!((r.x[0] - 1.0).abs() < 1e-7 && (r.x[1] + 2.0).abs() < 1e-7);
/// assert_eq!(r.termination, Termination::GradientTolerance);
/// # Ok::<(), flipshift_discrete::DiscreteError>(())
/// ```
pub fn minimize(
    f: &(dyn Objective + Sync),
    x0: &[f64],
    params: &MinimizeParams,
) -> Result<MinimizeReport, DiscreteError> {
    minimize_observed(f, x0, params, &mut |_| ControlFlow::Continue(()))
}

/// Minimise `f` from `x0`, calling `observer` with the starting point and after every iteration
/// (return [`ControlFlow::Break`] to stop early; the best point so far is returned).
///
/// The line search backtracks by halves from the trial step until the Armijo condition
/// $f(x + \alpha d) \le f(x) + 10^{-4}\alpha\\, \nabla f^\top d$ holds. L-BFGS keeps a pair only
/// when its curvature $s^\top y$ is positive, and falls back to $-\nabla f$ whenever its direction
/// is not one of descent.
///
/// ```
/// # use flipshift_discrete::{MinimizeParams, Termination, minimize_observed};
/// // f(x) = (x₀ − 1)² + 10(x₁ + 2)².
/// let f = |x: &[f64]| Ok(((x[0] - 1.0).powi(2) + 10.0 * (x[1] + 2.0).powi(2),
///                         vec![2.0 * (x[0] - 1.0), 20.0 * (x[1] + 2.0)]));
/// let mut seen = 0;
/// let r = minimize_observed(&f, &[0.0, 0.0], &MinimizeParams::default(), &mut |_| {
///     seen += 1;
///     std::ops::ControlFlow::Continue(())
/// })?;
/// assert!(seen > r.iterations);
/// assert!((r.x[0] - 1.0).abs() < 1e-7 && (r.x[1] + 2.0).abs() < 1e-7);
/// assert_eq!(r.termination, Termination::GradientTolerance);
/// # Ok::<(), flipshift_discrete::DiscreteError>(())
/// ```
pub fn minimize_observed(
    f: &(dyn Objective + Sync),
    x0: &[f64],
    params: &MinimizeParams,
    callback: &mut dyn FnMut(&IterInfo) -> ControlFlow<()>,
) -> Result<MinimizeReport, DiscreteError> {
    match params.optimizer {
        Optimizer::Lbfgs { .. } | Optimizer::NewtonCg => minimize_argmin(f, x0, params, callback),
        Optimizer::GradientDescent | Optimizer::LbfgsBacktracking { .. } => {
            minimize_own(f, x0, params, callback)
        }
    }
}

/// Check the inputs common to every method.
fn check_start(x0: &[f64], params: &MinimizeParams) -> Result<(), DiscreteError> {
    if x0.is_empty() {
        return Err(DiscreteError::Empty {
            what: "starting point",
        });
    }
    finite("starting point", x0)?;
    if !(params.grad_tol >= 0.0 && params.cost_tol >= 0.0) {
        return Err(DiscreteError::InvalidParameter {
            what: "tolerance",
            reason: format!(
                "grad_tol and cost_tol must be ≥ 0, got {} and {}",
                params.grad_tol, params.cost_tol
            ),
        });
    }
    match params.optimizer {
        Optimizer::Lbfgs { memory: 0 } | Optimizer::LbfgsBacktracking { memory: 0 } => {
            Err(DiscreteError::InvalidParameter {
                what: "L-BFGS memory",
                reason: "keep at least one pair".into(),
            })
        }
        _ => Ok(()),
    }
}

/// $f$ and $\nabla f$ checked: finite, and the gradient as long as $x$.
fn checked_eval(f: &dyn Objective, x: &[f64]) -> Result<(f64, Vec<f64>), DiscreteError> {
    let (v, g) = f.value_gradient(x)?;
    if g.len() != x.len() {
        return Err(DiscreteError::Length {
            what: "gradient",
            got: g.len(),
            expected: format!("the length of x, {}", x.len()),
        });
    }
    if !v.is_finite() {
        return Err(DiscreteError::NonFinite {
            what: "objective value",
            index: 0,
            value: v,
        });
    }
    finite("gradient", &g)?;
    Ok((v, g))
}

/// A point with its value and gradient.
type Evaluated = (Vec<f64>, f64, Vec<f64>);

/// The objective as an argmin problem: evaluations counted, the last point's value and gradient
/// remembered (the line search asks for both at the same point), errors kept typed.
struct Problem<'a> {
    f: &'a (dyn Objective + Sync),
    evaluations: &'a AtomicUsize,
    last: std::sync::Mutex<Option<Evaluated>>,
}

impl Problem<'_> {
    fn eval(&self, x: &[f64]) -> Result<(f64, Vec<f64>), argmin::core::Error> {
        if let Ok(last) = self.last.lock()
            && let Some((lx, v, g)) = last.as_ref()
            && lx.as_slice() == x
        {
            return Ok((*v, g.clone()));
        }
        self.evaluations.fetch_add(1, Ordering::Relaxed);
        let (v, g) = checked_eval(self.f, x).map_err(argmin::core::Error::new)?;
        if let Ok(mut last) = self.last.lock() {
            *last = Some((x.to_vec(), v, g.clone()));
        }
        Ok((v, g))
    }
}

impl CostFunction for Problem<'_> {
    type Param = Vec<f64>;
    type Output = f64;
    fn cost(&self, x: &Vec<f64>) -> Result<f64, argmin::core::Error> {
        Ok(self.eval(x)?.0)
    }
}

impl Gradient for Problem<'_> {
    type Param = Vec<f64>;
    type Gradient = Vec<f64>;
    fn gradient(&self, x: &Vec<f64>) -> Result<Vec<f64>, argmin::core::Error> {
        Ok(self.eval(x)?.1)
    }
}

/// $\nabla^2 f(x)$ as an operator for Newton-CG.
#[derive(Clone)]
struct HessianAt<'a> {
    f: &'a (dyn Objective + Sync),
    x: Vec<f64>,
}

impl argmin_math::ArgminDot<Vec<f64>, Vec<f64>> for HessianAt<'_> {
    fn dot(&self, v: &Vec<f64>) -> Vec<f64> {
        // The objective was asked for its Hessian-vector product before the run; a failure
        // here (non-finite data) shows as NaN, which the line search rejects.
        match self.f.hessian_vector(&self.x, v) {
            Some(Ok(hv)) => hv,
            _ => vec![f64::NAN; v.len()],
        }
    }
}

impl<'a> Hessian for Problem<'a> {
    type Param = Vec<f64>;
    type Hessian = HessianAt<'a>;
    fn hessian(&self, x: &Vec<f64>) -> Result<HessianAt<'a>, argmin::core::Error> {
        Ok(HessianAt {
            f: self.f,
            x: x.clone(),
        })
    }
}

/// Sends each iteration's point and cost to the caller's thread and waits for its word.
struct Relay {
    to_caller: mpsc::Sender<(u64, f64, f64, Vec<f64>)>,
    from_caller: mpsc::Receiver<bool>,
}

/// The error an observer returns when the caller stops the run.
#[derive(Debug, thiserror::Error)]
#[error("stopped by the caller")]
struct Stopped;

impl<H> Observe<IterState<Vec<f64>, Vec<f64>, (), H, (), f64>> for Relay {
    fn observe_iter(
        &mut self,
        state: &IterState<Vec<f64>, Vec<f64>, (), H, (), f64>,
        _kv: &KV,
    ) -> Result<(), argmin::core::Error> {
        let x = state.get_param().cloned().unwrap_or_default();
        let g = state.get_gradient().map_or(f64::NAN, |g| norm(g));
        self.to_caller
            .send((state.get_iter(), state.get_cost(), g, x))
            .map_err(argmin::core::Error::new)?;
        match self.from_caller.recv() {
            Ok(true) => Ok(()),
            _ => Err(argmin::core::Error::new(Stopped)),
        }
    }
}

/// Minimise with argmin's L-BFGS or Newton-CG, run on a scoped thread so that the caller's
/// observer sees every iteration as it happens (argmin's observers must be `'static`).
fn minimize_argmin(
    f: &(dyn Objective + Sync),
    x0: &[f64],
    params: &MinimizeParams,
    callback: &mut dyn FnMut(&IterInfo) -> ControlFlow<()>,
) -> Result<MinimizeReport, DiscreteError> {
    check_start(x0, params)?;
    if params.optimizer == Optimizer::NewtonCg && f.hessian_vector(x0, x0).is_none() {
        return Err(DiscreteError::InvalidParameter {
            what: "optimizer",
            reason: "Newton-CG needs Hessian-vector products, which this objective does not give; use lbfgs".into(),
        });
    }
    let (v0, g0v) = checked_eval(f, x0)?;
    let g0 = norm(&g0v);
    let mut costs = vec![v0];
    let first = IterInfo {
        iteration: 0,
        cost: v0,
        grad_norm: g0,
        step: 0.0,
        evaluations: 1,
    };
    if callback(&first).is_break() || g0 == 0.0 {
        let termination = if g0 == 0.0 {
            Termination::GradientTolerance
        } else {
            Termination::Stopped
        };
        return Ok(MinimizeReport {
            x: x0.to_vec(),
            cost: v0,
            grad_norm: g0,
            costs,
            iterations: 0,
            evaluations: 1,
            termination,
        });
    }
    let counter = AtomicUsize::new(1);
    let problem = Problem {
        f,
        evaluations: &counter,
        last: std::sync::Mutex::new(Some((x0.to_vec(), v0, g0v.clone()))),
    };
    let (to_caller, from_solver) = mpsc::channel();
    let (to_solver, from_caller) = mpsc::channel();
    let relay = Relay {
        to_caller,
        from_caller,
    };
    let grad_tol = params.grad_tol * g0;
    let cost_tol = params.cost_tol;
    let max_iters = params.max_iterations as u64;
    let optimizer = params.optimizer;
    let x_start = x0.to_vec();
    let evaluations = &counter;
    let (outcome, mut best, mut iterations, stopped) = std::thread::scope(|scope| {
        let solver = scope.spawn(
            move || -> Result<(Vec<f64>, f64, Option<TerminationReason>), argmin::core::Error> {
                let linesearch = MoreThuenteLineSearch::new();
                match optimizer {
                    Optimizer::NewtonCg => {
                        let solver = NewtonCG::new(linesearch)
                            .with_tolerance(cost_tol.max(f64::MIN_POSITIVE))?;
                        let r = Executor::new(problem, solver)
                            .configure(
                                |s: IterState<Vec<f64>, Vec<f64>, (), HessianAt<'_>, (), f64>| {
                                    s.param(x_start).max_iters(max_iters)
                                },
                            )
                            .add_observer(relay, ObserverMode::Always)
                            .ctrlc(false)
                            .run()?;
                        let mut state = r.state;
                        let reason = state.get_termination_reason().cloned();
                        let cost = state.get_cost();
                        Ok((state.take_param().unwrap_or_default(), cost, reason))
                    }
                    _ => {
                        let memory = match optimizer {
                            Optimizer::Lbfgs { memory } => memory,
                            _ => 10,
                        };
                        let solver = LBFGS::new(linesearch, memory)
                            .with_tolerance_grad(grad_tol)?
                            .with_tolerance_cost(0.0)?;
                        let r = Executor::new(problem, solver)
                            .configure(|s| {
                                s.param(x_start).cost(v0).gradient(g0v).max_iters(max_iters)
                            })
                            .add_observer(relay, ObserverMode::Always)
                            .ctrlc(false)
                            .run()?;
                        let mut state = r.state;
                        let reason = state.get_termination_reason().cloned();
                        let cost = state.get_cost();
                        Ok((state.take_param().unwrap_or_default(), cost, reason))
                    }
                }
            },
        );
        // The caller's side: each iteration as it comes, the word back.
        let mut best = (x0.to_vec(), v0);
        let mut iterations = 0usize;
        let mut stopped = false;
        let mut prev_cost = v0;
        let mut stalled = false;
        while let Ok((iter, cost, grad_norm, x)) = from_solver.recv() {
            iterations = iter as usize + 1;
            let info = IterInfo {
                iteration: iterations,
                cost,
                grad_norm,
                step: f64::NAN,
                evaluations: evaluations.load(Ordering::Relaxed),
            };
            costs.push(cost);
            if cost <= best.1 {
                best = (x, cost);
            }
            let decrease = prev_cost - cost;
            prev_cost = cost;
            stalled = decrease <= cost_tol * cost.abs().max(f64::MIN_POSITIVE);
            let go = callback(&info).is_continue() && !stalled;
            stopped = !go && !stalled;
            if to_solver.send(go).is_err() {
                break;
            }
        }
        let outcome = solver.join();
        (
            outcome,
            best,
            iterations,
            if stalled { None } else { Some(stopped) },
        )
    });
    let termination = match outcome {
        Err(_) => {
            return Err(DiscreteError::InvalidParameter {
                what: "optimizer",
                reason: "the optimiser's thread panicked".into(),
            });
        }
        Ok(Err(e)) => match e.downcast::<DiscreteError>() {
            Ok(de) => return Err(de),
            Err(e) if e.is::<Stopped>() => match stopped {
                None => Termination::CostStalled,
                Some(_) => Termination::Stopped,
            },
            Err(e) => {
                let _ = e;
                Termination::LineSearchFailed
            }
        },
        Ok(Ok((x, cost, reason))) => {
            if cost <= best.1 && !x.is_empty() {
                best = (x, cost);
            }
            match reason {
                Some(TerminationReason::MaxItersReached) => Termination::MaxIterations,
                Some(TerminationReason::SolverConverged) => {
                    if params.optimizer == Optimizer::NewtonCg {
                        Termination::CostStalled
                    } else {
                        Termination::GradientTolerance
                    }
                }
                Some(TerminationReason::SolverExit(_)) => Termination::LineSearchFailed,
                _ => Termination::CostStalled,
            }
        }
    };
    let (x, cost) = best;
    let (_, g) = checked_eval(f, &x)?;
    let grad_norm = norm(&g);
    // A converged claim is checked against our own tolerance.
    let termination = if termination == Termination::GradientTolerance && grad_norm > grad_tol {
        Termination::CostStalled
    } else if grad_norm <= grad_tol && termination != Termination::Stopped {
        Termination::GradientTolerance
    } else {
        termination
    };
    iterations = iterations.min(params.max_iterations);
    Ok(MinimizeReport {
        x,
        cost,
        grad_norm,
        costs,
        iterations,
        evaluations: counter.load(Ordering::Relaxed),
        termination,
    })
}

fn minimize_own(
    f: &dyn Objective,
    x0: &[f64],
    params: &MinimizeParams,
    callback: &mut dyn FnMut(&IterInfo) -> ControlFlow<()>,
) -> Result<MinimizeReport, DiscreteError> {
    if x0.is_empty() {
        return Err(DiscreteError::Empty {
            what: "starting point",
        });
    }
    finite("starting point", x0)?;
    if !(params.grad_tol >= 0.0 && params.cost_tol >= 0.0) {
        return Err(DiscreteError::InvalidParameter {
            what: "tolerance",
            reason: format!(
                "grad_tol and cost_tol must be ≥ 0, got {} and {}",
                params.grad_tol, params.cost_tol
            ),
        });
    }
    let memory = match params.optimizer {
        Optimizer::Lbfgs { memory: 0 } | Optimizer::LbfgsBacktracking { memory: 0 } => {
            return Err(DiscreteError::InvalidParameter {
                what: "L-BFGS memory",
                reason: "keep at least one pair".into(),
            });
        }
        Optimizer::Lbfgs { memory } | Optimizer::LbfgsBacktracking { memory } => memory,
        Optimizer::GradientDescent | Optimizer::NewtonCg => 0,
    };
    let eval = |x: &[f64]| -> Result<(f64, Vec<f64>), DiscreteError> {
        let (v, g) = f.value_gradient(x)?;
        if g.len() != x.len() {
            return Err(DiscreteError::Length {
                what: "gradient",
                got: g.len(),
                expected: format!("the length of x, {}", x.len()),
            });
        }
        if !v.is_finite() {
            return Err(DiscreteError::NonFinite {
                what: "objective value",
                index: 0,
                value: v,
            });
        }
        finite("gradient", &g)?;
        Ok((v, g))
    };
    let mut x = x0.to_vec();
    let (mut fx, mut g) = eval(&x)?;
    let mut evaluations = 1;
    let g0 = norm(&g);
    let mut costs = vec![fx];
    let mut pairs: VecDeque<(Vec<f64>, Vec<f64>, f64)> = VecDeque::new();
    let mut gd_step = 1.0 / g0.max(f64::MIN_POSITIVE);
    let mut iteration = 0;
    let info = |iteration, cost, g: &[f64], step, evaluations| IterInfo {
        iteration,
        cost,
        grad_norm: norm(g),
        step,
        evaluations,
    };
    let termination = 'run: loop {
        if iteration == 0 && callback(&info(0, fx, &g, 0.0, evaluations)).is_break() {
            break Termination::Stopped;
        }
        if norm(&g) <= params.grad_tol * g0 || g0 == 0.0 {
            break Termination::GradientTolerance;
        }
        if iteration >= params.max_iterations {
            break Termination::MaxIterations;
        }
        let (mut d, mut alpha) = if memory > 0 && !pairs.is_empty() {
            (lbfgs_direction(&g, &pairs), 1.0)
        } else {
            let d: Vec<f64> = g.iter().map(|v| -v).collect();
            let a = if memory > 0 {
                1.0 / g0.max(f64::MIN_POSITIVE)
            } else {
                gd_step
            };
            (d, a)
        };
        let mut slope = dot(&g, &d);
        if !(slope < 0.0) {
            pairs.clear();
            d = g.iter().map(|v| -v).collect();
            slope = -dot(&g, &g);
            alpha = gd_step;
        }
        // Backtracking Armijo line search.
        let (x_new, f_new, g_new) = loop {
            let trial: Vec<f64> = x.iter().zip(&d).map(|(xi, di)| xi + alpha * di).collect();
            let (ft, gt) = eval(&trial)?;
            evaluations += 1;
            if ft <= fx + 1e-4 * alpha * slope {
                break (trial, ft, gt);
            }
            alpha *= 0.5;
            if alpha * norm(&d) <= f64::EPSILON * norm(&x).max(f64::MIN_POSITIVE) {
                break 'run Termination::LineSearchFailed;
            }
        };
        iteration += 1;
        let decrease = fx - f_new;
        if memory > 0 {
            let s: Vec<f64> = x_new.iter().zip(&x).map(|(a, b)| a - b).collect();
            let y: Vec<f64> = g_new.iter().zip(&g).map(|(a, b)| a - b).collect();
            let sy = dot(&s, &y);
            if sy > 1e-12 * norm(&s) * norm(&y) {
                pairs.push_back((s, y, 1.0 / sy));
                if pairs.len() > memory {
                    pairs.pop_front();
                }
            }
        } else {
            // Grow the step again after a success, so one hard region does not slow the rest.
            gd_step = alpha * 2.0;
        }
        gd_step = gd_step.max(alpha);
        x = x_new;
        fx = f_new;
        g = g_new;
        costs.push(fx);
        if callback(&info(iteration, fx, &g, alpha, evaluations)).is_break() {
            break Termination::Stopped;
        }
        if decrease <= params.cost_tol * fx.abs().max(f64::MIN_POSITIVE) {
            break Termination::CostStalled;
        }
    };
    Ok(MinimizeReport {
        grad_norm: norm(&g),
        x,
        cost: fx,
        costs,
        iterations: iteration,
        evaluations,
        termination,
    })
}
