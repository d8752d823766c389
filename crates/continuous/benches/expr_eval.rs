//! Evaluation speed of compiled expressions against a native closure and the tree walk.
//!
//! `cargo bench -p flipshift-continuous --bench expr_eval`; each sample evaluates 1000 points,
//! so ns per evaluation is the reported time / 1000.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use divan::black_box;
use flipshift_continuous::{Expr, RealFn};

fn main() {
    divan::main();
}

const SRC: &str = "exp(-t^2/2)*cos(3*t)";

fn points() -> Vec<f64> {
    (0..1000)
        .map(|i| -4.0 + 8.0 * f64::from(i) / 1000.0)
        .collect()
}

#[divan::bench]
fn compiled(b: divan::Bencher) {
    let f = Expr::parse(SRC).unwrap().compile().unwrap();
    let ts = points();
    b.bench_local(|| {
        let mut s = 0.0;
        for &t in &ts {
            s += f.eval(black_box(t));
        }
        s
    });
}

#[divan::bench]
fn native_closure(b: divan::Bencher) {
    let ts = points();
    let f = |t: f64| (-t * t / 2.0).exp() * (3.0 * t).cos();
    b.bench_local(|| {
        let mut s = 0.0;
        for &t in &ts {
            s += f(black_box(t));
        }
        s
    });
}

#[divan::bench]
fn tree_walk(b: divan::Bencher) {
    let e = Expr::parse(SRC).unwrap();
    let ts = points();
    b.bench_local(|| {
        let mut s = 0.0;
        for &t in &ts {
            s += e.eval_at(black_box(t));
        }
        s
    });
}

#[divan::bench]
fn parse_and_compile(b: divan::Bencher) {
    b.bench_local(|| Expr::parse(black_box(SRC)).unwrap().compile().unwrap());
}
