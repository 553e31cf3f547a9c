//! Independent random streams from a seed: SplitMix64's finaliser mixes (seed, tag,
//! index) into a stream's seed, distinct for every triple. The population runs of a
//! search and the searches of a sweep's points draw theirs here.

/// The random stream `index` of a search seeded `seed`, for a purpose tagged `tag`.
/// `seed ^ run` made seeds 1, 2 and 3 share the streams {0, 1, 2, 3} between them, so
/// their runs were not independent and two seeds could end on the very same policy.
pub fn run_stream(seed: u64, tag: u64, index: usize) -> u64 {
    let mut z = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15)
        ^ tag
        ^ (index as u64).wrapping_add(1).wrapping_mul(0xD1B5_4A32_D192_ED03);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

#[cfg(test)]
mod tests {
    use super::run_stream;

    #[test]
    fn run_streams_differ_for_every_seed_and_run() {
        let mut seen = std::collections::HashSet::new();
        for seed in 0..64u64 {
            for run in 0..8 {
                assert!(seen.insert(run_stream(seed, 0x000C_3AE5, run)), "seed {seed} run {run} repeats a stream");
            }
        }
    }
}
