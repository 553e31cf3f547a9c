//! The backtest (configs/backtest-2023.toml): the world's AI accelerator fleet as one
//! actor, 2023-01 to 2025-12, with the fixed policy of public capex splits, held to what
//! happened (Epoch AI's chip sales data, medians; CALIBRATION.md): chip power deployed per
//! year and over the three years, and the FLOP/s the fleet holds at the end. Like with
//! like: deployment per year and cumulative deployment, never a stock net of retirements
//! against cumulative sales.

use terafab::model::simulate;

/// Epoch AI, AI chip sales (all vendors, chip TDP): 0.35 / 1.46 / 5.3 / 12.4 GW sold
/// since 2022 at the end of 2022 / 2023 / 2024 / 2025.
const DEPLOYED_GW: [(i32, f64); 3] = [(2023, 1.46 - 0.35), (2024, 5.3 - 1.46), (2025, 12.4 - 5.3)];
/// ~19.7 M H100-equivalents sold by end-2025 x 989 TFLOP/s dense BF16.
const FLOPS_END_2025: f64 = 1.9e22;
/// The band the issue holds the backtest to.
const TOLERANCE: f64 = 0.30;

fn within(what: &str, model: f64, published: f64, tolerance: f64) -> bool {
    let off = model / published - 1.0;
    println!("{what:<40} model {model:10.3e}  published {published:10.3e}  {:+6.1}%", 100.0 * off);
    off.abs() <= tolerance
}

#[test]
fn the_world_fleet_2023_2025_lands_near_the_published_figures() {
    let exp = terafab::config::load(std::path::Path::new("configs/backtest-2023.toml")).unwrap();
    let text = std::fs::read_to_string("configs/policies/backtest-2023.toml").unwrap();
    let policy = terafab::model::policy::parse_policy_toml(&text, exp.run.knots, Some(&exp.run.knot_labels())).unwrap();
    let t = simulate(&exp.run, &exp.params, &policy);
    assert_eq!(t.months.len(), 36);
    let mut ok = true;
    let mut total = 0.0;
    for (k, &(year, published)) in DEPLOYED_GW.iter().enumerate() {
        let deployed: f64 =
            t.months[12 * k..12 * (k + 1)].iter().map(|r| r.flows.deployed_ground_gw + r.flows.deployed_space_gw).sum();
        total += deployed;
        ok &= within(&format!("chip power deployed in {year} (GW)"), deployed, published, TOLERANCE);
    }
    let published_total: f64 = DEPLOYED_GW.iter().map(|d| d.1).sum();
    ok &= within("deployed 2023-2025 (GW)", total, published_total, TOLERANCE);
    let flops = t.final_state.installed_eflops() * 1e18;
    ok &= within("FLOP/s held at the end of 2025", flops, FLOPS_END_2025, TOLERANCE);
    assert!(ok, "the backtest misses a published figure by more than {:.0}% (table above)", 100.0 * TOLERANCE);
}
