//! The host/GPU data layout: the `Run` uniform mirrored in WGSL, and the shader source
//! assembled from the registry-generated `Params` struct and `shaders/step.wgsl`.

use crate::model::params::wgsl_params_struct;
use bytemuck::{Pod, Zeroable};

/// Mirrors `struct Run` in shaders/step.wgsl (eight 4-byte fields, 32 bytes).
#[repr(C)]
#[derive(Debug, Clone, Copy, Pod, Zeroable, PartialEq)]
pub struct RunUniform {
    pub horizon: u32,
    pub phases: u32,
    pub n_scenarios: u32,
    pub n_trajectories: u32,
    pub objective: u32,
    pub row_stride: u32,
    pub target_gw: f32,
    pub penalty_months: f32,
}

/// The kernel's source as compiled: the generated `struct Params`, then step.wgsl.
pub fn shader_source() -> String {
    format!("{}\n{}", wgsl_params_struct(), include_str!("../../shaders/step.wgsl"))
}

/// Invocations per workgroup (`@workgroup_size(64)` in the shader).
pub const WORKGROUP_SIZE: u32 = 64;
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
