//! `demo`'s web page: the derivation typeset with KaTeX, the demo's own numbers and its
//! figures, in `DIR/index.html`, with KaTeX itself written next to it (`DIR/katex/`) so that the
//! page renders offline.
//!
//! The page is a template, `assets/report/index.html` (minijinja), with the style shared with
//! the lab (`assets/style.css`) and its script (`assets/report/report.js`) inlined; it is fed
//! with the libraries' own reports ([`GateauxReport`], [`AgreementReport`]), formatted here as
//! the story prints them. KaTeX 0.19.1 is vendored from its npm package under `assets/katex/`
//! (MIT licence, see `assets/katex/LICENSE`) and compiled into the binary.

use crate::assets;
use crate::error::CliError;
use crate::output::fmt_num;
use flipshift_continuous::GateauxReport;
use flipshift_discrete::AgreementReport;
use minijinja::{Value, context};
use std::path::{Path, PathBuf};

/// Everything one chapter of the demo computed, for the page.
#[derive(Debug, Clone)]
pub struct Chapter {
    /// "a Gaussian kernel", ...
    pub name: String,
    /// The kernel in the expression grammar.
    pub h_src: String,
    /// The kernel $h(t)$ in LaTeX.
    pub h_latex: String,
    /// The output time $t_0$.
    pub t0: f64,
    /// $z(t_0)$ and its error estimate.
    pub z: (f64, f64),
    /// $h(t_0 - \tau)$ in LaTeX.
    pub dz_latex: String,
    /// The Gateaux check of $\delta z(t_0)/\delta x$.
    pub point_eval: GateauxReport,
    /// $J[x]$ and its error estimate.
    pub j: (f64, f64),
    /// The points $s$ and $\delta J/\delta x(s)$ there.
    pub gradient: Vec<(f64, f64)>,
    /// The Gateaux check of $\delta J/\delta x$.
    pub lsgrad: GateauxReport,
    /// Continuous against discrete over a sequence of spacings.
    pub agreement: AgreementReport,
}

/// What the page shows besides the chapters.
#[derive(Debug, Clone)]
pub struct Figures {
    /// The figures drawn (`flip_shift` for `flip_shift.svg` and `.png`, ...); a figure the demo
    /// did not draw is left out of the page.
    pub stems: Vec<String>,
    /// The figures' kernel in LaTeX.
    pub kernel_latex: String,
    /// The figures' output time.
    pub t0: f64,
    /// The deconvolution's relative errors, as the story prints them ("data 0.292, ...").
    pub deconvolution_errors: String,
}

/// Write `dir/katex/...`; returns the files written.
pub fn write_katex(dir: &Path) -> Result<Vec<PathBuf>, CliError> {
    let mut written = Vec::new();
    for (rel, bytes) in assets::KATEX {
        let p = dir.join(rel);
        if let Some(parent) = p.parent() {
            std::fs::create_dir_all(parent).map_err(|e| CliError::io(parent, &e))?;
        }
        std::fs::write(&p, bytes).map_err(|e| CliError::io(&p, &e))?;
        written.push(p);
    }
    Ok(written)
}

/// A small positive number (an error, a discrepancy) as the story prints it: `1.2e-14`.
fn small(v: f64) -> String {
    format!("{v:.1e}")
}

/// A number as TeX: `2.5`, `-1`, `1.2\times 10^{-14}` for scientific notation.
fn tex_num(v: f64) -> String {
    tex_sci(&fmt_num(v))
}

/// `1.2e-14` as TeX: `1.2\times 10^{-14}`.
fn tex_sci(s: &str) -> String {
    match s.split_once('e') {
        Some((m, e)) => format!("{m}\\times 10^{{{e}}}"),
        None => s.to_string(),
    }
}

fn capitalise(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().chain(c).collect(),
        None => String::new(),
    }
}

/// A Gateaux check as the page prints it.
fn gateaux(g: &GateauxReport) -> Value {
    context! {
        directional => fmt_num(g.directional),
        inner_product => fmt_num(g.inner_product),
        rel_discrepancy => small(g.rel_discrepancy),
    }
}

/// The agreement report's table: per quantity, its errors and its order (or "rounding").
fn quantities(r: &AgreementReport) -> Value {
    Value::from_iter(r.quantities.iter().map(|q| {
        let order = match q.order {
            Some(p) => format!("{p:.2}"),
            None if q.rounding => "rounding".into(),
            None => "—".into(),
        };
        context! {
            name => q.quantity.name(),
            errors => Value::from_iter(q.errors.iter().map(|e| format!("{e:.3e}"))),
            order => order,
        }
    }))
}

fn chapter(c: &Chapter) -> Value {
    context! {
        name => capitalise(&c.name),
        h_src => c.h_src.clone(),
        h_latex => c.h_latex.clone(),
        t0 => tex_num(c.t0),
        z => tex_num(c.z.0),
        z_error => tex_sci(&small(c.z.1)),
        dz_latex => c.dz_latex.clone(),
        point_eval => gateaux(&c.point_eval),
        j => tex_num(c.j.0),
        j_error => tex_sci(&small(c.j.1)),
        gradient => Value::from_iter(
            c.gradient.iter().map(|(s, g)| Value::from_iter([fmt_num(*s), fmt_num(*g)])),
        ),
        lsgrad => gateaux(&c.lsgrad),
        deltas => Value::from_iter(c.agreement.deltas.iter().map(|d| fmt_num(*d))),
        quantities => quantities(&c.agreement),
    }
}

/// The formulas in the page's body: each `\(` or `\[` opens one.
fn count_formulas(html: &str) -> usize {
    let body = html
        .split_once("<main>")
        .map_or("", |(_, rest)| rest.split("</main>").next().unwrap_or(""));
    body.matches("\\(").count() + body.matches("\\[").count()
}

/// The page: the question, the derivation, the demo's numbers per chapter and every figure.
/// Returns the HTML and the number of formulas in it.
pub fn page(chapters: &[Chapter], figures: &Figures) -> Result<(String, usize), CliError> {
    let template_error = |e: minijinja::Error| CliError::Usage {
        message: format!("the page's template (assets/report/index.html) failed: {e:#}"),
    };
    let mut env = minijinja::Environment::new();
    env.add_template("index.html", assets::REPORT_TEMPLATE)
        .map_err(template_error)?;
    let template = env.get_template("index.html").map_err(template_error)?;
    let render = |formulas: usize| {
        template
            .render(context! {
                style => Value::from_safe_string(assets::STYLE.to_string()),
                script => Value::from_safe_string(assets::REPORT_SCRIPT.to_string()),
                formulas => formulas,
                version => env!("CARGO_PKG_VERSION"),
                figures => Value::from_iter(figures.stems.iter().cloned()),
                figure_kernel => figures.kernel_latex.clone(),
                figure_t0 => tex_num(figures.t0),
                deconvolution_errors => figures.deconvolution_errors.clone(),
                chapters => Value::from_iter(chapters.iter().map(chapter)),
            })
            .map_err(template_error)
    };
    // Rendered twice: the first time to count the formulas the second records on <body>.
    let formulas = count_formulas(&render(0)?);
    Ok((render(formulas)?, formulas))
}

/// Write `dir/index.html` and `dir/katex/...`; returns the page's path.
pub fn write(dir: &Path, chapters: &[Chapter], figures: &Figures) -> Result<PathBuf, CliError> {
    write_katex(dir)?;
    let (html, _) = page(chapters, figures)?;
    let p = dir.join("index.html");
    std::fs::write(&p, html).map_err(|e| CliError::io(&p, &e))?;
    Ok(p)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tex_numbers() {
        assert_eq!(tex_num(2.5), "2.5");
        assert_eq!(tex_num(1.5e-12), "1.5\\times 10^{-12}");
    }

    #[test]
    fn the_template_renders_its_prose_without_chapters() {
        let figures = Figures {
            stems: vec!["flip_shift".into()],
            kernel_latex: "e^{-t} < 1 & 2".into(),
            t0: 2.0,
            deconvolution_errors: String::new(),
        };
        let (html, formulas) = page(&[], &figures).unwrap_or_default();
        assert!(formulas > 30, "{formulas} formulas");
        assert!(html.contains(&format!("data-formulas=\"{formulas}\"")));
        // The figure that was drawn is on the page, as SVG; the others are left out.
        assert!(html.contains("<img src=\"flip_shift.svg\""));
        assert!(!html.contains("jacobian.svg") && !html.contains("id=\"deconvolution\""));
        // TeX from the engine is escaped for HTML (KaTeX reads the decoded text).
        assert!(html.contains("e^{-t} &lt; 1 &amp; 2"));
        // The shared style and the script are inlined as they are.
        assert!(html.contains(assets::STYLE.trim()) && html.contains("renderMathInElement"));
    }

    #[test]
    fn katex_assets_are_embedded() {
        let css = assets::KATEX
            .iter()
            .find(|(n, _)| *n == "katex/katex.min.css")
            .map(|(_, b)| String::from_utf8_lossy(b))
            .unwrap_or_default();
        assert!(!css.is_empty());
        // Every woff2 the stylesheet names is shipped.
        for url in css.split("url(").skip(1) {
            let file = url.split(')').next().unwrap_or_default();
            if file.ends_with(".woff2") {
                let shipped = format!("katex/{file}");
                assert!(
                    assets::KATEX.iter().any(|(n, _)| *n == shipped),
                    "{file} is missing"
                );
            }
        }
    }
}
