//! Measured times of real transforms at the lengths RustFFT does fastest — $2^a$ times 1, 3,
//! 5, 7, 9 or 15 — from which overlap-save picks its block length: the cost of a length is
//! what it was measured to be, not an $N \log N$ model (at equal size a power of two and a
//! length with a factor 7 differ by up to 1.5×, and cache sizes bend the curve).
//!
//! Regenerate with `cargo bench -p flipshift-discrete --bench fft_lengths` (on a quiet
//! machine); the absolute numbers belong to the machine that measured them (an AMD EPYC,
//! Zen 4, with AVX-512), but only their ratios steer the choice.

/// (transform length, nanoseconds for one forward and one inverse real transform).
pub(crate) const TRANSFORM_NS: &[(usize, f64)] = &[
    (16, 33.0),
    (18, 44.0),
    (20, 86.0),
    (24, 47.0),
    (28, 95.0),
    (30, 102.0),
    (32, 56.0),
    (36, 62.0),
    (40, 116.0),
    (48, 86.0),
    (56, 149.0),
    (60, 143.0),
    (64, 110.0),
    (72, 125.0),
    (80, 177.0),
    (96, 204.0),
    (112, 240.0),
    (120, 252.0),
    (128, 221.0),
    (144, 290.0),
    (160, 326.0),
    (192, 401.0),
    (224, 475.0),
    (240, 617.0),
    (256, 450.0),
    (288, 578.0),
    (320, 789.0),
    (384, 1032.0),
    (448, 1163.0),
    (480, 1246.0),
    (512, 950.0),
    (576, 1546.0),
    (640, 1458.0),
    (768, 1990.0),
    (896, 2145.0),
    (960, 2541.0),
    (1024, 2198.0),
    (1152, 3115.0),
    (1280, 3128.0),
    (1536, 4121.0),
    (1792, 4541.0),
    (1920, 5273.0),
    (2048, 5142.0),
    (2304, 6428.0),
    (2560, 7042.0),
    (3072, 8748.0),
    (3584, 10397.0),
    (3840, 11032.0),
    (4096, 12540.0),
    (4608, 13827.0),
    (5120, 17327.0),
    (6144, 20486.0),
    (7168, 25140.0),
    (7680, 25922.0),
    (8192, 30211.0),
    (9216, 29300.0),
    (10240, 32019.0),
    (12288, 46654.0),
    (14336, 46425.0),
    (15360, 54880.0),
    (16384, 54803.0),
    (18432, 68301.0),
    (20480, 73757.0),
    (24576, 94726.0),
    (28672, 107843.0),
    (30720, 117964.0),
    (32768, 128720.0),
    (36864, 154528.0),
    (40960, 171588.0),
    (49152, 210344.0),
    (57344, 261928.0),
    (61440, 296017.0),
    (65536, 303591.0),
    (73728, 339141.0),
    (81920, 350349.0),
    (98304, 451169.0),
    (114688, 501979.0),
    (122880, 574587.0),
    (131072, 583506.0),
    (147456, 711727.0),
    (163840, 769551.0),
    (196608, 979891.0),
    (229376, 1148282.0),
    (245760, 1240272.0),
    (262144, 1368031.0),
    (294912, 1653635.0),
    (327680, 1940298.0),
    (393216, 2525616.0),
    (458752, 3198986.0),
    (491520, 3602056.0),
    (524288, 3789755.0),
    (589824, 4339002.0),
    (655360, 4986354.0),
    (786432, 6397683.0),
    (917504, 7553241.0),
    (983040, 8304627.0),
    (1048576, 8864400.0),
    (1179648, 10111364.0),
    (1310720, 11034016.0),
    (1572864, 14000917.0),
    (1835008, 16439242.0),
    (1966080, 17900235.0),
    (2097152, 18964858.0),
    (2359296, 22258486.0),
    (2621440, 25702686.0),
    (3145728, 31271075.0),
    (3670016, 38156643.0),
    (3932160, 45473502.0),
    (4194304, 44336813.0),
];

/// Nanoseconds for a forward and an inverse real transform of length `n`: the table's value,
/// or beyond it (or off it) the nearest larger tabulated length's, scaled as $N \log N$ with a
/// 1.5× penalty for a length RustFFT is not fastest at.
pub(crate) fn transform_ns(n: usize) -> f64 {
    if let Ok(i) = TRANSFORM_NS.binary_search_by_key(&n, |&(len, _)| len) {
        return TRANSFORM_NS[i].1;
    }
    let nlogn = |v: usize| v as f64 * (v as f64).log2().max(1.0);
    let &(len, ns) = TRANSFORM_NS
        .iter()
        .find(|&&(len, _)| len >= n)
        .or(TRANSFORM_NS.last())
        .unwrap_or(&(1, 1.0));
    1.5 * ns * nlogn(n) / nlogn(len)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_table_is_sorted_even_and_covers_the_block_lengths() {
        assert!(TRANSFORM_NS.windows(2).all(|w| w[0].0 < w[1].0));
        assert!(TRANSFORM_NS.iter().all(|&(n, t)| n % 2 == 0 && t > 0.0));
        assert_eq!(TRANSFORM_NS.first().map(|e| e.0), Some(16));
        assert_eq!(TRANSFORM_NS.last().map(|e| e.0), Some(1 << 22));
        // Off the table: more than the next tabulated length's time, scaled.
        assert!(transform_ns(10_007) > transform_ns(10_240) * 0.9);
        assert!(transform_ns(1 << 23) > transform_ns(1 << 22));
    }
}
