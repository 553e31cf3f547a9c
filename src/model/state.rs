//! The stocks of one trajectory (its state between months) and the flows of one month.

use super::params::Params;
use super::policy::N_CHANNELS;
use super::real::Real;

/// Months in the trailing deployment window of the headline metric.
pub const TRAILING_MONTHS: usize = 12;
/// The longest `objective.sustain_months` a run may ask for (the ring the sustained level
/// is computed over has this many slots, on the GPU too).
pub const MAX_SUSTAIN_MONTHS: usize = 60;

/// Every stock of one (policy, scenario) trajectory. Units are in the names:
/// `_busd` billions of dollars, `_gw` gigawatts, `_eflops` 1e18 FLOP/s, `_k` thousands.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct State<R> {
    pub cash_busd: R,
    /// Logic fab capacity in operation, thousand wafer starts per month.
    pub fab_kwspm: R,
    /// Fab capacity under construction, in the three stages of a DELAY3.
    pub fab_pipe: [R; 3],
    /// Packaging + HBM capacity in operation, million packages per month.
    pub pkg_mpm: R,
    pub pkg_pipe: [R; 3],
    /// Ground power available to compute (at the meter, before PUE): own plants and grid
    /// connections together.
    pub ground_power_gw: R,
    /// Own plants under construction.
    pub ground_power_pipe: [R; 3],
    /// The part of `ground_power_gw` that comes from the grid (it pays the grid's tariff).
    pub grid_power_gw: R,
    /// Grid connections in the utility's queue.
    pub grid_pipe: [R; 3],
    /// Datacentre halls, GW of IT load they can host.
    pub datacenter_gw: R,
    pub datacenter_pipe: [R; 3],
    /// Launch capacity, tonnes to orbit per month.
    pub launch_t_per_month: R,
    pub launch_pipe: [R; 3],
    /// Satellite factory output, GW of satellite power per month, and what is being built.
    pub sat_factory_gw_per_month: R,
    pub sat_factory_pipe: [R; 3],
    /// Orbital power (satellites launched and alive), GW of IT load it can feed.
    pub space_power_gw: R,
    /// Accelerator TDP deployed on the ground / in space.
    pub installed_ground_gw: R,
    pub installed_space_gw: R,
    /// FLOP/s of the deployed chips, ground / space.
    pub flops_ground_eflops: R,
    pub flops_space_eflops: R,
    /// Chips made or bought but not yet deployable (they age like deployed ones).
    pub inventory_gw: R,
    pub inventory_eflops: R,
    /// Design iterations completed (a fluid count: progress accrues continuously).
    pub iterations: R,
    /// Cumulative investment in mask shop, hot-lot line and test automation.
    pub infra_busd: R,
    /// Learning stocks.
    pub cum_wafers_k: R,
    pub cum_fab_built_kwspm: R,
    pub cum_launched_t: R,
    pub cum_satellite_gw: R,
    /// Packages made, millions.
    pub cum_packages_m: R,
    /// Debt outstanding on the credit line, $B.
    pub debt_busd: R,
    /// Monthly revenue, averaged over about a year (the credit line is sized to it).
    pub revenue_avg_busd: R,
    /// Deployment of the last 12 months, indexed by month % 12.
    pub deployed_ring_gw: [R; TRAILING_MONTHS],
    /// The headline metric: chips deployed over the trailing 12 months (GW/yr), `D(t)`.
    pub deployed_last_12m_gw: R,
    /// The peak of `D` so far.
    pub best_deployed_last_12m_gw: R,
    /// `D` of the last `sustain_months` months, indexed by month % sustain_months.
    pub sustain_ring_gw: [R; MAX_SUSTAIN_MONTHS],
    /// The sustained level of the latest full window: the least `D` over the last
    /// `sustain_months` months (0 until a window is full).
    pub sustained_gw: R,
    /// The best sustained level so far (the not-reached cost's shortfall is measured to it).
    pub best_sustained_gw: R,
    /// Retreat before the target is reached: the sum over confirmed months of
    /// `log2(best sustained so far / sustained now)`, in doubling-months (0 for a
    /// sustained level that never falls).
    pub retreat_doubling_months: R,
    /// Compute delivered so far (installed and running), EFLOP/s x months.
    pub cum_eflops_months: R,
    /// Interpolated month from which the target is first sustained (valid when `reached` is 1).
    pub time_to_target_months: R,
    /// 0 until the target is reached, then 1.
    pub reached: R,
}

impl<R: Real> State<R> {
    /// The venture in the start month: a new entrant with its parents' compute.
    #[inline(always)]
    pub fn initial(p: &Params<R>) -> Self {
        let z = R::lit(0.0);
        let third = p.initial_fab_under_construction_kwspm / R::lit(3.0);
        let factory_third = p.initial_satellite_factory_under_construction_gw_per_month / R::lit(3.0);
        let grid_third = p.initial_grid_under_construction_gw / R::lit(3.0);
        // The parents' fleet runs as far as the initial power and halls allow; the rest
        // waits in inventory (a scenario may sample less power than the fleet needs).
        let capacity =
            (p.initial_ground_power_gw / p.ground_pue).min(p.initial_datacenter_gw) / p.fleet_it_power_per_chip;
        let installed = p.initial_installed_ground_gw.min(capacity);
        let waiting = p.initial_installed_ground_gw - installed;
        let eflops_per_gw = p.initial_fleet_eff_tflops_per_w * R::lit(1000.0);
        State {
            cash_busd: p.initial_cash_busd,
            fab_kwspm: z,
            fab_pipe: [third; 3],
            pkg_mpm: z,
            pkg_pipe: [z; 3],
            ground_power_gw: p.initial_ground_power_gw,
            ground_power_pipe: [z; 3],
            grid_power_gw: z,
            grid_pipe: [grid_third; 3],
            datacenter_gw: p.initial_datacenter_gw,
            datacenter_pipe: [z; 3],
            launch_t_per_month: p.initial_launch_capacity_t_per_month,
            launch_pipe: [z; 3],
            sat_factory_gw_per_month: p.initial_satellite_factory_gw_per_month,
            sat_factory_pipe: [factory_third; 3],
            space_power_gw: z,
            installed_ground_gw: installed,
            installed_space_gw: z,
            flops_ground_eflops: installed * eflops_per_gw,
            flops_space_eflops: z,
            inventory_gw: waiting,
            inventory_eflops: waiting * eflops_per_gw,
            iterations: z,
            infra_busd: z,
            cum_wafers_k: z,
            cum_fab_built_kwspm: p.initial_fab_under_construction_kwspm,
            cum_launched_t: z,
            cum_satellite_gw: z,
            cum_packages_m: z,
            debt_busd: z,
            revenue_avg_busd: z,
            deployed_ring_gw: [z; TRAILING_MONTHS],
            deployed_last_12m_gw: z,
            best_deployed_last_12m_gw: z,
            sustain_ring_gw: [z; MAX_SUSTAIN_MONTHS],
            sustained_gw: z,
            best_sustained_gw: z,
            retreat_doubling_months: z,
            cum_eflops_months: z,
            time_to_target_months: z,
            reached: z,
        }
    }

    /// Every stock, named, for the invariant tests.
    pub fn named_stocks(&self) -> Vec<(&'static str, R)> {
        let mut v = vec![
            ("cash_busd", self.cash_busd),
            ("fab_kwspm", self.fab_kwspm),
            ("pkg_mpm", self.pkg_mpm),
            ("ground_power_gw", self.ground_power_gw),
            ("grid_power_gw", self.grid_power_gw),
            ("datacenter_gw", self.datacenter_gw),
            ("launch_t_per_month", self.launch_t_per_month),
            ("space_power_gw", self.space_power_gw),
            ("installed_ground_gw", self.installed_ground_gw),
            ("installed_space_gw", self.installed_space_gw),
            ("flops_ground_eflops", self.flops_ground_eflops),
            ("flops_space_eflops", self.flops_space_eflops),
            ("inventory_gw", self.inventory_gw),
            ("inventory_eflops", self.inventory_eflops),
            ("iterations", self.iterations),
            ("infra_busd", self.infra_busd),
            ("cum_wafers_k", self.cum_wafers_k),
            ("cum_fab_built_kwspm", self.cum_fab_built_kwspm),
            ("cum_launched_t", self.cum_launched_t),
            ("cum_satellite_gw", self.cum_satellite_gw),
            ("cum_packages_m", self.cum_packages_m),
            ("debt_busd", self.debt_busd),
            ("revenue_avg_busd", self.revenue_avg_busd),
            ("sat_factory_gw_per_month", self.sat_factory_gw_per_month),
            ("deployed_last_12m_gw", self.deployed_last_12m_gw),
            ("sustained_gw", self.sustained_gw),
            ("best_sustained_gw", self.best_sustained_gw),
            ("retreat_doubling_months", self.retreat_doubling_months),
            ("cum_eflops_months", self.cum_eflops_months),
        ];
        for (name, pipe) in [
            ("fab_pipe", self.fab_pipe),
            ("pkg_pipe", self.pkg_pipe),
            ("ground_power_pipe", self.ground_power_pipe),
            ("grid_pipe", self.grid_pipe),
            ("datacenter_pipe", self.datacenter_pipe),
            ("launch_pipe", self.launch_pipe),
            ("sat_factory_pipe", self.sat_factory_pipe),
        ] {
            v.extend(pipe.iter().map(|&x| (name, x)));
        }
        v
    }

    /// Installed FLOP/s, ground and space.
    pub fn installed_eflops(&self) -> R {
        self.flops_ground_eflops + self.flops_space_eflops
    }
}

/// What happened in one month: the flows, and the quantities an analyst reads off them.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Flows<R> {
    pub funding_busd: R,
    pub revenue_busd: R,
    pub spend_electricity_busd: R,
    pub spend_wafers_busd: R,
    pub spend_packaging_ops_busd: R,
    /// Servers and cluster network for the own chips made this month (market chips' are
    /// in their channel's spending).
    pub spend_servers_busd: R,
    /// Cash paid on the debt (interest first, then principal), the interest that accrued,
    /// and what spending beyond cash borrowed.
    pub debt_service_busd: R,
    pub interest_busd: R,
    pub borrowed_busd: R,
    /// Discretionary spending actually made, per channel (unused budget stays as cash).
    pub spend_channel_busd: [R; N_CHANNELS],
    /// Own chips made (TDP).
    pub made_gw: R,
    pub bought_gw: R,
    pub deployed_ground_gw: R,
    pub deployed_space_gw: R,
    /// Production caps this month: fab wafers, packaging, cash (GW of chips).
    pub fab_cap_gw: R,
    pub pkg_cap_gw: R,
    pub cash_cap_gw: R,
    /// FLOP/s per W of the venture's own chip in production.
    pub own_eff_tflops_per_w: R,
    pub market_eff_tflops_per_w: R,
    /// Length of one design iteration at this month's investment levels.
    pub iteration_months: R,
    pub design_eflops: R,
    /// Share of the ground fleet the treasury could power this month.
    pub ground_utilisation: R,
    pub launch_price_usd_per_kg: R,
    /// Price actually obtained per EFLOP/s-month, against the reference price.
    pub price_ratio: R,
    /// Room for new chips at the start of the month (free power less inventory).
    pub deploy_room_gw: R,
    /// Room left for chips on the ground / in space after deployment.
    pub ground_room_gw: R,
    pub space_room_gw: R,
    /// The month's interpolated policy: share of cash spent, of credit headroom drawn,
    /// of compute to design.
    pub spend_fraction: R,
    pub borrow_fraction: R,
    pub design_fraction: R,
    /// What the venture can sell into this month: the addressable market ($B/month).
    pub market_busd: R,
    /// Market chips: the most the venture may buy (its share of world supply) and what
    /// its market budget would have bought, GW.
    pub market_supply_gw: R,
    pub market_budget_gw: R,
    /// Satellites (GW of satellite power): what launch capacity can lift, what the
    /// factories can build and what the space budget buys.
    pub space_launch_cap_gw: R,
    pub space_factory_cap_gw: R,
    pub space_budget_gw: R,
    pub space_new_gw: R,
    /// Unit costs this month ($B per GW of chips): own chips (wafers, packages and
    /// servers), market chips with their servers, and the orbital power for a GW of chips
    /// (satellites + launch, no chip).
    pub own_chip_busd_per_gw: R,
    pub market_chip_busd_per_gw: R,
    pub space_busd_per_gw: R,
    /// The credit line's limit this month.
    pub debt_limit_busd: R,
    /// Ground power started this month: grid connections contracted (GW), the most the
    /// venture could contract (its share of the world's new connections), and own plants.
    pub grid_started_gw: R,
    pub grid_supply_gw: R,
    pub plants_started_gw: R,
}

impl<R: Real> Flows<R> {
    /// Everything paid out this month (debt service included).
    pub fn spend_total_busd(&self) -> R {
        let mut s = self.spend_electricity_busd
            + self.spend_wafers_busd
            + self.spend_packaging_ops_busd
            + self.spend_servers_busd
            + self.debt_service_busd;
        for &c in &self.spend_channel_busd {
            s = s + c;
        }
        s
    }
}
