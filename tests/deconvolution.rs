//! The deconvolution experiment: a reconstruction beats the blurred data, total variation
//! beats Tikhonov on edges, the noise is the one asked for, and bad setups are refused.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use flipshift::{DeconvSetup, Regulariser, deconvolution};
use flipshift_continuous::Expr;
use flipshift_discrete::Termination;
use std::ops::ControlFlow;

fn test_setup() -> DeconvSetup {
    DeconvSetup {
        dt: 0.04,
        ..DeconvSetup::default()
    }
}

#[test]
fn deconvolution_recovers_the_signal_better_than_the_blurred_data() {
    let setup = test_setup();
    let mut calls = 0usize;
    let r = deconvolution(&setup, &mut |_, _| {
        calls += 1;
        ControlFlow::Continue(())
    })
    .unwrap();
    assert_eq!(r.runs.len(), 2);
    assert!(
        calls
            >= r.runs
                .iter()
                .map(|x| x.report.iterations + 1)
                .sum::<usize>()
    );
    let tik = r.runs[0].rel_error;
    let tv = r.runs[1].rel_error;
    assert!(
        tik < 0.8 * r.data_rel_error,
        "Tikhonov {tik} vs data {}",
        r.data_rel_error
    );
    assert!(
        tv < 0.6 * r.data_rel_error,
        "TV {tv} vs data {}",
        r.data_rel_error
    );
    assert!(tv < tik, "TV {tv} vs Tikhonov {tik}: TV keeps the edges");
    for run in &r.runs {
        assert_ne!(run.report.termination, Termination::LineSearchFailed);
        assert!(run.report.costs.windows(2).all(|w| w[1] <= w[0]));
    }
    // The same seed gives the same data; another seed other data.
    let again = deconvolution(&setup, &mut |_, _| ControlFlow::Break(())).unwrap();
    assert_eq!(again.data, r.data);
    let other = deconvolution(
        &DeconvSetup {
            seed: 8,
            ..test_setup()
        },
        &mut |_, _| ControlFlow::Break(()),
    )
    .unwrap();
    assert_ne!(other.data, r.data);
    // The noise is what was asked for: the data minus the exact blur has σ ≈ 0.01.
    let quiet = deconvolution(
        &DeconvSetup {
            noise: 0.0,
            ..test_setup()
        },
        &mut |_, _| ControlFlow::Break(()),
    )
    .unwrap();
    let n = r.data.len() as f64;
    let sd = (r
        .data
        .iter()
        .zip(&quiet.data)
        .map(|(a, b)| (a - b).powi(2))
        .sum::<f64>()
        / n)
        .sqrt();
    // The sample σ of n = 201 draws has a standard error of σ/√(2n) ≈ 0.0005: 0.002 is four.
    assert!((sd - 0.01).abs() < 0.002, "noise σ measured {sd}");
}

#[test]
fn deconvolution_rejects_bad_setups() {
    let stop = &mut |_: &str, _: &flipshift_discrete::IterInfo| ControlFlow::Break(());
    for bad in [
        DeconvSetup {
            sigma: 0.0,
            ..test_setup()
        },
        DeconvSetup {
            noise: f64::NAN,
            ..test_setup()
        },
        DeconvSetup {
            interval: (1.0, -1.0),
            ..test_setup()
        },
        DeconvSetup {
            dt: -0.1,
            ..test_setup()
        },
        DeconvSetup {
            dt: 1.0,
            sigma: 3.0,
            ..test_setup()
        },
        DeconvSetup {
            sigma: 0.05,
            ..test_setup()
        },
        DeconvSetup {
            truth: Expr::parse("rect(t - 10)").unwrap(),
            ..test_setup()
        },
        DeconvSetup {
            regularisers: vec![Regulariser::SmoothTv {
                lambda: 1.0,
                eps: 0.0,
            }],
            ..test_setup()
        },
    ] {
        assert!(deconvolution(&bad, stop).is_err(), "{bad:?}");
    }
}
