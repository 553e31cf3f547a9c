//! The host/GPU data layout: the `Run` uniform mirrored in WGSL, and the generated shader
//! prelude (the registry's `Params` struct and the layout constants) that every shader in
//! `shaders/` is compiled with, so host and kernel share one definition of each.

use crate::model::Channel;
use crate::model::params::wgsl_params_struct;
use crate::model::paths::N_PATHS;
use crate::model::policy::{ALLOC_PER_KNOT, N_CHANNELS};
use crate::model::state::MAX_SUSTAIN_MONTHS;
use bytemuck::{Pod, Zeroable};

/// Mirrors `struct Run` in shaders/step.wgsl (sixteen 4-byte fields, 64 bytes: a
/// multiple of 16, as uniform buffers want).
#[repr(C)]
#[derive(Debug, Clone, Copy, Pod, Zeroable, PartialEq)]
pub struct RunUniform {
    pub horizon: u32,
    pub knots: u32,
    pub n_scenarios: u32,
    pub n_trajectories: u32,
    pub objective: u32,
    pub row_stride: u32,
    pub target_gw: f32,
    pub penalty_months: f32,
    /// `objective.sustain_months` (L).
    pub sustain: u32,
    /// `T - L + 1`, where the not-reached cost starts.
    pub last_confirmable: f32,
    /// `objective.basis`: 0 chip power, 1 system power.
    pub system_basis: u32,
    /// Candidates in the dispatch (the grid's x and y cover them; z is the scenario).
    pub n_candidates: u32,
    /// `objective.retreat_months_per_doubling`.
    pub retreat_months: f32,
    pub pad: [u32; 3],
}

/// Invocations per workgroup (`WORKGROUP_SIZE` in the shader's prelude).
pub const WORKGROUP_SIZE: u32 = 64;

/// What the host prepends to every shader: `struct Params` and the layout constants.
pub fn shader_prelude() -> String {
    let mut s = wgsl_params_struct();
    s.push_str("// Generated from src/gpu/layout.rs: do not edit.\n");
    s.push_str(&format!("const WORKGROUP_SIZE: u32 = {WORKGROUP_SIZE}u;\n"));
    s.push_str(&format!("const N_CHANNELS: u32 = {N_CHANNELS}u;\n"));
    s.push_str(&format!("const ALLOC_PER_KNOT: u32 = {ALLOC_PER_KNOT}u;\n"));
    s.push_str(&format!("const MAX_SUSTAIN: u32 = {MAX_SUSTAIN_MONTHS}u;\n"));
    s.push_str(&format!("const N_PATHS: u32 = {N_PATHS}u;\n"));
    s.push_str(&format!("const LEARNING_FLOOR: f32 = {:e};\n", crate::model::step::LEARNING_FLOOR));
    s.push_str(&format!("const LEVEL_FLOOR_OF_TARGET: f32 = {:e};\n", crate::model::step::LEVEL_FLOOR_OF_TARGET));
    s.push_str(&format!("const RETREAT_FLOOR_OF_TARGET: f32 = {:e};\n", crate::model::step::RETREAT_FLOOR_OF_TARGET));
    for c in Channel::ALL {
        s.push_str(&format!("const CH_{}: u32 = {}u;\n", c.name().to_uppercase(), c as usize));
    }
    s
}

/// The kernel's source as compiled: the prelude, then shaders/step.wgsl.
pub fn shader_source() -> String {
    format!("{}\n{}", shader_prelude(), include_str!("../../shaders/step.wgsl"))
}
/// Workgroups per grid dimension (the WebGPU / Vulkan minimum limit).
pub const MAX_GROUPS_PER_DIM: u32 = 65_535;

/// A balanced 2D grid covering `n` invocations: `(x groups, y groups)`. Balanced because
/// lavapipe pays almost full price for workgroups that lie entirely out of range.
pub fn grid(n: u32) -> (u32, u32) {
    let groups = n.div_ceil(WORKGROUP_SIZE).max(1);
    let y = groups.div_ceil(MAX_GROUPS_PER_DIM);
    let x = groups.div_ceil(y);
    (x, y)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grids_cover_every_invocation_with_little_waste() {
        for n in [1u32, 63, 64, 65, 4_194_304, 65_535 * 64 + 1, 100_000_000] {
            let (x, y) = grid(n);
            assert!(x <= MAX_GROUPS_PER_DIM && y <= MAX_GROUPS_PER_DIM);
            let covered = x as u64 * y as u64 * WORKGROUP_SIZE as u64;
            assert!(covered >= n as u64, "{n}");
            assert!(covered - (n as u64) < (y as u64 + 1) * WORKGROUP_SIZE as u64, "{n}: waste {}", covered - n as u64);
        }
    }
}
