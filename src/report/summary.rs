//! The numbers of one trajectory that a person or a script reads first: the objective,
//! when (and whether) the target is sustained, the sustained and peak levels, final
//! stocks, and the money identity (where the money came from and went, and what a GW
//! cost).

use crate::model::objective::Levels;
use crate::model::{Channel, Objective, Params, RunSpec, Trajectory};
use serde::Serialize;
use std::collections::BTreeMap;

/// Where the money came from and where it went over the run, and what deployment cost.
#[derive(Debug, Clone, Serialize)]
pub struct Money {
    pub initial_cash_busd: f64,
    pub funding_busd: f64,
    pub revenue_busd: f64,
    /// Borrowed on the credit line (inflow), interest accrued on it, and the debt left.
    pub borrowed_busd: f64,
    pub interest_busd: f64,
    pub final_debt_busd: f64,
    /// Every dollar spent, by what it bought (channels, electricity, wafers, package ops).
    pub spending_busd: BTreeMap<String, f64>,
    pub spending_total_busd: f64,
    pub final_cash_busd: f64,
    /// `initial + funding + revenue + borrowed - spending - final`: zero to rounding.
    pub identity_residual_busd: f64,
    /// Chips deployed over the run (GW of TDP).
    pub deployed_gw: f64,
    /// Capital spending (everything but electricity and debt service) per GW deployed
    /// over the run.
    pub average_busd_per_gw: f64,
    /// The same over the last 12 months of the run.
    pub last_12_months_busd_per_gw: f64,
    /// One more GW in service at the final month's prices: the cheaper chip (own, when the
    /// venture has a fab, else the market's) plus where it could go (ground while under
    /// the cap, else orbit).
    pub marginal_busd_per_gw: f64,
    /// Revenue over world spending on AI compute: in the final month, and at most.
    pub world_market_share_final: f64,
    pub world_market_share_peak: f64,
}

impl Money {
    pub fn new(p: &Params<f64>, t: &Trajectory) -> Self {
        let mut spending = BTreeMap::new();
        let mut add = |k: String, v: f64| *spending.entry(k).or_insert(0.0) += v;
        let (mut funding, mut revenue, mut deployed, mut electricity) = (0.0, 0.0, 0.0, 0.0);
        let (mut borrowed, mut interest, mut debt_service) = (0.0, 0.0, 0.0);
        let (mut share_peak, mut share_final) = (0.0f64, 0.0);
        let world = |market_busd: f64| market_busd / p.demand_addressable_share;
        for r in &t.months {
            let f = &r.flows;
            funding += f.funding_busd;
            revenue += f.revenue_busd;
            deployed += f.deployed_ground_gw + f.deployed_space_gw;
            electricity += f.spend_electricity_busd;
            borrowed += f.borrowed_busd;
            interest += f.interest_busd;
            debt_service += f.debt_service_busd;
            add("electricity".into(), f.spend_electricity_busd);
            add("wafers".into(), f.spend_wafers_busd);
            add("packaging_ops".into(), f.spend_packaging_ops_busd);
            add("servers_for_own_chips".into(), f.spend_servers_busd);
            add("debt_service".into(), f.debt_service_busd);
            for (c, x) in Channel::ALL.iter().zip(f.spend_channel_busd) {
                add(c.name().into(), x);
            }
            share_final = f.revenue_busd / world(f.market_busd);
            share_peak = share_peak.max(share_final);
        }
        let total: f64 = spending.values().sum();
        let last12 = &t.months[t.months.len().saturating_sub(12)..];
        let capital_12: f64 = last12
            .iter()
            .map(|r| r.flows.spend_total_busd() - r.flows.spend_electricity_busd - r.flows.debt_service_busd)
            .sum();
        let deployed_12: f64 = last12.iter().map(|r| r.flows.deployed_ground_gw + r.flows.deployed_space_gw).sum();
        let final_cash = t.final_state.cash_busd;
        let per_gw = |busd: f64, gw: f64| if gw > 0.0 { busd / gw } else { f64::NAN };
        Money {
            initial_cash_busd: p.initial_cash_busd,
            funding_busd: funding,
            revenue_busd: revenue,
            borrowed_busd: borrowed,
            interest_busd: interest,
            final_debt_busd: t.final_state.debt_busd,
            spending_total_busd: total,
            final_cash_busd: final_cash,
            identity_residual_busd: p.initial_cash_busd + funding + revenue + borrowed - total - final_cash,
            deployed_gw: deployed,
            average_busd_per_gw: per_gw(total - electricity - debt_service, deployed),
            last_12_months_busd_per_gw: per_gw(capital_12, deployed_12),
            marginal_busd_per_gw: t.months.last().map_or(f64::NAN, |r| marginal_busd_per_gw(p, r)),
            world_market_share_final: share_final,
            world_market_share_peak: share_peak,
            spending_busd: spending,
        }
    }
}

/// $B for one more GW of chips in service after month `r`, at that month's prices.
fn marginal_busd_per_gw(p: &Params<f64>, r: &crate::model::run::MonthRecord) -> f64 {
    let f = &r.flows;
    let chip = if r.state.fab_kwspm > 0.0 {
        f.own_chip_busd_per_gw.min(f.market_chip_busd_per_gw)
    } else {
        f.market_chip_busd_per_gw
    };
    let ground = (p.ground_power_capex_busd_per_gw * p.ground_pue + p.ground_datacenter_capex_busd_per_gw)
        * p.fleet_it_power_per_chip;
    let planned: f64 =
        r.state.ground_power_gw + r.state.ground_power_pipe.iter().chain(&r.state.grid_pipe).sum::<f64>();
    let place = if planned < p.ground_power_cap_gw { ground.min(f.space_busd_per_gw) } else { f.space_busd_per_gw };
    chip + place
}

#[derive(Debug, Serialize)]
pub struct TrajectorySummary {
    pub model_version: u32,
    pub objective: &'static str,
    pub cost: f64,
    pub cost_unit: &'static str,
    pub target_gw_per_year: f64,
    pub sustain_months: usize,
    /// Months from the start to the first month from which the trailing 12-month
    /// deployment holds the target for `sustain_months` (interpolated); null when that is
    /// never confirmed within the horizon.
    pub time_to_target_months: Option<f64>,
    pub target_date: Option<String>,
    /// The best sustained level and the peak, over the months the objective scores.
    pub sustained_gw_per_year: f64,
    pub peak_gw_per_year: f64,
    pub scored_months: usize,
    /// Months of the cost charged for retreat: the sustained level below its best so
    /// far before the target is reached (`objective.retreat_months_per_doubling`).
    pub retreat_months: f64,
    pub final_state: BTreeMap<&'static str, f64>,
    pub money: Money,
}

impl TrajectorySummary {
    pub fn new(run: &RunSpec, p: &Params<f64>, t: &Trajectory) -> Self {
        let s = &t.final_state;
        let reached = s.reached > 0.5;
        let ttt = reached.then_some(s.time_to_target_months);
        let levels = levels(run, t);
        let final_state = BTreeMap::from([
            ("cash_busd", s.cash_busd),
            ("fab_wspm", s.fab_kwspm * 1e3),
            ("pkg_capacity_per_month", s.pkg_mpm * 1e6),
            ("ground_power_gw", s.ground_power_gw),
            ("grid_power_gw", s.grid_power_gw),
            ("datacenter_gw", s.datacenter_gw),
            ("space_power_gw", s.space_power_gw),
            ("launch_capacity_t_per_month", s.launch_t_per_month),
            ("satellite_factory_gw_per_month", s.sat_factory_gw_per_month),
            ("debt_busd", s.debt_busd),
            ("installed_ground_gw", s.installed_ground_gw),
            ("installed_space_gw", s.installed_space_gw),
            ("installed_flops", s.installed_eflops() * 1e18),
            ("inventory_gw", s.inventory_gw),
            ("design_iterations", s.iterations),
            ("deployed_last_12m_gw", s.deployed_last_12m_gw),
        ]);
        TrajectorySummary {
            model_version: crate::model::MODEL_VERSION,
            objective: run.objective.name(),
            cost: t.cost,
            cost_unit: run.objective.cost_unit(),
            target_gw_per_year: run.target_gw_per_year,
            sustain_months: run.sustain_months,
            time_to_target_months: ttt,
            target_date: ttt.map(|m| target_date(run, m)),
            sustained_gw_per_year: levels.sustained_gw_per_year,
            peak_gw_per_year: levels.peak_gw_per_year,
            scored_months: levels.scored_months,
            retreat_months: run.retreat_charge_months(s),
            final_state,
            money: Money::new(p, t),
        }
    }
}

/// The calendar month a target time (months after the start) falls in.
pub fn target_date(run: &RunSpec, months: f64) -> String {
    run.start.plus(months.floor() as i64).to_string()
}

/// The sustained and peak levels of a recorded trajectory, as the objective scores them.
pub fn levels(run: &RunSpec, t: &Trajectory) -> Levels {
    let d: Vec<f64> = t.months.iter().map(|r| r.state.deployed_last_12m_gw).collect();
    Levels::of(&d, run.sustain_months, run.target_gw_per_year)
}

/// A one-line reading of the result, for the terminal.
pub fn headline(run: &RunSpec, t: &Trajectory) -> String {
    let s = &t.final_state;
    let l = levels(run, t);
    match (run.objective, s.reached > 0.5) {
        (Objective::TimeToTarget, true) => format!(
            "target {} GW/yr sustained for {} months from month {:.1} ({}); peak {:.1} GW/yr",
            run.target_gw_per_year,
            run.sustain_months,
            s.time_to_target_months,
            target_date(run, s.time_to_target_months),
            l.peak_gw_per_year
        ),
        (Objective::TimeToTarget, false) => format!(
            "target {} GW/yr not sustained within {} months; best sustained {:.1} GW/yr (over {} months), peak {:.1} \
             GW/yr; cost {:.2} months",
            run.target_gw_per_year,
            run.horizon_months,
            l.sustained_gw_per_year,
            run.sustain_months,
            l.peak_gw_per_year,
            t.cost
        ),
        (o, _) => format!(
            "{} cost {:.4} {}; best sustained {:.1} GW/yr, peak {:.1} GW/yr",
            o.name(),
            t.cost,
            o.cost_unit(),
            l.sustained_gw_per_year,
            l.peak_gw_per_year
        ),
    }
}
