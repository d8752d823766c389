//! Every figure writes SVG and PNG; bad data is an error, not a panic.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use flipshift_plot::{PlotError, Series, Style, convergence, flip_shift, lines};
use std::path::PathBuf;

fn out(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("flipshift-plot-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir.join(name)
}

fn assert_written(p: &PathBuf, title: &str) {
    let bytes = std::fs::read(p).unwrap();
    if p.extension().unwrap() == "png" {
        assert_eq!(&bytes[..8], b"\x89PNG\r\n\x1a\n", "{p:?} is not a PNG");
        assert!(bytes.len() > 10_000, "{p:?} is suspiciously small");
    } else {
        let text = String::from_utf8(bytes).unwrap();
        assert!(
            text.contains("<svg") && text.contains(title),
            "{p:?} lacks its title"
        );
    }
}

fn kernel(t: f64) -> f64 {
    if t > 0.5 {
        (-(t - 0.5)).exp()
    } else if t == 0.5 {
        0.5
    } else {
        0.0
    }
}

#[test]
fn flip_shift_writes_svg_and_png() {
    let tau: Vec<f64> = (0..=600)
        .map(|i| -3.0 + 6.0 * f64::from(i) / 600.0)
        .collect();
    let h: Vec<f64> = tau.iter().map(|&t| kernel(t)).collect();
    let r: Vec<f64> = tau.iter().map(|&t| kernel(-t)).collect();
    let s: Vec<f64> = tau.iter().map(|&t| kernel(1.0 - t)).collect();
    for ext in ["svg", "png"] {
        let p = out(&format!("flip.{ext}"));
        flip_shift(&p, &tau, &h, &r, &s, 1.0, "The flip and the shift").unwrap();
        assert_written(&p, "The flip and the shift");
    }
}

#[test]
fn lines_and_convergence_write_svg_and_png() {
    let t: Vec<f64> = (0..=100).map(|i| f64::from(i) / 20.0).collect();
    let z: Vec<f64> = t.iter().map(|v| (-v).exp()).collect();
    let tk: Vec<f64> = (0..=10).map(|i| f64::from(i) / 2.0).collect();
    let zk: Vec<f64> = tk.iter().map(|v| (-v).exp() * 1.01).collect();
    let series = [
        Series::new("continuous", t, z, Style::Line),
        Series::new("discrete", tk, zk, Style::Markers),
    ];
    let deltas = [0.25, 0.125, 0.0625, 0.03125];
    let q = vec![
        (
            "conv".to_string(),
            deltas.iter().map(|d| 0.1 * d * d).collect(),
            Some(2.0),
        ),
        ("derivative".to_string(), vec![0.0; 4], None),
        (
            "hessian".to_string(),
            deltas.iter().map(|d| 0.3 * d).collect(),
            Some(1.0),
        ),
    ];
    for ext in ["svg", "png"] {
        let p = out(&format!("lines.{ext}"));
        lines(&p, "Continuous against discrete", "t", "z", &series).unwrap();
        assert_written(&p, "Continuous against discrete");
        let p = out(&format!("conv.{ext}"));
        convergence(&p, "Errors against spacing", &deltas, &q).unwrap();
        assert_written(&p, "Errors against spacing");
    }
}

#[test]
fn bad_data_is_an_error() {
    let p = out("bad.png");
    assert!(matches!(
        lines(&p, "x", "x", "y", &[]),
        Err(PlotError::Empty { .. })
    ));
    let mismatched = Series::new("a", vec![1.0, 2.0], vec![1.0], Style::Line);
    assert!(matches!(
        lines(&p, "x", "x", "y", &[mismatched]),
        Err(PlotError::Length { .. })
    ));
    let nan = Series::new("a", vec![f64::NAN], vec![1.0], Style::Line);
    assert!(matches!(
        lines(&p, "x", "x", "y", &[nan]),
        Err(PlotError::Empty { .. })
    ));
    let ok = Series::new("a", vec![0.0, 1.0], vec![1.0, 2.0], Style::Line);
    assert!(matches!(
        lines(&out("fig.jpg"), "x", "x", "y", &[ok]),
        Err(PlotError::Format { .. })
    ));
}

#[test]
fn jacobian_writes_svg_and_png_and_refuses_a_ragged_matrix() {
    let h = [1.0, 0.5, 0.25];
    let n = 6;
    let rows: Vec<Vec<f64>> = (0..n + h.len() - 1)
        .map(|k| {
            (0..n)
                .map(|j| {
                    if k >= j && k - j < h.len() {
                        h[k - j]
                    } else {
                        0.0
                    }
                })
                .collect()
        })
        .collect();
    let tau: Vec<f64> = (0..n).map(|j| j as f64).collect();
    let curve: Vec<f64> = tau.iter().map(|t| (4.0 - t) / 4.0).collect();
    for ext in ["svg", "png"] {
        let p = out(&format!("jac.{ext}"));
        flipshift_plot::jacobian(&p, "Jacobian", &rows, 3, &tau, &tau, &curve).unwrap();
        assert_written(&p, "Jacobian");
    }
    let ragged = vec![vec![1.0, 2.0], vec![1.0]];
    assert!(
        flipshift_plot::jacobian(&out("r.png"), "J", &ragged, 0, &[0.0, 1.0], &[0.0], &[0.0])
            .is_err()
    );
    assert!(flipshift_plot::jacobian(&out("r.png"), "J", &rows, 99, &tau, &tau, &curve).is_err());
}
