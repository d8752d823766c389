//! How much faster two threads stream memory than one: each thread scales its own array into
//! another (`b = 1.0000001·a`, one read and one write per entry), for arrays from what fits in
//! a core's L2 cache to far beyond the shared L3, one thread alone and then two at once. The
//! aggregate speed-up bounds what two threads can gain on the passes of a convolution that
//! stream the signal, the output and the long transforms' buffers:
//! `cargo bench -p flipshift-discrete --bench bandwidth`.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use std::hint::black_box;
use std::time::Instant;

/// Seconds for `rounds` passes of `b = c·a` over each of `pairs`, one thread per pair.
fn stream(pairs: &mut [(Vec<f64>, Vec<f64>)], rounds: usize) -> f64 {
    let t = Instant::now();
    std::thread::scope(|s| {
        for (a, b) in pairs.iter_mut() {
            s.spawn(move || {
                for _ in 0..rounds {
                    for (bi, ai) in b.iter_mut().zip(a.iter()) {
                        *bi = ai * 1.000_000_1;
                    }
                    black_box(&mut *b);
                }
            });
        }
    });
    t.elapsed().as_secs_f64()
}

fn main() {
    println!("array     one thread   two threads (sum)   speed-up");
    for kib in [512usize, 2048, 8192, 32768, 131_072] {
        let len = kib * 1024 / 8;
        let rounds = (4usize << 30) / (kib * 1024 * 2);
        let pair = || (vec![1.0f64; len], vec![0.0f64; len]);
        // Best of three, each after a warm-up pass that maps the pages.
        let best = |threads: usize| {
            let mut pairs: Vec<_> = (0..threads).map(|_| pair()).collect();
            stream(&mut pairs, 1);
            (0..3)
                .map(|_| stream(&mut pairs, rounds))
                .fold(f64::INFINITY, f64::min)
        };
        let bytes = (rounds * len * 16) as f64;
        let (one, two) = (best(1), best(2));
        println!(
            "{:>6} KiB  {:6.1} GB/s   {:6.1} GB/s         ×{:.2}",
            kib,
            bytes / one / 1e9,
            2.0 * bytes / two / 1e9,
            2.0 * one / two
        );
    }
}
