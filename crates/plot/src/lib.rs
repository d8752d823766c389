//! # flipshift-plot
//!
//! Figures for flipshift, drawn with plotters as SVG and rasterised to anti-aliased PNG by
//! resvg, both with an embedded DejaVu font (no system font libraries needed). Every function
//! takes plain data — no mathematics happens here — and returns a [`Figure`], which is saved as
//! SVG or PNG ([`Figure::save`], by the path's extension) and shows itself in a notebook: a
//! cell that ends with a figure displays it under the evcxr Jupyter kernel
//! ([`Figure::evcxr_display`]).
//!
//! - [`lines`]: curves and markers on one axis (continuous against discrete);
//! - [`flip_shift`]: $h$, $Rh$ and $S_{t_0}Rh$ on one axis with $t_0$ marked — the flip and the
//!   shift, seen;
//! - [`convergence`]: errors against $\Delta$ on log–log axes with the fitted orders in the
//!   legend;
//! - [`loglog`]: curves on log–log axes with labels of one's own (timings against size);
//! - [`jacobian`]: the Toeplitz matrix $H$ as a heat map with one row outlined, and beside it
//!   that row against the continuous $h(t_0 - \tau)$;
//! - [`deconvolution`]: a deconvolution run, the signals and the cost per iteration.
//!
//! ## Conventions
//!
//! - Figures are 1100 × 680 SVG units, rasterised to PNGs of 1100 × 680 pixels with
//!   anti-aliasing (resvg); [`Figure::save`] follows the path's extension, `.svg` or `.png`,
//!   and anything else is [`PlotError::Format`].
//! - Text is DejaVu Sans, embedded in the binary and used both to lay the text out and to
//!   rasterise it: no system fonts, fontconfig or freetype are needed, and PNGs look the same on
//!   every machine. (An SVG shown by a browser uses the browser's sans-serif.)
//! - Dashed lines are dashed in pixels, so every dash has the same length whatever the data's
//!   sampling.
//! - Series take plain `f64` data; non-finite points are left out (so a zero error on a
//!   logarithmic axis, passed as NaN, is simply not drawn), and a series with no finite point is
//!   [`PlotError::Empty`].
//! - Colours follow one palette in series order, so the $k$-th curve has the same colour in
//!   every figure; continuous answers are drawn as lines, discrete ones as markers.
#![warn(missing_docs)]

use plotters::coord::Shift;
use plotters::prelude::*;
use std::path::Path;
use std::sync::{Arc, OnceLock};

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

/// The figure's size in SVG units and PNG pixels.
const SIZE: (u32, u32) = (1100, 680);
/// Figures are drawn on a canvas `K` times larger and shown at [`SIZE`] through the SVG's
/// viewBox: plotters places every point on whole canvas units, which at the shown size are
/// quarter pixels — curves stay smooth instead of stepping from pixel to pixel.
const K: i32 = 4;
const CANVAS: (u32, u32) = (SIZE.0 * K as u32, SIZE.1 * K as u32);

/// A length in shown pixels, on the canvas.
const fn px(v: i32) -> i32 {
    v * K
}

/// A line width in shown pixels, on the canvas.
const fn width(v: u32) -> u32 {
    v * K as u32
}
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

/// A drawn figure: its SVG, from which the PNG is rasterised.
///
/// Save it with [`Figure::save`]; in a notebook under the evcxr kernel, end a cell with it and it
/// is shown ([`Figure::evcxr_display`]).
#[derive(Debug, Clone, PartialEq)]
pub struct Figure {
    svg: String,
}

/// The rasteriser's fonts: the embedded DejaVu Sans, regular and bold, standing for every
/// generic family.
fn font_database() -> Arc<resvg::usvg::fontdb::Database> {
    static DB: OnceLock<Arc<resvg::usvg::fontdb::Database>> = OnceLock::new();
    DB.get_or_init(|| {
        let mut db = resvg::usvg::fontdb::Database::new();
        db.load_font_data(dejavu::sans::regular().to_vec());
        db.load_font_data(dejavu::sans::bold().to_vec());
        db.set_sans_serif_family("DejaVu Sans");
        db.set_serif_family("DejaVu Sans");
        db.set_monospace_family("DejaVu Sans");
        Arc::new(db)
    })
    .clone()
}

impl Figure {
    /// Draw on a fresh SVG canvas of the figures' size.
    fn draw(
        body: impl FnOnce(&DrawingArea<SVGBackend<'_>, Shift>) -> Result<(), PlotError>,
    ) -> Result<Self, PlotError> {
        fonts()?;
        let mut svg = String::new();
        {
            let root = SVGBackend::with_string(&mut svg, CANVAS).into_drawing_area();
            body(&root)?;
            root.present().map_err(draw_err)?;
        }
        // Shown at SIZE; the viewBox keeps the canvas's units.
        let canvas = format!("width=\"{}\" height=\"{}\"", CANVAS.0, CANVAS.1);
        let shown = format!("width=\"{}\" height=\"{}\"", SIZE.0, SIZE.1);
        Ok(Self {
            svg: svg.replacen(&canvas, &shown, 1),
        })
    }

    /// The figure as SVG text.
    pub fn svg(&self) -> &str {
        &self.svg
    }

    /// The figure as a PNG of 1100 × 680 pixels, anti-aliased.
    pub fn png(&self) -> Result<Vec<u8>, PlotError> {
        let options = resvg::usvg::Options {
            fontdb: font_database(),
            font_family: "DejaVu Sans".into(),
            ..Default::default()
        };
        let tree = resvg::usvg::Tree::from_str(&self.svg, &options).map_err(draw_err)?;
        let size = tree.size().to_int_size();
        let mut pixmap = resvg::tiny_skia::Pixmap::new(size.width(), size.height())
            .ok_or_else(|| PlotError::Draw("the figure has no area".into()))?;
        pixmap.fill(resvg::tiny_skia::Color::WHITE);
        resvg::render(
            &tree,
            resvg::tiny_skia::Transform::identity(),
            &mut pixmap.as_mut(),
        );
        pixmap.encode_png().map_err(draw_err)
    }

    /// Write the figure to `path`: SVG for `.svg`, PNG for `.png`.
    pub fn save(&self, path: impl AsRef<Path>) -> Result<(), PlotError> {
        let path = path.as_ref();
        let bytes = match path.extension().and_then(|e| e.to_str()) {
            Some("svg") => self.svg.clone().into_bytes(),
            Some("png") => self.png()?,
            _ => {
                return Err(PlotError::Format {
                    path: path.display().to_string(),
                });
            }
        };
        std::fs::write(path, bytes).map_err(|e| PlotError::Draw(format!("{}: {e}", path.display())))
    }

    /// What evcxr shows for a cell that ends with this figure: the PNG, between the markers of
    /// evcxr's display protocol (`EVCXR_BEGIN_CONTENT image/png`, base64, `EVCXR_END_CONTENT`).
    pub fn evcxr_content(&self) -> Result<String, PlotError> {
        use base64::Engine as _;
        let png = self.png()?;
        Ok(format!(
            "EVCXR_BEGIN_CONTENT image/png\n{}\nEVCXR_END_CONTENT",
            base64::engine::general_purpose::STANDARD.encode(png)
        ))
    }

    /// evcxr's display convention: the kernel calls this on a cell's final value, and the
    /// figure appears in the notebook. (A figure that cannot be rasterised prints why.)
    pub fn evcxr_display(&self) {
        match self.evcxr_content() {
            Ok(content) => println!("{content}"),
            Err(e) => println!("{e}"),
        }
    }
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
                .draw_series(LineSeries::new(pts, color.stroke_width(width(3))))
                .map_err(draw_err)?
                .label(s.label.clone())
                .legend(move |(x, y)| {
                    PathElement::new(vec![(x, y), (x + px(24), y)], color.stroke_width(width(3)))
                }),
            Style::Dashed => chart
                .draw_series(
                    dashes(chart, &pts, 14, 9)
                        .into_iter()
                        .map(|d| PathElement::new(d, color.stroke_width(width(3)))),
                )
                .map_err(draw_err)?
                .label(s.label.clone())
                .legend(move |(x, y)| {
                    PathElement::new(vec![(x, y), (x + px(10), y)], color.stroke_width(width(3)))
                }),
            Style::Thin => chart
                .draw_series(LineSeries::new(pts, color.stroke_width(width(1))))
                .map_err(draw_err)?
                .label(s.label.clone())
                .legend(move |(x, y)| {
                    PathElement::new(vec![(x, y), (x + px(24), y)], color.stroke_width(width(1)))
                }),
            Style::Markers => chart
                .draw_series(
                    pts.into_iter()
                        .map(|p| Circle::new(p, px(4), color.filled())),
                )
                .map_err(draw_err)?
                .label(s.label.clone())
                .legend(move |(x, y)| Circle::new((x + px(12), y), px(4), color.filled())),
        };
    }
    Ok(())
}

/// A polyline cut into dashes `on` shown pixels long with gaps of `off`, measured along the
/// curve as drawn (so every dash has the same length whatever the sampling), each dash in data
/// coordinates: the axes are linear, so a point a fraction of the way along a drawn segment is
/// the same fraction of the way along the data segment.
fn dashes<DB: DrawingBackend>(
    chart: &ChartContext<
        '_,
        DB,
        Cartesian2d<plotters::coord::types::RangedCoordf64, plotters::coord::types::RangedCoordf64>,
    >,
    pts: &[(f64, f64)],
    on: i32,
    off: i32,
) -> Vec<Vec<(f64, f64)>> {
    let (on, off) = (f64::from(px(on)), f64::from(px(off)));
    let drawn: Vec<(f64, f64)> = pts
        .iter()
        .map(|p| {
            let (x, y) = chart.backend_coord(p);
            (f64::from(x), f64::from(y))
        })
        .collect();
    let mut out = Vec::new();
    let mut current: Vec<(f64, f64)> = Vec::new();
    // Where the pattern stands: `phase` pixels into the current dash (`solid`) or gap.
    let (mut solid, mut phase) = (true, 0.0);
    if let Some(first) = pts.first() {
        current.push(*first);
    }
    for i in 1..pts.len() {
        let (a, b) = (pts[i - 1], pts[i]);
        let length = (drawn[i].0 - drawn[i - 1].0).hypot(drawn[i].1 - drawn[i - 1].1);
        let mut done = 0.0;
        while length - done > 0.0 {
            let left = if solid { on } else { off } - phase;
            if left > length - done {
                phase += length - done;
                break;
            }
            done += left;
            let f = done / length;
            let p = (a.0 + f * (b.0 - a.0), a.1 + f * (b.1 - a.1));
            if solid {
                current.push(p);
                out.push(std::mem::take(&mut current));
            } else {
                current.push(p);
            }
            solid = !solid;
            phase = 0.0;
        }
        if solid {
            current.push(b);
        }
    }
    if solid && current.len() > 1 {
        out.push(current);
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
        .caption(title, (FONT, px(28)))
        .margin(px(18))
        .x_label_area_size(px(56))
        .y_label_area_size(px(80))
        .build_cartesian_2d(x0..x1, y0..y1)
        .map_err(draw_err)?;
    chart
        .configure_mesh()
        .axis_style(BLACK.stroke_width(width(1)))
        .bold_line_style(RGBColor(215, 215, 215).stroke_width(width(1)))
        .set_all_tick_mark_size(px(5))
        .x_desc(x_label)
        .y_desc(y_label)
        .label_style((FONT, px(17)))
        .axis_desc_style((FONT, px(20)))
        .light_line_style(RGBColor(242, 242, 242).stroke_width(width(1)))
        .max_light_lines(4)
        .x_label_formatter(&linear_tick(x1 - x0))
        .y_label_formatter(&linear_tick(y1 - y0))
        .draw()
        .map_err(draw_err)?;
    if let Some((at, text)) = marker {
        let grey = RGBColor(90, 90, 90);
        let marks = dashes(&chart, &[(at, y0), (at, y1)], 8, 7);
        chart
            .draw_series(
                marks
                    .into_iter()
                    .map(|d| PathElement::new(d, grey.stroke_width(width(2)))),
            )
            .map_err(draw_err)?;
        chart
            .draw_series(std::iter::once(Text::new(
                text.to_string(),
                (at + 0.01 * (x1 - x0), y0 + 0.08 * (y1 - y0)),
                (FONT, px(22)).into_font().color(&grey),
            )))
            .map_err(draw_err)?;
    }
    draw_series(&mut chart, series)?;
    chart
        .configure_series_labels()
        .legend_area_size(px(30))
        .margin(px(10))
        .background_style(WHITE.mix(0.92))
        .border_style(RGBColor(160, 160, 160).stroke_width(width(1)))
        .label_font((FONT, px(18)))
        .position(emptier_corner(series, (x0, x1), (y0, y1)))
        .draw()
        .map_err(draw_err)
}

/// Curves and markers on one axis.
pub fn lines(
    title: &str,
    x_label: &str,
    y_label: &str,
    series: &[Series],
) -> Result<Figure, PlotError> {
    check(series)?;
    Figure::draw(|root| draw_lines(root, title, x_label, y_label, series, None))
}

/// $h$, $Rh$ and $S_{t_0}Rh$ against $\tau$ on one axis, $t_0$ marked by a dashed line: the
/// functional derivative $\delta z(t_0)/\delta x(\tau) = h(t_0 - \tau)$ is the last curve.
pub fn flip_shift(
    tau: &[f64],
    h: &[f64],
    reversed: &[f64],
    shifted: &[f64],
    t0: f64,
    title: &str,
) -> Result<Figure, PlotError> {
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
    Figure::draw(|root| draw_lines(root, title, "τ", "value", &series, Some((t0, "t₀"))))
}

/// Errors against $\Delta$ on log–log axes, one series per quantity, the fitted order (or
/// "rounding") in the legend.
pub fn convergence(
    title: &str,
    deltas: &[f64],
    quantities: &[(String, Vec<f64>, Option<f64>)],
) -> Result<Figure, PlotError> {
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
    Figure::draw(|root| draw_loglog(root, title, ("Δ", "relative error"), &series, &legend_only))
}

/// Curves on log–log axes, each drawn as a line through its points with a marker at each: a
/// power law is a straight line (timings against size, errors against spacing with an axis
/// label of one's own). Values that are not positive have no place on a log axis and are left
/// out.
pub fn loglog(
    title: &str,
    x_label: &str,
    y_label: &str,
    series: &[Series],
) -> Result<Figure, PlotError> {
    check(series)?;
    let positive = |v: &[f64]| -> Vec<f64> {
        v.iter()
            .map(|&a| if a > 0.0 { a } else { f64::NAN })
            .collect()
    };
    let series: Vec<Series> = series
        .iter()
        .map(|s| Series::new(s.label.clone(), positive(&s.x), positive(&s.y), s.style))
        .collect();
    check(&series)?;
    Figure::draw(|root| draw_loglog(root, title, (x_label, y_label), &series, &[]))
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

/// Labels for a linear axis spanning `span`: [`tick`]'s, with the rounding noise of a tick that
/// should be 0 (−2.8e-17) shown as 0.
fn linear_tick(span: f64) -> impl Fn(&f64) -> String {
    move |v: &f64| {
        if v.abs() <= 1e-9 * span.abs() {
            "0".to_string()
        } else {
            tick(v)
        }
    }
}

/// The ticks of a logarithmic axis over `lo..hi`: labelled ones (with grid lines) at 1, 2 and
/// 5 times a power of ten — at powers of ten only when the range spans more than three decades,
/// so that labels do not run into each other, with light lines at the other multiples. (plotters' own ticks start at the first power of ten in the range, leaving the
/// points below it unlabelled, and give that power twice when the range spans it.)
fn log_key_points(lo: f64, hi: f64) -> (Vec<f64>, Vec<f64>) {
    let labelled: &[u32] = if hi / lo > 10f64.powf(3.5) {
        &[1]
    } else {
        &[1, 2, 5]
    };
    let (mut bold, mut light) = (Vec::new(), Vec::new());
    if !(lo > 0.0 && hi > lo && hi.is_finite()) {
        return (bold, light);
    }
    for d in (lo.log10().floor() as i32)..=(hi.log10().ceil() as i32) {
        for m in 1..=9u32 {
            let v = f64::from(m) * 10f64.powi(d);
            if (lo..=hi).contains(&v) {
                if labelled.contains(&m) {
                    bold.push(v);
                } else if labelled.len() == 1 {
                    light.push(v);
                }
            }
        }
    }
    (bold, light)
}

/// A label on a logarithmic value axis: 1 to 10⁴ written out (timings in µs), anything else
/// as 2e-3.
fn log_value_tick(v: &f64) -> String {
    if (1.0..1e5).contains(v) {
        tick(v)
    } else {
        format!("{v:.0e}")
    }
}

/// A logarithmic axis over `lo..hi` with the ticks of [`log_key_points`].
fn log_axis(
    lo: f64,
    hi: f64,
) -> plotters::coord::combinators::WithKeyPoints<plotters::coord::combinators::LogCoord<f64>> {
    let (bold, light) = log_key_points(lo, hi);
    (lo..hi)
        .log_scale()
        .with_key_points(bold)
        .with_light_points(light)
}

fn draw_loglog<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    title: &str,
    (x_label, y_label): (&str, &str),
    series: &[Series],
    legend_only: &[String],
) -> Result<(), PlotError> {
    root.fill(&WHITE).map_err(draw_err)?;
    let (x0, x1) = range(series.iter().flat_map(|s| s.x.clone()), true);
    let (y0, y1) = range(series.iter().flat_map(|s| s.y.clone()), true);
    let mut chart = ChartBuilder::on(root)
        .caption(title, (FONT, px(28)))
        .margin(px(18))
        .x_label_area_size(px(56))
        .y_label_area_size(px(90))
        .build_cartesian_2d(log_axis(x0, x1), log_axis(y0, y1))
        .map_err(draw_err)?;
    chart
        .configure_mesh()
        .axis_style(BLACK.stroke_width(width(1)))
        .bold_line_style(RGBColor(215, 215, 215).stroke_width(width(1)))
        .set_all_tick_mark_size(px(5))
        .x_desc(x_label)
        .y_desc(y_label)
        .label_style((FONT, px(17)))
        .axis_desc_style((FONT, px(20)))
        .x_labels(12)
        .x_label_formatter(&tick)
        .y_label_formatter(&log_value_tick)
        .light_line_style(RGBColor(238, 238, 238).stroke_width(width(1)))
        .draw()
        .map_err(draw_err)?;
    for (i, s) in series.iter().enumerate() {
        let color = PALETTE[i % PALETTE.len()];
        let pts = s.points();
        chart
            .draw_series(LineSeries::new(pts.clone(), color.stroke_width(width(3))))
            .map_err(draw_err)?
            .label(s.label.clone())
            .legend(move |(x, y)| {
                PathElement::new(vec![(x, y), (x + px(24), y)], color.stroke_width(width(3)))
            });
        chart
            .draw_series(
                pts.into_iter()
                    .map(|p| Circle::new(p, px(5), color.filled())),
            )
            .map_err(draw_err)?;
    }
    for (i, label) in legend_only.iter().enumerate() {
        let color = PALETTE[(series.len() + i) % PALETTE.len()];
        chart
            .draw_series(std::iter::empty::<Circle<(f64, f64), i32>>())
            .map_err(draw_err)?
            .label(label.clone())
            .legend(move |(x, y)| {
                Circle::new((x + px(12), y), px(5), color.stroke_width(width(2)))
            });
    }
    chart
        .configure_series_labels()
        .legend_area_size(px(30))
        .margin(px(10))
        .background_style(WHITE.mix(0.92))
        .border_style(RGBColor(160, 160, 160).stroke_width(width(1)))
        .label_font((FONT, px(18)))
        .position(SeriesLabelPosition::LowerRight)
        .draw()
        .map_err(draw_err)
}

/// The Jacobian $H$ (rows of `matrix`) as a heat map, row `highlight` outlined; beside it that
/// row's entries as markers over `tau` against the continuous curve `(curve_tau, curve)`.
pub fn jacobian(
    title: &str,
    matrix: &[Vec<f64>],
    highlight: usize,
    tau: &[f64],
    curve_tau: &[f64],
    curve: &[f64],
) -> Result<Figure, PlotError> {
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
    Figure::draw(|root| draw_jacobian(root, title, matrix, highlight, &side))
}

fn draw_jacobian<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    title: &str,
    matrix: &[Vec<f64>],
    highlight: usize,
    side: &[Series],
) -> Result<(), PlotError> {
    root.fill(&WHITE).map_err(draw_err)?;
    let root = root.titled(title, (FONT, px(28))).map_err(draw_err)?;
    let (left, right) = root.split_horizontally(CANVAS.0 / 2);
    let (rows, cols) = (matrix.len(), matrix[0].len());
    let peak = matrix
        .iter()
        .flatten()
        .fold(0.0f64, |m, v| m.max(v.abs()))
        .max(f64::MIN_POSITIVE);
    let mut chart = ChartBuilder::on(&left)
        .margin(px(18))
        .x_label_area_size(px(50))
        .y_label_area_size(px(60))
        .build_cartesian_2d(0f64..cols as f64, rows as f64..0f64)
        .map_err(draw_err)?;
    chart
        .configure_mesh()
        .axis_style(BLACK.stroke_width(width(1)))
        .bold_line_style(RGBColor(215, 215, 215).stroke_width(width(1)))
        .set_all_tick_mark_size(px(5))
        .disable_mesh()
        .x_desc("column j (x_j)")
        .y_desc("row k (z_k)")
        .x_label_formatter(&|v| format!("{v:.0}"))
        .y_label_formatter(&|v| format!("{v:.0}"))
        .label_style((FONT, px(16)))
        .axis_desc_style((FONT, px(18)))
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
    // A closed path, not a rectangle: the SVG backend draws rectangles' outlines one unit wide.
    let c = cols as f64;
    chart
        .draw_series(std::iter::once(PathElement::new(
            vec![(0.0, k), (c, k), (c, k + 1.0), (0.0, k + 1.0), (0.0, k)],
            BLACK.stroke_width(width(3)),
        )))
        .map_err(draw_err)?;
    let (x0, x1) = range(side.iter().flat_map(|s| s.x.clone()), false);
    let (y0, y1) = range(side.iter().flat_map(|s| s.y.clone()), false);
    let mut chart = ChartBuilder::on(&right)
        .margin(px(18))
        .x_label_area_size(px(50))
        .y_label_area_size(px(60))
        .build_cartesian_2d(x0..x1, y0..y1)
        .map_err(draw_err)?;
    chart
        .configure_mesh()
        .axis_style(BLACK.stroke_width(width(1)))
        .bold_line_style(RGBColor(215, 215, 215).stroke_width(width(1)))
        .set_all_tick_mark_size(px(5))
        .x_desc("τ")
        .y_desc("δz(t₀)/δx")
        .label_style((FONT, px(16)))
        .axis_desc_style((FONT, px(18)))
        .light_line_style(RGBColor(242, 242, 242).stroke_width(width(1)))
        .max_light_lines(4)
        .x_label_formatter(&linear_tick(x1 - x0))
        .y_label_formatter(&linear_tick(y1 - y0))
        .draw()
        .map_err(draw_err)?;
    draw_series(&mut chart, side)?;
    chart
        .configure_series_labels()
        .legend_area_size(px(30))
        .margin(px(10))
        .background_style(WHITE.mix(0.92))
        .border_style(RGBColor(160, 160, 160).stroke_width(width(1)))
        .label_font((FONT, px(17)))
        .position(emptier_corner(side, (x0, x1), (y0, y1)))
        .draw()
        .map_err(draw_err)
}

/// A deconvolution run: on the left the signals (truth, data, reconstructions) against $t$, on
/// the right each reconstruction's cost above its final value, $J_k - J_{\text{final}}$, per
/// iteration on a logarithmic axis (the caller subtracts; values ≤ 0 are left out). The runs
/// are the last `costs.len()` signals and keep their colours.
pub fn deconvolution(
    title: &str,
    signals: &[Series],
    costs: &[Series],
) -> Result<Figure, PlotError> {
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
    Figure::draw(|root| draw_deconvolution(root, title, signals, &costs))
}

fn draw_deconvolution<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    title: &str,
    signals: &[Series],
    costs: &[Series],
) -> Result<(), PlotError> {
    root.fill(&WHITE).map_err(draw_err)?;
    let root = root.titled(title, (FONT, px(28))).map_err(draw_err)?;
    let (left, right) = root.split_horizontally(CANVAS.0 * 3 / 5);
    draw_lines(&left, "", "t", "signal", signals, None)?;
    let (x0, x1) = range(costs.iter().flat_map(|s| s.x.clone()), false);
    let (y0, y1) = range(costs.iter().flat_map(|s| s.y.clone()), true);
    let mut chart = ChartBuilder::on(&right)
        .margin(px(18))
        .x_label_area_size(px(56))
        .y_label_area_size(px(80))
        .build_cartesian_2d(x0..x1.max(x0 + 1.0), (y0..y1).log_scale())
        .map_err(draw_err)?;
    chart
        .configure_mesh()
        .axis_style(BLACK.stroke_width(width(1)))
        .bold_line_style(RGBColor(215, 215, 215).stroke_width(width(1)))
        .set_all_tick_mark_size(px(5))
        .x_desc("iteration")
        .y_desc("J − J_final")
        .x_labels(6)
        .x_label_formatter(&|v| format!("{v:.0}"))
        .label_style((FONT, px(17)))
        .axis_desc_style((FONT, px(20)))
        .y_label_formatter(&|v| format!("{v:.0e}"))
        .light_line_style(RGBColor(238, 238, 238).stroke_width(width(1)))
        .draw()
        .map_err(draw_err)?;
    for (i, s) in costs.iter().enumerate() {
        // The colours continue those of the signals panel, whose last series are the runs.
        let color = PALETTE[(signals.len().saturating_sub(costs.len()) + i) % PALETTE.len()];
        chart
            .draw_series(LineSeries::new(s.points(), color.stroke_width(width(3))))
            .map_err(draw_err)?
            .label(s.label.clone())
            .legend(move |(x, y)| {
                PathElement::new(vec![(x, y), (x + px(24), y)], color.stroke_width(width(3)))
            });
    }
    chart
        .configure_series_labels()
        .legend_area_size(px(30))
        .margin(px(10))
        .background_style(WHITE.mix(0.92))
        .border_style(RGBColor(160, 160, 160).stroke_width(width(1)))
        .label_font((FONT, px(18)))
        .position(SeriesLabelPosition::UpperRight)
        .draw()
        .map_err(draw_err)
}
