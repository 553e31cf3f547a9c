//! "Accepted means computable" (issue 12): every parameter at either end of the range the
//! config layer accepts, the others at their defaults, gives finite stocks, flows and
//! costs in f64 and f32 on random policies, so a config `terafab check` passes never
//! turns into NaN or inf in a run.

mod common;

use terafab::config::default_experiment;
use terafab::model::policy::Alloc;
use terafab::model::{PARAM_SPECS, Params, simulate, trajectory_cost};

#[test]
fn every_parameter_at_either_end_of_its_range_computes_finite_numbers() {
    let exp = default_experiment();
    let mut rng = common::rng(21);
    let policies: Vec<_> = (0..4).map(|_| common::random_policy(&mut rng, exp.run.knots)).collect();
    let mut failures = Vec::new();
    for (i, spec) in PARAM_SPECS.iter().enumerate() {
        // Both ends, and points between them spaced evenly in log (or linearly from 0).
        let (lo, hi) = (common::lowest(spec), spec.bounds.hi);
        let inner: Vec<f64> = (1..8)
            .map(|j| {
                let f = j as f64 / 8.0;
                if lo > 1e-300 { lo * (hi / lo).powf(f) } else { lo + (hi - lo) * f.powi(3) }
            })
            .collect();
        let least = common::least_positive(spec);
        for value in [lo, least, hi].into_iter().chain(inner).map(|v| spec.bounds.nearest(v)) {
            let mut v = exp.params.to_vec();
            v[i] = value;
            let p = Params::from_slice(&v).unwrap();
            // The config layer refuses a stage floor above its base time; keep the pair valid.
            if terafab::config::cross_rule_problem(&p).is_some() {
                continue;
            }
            for (k, policy) in policies.iter().enumerate() {
                let t = simulate(&exp.run, &p, policy);
                let bad = t.months.iter().find_map(|r| {
                    r.state.named_stocks().into_iter().find(|(_, x)| !x.is_finite()).map(|(n, x)| (r.month, n, x))
                });
                let c32 = trajectory_cost(
                    &exp.run,
                    &p.cast::<f32>(),
                    &policy.iter().map(Alloc::cast::<f32>).collect::<Vec<_>>(),
                );
                if let Some((month, name, x)) = bad {
                    failures.push(format!("{} = {value:e}, policy {k}: {name} = {x} in month {month}", spec.path()));
                } else if !t.cost.is_finite() || !c32.is_finite() {
                    failures.push(format!("{} = {value:e}, policy {k}: cost f64 {} f32 {c32}", spec.path(), t.cost));
                }
            }
        }
    }
    assert!(failures.is_empty(), "{} accepted values compute NaN or inf:\n{}", failures.len(), failures.join("\n"));
}

/// Every parameter drawn at once from the whole range `check` accepts (log-uniform where
/// the range is positive): configs far stranger than any scenario, which must still
/// compute finite numbers.
#[test]
fn configs_drawn_from_the_whole_accepted_ranges_compute_finite_numbers() {
    let exp = default_experiment();
    let mut rng = common::rng(22);
    let (mut failures, mut tried) = (Vec::new(), 0);
    while tried < 2000 {
        let p = common::accepted_params(&mut rng);
        tried += 1;
        let policy = common::random_policy(&mut rng, exp.run.knots);
        let t = simulate(&exp.run, &p, &policy);
        let (p32, policy32) = (p.cast::<f32>(), policy.iter().map(Alloc::cast::<f32>).collect::<Vec<_>>());
        let table = terafab::model::paths::table_in(&p32, exp.run.horizon_months);
        // f32 is what the SIMD lanes and the kernel compute in: no stock may leave its range
        // (3.4e38), which the revenue cap and the learning floor (`model::step`) ensure.
        let mut bad32 = None;
        let (_, c32) = terafab::model::run::run_trajectory(
            &exp.run,
            &p32,
            |m| table[m],
            &policy32,
            |month, s, _| {
                if bad32.is_none() {
                    bad32 = s.named_stocks().into_iter().find(|(_, x)| !x.is_finite()).map(|(n, x)| (month, n, x));
                }
            },
        );
        let bad = t.months.iter().find_map(|r| {
            r.state.named_stocks().into_iter().find(|(_, x)| !x.is_finite()).map(|(n, x)| (r.month, n, x))
        });
        if bad.is_some() || bad32.is_some() || !t.cost.is_finite() || !c32.is_finite() {
            failures.push(format!("config {tried}: f64 {bad:?}, f32 {bad32:?}, cost f64 {} f32 {c32}", t.cost));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of 2,000 accepted configs compute NaN or inf:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
