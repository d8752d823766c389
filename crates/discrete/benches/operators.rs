//! divan benchmarks: setup (planning, Toeplitz assembly) timed apart from `apply`, sizes with
//! primes and powers of two, direct against FFT to show where the FFT starts to win.
//! `cargo bench -p flipshift-discrete --bench operators`
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use divan::{Bencher, black_box};
use flipshift_discrete::{FftConv, LinearOp, Method, Mode, ToeplitzConv, convolve};
use nalgebra::DVector;

fn main() {
    divan::main();
}

fn data(n: usize) -> Vec<f64> {
    (0..n)
        .map(|i| ((i * 7919) % 1000) as f64 / 500.0 - 1.0)
        .collect()
}

const N: usize = 4096;
const KERNELS: &[usize] = &[3, 16, 31, 64, 127, 256, 509, 1024];

#[divan::bench(args = KERNELS)]
fn direct(b: Bencher, m: usize) {
    let (x, h) = (data(N), data(m));
    b.bench(|| convolve(black_box(&h), black_box(&x), Mode::Full, Method::Direct).unwrap());
}

#[divan::bench(args = KERNELS)]
fn fft(b: Bencher, m: usize) {
    let (x, h) = (data(N), data(m));
    b.bench(|| convolve(black_box(&h), black_box(&x), Mode::Full, Method::Fft).unwrap());
}

#[divan::bench(args = KERNELS)]
fn auto(b: Bencher, m: usize) {
    let (x, h) = (data(N), data(m));
    b.bench(|| convolve(black_box(&h), black_box(&x), Mode::Full, Method::Auto).unwrap());
}

#[divan::bench(args = [1009, 1024, 4093, 4096])]
fn fft_conv_plan(b: Bencher, n: usize) {
    let h = data(63);
    b.bench(|| FftConv::new(black_box(&h), n, Mode::Full).unwrap());
}

#[divan::bench(args = [1009, 1024, 4093, 4096])]
fn fft_conv_apply(b: Bencher, n: usize) {
    let op = FftConv::new(&data(63), n, Mode::Full).unwrap();
    let x = DVector::from_vec(data(n));
    b.bench(|| op.apply(black_box(&x)).unwrap());
}

#[divan::bench(args = [251, 512])]
fn toeplitz_assemble(b: Bencher, n: usize) {
    let h = data(63);
    b.bench(|| ToeplitzConv::new(black_box(&h), n, Mode::Full).unwrap());
}

#[divan::bench(args = [251, 512])]
fn toeplitz_apply(b: Bencher, n: usize) {
    let op = ToeplitzConv::new(&data(63), n, Mode::Full).unwrap();
    let x = DVector::from_vec(data(n));
    b.bench(|| op.apply(black_box(&x)).unwrap());
}
