//! The exogenous paths: what the world does whatever the venture's policy (the market
//! chip's efficiency, the process's, the chip price, the rent per watt, the world's AI
//! spending, its chip makers' capacity and the grid connections its datacentres get). They depend only on the scenario and the
//! month, so they are computed once per (scenario, month), in f64, into a table that
//! every candidate's trajectory reads — the SIMD lanes and the GPU kernel alike — instead
//! of each trajectory evaluating the same exponentials again.

use super::params::Params;
use super::real::Real;
use super::step::{arch_rate, ln_arch_multiplier};

/// Values per (scenario, month) in the table (the WGSL kernel's stride).
pub const N_PATHS: usize = 7;

/// The exogenous paths at the start of one month (docs/model.md, "Exogenous paths").
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Paths<R> {
    /// The market's chip efficiency, held to the physical ceiling.
    pub market_eff_tflops_per_w: R,
    /// The process's efficiency before the venture's architecture gains (uncapped: the
    /// ceiling applies to the product).
    pub process_eff_tflops_per_w: R,
    pub chip_price_busd_per_gw: R,
    pub rental_busd_per_gw_year: R,
    /// The world's AI spending, per month.
    pub world_busd_per_month: R,
    /// The world's chip makers' capacity, GW of chips per month.
    pub supply_capacity_gw_per_month: R,
    /// New grid connections the world's datacentres can get, GW of power per month.
    pub grid_supply_gw_per_month: R,
}

impl<R: Real> Paths<R> {
    /// The paths in each month of a horizon of scenario `p` (month 0 = the start).
    /// Generic so that `flops.rs` can count this work as the un-hoisted step did it
    /// (DECISIONS.md: hoisting shows as speed, not as fewer FLOP): the log-rates once, then
    /// the month's exponentials.
    pub fn series(p: &Params<R>, horizon_months: usize) -> Vec<Self> {
        let one = R::lit(1.0);
        let twelve = R::lit(12.0);
        let ln = |annual_rate: R| (one + annual_rate).ln();
        let process_eff = ln(p.chip_process_eff_growth_per_year);
        // The market's chips are the process's with the architecture of
        // `market_iterations_per_year` design iterations a year, on the same curve as the
        // venture's (step.rs: arch_mult): nobody's architecture gains outrun the ceiling.
        let (ln_arch_ceiling, arch_rate) = (p.chip_arch_ceiling.ln(), arch_rate(p));
        let (price, rent, supply) = (
            ln(p.market_chip_price_trend_per_year),
            ln(p.demand_rental_trend_per_year),
            ln(p.market_supply_growth_per_year),
        );
        let grid = ln(p.ground_grid_supply_growth_per_year);
        // The world market's growth rate decays from its initial to its final value with
        // time constant tau: ln W(y) = r_f y + (r_i - r_f) tau (1 - exp(-y / tau)).
        let (r_i, r_f) = (ln(p.demand_market_growth_initial), ln(p.demand_market_growth_final));
        let tau = p.demand_market_growth_decay_years;
        (0..horizon_months)
            .map(|month| {
                let years = R::lit(month as f64 / 12.0);
                let ln_world_growth = r_f * years + (r_i - r_f) * tau * (one - (-years / tau).exp());
                let market_iterations = years * p.chip_market_iterations_per_year;
                let ln_market_arch = ln_arch_multiplier(ln_arch_ceiling, arch_rate, market_iterations);
                Paths {
                    market_eff_tflops_per_w: (p.chip_eff_tflops_per_w_at_start
                        * (years * process_eff + ln_market_arch).exp())
                    .min(p.chip_eff_ceiling_tflops_per_w),
                    process_eff_tflops_per_w: p.chip_eff_tflops_per_w_at_start * (years * process_eff).exp(),
                    chip_price_busd_per_gw: p.market_chip_price_busd_per_gw * (years * price).exp(),
                    rental_busd_per_gw_year: p.demand_rental_busd_per_gw_year * (years * rent).exp(),
                    world_busd_per_month: p.demand_market_busd_per_year_at_start / twelve * ln_world_growth.exp(),
                    supply_capacity_gw_per_month: p.market_supply_gw_per_year / twelve * (years * supply).exp(),
                    grid_supply_gw_per_month: p.ground_grid_supply_gw_per_year / twelve * (years * grid).exp(),
                }
            })
            .collect()
    }
}

impl Paths<f64> {
    /// Every month of a horizon, in f64: the table the evaluators read.
    pub fn table(p: &Params<f64>, horizon_months: usize) -> Vec<Self> {
        Self::series(p, horizon_months)
    }

    /// The values in the kernel's order.
    pub fn to_array(&self) -> [f64; N_PATHS] {
        [
            self.market_eff_tflops_per_w,
            self.process_eff_tflops_per_w,
            self.chip_price_busd_per_gw,
            self.rental_busd_per_gw_year,
            self.world_busd_per_month,
            self.supply_capacity_gw_per_month,
            self.grid_supply_gw_per_month,
        ]
    }
}

impl<R: Copy> Paths<R> {
    /// Applies `f` to every value (narrowing to f32, splatting into lanes).
    #[inline(always)]
    pub fn map<S>(&self, f: impl Fn(R) -> S) -> Paths<S> {
        Paths {
            market_eff_tflops_per_w: f(self.market_eff_tflops_per_w),
            process_eff_tflops_per_w: f(self.process_eff_tflops_per_w),
            chip_price_busd_per_gw: f(self.chip_price_busd_per_gw),
            rental_busd_per_gw_year: f(self.rental_busd_per_gw_year),
            world_busd_per_month: f(self.world_busd_per_month),
            supply_capacity_gw_per_month: f(self.supply_capacity_gw_per_month),
            grid_supply_gw_per_month: f(self.grid_supply_gw_per_month),
        }
    }
}

/// The table of `p` in `R`, computed in f64 from `p`'s values. For SIMD lanes it reads
/// the first lane: the lanes of one call share a scenario (they hold candidates).
pub fn table_in<R: Real>(p: &Params<R>, horizon_months: usize) -> Vec<Paths<R>> {
    Paths::table(&p.map(|x| x.to_f64()), horizon_months).iter().map(|x| x.map(R::lit)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_start_at_their_parameters_and_follow_their_annual_rates() {
        let p = Params::defaults();
        let t = Paths::table(&p, 25);
        assert_eq!(t[0].chip_price_busd_per_gw, p.market_chip_price_busd_per_gw);
        assert_eq!(t[0].world_busd_per_month, p.demand_market_busd_per_year_at_start / 12.0);
        let after_two_years = t[24].chip_price_busd_per_gw / t[0].chip_price_busd_per_gw;
        assert!((after_two_years - (1.0 + p.market_chip_price_trend_per_year).powi(2)).abs() < 1e-12);
        // The world market starts growing at its initial rate.
        let first_month = t[1].world_busd_per_month / t[0].world_busd_per_month;
        let initial = (1.0 + p.demand_market_growth_initial).powf(1.0 / 12.0);
        assert!((first_month - initial).abs() < 2e-3, "{first_month} vs {initial}");
        assert!(t.iter().all(|x| x.market_eff_tflops_per_w <= p.chip_eff_ceiling_tflops_per_w));
    }
}
