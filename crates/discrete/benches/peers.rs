//! flipshift on the operations and sizes of `bench/peers.py`, single-threaded, as JSON lines:
//! `cargo bench -p flipshift-discrete --bench peers -- [--quick]`. `bench/run.sh` runs it and
//! the peers in one go and writes the ratio table.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use flipshift_discrete::{
    Method, Mode, SolveMethod, autocorrelation, convolve, correlate, ls_gradient, solve_toeplitz,
};
use std::hint::black_box;
use std::time::Instant;

fn normal(seed: u64, n: usize) -> Vec<f64> {
    // Box–Muller on a 64-bit LCG: standard normal entries like the peers' inputs.
    let mut s = seed
        .wrapping_mul(2_862_933_555_777_941_757)
        .wrapping_add(3_037_000_493);
    let mut uniform = || {
        s = s
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        ((s >> 11) as f64 + 0.5) / (1u64 << 53) as f64
    };
    (0..n)
        .map(|_| {
            let (u, v) = (uniform(), uniform());
            (-2.0 * u.ln()).sqrt() * (std::f64::consts::TAU * v).cos()
        })
        .collect()
}

/// CPU seconds used so far by the whole process (all threads).
fn cpu_seconds() -> f64 {
    cpu_time::ProcessTime::now().as_duration().as_secs_f64()
}

/// Median wall and CPU seconds per call: samples of `inner` calls lasting ≥ 2 ms, at least 5
/// samples and about `target` seconds in all (as peers.py does). On a shared machine the CPU
/// time (all threads) is the better estimate of the unshared single-threaded wall time.
fn time(target: f64, mut f: impl FnMut()) -> (f64, f64, usize) {
    f();
    let t = Instant::now();
    f();
    let once = t.elapsed().as_secs_f64().max(1e-9);
    let inner = ((2e-3 / once).ceil() as usize).max(1);
    let reps = ((target / (once * inner as f64)) as usize).clamp(5, 100);
    let (mut wall, mut cpu): (Vec<f64>, Vec<f64>) = (0..reps)
        .map(|_| {
            let c = cpu_seconds();
            let t = Instant::now();
            for _ in 0..inner {
                f();
            }
            let w = t.elapsed().as_secs_f64() / inner as f64;
            let c = (cpu_seconds() - c) / inner as f64;
            (w, c)
        })
        .unzip();
    wall.sort_by(f64::total_cmp);
    cpu.sort_by(f64::total_cmp);
    (wall[wall.len() / 2], cpu[cpu.len() / 2], reps)
}

fn emit(op: &str, imp: &str, n: usize, m: usize, (median, cpu, reps): (f64, f64, usize)) {
    let threads = rayon::current_num_threads();
    println!(
        "{{\"op\":\"{op}\",\"impl\":\"{imp}\",\"n\":{n},\"m\":{m},\"median_s\":{median:e},\"median_cpu_s\":{cpu:e},\"reps\":{reps},\"threads\":{threads}}}"
    );
}

/// `--sizes 1000x16,100000x1000` (as peers.py), `--ops conv_full,ls_grad,normal_solve` and
/// `--solvers auto,levinson,banded,cg`.
fn arg(name: &str) -> Option<String> {
    let args: Vec<String> = std::env::args().collect();
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1).cloned())
}

fn parse_sizes(text: &str) -> Vec<(usize, usize)> {
    text.split(',')
        .map(|p| {
            let (a, b) = p.split_once('x').expect("sizes like 1000x16");
            (
                a.parse::<f64>().unwrap() as usize,
                b.parse::<f64>().unwrap() as usize,
            )
        })
        .collect()
}

fn main() {
    let quick = std::env::args().any(|a| a == "--quick");
    let target = if quick { 0.2 } else { 1.0 };
    let ops = arg("--ops").unwrap_or_else(|| "conv_full,ls_grad,normal_solve".into());
    let solvers = arg("--solvers").unwrap_or_else(|| "auto,levinson,banded,cg".into());
    let chosen = arg("--sizes").map(|s| parse_sizes(&s));
    let sizes: &[(usize, usize)] = if let Some(c) = &chosen {
        c
    } else if quick {
        &[(1_000, 16), (10_000, 128), (100_000, 1_000)]
    } else {
        &[
            (1_000, 16),
            (10_000, 128),
            (100_000, 1_000),
            (1_000_000, 1_000),
            (1_000_000, 100_000),
            (4_000_000, 4_096),
        ]
    };
    for &(n, m) in sizes {
        if !ops.contains("conv_full") && !ops.contains("ls_grad") {
            break;
        }
        let (x, h) = (normal(1, n), normal(2, m));
        let y = normal(3, n + m - 1);
        if ops.contains("conv_full") {
            emit(
                "conv_full",
                "flipshift convolve (auto)",
                n,
                m,
                time(target, || {
                    black_box(
                        convolve(black_box(&h), black_box(&x), Mode::Full, Method::Auto).unwrap(),
                    );
                }),
            );
            emit(
                "conv_full",
                "flipshift convolve (fft)",
                n,
                m,
                time(target, || {
                    black_box(
                        convolve(black_box(&h), black_box(&x), Mode::Full, Method::Fft).unwrap(),
                    );
                }),
            );
        }
        if ops.contains("ls_grad") {
            emit(
                "ls_grad",
                "flipshift ls_gradient",
                n,
                m,
                time(target, || {
                    black_box(ls_gradient(black_box(&h), black_box(&x), black_box(&y)).unwrap());
                }),
            );
        }
    }
    let solves: &[(usize, usize)] = if let Some(c) = &chosen {
        c
    } else if quick {
        &[(1_000, 32)]
    } else {
        &[
            (1_000, 32),
            (1_000, 256),
            (4_000, 32),
            (4_000, 256),
            (16_000, 32),
            (16_000, 256),
        ]
    };
    for &(n, m) in solves {
        if !ops.contains("normal_solve") {
            break;
        }
        let h = normal(4, m);
        let x_true = normal(5, n);
        let mut y = convolve(&h, &x_true, Mode::Full, Method::Auto).unwrap();
        for (v, e) in y.iter_mut().zip(normal(6, n + m - 1)) {
            *v += 0.01 * e;
        }
        // As peers.py: λ = 1e-3·‖h‖², the column and right-hand side built outside the timing.
        let lam = 1e-3 * h.iter().map(|v| v * v).sum::<f64>();
        let mut a = autocorrelation(&h).unwrap();
        a.resize(n, 0.0);
        a[0] += lam;
        let b = correlate(&h, &y, Mode::Valid, Method::Auto).unwrap();
        for (method, name) in [
            (SolveMethod::Auto, "flipshift solve_toeplitz (auto)"),
            (SolveMethod::Levinson, "flipshift solve_toeplitz (levinson)"),
            (SolveMethod::Banded, "flipshift solve_toeplitz (banded)"),
            (SolveMethod::Cg, "flipshift solve_toeplitz (cg)"),
        ] {
            if !solvers.contains(name.split('(').nth(1).unwrap_or("").trim_end_matches(')')) {
                continue;
            }
            emit(
                "normal_solve",
                name,
                n,
                m,
                time(target, || {
                    black_box(solve_toeplitz(black_box(&a), black_box(&b), method).unwrap());
                }),
            );
        }
    }
}
