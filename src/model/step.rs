//! One monthly step of the substrate loop: the equations of docs/model.md, in order.
//!
//! Written once, generic over [`Real`]; `shaders/step.wgsl` mirrors it statement by
//! statement (same names, same order), so keep the two in step when either changes.
//! No `if` on values: caps are `min`/`max`, the target test is `select_ge`.

use super::params::Params;
use super::paths::Paths;
use super::policy::{Alloc, Channel};
use super::real::Real;
use super::state::{Flows, State, TRAILING_MONTHS};

/// Per-scenario constants derived once from the parameters (rates, log-slopes).
#[derive(Debug, Clone, Copy)]
pub struct Derived<R> {
    pub fab_rate: R,
    pub pkg_rate: R,
    pub ground_power_rate: R,
    pub grid_rate: R,
    pub datacenter_rate: R,
    pub launch_rate: R,
    pub retire_rate: R,
    pub fab_capex_slope: R,
    pub wafer_cost_slope: R,
    pub launch_price_slope: R,
    pub ln_arch_ceiling: R,
    pub arch_rate: R,
    pub tonnes_per_gw: R,
    pub satellite_slope: R,
    pub package_slope: R,
    pub factory_rate: R,
}

/// What the objective asks of deployment: a level, held for `sustain_months` months.
#[derive(Debug, Clone, Copy)]
pub struct Target<R> {
    pub gw_per_year: R,
    /// `L`: months the trailing 12-month deployment must stay at the level (1 to
    /// [`super::state::MAX_SUSTAIN_MONTHS`]).
    pub sustain_months: usize,
    /// Count system power (chip TDP x `fleet.it_power_per_chip`) rather than chip power.
    pub system_basis: bool,
}

/// Stage rate of a third-order delay whose mean delay is `lead` months. Each of the three
/// stages passes on a share `r` of what it holds within the month it arrives (the stages
/// drain in sequence), so a stage holds a unit for `(1 - r) / r` months on average;
/// `r = 3 / (lead + 3)` makes that `lead / 3` per stage and `lead` in all. A lead of 0
/// means no delay.
#[inline(always)]
fn delay3_rate<R: Real>(lead: R) -> R {
    R::lit(3.0) / (lead + R::lit(3.0))
}

/// `ln A(N)`, the log of the architecture multiplier after `iterations` design
/// iterations: `A(N) = C^(1 - exp(-N rate))`, `rate = ln(1 + g) / ln C` ([`arch_rate`]).
/// One curve for the venture's chips (the iterations its loop completes) and the
/// market's (`paths.rs`: `chip.market_iterations_per_year` a year).
#[inline(always)]
pub fn ln_arch_multiplier<R: Real>(ln_arch_ceiling: R, arch_rate: R, iterations: R) -> R {
    ln_arch_ceiling * (R::lit(1.0) - (-iterations * arch_rate).exp())
}

/// The architecture curve's rate: the first iteration gains about `g`, and gains shrink
/// toward the ceiling `C`.
#[inline(always)]
pub fn arch_rate<R: Real>(p: &Params<R>) -> R {
    (R::lit(1.0) + p.chip_arch_gain_per_iteration).ln() / p.chip_arch_ceiling.ln()
}

/// Wright's-law slope: cost multiplies by `ratio` per doubling, so cost ~ x^slope.
#[inline(always)]
fn learning_slope<R: Real>(ratio: R) -> R {
    ratio.ln() / R::lit(std::f64::consts::LN_2)
}

impl<R: Real> Derived<R> {
    #[inline(always)]
    pub fn new(p: &Params<R>) -> Self {
        let one = R::lit(1.0);
        Derived {
            fab_rate: delay3_rate(p.fab_construction_months),
            pkg_rate: delay3_rate(p.packaging_construction_months),
            ground_power_rate: delay3_rate(p.ground_power_lead_months),
            grid_rate: delay3_rate(p.ground_grid_lead_months),
            datacenter_rate: delay3_rate(p.ground_datacenter_lead_months),
            launch_rate: delay3_rate(p.space_launch_lead_months),
            retire_rate: (one / p.fleet_chip_life_months).min(one),
            fab_capex_slope: learning_slope(p.fab_capex_learning_ratio),
            wafer_cost_slope: learning_slope(p.fab_wafer_learning_ratio),
            launch_price_slope: learning_slope(p.space_launch_learning_ratio),
            ln_arch_ceiling: p.chip_arch_ceiling.ln(),
            arch_rate: arch_rate(p),
            tonnes_per_gw: R::lit(1e6) / p.space_specific_power_kw_per_t,
            satellite_slope: learning_slope(p.space_satellite_learning_ratio),
            package_slope: learning_slope(p.packaging_unit_learning_ratio),
            factory_rate: delay3_rate(p.space_factory_lead_months),
        }
    }
}

/// Advances a DELAY3 pipeline by one month (stages drained in sequence) and returns what
/// completes this month.
#[inline(always)]
fn delay3<R: Real>(pipe: &mut [R; 3], inflow: R, rate: R) -> R {
    pipe[0] = pipe[0] + inflow;
    let out0 = pipe[0] * rate;
    pipe[0] = pipe[0] - out0;
    pipe[1] = pipe[1] + out0;
    let out1 = pipe[1] * rate;
    pipe[1] = pipe[1] - out1;
    pipe[2] = pipe[2] + out1;
    let out2 = pipe[2] * rate;
    pipe[2] = pipe[2] - out2;
    out2
}

/// The least a learning curve multiplies a cost by: six decades down, where no curve of a
/// plausible config comes within the horizon (the default run's steepest, launch, ends
/// above 1e-2), but where a config at the edge of its bounds (a learning ratio of 0.5 and
/// a reference scale a thousandth of its default) would otherwise price its fabs at
/// nothing and grow them past f32's range.
pub const LEARNING_FLOOR: f64 = 1e-6;

/// Cost multiplier after learning: `((ref + cumulative) / ref)^slope`.
#[inline(always)]
fn learned<R: Real>(cumulative: R, reference: R, slope: R) -> R {
    (slope * ((reference + cumulative) / reference).ln()).exp().max(R::lit(LEARNING_FLOOR))
}

/// The least sustained level the missed branch's shortfall tells apart, as a share of the
/// target (2^-40), so that the penalty stays finite when nothing is deployed.
pub const LEVEL_FLOOR_OF_TARGET: f64 = 9.094947017729282e-13;

/// The level below which a retreat counts as a retreat to nothing, as a share of the target
/// (2^-20: ~1 MW/yr against 1 TW/yr). A month at nothing then counts `log2(best / floor)`
/// doublings (~19 for a best of 500 GW/yr), and levels of a few kW, which f32 keeps only
/// to a few parts in a hundred, do not decide the charge.
pub const RETREAT_FLOOR_OF_TARGET: f64 = 9.5367431640625e-7;

/// Enters month `month`'s deployment (GW) into the target's accumulators. D = deployment
/// over the trailing 12 months; the sustained level from month i is the least D over
/// months i .. i+L-1, known once month i+L-1 is done, so the window that ends this month
/// gives it for i = month - L + 1. The target time is the first i (interpolated between
/// i-1 and i, in months after the start) whose sustained level reaches the target.
#[inline(always)]
pub fn record_deployment<R: Real>(s: &mut State<R>, deployed_gw: R, month: usize, target: &Target<R>) {
    let (zero, one) = (R::lit(0.0), R::lit(1.0));
    s.deployed_ring_gw[month % TRAILING_MONTHS] = deployed_gw;
    let mut total = zero;
    for &d in &s.deployed_ring_gw {
        total = total + d;
    }
    s.deployed_last_12m_gw = total;
    s.best_deployed_last_12m_gw = s.best_deployed_last_12m_gw.max(total);
    let sustain = target.sustain_months;
    s.sustain_ring_gw[month % sustain] = total;
    // The month counter decides this, never a value: every lane and invocation agrees.
    if month + 1 >= sustain {
        let mut window = s.sustain_ring_gw[0];
        for &d in &s.sustain_ring_gw[1..sustain] {
            window = window.min(d);
        }
        let previous = s.sustained_gw;
        s.sustained_gw = window;
        s.best_sustained_gw = s.best_sustained_gw.max(window);
        let hit = R::select_ge(window, target.gw_per_year, one, zero) * (one - s.reached);
        let within = (target.gw_per_year - previous).safe_div(window - previous).clamp_to(zero, one);
        let first = R::lit((month + 1 - sustain) as f64);
        s.time_to_target_months = s.time_to_target_months + hit * (first + within - s.time_to_target_months);
        s.reached = s.reached.max(hit);
        // A sustained level that falls below the best already held is a retreat; until the
        // target is reached each month of it counts its depth in doublings (0 in the month
        // that reaches it, whose level is the best so far). Both sides are floored
        // (RETREAT_FLOOR_OF_TARGET), so a month at nothing counts log2(best / floor). A
        // select, not a product with (1 - reached), so that a level past f32's range after
        // the target cannot turn a finite cost into NaN (0 x inf).
        let retreat_floor = target.gw_per_year * R::lit(RETREAT_FLOOR_OF_TARGET);
        let depth =
            (s.best_sustained_gw.max(retreat_floor) / window.max(retreat_floor)).ln() / R::lit(std::f64::consts::LN_2);
        s.retreat_doubling_months = s.retreat_doubling_months + R::select_ge(s.reached, R::lit(0.5), zero, depth);
    }
}

/// Advances `s` through month `month` (0-based), whose exogenous paths are `x`, under
/// allocation `a`, with external funding `funding_busd` arriving this month, and returns
/// the month's flows.
#[inline(always)]
#[allow(clippy::too_many_arguments)] // each is a different thing the step reads; a struct of them would be one more name to keep in step with the kernel
pub fn step<R: Real>(
    s: &mut State<R>,
    p: &Params<R>,
    k: &Derived<R>,
    x: &Paths<R>,
    a: &Alloc<R>,
    month: usize,
    funding_busd: R,
    target: &Target<R>,
) -> Flows<R> {
    let zero = R::lit(0.0);
    let one = R::lit(1.0);
    let thousand = R::lit(1000.0);
    let it = p.fleet_it_power_per_chip;

    // 1. Exogenous paths at the start of the month (`paths.rs`: one table per scenario).
    //    Efficiency stops at the physical ceiling; compute rents at a price per watt of
    //    the market's chip, so a FLOP gets cheaper as the market's chips get more efficient.
    let ceiling = p.chip_eff_ceiling_tflops_per_w;
    let market_eff = x.market_eff_tflops_per_w;
    let arch_mult = ln_arch_multiplier(k.ln_arch_ceiling, k.arch_rate, s.iterations).exp();
    let own_eff = (x.process_eff_tflops_per_w * arch_mult).min(ceiling);
    let chip_price = x.chip_price_busd_per_gw;
    let ref_price = x.rental_busd_per_gw_year / (market_eff * R::lit(12000.0));
    let world_busd = x.world_busd_per_month;
    let market_busd = p.demand_addressable_share * world_busd;
    // The world makes no more chips than it buys: supply is the industry's capacity, or
    // what the world's spending pays for at the chip's price with its servers, if less.
    let capacity_gw = x.supply_capacity_gw_per_month;
    let server_busd_per_gw = p.fleet_server_cost_share * chip_price;
    let market_supply_gw = p.market_max_share * capacity_gw.min(world_busd / (chip_price + server_busd_per_gw));

    // 2. Funding arrives; running compute earns revenue, less what feeds design; the
    //    ground fleet's electricity is paid from cash and the month's revenue (grid power
    //    at the grid's tariff, own plants at their fuel and upkeep, in proportion). When
    //    they cannot cover it, only the share of the ground fleet that can be paid for
    //    runs: revenue is linear in that share (the price is set by the full fleet's
    //    supply), so the share solves cash + R_space + u (R_ground - E) = 0 exactly.
    let mut cash = s.cash_busd + funding_busd;
    let grid_fraction = s.grid_power_gw.safe_div(s.ground_power_gw).min(one);
    let electricity_price = p.ground_electricity_busd_per_gw_month
        + grid_fraction * (p.ground_grid_electricity_busd_per_gw_month - p.ground_electricity_busd_per_gw_month);
    let electricity_full = s.installed_ground_gw * it * p.ground_pue * electricity_price;
    let keep_selling = one - a.design_fraction;
    let full_eflops = s.flops_ground_eflops + s.flops_space_eflops;
    let sold_list_full = keep_selling * full_eflops * ref_price;
    // The price falls with the venture's volume (`price_flexibility`), and never leaves it
    // more than the addressable market spends: with a flexibility of 1 or more the curve
    // alone keeps revenue under the market; below 1 it would not, and infinite demand at a
    // rent above cost compounds the fleet past any number (f32's 3.4e38 first).
    let price_ratio = (-p.demand_price_flexibility * (one + sold_list_full.safe_div(market_busd)).ln())
        .exp()
        .min(market_busd.safe_div(sold_list_full));
    let revenue_ground_full = keep_selling * s.flops_ground_eflops * ref_price * price_ratio;
    let revenue_space = keep_selling * s.flops_space_eflops * ref_price * price_ratio;
    let utilisation = R::select_ge(
        cash + revenue_space + revenue_ground_full,
        electricity_full,
        one,
        (cash + revenue_space).safe_div(electricity_full - revenue_ground_full),
    );
    let revenue = revenue_space + utilisation * revenue_ground_full;
    let spend_electricity = utilisation * electricity_full;
    cash = (cash + revenue - spend_electricity).max(zero);
    let running_eflops = s.flops_ground_eflops * utilisation + s.flops_space_eflops;
    let design_eflops = a.design_fraction * running_eflops;

    // Debt service: interest and a 1/term share of the principal, from cash; what cash
    // cannot cover is refinanced (added to the debt), so nothing is paid that is not there.
    let interest = s.debt_busd * p.finance_debt_rate_per_year / R::lit(12.0);
    let due = interest + s.debt_busd / p.finance_debt_term_months;
    let paid = due.min(cash);
    cash = cash - paid;
    s.debt_busd = s.debt_busd + interest - paid;
    s.revenue_avg_busd = s.revenue_avg_busd + (revenue - s.revenue_avg_busd) / R::lit(12.0);

    // 3. Own chips: as many as fab wafers, packaging and cash allow; each GW also needs
    //    its servers.
    let yield_fraction =
        one - (one - p.fab_yield_initial_fraction) * (-s.cum_wafers_k / p.fab_yield_ramp_kwafers).exp();
    let kw_per_wafer = p.fab_kw_per_wafer_mature * yield_fraction;
    let wafer_cost_kusd =
        p.fab_wafer_cost_kusd * learned(s.cum_wafers_k, p.fab_wafer_learning_ref_kwafers, k.wafer_cost_slope);
    let wafer_busd_per_gw = wafer_cost_kusd / kw_per_wafer;
    let package_kusd = (p.packaging_unit_cost_kusd
        * learned(s.cum_packages_m, p.packaging_unit_learning_ref_mpkg, k.package_slope))
    .max(p.packaging_unit_cost_floor_kusd);
    let pkg_busd_per_gw = package_kusd / p.packaging_kw_per_package;
    let fab_cap_gw = s.fab_kwspm * kw_per_wafer / thousand;
    let pkg_cap_gw = s.pkg_mpm * p.packaging_kw_per_package;
    let cash_cap_gw = cash / (wafer_busd_per_gw + pkg_busd_per_gw + server_busd_per_gw);
    // Nobody makes or buys chips that cannot be plugged in: production and purchases are
    // held to the power free at the start of the month, less what waits in inventory.
    let room_gw = ((s.ground_power_gw / p.ground_pue).min(s.datacenter_gw) / it - s.installed_ground_gw).max(zero)
        + (s.space_power_gw / it - s.installed_space_gw).max(zero);
    let room_left = (room_gw - s.inventory_gw).max(zero);
    let made_gw = fab_cap_gw.min(pkg_cap_gw).min(cash_cap_gw).min(room_left);
    let spend_wafers = made_gw * wafer_busd_per_gw;
    let spend_pkg_ops = made_gw * pkg_busd_per_gw;
    let spend_servers_own = made_gw * server_busd_per_gw;
    cash = (cash - spend_wafers - spend_pkg_ops - spend_servers_own).max(zero);
    s.cum_wafers_k = s.cum_wafers_k + made_gw * thousand / kw_per_wafer;
    s.cum_packages_m = s.cum_packages_m + made_gw / p.packaging_kw_per_package;
    let made_eflops = made_gw * own_eff * thousand;

    // 4. Discretionary spending: a share of cash and a share of the credit line's
    //    headroom, split by channel; each channel spends what it can use, the rest stays
    //    unspent, and spending beyond cash is borrowed.
    let debt_limit = p.finance_debt_limit_years_of_revenue * R::lit(12.0) * s.revenue_avg_busd;
    let headroom = (debt_limit - s.debt_busd).max(zero);
    let budget = a.spend_fraction * cash + a.borrow_fraction * headroom;
    let alloc = |c: Channel| a.shares[c as usize] * budget;
    let mut spend = [zero; super::policy::N_CHANNELS];

    // Fab: construction starts at the learned capex, through a DELAY3.
    let fab_capex =
        p.fab_capex_busd_per_kwspm * learned(s.cum_fab_built_kwspm, p.fab_capex_learning_ref_kwspm, k.fab_capex_slope);
    let fab_starts = alloc(Channel::Fab) / fab_capex;
    spend[Channel::Fab as usize] = alloc(Channel::Fab);
    s.cum_fab_built_kwspm = s.cum_fab_built_kwspm + fab_starts;
    s.fab_kwspm = s.fab_kwspm + delay3(&mut s.fab_pipe, fab_starts, k.fab_rate);

    // Packaging + HBM.
    let pkg_starts = alloc(Channel::Packaging) / p.packaging_capex_busd_per_mpkg_month;
    spend[Channel::Packaging as usize] = alloc(Channel::Packaging);
    s.pkg_mpm = s.pkg_mpm + delay3(&mut s.pkg_pipe, pkg_starts, k.pkg_rate);

    // Market chips (with their servers): at the market price, up to the venture's share
    // of world supply.
    let market_all_in = chip_price + server_busd_per_gw;
    let market_budget_gw = alloc(Channel::MarketChips) / market_all_in;
    let bought_gw = market_budget_gw.min(market_supply_gw).min((room_left - made_gw).max(zero));
    spend[Channel::MarketChips as usize] = bought_gw * market_all_in;
    let bought_eflops = bought_gw * market_eff * thousand;

    // Iteration infrastructure accumulates; design spending pays staff and mask sets.
    s.infra_busd = s.infra_busd + alloc(Channel::IterationInfra);
    spend[Channel::IterationInfra as usize] = alloc(Channel::IterationInfra);
    let design_busd = alloc(Channel::Design);
    spend[Channel::Design as usize] = design_busd;
    let ai_share = design_eflops / (design_eflops + p.design_ai_half_eflops);
    let ai_design = one + (p.design_ai_max_speedup - one) * ai_share;
    let ai_test = one + (p.design_ai_test_max_speedup - one) * ai_share;
    let staff =
        (p.design_rd_elasticity * (R::lit(2.0) / (one + design_busd / p.design_rd_ref_busd_per_month)).ln()).exp();
    let infra = (-p.design_infra_elasticity * (one + s.infra_busd / p.design_infra_ref_busd).ln()).exp();
    let design_months = (p.design_design_months * staff / ai_design).max(p.design_design_min_months);
    let mask_months = (p.design_mask_months * infra).max(p.design_mask_min_months);
    let hot_lot_months = (p.design_hot_lot_months * infra).max(p.design_hot_lot_min_months);
    let test_months = (p.design_test_months * infra / ai_test).max(p.design_test_min_months);
    let iteration_months = design_months + mask_months + hot_lot_months + test_months;
    let progress = one.safe_div(iteration_months).min(design_busd / p.design_mask_set_cost_busd);
    s.iterations = s.iterations + progress;

    // Ground power: grid connections first, up to the venture's share of the world's new
    // connections this month, at the connection price; the rest of the channel's budget
    // builds own plants, capped by the build rate. Both count against the total cap
    // (queues and sites included).
    let power_room = (p.ground_power_cap_gw
        - s.ground_power_gw
        - s.ground_power_pipe[0]
        - s.ground_power_pipe[1]
        - s.ground_power_pipe[2]
        - s.grid_pipe[0]
        - s.grid_pipe[1]
        - s.grid_pipe[2])
        .max(zero);
    let grid_supply = p.ground_grid_max_share * x.grid_supply_gw_per_month;
    let grid_starts =
        (alloc(Channel::GroundPower) / p.ground_grid_connection_busd_per_gw).min(grid_supply).min(power_room);
    let grid_spend = grid_starts * p.ground_grid_connection_busd_per_gw;
    let power_starts = ((alloc(Channel::GroundPower) - grid_spend).max(zero) / p.ground_power_capex_busd_per_gw)
        .min(p.ground_power_build_cap_gw_per_month)
        .min(power_room - grid_starts);
    spend[Channel::GroundPower as usize] = grid_spend + power_starts * p.ground_power_capex_busd_per_gw;
    let grid_new = delay3(&mut s.grid_pipe, grid_starts, k.grid_rate);
    s.grid_power_gw = s.grid_power_gw + grid_new;
    s.ground_power_gw =
        s.ground_power_gw + delay3(&mut s.ground_power_pipe, power_starts, k.ground_power_rate) + grid_new;

    // Datacentre halls.
    let dc_starts = alloc(Channel::Datacenters) / p.ground_datacenter_capex_busd_per_gw;
    spend[Channel::Datacenters as usize] = alloc(Channel::Datacenters);
    s.datacenter_gw = s.datacenter_gw + delay3(&mut s.datacenter_pipe, dc_starts, k.datacenter_rate);

    // Launch capacity.
    let launch_starts = alloc(Channel::Launch) / p.space_launch_capex_busd_per_t_month;
    spend[Channel::Launch as usize] = alloc(Channel::Launch);
    s.launch_t_per_month = s.launch_t_per_month + delay3(&mut s.launch_pipe, launch_starts, k.launch_rate);

    // Satellite factories: output capacity (GW of satellites a month) through a DELAY3.
    let factory_starts = alloc(Channel::SatelliteFactory) / p.space_factory_capex_busd_per_gw_month;
    spend[Channel::SatelliteFactory as usize] = alloc(Channel::SatelliteFactory);
    s.sat_factory_gw_per_month =
        s.sat_factory_gw_per_month + delay3(&mut s.sat_factory_pipe, factory_starts, k.factory_rate);

    // Space power: satellites built this month and launched, held to the budget, launch
    // capacity and factory output; satellites and launches learn (Wright's law) on the
    // GW built and the mass launched, each down to a floor.
    let launch_price = (p.space_launch_price_usd_per_kg
        * learned(s.cum_launched_t, p.space_launch_learning_ref_t, k.launch_price_slope))
    .max(p.space_launch_price_floor_usd_per_kg);
    let satellite_busd_per_gw = (p.space_satellite_cost_busd_per_gw
        * learned(s.cum_satellite_gw, p.space_satellite_learning_ref_gw, k.satellite_slope))
    .max(p.space_satellite_cost_floor_busd_per_gw);
    let space_busd_per_gw = satellite_busd_per_gw + k.tonnes_per_gw * launch_price * R::lit(1e-6);
    let space_budget_gw = alloc(Channel::SpacePower) / space_busd_per_gw;
    let space_launch_cap_gw = s.launch_t_per_month / k.tonnes_per_gw;
    let space_factory_cap_gw = s.sat_factory_gw_per_month;
    let space_new_gw = space_budget_gw.min(space_launch_cap_gw).min(space_factory_cap_gw);
    spend[Channel::SpacePower as usize] = space_new_gw * space_busd_per_gw;
    s.cum_launched_t = s.cum_launched_t + space_new_gw * k.tonnes_per_gw;
    s.cum_satellite_gw = s.cum_satellite_gw + space_new_gw;

    let mut spent = zero;
    for &x in &spend {
        spent = spent + x;
    }
    let borrowed = (spent - cash).max(zero);
    s.debt_busd = s.debt_busd + borrowed;
    s.cash_busd = (cash - spent).max(zero);

    // 5. Retirement (exponential, mean life `chip_life_months`): deployed chips, the
    //    satellites that carry them, and inventory, which ages the same way.
    let keep = one - k.retire_rate;
    s.installed_ground_gw = s.installed_ground_gw * keep;
    s.flops_ground_eflops = s.flops_ground_eflops * keep;
    s.installed_space_gw = s.installed_space_gw * keep;
    s.flops_space_eflops = s.flops_space_eflops * keep;
    s.space_power_gw = s.space_power_gw * keep + space_new_gw;
    s.inventory_gw = s.inventory_gw * keep;
    s.inventory_eflops = s.inventory_eflops * keep;

    // 6. Deployment: ground first while power and halls are free, then space; a chip
    //    takes `it` times its TDP of IT power (its server) wherever it goes.
    let pool_gw = s.inventory_gw + made_gw + bought_gw;
    let pool_eflops = s.inventory_eflops + made_eflops + bought_eflops;
    let eflops_per_gw = pool_eflops.safe_div(pool_gw);
    let ground_capacity = (s.ground_power_gw / p.ground_pue).min(s.datacenter_gw) / it;
    let ground_free = (ground_capacity - s.installed_ground_gw).max(zero);
    let deployed_ground = pool_gw.min(ground_free);
    let space_free = (s.space_power_gw / it - s.installed_space_gw).max(zero);
    let deployed_space = (pool_gw - deployed_ground).min(space_free);
    s.installed_ground_gw = s.installed_ground_gw + deployed_ground;
    s.flops_ground_eflops = s.flops_ground_eflops + deployed_ground * eflops_per_gw;
    s.installed_space_gw = s.installed_space_gw + deployed_space;
    s.flops_space_eflops = s.flops_space_eflops + deployed_space * eflops_per_gw;
    s.inventory_gw = (pool_gw - deployed_ground - deployed_space).max(zero);
    s.inventory_eflops = s.inventory_gw * eflops_per_gw;

    // 7. The headline metric and the objectives' accumulators.
    s.cum_eflops_months = s.cum_eflops_months + running_eflops;
    let counted = R::lit(if target.system_basis { 1.0 } else { 0.0 }) * (it - one) + one;
    record_deployment(s, (deployed_ground + deployed_space) * counted, month, target);

    Flows {
        funding_busd,
        revenue_busd: revenue,
        spend_electricity_busd: spend_electricity,
        spend_wafers_busd: spend_wafers,
        spend_packaging_ops_busd: spend_pkg_ops,
        spend_servers_busd: spend_servers_own,
        debt_service_busd: paid,
        interest_busd: interest,
        borrowed_busd: borrowed,
        spend_channel_busd: spend,
        made_gw,
        bought_gw,
        deployed_ground_gw: deployed_ground,
        deployed_space_gw: deployed_space,
        fab_cap_gw,
        pkg_cap_gw,
        cash_cap_gw,
        own_eff_tflops_per_w: own_eff,
        market_eff_tflops_per_w: market_eff,
        iteration_months,
        design_eflops,
        ground_utilisation: utilisation,
        launch_price_usd_per_kg: launch_price,
        price_ratio,
        deploy_room_gw: room_left,
        ground_room_gw: (ground_capacity - s.installed_ground_gw).max(zero),
        space_room_gw: (s.space_power_gw / it - s.installed_space_gw).max(zero),
        spend_fraction: a.spend_fraction,
        borrow_fraction: a.borrow_fraction,
        design_fraction: a.design_fraction,
        market_busd,
        market_supply_gw,
        market_budget_gw,
        space_launch_cap_gw,
        space_factory_cap_gw,
        space_budget_gw,
        space_new_gw,
        own_chip_busd_per_gw: wafer_busd_per_gw + pkg_busd_per_gw + server_busd_per_gw,
        market_chip_busd_per_gw: market_all_in,
        space_busd_per_gw: space_busd_per_gw * it,
        debt_limit_busd: debt_limit,
        grid_started_gw: grid_starts,
        grid_supply_gw: grid_supply,
        plants_started_gw: power_starts,
    }
}
