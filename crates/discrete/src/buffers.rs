//! Reused buffers: each thread keeps the transform buffers its last calls released, so that a
//! call of the same size neither asks the allocator for megabytes nor pays the kernel's page
//! faults and zeroing for them again. At most [`POOL_BYTES`] per thread are kept.

use realfft::num_complex::Complex;
use std::cell::RefCell;

/// The most memory one thread keeps for reuse.
const POOL_BYTES: usize = 64 << 20;

#[derive(Default)]
struct Pool {
    reals: Vec<Vec<f64>>,
    complexes: Vec<Vec<Complex<f64>>>,
}

impl Pool {
    fn bytes(&self) -> usize {
        self.reals.iter().map(|v| 8 * v.capacity()).sum::<usize>()
            + self
                .complexes
                .iter()
                .map(|v| 16 * v.capacity())
                .sum::<usize>()
    }
}

thread_local! {
    static POOL: RefCell<Pool> = RefCell::new(Pool::default());
}

/// A zeroed vector of `len` reals, reusing a released one of enough capacity when there is one.
pub(crate) fn reals(len: usize) -> Vec<f64> {
    let reused = POOL.with(|p| {
        let mut p = p.borrow_mut();
        let i = p.reals.iter().position(|v| v.capacity() >= len)?;
        Some(p.reals.swap_remove(i))
    });
    match reused {
        Some(mut v) => {
            v.clear();
            v.resize(len, 0.0);
            v
        }
        None => vec![0.0; len],
    }
}

/// A zeroed vector of `len` complex numbers, reused as [`reals`] does.
pub(crate) fn complexes(len: usize) -> Vec<Complex<f64>> {
    let reused = POOL.with(|p| {
        let mut p = p.borrow_mut();
        let i = p.complexes.iter().position(|v| v.capacity() >= len)?;
        Some(p.complexes.swap_remove(i))
    });
    match reused {
        Some(mut v) => {
            v.clear();
            v.resize(len, Complex::new(0.0, 0.0));
            v
        }
        None => vec![Complex::new(0.0, 0.0); len],
    }
}

/// An empty vector of reals with room for `cap` entries, reusing a released one when there
/// is one (its pages are then already mapped: no faults while it fills).
pub(crate) fn reals_with_capacity(cap: usize) -> Vec<f64> {
    let reused = POOL.with(|p| {
        let mut p = p.borrow_mut();
        let i = p.reals.iter().position(|v| v.capacity() >= cap)?;
        Some(p.reals.swap_remove(i))
    });
    match reused {
        Some(mut v) => {
            v.clear();
            v
        }
        None => Vec::with_capacity(cap),
    }
}

/// Give a vector back for reuse on this thread (dropped when the pool is full).
pub(crate) fn release_reals(v: Vec<f64>) {
    POOL.with(|p| {
        let mut p = p.borrow_mut();
        if p.bytes() + 8 * v.capacity() <= POOL_BYTES {
            p.reals.push(v);
        }
    });
}

/// Give a complex vector back for reuse on this thread.
pub(crate) fn release_complexes(v: Vec<Complex<f64>>) {
    POOL.with(|p| {
        let mut p = p.borrow_mut();
        if p.bytes() + 16 * v.capacity() <= POOL_BYTES {
            p.complexes.push(v);
        }
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
    }
}
