//! Speed of exact (symbolic) convolution against quadrature.
//!
//! `cargo bench -p flipshift-continuous --bench closed_form`. The `symbolic_*` benches time
//! [`convolve_symbolic`] alone (operands parsed beforehand); `*_100_points` time evaluating
//! $h*x$ at 100 points by [`convolve_auto`] (closed form) and by quadrature; `grid_1000_*`
//! time $z(t)$ on 1000 points, each family by [`convolve_auto`] from the parsed expressions
//! (recognition, the closed form and its evaluation with bounds), and a piecewise kernel
//! without a closed form (rect·exp against a Gaussian) by quadrature.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use divan::black_box;
use flipshift_continuous::{Expr, QuadParams, convolve, convolve_auto, convolve_symbolic};

fn main() {
    divan::main();
}

fn pair(h: &str, x: &str) -> (Expr, Expr) {
    (Expr::parse(h).unwrap(), Expr::parse(x).unwrap())
}

fn bench_symbolic(b: divan::Bencher, h: &Expr, x: &Expr) {
    b.bench_local(|| convolve_symbolic(black_box(h), black_box(x)).unwrap());
}

#[divan::bench]
fn symbolic_gaussian_pair(b: divan::Bencher) {
    let (h, x) = pair("gauss((t - 0.3)/0.5)/0.5", "gauss((t + 1)/1.5)/1.5");
    bench_symbolic(b, &h, &x);
}

#[divan::bench]
fn symbolic_polynomial_gaussian_pair(b: divan::Bencher) {
    let (h, x) = pair("t*gauss(t)", "t^2*exp(-(t-1)^2)");
    bench_symbolic(b, &h, &x);
}

#[divan::bench]
fn symbolic_b_spline_order_4(b: divan::Bencher) {
    // The quadratic B-spline (rect*rect*rect) convolved with rect once more.
    let r = Expr::parse("rect(t)").unwrap();
    let b2 = convolve_symbolic(&r, &r).unwrap();
    let b3 = convolve_symbolic(b2.expr(), &r).unwrap().into_expr();
    bench_symbolic(b, &b3, &r);
}

#[divan::bench]
fn symbolic_one_sided_exponential_pair(b: divan::Bencher) {
    let (h, x) = pair("t*exp(-t)*step(t)", "t^2*exp(-2*t)*step(t)");
    bench_symbolic(b, &h, &x);
}

#[divan::bench]
fn symbolic_equal_rate_exponentials(b: divan::Bencher) {
    let (h, x) = pair("exp(-t)*step(t)", "exp(-t)*step(t)");
    bench_symbolic(b, &h, &x);
}

fn grid() -> Vec<f64> {
    (0..100).map(|i| -2.0 + 0.1 * f64::from(i)).collect()
}

#[divan::bench]
fn closed_form_100_points(b: divan::Bencher) {
    let (h, x) = pair("t*exp(-t)*step(t)", "t^2*exp(-2*t)*step(t)");
    let t = grid();
    b.bench_local(|| {
        convolve_auto(black_box(&h), black_box(&x), &t, QuadParams::default()).unwrap()
    });
}

#[divan::bench]
fn quadrature_100_points(b: divan::Bencher) {
    let (h, x) = pair("t*exp(-t)*step(t)", "t^2*exp(-2*t)*step(t)");
    let (h, x) = (h.compile().unwrap(), x.compile().unwrap());
    let t = grid();
    b.bench_local(|| convolve(black_box(&h), black_box(&x), &t, QuadParams::default()).unwrap());
}

fn grid_1000() -> Vec<f64> {
    (0..1000).map(|i| -4.0 + 0.008 * f64::from(i)).collect()
}

fn bench_auto_1000(b: divan::Bencher, h: &str, x: &str) {
    let (h, x) = pair(h, x);
    let t = grid_1000();
    b.bench_local(|| {
        convolve_auto(black_box(&h), black_box(&x), &t, QuadParams::default()).unwrap()
    });
}

#[divan::bench]
fn grid_1000_gaussian_pair(b: divan::Bencher) {
    bench_auto_1000(b, "gauss((t - 0.3)/0.5)/0.5", "gauss((t + 1)/1.5)/1.5");
}

#[divan::bench]
fn grid_1000_polynomial_gaussian_pair(b: divan::Bencher) {
    bench_auto_1000(b, "t*gauss(t)", "t^2*exp(-(t-1)^2)");
}

#[divan::bench]
fn grid_1000_piecewise_polynomials(b: divan::Bencher) {
    bench_auto_1000(b, "tri(t)", "(1 - t^2)*rect(t/2)");
}

#[divan::bench]
fn grid_1000_one_sided_exponentials(b: divan::Bencher) {
    bench_auto_1000(b, "t*exp(-t)*step(t)", "t^2*exp(-2*t)*step(t)");
}

#[divan::bench]
fn grid_1000_rect_exp_window(b: divan::Bencher) {
    bench_auto_1000(b, "exp(-t)*step(t)", "rect(t)");
}

#[divan::bench]
fn grid_1000_quadrature_rect_exp_against_gaussian(b: divan::Bencher) {
    let (h, x) = pair("rect(t)*exp(t)", "gauss(t)");
    let (h, x) = (h.compile().unwrap(), x.compile().unwrap());
    let t = grid_1000();
    b.bench_local(|| convolve(black_box(&h), black_box(&x), &t, QuadParams::default()).unwrap());
}
