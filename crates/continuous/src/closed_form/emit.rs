//! Building the result expression: local variables, Horner forms, products.

use crate::symbolic::Expr;

/// $t - a$ (or $t$ when $a = 0$, $t + |a|$ when $a < 0$).
pub(super) fn local(a: f64) -> Expr {
    let t = Expr::var("t");
    if a == 0.0 {
        t
    } else if a > 0.0 {
        t - Expr::num(a)
    } else {
        t + Expr::num(-a)
    }
}

/// $v^j (c_j + v\,(c_{j+1} + \dots))$, with $j$ the number of leading zero coefficients.
pub(super) fn horner(c: &[f64], v: &Expr) -> Expr {
    let (Some(lo), Some(hi)) = (
        c.iter().position(|&x| x != 0.0),
        c.iter().rposition(|&x| x != 0.0),
    ) else {
        return Expr::num(0.0);
    };
    let mut acc = Expr::num(c[hi]);
    for &ck in c[lo..hi].iter().rev() {
        let prod = times(v.clone(), acc);
        acc = if ck == 0.0 {
            prod
        } else {
            Expr::num(ck) + prod
        };
    }
    match lo {
        0 => acc,
        1 => times(v.clone(), acc),
        j => times(v.clone().pow(Expr::num(j as f64)), acc),
    }
}

/// $e^{-\beta v}$, written `exp(-v)` when $\beta = 1$.
pub(super) fn decay(rate: f64, v: &Expr) -> Expr {
    let arg = if rate == 1.0 {
        -v.clone()
    } else if rate == -1.0 {
        v.clone()
    } else {
        Expr::num(-rate) * v.clone()
    };
    Expr::call(crate::symbolic::Func::Exp, arg)
}

/// $a \cdot b$, dropping a factor that is exactly 1.
pub(super) fn times(a: Expr, b: Expr) -> Expr {
    match (&a, &b) {
        (Expr::Num(x), _) if *x == 1.0 => b,
        (_, Expr::Num(y)) if *y == 1.0 => a,
        _ => a * b,
    }
}
