//! The search plan a run gets: the config's `[search]` values, and where it leaves one
//! out, defaults sized to a device class (a real GPU screens a million). Shared by
//! `optimize` and the sweep, which sizes every point for the CPU class whatever device
//! runs it, so a point's result does not depend on the node it ran on.

use super::pipeline::Plan;
use crate::config::{CmaCovariance, SearchSettings, SolverChoice};
use crate::eval::DeviceClass;
use crate::input::BadInput;
use anyhow::Result;

/// The search plan for this device: the config's `[search]` values, and where it leaves
/// one out, defaults sized to the device's speed (a real GPU screens a million).
pub fn resolve_plan(s: &SearchSettings, seed: u64, budget: Option<u64>, class: DeviceClass) -> Result<Plan> {
    let gpu = class == DeviceClass::HardwareGpu;
    // A million evaluations move the default's answer by under 2% between search seeds
    // here; 200,000 do not (README, "How the default was chosen"). A real GPU affords
    // four times as many in a third of the time.
    let budget_evals = budget.or(s.budget_evals).unwrap_or(if gpu { 1 << 22 } else { 1_000_000 });
    // The screening only picks the start (the centre of the box unless a random point
    // beats it) and the random baseline's first points: a twentieth of the budget.
    let screening = s.screening_samples.map_or(if gpu { 1 << 20 } else { budget_evals / 20 }, |v| v as u64);
    // Diagonal CMA-ES ends better with generations of 64 than of 128 (README, "Cost
    // against budget"): at 200,000 evaluations 259.15 against 260.63 months (seeds 1-5),
    // at 1,000,000 258.67 against 259.01 with the six seeds 0.55 months apart against
    // 1.44 (seeds 1-5 and 42). The full covariance and the swarm were measured at 128
    // and keep it. A real GPU's larger budget affords larger generations (not measured).
    let diagonal_cmaes = s.solver == SolverChoice::Cmaes && s.covariance == CmaCovariance::Diagonal;
    let population = s.population.unwrap_or(if gpu {
        1024
    } else if diagonal_cmaes {
        64
    } else {
        128
    });
    if screening > budget_evals {
        return Err(BadInput(format!(
            "search.screening_samples = {screening} is more than the evaluation budget {budget_evals}; \
             raise --budget (search.budget_evals) or lower screening_samples"
        ))
        .into());
    }
    Ok(Plan {
        seed,
        budget_evals,
        screening: screening.max(1),
        seeds_from_screening: s.seeds_from_screening,
        solver: s.solver,
        population,
        population_runs: s.population_runs,
        sigma0: s.step_size,
        covariance: s.covariance,
        elitist: s.elitist,
        polish_evals: s.polish_evals,
        checkpoint_every: s.checkpoint_every as u64,
        sweep_chunk: if gpu { 1 << 16 } else { 1 << 12 },
        compare_random: s.compare_random,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generations_follow_the_solver_and_the_device_unless_the_config_sets_them() {
        let exp = crate::config::parse(crate::config::DEFAULT_CONFIG, "default", "default").unwrap();
        let population = |budget: u64, class| resolve_plan(&exp.search, 1, Some(budget), class).unwrap().population;
        assert_eq!(population(200_000, DeviceClass::Cpu), 64);
        assert_eq!(population(1_000_000, DeviceClass::Cpu), 64);
        assert_eq!(population(1_000_000, DeviceClass::SoftwareGpu), 64);
        assert_eq!(population(1 << 22, DeviceClass::HardwareGpu), 1024);
        // The full covariance and the swarm were measured at 128 only.
        for (solver, covariance) in
            [(SolverChoice::Cmaes, CmaCovariance::Full), (SolverChoice::Pso, CmaCovariance::Diagonal)]
        {
            let s = SearchSettings { solver, covariance, ..exp.search.clone() };
            assert_eq!(resolve_plan(&s, 1, Some(200_000), DeviceClass::Cpu).unwrap().population, 128);
        }
        let mut set = exp.search.clone();
        set.population = Some(200);
        assert_eq!(resolve_plan(&set, 1, Some(200_000), DeviceClass::Cpu).unwrap().population, 200);
    }
}
