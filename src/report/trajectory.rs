//! `trajectory.csv` (one row per month, units in column names), with the sustained level
//! from each month and the limit that binds deployment, for people and for pandas.

use super::binding::{Site, classify_all};
use crate::model::objective::sustained_levels;
use crate::model::state::{Flows, State};
use crate::model::{Channel, Params, RunSpec, Trajectory};

/// What limits the venture's own chip output in a month.
pub fn production_limit(f: &Flows<f64>) -> &'static str {
    let caps = [
        (f.fab_cap_gw, "fab"),
        (f.pkg_cap_gw, "packaging"),
        (f.cash_cap_gw, "cash"),
        (f.deploy_room_gw, "deployable_power"),
    ];
    caps.iter().min_by(|a, b| a.0.total_cmp(&b.0)).map_or("none", |c| c.1)
}

/// Where the run's chips can go, for the binding classification.
pub fn site(p: &Params<f64>) -> Site {
    Site { pue: p.ground_pue, ground_cap_gw: p.ground_power_cap_gw }
}

/// The CSV header.
pub fn header() -> Vec<String> {
    let mut h: Vec<String> =
        ["month", "date", "cash_busd", "revenue_busd", "funding_busd", "spend_busd"].map(String::from).to_vec();
    h.extend(Channel::ALL.iter().map(|c| format!("spend_{}_busd", c.name())));
    h.extend(
        [
            "spend_electricity_busd",
            "spend_wafers_busd",
            "spend_packaging_ops_busd",
            "spend_servers_busd",
            "debt_service_busd",
            "interest_busd",
            "borrowed_busd",
            "debt_busd",
            "debt_limit_busd",
            "fab_wspm",
            "fab_under_construction_wspm",
            "pkg_capacity",
            "eff_flops_per_w",
            "market_eff_flops_per_w",
            "iteration_months",
            "iterations_completed",
            "design_flops",
            "ground_power_gw",
            "grid_power_gw",
            "grid_started_gw",
            "plants_started_gw",
            "datacenter_gw",
            "space_power_gw",
            "launch_capacity_t_per_month",
            "satellite_factory_gw_per_month",
            "launch_price_usd_per_kg",
            "installed_ground_gw",
            "installed_space_gw",
            "installed_flops",
            "inventory_gw",
            "made_gw",
            "bought_gw",
            "deployed_gw",
            "deployed_last_12m_gw",
            "sustained_gw",
            "price_ratio",
            "market_busd",
            "spend_fraction",
            "design_compute_fraction",
            "production_limit",
            "binding_limit",
        ]
        .map(String::from),
    );
    h
}

/// The CSV text of a trajectory run on scenario `p`. `sustained_gw` is the least trailing
/// 12-month deployment over this month and the next `sustain_months - 1` (empty where
/// that window runs past the horizon).
pub fn to_csv(run: &RunSpec, p: &Params<f64>, t: &Trajectory) -> anyhow::Result<Vec<u8>> {
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record(header())?;
    let d: Vec<f64> = t.months.iter().map(|r| r.state.deployed_last_12m_gw).collect();
    let sustained = sustained_levels(&d, run.sustain_months);
    let limits = classify_all(&State::initial(p), &t.months, site(p));
    for (r, limit) in t.months.iter().zip(&limits) {
        let (s, f) = (&r.state, &r.flows);
        let mut row: Vec<String> = vec![r.month.to_string(), run.start.plus(r.month as i64).to_string()];
        let num = |x: f64| format!("{x:.6e}");
        row.extend([s.cash_busd, f.revenue_busd, f.funding_busd, f.spend_total_busd()].map(num));
        row.extend(f.spend_channel_busd.iter().map(|&x| num(x)));
        row.extend(
            [
                f.spend_electricity_busd,
                f.spend_wafers_busd,
                f.spend_packaging_ops_busd,
                f.spend_servers_busd,
                f.debt_service_busd,
                f.interest_busd,
                f.borrowed_busd,
                s.debt_busd,
                f.debt_limit_busd,
                s.fab_kwspm * 1e3,
                s.fab_pipe.iter().sum::<f64>() * 1e3,
                s.pkg_mpm * 1e6,
                f.own_eff_tflops_per_w * 1e12,
                f.market_eff_tflops_per_w * 1e12,
                f.iteration_months,
                s.iterations,
                f.design_eflops * 1e18,
                s.ground_power_gw,
                s.grid_power_gw,
                f.grid_started_gw,
                f.plants_started_gw,
                s.datacenter_gw,
                s.space_power_gw,
                s.launch_t_per_month,
                s.sat_factory_gw_per_month,
                f.launch_price_usd_per_kg,
                s.installed_ground_gw,
                s.installed_space_gw,
                s.installed_eflops() * 1e18,
                s.inventory_gw,
                f.made_gw,
                f.bought_gw,
                f.deployed_ground_gw + f.deployed_space_gw,
                s.deployed_last_12m_gw,
            ]
            .map(num),
        );
        row.push(sustained.get(r.month).map_or(String::new(), |&x| num(x)));
        row.extend([f.price_ratio, f.market_busd, f.spend_fraction, f.design_fraction].map(num));
        row.push(production_limit(f).into());
        row.push(limit.code().into());
        w.write_record(&row)?;
    }
    Ok(w.into_inner()?)
}
