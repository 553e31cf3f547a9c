//! The unit-cube samples the sweep designs are made of: Latin hypercubes (McKay, Beckman
//! and Conover 1979) and Owen-scrambled Sobol points (the `sobol_burley` crate: Kuo and
//! Joe's direction numbers, Burley's hash-based scrambling), both reproducible from a seed.

use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use rand_xoshiro::Xoshiro256PlusPlus;

/// The most points a Sobol design takes from one sequence (the crate's period).
pub const SOBOL_MAX_POINTS: usize = 1 << 16;
/// The most dimensions a Sobol design samples (the crate's direction numbers).
pub const SOBOL_MAX_DIMENSIONS: usize = 256;

/// `n` points in `[0, 1)^k`, one in each of the `n` equal strata of every axis, at a
/// random place within it.
pub fn latin_hypercube(n: usize, k: usize, seed: u64) -> Vec<Vec<f64>> {
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed);
    let mut points = vec![vec![0.0; k]; n];
    let mut strata: Vec<usize> = (0..n).collect();
    for axis in 0..k {
        strata.shuffle(&mut rng);
        for (point, &s) in points.iter_mut().zip(&strata) {
            point[axis] = (s as f64 + rng.random::<f64>()) / n as f64;
        }
    }
    points
}

/// Points `0 .. n` of a `k`-dimensional Owen-scrambled Sobol sequence; `seed` picks the
/// scrambling. `n` at most [`SOBOL_MAX_POINTS`], `k` at most [`SOBOL_MAX_DIMENSIONS`]
/// (the sweep file's checks say so before this runs).
pub fn sobol(n: usize, k: usize, seed: u64) -> Vec<Vec<f64>> {
    assert!(n <= SOBOL_MAX_POINTS && k <= SOBOL_MAX_DIMENSIONS, "Sobol design of {n} x {k} is beyond the sequence");
    // The crate scrambles with a 32-bit seed: fold the 64-bit one into it.
    let seed = (seed ^ (seed >> 32)) as u32;
    (0..n as u32).map(|i| (0..k as u32).map(|d| f64::from(sobol_burley::sample(i, d, seed))).collect()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_latin_hypercube_has_one_point_in_every_stratum_of_every_axis() {
        for (n, k) in [(1, 3), (7, 5), (100, 12)] {
            let pts = latin_hypercube(n, k, 11);
            assert_eq!(pts.len(), n);
            for axis in 0..k {
                let mut seen = vec![false; n];
                for p in &pts {
                    assert!((0.0..1.0).contains(&p[axis]));
                    let s = (p[axis] * n as f64) as usize;
                    assert!(!seen[s], "n {n}: axis {axis} stratum {s} twice");
                    seen[s] = true;
                }
            }
        }
        assert_eq!(latin_hypercube(9, 4, 5), latin_hypercube(9, 4, 5));
        assert_ne!(latin_hypercube(9, 4, 5), latin_hypercube(9, 4, 6));
    }

    #[test]
    fn sobol_points_are_nets_one_point_per_elementary_interval() {
        // The first 2^m points of every one-dimensional projection are a (0, m, 1)-net:
        // exactly one point in each interval [j / 2^m, (j + 1) / 2^m). Owen scrambling keeps
        // this, for every seed.
        let m = 8;
        for seed in [0, 7] {
            let pts = sobol(1 << m, 40, seed);
            for d in 0..40 {
                let mut seen = vec![false; 1 << m];
                for p in &pts {
                    let j = (p[d] * f64::from(1u32 << m)) as usize;
                    assert!(!seen[j], "seed {seed} dim {d}: interval {j} twice");
                    seen[j] = true;
                }
            }
            // Dimensions 0 and 1 form a (0, m, 2)-net: one point in every elementary box
            // of area 2^-m, for every split of the m bits between the axes.
            for bits_x in 0..=m {
                let (nx, ny) = (1usize << bits_x, 1usize << (m - bits_x));
                let mut seen = vec![false; 1 << m];
                for p in &pts {
                    let cell = (p[0] * nx as f64) as usize * ny + (p[1] * ny as f64) as usize;
                    assert!(!seen[cell], "seed {seed}: box {cell} of {nx} x {ny} twice");
                    seen[cell] = true;
                }
            }
        }
        assert_ne!(sobol(4, 2, 1), sobol(4, 2, 2));
    }
}
