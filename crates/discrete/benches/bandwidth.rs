//! How much faster two threads work than one on this machine, for the three kinds of work a
//! long convolution is made of, each thread on its own data, one thread alone and then two at
//! once: `cargo bench -p flipshift-discrete --bench bandwidth`.
//!
//! - **Arithmetic** (a chain of fused multiply-adds in registers, no memory): what the two
//!   cores give when nothing is shared; ×2 unless the two virtual CPUs share a physical core
//!   or are taken away by other guests.
//! - **Streaming** (`b = 1.0000001·a`, one read and one write per entry), for arrays from what
//!   fits in a core's L2 cache to far beyond the shared L3: what two threads can gain on the
//!   passes that stream the signal, the output and the long transforms' buffers.
//! - **Transforms** (realfft's forward and inverse pair, the library the convolutions call)
//!   at the block lengths the overlap-save schedules use: the ceiling of any schedule that
//!   gives each thread its own blocks, since the blocks' transforms are most of their time.
//!   In buffers of small (4 KiB) pages and of transparent huge pages (2 MiB), which the
//!   library's transform buffers of 2 MiB and more are.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use realfft::RealFftPlanner;
use realfft::num_complex::Complex;
use std::hint::black_box;
use std::time::Instant;

/// Seconds for `threads` threads running `work` (given the thread's index) at once.
fn at_once(threads: usize, work: &(dyn Fn(usize) + Sync)) -> f64 {
    let t = Instant::now();
    std::thread::scope(|s| {
        for i in 0..threads {
            s.spawn(move || work(i));
        }
    });
    t.elapsed().as_secs_f64()
}

/// Best of five, one thread alone and then two at once (each doing the same work as the one),
/// the two alternating so that the machine's drift falls on both alike: (one thread's seconds,
/// two threads' seconds).
fn one_and_two(work: &(dyn Fn(usize) + Sync)) -> (f64, f64) {
    (0..5).fold((f64::INFINITY, f64::INFINITY), |(one, two), _| {
        (one.min(at_once(1, work)), two.min(at_once(2, work)))
    })
}

fn arithmetic() {
    let work = |i: usize| {
        // Eight independent chains, so that the FMA units, not the latency, set the pace.
        let mut acc = [1.0f64 + i as f64 * 1e-9; 8];
        for _ in 0..50_000_000 {
            for a in &mut acc {
                *a = a.mul_add(0.999_999_9, 1e-9);
            }
        }
        black_box(acc);
    };
    let (one, two) = one_and_two(&work);
    println!(
        "arithmetic (FMA chains in registers): speed-up ×{:.2}",
        2.0 * one / two
    );
}

fn streaming() {
    println!("\nstreaming, b = c·a\narray     one thread   two threads (sum)   speed-up");
    for kib in [512usize, 2048, 8192, 32768, 131_072] {
        let len = kib * 1024 / 8;
        let rounds = (4usize << 30) / (kib * 1024 * 2);
        let arrays: Vec<(Vec<f64>, std::sync::Mutex<Vec<f64>>)> = (0..2)
            .map(|_| (vec![1.0f64; len], std::sync::Mutex::new(vec![0.0f64; len])))
            .collect();
        let pass = |i: usize, rounds: usize| {
            let (a, b) = &arrays[i];
            let mut b = b.lock().unwrap();
            for _ in 0..rounds {
                for (bi, ai) in b.iter_mut().zip(a.iter()) {
                    *bi = ai * 1.000_000_1;
                }
                black_box(&mut *b);
            }
        };
        // A warm-up pass maps the pages.
        at_once(2, &|i| pass(i, 1));
        let (one, two) = one_and_two(&|i| pass(i, rounds));
        let bytes = (rounds * len * 16) as f64;
        println!(
            "{:>6} KiB  {:6.1} GB/s   {:6.1} GB/s         ×{:.2}",
            kib,
            bytes / one / 1e9,
            2.0 * bytes / two / 1e9,
            2.0 * one / two
        );
    }
}

/// `len` zeros of `T` in an anonymous mapping, advised for transparent huge pages when `huge`
/// (as the library's transform buffers of 2 MiB and more are), in small pages otherwise.
fn mapped<T: bytemuck::Pod>(len: usize, huge: bool) -> memmap2::MmapMut {
    let bytes = (len * size_of::<T>()).next_multiple_of(2 << 20);
    let map = memmap2::MmapOptions::new().len(bytes).map_anon().unwrap();
    #[cfg(target_os = "linux")]
    map.advise(if huge {
        memmap2::Advice::HugePage
    } else {
        memmap2::Advice::NoHugePage
    })
    .unwrap();
    map
}

fn transforms() {
    println!(
        "\nrealfft forward + inverse pairs, each thread its own buffers, in 4 KiB pages and in\n\
         transparent huge pages (ms per pair: one thread alone / each of two at once)\n\
         length     4 KiB pages: one    two   speed-up     huge pages: one    two   speed-up   \
         huge ÷ 4 KiB, one thread"
    );
    for len in [8192usize, 32_768, 131_072, 262_144, 458_752, 1_179_648] {
        let rounds = ((1usize << 27) / len).max(8);
        let run = |huge: bool| {
            let work = |_: usize| {
                let mut planner = RealFftPlanner::<f64>::new();
                let (fwd, inv) = (planner.plan_fft_forward(len), planner.plan_fft_inverse(len));
                let scratch_len = fwd.get_scratch_len().max(inv.get_scratch_len());
                let (mut t, mut f, mut c) = (
                    mapped::<f64>(len, huge),
                    mapped::<Complex<f64>>(len / 2 + 1, huge),
                    mapped::<Complex<f64>>(scratch_len, huge),
                );
                let time = &mut bytemuck::cast_slice_mut::<u8, f64>(&mut t)[..len];
                let freq = &mut bytemuck::cast_slice_mut::<u8, Complex<f64>>(&mut f)[..len / 2 + 1];
                let scratch =
                    &mut bytemuck::cast_slice_mut::<u8, Complex<f64>>(&mut c)[..scratch_len];
                time.iter_mut()
                    .enumerate()
                    .for_each(|(j, v)| *v = ((j * 7919) % 1000) as f64);
                for _ in 0..rounds {
                    fwd.process_with_scratch(time, freq, scratch).unwrap();
                    freq[0].im = 0.0;
                    freq[len / 2].im = 0.0;
                    inv.process_with_scratch(freq, time, scratch).unwrap();
                    let s = 1.0 / len as f64;
                    time.iter_mut().for_each(|v| *v *= s);
                    black_box(&mut *time);
                }
            };
            // Plans and pages are made in each run; a run's first pair warms them.
            let (one, two) = one_and_two(&work);
            (one / rounds as f64 * 1e3, two / rounds as f64 * 1e3)
        };
        let ((one, two), (one_huge, two_huge)) = (run(false), run(true));
        println!(
            "{len:>9}  {one:>16.3} {two:>7.3}    ×{:.2}  {one_huge:>18.3} {two_huge:>7.3}    ×{:.2}       ×{:.2}",
            2.0 * one / two,
            2.0 * one_huge / two_huge,
            one_huge / one
        );
    }
}

fn main() {
    arithmetic();
    streaming();
    transforms();
}
