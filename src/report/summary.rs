//! The numbers of one trajectory that a person or a script reads first: the objective,
//! when (and whether) the target is reached, final stocks and money totals.

use crate::model::{Channel, Objective, RunSpec, Trajectory};
use serde::Serialize;
use std::collections::BTreeMap;

#[derive(Debug, Serialize)]
pub struct TrajectorySummary {
    pub objective: &'static str,
    pub cost: f64,
    pub cost_unit: &'static str,
    pub target_gw_per_year: f64,
    /// Months from the start until the trailing 12-month deployment reaches the target
    /// (interpolated); null when it is not reached within the horizon.
    pub time_to_target_months: Option<f64>,
    pub target_date: Option<String>,
    pub peak_deployed_last_12m_gw: f64,
    pub final_state: BTreeMap<&'static str, f64>,
    pub totals_busd: BTreeMap<String, f64>,
}

impl TrajectorySummary {
    pub fn new(run: &RunSpec, t: &Trajectory) -> Self {
        let s = &t.final_state;
        let reached = s.reached > 0.5;
        let ttt = reached.then_some(s.time_to_target_months);
        let mut totals = BTreeMap::new();
        let mut add = |k: String, v: f64| *totals.entry(k).or_insert(0.0) += v;
        for r in &t.months {
            let f = &r.flows;
            add("funding".into(), f.funding_busd);
            add("revenue".into(), f.revenue_busd);
            add("spend".into(), f.spend_total_busd());
            add("spend_electricity".into(), f.spend_electricity_busd);
            add("spend_wafers".into(), f.spend_wafers_busd);
            add("spend_packaging_ops".into(), f.spend_packaging_ops_busd);
            for (c, x) in Channel::ALL.iter().zip(f.spend_channel_busd) {
                add(format!("spend_{}", c.name()), x);
            }
        }
        let final_state = BTreeMap::from([
            ("cash_busd", s.cash_busd),
            ("fab_wspm", s.fab_kwspm * 1e3),
            ("pkg_capacity_per_month", s.pkg_mpm * 1e6),
            ("ground_power_gw", s.ground_power_gw),
            ("datacenter_gw", s.datacenter_gw),
            ("space_power_gw", s.space_power_gw),
            ("launch_capacity_t_per_month", s.launch_t_per_month),
            ("installed_ground_gw", s.installed_ground_gw),
            ("installed_space_gw", s.installed_space_gw),
            ("installed_flops", s.installed_eflops() * 1e18),
            ("inventory_gw", s.inventory_gw),
            ("design_iterations", s.iterations),
            ("deployed_last_12m_gw", s.deployed_last_12m_gw),
        ]);
        TrajectorySummary {
            objective: run.objective.name(),
            cost: t.cost,
            cost_unit: run.objective.cost_unit(),
            target_gw_per_year: run.target_gw_per_year,
            time_to_target_months: ttt,
            target_date: ttt.map(|m| run.start.plus(m.floor() as i64).to_string()),
            peak_deployed_last_12m_gw: s.best_deployed_last_12m_gw,
            final_state,
            totals_busd: totals,
        }
    }
}

/// A one-line reading of the result, for the terminal.
pub fn headline(run: &RunSpec, t: &Trajectory) -> String {
    let s = &t.final_state;
    match (run.objective, s.reached > 0.5) {
        (Objective::TimeToTarget, true) => format!(
            "target {} GW/yr reached after {:.1} months ({})",
            run.target_gw_per_year,
            s.time_to_target_months,
            run.start.plus(s.time_to_target_months.floor() as i64)
        ),
        (Objective::TimeToTarget, false) => format!(
            "target {} GW/yr not reached in {} months; peak {:.1} GW/yr; cost {:.2} months",
            run.target_gw_per_year, run.horizon_months, s.best_deployed_last_12m_gw, t.cost
        ),
        (o, _) => format!("{} cost {:.4} {}", o.name(), t.cost, o.cost_unit()),
    }
}
