// The substrate model's monthly step in WGSL (f32): a statement-by-statement mirror of
// src/model/step.rs (stages 1-7), src/model/run.rs (the knots' interpolation) and
// src/model/objective.rs. One invocation simulates one (candidate, scenario) trajectory
// and writes its cost. The host prepends a generated prelude (src/gpu/layout.rs:
// shader_prelude): `struct Params` from the parameter registry and the layout constants
// N_CHANNELS, CH_<channel>, ALLOC_PER_KNOT, MAX_SUSTAIN, N_PATHS, WORKGROUP_SIZE.

struct Run {
    horizon: u32,
    knots: u32,
    n_scenarios: u32,
    n_trajectories: u32,
    objective: u32,
    // Invocations per row of the 2D dispatch grid (x workgroups x 64).
    row_stride: u32,
    target_gw: f32,
    penalty_months: f32,
    // objective.sustain_months (L), and T - L + 1.
    sustain: u32,
    last_confirmable: f32,
    // objective.basis: 0 counts chip power, 1 system power (chip x fleet.it_power_per_chip).
    system_basis: u32,
    // Candidates in this dispatch.
    n_candidates: u32,
    // objective.retreat_months_per_doubling, and padding to a multiple of 16 bytes.
    retreat_months: f32,
    pad0: u32,
    pad1: u32,
    pad2: u32,
}

@group(0) @binding(0) var<uniform> run: Run;
@group(0) @binding(1) var<storage, read> scenarios: array<Params>;
// Decoded policies: per candidate, per knot, N_CHANNELS shares then design and spend fractions.
@group(0) @binding(2) var<storage, read> allocs: array<f32>;
@group(0) @binding(3) var<storage, read> funding: array<f32>;
@group(0) @binding(4) var<storage, read_write> costs: array<f32>;
// The exogenous paths (src/model/paths.rs), computed once per scenario and month on the
// host in f64: per scenario, per month, N_PATHS values in Paths::to_array's order.
@group(0) @binding(5) var<storage, read> paths: array<f32>;

const TINY: f32 = 1e-30;
const LN2: f32 = 0.6931471805599453;
const LN10: f32 = 2.302585092994046;

fn safe_div(a: f32, b: f32) -> f32 { return a / max(b, TINY); }
fn select_ge(a: f32, b: f32, t: f32, f: f32) -> f32 { return select(f, t, a >= b); }
fn delay3_rate(lead: f32) -> f32 { return 3.0 / (lead + 3.0); }
fn learning_slope(ratio: f32) -> f32 { return log(ratio) / LN2; }
// No learning curve takes a cost below LEARNING_FLOOR (model::step, in the prelude).
fn learned(cumulative: f32, reference: f32, slope: f32) -> f32 {
    return max(exp(slope * log((reference + cumulative) / reference)), LEARNING_FLOOR);
}

// Advances a DELAY3 pipeline by one month (stages drained in sequence) and returns what
// completes this month.
fn delay3(pipe: ptr<function, array<f32, 3>>, inflow: f32, rate: f32) -> f32 {
    (*pipe)[0] = (*pipe)[0] + inflow;
    let out0 = (*pipe)[0] * rate;
    (*pipe)[0] = (*pipe)[0] - out0;
    (*pipe)[1] = (*pipe)[1] + out0;
    let out1 = (*pipe)[1] * rate;
    (*pipe)[1] = (*pipe)[1] - out1;
    (*pipe)[2] = (*pipe)[2] + out1;
    let out2 = (*pipe)[2] * rate;
    (*pipe)[2] = (*pipe)[2] - out2;
    return out2;
}

@compute @workgroup_size(WORKGROUP_SIZE)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
    // The grid's z is the scenario: uniform across a workgroup, so the scenario's
    // parameters and paths are one read shared by all its invocations (a broadcast on a
    // GPU, a scalar load on lavapipe) while neighbouring invocations hold neighbouring
    // candidates.
    let candidate = gid.x + gid.y * run.row_stride;
    if (candidate >= run.n_candidates) { return; }
    let scenario = gid.z;
    let index = candidate * run.n_scenarios + scenario;
    let p = scenarios[scenario];
    let paths_base = scenario * run.horizon * N_PATHS;
    let policy_base = candidate * run.knots * ALLOC_PER_KNOT;

    // Derived (step.rs: Derived::new).
    let fab_rate = delay3_rate(p.fab_construction_months);
    let pkg_rate = delay3_rate(p.packaging_construction_months);
    let ground_power_rate = delay3_rate(p.ground_power_lead_months);
    let grid_rate = delay3_rate(p.ground_grid_lead_months);
    let datacenter_rate = delay3_rate(p.ground_datacenter_lead_months);
    let launch_rate = delay3_rate(p.space_launch_lead_months);
    let retire_rate = min(1.0 / p.fleet_chip_life_months, 1.0);
    let fab_capex_slope = learning_slope(p.fab_capex_learning_ratio);
    let wafer_cost_slope = learning_slope(p.fab_wafer_learning_ratio);
    let launch_price_slope = learning_slope(p.space_launch_learning_ratio);
    let ln_arch_ceiling = log(p.chip_arch_ceiling);
    let arch_rate = log(1.0 + p.chip_arch_gain_per_iteration) / log(p.chip_arch_ceiling);
    let tonnes_per_gw = 1e6 / p.space_specific_power_kw_per_t;
    let satellite_slope = learning_slope(p.space_satellite_learning_ratio);
    let package_slope = learning_slope(p.packaging_unit_learning_ratio);
    let factory_rate = delay3_rate(p.space_factory_lead_months);
    let it = p.fleet_it_power_per_chip;

    // Initial state (state.rs: State::initial).
    let capacity0 = min(p.initial_ground_power_gw / p.ground_pue, p.initial_datacenter_gw) / it;
    let installed0 = min(p.initial_installed_ground_gw, capacity0);
    let waiting0 = p.initial_installed_ground_gw - installed0;
    let eflops_per_gw0 = p.initial_fleet_eff_tflops_per_w * 1000.0;
    let third = p.initial_fab_under_construction_kwspm / 3.0;
    let factory_third = p.initial_satellite_factory_under_construction_gw_per_month / 3.0;
    let grid_third = p.initial_grid_under_construction_gw / 3.0;
    var cash_busd = p.initial_cash_busd;
    var fab_kwspm = 0.0;
    var fab_pipe = array<f32, 3>(third, third, third);
    var pkg_mpm = 0.0;
    var pkg_pipe = array<f32, 3>(0.0, 0.0, 0.0);
    var ground_power_gw = p.initial_ground_power_gw;
    var ground_power_pipe = array<f32, 3>(0.0, 0.0, 0.0);
    var grid_power_gw = 0.0;
    var grid_pipe = array<f32, 3>(grid_third, grid_third, grid_third);
    var datacenter_gw = p.initial_datacenter_gw;
    var datacenter_pipe = array<f32, 3>(0.0, 0.0, 0.0);
    var launch_t_per_month = p.initial_launch_capacity_t_per_month;
    var launch_pipe = array<f32, 3>(0.0, 0.0, 0.0);
    var sat_factory_gw_per_month = p.initial_satellite_factory_gw_per_month;
    var sat_factory_pipe = array<f32, 3>(factory_third, factory_third, factory_third);
    var space_power_gw = 0.0;
    var installed_ground_gw = installed0;
    var installed_space_gw = 0.0;
    var flops_ground_eflops = installed0 * eflops_per_gw0;
    var flops_space_eflops = 0.0;
    var inventory_gw = waiting0;
    var inventory_eflops = waiting0 * eflops_per_gw0;
    var iterations = 0.0;
    var infra_busd = 0.0;
    var cum_wafers_k = 0.0;
    var cum_fab_built_kwspm = p.initial_fab_under_construction_kwspm;
    var cum_launched_t = 0.0;
    var cum_satellite_gw = 0.0;
    var cum_packages_m = 0.0;
    var debt_busd = 0.0;
    var revenue_avg_busd = 0.0;
    var ring: array<f32, 12>;
    for (var i = 0u; i < 12u; i++) { ring[i] = 0.0; }
    var deployed_last_12m_gw = 0.0;
    var best_deployed_last_12m_gw = 0.0;
    var sustain_ring: array<f32, MAX_SUSTAIN>;
    for (var i = 0u; i < MAX_SUSTAIN; i++) { sustain_ring[i] = 0.0; }
    var sustained_gw = 0.0;
    var best_sustained_gw = 0.0;
    var retreat_doubling_months = 0.0;
    var al: array<f32, ALLOC_PER_KNOT>;
    // The two knots the current month lies between, read from the policy buffer only when
    // the month crosses a knot (the same month for every invocation): storage reads are
    // what a trajectory-month costs most on lavapipe.
    var knot0: array<f32, ALLOC_PER_KNOT>;
    var knot1: array<f32, ALLOC_PER_KNOT>;
    var loaded_knot = 0xffffffffu;
    var cum_eflops_months = 0.0;
    var time_to_target_months = 0.0;
    var reached = 0.0;

    for (var month = 0u; month < run.horizon; month++) {
        // The month's allocation: the straight line between its two knots (run.rs:
        // RunSpec::knot_position and alloc_at; policy.rs: Alloc::lerp).
        var j = 0u;
        var w = 0.0;
        if (run.knots > 1u && run.horizon > 1u) {
            let den = run.horizon - 1u;
            let num = month * (run.knots - 1u);
            j = num / den;
            w = f32(num % den) / f32(den);
        }
        if (j != loaded_knot) {
            let a0 = policy_base + j * ALLOC_PER_KNOT;
            let a1 = policy_base + min(j + 1u, run.knots - 1u) * ALLOC_PER_KNOT;
            for (var c = 0u; c < ALLOC_PER_KNOT; c++) {
                knot0[c] = allocs[a0 + c];
                knot1[c] = allocs[a1 + c];
            }
            loaded_knot = j;
        }
        for (var c = 0u; c < ALLOC_PER_KNOT; c++) {
            al[c] = knot0[c] + w * (knot1[c] - knot0[c]);
        }
        let design_fraction = al[N_CHANNELS];
        let spend_fraction = al[N_CHANNELS + 1u];
        let borrow_fraction = al[N_CHANNELS + 2u];

        // 1. Exogenous paths at the start of the month (paths.rs: Paths::to_array).
        let x = paths_base + month * N_PATHS;
        let ceiling = p.chip_eff_ceiling_tflops_per_w;
        let market_eff = paths[x];
        let arch_mult = exp(ln_arch_ceiling * (1.0 - exp(-iterations * arch_rate)));
        let own_eff = min(paths[x + 1u] * arch_mult, ceiling);
        let chip_price = paths[x + 2u];
        let ref_price = paths[x + 3u] / (market_eff * 12000.0);
        let world_busd = paths[x + 4u];
        let market_busd = p.demand_addressable_share * world_busd;
        let capacity_gw = paths[x + 5u];
        let server_busd_per_gw = p.fleet_server_cost_share * chip_price;
        let market_supply_gw = p.market_max_share * min(capacity_gw, world_busd / (chip_price + server_busd_per_gw));

        // 2. Funding, revenue, electricity, debt service.
        var cash = cash_busd + funding[month];
        let grid_fraction = min(safe_div(grid_power_gw, ground_power_gw), 1.0);
        let electricity_price = p.ground_electricity_busd_per_gw_month
            + grid_fraction * (p.ground_grid_electricity_busd_per_gw_month - p.ground_electricity_busd_per_gw_month);
        let electricity_full = installed_ground_gw * it * p.ground_pue * electricity_price;
        let keep_selling = 1.0 - design_fraction;
        let full_eflops = flops_ground_eflops + flops_space_eflops;
        let sold_list_full = keep_selling * full_eflops * ref_price;
        // Never more revenue than the addressable market spends (model::step).
        let price_ratio = min(exp(-p.demand_price_flexibility * log(1.0 + safe_div(sold_list_full, market_busd))),
            safe_div(market_busd, sold_list_full));
        let revenue_ground_full = keep_selling * flops_ground_eflops * ref_price * price_ratio;
        let revenue_space = keep_selling * flops_space_eflops * ref_price * price_ratio;
        let utilisation = select_ge(cash + revenue_space + revenue_ground_full, electricity_full, 1.0,
            safe_div(cash + revenue_space, electricity_full - revenue_ground_full));
        let revenue = revenue_space + utilisation * revenue_ground_full;
        let spend_electricity = utilisation * electricity_full;
        cash = max(cash + revenue - spend_electricity, 0.0);
        let running_eflops = flops_ground_eflops * utilisation + flops_space_eflops;
        let design_eflops = design_fraction * running_eflops;
        let interest = debt_busd * p.finance_debt_rate_per_year / 12.0;
        let due = interest + debt_busd / p.finance_debt_term_months;
        let paid = min(due, cash);
        cash = cash - paid;
        debt_busd = debt_busd + interest - paid;
        revenue_avg_busd = revenue_avg_busd + (revenue - revenue_avg_busd) / 12.0;

        // 3. Own chips.
        let yield_fraction = 1.0 - (1.0 - p.fab_yield_initial_fraction) * exp(-cum_wafers_k / p.fab_yield_ramp_kwafers);
        let kw_per_wafer = p.fab_kw_per_wafer_mature * yield_fraction;
        let wafer_cost_kusd = p.fab_wafer_cost_kusd * learned(cum_wafers_k, p.fab_wafer_learning_ref_kwafers, wafer_cost_slope);
        let wafer_busd_per_gw = wafer_cost_kusd / kw_per_wafer;
        let package_kusd = max(p.packaging_unit_cost_kusd * learned(cum_packages_m, p.packaging_unit_learning_ref_mpkg,
            package_slope), p.packaging_unit_cost_floor_kusd);
        let pkg_busd_per_gw = package_kusd / p.packaging_kw_per_package;
        let fab_cap_gw = fab_kwspm * kw_per_wafer / 1000.0;
        let pkg_cap_gw = pkg_mpm * p.packaging_kw_per_package;
        let cash_cap_gw = cash / (wafer_busd_per_gw + pkg_busd_per_gw + server_busd_per_gw);
        let room_gw = max(min(ground_power_gw / p.ground_pue, datacenter_gw) / it - installed_ground_gw, 0.0)
            + max(space_power_gw / it - installed_space_gw, 0.0);
        let room_left = max(room_gw - inventory_gw, 0.0);
        let made_gw = min(min(min(fab_cap_gw, pkg_cap_gw), cash_cap_gw), room_left);
        let spend_wafers = made_gw * wafer_busd_per_gw;
        let spend_pkg_ops = made_gw * pkg_busd_per_gw;
        let spend_servers_own = made_gw * server_busd_per_gw;
        cash = max(cash - spend_wafers - spend_pkg_ops - spend_servers_own, 0.0);
        cum_wafers_k = cum_wafers_k + made_gw * 1000.0 / kw_per_wafer;
        cum_packages_m = cum_packages_m + made_gw / p.packaging_kw_per_package;
        let made_eflops = made_gw * own_eff * 1000.0;

        // 4. Discretionary spending (cash and the credit line's headroom).
        let debt_limit = p.finance_debt_limit_years_of_revenue * 12.0 * revenue_avg_busd;
        let headroom = max(debt_limit - debt_busd, 0.0);
        let budget = spend_fraction * cash + borrow_fraction * headroom;
        var spend: array<f32, N_CHANNELS>;

        let fab_capex = p.fab_capex_busd_per_kwspm * learned(cum_fab_built_kwspm, p.fab_capex_learning_ref_kwspm, fab_capex_slope);
        let fab_starts = al[CH_FAB] * budget / fab_capex;
        spend[CH_FAB] = al[CH_FAB] * budget;
        cum_fab_built_kwspm = cum_fab_built_kwspm + fab_starts;
        fab_kwspm = fab_kwspm + delay3(&fab_pipe, fab_starts, fab_rate);

        let pkg_starts = al[CH_PACKAGING] * budget / p.packaging_capex_busd_per_mpkg_month;
        spend[CH_PACKAGING] = al[CH_PACKAGING] * budget;
        pkg_mpm = pkg_mpm + delay3(&pkg_pipe, pkg_starts, pkg_rate);

        let market_all_in = chip_price + server_busd_per_gw;
        let market_budget_gw = al[CH_MARKET_CHIPS] * budget / market_all_in;
        let bought_gw = min(min(market_budget_gw, market_supply_gw), max(room_left - made_gw, 0.0));
        spend[CH_MARKET_CHIPS] = bought_gw * market_all_in;
        let bought_eflops = bought_gw * market_eff * 1000.0;

        infra_busd = infra_busd + al[CH_ITERATION_INFRA] * budget;
        spend[CH_ITERATION_INFRA] = al[CH_ITERATION_INFRA] * budget;
        let design_busd = al[CH_DESIGN] * budget;
        spend[CH_DESIGN] = design_busd;
        let ai_share = design_eflops / (design_eflops + p.design_ai_half_eflops);
        let ai_design = 1.0 + (p.design_ai_max_speedup - 1.0) * ai_share;
        let ai_test = 1.0 + (p.design_ai_test_max_speedup - 1.0) * ai_share;
        let staff = exp(p.design_rd_elasticity * log(2.0 / (1.0 + design_busd / p.design_rd_ref_busd_per_month)));
        let infra = exp(-p.design_infra_elasticity * log(1.0 + infra_busd / p.design_infra_ref_busd));
        let design_months = max(p.design_design_months * staff / ai_design, p.design_design_min_months);
        let mask_months = max(p.design_mask_months * infra, p.design_mask_min_months);
        let hot_lot_months = max(p.design_hot_lot_months * infra, p.design_hot_lot_min_months);
        let test_months = max(p.design_test_months * infra / ai_test, p.design_test_min_months);
        let iteration_months = design_months + mask_months + hot_lot_months + test_months;
        let progress = min(safe_div(1.0, iteration_months), design_busd / p.design_mask_set_cost_busd);
        iterations = iterations + progress;

        // Ground power: grid connections first (the venture's share of the world's new
        // ones), then own plants with the rest of the channel's budget.
        let power_room = max(p.ground_power_cap_gw - ground_power_gw - ground_power_pipe[0] - ground_power_pipe[1]
            - ground_power_pipe[2] - grid_pipe[0] - grid_pipe[1] - grid_pipe[2], 0.0);
        let grid_supply = p.ground_grid_max_share * paths[x + 6u];
        let grid_starts = min(min(al[CH_GROUND_POWER] * budget / p.ground_grid_connection_busd_per_gw, grid_supply),
            power_room);
        let grid_spend = grid_starts * p.ground_grid_connection_busd_per_gw;
        let power_starts = min(min(max(al[CH_GROUND_POWER] * budget - grid_spend, 0.0) / p.ground_power_capex_busd_per_gw,
            p.ground_power_build_cap_gw_per_month), power_room - grid_starts);
        spend[CH_GROUND_POWER] = grid_spend + power_starts * p.ground_power_capex_busd_per_gw;
        let grid_new = delay3(&grid_pipe, grid_starts, grid_rate);
        grid_power_gw = grid_power_gw + grid_new;
        ground_power_gw = ground_power_gw + delay3(&ground_power_pipe, power_starts, ground_power_rate) + grid_new;

        let dc_starts = al[CH_DATACENTERS] * budget / p.ground_datacenter_capex_busd_per_gw;
        spend[CH_DATACENTERS] = al[CH_DATACENTERS] * budget;
        datacenter_gw = datacenter_gw + delay3(&datacenter_pipe, dc_starts, datacenter_rate);

        let launch_starts = al[CH_LAUNCH] * budget / p.space_launch_capex_busd_per_t_month;
        spend[CH_LAUNCH] = al[CH_LAUNCH] * budget;
        launch_t_per_month = launch_t_per_month + delay3(&launch_pipe, launch_starts, launch_rate);

        let factory_starts = al[CH_SATELLITE_FACTORY] * budget / p.space_factory_capex_busd_per_gw_month;
        spend[CH_SATELLITE_FACTORY] = al[CH_SATELLITE_FACTORY] * budget;
        sat_factory_gw_per_month = sat_factory_gw_per_month + delay3(&sat_factory_pipe, factory_starts, factory_rate);

        let launch_price = max(p.space_launch_price_usd_per_kg * learned(cum_launched_t, p.space_launch_learning_ref_t,
            launch_price_slope), p.space_launch_price_floor_usd_per_kg);
        let satellite_busd_per_gw = max(p.space_satellite_cost_busd_per_gw * learned(cum_satellite_gw,
            p.space_satellite_learning_ref_gw, satellite_slope), p.space_satellite_cost_floor_busd_per_gw);
        let space_busd_per_gw = satellite_busd_per_gw + tonnes_per_gw * launch_price * 1e-6;
        let space_budget_gw = al[CH_SPACE_POWER] * budget / space_busd_per_gw;
        let space_launch_cap_gw = launch_t_per_month / tonnes_per_gw;
        let space_new_gw = min(min(space_budget_gw, space_launch_cap_gw), sat_factory_gw_per_month);
        spend[CH_SPACE_POWER] = space_new_gw * space_busd_per_gw;
        cum_launched_t = cum_launched_t + space_new_gw * tonnes_per_gw;
        cum_satellite_gw = cum_satellite_gw + space_new_gw;

        // Summed in channel order, as step.rs sums its array.
        var spent = 0.0;
        for (var c = 0u; c < N_CHANNELS; c++) { spent = spent + spend[c]; }
        let borrowed = max(spent - cash, 0.0);
        debt_busd = debt_busd + borrowed;
        cash_busd = max(cash - spent, 0.0);

        // 5. Retirement.
        let keep = 1.0 - retire_rate;
        installed_ground_gw = installed_ground_gw * keep;
        flops_ground_eflops = flops_ground_eflops * keep;
        installed_space_gw = installed_space_gw * keep;
        flops_space_eflops = flops_space_eflops * keep;
        space_power_gw = space_power_gw * keep + space_new_gw;
        inventory_gw = inventory_gw * keep;
        inventory_eflops = inventory_eflops * keep;

        // 6. Deployment.
        let pool_gw = inventory_gw + made_gw + bought_gw;
        let pool_eflops = inventory_eflops + made_eflops + bought_eflops;
        let eflops_per_gw = safe_div(pool_eflops, pool_gw);
        let ground_capacity = min(ground_power_gw / p.ground_pue, datacenter_gw) / it;
        let ground_free = max(ground_capacity - installed_ground_gw, 0.0);
        let deployed_ground = min(pool_gw, ground_free);
        let space_free = max(space_power_gw / it - installed_space_gw, 0.0);
        let deployed_space = min(pool_gw - deployed_ground, space_free);
        installed_ground_gw = installed_ground_gw + deployed_ground;
        flops_ground_eflops = flops_ground_eflops + deployed_ground * eflops_per_gw;
        installed_space_gw = installed_space_gw + deployed_space;
        flops_space_eflops = flops_space_eflops + deployed_space * eflops_per_gw;
        inventory_gw = max(pool_gw - deployed_ground - deployed_space, 0.0);
        inventory_eflops = inventory_gw * eflops_per_gw;

        // 7. Metrics: D, its peak, and the sustained level of the window ending now.
        cum_eflops_months = cum_eflops_months + running_eflops;
        let counted = f32(run.system_basis) * (it - 1.0) + 1.0;
        ring[month % 12u] = (deployed_ground + deployed_space) * counted;
        var total = 0.0;
        for (var i = 0u; i < 12u; i++) { total = total + ring[i]; }
        deployed_last_12m_gw = total;
        best_deployed_last_12m_gw = max(best_deployed_last_12m_gw, total);
        sustain_ring[month % run.sustain] = total;
        if (month + 1u >= run.sustain) {
            var window = sustain_ring[0];
            for (var i = 1u; i < run.sustain; i++) { window = min(window, sustain_ring[i]); }
            let previous = sustained_gw;
            sustained_gw = window;
            best_sustained_gw = max(best_sustained_gw, window);
            let hit = select_ge(window, run.target_gw, 1.0, 0.0) * (1.0 - reached);
            let within = clamp(safe_div(run.target_gw - previous, window - previous), 0.0, 1.0);
            let first = f32(month + 1u - run.sustain);
            time_to_target_months = time_to_target_months + hit * (first + within - time_to_target_months);
            reached = max(reached, hit);
            let retreat_floor = run.target_gw * RETREAT_FLOOR_OF_TARGET;
            let depth = log(max(best_sustained_gw, retreat_floor) / max(window, retreat_floor)) / LN2;
            retreat_doubling_months = retreat_doubling_months + select_ge(reached, 0.5, 0.0, depth);
        }
    }

    // Objectives (objective.rs: cost).
    var cost: f32;
    if (run.objective == 0u) {
        let best = max(best_sustained_gw, run.target_gw * LEVEL_FLOOR_OF_TARGET);
        let doublings_short = log(run.target_gw / best) / LN2;
        let missed = run.last_confirmable + run.penalty_months * max(doublings_short, 0.0);
        cost = select_ge(reached, 0.5, time_to_target_months, missed) + run.retreat_months * retreat_doubling_months;
    } else if (run.objective == 1u) {
        cost = -(log(max(flops_ground_eflops + flops_space_eflops, 1e-18)) / LN10 + 18.0);
    } else {
        cost = -(log(max(cum_eflops_months, 1e-18)) / LN10 + 24.4199227210376);
    }
    costs[index] = cost;
}
