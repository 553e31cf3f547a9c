//! The agreement the tests hold the float paths to, stated once. Costs are in the
//! objective's unit: months for `time_to_target`, decades (log10) for the FLOP objectives.

use crate::model::Objective;

/// |f32 model - f64 model| over the full horizon. Measured worst over 300 random
/// (policy, scenario) pairs at model version 3 with the exogenous paths read from the
/// f64 table (tests/model_invariants.rs): 2.3e-3 months, 1.0e-5 and 8.0e-5 decades (a
/// run that borrows to the edge of its credit line compounds f32 rounding in its debt);
/// the bounds leave 4-30x room.
pub fn f32_vs_f64(objective: Objective) -> f64 {
    match objective {
        Objective::TimeToTarget => 0.01,
        Objective::FinalFlops | Objective::CumulativeFlops => 3e-4,
    }
}

/// |GPU kernel - CPU f32 model|: the same f32 operations in the same order on the same
/// table of exogenous paths, so only the GPU's exp/log (and its fused multiply-adds)
/// differ. Measured on lavapipe (tests/gpu_vs_cpu.rs, 10,000 random trajectories each):
/// 3.2e-3 months, 3.4e-5 and 4.8e-5 decades; on an H200 (model version 1) all within.
pub fn gpu_vs_cpu_f32(objective: Objective) -> f64 {
    match objective {
        Objective::TimeToTarget => 0.005,
        Objective::FinalFlops | Objective::CumulativeFlops => 1e-4,
    }
}

/// |SIMD lanes (f32) - f64 model|: held to the same end-to-end bound as the GPU against
/// the f64 reference (f32 rounding plus a different exp/ln).
pub fn simd_vs_f64(objective: Objective) -> f64 {
    f32_vs_f64(objective) + gpu_vs_cpu_f32(objective)
}
