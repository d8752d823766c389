//! Simplification: constant folding, neutral and absorbing elements, signs, and like terms.

use super::ast::{Expr, Func};

fn is_num(e: &Expr, v: f64) -> bool {
    matches!(e, Expr::Num(x) if *x == v)
}

fn num(e: &Expr) -> Option<f64> {
    match e {
        Expr::Num(v) => Some(*v),
        _ => None,
    }
}

/// A folded number, if it is finite (so `1/0` stays symbolic and errors at evaluation).
fn fold(v: f64) -> Option<Expr> {
    v.is_finite().then_some(Expr::Num(v))
}

/// A folded product or quotient of nonzero numbers, unless it is not finite or fell below the
/// normal range (where it keeps a few digits or none, and 0 would absorb the rest of a
/// product).
fn fold_nonzero(v: f64) -> Option<Expr> {
    if v.abs() < f64::MIN_POSITIVE {
        return None;
    }
    fold(v)
}

impl Expr {
    /// A simpler equal expression: constants folded, $0$ and $1$ removed where neutral,
    /// $0 \cdot a = 0$, double negation, $-(a - b) = b - a$, signs pulled out of products,
    /// like terms collected ($2t + 3t = 5t$, $t - t = 0$, $t \cdot t = t^2$), and sums of
    /// quotients brought over a common denominator with their numerators expanded and
    /// collected, when that is shorter:
    /// $\sqrt{x'^2 + 1} - x'^2/\sqrt{x'^2 + 1} = 1/\sqrt{x'^2 + 1}$.
    ///
    /// ```
    /// # use flipshift_continuous::Expr;
    /// let e = Expr::parse("exp(-t)*step(t)")?.substitute("t", &(Expr::num(1.0) - Expr::var("tau")));
    /// assert_eq!(e.simplify().to_unicode(), "exp(τ − 1)·step(1 − τ)");
    /// # Ok::<(), flipshift_continuous::ContinuousError>(())
    /// ```
    pub fn simplify(&self) -> Expr {
        // Two passes reach a fixed point for the rules here in practice; stop early if stable.
        let mut e = self.simplify_once();
        for _ in 0..4 {
            let next = e.simplify_once();
            if next == e {
                break;
            }
            e = next;
        }
        e
    }

    fn simplify_once(&self) -> Expr {
        match self {
            Expr::Num(_) | Expr::Const { .. } | Expr::Var(_) => self.clone(),
            Expr::Neg(a) => neg(a.simplify_once()),
            Expr::Add(a, b) => rational(collect_sum(&Expr::Add(
                Box::new(a.simplify_once()),
                Box::new(b.simplify_once()),
            ))),
            Expr::Sub(a, b) => rational(collect_sum(&Expr::Sub(
                Box::new(a.simplify_once()),
                Box::new(b.simplify_once()),
            ))),
            Expr::Mul(a, b) => mul(a.simplify_once(), b.simplify_once()),
            Expr::Div(a, b) => div(a.simplify_once(), b.simplify_once()),
            Expr::Pow(a, b) => pow(a.simplify_once(), b.simplify_once()),
            Expr::Call(f, a) => {
                let a = a.simplify_once();
                match (f, &a) {
                    (_, Expr::Num(v)) if !matches!(f, Func::Exp) || *v == 0.0 => {
                        fold(f.apply(*v)).unwrap_or_else(|| Expr::call(*f, a.clone()))
                    }
                    // Even functions of a negated argument.
                    (
                        Func::Cos | Func::Abs | Func::Rect | Func::Tri | Func::Gauss | Func::Sinc,
                        Expr::Neg(inner),
                    ) => Expr::call(*f, (**inner).clone()),
                    // Odd functions.
                    (
                        Func::Sin | Func::Tan | Func::Tanh | Func::Erf | Func::Sign,
                        Expr::Neg(inner),
                    ) => neg(Expr::call(*f, (**inner).clone())),
                    _ => Expr::call(*f, a),
                }
            }
        }
    }
}

fn neg(a: Expr) -> Expr {
    match a {
        Expr::Num(v) => Expr::Num(-v),
        Expr::Neg(inner) => *inner,
        Expr::Sub(x, y) => Expr::Sub(y, x),
        Expr::Mul(x, y) if num(&x).is_some() => mul(Expr::Num(-num(&x).unwrap_or(0.0)), *y),
        other => Expr::Neg(Box::new(other)),
    }
}

/// Split off a numeric coefficient and a sign: `a = c · base`.
fn coeff_base(e: &Expr) -> (f64, Option<Expr>) {
    match e {
        Expr::Num(v) => (*v, None),
        Expr::Neg(a) => {
            let (c, b) = coeff_base(a);
            (-c, b)
        }
        Expr::Mul(a, b) => match (num(a), num(b)) {
            (Some(c), _) => {
                let (c2, base) = coeff_base(b);
                (c * c2, base)
            }
            (_, Some(c)) => {
                let (c2, base) = coeff_base(a);
                (c * c2, base)
            }
            _ => (1.0, Some(e.clone())),
        },
        _ => (1.0, Some(e.clone())),
    }
}

fn flatten_sum(e: &Expr, sign: f64, out: &mut Vec<(f64, Option<Expr>)>) {
    match e {
        Expr::Add(a, b) => {
            flatten_sum(a, sign, out);
            flatten_sum(b, sign, out);
        }
        Expr::Sub(a, b) => {
            flatten_sum(a, sign, out);
            flatten_sum(b, -sign, out);
        }
        Expr::Neg(a) => flatten_sum(a, -sign, out),
        _ => {
            let (c, base) = coeff_base(e);
            out.push((sign * c, base));
        }
    }
}

/// Collect like terms of a sum and rebuild it with numbers last and subtraction for negative
/// coefficients: `1 − τ` and `τ − 1` rather than `−τ + 1`.
fn collect_sum(e: &Expr) -> Expr {
    let mut terms = Vec::new();
    flatten_sum(e, 1.0, &mut terms);
    let mut constant = 0.0;
    let mut combined: Vec<(f64, Expr)> = Vec::new();
    for (c, base) in terms {
        match base {
            None => constant += c,
            Some(b) => {
                if let Some(slot) = combined.iter_mut().find(|(_, x)| *x == b) {
                    slot.0 += c;
                } else {
                    combined.push((c, b));
                }
            }
        }
    }
    combined.retain(|(c, _)| *c != 0.0);
    // Lead with a positive term when there is one, so the result reads `1 − τ`, not `−τ + 1`.
    let mut out: Option<Expr> = None;
    let lead_positive = combined.iter().position(|(c, _)| *c > 0.0);
    let mut items: Vec<(f64, Option<Expr>)> = Vec::new();
    if let Some(i) = lead_positive {
        let (c, b) = combined.remove(i);
        items.push((c, Some(b)));
    } else if constant > 0.0 {
        items.push((constant, None));
        constant = 0.0;
    }
    items.extend(combined.into_iter().map(|(c, b)| (c, Some(b))));
    if constant != 0.0 {
        items.push((constant, None));
    }
    for (c, base) in items {
        let magnitude = |c: f64| match &base {
            None => Expr::Num(c),
            Some(b) if c == 1.0 => b.clone(),
            Some(b) => mul(Expr::Num(c), b.clone()),
        };
        out = Some(match out {
            None => {
                if c < 0.0 && base.is_some() {
                    neg(magnitude(-c))
                } else {
                    magnitude(c)
                }
            }
            Some(acc) => {
                if c < 0.0 {
                    Expr::Sub(Box::new(acc), Box::new(magnitude(-c)))
                } else {
                    Expr::Add(Box::new(acc), Box::new(magnitude(c)))
                }
            }
        });
    }
    out.unwrap_or(Expr::Num(0.0))
}

/// Split a product into its numeric coefficient and its factors with numeric exponents:
/// quotients become negative powers and square roots half powers. Splitting a power of a
/// product or quotient is only valid for integer powers, so fractional ones stay whole.
fn flatten_product(e: &Expr, power: f64, coeff: &mut f64, out: &mut Vec<(Expr, f64)>) {
    let integer = power.fract() == 0.0;
    match e {
        Expr::Num(v) if integer => {
            let p = v.powi(power as i32);
            let before = *coeff;
            *coeff *= p;
            // A coefficient that passes below the normal range keeps a few digits or none
            // (2⁻¹¹⁰⁰ is 0, 1e-200·1e-200·1e200·1e200 is 0, not 1): not folded (NaN marks it,
            // and the product is kept as written).
            if *v != 0.0
                && before != 0.0
                && (p.abs() < f64::MIN_POSITIVE || coeff.abs() < f64::MIN_POSITIVE)
            {
                *coeff = f64::NAN;
            }
        }
        Expr::Neg(a) if integer => {
            if (power as i64) % 2 != 0 {
                *coeff = -*coeff;
            }
            flatten_product(a, power, coeff, out);
        }
        Expr::Mul(a, b) if integer => {
            flatten_product(a, power, coeff, out);
            flatten_product(b, power, coeff, out);
        }
        Expr::Div(a, b) if integer => {
            flatten_product(a, power, coeff, out);
            flatten_product(b, -power, coeff, out);
        }
        Expr::Pow(a, b) if integer && num(b).is_some() && !matches!(**a, Expr::Num(_)) => {
            let p = num(b).unwrap_or(1.0);
            // (a^p)^k = a^(pk) for integer k.
            flatten_product(a, power * p, coeff, out);
        }
        Expr::Call(Func::Sqrt, u) if integer && !matches!(**u, Expr::Num(_)) => {
            flatten_product(u, 0.5 * power, coeff, out)
        }
        _ => push_factor(out, e.clone(), power),
    }
}

fn push_factor(out: &mut Vec<(Expr, f64)>, base: Expr, p: f64) {
    if let Some(slot) = out.iter_mut().find(|(b, _)| *b == base) {
        slot.1 += p;
    } else {
        out.push((base, p));
    }
}

/// `base^p` for p > 0, with ½ as a square root.
fn power_of(base: Expr, p: f64) -> Expr {
    if p == 1.0 {
        base
    } else if p == 0.5 {
        Expr::call(Func::Sqrt, base)
    } else {
        Expr::Pow(Box::new(base), Box::new(Expr::Num(p)))
    }
}

fn product_of(factors: Vec<Expr>) -> Option<Expr> {
    factors
        .into_iter()
        .reduce(|acc, f| Expr::Mul(Box::new(acc), Box::new(f)))
}

fn mul(a: Expr, b: Expr) -> Expr {
    if is_num(&a, 0.0) || is_num(&b, 0.0) {
        return Expr::Num(0.0);
    }
    if let (Some(x), Some(y)) = (num(&a), num(&b))
        && let Some(v) = fold_nonzero(x * y)
    {
        return v;
    }
    build_product(&Expr::Mul(Box::new(a), Box::new(b)))
}

/// Rebuild a product or quotient as coefficient · numerator / denominator.
fn build_product(e: &Expr) -> Expr {
    let mut coeff = 1.0;
    let mut factors = Vec::new();
    flatten_product(e, 1.0, &mut coeff, &mut factors);
    factors.retain(|(_, p)| *p != 0.0);
    if !coeff.is_finite() {
        return e.clone();
    }
    if coeff == 0.0 {
        return Expr::Num(0.0);
    }
    let (mut up, mut down) = (Vec::new(), Vec::new());
    for (base, p) in factors {
        if p > 0.0 {
            up.push(power_of(base, p));
        } else {
            down.push(power_of(base, -p));
        }
    }
    // A number times a lone sum: distribute, 2·(0.5a − b) = a − 2b.
    if coeff != 1.0
        && up.len() == 1
        && down.is_empty()
        && matches!(up[0], Expr::Add(..) | Expr::Sub(..))
    {
        let mut terms = Vec::new();
        flatten_sum(&up[0], 1.0, &mut terms);
        let scaled = terms
            .into_iter()
            .map(|(c, b)| match b {
                None => Expr::Num(c * coeff),
                Some(b) => Expr::Mul(Box::new(Expr::Num(c * coeff)), Box::new(b)),
            })
            .reduce(|acc, t| Expr::Add(Box::new(acc), Box::new(t)));
        if let Some(sum) = scaled {
            return collect_sum(&sum);
        }
    }
    let magnitude = coeff.abs();
    let numerator = match (product_of(up), magnitude == 1.0) {
        (Some(n), true) => n,
        (Some(n), false) => Expr::Mul(Box::new(Expr::Num(magnitude)), Box::new(n)),
        (None, _) => Expr::Num(magnitude),
    };
    let value = match product_of(down) {
        None => numerator,
        Some(d) => Expr::Div(Box::new(numerator), Box::new(d)),
    };
    if coeff < 0.0 {
        Expr::Neg(Box::new(value))
    } else {
        value
    }
}

fn div(a: Expr, b: Expr) -> Expr {
    if is_num(&b, 1.0) {
        return a;
    }
    if is_num(&a, 0.0) && !is_num(&b, 0.0) {
        return Expr::Num(0.0);
    }
    if let (Some(x), Some(y)) = (num(&a), num(&b))
        && let Some(v) = fold_nonzero(x / y)
    {
        return v;
    }
    if a == b && !is_num(&b, 0.0) {
        return Expr::Num(1.0);
    }
    // A numeric divisor folds into a numeric coefficient when the quotient is a short decimal:
    // 2x/2 = x, 0.5t/2 = 0.25t, but t/3 stays t/3.
    if let Some(c) = num(&b) {
        let (k, base) = coeff_base(&a);
        let q = k / c;
        if let Some(base) = base
            && c != 0.0
            && q.is_finite()
            && ((q * 1e6).round() / 1e6 == q)
            && k != 1.0
            && k != -1.0
        {
            return mul(Expr::Num(q), base);
        }
    }
    // Signs out front: (−a)/b = −(a/b), a/(−b) = −(a/b).
    match (a, b) {
        (Expr::Neg(x), y) => neg(div(*x, y)),
        (x, Expr::Neg(y)) => neg(div(x, *y)),
        // Dividing by a number is multiplying by its inverse when that is exact and short.
        (x, Expr::Num(y)) if (1.0 / y) * y == 1.0 && (1.0 / y).fract() == 0.0 => {
            mul(Expr::Num(1.0 / y), x)
        }
        (x, y @ Expr::Num(_)) => Expr::Div(Box::new(x), Box::new(y)),
        (x, y) => build_product(&Expr::Div(Box::new(x), Box::new(y))),
    }
}

fn pow(a: Expr, b: Expr) -> Expr {
    if is_num(&b, 1.0) {
        return a;
    }
    if is_num(&b, 0.0) || is_num(&a, 1.0) {
        return Expr::Num(1.0);
    }
    if let (Some(x), Some(y)) = (num(&a), num(&b))
        && let Some(v) = if x == 0.0 {
            fold(super::ast::pow(x, y))
        } else {
            fold_nonzero(super::ast::pow(x, y))
        }
    {
        return v;
    }
    // (a^p)^q = a^(pq) for integer p, q (always valid then).
    if let (Expr::Pow(base, p), Some(q)) = (&a, num(&b))
        && let Some(p) = num(p)
        && p.fract() == 0.0
        && q.fract() == 0.0
    {
        return pow((**base).clone(), Expr::Num(p * q));
    }
    Expr::Pow(Box::new(a), Box::new(b))
}

/// The number of nodes: what "shorter" means.
fn size(e: &Expr) -> usize {
    match e {
        Expr::Num(_) | Expr::Const { .. } | Expr::Var(_) => 1,
        Expr::Neg(a) | Expr::Call(_, a) => 1 + size(a),
        Expr::Add(a, b) | Expr::Sub(a, b) | Expr::Mul(a, b) | Expr::Div(a, b) | Expr::Pow(a, b) => {
            1 + size(a) + size(b)
        }
    }
}

/// A monomial: factors with numeric exponents, sorted by their printed form.
type Mono = Vec<(Expr, f64)>;

/// At most this many monomials in an expansion (beyond it the normal form is not attempted).
const MAX_MONOMIALS: usize = 64;

fn mono_mul(a: &Mono, b: &Mono) -> Mono {
    let mut out = a.clone();
    for (base, p) in b {
        if let Some(slot) = out.iter_mut().find(|(x, _)| x == base) {
            slot.1 += p;
        } else {
            out.push((base.clone(), *p));
        }
    }
    out.retain(|(_, p)| *p != 0.0);
    out.sort_by_key(|(x, _)| x.to_ascii());
    out
}

/// `coeff · Π factors`, sums raised to small positive integer powers multiplied out: a list of
/// (coefficient, monomial), or `None` when it would grow too large.
fn expand(coeff: f64, factors: &[(Expr, f64)], depth: usize) -> Option<Vec<(f64, Mono)>> {
    let mut poly: Vec<(f64, Mono)> = vec![(coeff, Vec::new())];
    for (base, p) in factors {
        let is_sum = matches!(base, Expr::Add(..) | Expr::Sub(..));
        let k = *p;
        let factor: Vec<(f64, Mono)> =
            if is_sum && k.fract() == 0.0 && (1.0..=4.0).contains(&k) && depth < 3 {
                let mut terms = Vec::new();
                flatten_sum(base, 1.0, &mut terms);
                let mut one: Vec<(f64, Mono)> = Vec::new();
                for (c, b) in terms {
                    match b {
                        None => one.push((c, Vec::new())),
                        Some(b) => {
                            let mut cf = 1.0;
                            let mut fs = Vec::new();
                            flatten_product(&b, 1.0, &mut cf, &mut fs);
                            one.extend(expand(c * cf, &fs, depth + 1)?);
                        }
                    }
                }
                let mut acc = vec![(1.0, Vec::new())];
                for _ in 0..k as usize {
                    acc = poly_mul(&acc, &one)?;
                }
                acc
            } else {
                vec![(1.0, vec![(base.clone(), k)])]
            };
        poly = poly_mul(&poly, &factor)?;
    }
    Some(poly)
}

fn poly_mul(a: &[(f64, Mono)], b: &[(f64, Mono)]) -> Option<Vec<(f64, Mono)>> {
    if a.len() * b.len() > MAX_MONOMIALS * 4 {
        return None;
    }
    let mut out: Vec<(f64, Mono)> = Vec::new();
    for (ca, ma) in a {
        for (cb, mb) in b {
            let m = mono_mul(ma, mb);
            let c = ca * cb;
            // A coefficient that overflows, or underflows out of the normal range, is no
            // coefficient: the expansion is abandoned and the sum kept as written.
            if !c.is_finite() || (c.abs() < f64::MIN_POSITIVE && *ca != 0.0 && *cb != 0.0) {
                return None;
            }
            if let Some(slot) = out.iter_mut().find(|(_, x)| *x == m) {
                slot.0 += c;
            } else {
                out.push((c, m));
            }
        }
    }
    out.retain(|(c, _)| *c != 0.0);
    (out.len() <= MAX_MONOMIALS).then_some(out)
}

fn mono_expr(c: f64, m: &Mono) -> Expr {
    let body = product_of(m.iter().map(|(b, p)| power_of(b.clone(), *p)).collect());
    match body {
        None => Expr::Num(c),
        Some(b) if c == 1.0 => b,
        Some(b) => Expr::Mul(Box::new(Expr::Num(c)), Box::new(b)),
    }
}

/// A sum of quotients over its common denominator, numerator expanded and collected:
/// `Σ cᵢ Nᵢ/Dᵢ = (Σ cᵢ Nᵢ·D/Dᵢ)/D` with D the product of every denominator base at its largest
/// power; kept only when it is shorter than the sum it replaces.
fn rational(e: Expr) -> Expr {
    match normalise(&e) {
        Some(n) if size(&n) < size(&e) => n,
        _ => e,
    }
}

fn normalise(e: &Expr) -> Option<Expr> {
    let mut terms = Vec::new();
    flatten_sum(e, 1.0, &mut terms);
    if terms.len() < 2 || terms.len() > 12 {
        return None;
    }
    let mut split: Vec<(f64, Vec<(Expr, f64)>)> = Vec::new();
    for (c, b) in terms {
        let mut coeff = c;
        let mut fs = Vec::new();
        if let Some(b) = b {
            flatten_product(&b, 1.0, &mut coeff, &mut fs);
        }
        if !coeff.is_finite() {
            return None;
        }
        split.push((coeff, fs));
    }
    // The common denominator: each base at its largest negative power.
    let mut den: Vec<(Expr, f64)> = Vec::new();
    for (_, fs) in &split {
        for (b, p) in fs {
            if *p < 0.0 {
                match den.iter_mut().find(|(x, _)| x == b) {
                    Some(slot) => slot.1 = slot.1.max(-p),
                    None => den.push((b.clone(), -p)),
                }
            }
        }
    }
    if den.is_empty() {
        return None;
    }
    let mut num: Vec<(f64, Mono)> = Vec::new();
    for (c, fs) in &split {
        let mut lifted: Vec<(Expr, f64)> = fs.clone();
        for (b, e) in &den {
            match lifted.iter_mut().find(|(x, _)| x == b) {
                Some(slot) => slot.1 += e,
                None => lifted.push((b.clone(), *e)),
            }
        }
        lifted.retain(|(_, p)| *p != 0.0);
        for (cm, m) in expand(*c, &lifted, 0)? {
            match num.iter_mut().find(|(_, x)| *x == m) {
                Some(slot) => slot.0 += cm,
                None => num.push((cm, m)),
            }
        }
        if num.len() > MAX_MONOMIALS {
            return None;
        }
    }
    if num.iter().any(|(c, _)| !c.is_finite()) {
        return None;
    }
    num.retain(|(c, _)| *c != 0.0);
    if num.is_empty() {
        return Some(Expr::Num(0.0));
    }
    // Cancel what every monomial shares with the denominator.
    for (b, e) in den.iter_mut() {
        let common = num
            .iter()
            .map(|(_, m)| m.iter().find(|(x, _)| x == b).map_or(0.0, |(_, p)| *p))
            .fold(f64::INFINITY, f64::min)
            .min(*e);
        if common > 0.0 {
            *e -= common;
            for (_, m) in num.iter_mut() {
                if let Some(slot) = m.iter_mut().find(|(x, _)| x == b) {
                    slot.1 -= common;
                }
                m.retain(|(_, p)| *p != 0.0);
            }
        }
    }
    den.retain(|(_, e)| *e != 0.0);
    // Numbers last, positive terms first, as collect_sum writes sums; an all-negative
    // numerator as the negative of a positive one.
    let negate = num.iter().all(|(c, _)| *c < 0.0);
    if negate {
        num.iter_mut().for_each(|(c, _)| *c = -*c);
    }
    let sum = num
        .iter()
        .map(|(c, m)| mono_expr(*c, m))
        .reduce(|a, b| Expr::Add(Box::new(a), Box::new(b)))?;
    let numerator = collect_sum(&sum);
    let quotient = match product_of(den.into_iter().map(|(b, e)| power_of(b, e)).collect()) {
        None => numerator,
        Some(d) => match numerator {
            Expr::Neg(n) => Expr::Neg(Box::new(Expr::Div(n, Box::new(d)))),
            n => Expr::Div(Box::new(n), Box::new(d)),
        },
    };
    Some(if negate {
        Expr::Neg(Box::new(quotient))
    } else {
        quotient
    })
}
