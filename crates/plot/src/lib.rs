//! # flipshift-plot
//!
//! Figures for flipshift, drawn with plotters and an embedded DejaVu font (no system font
//! libraries needed). Every function takes plain data — no mathematics happens here — and
//! writes SVG or PNG, chosen by the path's extension.
//!
//! - [`lines`]: curves and markers on one axis (continuous against discrete);
//! - [`flip_shift`]: $h$, $Rh$ and $S_{t_0}Rh$ on one axis with $t_0$ marked — the flip and the
//!   shift, seen;
//! - [`convergence`]: errors against $\Delta$ on log–log axes with the fitted orders in the
//!   legend;
//! - [`jacobian`]: the Toeplitz matrix $H$ as a heat map with one row outlined, and beside it
//!   that row against the continuous $h(t_0 - \tau)$;
//! - [`deconvolution`]: a deconvolution run, the signals and the cost per iteration.
//!
//! ## Conventions
//!
//! - Figures are 1100 × 680 pixels (PNG) or the same size in SVG units; the format follows the
//!   path's extension, `.svg` or `.png`, and anything else is [`PlotError::Format`].
//! - Text is DejaVu Sans, embedded in the binary and registered once: no system fonts,
//!   fontconfig or freetype are needed, and PNGs look the same on every machine.
//! - Series take plain `f64` data; non-finite points are left out (so a zero error on a
//!   logarithmic axis, passed as NaN, is simply not drawn), and a series with no finite point is
//!   [`PlotError::Empty`].
//! - Colours follow one palette in series order, so the $k$-th curve has the same colour in
//!   every figure; continuous answers are drawn as lines, discrete ones as markers.
#![warn(missing_docs)]

use plotters::coord::Shift;
use plotters::prelude::*;
use std::path::Path;
use std::sync::OnceLock;

/// Everything that can go wrong while drawing.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum PlotError {
    /// A series with no finite points, or a figure with no series.
    #[error("{what} has no finite points to draw")]
    Empty {
        /// Which data.
        what: String,
    },
    /// x and y of different lengths.
    #[error("series '{label}' has {x} x values but {y} y values")]
    Length {
        /// The series.
        label: String,
        /// Number of x values.
        x: usize,
        /// Number of y values.
        y: usize,
    },
    /// A path whose extension is neither `.svg` nor `.png`.
    #[error("'{path}': write figures as .svg or .png")]
    Format {
        /// The path.
        path: String,
    },
    /// The embedded font could not be registered, or the backend failed.
    #[error("drawing failed: {0}")]
    Draw(String),
}

/// How a series is drawn.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Style {
    /// A solid line.
    Line,
    /// A dashed line.
    Dashed,
    /// Markers at the points (discrete samples).
    Markers,
    /// A thin solid line (noisy data behind the other curves).
    Thin,
}

/// One curve or set of markers.
#[derive(Debug, Clone, PartialEq)]
pub struct Series {
    /// Legend text.
    pub label: String,
    /// Abscissae.
    pub x: Vec<f64>,
    /// Ordinates.
    pub y: Vec<f64>,
    /// How to draw it.
    pub style: Style,
}

impl Series {
    /// A series from its parts.
    pub fn new(label: impl Into<String>, x: Vec<f64>, y: Vec<f64>, style: Style) -> Self {
        Self {
            label: label.into(),
            x,
            y,
            style,
        }
    }

    fn points(&self) -> Vec<(f64, f64)> {
        self.x
            .iter()
            .zip(&self.y)
            .filter(|(a, b)| a.is_finite() && b.is_finite())
            .map(|(a, b)| (*a, *b))
            .collect()
    }
}

const SIZE: (u32, u32) = (1100, 680);
const FONT: &str = "sans-serif";
const PALETTE: [RGBColor; 6] = [
    RGBColor(31, 119, 180),
    RGBColor(214, 39, 40),
    RGBColor(44, 160, 44),
    RGBColor(148, 103, 189),
    RGBColor(255, 127, 14),
    RGBColor(23, 190, 207),
];

fn fonts() -> Result<(), PlotError> {
    static DONE: OnceLock<Result<(), String>> = OnceLock::new();
    DONE.get_or_init(|| {
        plotters::style::register_font(FONT, FontStyle::Normal, dejavu::sans::regular())
            .and_then(|_| {
                plotters::style::register_font(FONT, FontStyle::Bold, dejavu::sans::bold())
            })
            .map_err(|_| "the embedded DejaVu font could not be loaded".to_string())
    })
    .clone()
    .map_err(PlotError::Draw)
}

fn draw_err(e: impl std::fmt::Display) -> PlotError {
    PlotError::Draw(e.to_string())
}

fn check(series: &[Series]) -> Result<(), PlotError> {
    if series.is_empty() {
        return Err(PlotError::Empty {
            what: "the figure".into(),
        });
    }
    for s in series {
        if s.x.len() != s.y.len() {
            return Err(PlotError::Length {
                label: s.label.clone(),
                x: s.x.len(),
                y: s.y.len(),
            });
        }
        if s.points().is_empty() {
            return Err(PlotError::Empty {
                what: format!("series '{}'", s.label),
            });
        }
    }
    Ok(())
}

/// Render with the backend the extension asks for.
macro_rules! with_backend {
    ($path:expr, $root:ident => $body:expr) => {{
        fonts()?;
        let path: &Path = $path;
        match path.extension().and_then(|e| e.to_str()) {
            Some("svg") => {
                let $root = SVGBackend::new(path, SIZE).into_drawing_area();
                $body?;
                $root.present().map_err(draw_err)
            }
            Some("png") => {
                let $root = BitMapBackend::new(path, SIZE).into_drawing_area();
                $body?;
                $root.present().map_err(draw_err)
            }
            _ => Err(PlotError::Format {
                path: path.display().to_string(),
            }),
        }
    }};
}

fn range(values: impl Iterator<Item = f64>, log: bool) -> (f64, f64) {
    let (mut lo, mut hi) = (f64::INFINITY, f64::NEG_INFINITY);
    for v in values.filter(|v| v.is_finite() && (!log || *v > 0.0)) {
        lo = lo.min(v);
        hi = hi.max(v);
    }
    if !lo.is_finite() {
        return (0.0, 1.0);
    }
    if log {
        (lo / 2.0, hi * 2.0)
    } else {
        let pad = if hi > lo { 0.06 * (hi - lo) } else { 0.5 };
        (lo - pad, hi + pad)
    }
}

fn draw_series<DB: DrawingBackend>(
    chart: &mut ChartContext<
        '_,
        DB,
        Cartesian2d<plotters::coord::types::RangedCoordf64, plotters::coord::types::RangedCoordf64>,
    >,
    series: &[Series],
) -> Result<(), PlotError> {
    for (i, s) in series.iter().enumerate() {
        let color = PALETTE[i % PALETTE.len()];
        let pts = s.points();
        match s.style {
            Style::Line => chart
                .draw_series(LineSeries::new(pts, color.stroke_width(3)))
                .map_err(draw_err)?
                .label(s.label.clone())
                .legend(move |(x, y)| {
                    PathElement::new(vec![(x, y), (x + 24, y)], color.stroke_width(3))
                }),
            Style::Dashed => chart
                .draw_series(dashes(&pts, color))
                .map_err(draw_err)?
                .label(s.label.clone())
                .legend(move |(x, y)| {
                    PathElement::new(vec![(x, y), (x + 9, y)], color.stroke_width(3))
                }),
            Style::Thin => chart
                .draw_series(LineSeries::new(pts, color.stroke_width(1)))
                .map_err(draw_err)?
                .label(s.label.clone())
                .legend(move |(x, y)| {
                    PathElement::new(vec![(x, y), (x + 24, y)], color.stroke_width(1))
                }),
            Style::Markers => chart
                .draw_series(pts.into_iter().map(|p| Circle::new(p, 4, color.filled())))
                .map_err(draw_err)?
                .label(s.label.clone())
                .legend(move |(x, y)| Circle::new((x + 12, y), 4, color.filled())),
        };
    }
    Ok(())
}

/// A dashed polyline: every other stretch of about 1/60 of the x-range.
fn dashes(pts: &[(f64, f64)], color: RGBColor) -> Vec<PathElement<(f64, f64)>> {
    let (lo, hi) = range(pts.iter().map(|p| p.0), false);
    let dash = (hi - lo) / 60.0;
    let mut out = Vec::new();
    let mut current = Vec::new();
    for &p in pts {
        let on = (((p.0 - lo) / dash).floor() as i64) % 2 == 0;
        if on {
            current.push(p);
        } else if !current.is_empty() {
            out.push(PathElement::new(
                std::mem::take(&mut current),
                color.stroke_width(3),
            ));
        }
    }
    if !current.is_empty() {
        out.push(PathElement::new(current, color.stroke_width(3)));
    }
    out
}

/// The upper corner with fewer data points near it, for the legend.
fn emptier_corner(
    series: &[Series],
    (x0, x1): (f64, f64),
    (y0, y1): (f64, f64),
) -> SeriesLabelPosition {
    let (mut left, mut right) = (0usize, 0usize);
    for (x, y) in series.iter().flat_map(|s| s.points()) {
        let (u, v) = ((x - x0) / (x1 - x0), (y - y0) / (y1 - y0));
        if v > 0.55 {
            if u < 0.45 {
                left += 1;
            } else if u > 0.55 {
                right += 1;
            }
        }
    }
    if left <= right {
        SeriesLabelPosition::UpperLeft
    } else {
        SeriesLabelPosition::UpperRight
    }
}

fn draw_lines<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    title: &str,
    x_label: &str,
    y_label: &str,
    series: &[Series],
    marker: Option<(f64, &str)>,
) -> Result<(), PlotError> {
    root.fill(&WHITE).map_err(draw_err)?;
    let (x0, x1) = range(series.iter().flat_map(|s| s.x.clone()), false);
    let (y0, y1) = range(series.iter().flat_map(|s| s.y.clone()), false);
    let mut chart = ChartBuilder::on(root)
        .caption(title, (FONT, 28))
        .margin(18)
        .x_label_area_size(56)
        .y_label_area_size(80)
        .build_cartesian_2d(x0..x1, y0..y1)
        .map_err(draw_err)?;
    chart
        .configure_mesh()
        .x_desc(x_label)
        .y_desc(y_label)
        .label_style((FONT, 17))
        .axis_desc_style((FONT, 20))
        .light_line_style(RGBColor(242, 242, 242))
        .max_light_lines(4)
        .draw()
        .map_err(draw_err)?;
    if let Some((at, text)) = marker {
        let grey = RGBColor(90, 90, 90);
        let line: Vec<(f64, f64)> = (0..=40)
            .map(|i| (at, y0 + (y1 - y0) * f64::from(i) / 40.0))
            .collect();
        chart
            .draw_series(
                line.chunks(2)
                    .step_by(2)
                    .map(|c| PathElement::new(c.to_vec(), grey.stroke_width(2))),
            )
            .map_err(draw_err)?;
        chart
            .draw_series(std::iter::once(Text::new(
                text.to_string(),
                (at + 0.01 * (x1 - x0), y0 + 0.08 * (y1 - y0)),
                (FONT, 22).into_font().color(&grey),
            )))
            .map_err(draw_err)?;
    }
    draw_series(&mut chart, series)?;
    chart
        .configure_series_labels()
        .background_style(WHITE.mix(0.92))
        .border_style(RGBColor(160, 160, 160))
        .label_font((FONT, 18))
        .position(emptier_corner(series, (x0, x1), (y0, y1)))
        .draw()
        .map_err(draw_err)
}

/// Curves and markers on one axis.
pub fn lines(
    path: &Path,
    title: &str,
    x_label: &str,
    y_label: &str,
    series: &[Series],
) -> Result<(), PlotError> {
    check(series)?;
    with_backend!(path, root => draw_lines(&root, title, x_label, y_label, series, None))
}

/// $h$, $Rh$ and $S_{t_0}Rh$ against $\tau$ on one axis, $t_0$ marked by a dashed line: the
/// functional derivative $\delta z(t_0)/\delta x(\tau) = h(t_0 - \tau)$ is the last curve.
pub fn flip_shift(
    path: &Path,
    tau: &[f64],
    h: &[f64],
    reversed: &[f64],
    shifted: &[f64],
    t0: f64,
    title: &str,
) -> Result<(), PlotError> {
    let series = [
        Series::new("h(τ)", tau.to_vec(), h.to_vec(), Style::Line),
        Series::new("R h: h(−τ)", tau.to_vec(), reversed.to_vec(), Style::Dashed),
        Series::new(
            "S_t₀ R h: h(t₀ − τ) = δz(t₀)/δx(τ)",
            tau.to_vec(),
            shifted.to_vec(),
            Style::Line,
        ),
    ];
    check(&series)?;
    if !t0.is_finite() {
        return Err(PlotError::Empty { what: "t0".into() });
    }
    with_backend!(path, root => draw_lines(&root, title, "τ", "value", &series, Some((t0, "t₀"))))
}

/// Errors against $\Delta$ on log–log axes, one series per quantity, the fitted order (or
/// "rounding") in the legend.
pub fn convergence(
    path: &Path,
    title: &str,
    deltas: &[f64],
    quantities: &[(String, Vec<f64>, Option<f64>)],
) -> Result<(), PlotError> {
    let all: Vec<Series> = quantities
        .iter()
        .map(|(name, errors, order)| {
            let label = match order {
                Some(p) => format!("{name}: p = {p:.2}"),
                None => format!("{name}: rounding level, no order"),
            };
            // Zero errors (exact agreement) have no place on a log axis: they are left out of
            // the curve, and the legend says so.
            let y = errors
                .iter()
                .map(|e| if *e > 0.0 { *e } else { f64::NAN })
                .collect();
            Series::new(label, deltas.to_vec(), y, Style::Line)
        })
        .collect();
    let (series, legend_only): (Vec<Series>, Vec<Series>) =
        all.into_iter().partition(|s| !s.points().is_empty());
    check(&series)?;
    let legend_only: Vec<String> = legend_only.into_iter().map(|s| s.label).collect();
    with_backend!(path, root => draw_loglog(&root, title, &series, &legend_only))
}

/// A tick label with three significant digits and no floating-point noise
/// (0.30000000000000004 → 0.3, 0.00390625 → 0.00391).
fn tick(v: &f64) -> String {
    if *v == 0.0 || !v.is_finite() {
        return format!("{v}");
    }
    if v.abs() < 1e-4 || v.abs() >= 1e5 {
        return format!("{v:.2e}");
    }
    let digits = (2 - v.abs().log10().floor() as i32).max(0) as usize;
    let s = format!("{v:.digits$}");
    if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        s
    }
}

fn draw_loglog<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    title: &str,
    series: &[Series],
    legend_only: &[String],
) -> Result<(), PlotError> {
    root.fill(&WHITE).map_err(draw_err)?;
    let (x0, x1) = range(series.iter().flat_map(|s| s.x.clone()), true);
    let (y0, y1) = range(series.iter().flat_map(|s| s.y.clone()), true);
    let mut chart = ChartBuilder::on(root)
        .caption(title, (FONT, 28))
        .margin(18)
        .x_label_area_size(56)
        .y_label_area_size(90)
        .build_cartesian_2d((x0..x1).log_scale(), (y0..y1).log_scale())
        .map_err(draw_err)?;
    chart
        .configure_mesh()
        .x_desc("Δ")
        .y_desc("relative error")
        .label_style((FONT, 17))
        .axis_desc_style((FONT, 20))
        .x_labels(12)
        .x_label_formatter(&tick)
        .y_label_formatter(&|v| format!("{v:.0e}"))
        .light_line_style(RGBColor(238, 238, 238))
        .draw()
        .map_err(draw_err)?;
    for (i, s) in series.iter().enumerate() {
        let color = PALETTE[i % PALETTE.len()];
        let pts = s.points();
        chart
            .draw_series(LineSeries::new(pts.clone(), color.stroke_width(3)))
            .map_err(draw_err)?
            .label(s.label.clone())
            .legend(move |(x, y)| {
                PathElement::new(vec![(x, y), (x + 24, y)], color.stroke_width(3))
            });
        chart
            .draw_series(pts.into_iter().map(|p| Circle::new(p, 5, color.filled())))
            .map_err(draw_err)?;
    }
    for (i, label) in legend_only.iter().enumerate() {
        let color = PALETTE[(series.len() + i) % PALETTE.len()];
        chart
            .draw_series(std::iter::empty::<Circle<(f64, f64), i32>>())
            .map_err(draw_err)?
            .label(label.clone())
            .legend(move |(x, y)| Circle::new((x + 12, y), 5, color.stroke_width(2)));
    }
    chart
        .configure_series_labels()
        .background_style(WHITE.mix(0.92))
        .border_style(RGBColor(160, 160, 160))
        .label_font((FONT, 18))
        .position(SeriesLabelPosition::LowerRight)
        .draw()
        .map_err(draw_err)
}

/// The Jacobian $H$ (rows of `matrix`) as a heat map, row `highlight` outlined; beside it that
/// row's entries as markers over `tau` against the continuous curve `(curve_tau, curve)`.
pub fn jacobian(
    path: &Path,
    title: &str,
    matrix: &[Vec<f64>],
    highlight: usize,
    tau: &[f64],
    curve_tau: &[f64],
    curve: &[f64],
) -> Result<(), PlotError> {
    let cols = matrix.first().map_or(0, Vec::len);
    if matrix.is_empty() || cols == 0 || matrix.iter().any(|r| r.len() != cols) {
        return Err(PlotError::Empty {
            what: "the matrix (empty or ragged)".into(),
        });
    }
    if highlight >= matrix.len() || tau.len() != cols {
        return Err(PlotError::Length {
            label: "highlighted row".into(),
            x: tau.len(),
            y: cols,
        });
    }
    let side = [
        Series::new(
            format!("row {highlight} of H"),
            tau.to_vec(),
            matrix[highlight].clone(),
            Style::Markers,
        ),
        Series::new("h(t₀ − τ)", curve_tau.to_vec(), curve.to_vec(), Style::Line),
    ];
    check(&side)?;
    with_backend!(path, root => draw_jacobian(&root, title, matrix, highlight, &side))
}

fn draw_jacobian<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    title: &str,
    matrix: &[Vec<f64>],
    highlight: usize,
    side: &[Series],
) -> Result<(), PlotError> {
    root.fill(&WHITE).map_err(draw_err)?;
    let root = root.titled(title, (FONT, 28)).map_err(draw_err)?;
    let (left, right) = root.split_horizontally(SIZE.0 / 2);
    let (rows, cols) = (matrix.len(), matrix[0].len());
    let peak = matrix
        .iter()
        .flatten()
        .fold(0.0f64, |m, v| m.max(v.abs()))
        .max(f64::MIN_POSITIVE);
    let mut chart = ChartBuilder::on(&left)
        .margin(18)
        .x_label_area_size(50)
        .y_label_area_size(60)
        .build_cartesian_2d(0f64..cols as f64, rows as f64..0f64)
        .map_err(draw_err)?;
    chart
        .configure_mesh()
        .disable_mesh()
        .x_desc("column j (x_j)")
        .y_desc("row k (z_k)")
        .x_label_formatter(&|v| format!("{v:.0}"))
        .y_label_formatter(&|v| format!("{v:.0}"))
        .label_style((FONT, 16))
        .axis_desc_style((FONT, 18))
        .draw()
        .map_err(draw_err)?;
    // Diverging colours: white at 0, blue for positive, red for negative entries.
    let colour = |v: f64| {
        let a = (v.abs() / peak).clamp(0.0, 1.0);
        let mix = |c: u8| (255.0 - a * (255.0 - f64::from(c))) as u8;
        if v >= 0.0 {
            RGBColor(mix(31), mix(119), mix(180))
        } else {
            RGBColor(mix(214), mix(39), mix(40))
        }
    };
    chart
        .draw_series(matrix.iter().enumerate().flat_map(|(k, row)| {
            row.iter().enumerate().map(move |(j, v)| {
                Rectangle::new(
                    [(j as f64, k as f64), (j as f64 + 1.0, k as f64 + 1.0)],
                    colour(*v).filled(),
                )
            })
        }))
        .map_err(draw_err)?;
    let k = highlight as f64;
    chart
        .draw_series(std::iter::once(Rectangle::new(
            [(0.0, k), (cols as f64, k + 1.0)],
            BLACK.stroke_width(3),
        )))
        .map_err(draw_err)?;
    let (x0, x1) = range(side.iter().flat_map(|s| s.x.clone()), false);
    let (y0, y1) = range(side.iter().flat_map(|s| s.y.clone()), false);
    let mut chart = ChartBuilder::on(&right)
        .margin(18)
        .x_label_area_size(50)
        .y_label_area_size(60)
        .build_cartesian_2d(x0..x1, y0..y1)
        .map_err(draw_err)?;
    chart
        .configure_mesh()
        .x_desc("τ")
        .y_desc("δz(t₀)/δx")
        .label_style((FONT, 16))
        .axis_desc_style((FONT, 18))
        .light_line_style(RGBColor(242, 242, 242))
        .max_light_lines(4)
        .draw()
        .map_err(draw_err)?;
    draw_series(&mut chart, side)?;
    chart
        .configure_series_labels()
        .background_style(WHITE.mix(0.92))
        .border_style(RGBColor(160, 160, 160))
        .label_font((FONT, 17))
        .position(emptier_corner(side, (x0, x1), (y0, y1)))
        .draw()
        .map_err(draw_err)
}

/// A deconvolution run: on the left the signals (truth, data, reconstructions) against $t$, on
/// the right each reconstruction's cost above its final value, $J_k - J_{\text{final}}$, per
/// iteration on a logarithmic axis (the caller subtracts; values ≤ 0 are left out). The runs
/// are the last `costs.len()` signals and keep their colours.
pub fn deconvolution(
    path: &Path,
    title: &str,
    signals: &[Series],
    costs: &[Series],
) -> Result<(), PlotError> {
    check(signals)?;
    let costs: Vec<Series> = costs
        .iter()
        .map(|s| {
            let y =
                s.y.iter()
                    .map(|v| if *v > 0.0 { *v } else { f64::NAN })
                    .collect();
            Series::new(s.label.clone(), s.x.clone(), y, s.style)
        })
        .collect();
    check(&costs)?;
    with_backend!(path, root => draw_deconvolution(&root, title, signals, &costs))
}

fn draw_deconvolution<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    title: &str,
    signals: &[Series],
    costs: &[Series],
) -> Result<(), PlotError> {
    root.fill(&WHITE).map_err(draw_err)?;
    let root = root.titled(title, (FONT, 28)).map_err(draw_err)?;
    let (left, right) = root.split_horizontally(SIZE.0 * 3 / 5);
    draw_lines(&left, "", "t", "signal", signals, None)?;
    let (x0, x1) = range(costs.iter().flat_map(|s| s.x.clone()), false);
    let (y0, y1) = range(costs.iter().flat_map(|s| s.y.clone()), true);
    let mut chart = ChartBuilder::on(&right)
        .margin(18)
        .x_label_area_size(56)
        .y_label_area_size(80)
        .build_cartesian_2d(x0..x1.max(x0 + 1.0), (y0..y1).log_scale())
        .map_err(draw_err)?;
    chart
        .configure_mesh()
        .x_desc("iteration")
        .y_desc("J − J_final")
        .x_labels(6)
        .x_label_formatter(&|v| format!("{v:.0}"))
        .label_style((FONT, 17))
        .axis_desc_style((FONT, 20))
        .y_label_formatter(&|v| format!("{v:.0e}"))
        .light_line_style(RGBColor(238, 238, 238))
        .draw()
        .map_err(draw_err)?;
    for (i, s) in costs.iter().enumerate() {
        // The colours continue those of the signals panel, whose last series are the runs.
        let color = PALETTE[(signals.len().saturating_sub(costs.len()) + i) % PALETTE.len()];
        chart
            .draw_series(LineSeries::new(s.points(), color.stroke_width(3)))
            .map_err(draw_err)?
            .label(s.label.clone())
            .legend(move |(x, y)| {
                PathElement::new(vec![(x, y), (x + 24, y)], color.stroke_width(3))
            });
    }
    chart
        .configure_series_labels()
        .background_style(WHITE.mix(0.92))
        .border_style(RGBColor(160, 160, 160))
        .label_font((FONT, 18))
        .position(SeriesLabelPosition::UpperRight)
        .draw()
        .map_err(draw_err)
}
