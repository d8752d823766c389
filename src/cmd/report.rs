//! `demo`'s web page: the derivation typeset with KaTeX, the demo's own numbers and its
//! figures, in `DIR/index.html`, with KaTeX itself written next to it (`DIR/katex/`) so that the
//! page renders offline.
//!
//! KaTeX 0.19.1 is vendored from its npm package under `assets/katex/` (MIT licence, see
//! `assets/katex/LICENSE`) and compiled into the binary.

use crate::error::CliError;
use crate::output::fmt_num;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

/// One Gateaux check as the demo printed it.
#[derive(Debug, Clone, Copy)]
pub struct Gateaux {
    /// $\frac{d}{d\varepsilon}F[x + \varepsilon\varphi]$ at 0.
    pub directional: f64,
    /// $\langle \delta F/\delta x, \varphi\rangle$.
    pub inner_product: f64,
    /// Their relative discrepancy.
    pub rel_discrepancy: f64,
}

/// One quantity's errors against the spacing, as the demo measured them.
#[derive(Debug, Clone)]
pub struct Convergence {
    /// `conv`, `derivative`, `lsgrad` or `hessian`.
    pub name: String,
    /// Relative max errors, aligned with the chapter's `deltas`.
    pub errors: Vec<f64>,
    /// The fitted order, if any.
    pub order: Option<f64>,
    /// Whether the errors reached rounding level.
    pub rounding: bool,
}

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
    pub point_eval: Gateaux,
    /// $J[x]$ and its error estimate.
    pub j: (f64, f64),
    /// The points $s$ and $\delta J/\delta x(s)$ there.
    pub gradient: Vec<(f64, f64)>,
    /// The Gateaux check of $\delta J/\delta x$.
    pub lsgrad: Gateaux,
    /// The spacings, largest first.
    pub deltas: Vec<f64>,
    /// The errors per quantity.
    pub convergence: Vec<Convergence>,
}

/// A figure of the page: file stem (`flip_shift` → `flip_shift.png`, `flip_shift.svg`), alt
/// text and caption (HTML with `\( \)` math).
#[derive(Debug, Clone)]
pub struct Figure {
    /// The file name without extension.
    pub stem: String,
    /// Alternative text.
    pub alt: String,
    /// The caption (HTML, may hold math).
    pub caption: String,
}

macro_rules! asset {
    ($path:literal) => {
        (
            $path,
            include_bytes!(concat!(env!("CARGO_MANIFEST_DIR"), "/assets/katex/", $path)) as &[u8],
        )
    };
}

/// KaTeX's files, relative to `DIR/katex/`.
pub const KATEX: &[(&str, &[u8])] = &[
    asset!("katex.min.css"),
    asset!("katex.min.js"),
    asset!("contrib/auto-render.min.js"),
    asset!("LICENSE"),
    asset!("fonts/KaTeX_AMS-Regular.woff2"),
    asset!("fonts/KaTeX_Caligraphic-Bold.woff2"),
    asset!("fonts/KaTeX_Caligraphic-Regular.woff2"),
    asset!("fonts/KaTeX_Fraktur-Bold.woff2"),
    asset!("fonts/KaTeX_Fraktur-Regular.woff2"),
    asset!("fonts/KaTeX_Main-Bold.woff2"),
    asset!("fonts/KaTeX_Main-BoldItalic.woff2"),
    asset!("fonts/KaTeX_Main-Italic.woff2"),
    asset!("fonts/KaTeX_Main-Regular.woff2"),
    asset!("fonts/KaTeX_Math-BoldItalic.woff2"),
    asset!("fonts/KaTeX_Math-Italic.woff2"),
    asset!("fonts/KaTeX_SansSerif-Bold.woff2"),
    asset!("fonts/KaTeX_SansSerif-Italic.woff2"),
    asset!("fonts/KaTeX_SansSerif-Regular.woff2"),
    asset!("fonts/KaTeX_Script-Regular.woff2"),
    asset!("fonts/KaTeX_Size1-Regular.woff2"),
    asset!("fonts/KaTeX_Size2-Regular.woff2"),
    asset!("fonts/KaTeX_Size3-Regular.woff2"),
    asset!("fonts/KaTeX_Size4-Regular.woff2"),
    asset!("fonts/KaTeX_Typewriter-Regular.woff2"),
];

/// Write `dir/katex/...`; returns the files written.
pub fn write_katex(dir: &Path) -> Result<Vec<PathBuf>, CliError> {
    let mut written = Vec::new();
    for (rel, bytes) in KATEX {
        let p = dir.join("katex").join(rel);
        if let Some(parent) = p.parent() {
            std::fs::create_dir_all(parent).map_err(|e| CliError::io(parent, &e))?;
        }
        std::fs::write(&p, bytes).map_err(|e| CliError::io(&p, &e))?;
        written.push(p);
    }
    Ok(written)
}

/// HTML-escape text (also inside math: auto-render reads the decoded text).
fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// A number for a table cell, exactly as the story prints it.
fn num(v: f64) -> String {
    esc(&fmt_num(v))
}

/// A small positive number (an error, a discrepancy) as the story prints it: `1.2e-14`.
fn small(v: f64) -> String {
    format!("{v:.1e}")
}

/// A number as TeX: `2.5`, `-1`, `10^{-3}`-style for scientific notation.
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

const STYLE: &str = r#"
:root { --ink: #1f2328; --muted: #5b6169; --rule: #e3e5e8; --accent: #1f5fa8; --paper: #fcfcfa; }
* { box-sizing: border-box; }
html { background: var(--paper); }
body { margin: 0; color: var(--ink);
  font: 18px/1.62 "Charter", "Bitstream Charter", "Iowan Old Style", "Palatino Linotype", Palatino, "DejaVu Serif", Georgia, serif;
  font-kerning: normal; text-rendering: optimizeLegibility; }
main { max-width: 44rem; margin: 0 auto; padding: 3rem 1.25rem 4rem; }
header { margin-bottom: 2.5rem; }
h1 { font-size: 2.1rem; line-height: 1.2; margin: 0 0 .6rem; letter-spacing: -.01em; }
.lede { font-size: 1.12rem; color: var(--muted); margin: 0; }
h2 { font-size: 1.35rem; margin: 3rem 0 .8rem; padding-bottom: .25rem; border-bottom: 1px solid var(--rule); }
h3 { font-size: 1.1rem; margin: 2rem 0 .5rem; }
p { margin: .8rem 0; hyphens: auto; }
a { color: var(--accent); }
code { font: .86em/1.4 ui-monospace, "DejaVu Sans Mono", Menlo, Consolas, monospace;
  background: #f1f2f4; padding: .08em .3em; border-radius: 3px; }
.katex { font-size: 1.08em; }
.katex-display { margin: 1.1rem 0; overflow-x: auto; overflow-y: hidden; padding: .15rem 0; }
.result { background: #f3f7fc; border-left: 3px solid var(--accent); padding: .2rem 1rem; margin: 1.2rem 0; }
figure { margin: 2.2rem 0; width: min(58rem, calc(100vw - 2rem)); position: relative;
  left: 50%; transform: translateX(-50%); }
figure img { display: block; width: 100%; height: auto; border: 1px solid var(--rule); border-radius: 4px; background: #fff; }
figcaption { max-width: 44rem; margin: .6rem auto 0; font-size: .92rem; line-height: 1.5; color: var(--muted); }
figcaption b { color: var(--ink); }
table { border-collapse: collapse; margin: 1rem 0; font-size: .92rem; font-variant-numeric: tabular-nums; width: 100%; }
th, td { padding: .32rem .6rem; border-bottom: 1px solid var(--rule); text-align: left; vertical-align: baseline; }
th { font-weight: 600; border-bottom: 2px solid #c9ced4; }
td.n, th.n { text-align: right; font-family: ui-monospace, "DejaVu Sans Mono", Menlo, monospace; font-size: .88em; }
tr.order td { border-top: 2px solid #c9ced4; font-weight: 600; }
.kernel { font-size: 1.05rem; }
footer { margin-top: 3.5rem; padding-top: 1rem; border-top: 1px solid var(--rule); font-size: .85rem; color: var(--muted); }
@media print { figure { width: 100%; left: 0; transform: none; } }
"#;

/// Renders the maths, then records on `<body>` what a test (or a curious reader) can check:
/// `data-math-ok` (typeset formulas), `data-math-errors`, `data-math-raw` (delimiters left
/// untypeset), `data-images-ok` ("loaded/total") and `data-katex-fonts` (KaTeX fonts loaded).
const SCRIPT: &str = r#"
document.addEventListener("DOMContentLoaded", function () {
  var body = document.body;
  if (typeof renderMathInElement === "function") {
    renderMathInElement(body, {
      delimiters: [
        { left: "\\[", right: "\\]", display: true },
        { left: "\\(", right: "\\)", display: false }
      ],
      throwOnError: false
    });
  }
  body.setAttribute("data-math-ok", String(document.querySelectorAll(".katex").length));
  body.setAttribute("data-math-errors", String(document.querySelectorAll(".katex-error").length));
  var raw = 0;
  document.querySelectorAll("main p, main li, main td, main th, main figcaption, main div.math").forEach(function (el) {
    var clone = el.cloneNode(true);
    clone.querySelectorAll(".katex").forEach(function (k) { k.remove(); });
    if (/\\\(|\\\[/.test(clone.textContent)) { raw += 1; }
  });
  body.setAttribute("data-math-raw", String(raw));
});
window.addEventListener("load", function () {
  var imgs = Array.prototype.slice.call(document.images);
  var ok = imgs.filter(function (i) { return i.complete && i.naturalWidth > 0; }).length;
  document.body.setAttribute("data-images-ok", ok + "/" + imgs.length);
  var fonts = 0;
  if (document.fonts) {
    document.fonts.forEach(function (f) { if (/^KaTeX/.test(f.family) && f.status === "loaded") { fonts += 1; } });
  }
  document.body.setAttribute("data-katex-fonts", String(fonts));
});
"#;

/// The page's text with its formulas counted as they are written.
struct Page {
    html: String,
    formulas: usize,
}

impl Page {
    /// Inline math.
    fn m(&mut self, tex: &str) -> String {
        self.formulas += 1;
        format!("\\({}\\)", esc(tex))
    }

    /// Display math, as its own block.
    fn dm(&mut self, tex: &str) -> String {
        self.formulas += 1;
        format!("<div class=\"math\">\\[{}\\]</div>\n", esc(tex))
    }

    /// Push HTML in which `$…$` marks inline math (converted to `\(…\)` and counted).
    fn p(&mut self, html: &str) {
        let mut parts = html.split('$');
        if let Some(first) = parts.next() {
            self.html.push_str(first);
        }
        let mut math = true;
        for part in parts {
            if math {
                let m = self.m(part);
                self.html.push_str(&m);
            } else {
                self.html.push_str(part);
            }
            math = !math;
        }
    }

    /// Push display math.
    fn d(&mut self, tex: &str) {
        let m = self.dm(tex);
        self.html.push_str(&m);
    }

    fn figure(&mut self, f: &Figure) {
        let _ = write!(
            self.html,
            "<figure id=\"fig-{stem}\"><a href=\"{stem}.svg\"><img src=\"{stem}.png\" alt=\"{alt}\" width=\"1100\" height=\"680\"></a>\n<figcaption>",
            stem = esc(&f.stem),
            alt = esc(&f.alt)
        );
        self.p(&f.caption);
        self.html.push_str("</figcaption></figure>\n");
    }
}

/// The figures the demo draws, with their captions; `t0` is the figures' output time and
/// `h_latex` their kernel.
pub fn figures(h_latex: &str, t0: f64) -> Vec<Figure> {
    let t0s = fmt_num(t0);
    let fig = |stem: &str, alt: &str, caption: String| Figure {
        stem: stem.into(),
        alt: alt.into(),
        caption,
    };
    vec![
        fig(
            "flip_shift",
            "h, its reversal and the reversal shifted to t0",
            format!(
                "<b>The flip and the shift.</b> The one-sided kernel $h(t) = {h_latex}$ (solid), \
                 reversed to $h(-\\tau)$ (dashed), then shifted to $t_0 = {t0s}$: the last curve \
                 is $\\delta z(t_0)/\\delta x(\\tau) = h(t_0 - \\tau)$. The output at $t_0$ feels the \
                 signal only before $t_0 - \\tfrac12$, and most strongly just before it."
            ),
        ),
        fig(
            "jacobian",
            "the Toeplitz matrix H as a heat map, one row against h(t0 - tau)",
            format!(
                "<b>The Jacobian is $H$.</b> The Toeplitz matrix of the sampled kernel \
                 ($\\Delta = \\tfrac14$) as a heat map, with the row of $t_k = t_0 = {t0s}$ \
                 outlined; beside it, that row's entries (markers) lie on the continuous \
                 $h(t_0 - \\tau)$ (line)."
            ),
        ),
        fig(
            "conv_compare",
            "the sampled convolution approaching the continuous one",
            "<b>Sampling converges.</b> $z = h*x$ with $x(t) = e^{-t^2}$ by adaptive quadrature \
             (line), and $\\Delta\\,(h_\\Delta * x_\\Delta)$ for $\\Delta = \\tfrac12$ and \
             $\\tfrac14$ (markers)."
                .into(),
        ),
        fig(
            "gradient",
            "the continuous least-squares gradient against the discrete ones",
            "<b>The least-squares gradient, continuous and discrete.</b> \
             $\\delta J/\\delta x(s) = (Rh * r)(s)$ by quadrature (line) against \
             $\\tfrac1\\Delta \\nabla J_\\Delta = \\Delta H^\\top(\\Delta H x - y)$ for \
             $\\Delta = \\tfrac12, \\tfrac14$ (markers), with $y(t) = 0.8\\,e^{-(t-1)^2}$."
                .into(),
        ),
        fig(
            "convergence",
            "relative errors against the spacing on log-log axes",
            "<b>Continuous against discrete.</b> Relative max errors of the four discrete \
             quantities against their continuous limits as $\\Delta$ halves, on log–log axes, \
             with the fitted orders. Errors at rounding level get no order."
                .into(),
        ),
    ]
}

fn gateaux_table(page: &mut Page, what: [&str; 2], g: &Gateaux) {
    page.html.push_str("<table><tbody>\n");
    for (label, v) in [
        (what[0], fmt_num(g.directional)),
        (what[1], fmt_num(g.inner_product)),
        ("relative discrepancy", small(g.rel_discrepancy)),
    ] {
        page.html.push_str("<tr><td>");
        page.p(label);
        let _ = writeln!(page.html, "</td><td class=\"n\">{}</td></tr>", esc(&v));
    }
    page.html.push_str("</tbody></table>\n");
}

fn chapter_html(page: &mut Page, i: usize, c: &Chapter) {
    let t0 = tex_num(c.t0);
    let _ = writeln!(
        page.html,
        "<h3 id=\"chapter-{i}\">{}. {}</h3>",
        i + 1,
        esc(&capitalise(&c.name))
    );
    page.p(&format!(
        "<p class=\"kernel\">$h(t) = {}$ <span class=\"src\">(<code>{}</code>)</span>, \
         $x(t) = e^{{-t^2}}$, $y(t) = 0.8\\,e^{{-(t-1)^2}}$, $t_0 = {t0}$.</p>\n",
        c.h_latex,
        esc(&c.h_src)
    ));
    page.p(&format!(
        "<p>The convolution at $t_0$ by adaptive Gauss–Legendre quadrature split at the \
         kernel's breakpoints: $z({t0}) = {}$, with error estimate ${}$. Its functional \
         derivative, in closed form:</p>\n",
        tex_num(c.z.0),
        tex_sci(&small(c.z.1))
    ));
    page.d(&format!(
        "\\frac{{\\delta z({t0})}}{{\\delta x(\\tau)}} = h({t0} - \\tau) = {}",
        c.dz_latex
    ));
    page.p(
        "<p>The Gateaux check along the bump $\\varphi$ compares the directional derivative, \
         from Richardson-extrapolated central differences of the functional itself, with the \
         inner product of the claimed derivative and $\\varphi$:</p>\n",
    );
    gateaux_table(
        page,
        [
            "$\\frac{d}{d\\varepsilon} z[x + \\varepsilon\\varphi](t_0)$",
            "$\\int h(t_0 - \\tau)\\,\\varphi(\\tau)\\,d\\tau$",
        ],
        &c.point_eval,
    );
    page.p(&format!(
        "<p>The least-squares cost is $J[x] = {}$ (error estimate ${}$), and its gradient \
         $\\delta J/\\delta x(s) = (Rh * r)(s)$ at a few points:</p>\n",
        tex_num(c.j.0),
        tex_sci(&small(c.j.1))
    ));
    page.html.push_str("<table><thead><tr><th class=\"n\">");
    page.p("$s$</th><th class=\"n\">$\\delta J/\\delta x(s)$");
    page.html.push_str("</th></tr></thead><tbody>\n");
    for (s, g) in &c.gradient {
        let _ = writeln!(
            page.html,
            "<tr><td class=\"n\">{}</td><td class=\"n\">{}</td></tr>",
            num(*s),
            num(*g)
        );
    }
    page.html.push_str("</tbody></table>\n");
    gateaux_table(
        page,
        [
            "$\\frac{d}{d\\varepsilon} J[x + \\varepsilon\\varphi]$",
            "$\\langle \\delta J/\\delta x, \\varphi\\rangle$",
        ],
        &c.lsgrad,
    );
    page.p(
        "<p>Continuous against discrete (point samples): relative max errors of \
         $\\Delta\\,(h_\\Delta * x_\\Delta)$ against $z$ (conv), of the rows of $H$ against \
         $h(t_k - \\tau_j)$ (derivative), of $\\tfrac1\\Delta\\nabla J_\\Delta$ against \
         $\\delta J/\\delta x$ (lsgrad) and of $\\Delta\\,H^\\top H$ against $Rh * h$ \
         (hessian):</p>\n",
    );
    page.html.push_str("<table><thead><tr><th class=\"n\">");
    page.p("$\\Delta$");
    page.html.push_str("</th>");
    for q in &c.convergence {
        let _ = write!(page.html, "<th class=\"n\">{}</th>", esc(&q.name));
    }
    page.html.push_str("</tr></thead><tbody>\n");
    for (k, d) in c.deltas.iter().enumerate() {
        let _ = write!(page.html, "<tr><td class=\"n\">{}</td>", num(*d));
        for q in &c.convergence {
            let e = q
                .errors
                .get(k)
                .map_or("—".to_string(), |e| format!("{e:.3e}"));
            let _ = write!(page.html, "<td class=\"n\">{e}</td>");
        }
        page.html.push_str("</tr>\n");
    }
    page.html
        .push_str("<tr class=\"order\"><td class=\"n\">order</td>");
    for q in &c.convergence {
        let v = match q.order {
            Some(p) => format!("{p:.2}"),
            None if q.rounding => "rounding".into(),
            None => "—".into(),
        };
        let _ = write!(page.html, "<td class=\"n\">{v}</td>");
    }
    page.html.push_str("</tr>\n</tbody></table>\n");
}

fn capitalise(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().chain(c).collect(),
        None => String::new(),
    }
}

/// The page: the question, the derivation, the demo's numbers per chapter and every figure.
/// Returns the HTML and the number of formulas in it.
pub fn page(chapters: &[Chapter], figs: &[Figure]) -> (String, usize) {
    let mut pg = Page {
        html: String::new(),
        formulas: 0,
    };
    let fig = |stem: &str| figs.iter().find(|f| f.stem == stem);
    let p = &mut pg;

    p.p(
        "<header>\n<h1>The derivative of a convolution with respect to the signal</h1>\n\
         <p class=\"lede\">If $z = h * x$, what is $\\delta z(t_0)/\\delta x(\\tau)$? The kernel, \
         reversed, then shifted. Here is why, in the continuous and the discrete setting, with \
         the numbers <code>flipshift demo</code> computed to check it.</p>\n</header>\n",
    );

    p.html
        .push_str("<h2 id=\"question\">1. The question</h2>\n");
    p.p("<p>For a kernel $h$ and a signal $x$ on the real line, the convolution is</p>\n");
    p.d("z(t) = (h * x)(t) = \\int_{-\\infty}^{\\infty} h(t - \\tau)\\, x(\\tau)\\, d\\tau .");
    p.p(
        "<p>Fix an output time $t_0$. How does $z(t_0)$ respond when the signal changes near \
         $\\tau$? That response is the functional derivative \
         $\\delta z(t_0)/\\delta x(\\tau)$; for vectors it is the Jacobian \
         $\\partial z/\\partial x$, and in a least-squares fit it is what turns residuals into a \
         gradient.</p>\n",
    );

    p.html
        .push_str("<h2 id=\"continuous\">2. A linear functional's derivative is its kernel</h2>\n");
    p.p(
        "<p>The map $x \\mapsto z(t_0)$ is linear. Perturb the signal in a direction \
         $\\varphi$:</p>\n",
    );
    p.d(
        "z[x + \\varepsilon\\varphi](t_0) = z[x](t_0) + \\varepsilon \\int h(t_0 - \\tau)\\, \
         \\varphi(\\tau)\\, d\\tau ,",
    );
    p.p(
        "<p>exactly, for every $\\varepsilon$. The directional (Gateaux) derivative is \
         therefore</p>\n",
    );
    p.d(
        "\\frac{d}{d\\varepsilon}\\, z[x + \\varepsilon\\varphi](t_0)\\Big|_{\\varepsilon = 0} \
         = \\int h(t_0 - \\tau)\\, \\varphi(\\tau)\\, d\\tau \
         = \\Big\\langle \\frac{\\delta z(t_0)}{\\delta x}, \\varphi \\Big\\rangle ,",
    );
    p.p(
        "<p>and the functional derivative is, by definition, the function that represents \
         this directional derivative under $\\langle u, v\\rangle = \\int u(t)\\, v(t)\\, dt$. \
         With the reversal $(Rf)(t) = f(-t)$ and the shift $(S_{t_0} f)(t) = f(t - t_0)$:</p>\n",
    );
    p.html.push_str("<div class=\"result\">\n");
    p.d("\\frac{\\delta z(t_0)}{\\delta x(\\tau)} = h(t_0 - \\tau) = (S_{t_0} R\\, h)(\\tau) .");
    p.html.push_str("</div>\n");
    p.p(
        "<p>Indeed $(S_{t_0} R h)(\\tau) = (Rh)(\\tau - t_0) = h(t_0 - \\tau)$. The order \
         matters: shifting first and reversing after gives $(R S_{t_0} h)(\\tau) = \
         h(-\\tau - t_0)$, the mirror image about the wrong point.</p>\n",
    );
    if let Some(f) = fig("flip_shift") {
        p.figure(f);
    }

    p.p("<h2 id=\"discrete\">3. The discrete answer: the Jacobian is $H$</h2>\n");
    p.p(
        "<p>For vectors $x \\in \\mathbb{R}^n$ and $h \\in \\mathbb{R}^m$, the full \
         convolution $z_k = \\sum_j h_{k-j}\\, x_j$ (with $h_i = 0$ outside $0 \\le i < m$) is \
         $z = Hx$ with the $(n + m - 1) \\times n$ Toeplitz matrix — here for $n = m = 3$:</p>\n",
    );
    p.d(
        "H = \\begin{pmatrix} h_0 & 0 & 0 \\\\ h_1 & h_0 & 0 \\\\ h_2 & h_1 & h_0 \\\\ \
         0 & h_2 & h_1 \\\\ 0 & 0 & h_2 \\end{pmatrix}, \\qquad H_{kj} = h_{k-j} .",
    );
    p.p("<p>Since $z$ is linear in $x$, its Jacobian is the matrix itself:</p>\n");
    p.html.push_str("<div class=\"result\">\n");
    p.d("\\frac{\\partial z_k}{\\partial x_j} = H_{kj} = h_{k-j} .");
    p.html.push_str("</div>\n");
    p.p(
        "<p>Read along row $k$, $j \\mapsto h_{k-j}$ is the kernel reversed and shifted to \
         $k$: the discrete twin of $h(t_0 - \\tau)$. On a grid $t_k = k\\Delta$ the sum \
         $\\Delta\\,(h_\\Delta * x_\\Delta)_k = \\Delta \\sum_j h(t_k - \\tau_j)\\, x(\\tau_j)$ \
         is a Riemann sum for $z(t_k)$, and row $k$ of $H$ holds the very samples \
         $h(t_k - \\tau_j)$ of the continuous derivative.</p>\n",
    );
    for stem in ["jacobian", "conv_compare"] {
        if let Some(f) = fig(stem) {
            p.figure(f);
        }
    }

    p.html.push_str(
        "<h2 id=\"least-squares\">4. Least squares: the gradient is a correlation</h2>\n",
    );
    p.p(
        "<p>Fitting $x$ to data $y$ by minimising $J(x) = \\tfrac12 \\|h * x - y\\|^2 = \
         \\tfrac12 \\|Hx - y\\|^2$: with the residual $r = Hx - y$, $dJ = r^\\top H\\, dx$, \
         so</p>\n",
    );
    p.html.push_str("<div class=\"result\">\n");
    p.d("\\nabla_x J = H^\\top (Hx - y) = H^\\top r, \\qquad (H^\\top r)_j = \\sum_k h_{k-j}\\, r_k ,");
    p.html.push_str("</div>\n");
    p.p(
        "<p>the correlation of $h$ with the residual: applying $H^\\top$ never needs the \
         matrix. In the continuous setting, $J[x] = \\tfrac12 \\int \\big((h * x)(t) - \
         y(t)\\big)^2 dt$ and $r = h * x - y$; perturbing along $\\varphi$,</p>\n",
    );
    p.d(
        "\\frac{d}{d\\varepsilon} J[x + \\varepsilon\\varphi]\\Big|_{\\varepsilon = 0} \
         = \\int r(t)\\, (h * \\varphi)(t)\\, dt \
         = \\int \\varphi(s) \\Big( \\int h(t - s)\\, r(t)\\, dt \\Big) ds ,",
    );
    p.p("<p>so</p>\n");
    p.html.push_str("<div class=\"result\">\n");
    p.d("\\frac{\\delta J}{\\delta x(s)} = \\int h(t - s)\\, r(t)\\, dt = (Rh * r)(s) .");
    p.html.push_str("</div>\n");
    p.p(
        "<p>$H^\\top$ is the discrete $Rh\\,*$: sampled on a grid of spacing $\\Delta$, \
         $\\tfrac1\\Delta \\nabla J_\\Delta = \\Delta H^\\top(\\Delta H x - y) \\to \\delta J / \
         \\delta x$.</p>\n",
    );
    if let Some(f) = fig("gradient") {
        p.figure(f);
    }

    p.html
        .push_str("<h2 id=\"numbers\">5. The demo's numbers</h2>\n");
    p.p(
        "<p>Each claim above is checked numerically, for two kernels, with the signal \
         $x(t) = e^{-t^2}$, the data $y(t) = 0.8\\,e^{-(t-1)^2}$, $t_0 = 1$ and the test \
         direction $\\varphi(t) = \\exp\\big(-1/(1 - u^2)\\big)$ for $|u| < 1$, \
         $u = t - \\tfrac12$, a smooth bump supported on $[-\\tfrac12, \\tfrac32]$. These are the values \
         <code>flipshift demo</code> printed (and saved in <code>story.txt</code> and \
         <code>summary.json</code>).</p>\n",
    );
    for (i, c) in chapters.iter().enumerate() {
        chapter_html(p, i, c);
    }

    p.html.push_str(
        "<h2 id=\"orders\">6. Continuous and discrete agree — at predicted orders</h2>\n",
    );
    p.p(
        "<p>The sampled convolution $\\Delta \\sum_j h(t_k - \\tau_j)\\, x(\\tau_j)$ is a \
         trapezoidal rule on the whole line for $\\int h(t_k - \\tau)\\, x(\\tau)\\, d\\tau$. \
         The Gaussian's errors reach rounding level almost at once: the trapezoidal rule \
         converges geometrically for smooth, decaying integrands. The one-sided kernel's jump \
         sits on the grid with $\\mathrm{step}(0) = \\tfrac12$, the mean of the one-sided \
         limits, so its errors fall as $\\Delta^2$. Its Hessian entry at lag $0$ is \
         $\\Delta \\sum_k h_k^2$, where the jump contributes $h(\\tfrac12)^2 = \\tfrac14$ \
         instead of the mean $\\tfrac12$ of the one-sided limits of $h^2$: that single sample \
         costs first order. The derivative needs no limit at all: row $k$ of $H$ holds exact \
         samples of $h(t_k - \\tau)$.</p>\n",
    );
    if let Some(f) = fig("convergence") {
        p.figure(f);
    }
    if let Some(f) = fig("deconvolution") {
        p.html
            .push_str("<h2 id=\"deconvolution\">7. The gradient at work: deconvolution</h2>\n");
        p.p(
            "<p>The adjoint is what undoes a blur. Blur a box and a triangle with a Gaussian, \
             $y = h * x_{\\text{true}} + \\text{noise}$, and recover $x$ by minimising, on the \
             grid,</p>\n",
        );
        p.d(
            "J_\\Delta(x) = \\tfrac{\\Delta}{2}\\,\\lVert \\Delta H x - y\\rVert^2 + \\Delta \\sum_j L\\big(x_j, (x_{j+1} - x_j)/\\Delta\\big),",
        );
        p.p("<p>whose gradient starts with the adjoint applied to the residual,</p>\n");
        p.d("\\nabla J_\\Delta(x) = \\Delta^2 H^\\top(\\Delta H x - y) + (\\text{the regulariser's part}),");
        p.p(
            "<p>with L-BFGS, once with Tikhonov $L = \\tfrac{\\lambda}{2} x'^2$ and once with \
             smoothed total variation $L = \\lambda\\sqrt{\\varepsilon^2 + x'^2}$. Every \
             iteration needs $H^\\top$ applied to a residual: the correlation with $h$, the \
             same kernel reversed.</p>\n",
        );
        p.figure(f);
    }
    let _ = writeln!(
        p.html,
        "<footer>Written by <code>flipshift demo</code> (flipshift {}). Mathematics typeset by \
         KaTeX 0.19.1 (MIT licence), shipped in <code>katex/</code> next to this page: it \
         renders offline. Each figure links to its SVG version. The same story as plain text is \
         in <code>story.txt</code>, its numbers in <code>summary.json</code>.</footer>",
        env!("CARGO_PKG_VERSION")
    );
    let formulas = pg.formulas;
    let html = format!(
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <title>flipshift — the derivative of a convolution</title>\n\
         <link rel=\"stylesheet\" href=\"katex/katex.min.css\">\n\
         <style>{STYLE}</style>\n\
         <script defer src=\"katex/katex.min.js\"></script>\n\
         <script defer src=\"katex/contrib/auto-render.min.js\"></script>\n\
         <script>{SCRIPT}</script>\n</head>\n<body data-formulas=\"{formulas}\">\n<main>\n{}</main>\n</body>\n</html>\n",
        pg.html
    );
    (html, formulas)
}

/// Write `dir/index.html` and `dir/katex/...`; returns the page's path.
pub fn write(dir: &Path, chapters: &[Chapter], figs: &[Figure]) -> Result<PathBuf, CliError> {
    write_katex(dir)?;
    let (html, _) = page(chapters, figs);
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
    fn dollars_become_counted_math() {
        let mut p = Page {
            html: String::new(),
            formulas: 0,
        };
        p.p("a $x < y$ and $z$.");
        assert_eq!(p.html, "a \\(x &lt; y\\) and \\(z\\).");
        assert_eq!(p.formulas, 2);
    }

    #[test]
    fn katex_assets_are_embedded() {
        assert!(KATEX.iter().all(|(_, b)| !b.is_empty()));
        let css = KATEX.iter().find(|(n, _)| *n == "katex.min.css");
        let css = css
            .map(|(_, b)| String::from_utf8_lossy(b))
            .unwrap_or_default();
        // Every woff2 the stylesheet names is shipped.
        for url in css.split("url(").skip(1) {
            let file = url.split(')').next().unwrap_or_default();
            if file.ends_with(".woff2") {
                assert!(KATEX.iter().any(|(n, _)| *n == file), "{file} is missing");
            }
        }
    }
}
