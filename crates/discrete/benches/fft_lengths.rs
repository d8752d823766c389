//! Measures realfft's forward + inverse transform time at every candidate block length and
//! prints the table that `src/fft_lengths.rs` holds, so that the block length of overlap-save
//! is chosen from measured times rather than from one n·log n model:
//! `cargo bench -p flipshift-discrete --bench fft_lengths > table.txt`; with
//! `-- --smooth 1099999 1179648` it times every even 7-smooth length in that range instead.
//! Run it on a quiet machine; each length is timed in several interleaved rounds and the
//! minimum kept (the least disturbed measurement).
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use realfft::RealFftPlanner;
use realfft::num_complex::Complex;
use std::time::Instant;

/// Whether `n` has no prime factor above 7.
fn seven_smooth(mut n: usize) -> bool {
    for p in [2, 3, 5, 7] {
        while n.is_multiple_of(p) {
            n /= p;
        }
    }
    n == 1
}

fn main() {
    // `-- --smooth LO HI`: every even 7-smooth length in LO..=HI instead (whether some length
    // near a long transform beats the tabulated ones), printed with nanoseconds per point.
    let args: Vec<String> = std::env::args().collect();
    let range = args.iter().position(|a| a == "--smooth").map(|i| {
        let num = |k: usize| {
            args.get(i + k)
                .and_then(|v| v.parse::<usize>().ok())
                .unwrap()
        };
        (num(1), num(2))
    });
    let mut lens: Vec<usize> = Vec::new();
    if let Some((lo, hi)) = range {
        lens.extend((lo..=hi).filter(|&n| n.is_multiple_of(2) && seven_smooth(n)));
    } else {
        // The lengths RustFFT does fastest: 2^a times 1, 3, 5, 7, 9 or 15 (radix-2/3/5/7
        // kernels), even (realfft's fast path), from 16 to 2^22.
        for a in 1..=22 {
            for odd in [1usize, 3, 5, 7, 9, 15] {
                let n = odd << a;
                if (16..=1 << 22).contains(&n) {
                    lens.push(n);
                }
            }
        }
    }
    lens.sort_unstable();
    lens.dedup();
    let mut planner = RealFftPlanner::<f64>::new();
    let mut best = vec![f64::INFINITY; lens.len()];
    for _round in 0..5 {
        for (slot, &n) in lens.iter().enumerate() {
            let fwd = planner.plan_fft_forward(n);
            let inv = planner.plan_fft_inverse(n);
            let mut x: Vec<f64> = (0..n)
                .map(|k| ((k * 7919) % 1000) as f64 / 500.0 - 1.0)
                .collect();
            let mut spec = fwd.make_output_vec();
            let mut out = inv.make_output_vec();
            let mut scratch =
                vec![Complex::new(0.0, 0.0); fwd.get_scratch_len().max(inv.get_scratch_len())];
            let mut once = || {
                fwd.process_with_scratch(&mut x, &mut spec, &mut scratch)
                    .unwrap();
                spec[0].im = 0.0;
                spec[n / 2].im = 0.0;
                inv.process_with_scratch(&mut spec, &mut out, &mut scratch)
                    .unwrap();
            };
            once();
            let t = Instant::now();
            once();
            let est = t.elapsed().as_secs_f64().max(1e-9);
            let inner = ((5e-3 / est).ceil() as usize).max(1);
            let t = Instant::now();
            for _ in 0..inner {
                once();
            }
            let per = t.elapsed().as_secs_f64() / inner as f64;
            best[slot] = best[slot].min(per);
        }
    }
    if range.is_some() {
        for (n, t) in lens.iter().zip(&best) {
            println!(
                "{n:>9}  {:7.2} ms  {:5.2} ns per point",
                t * 1e3,
                t * 1e9 / *n as f64
            );
        }
        return;
    }
    println!("// (transform length, nanoseconds for one forward and one inverse real transform)");
    for (n, t) in lens.iter().zip(&best) {
        println!("    ({n}, {:.0}),", t * 1e9);
    }
}
