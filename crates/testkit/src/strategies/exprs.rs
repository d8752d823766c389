//! Expressions: trees built directly (shapes the parser never produces: negative numbers as
//! operands, constants in exponents, every function nested in every other), and text made of
//! the grammar's tokens and of what is not in it.

use super::{Bytes, from_bytes};
use flipshift_continuous::{Expr, Func};
use proptest::prelude::*;

/// The functions of the grammar (those the parser reads).
pub const GRAMMAR_FUNCS: &[Func] = &[
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
];

/// The grammar's functions and the internal ones that differentiation introduces (`sgn`,
/// `sinc′`, `sinc″`).
pub const ALL_FUNCS: &[Func] = &[
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
    Func::SincD1,
    Func::SincD2,
];

/// The most nodes a generated tree has.
pub const MAX_NODES: usize = 40;
/// The deepest a generated tree is.
pub const MAX_DEPTH: usize = 7;

/// A number for a leaf: small integers and halves most often (they make the removable
/// singularities and exact cancellations a simplifier must get right), then decimals from 1e-6
/// to 1e6, then extremes (1e300, 1e-300, 2⁵³ + 2, 0.1).
pub fn number(b: &mut Bytes<'_>) -> f64 {
    match b.below(16) {
        0..=6 => f64::from(b.below(7) as i32 - 3),
        7 | 8 => f64::from(b.below(13) as i32 - 6) + 0.5,
        9..=13 => {
            let mantissa = 1.0 + 9.0 * b.unit();
            let sign = if b.one_in(2) { -1.0 } else { 1.0 };
            let digits = b.pick(&[3, 6, 17]);
            let v = sign * mantissa * 10f64.powi(b.below(13) as i32 - 6);
            // As written in decimal with `digits` digits: what a user types.
            super::decimal(v, digits)
                .trim_start_matches('(')
                .trim_end_matches(')')
                .parse()
                .unwrap_or(v)
        }
        _ => b.pick(&[
            1e300,
            -1e300,
            1e-300,
            9_007_199_254_740_994.0,
            0.1,
            1e15,
            1e16,
        ]),
    }
}

/// A random tree in `t` over `funcs`: about [`MAX_NODES`] nodes at most (a leaf past the
/// budget for each binary node still open, so never more than [`MAX_NODES`] + [`MAX_DEPTH`]),
/// and at most [`MAX_DEPTH`] + 1 deep.
pub fn tree(b: &mut Bytes<'_>, funcs: &[Func]) -> Expr {
    let mut budget = MAX_NODES;
    node(b, funcs, MAX_DEPTH, &mut budget)
}

fn leaf(b: &mut Bytes<'_>) -> Expr {
    match b.below(8) {
        0..=2 => Expr::var("t"),
        3..=5 => Expr::num(number(b)),
        6 => Expr::Const {
            name: "pi".into(),
            value: std::f64::consts::PI,
        },
        _ => Expr::Const {
            name: "e".into(),
            value: std::f64::consts::E,
        },
    }
}

fn node(b: &mut Bytes<'_>, funcs: &[Func], depth: usize, budget: &mut usize) -> Expr {
    if depth == 0 || *budget < 3 || b.is_exhausted() {
        *budget = budget.saturating_sub(1);
        return leaf(b);
    }
    *budget -= 1;
    let kind = b.below(16);
    let mut sub = |b: &mut Bytes<'_>| node(b, funcs, depth - 1, budget);
    match kind {
        0..=3 => leaf(b),
        4 => -sub(b),
        5 => sub(b) + sub(b),
        6 => sub(b) - sub(b),
        7 | 8 => sub(b) * sub(b),
        9 => sub(b) / sub(b),
        10 => sub(b).pow(sub(b)),
        // Small integer and half-integer powers, as people write them.
        11 => sub(b).pow(Expr::num(f64::from(b.below(9) as i32 - 3) / 2.0)),
        _ => {
            let f = b.pick(funcs);
            Expr::call(f, sub(b))
        }
    }
}

/// Tokens for [`text`]: the grammar's, their near misses, and characters it does not know.
const TOKENS: &[&str] = &[
    "t", "t", "(", ")", "+", "-", "*", "/", "^", " ", "0", "1", "2", "3", "9", ".", "0.5", "1e-3",
    "2e", "1e400", "1.2.3", "e", "pi", "x", "tau", "exp(", "log(", "sqrt(", "abs(", "sin(", "cos(",
    "tan(", "tanh(", "erf(", "step(", "rect(", "tri(", "sinc(", "gauss(", "sgn(", "**", "−", "·",
    "é", "\t", "\u{0}", "((", "))", "-(", ")^(", "E+", "_", "exp", "(t)", "1/0",
];

/// Text of up to 40 tokens, mostly the grammar's.
pub fn text(b: &mut Bytes<'_>) -> String {
    let n = b.below(41);
    (0..n).map(|_| b.pick(TOKENS)).collect()
}

/// Trees over the grammar's functions.
pub fn grammar_tree() -> impl Strategy<Value = Expr> {
    from_bytes(160, |b| tree(b, GRAMMAR_FUNCS))
}

/// Trees over every function, the internal ones included.
pub fn any_tree() -> impl Strategy<Value = Expr> {
    from_bytes(160, |b| tree(b, ALL_FUNCS))
}

/// Token soup and arbitrary Unicode, for the parser.
pub fn parser_input() -> impl Strategy<Value = String> {
    prop_oneof![from_bytes(64, text), "\\PC{0,40}"]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trees_stay_within_their_limits_and_zero_bytes_give_t() {
        assert_eq!(tree(&mut Bytes::new(&[]), GRAMMAR_FUNCS), Expr::var("t"));
        fn count(e: &Expr) -> (usize, usize) {
            match e {
                Expr::Num(_) | Expr::Const { .. } | Expr::Var(_) => (1, 1),
                Expr::Neg(a) | Expr::Call(_, a) => {
                    let (n, d) = count(a);
                    (n + 1, d + 1)
                }
                Expr::Add(a, b)
                | Expr::Sub(a, b)
                | Expr::Mul(a, b)
                | Expr::Div(a, b)
                | Expr::Pow(a, b) => {
                    let ((n1, d1), (n2, d2)) = (count(a), count(b));
                    (n1 + n2 + 1, d1.max(d2) + 1)
                }
            }
        }
        let mut seed = 1u64;
        for _ in 0..2000 {
            let bytes: Vec<u8> = (0..200)
                .map(|_| {
                    seed = seed.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
                    (seed >> 56) as u8
                })
                .collect();
            let (n, d) = count(&tree(&mut Bytes::new(&bytes), ALL_FUNCS));
            assert!(
                n <= MAX_NODES + MAX_DEPTH && d <= MAX_DEPTH + 1,
                "{n} nodes, {d} deep"
            );
        }
    }
}
