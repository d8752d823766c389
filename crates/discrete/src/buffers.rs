//! Reused buffers: each thread keeps the transform buffers its last calls released, so that a
//! call of the same size neither asks the allocator for megabytes nor pays the kernel's page
//! faults and zeroing for them again. At most [`POOL_BYTES`] per thread are kept.

use rayon::prelude::*;
use realfft::num_complex::Complex;
use std::cell::RefCell;

/// The most memory one thread keeps for reuse.
const POOL_BYTES: usize = 64 << 20;

/// The released buffers of one thread, each with the time it was released: a buffer is taken
/// back by best fit (the smallest that is large enough, so that a small request does not use
/// up a large one), and when the pool is over [`POOL_BYTES`] the least recently released
/// buffers are dropped first — a call of the same size as the last one finds its buffers.
#[derive(Default)]
struct Pool {
    reals: Vec<(u64, Vec<f64>)>,
    complexes: Vec<(u64, Vec<Complex<f64>>)>,
    clock: u64,
}

impl Pool {
    fn bytes(&self) -> usize {
        self.reals
            .iter()
            .map(|(_, v)| 8 * v.capacity())
            .sum::<usize>()
            + self
                .complexes
                .iter()
                .map(|(_, v)| 16 * v.capacity())
                .sum::<usize>()
    }

    /// Drop the least recently released buffers until the pool is within its budget.
    fn trim(&mut self) {
        while self.bytes() > POOL_BYTES {
            let oldest_real = self.reals.iter().enumerate().min_by_key(|(_, e)| e.0);
            let oldest_complex = self.complexes.iter().enumerate().min_by_key(|(_, e)| e.0);
            match (oldest_real, oldest_complex) {
                (Some((i, r)), Some((_, c))) if r.0 < c.0 => drop(self.reals.swap_remove(i)),
                (_, Some((j, _))) => drop(self.complexes.swap_remove(j)),
                (Some((i, _)), None) => drop(self.reals.swap_remove(i)),
                (None, None) => break,
            }
        }
    }
}

/// The index of the smallest buffer of capacity ≥ `cap` in `list`.
fn best_fit<T>(list: &[(u64, Vec<T>)], cap: usize) -> Option<usize> {
    list.iter()
        .enumerate()
        .filter(|(_, (_, v))| v.capacity() >= cap)
        .min_by_key(|(_, (_, v))| v.capacity())
        .map(|(i, _)| i)
}

thread_local! {
    static POOL: RefCell<Pool> = RefCell::new(Pool::default());
}

/// A released vector of reals with capacity ≥ `cap`, as it was released.
fn take_reals(cap: usize) -> Option<Vec<f64>> {
    POOL.with(|p| {
        let mut p = p.borrow_mut();
        let i = best_fit(&p.reals, cap)?;
        Some(p.reals.swap_remove(i).1)
    })
}

/// A released vector of complex numbers with capacity ≥ `cap`, as it was released.
fn take_complexes(cap: usize) -> Option<Vec<Complex<f64>>> {
    POOL.with(|p| {
        let mut p = p.borrow_mut();
        let i = best_fit(&p.complexes, cap)?;
        Some(p.complexes.swap_remove(i).1)
    })
}

/// `v` at length `len`, entries kept where it had them, `fill` in the rest.
fn at_len<T: Copy>(mut v: Vec<T>, len: usize, fill: T) -> Vec<T> {
    v.truncate(len);
    v.resize(len, fill);
    v
}

/// A zeroed vector of `len` reals, reusing a released one of enough capacity when there is one.
pub(crate) fn reals(len: usize) -> Vec<f64> {
    match take_reals(len) {
        Some(mut v) => {
            v.clear();
            at_len(v, len, 0.0)
        }
        None => vec![0.0; len],
    }
}

/// A zeroed vector of `len` complex numbers, reused as [`reals`] does.
pub(crate) fn complexes(len: usize) -> Vec<Complex<f64>> {
    let zero = Complex::new(0.0, 0.0);
    match take_complexes(len) {
        Some(mut v) => {
            v.clear();
            at_len(v, len, zero)
        }
        None => vec![zero; len],
    }
}

/// A vector of `len` reals whose entries are unspecified (finite values left from an earlier
/// use, or zeros), for a buffer the caller overwrites entirely before it reads it: a reused
/// buffer is not zeroed first (at the transform lengths of a long kernel that zeroing was a
/// tenth of the gradient's time), and a new one is mapped lazily.
pub(crate) fn reals_overwritten(len: usize) -> Vec<f64> {
    take_reals(len).map_or_else(|| vec![0.0; len], |v| at_len(v, len, 0.0))
}

/// As [`reals_overwritten`], for complex numbers.
pub(crate) fn complexes_overwritten(len: usize) -> Vec<Complex<f64>> {
    let zero = Complex::new(0.0, 0.0);
    take_complexes(len).map_or_else(|| vec![zero; len], |v| at_len(v, len, zero))
}

/// A zeroed vector of `len` reals for a result that the threads of the rayon pool then fill
/// block by block: zeroed by those threads in parallel pieces. Zeroing it on the calling
/// thread (what `vec![0.0; len]` does when the allocator reuses memory) was a serial pass over
/// the whole result before the parallel work began — 32 MB at $n = 4 \cdot 10^6$.
pub(crate) fn zeroed_in_parallel(len: usize) -> Vec<f64> {
    let mut v = Vec::with_capacity(len);
    v.par_extend(rayon::iter::repeat_n(0.0, len));
    v
}

/// An empty vector of reals with room for `cap` entries, reusing a released one when there
/// is one (its pages are then already mapped: no faults while it fills).
pub(crate) fn reals_with_capacity(cap: usize) -> Vec<f64> {
    match take_reals(cap) {
        Some(mut v) => {
            v.clear();
            v
        }
        None => Vec::with_capacity(cap),
    }
}

/// Give a vector back for reuse on this thread (the least recently released ones are dropped
/// when the pool is full).
pub(crate) fn release_reals(v: Vec<f64>) {
    POOL.with(|p| {
        let mut p = p.borrow_mut();
        p.clock += 1;
        let stamp = p.clock;
        p.reals.push((stamp, v));
        p.trim();
    });
}

/// Give a complex vector back for reuse on this thread.
pub(crate) fn release_complexes(v: Vec<Complex<f64>>) {
    POOL.with(|p| {
        let mut p = p.borrow_mut();
        p.clock += 1;
        let stamp = p.clock;
        p.complexes.push((stamp, v));
        p.trim();
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn released_buffers_come_back_zeroed() {
        let mut v = reals(1000);
        v.iter_mut().for_each(|x| *x = 3.0);
        let ptr = v.as_ptr();
        release_reals(v);
        let w = reals(500);
        assert_eq!(w.as_ptr(), ptr);
        assert!(w.len() == 500 && w.iter().all(|x| *x == 0.0));
        let mut c = complexes(10);
        c[3] = Complex::new(1.0, 2.0);
        release_complexes(c);
        assert!(complexes(10).iter().all(|z| z.norm_sqr() == 0.0));
        // An overwritten buffer is reused as it was (not zeroed), at the length asked for.
        let mut v = reals(100);
        v.iter_mut().for_each(|x| *x = 5.0);
        let ptr = v.as_ptr();
        release_reals(v);
        let w = reals_overwritten(80);
        assert!(w.as_ptr() == ptr && w.len() == 80 && w.iter().all(|x| *x == 5.0));
        release_reals(w);
        let w = reals_overwritten(100);
        assert!(w.len() == 100 && w[80..].iter().all(|x| *x == 0.0));
        assert_eq!(complexes_overwritten(7).len(), 7);
    }

    #[test]
    fn the_smallest_fit_is_taken_and_the_oldest_dropped() {
        let small = reals(1000);
        let large = reals(4000);
        let (ps, pl) = (small.as_ptr(), large.as_ptr());
        release_reals(large);
        release_reals(small);
        let (first, second) = (reals_overwritten(900), reals_overwritten(900));
        assert!(first.as_ptr() == ps && second.as_ptr() == pl);
        // Filling the pool past its budget drops the first released buffer, not the last.
        let quarter = POOL_BYTES / 4 / 16;
        let five: Vec<_> = (0..5).map(|_| complexes(quarter)).collect();
        let (pf, last) = (five[0].as_ptr(), five[4].as_ptr());
        five.into_iter().for_each(release_complexes);
        let again: Vec<_> = (0..4).map(|_| complexes_overwritten(quarter)).collect();
        assert!(again.iter().all(|v| v.as_ptr() != pf));
        assert!(again.iter().any(|v| v.as_ptr() == last));
    }
}
