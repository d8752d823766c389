//! [`Plan`]: a kernel prepared once — its spectrum at the chosen transform length, or the
//! decision to sum directly — and applied to any number of signals, one at a time or a batch
//! in parallel.

use crate::convolution::{Method, Mode};
use crate::direct_sum;
use crate::error::{DiscreteError, check};
use crate::fourier::{self, Blocking, Spectrum};
use crate::scale::scan;
use rayon::prelude::*;

/// How a plan computes its convolutions.
#[derive(Debug)]
enum Engine {
    Direct,
    Fft {
        spectrum: Spectrum,
        blocking: Blocking,
    },
}

/// The convolution $x \mapsto h * x$ for a fixed kernel $h \in \mathbb{R}^m$ and signals
/// $x \in \mathbb{R}^n$, planned once: the method (by the cost model of measured transform
/// and direct-sum times, or as asked), and for the FFT the kernel's spectrum at the chosen
/// transform length with its overlap-save blocking. Every call reuses them; a batch of
/// signals runs in parallel (rayon; the thread count comes from `RAYON_NUM_THREADS`), each
/// signal's result the same bit for bit as alone.
///
/// ```
/// # use flipshift_discrete::{Method, Mode, Plan};
/// let plan = Plan::new(&[1.0, 0.5], 3, Method::Auto)?;
/// assert_eq!(plan.convolve(&[2.0, 0.0, 4.0], Mode::Full)?, vec![2.0, 1.0, 4.0, 2.0]);
/// let batch = plan.convolve_batch(&[vec![1.0, 0.0, 0.0], vec![0.0, 0.0, 1.0]], Mode::Same)?;
/// assert_eq!(batch, vec![vec![1.0, 0.5, 0.0], vec![0.0, 0.0, 1.0]]);
/// # Ok::<(), flipshift_discrete::DiscreteError>(())
/// ```
#[derive(Debug)]
pub struct Plan {
    h: Vec<f64>,
    n: usize,
    engine: Engine,
}

impl Plan {
    /// Plan $x \mapsto h * x$ for signals of length `n` (at least 1) with `method`
    /// ([`Method::Auto`] picks the faster by the cost model).
    ///
    /// The transform length is chosen for the rayon pool current when the plan is made (with a
    /// long kernel, two threads can favour shorter blocks that divide between them). A plan
    /// used on another pool keeps it: its results are the same bit for bit wherever it runs,
    /// and it runs fastest on a pool like the one it was made on.
    pub fn new(h: &[f64], n: usize, method: Method) -> Result<Self, DiscreteError> {
        check("h", h)?;
        if n == 0 {
            return Err(DiscreteError::InvalidParameter {
                what: "n",
                reason: "the signal length must be at least 1".into(),
            });
        }
        let m = h.len();
        let use_fft = match method {
            Method::Direct => false,
            Method::Fft => true,
            Method::Auto => fourier::fft_is_faster(n, m),
        };
        let engine = if use_fft {
            let sched = fourier::conv_schedule(n, m, n + m - 1);
            Engine::Fft {
                spectrum: Spectrum::new(h, sched.nfft)?,
                blocking: sched.blocking,
            }
        } else {
            Engine::Direct
        };
        Ok(Self {
            h: h.to_vec(),
            n,
            engine,
        })
    }

    /// The kernel length $m$.
    pub fn kernel_len(&self) -> usize {
        self.h.len()
    }

    /// The signal length $n$ the plan is for.
    pub fn signal_len(&self) -> usize {
        self.n
    }

    /// The method chosen: [`Method::Direct`] or [`Method::Fft`].
    pub fn method(&self) -> Method {
        match self.engine {
            Engine::Direct => Method::Direct,
            Engine::Fft { .. } => Method::Fft,
        }
    }

    /// The transform length, for the FFT.
    pub fn transform_len(&self) -> Option<usize> {
        match &self.engine {
            Engine::Direct => None,
            Engine::Fft { spectrum, .. } => Some(spectrum.nfft()),
        }
    }

    /// $h * x$ in `mode` (as `scipy.signal.convolve(x, h, mode)`), for `x` of length $n$.
    pub fn convolve(&self, x: &[f64], mode: Mode) -> Result<Vec<f64>, DiscreteError> {
        let (n, m) = (self.n, self.h.len());
        let mut z = vec![0.0; mode.len(n, m)];
        self.convolve_into(x, mode, &mut z)?;
        Ok(z)
    }

    /// As [`Plan::convolve`], into `z` (of the mode's length), without allocating the result.
    pub fn convolve_into(&self, x: &[f64], mode: Mode, z: &mut [f64]) -> Result<(), DiscreteError> {
        let exp_x = scan("x", x)?;
        let (n, m) = (self.n, self.h.len());
        if x.len() != n {
            return Err(DiscreteError::Length {
                what: "x",
                got: x.len(),
                expected: format!("the plan is for signals of length {n}"),
            });
        }
        let len = mode.len(n, m);
        if z.len() != len {
            return Err(DiscreteError::Length {
                what: "z",
                got: z.len(),
                expected: format!("the {mode:?} convolution has length {len}"),
            });
        }
        let start = mode.offset(n, m);
        match &self.engine {
            Engine::Direct => {
                direct_sum::window_into(&self.h, x, start, z);
                Ok(())
            }
            Engine::Fft { spectrum, blocking } => {
                spectrum.convolve_into(x, exp_x, *blocking, start, z)
            }
        }
    }

    /// $h * x_i$ in `mode` for every signal of the batch, in parallel.
    pub fn convolve_batch(
        &self,
        xs: &[Vec<f64>],
        mode: Mode,
    ) -> Result<Vec<Vec<f64>>, DiscreteError> {
        xs.par_iter().map(|x| self.convolve(x, mode)).collect()
    }
}

/// Entries `start..start + len` of the full convolution of `h` and `x` by `method`,
/// [`Method::Auto`] deciding by the cost of just those entries. The inputs are validated (the
/// errors of [`check`]) in the same pass that finds their scale.
pub(crate) fn convolve_window(
    h: &[f64],
    x: &[f64],
    method: Method,
    start: usize,
    len: usize,
) -> Result<Vec<f64>, DiscreteError> {
    let exp_h = scan("h", h)?;
    let exp_x = scan("x", x)?;
    let (n, m) = (x.len(), h.len());
    let sched = (method != Method::Direct).then(|| fourier::conv_schedule(n.max(m), n.min(m), len));
    let use_fft = match (method, sched) {
        (Method::Fft, _) => true,
        (Method::Auto, Some(s)) => s.cost_ns < fourier::direct_cost_ns(n, m, len),
        _ => false,
    };
    if let (true, Some(sched)) = (use_fft, sched) {
        fourier::window_scheduled((h, exp_h), (x, exp_x), sched, start, len)
    } else {
        let mut z = vec![0.0; len];
        direct_sum::window_into(h, x, start, &mut z);
        Ok(z)
    }
}
