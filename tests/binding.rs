//! "What binds" on trajectories built by hand (a scenario and a policy made so that one
//! limit must bind), run through the model: launch, cash, demand, the ground cap and a
//! hoard each come out as the limit of most months once the run has settled.

use terafab::config::default_experiment;
use terafab::model::policy::N_CHANNELS;
use terafab::model::{Alloc, Channel, Params, State, simulate};
use terafab::report::binding::{Limit, classify_all};
use terafab::report::trajectory::site;

/// One allocation for the whole run: `shares` by channel, spending `spend` of cash a month.
fn policy(shares: &[(Channel, f64)], spend: f64) -> Vec<Alloc<f64>> {
    let mut s = [0.0; N_CHANNELS];
    for &(c, v) in shares {
        s[c as usize] = v;
    }
    vec![
        Alloc { shares: s, design_fraction: 0.0, spend_fraction: spend, borrow_fraction: 0.0 };
        default_experiment().run.knots
    ]
}

/// The limit of most months from `from` on, and its share of those months.
fn dominant(p: &Params<f64>, knots: &[Alloc<f64>], from: usize) -> (Limit, f64) {
    dominant_between(p, knots, from, 240)
}

/// The same over months `from .. until`.
fn dominant_between(p: &Params<f64>, knots: &[Alloc<f64>], from: usize, until: usize) -> (Limit, f64) {
    let exp = default_experiment();
    let t = simulate(&exp.run, p, knots);
    let limits = classify_all(&State::initial(p), &t.months, site(p));
    let tail = &limits[from..until];
    let counts: Vec<(usize, &str)> =
        Limit::ALL.iter().map(|&l| (tail.iter().filter(|&&x| x == l).count(), l.code())).filter(|c| c.0 > 0).collect();
    println!("limits from month {from}: {counts:?}");
    let best = Limit::ALL.iter().map(|&l| (tail.iter().filter(|&&x| x == l).count(), l)).max().unwrap();
    (best.1, best.0 as f64 / tail.len() as f64)
}

fn assert_binds(case: &str, (limit, share): (Limit, f64), want: Limit) {
    println!("{case}: {} binds in {:.0}% of the months", limit.code(), 100.0 * share);
    assert_eq!(limit, want, "{case}");
    assert!(share > 0.6, "{case}: {} binds in only {:.0}% of the months", limit.code(), 100.0 * share);
}

#[test]
fn launch_bound() {
    // Chips from the market, no ground power at all, satellites paid for generously,
    // launch capacity fixed at what the venture starts with.
    let mut p = default_experiment().params;
    p.space_launch_lead_months = 240.0;
    p.initial_ground_power_gw = 0.0;
    let knots = policy(&[(Channel::MarketChips, 0.5), (Channel::SpacePower, 0.5)], 0.5);
    assert_binds("launch", dominant(&p, &knots, 12), Limit::Launch);
}

#[test]
fn cash_bound() {
    // Ample room on the ground and on the market, a small treasury, wide demand for
    // compute that rents cheaply: cash, not demand, is short.
    let mut p = default_experiment().params;
    p.initial_ground_power_gw = 1e4;
    p.initial_datacenter_gw = 1e4;
    p.initial_cash_busd = 1.0;
    p.market_supply_gw_per_year = 1e5;
    p.demand_market_busd_per_year_at_start = 1e6;
    p.demand_rental_busd_per_gw_year = 1.0;
    let knots = policy(&[(Channel::MarketChips, 1.0)], 1.0);
    assert_binds("cash", dominant(&p, &knots, 12), Limit::Cash);
}

#[test]
fn demand_saturated() {
    // The same, with the venture's share of the market too small for its fleet: revenue
    // sits at that share's size (electricity free, so the fleet always runs and sells all
    // it can), while the world's chips stay plentiful.
    let mut p = default_experiment().params;
    p.initial_ground_power_gw = 1e4;
    p.initial_datacenter_gw = 1e4;
    p.initial_cash_busd = 1.0;
    p.market_supply_gw_per_year = 1e5;
    p.demand_addressable_share = 0.001;
    p.ground_electricity_busd_per_gw_month = 0.0;
    let knots = policy(&[(Channel::MarketChips, 1.0)], 1.0);
    // While funding comes in (to 2036): after it stops, the fleet shrinks below the market.
    assert_binds("demand", dominant_between(&p, &knots, 12, 117), Limit::Demand);
}

#[test]
fn ground_cap_bound() {
    // Ground only, money to spare, a cap of 5 GW: once plants reach it, it binds.
    let mut p = default_experiment().params;
    p.ground_power_cap_gw = 5.0;
    p.initial_cash_busd = 2000.0;
    p.ground_power_lead_months = 3.0;
    let knots = policy(&[(Channel::MarketChips, 0.4), (Channel::GroundPower, 0.3), (Channel::Datacenters, 0.3)], 0.3);
    assert_binds("ground cap", dominant(&p, &knots, 60), Limit::GroundCap);
}

#[test]
fn a_hoard() {
    // Spending 0.5% of cash a month while revenue keeps coming in.
    let p = default_experiment().params;
    let knots = policy(&[(Channel::MarketChips, 1.0)], 0.005);
    assert_binds("hoard", dominant(&p, &knots, 0), Limit::Hoard);
}
