//! Figures drawn from the libraries' reports (the plot crate itself takes plain data).

use crate::DeconvReport;
use flipshift_plot::{Figure, PlotError, Series, Style};
use std::path::{Path, PathBuf};

/// Figure 6 of the teaching set, `deconvolution.svg` and `deconvolution.png` in `dir`: the truth,
/// the blurred noisy data and each reconstruction, and beside them each run's cost above its
/// final value per iteration. Returns the files written.
pub fn deconvolution(dir: &Path, report: &DeconvReport) -> Result<Vec<PathBuf>, PlotError> {
    let t = report.grid.points();
    let mut signals = vec![
        Series::new("truth", t.clone(), report.truth.clone(), Style::Line),
        Series::new(
            "blurred + noise (data)",
            t.clone(),
            report.data.clone(),
            Style::Thin,
        ),
    ];
    let mut costs = Vec::new();
    for r in &report.runs {
        let label = format!("{} (error {:.3})", r.regulariser.name(), r.rel_error);
        signals.push(Series::new(
            label.clone(),
            t.clone(),
            r.report.x.clone(),
            Style::Line,
        ));
        let it: Vec<f64> = (0..r.report.costs.len()).map(|i| i as f64).collect();
        let above: Vec<f64> = r.report.costs.iter().map(|c| c - r.report.cost).collect();
        costs.push(Series::new(label, it, above, Style::Line));
    }
    both(
        dir,
        "deconvolution",
        &flipshift_plot::deconvolution(
            "Deconvolution: Tikhonov against smoothed total variation",
            &signals,
            &costs,
        )?,
    )
}

/// Save one figure twice, as `dir/STEM.svg` and `dir/STEM.png` (anti-aliased); returns both
/// paths.
pub fn both(dir: &Path, stem: &str, figure: &Figure) -> Result<Vec<PathBuf>, PlotError> {
    ["svg", "png"]
        .iter()
        .map(|ext| {
            let p = dir.join(format!("{stem}.{ext}"));
            figure.save(&p).map(|()| p)
        })
        .collect()
}

/// Where an example writes its figures: the directory given as its first argument, or
/// `flipshift-examples`; created if missing.
pub fn example_dir() -> std::io::Result<PathBuf> {
    let dir = PathBuf::from(
        std::env::args()
            .nth(1)
            .unwrap_or_else(|| "flipshift-examples".into()),
    );
    std::fs::create_dir_all(&dir)?;
    Ok(dir)
}
