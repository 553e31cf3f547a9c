//! The search pipeline finds known optima through the same seam the model's evaluators
//! implement ([`BatchCost`]): standard test functions in 10 dimensions, to stated
//! tolerances, with CMA-ES and with argmin's particle swarm; and it is deterministic.

use terafab::config::{CmaCovariance, SolverChoice};
use terafab::search::BatchCost;
use terafab::search::pipeline::{Plan, run};
use terafab::search::progress::Silent;

/// A test function on `[-5, 5]^dim` with its minimum 0 at `shift`.
struct TestFn {
    dim: usize,
    shift: Vec<f64>,
    f: fn(&[f64]) -> f64,
    calls: u64,
    /// Every cost returned, in order.
    seen: Vec<f64>,
    /// Fail the call after this many (a run killed mid-search), if set.
    fail_after: Option<u64>,
}

impl TestFn {
    fn new(dim: usize, f: fn(&[f64]) -> f64, shifted: bool) -> Self {
        // A fixed, irregular shift inside [-2, 2] so the optimum is not at the centre.
        let shift =
            (0..dim).map(|i| if shifted { 2.0 * ((i as f64 * 1.618).fract() * 2.0 - 1.0) } else { 0.0 }).collect();
        TestFn { dim, shift, f, calls: 0, seen: Vec::new(), fail_after: None }
    }
}

impl BatchCost for TestFn {
    fn dim(&self) -> usize {
        self.dim
    }
    fn bound(&self) -> f64 {
        5.0
    }
    fn bulk_cost(&mut self, points: &[f64], out: &mut [f64]) -> anyhow::Result<()> {
        self.calls += 1;
        if self.fail_after.is_some_and(|k| self.calls > k) {
            anyhow::bail!("stopped after {} calls", self.calls - 1);
        }
        for (x, o) in points.chunks_exact(self.dim).zip(out.iter_mut()) {
            let z: Vec<f64> = x.iter().zip(&self.shift).map(|(a, s)| a - s).collect();
            *o = (self.f)(&z);
            self.seen.push(*o);
        }
        Ok(())
    }
}

fn sphere(z: &[f64]) -> f64 {
    z.iter().map(|v| v * v).sum()
}
/// Minimum at z = (1, ..., 1); shifted here so the optimum is at 1 in `x` (shift 0).
fn rosenbrock(z: &[f64]) -> f64 {
    z.windows(2).map(|w| 100.0 * (w[1] - w[0] * w[0]).powi(2) + (1.0 - w[0]).powi(2)).sum()
}
/// A separable ellipsoid: gene i weighs 10^(6 i / (n - 1)), a conditioning of 10^6.
fn ellipsoid(z: &[f64]) -> f64 {
    let n = z.len().max(2) as f64;
    z.iter().enumerate().map(|(i, v)| 1e6f64.powf(i as f64 / (n - 1.0)) * v * v).sum()
}
fn rastrigin(z: &[f64]) -> f64 {
    10.0 * z.len() as f64 + z.iter().map(|v| v * v - 10.0 * (2.0 * std::f64::consts::PI * v).cos()).sum::<f64>()
}

fn plan(solver: SolverChoice, population: usize, budget: u64, sigma0: f64) -> Plan {
    Plan {
        seed: 7,
        budget_evals: budget,
        screening: 2_000,
        seeds_from_screening: 8,
        solver,
        population,
        population_runs: 1,
        sigma0,
        covariance: CmaCovariance::Full,
        elitist: false,
        polish_evals: 3_000,
        checkpoint_every: 10,
        sweep_chunk: 500,
        compare_random: false,
    }
}

/// Runs the pipeline and returns (best cost, best point, evaluations).
fn solve(f: &mut TestFn, p: Plan) -> (f64, Vec<f64>, u64) {
    let st = run(f, p.clone(), None, None, &Silent).unwrap();
    let (cost, x) = st.best.clone().unwrap();
    assert!(st.evals <= p.budget_evals, "used {} evaluations of a budget of {}", st.evals, p.budget_evals);
    println!("best {cost:.3e} after {} evaluations; stages: {:?}", st.evals, st.stages);
    (cost, x, st.evals)
}

#[test]
fn cmaes_finds_the_shifted_sphere_minimum_in_10d() {
    let mut f = TestFn::new(10, sphere, true);
    let (cost, x, _) = solve(&mut f, plan(SolverChoice::Cmaes, 20, 20_000, 1.0));
    assert!(cost < 1e-10, "sphere: best {cost:e} (tolerance 1e-10)");
    for (xi, si) in x.iter().zip(&f.shift) {
        assert!((xi - si).abs() < 1e-5, "coordinate {xi} vs optimum {si}");
    }
}

#[test]
fn cmaes_finds_the_rosenbrock_minimum_in_10d() {
    let mut f = TestFn::new(10, rosenbrock, false);
    let (cost, x, _) = solve(&mut f, plan(SolverChoice::Cmaes, 40, 100_000, 1.0));
    assert!(cost < 1e-8, "Rosenbrock: best {cost:e} (tolerance 1e-8)");
    assert!(x.iter().all(|v| (v - 1.0).abs() < 1e-3), "Rosenbrock optimum is (1, ..., 1): {x:?}");
}

#[test]
fn cmaes_with_a_large_population_finds_the_rastrigin_global_minimum_in_10d() {
    let mut f = TestFn::new(10, rastrigin, true);
    let (cost, x, _) = solve(&mut f, plan(SolverChoice::Cmaes, 400, 300_000, 2.0));
    // Local minima of Rastrigin sit at integer offsets with cost >= ~1: below 1e-6 is global.
    assert!(cost < 1e-6, "Rastrigin: best {cost:e} (tolerance 1e-6; a local minimum costs >= 0.99)");
    for (xi, si) in x.iter().zip(&f.shift) {
        assert!((xi - si).abs() < 1e-4, "coordinate {xi} vs optimum {si}");
    }
}

#[test]
fn particle_swarm_through_bulk_cost_approaches_the_sphere_minimum() {
    let mut f = TestFn::new(10, sphere, true);
    let (cost, _, evals) = solve(&mut f, plan(SolverChoice::Pso, 64, 40_000, 1.0));
    assert!(cost < 1e-6, "PSO sphere: best {cost:e} (tolerance 1e-6)");
    // One bulk call per generation (plus screening chunks and single polish calls):
    // the swarm is costed as a batch, not point by point.
    assert!(f.calls < evals / 4, "{} calls for {evals} evaluations", f.calls);
}

#[test]
fn same_seed_same_result_and_the_budget_is_honoured() {
    let p = plan(SolverChoice::Cmaes, 24, 9_000, 1.0);
    let a = run(&mut TestFn::new(12, rastrigin, true), p.clone(), None, None, &Silent).unwrap();
    let b = run(&mut TestFn::new(12, rastrigin, true), p.clone(), None, None, &Silent).unwrap();
    assert_eq!(a.best.as_ref().map(|b| b.0.to_bits()), b.best.as_ref().map(|b| b.0.to_bits()));
    assert_eq!(a.best.as_ref().unwrap().1, b.best.as_ref().unwrap().1);
    assert_eq!(a.history, b.history);
    assert!(a.evals <= 9_000);
    let other = run(&mut TestFn::new(12, rastrigin, true), Plan { seed: 8, ..p }, None, None, &Silent).unwrap();
    assert_ne!(other.history, a.history, "another seed searches differently");
}

#[test]
fn the_convergence_history_is_the_true_best_so_far() {
    // Every history point (evaluations e, best b) must be the minimum of the first e costs
    // the function returned: no stage's later best shown early, none missed.
    for solver in [SolverChoice::Cmaes, SolverChoice::Pso] {
        let mut f = TestFn::new(10, rastrigin, true);
        let p = Plan { population_runs: 3, ..plan(solver, 24, 12_000, 1.0) };
        let st = run(&mut f, p, None, None, &Silent).unwrap();
        assert_eq!(st.evals as usize, f.seen.len());
        let mut prefix_min = Vec::with_capacity(f.seen.len());
        let mut m = f64::INFINITY;
        for &c in &f.seen {
            m = m.min(c);
            prefix_min.push(m);
        }
        for h in &st.history {
            let truth = prefix_min[h.evals as usize - 1];
            assert_eq!(
                h.best, truth,
                "{solver:?}: after {} evaluations the history says {}, the truth is {truth}",
                h.evals, h.best
            );
        }
        assert_eq!(st.history.last().unwrap().best, st.best.as_ref().unwrap().0);
        println!("{solver:?}: {} history points checked against {} evaluations", st.history.len(), f.seen.len());
    }
}

#[test]
fn diagonal_cmaes_learns_a_separable_ellipsoid_that_the_full_covariance_is_still_learning() {
    // 40 genes with scales 10^3 apart: one scale per gene is all the problem needs. The
    // full matrix learns at ~2/n^2 a generation, the diagonal at ~1/n (pycma's
    // separable rates), so at the same budget the diagonal search is far closer.
    let p = Plan { polish_evals: 0, ..plan(SolverChoice::Cmaes, 16, 24_000, 1.0) };
    let (full, _, _) = solve(&mut TestFn::new(40, ellipsoid, true), p.clone());
    let diagonal = Plan { covariance: CmaCovariance::Diagonal, ..p };
    let (diag, x, _) = solve(&mut TestFn::new(40, ellipsoid, true), diagonal.clone());
    println!("ellipsoid 40-d at 24,000 evaluations: full {full:.3e}, diagonal {diag:.3e}");
    assert!(diag < 1e-8, "diagonal CMA-ES on the ellipsoid: {diag:e} (tolerance 1e-8)");
    assert!(diag < full * 1e-3, "diagonal {diag:e} is not a thousandth of full {full:e}");
    let shift = TestFn::new(40, ellipsoid, true).shift;
    assert!(x.iter().zip(&shift).all(|(a, s)| (a - s).abs() < 1e-3), "{x:?}");
    // Deterministic, as the full search is.
    let (again, _, _) = solve(&mut TestFn::new(40, ellipsoid, true), diagonal);
    assert_eq!(again.to_bits(), diag.to_bits());
}

#[test]
fn elitist_cmaes_finds_the_sphere_and_rosenbrock_minima_with_either_covariance() {
    for covariance in [CmaCovariance::Full, CmaCovariance::Diagonal] {
        let p = Plan { covariance, elitist: true, polish_evals: 0, ..plan(SolverChoice::Cmaes, 20, 20_000, 1.0) };
        let (cost, _, _) = solve(&mut TestFn::new(10, sphere, true), p);
        assert!(cost < 1e-10, "{covariance:?} elitist sphere: {cost:e} (tolerance 1e-10)");
    }
    // Rosenbrock's curved valley needs correlations: the full covariance, elitist.
    let p = Plan { elitist: true, ..plan(SolverChoice::Cmaes, 40, 100_000, 1.0) };
    let (cost, _, _) = solve(&mut TestFn::new(10, rosenbrock, false), p);
    assert!(cost < 1e-8, "elitist Rosenbrock: {cost:e} (tolerance 1e-8)");
}

#[test]
fn a_diagonal_elitist_search_stopped_midway_resumes_from_its_checkpoints_to_the_same_result() {
    // The separable scales and the elite travel in the checkpoint like the covariance.
    let p = Plan {
        covariance: CmaCovariance::Diagonal,
        elitist: true,
        population_runs: 2,
        checkpoint_every: 3,
        polish_evals: 0,
        ..plan(SolverChoice::Cmaes, 16, 12_000, 1.0)
    };
    let whole = run(&mut TestFn::new(12, rastrigin, true), p.clone(), None, None, &Silent).unwrap();
    let tmp = tempfile::tempdir().unwrap();
    let dir = terafab::search::pipeline::CheckpointDir { dir: tmp.path().to_path_buf(), run: [7; 32] };
    let mut stops = 0;
    let resumed = loop {
        let mut f = TestFn::new(12, rastrigin, true);
        f.fail_after = Some(37);
        match run(&mut f, p.clone(), Some(&dir), None, &Silent) {
            Ok(st) => break st,
            Err(_) => stops += 1,
        }
        assert!(stops < 1_000, "no progress across resumes");
    };
    assert!(stops >= 3, "the run ended before it could be stopped three times ({stops})");
    assert_eq!(resumed.best.as_ref().map(|b| b.0.to_bits()), whole.best.as_ref().map(|b| b.0.to_bits()));
    assert_eq!(resumed.best.unwrap().1, whole.best.unwrap().1);
}
