//! Properties of the expression engine over generated inputs: no input makes the parser panic,
//! printing in the grammar's syntax parses back to an expression of equal value (derivatives
//! included), and every derivative agrees with a finite difference at random points.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use flipshift_continuous::{Expr, Func};
use proptest::prelude::*;

/// Random expression trees in `t`, built directly (not through the parser) so that the printer
/// meets shapes the parser would never produce: negated products in exponents, negative
/// numbers as operands, internal functions such as `sgn` and `sinc′`.
fn tree() -> impl Strategy<Value = Expr> {
    tree_of(&[
        Func::Exp,
        Func::Log,
        Func::Sqrt,
        Func::Abs,
        Func::Sin,
        Func::Cos,
        Func::Tan,
        Func::Tanh,
        Func::Erf,
        Func::Step,
        Func::Rect,
        Func::Tri,
        Func::Sinc,
        Func::Gauss,
        Func::Sign,
    ])
}

/// Trees that also call `sinc′` and `sinc″` directly. Their ascii spelling is a different
/// formula (equal up to rounding), so inside a jump function such as `rect(sinc″(2))`, whose
/// argument is exactly −1/2 one way and −1/2 − 1 ulp the other, the two sides may legitimately
/// differ; these trees are only printed and re-parsed, not compared.
fn tree_with_internal_functions() -> impl Strategy<Value = Expr> {
    tree_of(&[
        Func::Exp,
        Func::Rect,
        Func::Sinc,
        Func::SincD1,
        Func::SincD2,
        Func::Sign,
    ])
}

fn tree_of(funcs: &[Func]) -> impl Strategy<Value = Expr> {
    let funcs = funcs.to_vec();
    let leaf = prop_oneof![
        Just(Expr::var("t")),
        (-3i32..=3).prop_map(|k| Expr::num(f64::from(k))),
        Just(Expr::num(0.5)),
        Just(Expr::num(-2.5)),
        Just(Expr::Const {
            name: "pi".into(),
            value: std::f64::consts::PI
        }),
    ];
    leaf.prop_recursive(5, 32, 2, move |inner| {
        prop_oneof![
            inner.clone().prop_map(|a| -a),
            (inner.clone(), inner.clone()).prop_map(|(a, b)| a + b),
            (inner.clone(), inner.clone()).prop_map(|(a, b)| a - b),
            (inner.clone(), inner.clone()).prop_map(|(a, b)| a * b),
            (inner.clone(), inner.clone()).prop_map(|(a, b)| a / b),
            (inner.clone(), inner.clone()).prop_map(|(a, b)| a.pow(b)),
            (0..funcs.len(), inner).prop_map({
                let funcs = funcs.clone();
                move |(i, a)| Expr::call(funcs[i], a)
            }),
        ]
    })
}

/// Equal values. The printer never re-associates (it only adds parentheses), so a parsed
/// tree is the printed tree and most values agree bit for bit. The licence is for the ascii
/// spelling of the internal functions (`sgn(u)` as `2·step(u) − 1`, `sinc′`/`sinc″` by their
/// closed forms): those differ by a few roundings of terms of size ≲ π²·|sinc| ≤ 10, which
/// subsequent operations in a tree of at most 32 nodes can amplify; 1e-9 relative to the
/// larger value (or to 1) is far above that and far below any printing mistake, which changes
/// values at O(1). Infinite values (from a literal 1/0) compare only as "both non-finite".
fn same(a: f64, b: f64) -> bool {
    a == b
        || (!a.is_finite() && !b.is_finite())
        || (a - b).abs() <= 1e-9 * a.abs().max(b.abs()).max(1.0)
}

const POINTS: [f64; 5] = [-1.7, -0.45, 0.3, 0.77, 2.1];

proptest! {
    #![proptest_config(ProptestConfig { cases: 2000, ..ProptestConfig::default() })]

    #[test]
    fn parsing_any_unicode_text_never_panics(s in "\\PC{0,40}") {
        let _ = Expr::parse(&s);
    }

    #[test]
    fn parsing_token_soup_never_panics(s in "(t|x|pi|e|[0-9]|\\.|e-|[-+*/^()]| |exp|sinc|step|\\(t\\)){0,30}") {
        if let Ok(e) = Expr::parse(&s) {
            // Whatever parses can be printed, simplified, differentiated and compiled.
            let _ = (e.to_unicode(), e.to_latex(), e.to_ascii(), e.simplify(), e.diff("t"));
            let _ = e.compile().map(|c| c.expr().to_ascii());
            let _ = (e.support(), e.breakpoints());
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 1000, ..ProptestConfig::default() })]

    #[test]
    fn ascii_printing_of_any_tree_parses_back_to_equal_values(e in tree()) {
        let text = e.to_ascii();
        let back = Expr::parse(&text).map_err(|err| TestCaseError::fail(format!("{text}: {err}")))?;
        for t in POINTS {
            let (a, b) = (e.eval_at(t), back.eval_at(t));
            // The ascii spellings of sgn and sinc′ are 0/0 at their argument's zero: skip NaN there.
            prop_assert!(same(a, b) || b.is_nan(), "{:?}\n printed {}\n at t = {}: {} vs {}", e, text, t, a, b);
        }
    }

    #[test]
    fn ascii_printing_of_derivatives_parses_back(e in tree()) {
        let d = e.diff("t");
        let text = d.to_ascii();
        let back = Expr::parse(&text).map_err(|err| TestCaseError::fail(format!("{text}: {err}")))?;
        for t in POINTS {
            let (a, b) = (d.eval_at(t), back.eval_at(t));
            prop_assert!(same(a, b) || b.is_nan(), "d/dt {}\n = {}\n printed {}\n at t = {}: {} vs {}", e, d, text, t, a, b);
        }
    }

    #[test]
    fn internal_functions_print_as_parseable_ascii(e in tree_with_internal_functions()) {
        let text = e.to_ascii();
        prop_assert!(Expr::parse(&text).is_ok(), "{}", text);
        let d = e.diff("t").to_ascii();
        prop_assert!(Expr::parse(&d).is_ok(), "{}", d);
    }

    #[test]
    fn simplifying_never_changes_a_defined_value(e in tree()) {
        let s = e.simplify();
        for t in POINTS {
            if singular(&e, t) {
                continue;
            }
            let (a, b) = (e.eval_at(t), s.eval_at(t));
            // Simplification may cancel a removable 0/0 (a − a → 0, a/a → 1) or fold constants
            // in another order; a finite value must survive to 1e-9 relative (folding reorders
            // at most a handful of roundings, but cancellation a − a can expose their sum
            // relative to the largest intermediate, which the tree's size bounds by ~1e3).
            prop_assert!(!a.is_finite() || same(a, b), "{}\n simplified {}\n at t = {}: {} vs {}", e, s, t, a, b);
        }
    }
}

/// Whether evaluating `e` at `t` divides by zero, raises zero to a negative power or takes a
/// logarithm of zero somewhere: IEEE arithmetic then gives ±∞ with a sign taken from a signed
/// zero (t/(−0) = +∞ for t < 0), which a finite value downstream (tanh(±∞) = ±1) can hide, and
/// constant folding need not keep the sign of a zero. Such a value is not defined.
fn singular(e: &Expr, t: f64) -> bool {
    match e {
        Expr::Num(_) | Expr::Const { .. } | Expr::Var(_) => false,
        Expr::Neg(a) => singular(a, t),
        Expr::Call(f, a) => (matches!(f, Func::Log) && a.eval_at(t) == 0.0) || singular(a, t),
        Expr::Div(a, b) => b.eval_at(t) == 0.0 || singular(a, t) || singular(b, t),
        Expr::Pow(a, b) => {
            (a.eval_at(t) == 0.0 && b.eval_at(t) < 0.0) || singular(a, t) || singular(b, t)
        }
        Expr::Add(a, b) | Expr::Sub(a, b) | Expr::Mul(a, b) => singular(a, t) || singular(b, t),
    }
}

/// Pathological nesting is a parse error with a column, never a stack overflow (which would
/// abort the process rather than panic).
#[test]
fn deep_nesting_is_an_error_not_a_stack_overflow() {
    let n = 100_000;
    for src in [
        format!("{}t{}", "(".repeat(n), ")".repeat(n)),
        format!("{}t", "-".repeat(n)),
        format!("{}t{}", "exp(".repeat(n), ")".repeat(n)),
        format!("t{}", "^t".repeat(n)),
        format!("t{}", "+t".repeat(n)),
        format!("t{}", "+t".repeat(600)),
    ] {
        match Expr::parse(&src) {
            Err(flipshift_continuous::ContinuousError::Parse { column, message }) => {
                assert!(column >= 1 && column <= src.len(), "{column}");
                assert!(message.contains("split"), "{message}");
            }
            other => panic!(
                "{}...: expected a parse error, got {:?}",
                &src[..20],
                other.map(|e| e.to_string())
            ),
        }
    }
    // Realistic depths still parse, and every pass over them works.
    let src = format!("{}t{}", "(".repeat(90), ")".repeat(90));
    assert_eq!(Expr::parse(&src).unwrap().to_string(), "t");
    let src = format!("t{}", "+t".repeat(400));
    let e = Expr::parse(&src).unwrap();
    assert_eq!(e.simplify().to_string(), "401t");
    assert_eq!(e.diff("t").to_string(), "401");
    assert_eq!(e.compile().unwrap().expr().to_string(), "401t");
}

/// Each expression with a range of `t` that keeps its arguments away from poles and branch
/// points (log, sqrt and `t^t` need t > 0; tan(t/3) stays inside |t/3| < π/2).
const DIFFERENTIABLE: &[(&str, f64, f64)] = &[
    ("exp(-t^2/2)*cos(3*t)", -3.0, 3.0),
    ("log(t)", 0.2, 3.0),
    ("log(1 + t^2)*sin(t)", -3.0, 3.0),
    ("sqrt(t)", 0.2, 3.0),
    ("sqrt(1 + t^2)", -3.0, 3.0),
    ("abs(t - 0.3)*t", -3.0, 3.0),
    ("abs(t^2 - 1)", -3.0, 3.0),
    ("tan(t/3)", -3.0, 3.0),
    ("tanh(2*t - 1)", -3.0, 3.0),
    ("erf(1.5*t)", -3.0, 3.0),
    ("gauss((t - 1)/0.7)", -3.0, 3.0),
    ("sinc(t)", -3.0, 3.0),
    ("sinc(2*t - 1)^2", -3.0, 3.0),
    ("tri(t)", -3.0, 3.0),
    ("tri(2*t + 1)*exp(t)", -3.0, 3.0),
    ("rect(t/0.7)*t^3", -3.0, 3.0),
    ("rect(t^2)*cos(t)", -3.0, 3.0),
    ("step(1 - t)*exp(t)", -3.0, 3.0),
    ("t^t", 0.2, 3.0),
    ("2^-t", -3.0, 3.0),
    ("(1 + t^2)^(sin(t))", -3.0, 3.0),
    ("t^2.5", 0.2, 3.0),
    ("1/(1 + t^2) - 3/(t + 5)", -3.0, 3.0),
    ("exp(-abs(t))*sin(pi*t)", -3.0, 3.0),
];

proptest! {
    #![proptest_config(ProptestConfig { cases: 400, ..ProptestConfig::default() })]

    /// d/dt against a Richardson-extrapolated central difference at random points.
    ///
    /// With $D(h) = (f(t+h) - f(t-h))/2h$, $R = (4D(h/2) - D(h))/3$ has truncation error about
    /// $h^4 |f^{(5)}|/480$; with h = 1e-3 and $|f^{(5)}| \lesssim (2\pi)^5 \approx 10^4$ on these
    /// ranges that is ≈ 2e-11. Rounding contributes ≈ 3ε·max|f|/h ≈ 7e-13·max|f|. The
    /// tolerance 1e-8·(1 + |f| + |f′|) clears both by two orders and is still far below any
    /// wrong derivative rule (those are off at O(|f′|)). Points within 0.01 of a breakpoint
    /// are skipped: there the classical derivative does not exist and the stencil straddles it.
    #[test]
    fn derivatives_match_richardson_differences_at_random_points(
        i in 0..DIFFERENTIABLE.len(),
        u in 0.0f64..1.0,
    ) {
        let (src, lo, hi) = DIFFERENTIABLE[i];
        let e = Expr::parse(src).unwrap();
        let t = lo + (hi - lo) * u;
        prop_assume!(e.breakpoints().iter().all(|b| (b - t).abs() > 0.01));
        let h = 1e-3;
        let d = |h: f64| (e.eval_at(t + h) - e.eval_at(t - h)) / (2.0 * h);
        let want = (4.0 * d(h / 2.0) - d(h)) / 3.0;
        let de = e.diff("t");
        let got = de.eval_at(t);
        let tol = 1e-8 * (1.0 + e.eval_at(t).abs() + want.abs());
        prop_assert!((got - want).abs() <= tol,
            "d/dt {} = {} at t = {}: symbolic {}, difference {}", src, de, t, got, want);
    }
}
