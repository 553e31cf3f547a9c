//! The scenario parameters: one registry that defines every parameter's config key, unit,
//! allowed range, sourced default and its place in the flat layout shared with the GPU.
//!
//! The `define_params!` table below is the single source: it generates the `Params<R>`
//! struct the step reads, the `PARAM_SPECS` list the config layer validates against, and
//! the WGSL `struct Params` text the kernel is compiled with, so the three cannot drift.

use super::real::Real;

/// The allowed range of a parameter.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Bounds {
    pub lo: f64,
    pub hi: f64,
    /// `true` when `lo` itself is not allowed (`> lo` rather than `>= lo`).
    pub lo_open: bool,
    /// Where 0 is allowed (`lo = 0`, closed): the least positive value, so the range is
    /// `0` or `min_positive ..= hi` (0 when there is no gap).
    pub min_positive: f64,
}

impl Bounds {
    /// `lo <= x <= hi`.
    pub const fn closed(lo: f64, hi: f64) -> Self {
        Self { lo, hi, lo_open: false, min_positive: 0.0 }
    }
    /// `lo < x <= hi`.
    pub const fn above(lo: f64, hi: f64) -> Self {
        Self { lo, hi, lo_open: true, min_positive: 0.0 }
    }
    /// A range that starts at an allowed 0 takes no positive value under a thousandth of
    /// the parameter's default (rounded down to one digit; a thousandth of the unit where
    /// the default is 0). A value like 1e-300 months or GW means 0 to anyone, yet f64
    /// computes it as something else than 0 (dividing by it, taking its log), while f32,
    /// the SIMD lanes and the GPU flush it to 0: the paths then disagree on a config
    /// `check` accepted. The same floor as the must-be-positive parameters'.
    pub const fn with_gap_above_zero(self, default: f64) -> Self {
        if self.lo_open || self.lo != 0.0 {
            return self;
        }
        Self { min_positive: thousandth_rounded_down(default), ..self }
    }
    pub fn contains(&self, x: f64) -> bool {
        x.is_finite()
            && (if self.lo_open { x > self.lo } else { x >= self.lo })
            && x <= self.hi
            && !(x > 0.0 && x < self.min_positive)
    }
    /// The allowed value nearest to `x` (a sampled scenario's draw that fell outside).
    pub fn nearest(&self, x: f64) -> f64 {
        let x = x.clamp(self.lo, self.hi);
        if x > 0.0 && x < self.min_positive {
            if x < self.min_positive / 2.0 { 0.0 } else { self.min_positive }
        } else {
            x
        }
    }
    /// Human text for error messages, e.g. `must be > 0 and <= 100`.
    pub fn describe(&self) -> String {
        if self.min_positive > 0.0 {
            return format!("must be 0, or >= {} and <= {}", fmt_num(self.min_positive), fmt_num(self.hi));
        }
        let lo = if self.lo_open { ">" } else { ">=" };
        format!("must be {lo} {} and <= {}", fmt_num(self.lo), fmt_num(self.hi))
    }
}

/// `default / 1000` rounded down to one significant digit (22.5 gives 0.02); 0.001 for a
/// default of 0.
const fn thousandth_rounded_down(default: f64) -> f64 {
    let t = default / 1000.0;
    if t <= 0.0 {
        return 1e-3;
    }
    // Powers of ten up to 1e22 are exact doubles, so dividing or multiplying a digit by
    // one rounds once: 0.02, not 0.020000000000000004.
    if t < 1.0 {
        let mut inverse = 1.0;
        while t * inverse < 1.0 {
            inverse *= 10.0;
        }
        ((t * inverse) as u64) as f64 / inverse
    } else {
        let mut decade = 1.0;
        while decade * 10.0 <= t {
            decade *= 10.0;
        }
        ((t / decade) as u64) as f64 * decade
    }
}

/// Formats a bound without float noise (`0.5`, `1e9`).
pub fn fmt_num(x: f64) -> String {
    if x != 0.0 && (x.abs() >= 1e6 || x.abs() < 1e-3) { format!("{x:e}") } else { format!("{x}") }
}

/// What the registry knows about one parameter.
#[derive(Debug, Clone, Copy)]
pub struct ParamSpec {
    /// Config table, e.g. `fab`.
    pub section: &'static str,
    /// Key within the table, e.g. `capex_busd_per_kwspm`.
    pub key: &'static str,
    /// Field name in `Params` and in the WGSL struct (`section_key`).
    pub field: &'static str,
    pub default: f64,
    pub bounds: Bounds,
    pub unit: &'static str,
    /// Where the default comes from: PARAMETERS.md keys (S#) or the argument for it.
    pub source: &'static str,
}

impl ParamSpec {
    /// The dotted config path, e.g. `fab.capex_busd_per_kwspm`.
    pub fn path(&self) -> String {
        format!("{}.{}", self.section, self.key)
    }
}

macro_rules! define_params {
    ( $( $field:ident = $section:literal . $key:literal : $default:expr, $bounds:expr, $unit:literal, $source:literal ; )* ) => {
        /// One scenario's parameter values, in the units of each field's name.
        #[derive(Debug, Clone, Copy, PartialEq)]
        #[allow(missing_docs)]
        pub struct Params<R> { $( pub $field: R, )* }

        /// Every parameter, in layout order (the order of fields in the WGSL struct).
        pub const PARAM_SPECS: &[ParamSpec] = &[ $( ParamSpec {
            section: $section, key: $key, field: stringify!($field),
            default: $default, bounds: $bounds.with_gap_above_zero($default), unit: $unit, source: $source,
        }, )* ];

        impl<R: Copy> Params<R> {
            /// Applies `f` to every value (narrowing to f32, splatting into lanes).
            pub fn map<S>(&self, f: impl Fn(R) -> S) -> Params<S> {
                Params { $( $field: f(self.$field), )* }
            }
            /// The values in layout order.
            pub fn to_vec(&self) -> Vec<R> {
                vec![ $( self.$field, )* ]
            }
            /// Builds from values in layout order; `None` when the length is wrong.
            pub fn from_slice(values: &[R]) -> Option<Self> {
                let mut it = values.iter().copied();
                let p = Params { $( $field: it.next()?, )* };
                if it.next().is_some() { return None; }
                Some(p)
            }
        }
    };
}

/// Number of scenario parameters (the f32 count of the WGSL `Params` struct).
pub fn param_count() -> usize {
    PARAM_SPECS.len()
}

impl Params<f64> {
    /// The sourced defaults (the nominal scenario).
    pub fn defaults() -> Self {
        let v: Vec<f64> = PARAM_SPECS.iter().map(|s| s.default).collect();
        Self::from_slice(&v).expect("registry and struct have the same length")
    }
    /// Index of a parameter by its dotted path.
    pub fn index_of(path: &str) -> Option<usize> {
        PARAM_SPECS.iter().position(|s| s.path() == path)
    }
    /// Narrows to another float type.
    pub fn cast<R: Real>(&self) -> Params<R> {
        self.map(R::lit)
    }
}

/// The WGSL declaration of `struct Params`, generated from the registry.
pub fn wgsl_params_struct() -> String {
    let mut s = String::from("// Generated from src/model/params.rs: do not edit.\nstruct Params {\n");
    for spec in PARAM_SPECS {
        s.push_str(&format!("    {}: f32,\n", spec.field));
    }
    s.push_str("}\n");
    s
}

// Bounds: what `check` accepts must compute (tests/accepted_is_computable.rs), and compute
// the same in f32 as in f64 (the SIMD lanes and the GPU kernel). A quantity that must be
// positive (a cost, capex, unit figure, reference scale or efficiency: each divides or
// scales something) has a floor of a thousandth of its sourced default, rounded down,
// rather than 0: far below any defensible value, yet inside f32's normal range, where a
// value like 1e-300 would be flushed to 0 on the f32 paths. A Wright's-law ratio's floor
// is 0.5 (cost halving with every doubling, past any learning rate measured: S20 finds
// 0.6-1.0).
define_params! {
    // --- initial state (2026-04) ---
    initial_cash_busd = "initial"."cash_busd": 22.5, Bounds::closed(0.0, 1e5), "$B",
        "S63, S64: TERAFAB's stated $20-25B (midpoint)";
    initial_installed_ground_gw = "initial"."installed_ground_gw": 1.0, Bounds::closed(0.0, 1e4), "GW",
        "MODEL.md: the parents' clusters, order of 1 GW";
    initial_fleet_eff_tflops_per_w = "initial"."fleet_eff_tflops_per_w": 1.8, Bounds::closed(0.001, 1e4), "TFLOP/s per W",
        "between H100 (1.41) and B200 (2.25) dense BF16 per W (S24, S26): a mixed fleet";
    initial_ground_power_gw = "initial"."ground_power_gw": 2.0, Bounds::closed(0.0, 1e4), "GW",
        "assumption: the fleet's 1 GW x 1.35 IT load x PUE 1.2, plus contracted headroom";
    initial_datacenter_gw = "initial"."datacenter_gw": 1.6, Bounds::closed(0.0, 1e4), "GW of IT load",
        "assumption: the fleet's 1.35 GW of IT load plus ~20% headroom";
    initial_fab_under_construction_kwspm = "initial"."fab_under_construction_kwspm": 25.0, Bounds::closed(0.0, 1e5), "1000 WSPM",
        "assumption: a first 2nm module under construction (S106-S109 site; half a 50k fab, S1)";
    initial_launch_capacity_t_per_month = "initial"."launch_capacity_t_per_month": 250.0, Bounds::closed(0.0, 1e8), "t/month",
        "derived: 165 Falcon flights/yr (S88) x ~17 t / 12; the venture is SpaceX-affiliated";
    initial_satellite_factory_gw_per_month = "initial"."satellite_factory_gw_per_month": 0.0083, Bounds::closed(0.0, 1e4), "GW of satellite power per month",
        "E15: Starlink builds 70 satellites a week, ~0.1 GW/yr of array power (derived)";
    initial_satellite_factory_under_construction_gw_per_month = "initial"."satellite_factory_under_construction_gw_per_month": 0.083, Bounds::closed(0.0, 1e4), "GW per month",
        "E18, E19: the Gigasat factory, 1 GW/yr of orbital compute by end-2027";
    initial_grid_under_construction_gw = "initial"."grid_under_construction_gw": 0.0, Bounds::closed(0.0, 1e4), "GW",
        "the venture starts with no grid connection in the queue beyond its initial power";

    // --- leading-edge logic fab ---
    fab_capex_busd_per_kwspm = "fab"."capex_busd_per_kwspm": 0.56, Bounds::closed(5e-4, 100.0), "$B per 1000 WSPM",
        "S1, S2: $28B per 50k WSPM 2nm fab";
    fab_capex_learning_ratio = "fab"."capex_learning_ratio": 0.9, Bounds::closed(0.5, 1.0), "x per doubling of capacity built",
        "assumption: milder than S19's 0.70 transistor-cost rate; capex learns slower than unit cost";
    fab_capex_learning_ref_kwspm = "fab"."capex_learning_ref_kwspm": 50.0, Bounds::closed(0.05, 1e6), "1000 WSPM",
        "one reference fab (S1): doublings are counted from the first module";
    fab_construction_months = "fab"."construction_months": 30.0, Bounds::closed(0.0, 240.0), "months",
        "S5 (2-3 yr), S6: construction to volume production, midpoint";
    fab_wafer_cost_kusd = "fab"."wafer_cost_kusd": 30.0, Bounds::closed(0.03, 1e3), "k$ per wafer",
        "S1, S13: N2 wafer $24.6-30k";
    fab_wafer_learning_ratio = "fab"."wafer_learning_ratio": 0.85, Bounds::closed(0.5, 1.0), "x per doubling of cumulative wafers",
        "assumption after S19/S20 (Wright's law), milder than 0.70 at a fixed node";
    fab_wafer_learning_ref_kwafers = "fab"."wafer_learning_ref_kwafers": 600.0, Bounds::closed(0.6, 1e9), "1000 wafers",
        "one year of a 50k WSPM fab: doublings are counted from there";
    fab_kw_per_wafer_mature = "fab"."kw_per_wafer_mature": 20.0, Bounds::closed(0.02, 1e3), "kW of accelerator TDP per wafer",
        "PARAMETERS.md section 2, derived (15-31)";
    fab_yield_initial_fraction = "fab"."yield_initial_fraction": 0.35, Bounds::closed(0.01, 1.0), "fraction of mature good dies",
        "Murphy yield at D0 0.3-0.8 vs 0.1 (S8, S10), 814 mm^2 die";
    fab_yield_ramp_kwafers = "fab"."yield_ramp_kwafers": 450.0, Bounds::closed(0.4, 1e9), "1000 wafers (e-folding)",
        "S8: D0 mature ~9 months after HVM, x 50k WSPM";

    // --- advanced packaging + HBM ---
    packaging_capex_busd_per_mpkg_month = "packaging"."capex_busd_per_mpkg_month": 20.0, Bounds::closed(0.02, 1e4), "$B per 1M packages/month",
        "assumption: CoWoS line plus the HBM supply behind it; sweep it (S34-S41: sold out to 2030)";
    packaging_construction_months = "packaging"."construction_months": 18.0, Bounds::closed(0.0, 240.0), "months",
        "assumption: TSMC roughly doubled CoWoS in a year (S34, S35)";
    packaging_unit_cost_kusd = "packaging"."unit_cost_kusd": 4.0, Bounds::closed(0.004, 1e3), "k$ per package",
        "E26: B200 HBM ~$2,900 + CoWoS-L ~$1,100 per 1 kW package (H100 ~$3,100 per kW, E24, E27)";
    packaging_unit_learning_ratio = "packaging"."unit_learning_ratio": 0.85, Bounds::closed(0.5, 1.0), "x per doubling of cumulative packages",
        "assumption: DRAM-like learning once HBM is no longer supply-short (flat 2024-26: E28, E29); sweep it";
    packaging_unit_learning_ref_mpkg = "packaging"."unit_learning_ref_mpkg": 10.0, Bounds::closed(0.01, 1e9), "million packages",
        "doublings counted from ~a year of 2025 industry HBM supply (~11 GW, E30, E33)";
    packaging_unit_cost_floor_kusd = "packaging"."unit_cost_floor_kusd": 1.0, Bounds::closed(0.001, 1e3), "k$ per package",
        "assumption: a quarter of today's HBM + CoWoS cost per kW";
    packaging_kw_per_package = "packaging"."kw_per_package": 1.0, Bounds::closed(0.001, 100.0), "kW of TDP per package",
        "S25: B200 1,000 W";

    // --- chips bought on the market ---
    market_chip_price_busd_per_gw = "market"."chip_price_busd_per_gw": 30.0, Bounds::closed(0.03, 1e4), "$B per GW of TDP",
        "S42, S43: $25-40k per ~1 kW accelerator";
    market_chip_price_trend_per_year = "market"."chip_price_trend_per_year": -0.1, Bounds::closed(-0.9, 1.0), "fraction per year",
        "between 2023-25's -17%/yr (NVIDIA data-centre revenue per W sold, E55, S113) and the long run's flat price per W (S33)";
    market_supply_gw_per_year = "market"."supply_gw_per_year": 20.0, Bounds::closed(0.0, 1e6), "GW/yr",
        "PARAMETERS.md section 2: packaging-limited ~15-25 GW/yr in 2025-26";
    market_supply_growth_per_year = "market"."supply_growth_per_year": 0.4, Bounds::closed(-0.5, 5.0), "fraction per year",
        "assumption below S44's 2.3x/yr installed-compute growth";
    market_max_share = "market"."max_share": 0.2, Bounds::closed(0.0, 1.0), "fraction of market supply",
        "assumption: the share of world accelerator supply the venture can buy";

    // --- chip efficiency ---
    chip_eff_tflops_per_w_at_start = "chip"."eff_tflops_per_w_at_start": 2.25, Bounds::closed(0.01, 1e4), "TFLOP/s per W",
        "S26: B200 2.25 PFLOP/s dense BF16 at 1,000 W (the market's best chip at run.start, 2026-04)";
    chip_eff_ceiling_tflops_per_w = "chip"."eff_ceiling_tflops_per_w": 450.0, Bounds::closed(0.01, 1e6), "TFLOP/s per W",
        "E42, E43 (arXiv 2312.08595): CMOS limit ~200x today's chips (50-1000x); 200 x B200 dense BF16";
    chip_market_iterations_per_year = "chip"."market_iterations_per_year": 1.0, Bounds::closed(0.0, 12.0), "design iterations per year",
        "S58: the market leader's annual cadence (a new architecture a year since 2024); at 12% a step it turns the process's 16%/yr into ~30%/yr now, slowing as architecture nears its ceiling";
    chip_process_eff_growth_per_year = "chip"."process_eff_growth_per_year": 0.16, Bounds::closed(-0.5, 5.0), "fraction per year",
        "derived: H100 to B200 dense BF16 per W ~20%/yr (S24, S26) and S31's 40%/yr across precisions put the market's pace at ~30%/yr = 1.16 x 1.12 (one architecture step a year); H100 to B200 gained 1.6x per W on one node family: architecture carries a large share";
    chip_arch_gain_per_iteration = "chip"."arch_gain_per_iteration": 0.12, Bounds::closed(0.0, 10.0), "fraction per iteration",
        "derived: one step a year (S58) on the process's 16%/yr gives the market's ~30%/yr";
    chip_arch_ceiling = "chip"."arch_ceiling": 8.0, Bounds::above(1.0, 1e6), "x over process-only",
        "assumption: the most architecture can add (specialisation, precision); sweep it";

    // --- design -> masks -> hot lot -> test loop ---
    design_design_months = "design"."design_months": 18.0, Bounds::closed(0.0, 240.0), "months",
        "S51: design start to tape-out, at the reference R&D spend";
    design_design_min_months = "design"."design_min_months": 2.0, Bounds::closed(0.0, 240.0), "months",
        "assumption: floor however much is spent";
    design_rd_ref_busd_per_month = "design"."rd_ref_busd_per_month": 0.04, Bounds::closed(4e-5, 1e3), "$B/month",
        "S47: $725M per 2nm design over ~18 months";
    design_rd_elasticity = "design"."rd_elasticity": 0.3, Bounds::closed(0.0, 5.0), "exponent",
        "assumption: more staff helps sublinearly (Brooks)";
    design_mask_months = "design"."mask_months": 1.0, Bounds::closed(0.0, 60.0), "months",
        "S52, S53: mask making takes weeks";
    design_mask_min_months = "design"."mask_min_months": 0.25, Bounds::closed(0.0, 60.0), "months",
        "S53: e-beam writing hours to days per mask, ~40 masks";
    design_hot_lot_months = "design"."hot_lot_months": 1.6, Bounds::closed(0.0, 60.0), "months",
        "S18: hot lot 6-8 weeks";
    design_hot_lot_min_months = "design"."hot_lot_min_months": 1.0, Bounds::closed(0.0, 60.0), "months",
        "assumption: a dedicated hot-lot line, near raw process time";
    design_test_months = "design"."test_months": 3.0, Bounds::closed(0.0, 60.0), "months",
        "S18, S56, S57: bring-up 2-7 weeks, to volume 3-6 months";
    design_test_min_months = "design"."test_min_months": 0.5, Bounds::closed(0.0, 60.0), "months",
        "S63, S64: validation 'in days instead of weeks' (claim)";
    design_infra_ref_busd = "design"."infra_ref_busd": 2.0, Bounds::closed(0.002, 1e4), "$B",
        "assumption: mask shop + hot-lot line + test automation, ~10 EUV-era tools (S11)";
    design_infra_elasticity = "design"."infra_elasticity": 0.5, Bounds::closed(0.0, 5.0), "exponent",
        "assumption";
    design_mask_set_cost_busd = "design"."mask_set_cost_busd": 0.03, Bounds::closed(3e-5, 100.0), "$B per tape-out",
        "S52-S54: $20-50M per 2nm mask set";
    design_ai_max_speedup = "design"."ai_max_speedup": 3.0, Bounds::closed(1.0, 1e3), "x on the design stage",
        "S61: 3x faster time-to-results (block level; whole-chip effect is an assumption)";
    design_ai_half_eflops = "design"."ai_half_eflops": 200.0, Bounds::closed(0.2, 1e12), "EFLOP/s",
        "assumption: design compute giving half the AI speedup (~0.1 GW of H100s)";
    design_ai_test_max_speedup = "design"."ai_test_max_speedup": 2.0, Bounds::closed(1.0, 1e3), "x on test/bring-up",
        "S63, S64 claim (days instead of weeks), discounted";

    // --- ground power and datacentres ---
    ground_power_capex_busd_per_gw = "ground"."power_capex_busd_per_gw": 2.4, Bounds::closed(0.002, 1e3), "$B per GW",
        "S71: combined-cycle gas 2025";
    ground_power_lead_months = "ground"."power_lead_months": 12.0, Bounds::closed(0.0, 240.0), "months",
        "E50-E54: AI clusters of 2024-25 went site to power in 4-15 months on on-site gas (grid: 36-48, S78)";
    ground_power_build_cap_gw_per_month = "ground"."power_build_cap_gw_per_month": 2.0, Bounds::closed(0.0, 1e4), "GW/month started",
        "assumption: ~24 GW/yr, half of recent US additions";
    ground_power_cap_gw = "ground"."power_cap_gw": 200.0, Bounds::closed(0.0, 1e5), "GW",
        "derived: ~45% of US average electricity 0.457 TW (S65), the 0.2 TW ground share (S117)";
    ground_electricity_busd_per_gw_month = "ground"."electricity_busd_per_gw_month": 0.03, Bounds::closed(0.0, 10.0), "$B per GW-month",
        "assumption: ~$41/MWh (gas fuel + O&M) x 730 h";
    ground_pue = "ground"."pue": 1.2, Bounds::closed(1.0, 5.0), "ratio",
        "E36: Epoch uses 1.1 (hyperscalers) to 1.25 for AI halls; Google 1.10 (S77), all datacentres 1.56 (S76)";
    ground_datacenter_capex_busd_per_gw = "ground"."datacenter_capex_busd_per_gw": 10.7, Bounds::closed(0.01, 1e3), "$B per GW of IT",
        "S78: $10.7M per MW";
    ground_datacenter_lead_months = "ground"."datacenter_lead_months": 18.0, Bounds::closed(0.0, 240.0), "months",
        "assumption: shell and fit-out";
    ground_grid_supply_gw_per_year = "ground"."grid_supply_gw_per_year": 10.0, Bounds::closed(0.0, 1e5), "GW/yr of new grid connections, world",
        "derived: IEA (S68) world datacentre load 415 TWh (2024) to 945 (2030): ~88 TWh/yr a year, 10 GW of load at full use";
    ground_grid_supply_growth_per_year = "ground"."grid_supply_growth_per_year": 0.0, Bounds::closed(-0.5, 5.0), "fraction per year",
        "derived: IEA's base case (S68) adds a roughly constant 50-90 TWh a year 2024-2035 (945 to ~1,200 TWh in 2030-35)";
    ground_grid_max_share = "ground"."grid_max_share": 0.2, Bounds::closed(0.0, 1.0), "fraction of world grid connections",
        "assumption: as market.max_share, the venture's share of what the world's datacentres get";
    ground_grid_connection_busd_per_gw = "ground"."grid_connection_busd_per_gw": 0.3, Bounds::closed(0.0003, 1e3), "$B per GW",
        "derived: UCS (E59): $4.3B of transmission for 130 PJM datacentre connections of 100-1,000 MW in 2024, $0.03-0.33B/GW; the upper end";
    ground_grid_lead_months = "ground"."grid_lead_months": 36.0, Bounds::closed(0.0, 240.0), "months",
        "S78: grid connection wait 36-48 months (N. Virginia, 2025); 12-18 earlier";
    ground_grid_electricity_busd_per_gw_month = "ground"."grid_electricity_busd_per_gw_month": 0.059, Bounds::closed(0.0, 10.0), "$B per GW-month",
        "E60: US industrial tariff 8.06 c/kWh (EIA, 2023) x 730 h; covers the utility's plants and wires";

    // --- space ---
    space_specific_power_kw_per_t = "space"."specific_power_kw_per_t": 70.0, Bounds::closed(0.1, 1e5), "kW per tonne",
        "S98: SpaceX AI1 whole satellite, 70 kW/t (target 100, S91)";
    space_satellite_cost_busd_per_gw = "space"."satellite_cost_busd_per_gw": 8.0, Bounds::closed(0.008, 1e4), "$B per GW (no chips, no launch)",
        "derived: ~11 kg/kW of non-compute mass (S98, E8) at Starlink-class ~$700/kg (E4); McCalip ~$9B/GW (E5)";
    space_satellite_learning_ratio = "space"."satellite_learning_ratio": 0.85, Bounds::closed(0.5, 1.0), "x per doubling of cumulative GW built",
        "E1, E2: aerospace 80-90%, NASA SBSP study 75-90%; Starlink $/W flat as designs grew (E4): sweep 0.75-0.95";
    space_satellite_learning_ref_gw = "space"."satellite_learning_ref_gw": 0.1, Bounds::closed(0.0001, 1e9), "GW",
        "E15: a year of Starlink's factory in array power; doublings are counted from there";
    space_satellite_cost_floor_busd_per_gw = "space"."satellite_cost_floor_busd_per_gw": 1.0, Bounds::closed(0.001, 1e4), "$B per GW",
        "assumption: ~11 kg/kW at aircraft-structure cost (~$30-100/kg) plus cells; no source gives a floor";
    space_factory_capex_busd_per_gw_month = "space"."factory_capex_busd_per_gw_month": 36.0, Bounds::closed(0.036, 1e5), "$B per GW/month of satellite output",
        "assumption with anchors E20-E23: ~$3B per GW/yr of output (OneWeb $85M for 700 sats/yr; Bastrop $280/sq ft)";
    space_factory_lead_months = "space"."factory_lead_months": 24.0, Bounds::closed(0.0, 240.0), "months",
        "E18-E21: Gigasat announced Jun 2026 for end-2027; OneWeb's factory took 3 years";
    space_launch_price_usd_per_kg = "space"."launch_price_usd_per_kg": 1000.0, Bounds::closed(1.0, 1e6), "$/kg",
        "S84: Falcon 9 internal cost ~$900/kg (the venture launches at cost)";
    space_launch_learning_ratio = "space"."launch_learning_ratio": 0.8, Bounds::closed(0.5, 1.0), "x per doubling of mass launched",
        "assumption (Wright's law, S20); reaches S87's $200/kg after ~7 doublings";
    space_launch_learning_ref_t = "space"."launch_learning_ref_t": 10000.0, Bounds::closed(10.0, 1e12), "t",
        "assumption: order of SpaceX's cumulative mass to orbit";
    space_launch_price_floor_usd_per_kg = "space"."launch_price_floor_usd_per_kg": 20.0, Bounds::closed(0.02, 1e6), "$/kg",
        "S81, S85: Starship target $10-100/kg";
    space_launch_capex_busd_per_t_month = "space"."launch_capex_busd_per_t_month": 0.002, Bounds::closed(2e-6, 100.0), "$B per t/month of capacity",
        "assumption: ~$2M per t/month (reusable vehicles, pads, propellant plant)";
    space_launch_lead_months = "space"."launch_lead_months": 18.0, Bounds::closed(0.0, 240.0), "months",
        "assumption: vehicle build and pad qualification";

    // --- fleet ---
    fleet_chip_life_months = "fleet"."chip_life_months": 60.0, Bounds::closed(1.0, 1200.0), "months (mean)",
        "S46: economic useful life 4-6 years; satellites retire with their chips (S95)";
    fleet_it_power_per_chip = "fleet"."it_power_per_chip": 1.35, Bounds::closed(1.0, 5.0), "W of IT load per W of chip TDP",
        "E36 (Epoch's code): servers draw 1.8x chip TDP at nameplate (CPUs, memory, NICs, fans; no cooling), 0.75 of it on average";
    fleet_server_cost_share = "fleet"."server_cost_share": 0.5, Bounds::closed(0.0, 10.0), "x the market accelerator price",
        "E36, E37, E24: servers + cluster network add ~50% (30-90%) to the accelerator's price (Epoch: 1.64x)";

    // --- demand for compute ---
    demand_rental_busd_per_gw_year = "demand"."rental_busd_per_gw_year": 25.0, Bounds::closed(0.0, 1e4), "$B per GW-year",
        "E40: B200 at $2.80/GPU-h x 8,760 h / 1 kW = $24.5B per GW-year of the market's best chip at run.start";
    demand_rental_trend_per_year = "demand"."rental_trend_per_year": -0.05, Bounds::closed(-0.9, 1.0), "fraction per year",
        "E39-E41: rent per watt of the market's chip flat to -10%/yr (price per FLOP -30%/yr as efficiency gains, S33)";
    demand_market_busd_per_year_at_start = "demand"."market_busd_per_year_at_start": 430.0, Bounds::closed(0.4, 1e7), "$B/yr",
        "E46: Gartner, AI-optimised server spending 2026 (~20 GW installed x $25B/GW-yr of rent is the same order)";
    demand_market_growth_initial = "demand"."market_growth_initial": 0.45, Bounds::closed(-0.5, 5.0), "fraction per year",
        "E46: Gartner, AI-optimised servers +49% in 2026 (all AI spending +44%, S116)";
    demand_market_growth_final = "demand"."market_growth_final": 0.05, Bounds::closed(-0.5, 5.0), "fraction per year",
        "assumption: growth slows to the economy's pace";
    demand_market_growth_decay_years = "demand"."market_growth_decay_years": 6.0, Bounds::closed(0.006, 1e3), "years (e-folding)",
        "assumption";
    demand_addressable_share = "demand"."addressable_share": 0.5, Bounds::closed(0.0005, 1.0), "fraction of world spending",
        "assumption: the most the venture can sell at the reference price";
    demand_price_flexibility = "demand"."price_flexibility": 1.0, Bounds::closed(0.0, 10.0), "exponent (inverse price elasticity)",
        "1 = revenue saturates at the addressable market; 0 = infinite demand";

    // --- financing beyond revenue ---
    finance_debt_limit_years_of_revenue = "finance"."debt_limit_years_of_revenue": 2.0, Bounds::closed(0.0, 20.0), "x trailing annual revenue",
        "assumption: investment-grade leverage ~3x EBITDA at ~65% EBITDA margins on rented compute";
    finance_debt_rate_per_year = "finance"."debt_rate_per_year": 0.07, Bounds::closed(0.0, 1.0), "fraction per year",
        "assumption: BBB corporate yields ~5-6% (2025) plus a new venture's spread";
    finance_debt_term_months = "finance"."debt_term_months": 60.0, Bounds::closed(1.0, 1200.0), "months",
        "assumption: debt amortised over the chips' useful life (S46)";
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn field_names_are_section_underscore_key() {
        for s in PARAM_SPECS {
            assert_eq!(s.field, format!("{}_{}", s.section, s.key), "{}", s.path());
        }
    }

    #[test]
    fn defaults_lie_within_bounds() {
        for s in PARAM_SPECS {
            assert!(s.bounds.contains(s.default), "{} = {} {}", s.path(), s.default, s.bounds.describe());
        }
    }

    #[test]
    fn paths_are_unique_and_round_trip_through_slices() {
        let mut paths: Vec<String> = PARAM_SPECS.iter().map(|s| s.path()).collect();
        paths.sort();
        paths.dedup();
        assert_eq!(paths.len(), PARAM_SPECS.len());
        let p = Params::defaults();
        assert_eq!(Params::from_slice(&p.to_vec()), Some(p));
        assert_eq!(Params::<f64>::from_slice(&[1.0]), None);
    }

    #[test]
    fn bounds_describe_reads_naturally() {
        assert_eq!(Bounds::above(0.0, 100.0).describe(), "must be > 0 and <= 100");
        assert!(!Bounds::above(0.0, 1.0).contains(0.0));
        assert!(!Bounds::closed(0.0, 1.0).contains(f64::NAN));
        let gap = Bounds::closed(0.0, 1e5).with_gap_above_zero(22.5);
        assert_eq!(gap.describe(), "must be 0, or >= 0.02 and <= 100000");
        assert!(gap.contains(0.0) && gap.contains(0.02) && !gap.contains(1e-300) && !gap.contains(0.019));
        assert_eq!((gap.nearest(0.009), gap.nearest(0.011), gap.nearest(3.0)), (0.0, 0.02, 3.0));
        assert_eq!(Bounds::closed(0.0, 1.0).with_gap_above_zero(0.0).min_positive, 1e-3);
        assert_eq!(Bounds::closed(-0.9, 1.0).with_gap_above_zero(-0.05).min_positive, 0.0);
        assert_eq!(Bounds::above(0.0, 1.0).with_gap_above_zero(0.5).min_positive, 0.0);
        for (d, floor) in
            [(1.0, 1e-3), (60.0, 0.06), (25.0, 0.02), (0.0083, 8e-6), (450.0, 0.4), (1e4, 10.0), (35e3, 30.0)]
        {
            let got = thousandth_rounded_down(d);
            assert_eq!(got, floor, "{d}");
        }
    }
}
