//! Reused buffers: each thread keeps the transform buffers its last calls released, so that a
//! call of the same size neither asks the allocator for megabytes nor pays the kernel's page
//! faults and zeroing for them again. At most [`POOL_BYTES`] per thread are kept.
//!
//! Transform buffers of [`HUGE_BYTES`] and more are mappings of their own that the kernel is
//! asked to back with transparent huge pages (2 MiB instead of 4 KiB). At $10^6 \times 10^5$
//! on one thread, the two kinds interleaved in one process (`cargo test --release -p
//! flipshift-discrete huge_page_timings -- --ignored --nocapture`, three runs), the gradient
//! (its buffers of 1,179,648 points) took 22.3–23.2 ms against 24.0–24.5 ms in allocator
//! memory, 6–8% less; the convolution (blocks of $2^{18}$, 2 MiB each) 12.2–13.7 ms against
//! 12.7–13.6, no difference beyond the noise. Between two builds of the benchmark, the one
//! without huge pages, the gradient's gap was larger (24.4–24.7 against 27.0–28.7 ms, `cargo
//! bench --bench peers`, three runs interleaved). realfft's transforms alone gain 2–4% at
//! those lengths (`cargo bench --bench bandwidth`); the rest is in the passes that stream
//! several buffers of that size at once (filling, the spectral product, copying out), which
//! the virtual machine this was measured on, having no hardware counters, does not let us
//! break down further. Short blocks, whose buffers stay in the cache, are not mapped.

use bytemuck::Pod;
use memmap2::MmapMut;
use rayon::prelude::*;
use realfft::num_complex::Complex;
use std::cell::RefCell;
use std::ops::{Deref, DerefMut};

/// The most memory one thread keeps for reuse.
const POOL_BYTES: usize = 64 << 20;

/// Transform buffers from this size up are mapped with huge pages (see the module's note):
/// those of a long kernel's schedules ($2^{18}$ points and more), not the short blocks'. At
/// $2^{18}$ the gain is within the noise; the threshold is where a buffer fills a huge page.
const HUGE_BYTES: usize = 2 << 20;

/// Whether large transform buffers are mapped with huge pages: always, except while
/// `huge_page_timings` (in `fourier.rs`) times the same calls without them.
static HUGE_PAGES: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(true);

/// Map large transform buffers with huge pages (`true`, the default) or take them from the
/// allocator, and empty this thread's pool so that the next call allocates afresh.
#[cfg(test)]
pub(crate) fn use_huge_pages(on: bool) {
    HUGE_PAGES.store(on, std::sync::atomic::Ordering::Relaxed);
    POOL.with(|p| *p.borrow_mut() = Pool::default());
}

/// The size of a transparent huge page on x86-64 and most 64-bit ARM kernels: mappings are
/// made in whole ones.
const HUGE_PAGE: usize = 2 << 20;

/// A buffer of `T`: an ordinary vector, or for a large transform buffer a mapping of its own
/// (see the module's note). Either way a slice of its length.
pub(crate) enum Buffer<T> {
    /// Memory from the allocator.
    Heap(Vec<T>),
    /// An anonymous mapping of whole huge pages; the first `len` entries are the buffer.
    Mapped {
        /// The mapping (zeroed by the kernel when made).
        map: MmapMut,
        /// The entries in use.
        len: usize,
        /// The element type.
        kind: std::marker::PhantomData<T>,
    },
}

impl<T> Default for Buffer<T> {
    fn default() -> Self {
        Buffer::Heap(Vec::new())
    }
}

impl<T> From<Vec<T>> for Buffer<T> {
    fn from(v: Vec<T>) -> Self {
        Buffer::Heap(v)
    }
}

impl<T: Pod> Deref for Buffer<T> {
    type Target = [T];
    fn deref(&self) -> &[T] {
        match self {
            Buffer::Heap(v) => v,
            Buffer::Mapped { map, len, .. } => &bytemuck::cast_slice(map)[..*len],
        }
    }
}

impl<T: Pod> DerefMut for Buffer<T> {
    fn deref_mut(&mut self) -> &mut [T] {
        match self {
            Buffer::Heap(v) => v,
            Buffer::Mapped { map, len, .. } => &mut bytemuck::cast_slice_mut(map)[..*len],
        }
    }
}

impl<'a, T: Pod> IntoIterator for &'a Buffer<T> {
    type Item = &'a T;
    type IntoIter = std::slice::Iter<'a, T>;
    fn into_iter(self) -> Self::IntoIter {
        self.iter()
    }
}

impl<'a, T: Pod> IntoIterator for &'a mut Buffer<T> {
    type Item = &'a mut T;
    type IntoIter = std::slice::IterMut<'a, T>;
    fn into_iter(self) -> Self::IntoIter {
        self.iter_mut()
    }
}

impl<T: Pod> Buffer<T> {
    /// How many entries fit without growing.
    fn capacity(&self) -> usize {
        match self {
            Buffer::Heap(v) => v.capacity(),
            Buffer::Mapped { map, .. } => map.len() / size_of::<T>(),
        }
    }

    /// A buffer of `len` zeros: mapped with huge pages when it is large enough and the
    /// kernel gives the mapping, from the allocator otherwise.
    fn new_zeroed(len: usize) -> Self {
        let bytes = len * size_of::<T>();
        if bytes >= HUGE_BYTES
            && HUGE_PAGES.load(std::sync::atomic::Ordering::Relaxed)
            && let Ok(map) = memmap2::MmapOptions::new()
                .len(bytes.next_multiple_of(HUGE_PAGE))
                .map_anon()
        {
            // Advice, not a requirement: where the kernel has no transparent huge pages the
            // mapping works with small ones.
            #[cfg(target_os = "linux")]
            let _ = map.advise(memmap2::Advice::HugePage);
            return Buffer::Mapped {
                map,
                len,
                kind: std::marker::PhantomData,
            };
        }
        Buffer::Heap(vec![T::zeroed(); len])
    }

    /// This buffer at length `len` (within its capacity, or grown), entries kept where it had
    /// them and zeros in the rest.
    fn at_len(self, len: usize) -> Self {
        match self {
            Buffer::Heap(v) => Buffer::Heap(at_len(v, len, T::zeroed())),
            Buffer::Mapped {
                mut map,
                len: old,
                kind,
            } if len <= map.len() / size_of::<T>() => {
                if len > old {
                    bytemuck::cast_slice_mut::<u8, T>(&mut map)[old..len].fill(T::zeroed());
                }
                Buffer::Mapped { map, len, kind }
            }
            Buffer::Mapped { .. } => {
                let mut grown = Self::new_zeroed(len);
                let n = self.len();
                grown[..n].copy_from_slice(&self);
                grown
            }
        }
    }
}

/// The released buffers of one thread, each with the time it was released: a buffer is taken
/// back by best fit (the smallest that is large enough, so that a small request does not use
/// up a large one), and when the pool is over [`POOL_BYTES`] the least recently released
/// buffers are dropped first — a call of the same size as the last one finds its buffers.
#[derive(Default)]
struct Pool {
    reals: Vec<(u64, Buffer<f64>)>,
    complexes: Vec<(u64, Buffer<Complex<f64>>)>,
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

/// The index of the smallest buffer of capacity ≥ `cap` in `list` (only those from the
/// allocator when `heap_only`: a mapping cannot become a `Vec`).
fn best_fit<T: Pod>(list: &[(u64, Buffer<T>)], cap: usize, heap_only: bool) -> Option<usize> {
    list.iter()
        .enumerate()
        .filter(|(_, (_, v))| v.capacity() >= cap && (!heap_only || matches!(v, Buffer::Heap(_))))
        .min_by_key(|(_, (_, v))| v.capacity())
        .map(|(i, _)| i)
}

thread_local! {
    static POOL: RefCell<Pool> = RefCell::new(Pool::default());
}

/// A released buffer of reals with capacity ≥ `cap`, as it was released.
fn take_reals(cap: usize, heap_only: bool) -> Option<Buffer<f64>> {
    POOL.with(|p| {
        let mut p = p.borrow_mut();
        let i = best_fit(&p.reals, cap, heap_only)?;
        Some(p.reals.swap_remove(i).1)
    })
}

/// A released buffer of complex numbers with capacity ≥ `cap`, as it was released.
fn take_complexes(cap: usize, heap_only: bool) -> Option<Buffer<Complex<f64>>> {
    POOL.with(|p| {
        let mut p = p.borrow_mut();
        let i = best_fit(&p.complexes, cap, heap_only)?;
        Some(p.complexes.swap_remove(i).1)
    })
}

/// The vector of a buffer taken with `heap_only`.
fn heap<T>(b: Buffer<T>) -> Option<Vec<T>> {
    match b {
        Buffer::Heap(v) => Some(v),
        Buffer::Mapped { .. } => None,
    }
}

/// `v` at length `len`, entries kept where it had them, `fill` in the rest.
fn at_len<T: Copy>(mut v: Vec<T>, len: usize, fill: T) -> Vec<T> {
    v.truncate(len);
    v.resize(len, fill);
    v
}

/// A zeroed vector of `len` reals, reusing a released one of enough capacity when there is one.
pub(crate) fn reals(len: usize) -> Vec<f64> {
    match take_reals(len, true).and_then(heap) {
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
    match take_complexes(len, true).and_then(heap) {
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
pub(crate) fn reals_overwritten(len: usize) -> Buffer<f64> {
    take_reals(len, false).map_or_else(|| Buffer::new_zeroed(len), |v| v.at_len(len))
}

/// As [`reals_overwritten`], for complex numbers.
pub(crate) fn complexes_overwritten(len: usize) -> Buffer<Complex<f64>> {
    take_complexes(len, false).map_or_else(|| Buffer::new_zeroed(len), |v| v.at_len(len))
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
    match take_reals(cap, true).and_then(heap) {
        Some(mut v) => {
            v.clear();
            v
        }
        None => Vec::with_capacity(cap),
    }
}

/// Give a vector back for reuse on this thread (the least recently released ones are dropped
/// when the pool is full).
pub(crate) fn release_reals(v: impl Into<Buffer<f64>>) {
    let v = v.into();
    POOL.with(|p| {
        let mut p = p.borrow_mut();
        p.clock += 1;
        let stamp = p.clock;
        p.reals.push((stamp, v));
        p.trim();
    });
}

/// Give a complex vector back for reuse on this thread.
pub(crate) fn release_complexes(v: impl Into<Buffer<Complex<f64>>>) {
    let v = v.into();
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
    fn a_large_transform_buffer_is_a_mapping_that_is_reused_as_a_vector_is() {
        let len = HUGE_BYTES / 8 + 3;
        let mut v = reals_overwritten(len);
        assert!(matches!(v, Buffer::Mapped { .. }), "{len} reals");
        assert!(v.len() == len && v.iter().all(|x| *x == 0.0));
        v.iter_mut().enumerate().for_each(|(i, x)| *x = i as f64);
        let ptr = v.as_ptr();
        release_reals(v);
        // Taken back shorter, then longer within the mapping: the entries as they were, and
        // zeros where the shorter one ended.
        let w = reals_overwritten(len - 10);
        assert!(w.as_ptr() == ptr && w.len() == len - 10 && w[len - 11] == (len - 11) as f64);
        release_reals(w);
        let w = reals_overwritten(len);
        assert!(w.as_ptr() == ptr && w[len - 11] == (len - 11) as f64);
        assert!(w[len - 10..].iter().all(|x| *x == 0.0));
        // A vector is never made of a mapping: a zeroed vector of that size is new memory.
        release_reals(w);
        let z = reals(len);
        assert!(z.as_ptr() != ptr && z.iter().all(|x| *x == 0.0));
        // Grown beyond its mapping, a buffer keeps its entries (in a new one).
        let mut c = complexes_overwritten(HUGE_BYTES / 16);
        c[5] = Complex::new(1.0, -1.0);
        let cap = c.capacity();
        let c = c.at_len(cap + 1);
        assert!(c.len() == cap + 1 && c[5] == Complex::new(1.0, -1.0) && c[cap].re == 0.0);
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
