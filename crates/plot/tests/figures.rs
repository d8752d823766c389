//! Every figure writes SVG and an anti-aliased PNG, shows itself the evcxr way, and refuses bad
//! data with an error, not a panic.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use flipshift_plot::{PlotError, Series, Style, convergence, flip_shift, lines, loglog};
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
        flip_shift(&tau, &h, &r, &s, 1.0, "The flip and the shift")
            .unwrap()
            .save(&p)
            .unwrap();
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
        lines("Continuous against discrete", "t", "z", &series)
            .unwrap()
            .save(&p)
            .unwrap();
        assert_written(&p, "Continuous against discrete");
        let p = out(&format!("conv.{ext}"));
        convergence("Errors against spacing", &deltas, &q)
            .unwrap()
            .save(&p)
            .unwrap();
        assert_written(&p, "Errors against spacing");
    }
}

#[test]
fn bad_data_is_an_error() {
    assert!(matches!(
        lines("x", "x", "y", &[]),
        Err(PlotError::Empty { .. })
    ));
    let mismatched = Series::new("a", vec![1.0, 2.0], vec![1.0], Style::Line);
    assert!(matches!(
        lines("x", "x", "y", &[mismatched]),
        Err(PlotError::Length { .. })
    ));
    let nan = Series::new("a", vec![f64::NAN], vec![1.0], Style::Line);
    assert!(matches!(
        lines("x", "x", "y", &[nan]),
        Err(PlotError::Empty { .. })
    ));
    let ok = Series::new("a", vec![0.0, 1.0], vec![1.0, 2.0], Style::Line);
    assert!(matches!(
        lines("x", "x", "y", &[ok]).unwrap().save(out("fig.jpg")),
        Err(PlotError::Format { .. })
    ));
}

/// The PNG's pixels as RGB triples, with its size.
fn pixels(png: &[u8]) -> (u32, u32, Vec<[u8; 3]>) {
    let mut reader = png::Decoder::new(std::io::Cursor::new(png))
        .read_info()
        .unwrap();
    let mut buf = vec![0; reader.output_buffer_size().unwrap()];
    let info = reader.next_frame(&mut buf).unwrap();
    let channels = info.color_type.samples();
    let px = buf[..info.buffer_size()]
        .chunks(channels)
        .map(|c| [c[0], c[1], c[2]])
        .collect();
    (info.width, info.height, px)
}

#[test]
fn pngs_are_anti_aliased_with_even_dashes() {
    // One steep line in the first palette colour (31, 119, 180): its edges must blend into the
    // white background — pixels strictly between the two colours, which a bitmap drawn without
    // anti-aliasing does not have (its only blends are the text's, grey and black).
    let t: Vec<f64> = (0..=200).map(|i| f64::from(i) / 200.0).collect();
    let y: Vec<f64> = t.iter().map(|v| (6.0 * v).sin()).collect();
    let fig = lines("", "t", "y", &[Series::new("sin", t, y, Style::Line)]).unwrap();
    let (w, h, px) = pixels(&fig.png().unwrap());
    assert_eq!((w, h), (1100, 680));
    let blue = [31.0, 119.0, 180.0];
    let blends = px
        .iter()
        .filter(|p| {
            // p = (1 − a)·white + a·blue for some 0.1 < a < 0.9, within rounding.
            let a = (255.0 - f64::from(p[0])) / (255.0 - blue[0]);
            (0.1..0.9).contains(&a)
                && (0..3).all(|c| {
                    let want = 255.0 - a * (255.0 - blue[c]);
                    (f64::from(p[c]) - want).abs() <= 6.0
                })
        })
        .count();
    assert!(
        blends > 1000,
        "only {blends} blended edge pixels: not anti-aliased"
    );
    // The dashed reversal: dashes of one length in pixels, whatever the sampling.
    let tau: Vec<f64> = (0..=37).map(|i| f64::from(i) / 37.0 * 6.0 - 3.0).collect();
    let zero: Vec<f64> = tau.iter().map(|_| 0.0).collect();
    let fig = flip_shift(&tau, &zero, &zero, &zero, 0.0, "dashes").unwrap();
    let svg = fig.svg();
    // The reversal's colour is the second of the palette, #D62728.
    let dash_lengths: Vec<f64> = svg
        .split("<polyline")
        .skip(1)
        .filter(|e| e.contains("#D62728"))
        .filter_map(|e| {
            let pts = e.split("points=\"").nth(1)?.split('"').next()?;
            let xy: Vec<f64> = pts
                .split([' ', ','])
                .filter(|s| !s.is_empty())
                .map(|s| s.parse().unwrap())
                .collect();
            let (x0, x1) = (xy.first()?, xy.get(xy.len() - 2)?);
            Some((x1 - x0).abs())
        })
        .collect();
    assert!(dash_lengths.len() > 20, "{} dashes", dash_lengths.len());
    // Every dash is 14 px long, to the pixel (the SVG's canvas is 4 times the shown size), but
    // the one cut by the end of the curve and the legend's sample (drawn last).
    assert!(svg.contains("width=\"1100\" height=\"680\" viewBox=\"0 0 4400 2720\""));
    let uneven = dash_lengths
        .iter()
        .filter(|l| (*l / 4.0 - 14.0).abs() > 1.0)
        .count();
    assert!(uneven <= 2, "uneven dashes: {dash_lengths:?}");
}

#[test]
fn a_figure_shows_itself_the_evcxr_way() {
    use base64::Engine as _;
    let s = Series::new("a", vec![0.0, 1.0], vec![1.0, 2.0], Style::Line);
    let fig = lines("shown", "x", "y", &[s]).unwrap();
    let content = fig.evcxr_content().unwrap();
    let mut lines = content.lines();
    assert_eq!(lines.next(), Some("EVCXR_BEGIN_CONTENT image/png"));
    let png = base64::engine::general_purpose::STANDARD
        .decode(lines.next().unwrap())
        .unwrap();
    assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n");
    assert_eq!(png, fig.png().unwrap());
    assert_eq!(lines.next(), Some("EVCXR_END_CONTENT"));
    assert_eq!(lines.next(), None);
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
        flipshift_plot::jacobian("Jacobian", &rows, 3, &tau, &tau, &curve)
            .unwrap()
            .save(&p)
            .unwrap();
        assert_written(&p, "Jacobian");
    }
    let ragged = vec![vec![1.0, 2.0], vec![1.0]];
    assert!(flipshift_plot::jacobian("J", &ragged, 0, &[0.0, 1.0], &[0.0], &[0.0]).is_err());
    assert!(flipshift_plot::jacobian("J", &rows, 99, &tau, &tau, &curve).is_err());
}

/// The texts of an SVG's `<text>` elements (each element's content is on the line after it).
fn svg_texts(svg: &str) -> Vec<String> {
    let lines: Vec<&str> = svg.lines().collect();
    lines
        .windows(2)
        .filter(|w| w[0].trim_start().starts_with("<text"))
        .map(|w| w[1].trim().to_string())
        .collect()
}

#[test]
fn a_log_axis_labels_each_tick_once() {
    // Δ from 0.125 down to 0.0078: the range spans 0.01 and 0.1, which plotters ticks twice.
    let deltas: Vec<f64> = (0..5).map(|k| 0.125 / 2f64.powi(k)).collect();
    let errors = vec![0.1, 0.016, 0.025, 0.004, 0.006];
    let fig = convergence("Orders", &deltas, &[("conv".into(), errors, Some(1.0))]).unwrap();
    let texts = svg_texts(fig.svg());
    for label in ["0.01", "0.1"] {
        let n = texts.iter().filter(|t| *t == label).count();
        assert_eq!(n, 1, "{label} drawn {n} times in {texts:?}");
    }
}

#[test]
fn loglog_labels_its_axes_and_leaves_out_what_a_log_axis_cannot_show() {
    let n = vec![250.0, 500.0, 1000.0, 2000.0, 4000.0];
    let dense: Vec<f64> = n.iter().map(|v: &f64| 1e-3 * v * v).collect();
    let fft = vec![3.5, 4.8, 0.0, 21.5, 45.7];
    let series = [
        Series::new("dense", n.clone(), dense, Style::Line),
        Series::new("FFT", n, fft, Style::Line),
    ];
    let fig = loglog("Time per application", "n", "µs", &series).unwrap();
    let texts = svg_texts(fig.svg());
    for label in ["Time per application", "n", "µs", "1000", "10"] {
        assert!(
            texts.iter().any(|t| t == label),
            "no {label:?} in {texts:?}"
        );
    }
    assert!(!texts.iter().any(|t| t.contains("NaN") || t.contains("inf")));
    let p = out("loglog.png");
    fig.save(&p).unwrap();
    assert_written(&p, "Time per application");
    assert!(matches!(
        loglog(
            "x",
            "x",
            "y",
            &[Series::new("zero", vec![1.0], vec![0.0], Style::Line)]
        ),
        Err(PlotError::Empty { .. })
    ));
}
