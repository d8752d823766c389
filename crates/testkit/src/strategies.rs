//! Random inputs for property tests and fuzzing, defined once and read from bytes.
//!
//! Every generator here draws its choices from a [`Bytes`] source: the fuzz targets (`fuzz/`)
//! hand it libFuzzer's input, and the proptest strategies hand it a random vector of bytes
//! ([`from_bytes`]). Both explore the same input space, and a case found by either is
//! reproduced by its bytes. The source reads zeros once it is exhausted, and zero is always the
//! simplest choice (a leaf `t`, degree 0, the lower end of a range), so proptest's shrinking
//! of the bytes towards fewer and smaller ones shrinks the case towards a simpler one.

pub mod exprs;
pub mod families;
pub mod signals;

use proptest::prelude::*;

/// Choices read from a byte string, zeros past its end.
#[derive(Debug, Clone)]
pub struct Bytes<'a> {
    data: &'a [u8],
    pos: usize,
}

impl<'a> Bytes<'a> {
    /// A source reading `data` from the start.
    pub fn new(data: &'a [u8]) -> Self {
        Self { data, pos: 0 }
    }

    /// Whether every byte has been read (further reads give zeros).
    pub fn is_exhausted(&self) -> bool {
        self.pos >= self.data.len()
    }

    /// The next byte, or 0.
    pub fn u8(&mut self) -> u8 {
        let b = self.data.get(self.pos).copied().unwrap_or(0);
        self.pos += 1;
        b
    }

    /// The next two bytes, little-endian.
    pub fn u16(&mut self) -> u16 {
        u16::from(self.u8()) | (u16::from(self.u8()) << 8)
    }

    /// The next eight bytes, little-endian.
    pub fn u64(&mut self) -> u64 {
        (0..8).fold(0u64, |acc, k| acc | (u64::from(self.u8()) << (8 * k)))
    }

    /// A number in `0..n` (0 for `n` ≤ 1): one byte for `n` ≤ 256, two above.
    pub fn below(&mut self, n: usize) -> usize {
        if n <= 1 {
            0
        } else if n <= 256 {
            usize::from(self.u8()) % n
        } else {
            usize::from(self.u16()) % n
        }
    }

    /// `true` with probability about `1/n` (never for zero bytes).
    pub fn one_in(&mut self, n: u8) -> bool {
        n > 0 && self.u8() % n == n - 1
    }

    /// A number in `[0, 1)` on a grid of 2⁻¹⁶.
    pub fn unit(&mut self) -> f64 {
        f64::from(self.u16()) / 65_536.0
    }

    /// A number in `[lo, hi)`.
    pub fn uniform(&mut self, lo: f64, hi: f64) -> f64 {
        lo + (hi - lo) * self.unit()
    }

    /// A number in `[lo, hi)` whose logarithm is uniform (`0 < lo < hi`).
    pub fn log_uniform(&mut self, lo: f64, hi: f64) -> f64 {
        (lo.ln() + (hi.ln() - lo.ln()) * self.unit()).exp()
    }

    /// One of `items` (the first for zero bytes).
    pub fn pick<T: Copy>(&mut self, items: &[T]) -> T {
        items[self.below(items.len())]
    }
}

/// A proptest strategy that draws up to `max_len` random bytes and reads a value from them
/// with `make`: the same generator the fuzz targets use, with proptest's shrinking acting on
/// the bytes.
pub fn from_bytes<T: std::fmt::Debug>(
    max_len: usize,
    make: fn(&mut Bytes<'_>) -> T,
) -> impl Strategy<Value = T> {
    proptest::collection::vec(any::<u8>(), 0..=max_len).prop_map(move |v| make(&mut Bytes::new(&v)))
}

/// A proptest configuration with `cases` cases from a fixed seed (the environment variables
/// `PROPTEST_CASES` and `PROPTEST_RNG_SEED` change them), failures persisted next to the
/// test's source file (`<file>.proptest-regressions`: an integration test has no `lib.rs` for
/// proptest's default to find).
///
/// The seed is fixed so that `cargo test` checks the same cases on every run and machine:
/// exploring new inputs is the fuzz targets' work (`fuzz/run.sh`), and a failure they find is
/// kept as a test of its own.
pub fn config(cases: u32) -> ProptestConfig {
    fn var<T: std::str::FromStr>(name: &str) -> Option<T> {
        std::env::var(name).ok().and_then(|v| v.parse().ok())
    }
    ProptestConfig {
        cases: var("PROPTEST_CASES").unwrap_or(cases),
        rng_seed: proptest::test_runner::RngSeed::Fixed(var("PROPTEST_RNG_SEED").unwrap_or(1)),
        failure_persistence: Some(Box::new(
            proptest::test_runner::FileFailurePersistence::WithSource("proptest-regressions"),
        )),
        ..ProptestConfig::default()
    }
}

/// `x` as a short decimal in the expression grammar, in parentheses when negative; `digits`
/// significant digits (17 reproduce the double exactly).
pub fn decimal(x: f64, digits: usize) -> String {
    let s = format!("{:.*e}", digits.saturating_sub(1), x);
    // `1.50e-3` → `1.50e-3` is valid grammar as it is; drop a `e0` exponent for readability.
    let s = match s.split_once('e') {
        Some((m, "0")) => m.to_string(),
        _ => s,
    };
    if x < 0.0 { format!("({s})") } else { s }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zero_bytes_are_the_simplest_choices() {
        let mut b = Bytes::new(&[]);
        assert_eq!(
            (b.u8(), b.below(7), b.unit(), b.pick(&[3, 4])),
            (0, 0, 0.0, 3)
        );
        assert!(!b.one_in(2));
        assert!(b.is_exhausted());
    }

    #[test]
    fn decimals_parse_back_to_the_same_double_at_17_digits() {
        for x in [0.1, -2.5e-7, 1.0 / 3.0, 12345.678, -1.0] {
            let s = decimal(x, 17);
            let inner = s.trim_start_matches('(').trim_end_matches(')');
            assert_eq!(inner.parse::<f64>().ok(), Some(x), "{s}");
        }
        assert_eq!(decimal(1.5, 3), "1.50");
        assert_eq!(decimal(-0.00125, 3), "(-1.25e-3)");
    }
}
