//! What binds deployment in a month: the one limit that, relaxed, would have let more
//! chips into service, read off the month's own flows. Used by trajectory.csv's
//! `binding_limit` column, report.md's table and the `binding` figure, so all three agree.

use crate::model::run::MonthRecord;
use crate::model::state::State;

/// A month's spend share below this, while cash grows, is a deliberate hold of cash.
pub const HOARD_SPEND_FRACTION: f64 = 0.02;
/// Revenue at this share of the addressable market or more: demand is saturated, so more
/// compute would not bring more cash.
pub const DEMAND_SATURATION: f64 = 0.8;
/// Share of the ground cap (plants built or building) from which the cap binds.
pub const GROUND_CAP_SHARE: f64 = 0.98;

/// The limits a month's deployment can run into.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Limit {
    /// The policy spends (almost) nothing while cash piles up.
    Hoard,
    Fab,
    Packaging,
    MarketSupply,
    Cash,
    Demand,
    GroundPlants,
    Halls,
    GroundCap,
    Launch,
    SatelliteFactory,
    SatelliteBudget,
}

impl Limit {
    pub const ALL: [Limit; 12] = [
        Limit::Hoard,
        Limit::Fab,
        Limit::Packaging,
        Limit::MarketSupply,
        Limit::Cash,
        Limit::Demand,
        Limit::GroundPlants,
        Limit::Halls,
        Limit::GroundCap,
        Limit::Launch,
        Limit::SatelliteFactory,
        Limit::SatelliteBudget,
    ];
    /// The name in trajectory.csv.
    pub fn code(self) -> &'static str {
        match self {
            Limit::Hoard => "hoard",
            Limit::Fab => "fab",
            Limit::Packaging => "packaging",
            Limit::MarketSupply => "market_supply",
            Limit::Cash => "cash",
            Limit::Demand => "demand",
            Limit::GroundPlants => "ground_power_plants",
            Limit::Halls => "datacenter_halls",
            Limit::GroundCap => "ground_cap",
            Limit::Launch => "launch_capacity",
            Limit::SatelliteFactory => "satellite_factories",
            Limit::SatelliteBudget => "satellite_budget",
        }
    }
    /// In words, for report.md.
    pub fn describe(self) -> &'static str {
        match self {
            Limit::Hoard => "the policy holds cash (spends under 2% of it a month while it grows)",
            Limit::Fab => "own chips: fab capacity (wafer starts)",
            Limit::Packaging => "own chips: packaging + HBM capacity",
            Limit::MarketSupply => "market chips: the venture's share of world supply",
            Limit::Cash => "cash for chips",
            Limit::Demand => "cash for chips, with demand saturated (revenue near the addressable market)",
            Limit::GroundPlants => "ground power (plants and grid connections)",
            Limit::Halls => "ground datacentre halls",
            Limit::GroundCap => "the ground power cap",
            Limit::Launch => "launch capacity (satellites waiting for lift)",
            Limit::SatelliteFactory => "satellite factories (launch and budget to spare)",
            Limit::SatelliteBudget => "the satellite budget (launch and factories to spare)",
        }
    }
}

/// What the classification needs besides the month: the run's PUE and ground cap.
#[derive(Debug, Clone, Copy)]
pub struct Site {
    pub pue: f64,
    pub ground_cap_gw: f64,
}

/// `x` is (within rounding) at least `y`.
fn reaches(x: f64, y: f64) -> bool {
    x >= y - 1e-9 * y.abs().max(1e-12)
}

/// What bound deployment in month `r`, whose state before the month was `before`.
pub fn classify(before: &State<f64>, r: &MonthRecord, site: Site) -> Limit {
    let (s, f) = (&r.state, &r.flows);
    if f.spend_fraction < HOARD_SPEND_FRACTION && s.cash_busd > before.cash_busd {
        return Limit::Hoard;
    }
    let deployed = f.deployed_ground_gw + f.deployed_space_gw;
    // Power binds when chips wait in inventory, or when production and purchases used
    // up all the room there was to plug chips into.
    let chips_wait = s.inventory_gw > 1e-6 * deployed.max(1e-9);
    let room_used = reaches(f.made_gw + f.bought_gw, f.deploy_room_gw);
    if chips_wait || room_used {
        let pipeline: f64 = s.ground_power_pipe.iter().chain(&s.grid_pipe).sum();
        let at_cap = reaches(s.ground_power_gw + pipeline, GROUND_CAP_SHARE * site.ground_cap_gw);
        let space_side = f.deployed_space_gw > f.deployed_ground_gw || (deployed <= 0.0 && at_cap);
        return if space_side {
            // Whichever of lift and factory output is smaller held the satellites back,
            // if the budget would have bought more; else the budget did.
            let physical = f.space_launch_cap_gw.min(f.space_factory_cap_gw);
            if f.space_budget_gw <= physical {
                Limit::SatelliteBudget
            } else if f.space_launch_cap_gw <= f.space_factory_cap_gw {
                Limit::Launch
            } else {
                Limit::SatelliteFactory
            }
        } else if at_cap {
            Limit::GroundCap
        } else if s.ground_power_gw / site.pue <= s.datacenter_gw {
            Limit::GroundPlants
        } else {
            Limit::Halls
        };
    }
    let cash_or_demand =
        || if f.revenue_busd >= DEMAND_SATURATION * f.market_busd { Limit::Demand } else { Limit::Cash };
    if f.bought_gw > f.made_gw {
        return if f.market_budget_gw > f.market_supply_gw { Limit::MarketSupply } else { cash_or_demand() };
    }
    // Cash first: when the treasury is empty and a line is missing too, money is what
    // would have bought chips (on the market) this month.
    let caps = [(f.cash_cap_gw, Limit::Cash), (f.fab_cap_gw, Limit::Fab), (f.pkg_cap_gw, Limit::Packaging)];
    match caps.iter().min_by(|a, b| a.0.total_cmp(&b.0)).map_or(Limit::Cash, |c| c.1) {
        Limit::Cash => cash_or_demand(),
        other => other,
    }
}

/// The limit of every month of a trajectory that started from `initial`.
pub fn classify_all(initial: &State<f64>, months: &[MonthRecord], site: Site) -> Vec<Limit> {
    let mut before = initial;
    months
        .iter()
        .map(|r| {
            let l = classify(before, r, site);
            before = &r.state;
            l
        })
        .collect()
}

/// Cash carried forward: the month (index into `months`) whose cash on hand is the
/// run's largest, when that is more than [`CARRIED_MONTHS_OF_SPENDING`] months of that
/// month's discretionary spending, and at least $1B and twice the starting treasury
/// (`initial`: a venture that has not yet spent what it started with carries nothing).
/// The hoard label sees a low spend share; this sees cash piling up whatever the share,
/// e.g. money allotted to a channel that cannot use it, which stays in the bank
/// (docs/model.md, step 4).
pub fn cash_carried(initial: &State<f64>, months: &[MonthRecord]) -> Option<(usize, f64, f64)> {
    let (i, r) = months.iter().enumerate().max_by(|a, b| a.1.state.cash_busd.total_cmp(&b.1.state.cash_busd))?;
    let cash = r.state.cash_busd;
    let spent: f64 = r.flows.spend_channel_busd.iter().sum();
    let piled = cash >= 1.0f64.max(2.0 * initial.cash_busd);
    (piled && cash > CARRIED_MONTHS_OF_SPENDING * spent).then_some((i, cash, spent))
}

/// How many months of its own discretionary spending a treasury must hold to be called
/// carried forward by [`cash_carried`].
pub const CARRIED_MONTHS_OF_SPENDING: f64 = 2.0;

/// Runs of equal limits: (first month, last month, limit).
pub fn spans(limits: &[Limit]) -> Vec<(usize, usize, Limit)> {
    let mut out: Vec<(usize, usize, Limit)> = Vec::new();
    for (m, &l) in limits.iter().enumerate() {
        match out.last_mut() {
            Some(last) if last.2 == l => last.1 = m,
            _ => out.push((m, m, l)),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Params, State};

    const SITE: Site = Site { pue: 1.3, ground_cap_gw: 200.0 };

    /// A month that deployed 1 GW on the ground with room and chips to spare, spending
    /// half its cash: every test below changes what makes its case.
    fn month() -> (State<f64>, MonthRecord) {
        let p = Params::defaults();
        let before = State::initial(&p);
        let mut state = before;
        state.inventory_gw = 0.0;
        state.ground_power_gw = 50.0;
        state.datacenter_gw = 30.0;
        let flows = crate::model::Flows {
            funding_busd: 1.0,
            revenue_busd: 1.0,
            spend_electricity_busd: 0.1,
            spend_wafers_busd: 0.5,
            spend_packaging_ops_busd: 0.5,
            spend_servers_busd: 0.2,
            debt_service_busd: 0.0,
            interest_busd: 0.0,
            borrowed_busd: 0.0,
            spend_channel_busd: [0.1; crate::model::policy::N_CHANNELS],
            made_gw: 1.0,
            bought_gw: 0.0,
            deployed_ground_gw: 1.0,
            deployed_space_gw: 0.0,
            fab_cap_gw: 1.0,
            pkg_cap_gw: 5.0,
            cash_cap_gw: 5.0,
            own_eff_tflops_per_w: 3.0,
            market_eff_tflops_per_w: 3.0,
            iteration_months: 20.0,
            design_eflops: 0.0,
            ground_utilisation: 1.0,
            launch_price_usd_per_kg: 1000.0,
            price_ratio: 0.9,
            deploy_room_gw: 10.0,
            ground_room_gw: 9.0,
            space_room_gw: 0.0,
            spend_fraction: 0.5,
            borrow_fraction: 0.0,
            design_fraction: 0.1,
            market_busd: 30.0,
            market_supply_gw: 0.3,
            market_budget_gw: 0.1,
            space_launch_cap_gw: 0.2,
            space_factory_cap_gw: 0.5,
            space_budget_gw: 0.1,
            space_new_gw: 0.1,
            own_chip_busd_per_gw: 7.5,
            market_chip_busd_per_gw: 30.0,
            space_busd_per_gw: 21.0,
            debt_limit_busd: 0.0,
            grid_started_gw: 0.0,
            grid_supply_gw: 0.1,
            plants_started_gw: 0.0,
        };
        (before, MonthRecord { month: 5, state, flows })
    }

    fn limit(change: impl Fn(&mut State<f64>, &mut MonthRecord)) -> Limit {
        let (mut before, mut r) = month();
        change(&mut before, &mut r);
        classify(&before, &r, SITE)
    }

    #[test]
    fn own_chip_output_limits_name_fab_packaging_and_cash() {
        assert_eq!(limit(|_, _| {}), Limit::Fab);
        assert_eq!(limit(|_, r| r.flows.pkg_cap_gw = 0.5), Limit::Packaging);
        assert_eq!(limit(|_, r| r.flows.cash_cap_gw = 0.2), Limit::Cash);
    }

    #[test]
    fn a_cash_bound_month_with_revenue_at_the_market_is_demand_saturated() {
        assert_eq!(
            limit(|_, r| {
                r.flows.cash_cap_gw = 0.2;
                r.flows.revenue_busd = 28.0;
            }),
            Limit::Demand
        );
    }

    #[test]
    fn market_purchases_name_supply_or_cash() {
        let market = |budget: f64| {
            limit(move |_, r| {
                r.flows.made_gw = 0.0;
                r.flows.bought_gw = 0.3;
                r.flows.market_budget_gw = budget;
            })
        };
        assert_eq!(market(2.0), Limit::MarketSupply);
        assert_eq!(market(0.3), Limit::Cash);
    }

    #[test]
    fn a_launch_bound_month_names_launch_capacity() {
        let space = |budget: f64| {
            limit(move |_, r| {
                r.flows.deployed_ground_gw = 0.0;
                r.flows.deployed_space_gw = 0.2;
                r.state.inventory_gw = 3.0; // chips wait for satellites
                r.flows.space_budget_gw = budget;
            })
        };
        assert_eq!(space(5.0), Limit::Launch, "the budget would buy more than launch can lift");
        assert_eq!(space(0.1), Limit::SatelliteBudget, "launch could lift more than was bought");
        let factory = limit(|_, r| {
            r.flows.deployed_ground_gw = 0.0;
            r.flows.deployed_space_gw = 0.05;
            r.state.inventory_gw = 3.0;
            r.flows.space_budget_gw = 5.0;
            r.flows.space_factory_cap_gw = 0.05;
        });
        assert_eq!(factory, Limit::SatelliteFactory, "factories build less than launch could lift");
    }

    #[test]
    fn a_full_ground_names_plants_halls_or_the_cap() {
        let ground = |power: f64, halls: f64| {
            limit(move |_, r| {
                r.flows.deploy_room_gw = 1.0; // production used all the room there was
                r.state.ground_power_gw = power;
                r.state.datacenter_gw = halls;
            })
        };
        assert_eq!(ground(13.0, 30.0), Limit::GroundPlants);
        assert_eq!(ground(50.0, 20.0), Limit::Halls);
        assert_eq!(ground(199.0, 300.0), Limit::GroundCap);
    }

    #[test]
    fn holding_cash_while_it_grows_is_a_hoard_and_spending_it_is_not() {
        let hoard = |spend: f64, grows: bool| {
            limit(move |before, r| {
                r.flows.spend_fraction = spend;
                before.cash_busd = 100.0;
                r.state.cash_busd = if grows { 120.0 } else { 90.0 };
            })
        };
        assert_eq!(hoard(0.001, true), Limit::Hoard);
        assert_eq!(hoard(0.001, false), Limit::Fab, "spending little of a shrinking treasury is not a hoard");
        assert_eq!(hoard(0.3, true), Limit::Fab);
    }

    #[test]
    fn cash_piling_up_past_two_months_of_spending_is_carried_whatever_the_spend_share() {
        let months = |cash: [f64; 3], spent: f64| -> Vec<MonthRecord> {
            cash.iter()
                .map(|&c| {
                    let (_, mut r) = month();
                    r.state.cash_busd = c;
                    r.flows.spend_channel_busd = [0.0; crate::model::policy::N_CHANNELS];
                    r.flows.spend_channel_busd[0] = spent;
                    r.flows.spend_fraction = 0.999;
                    r
                })
                .collect()
        };
        let (mut start, _) = month();
        start.cash_busd = 20.0;
        assert_eq!(cash_carried(&start, &months([10.0, 354.0, 40.0], 110.0)), Some((1, 354.0, 110.0)));
        assert_eq!(cash_carried(&start, &months([10.0, 200.0, 40.0], 110.0)), None, "under two months of spending");
        assert_eq!(cash_carried(&start, &months([20.0, 5.0, 0.0], 1.0)), None, "the starting treasury is not carried");
        start.cash_busd = 0.0;
        assert_eq!(cash_carried(&start, &months([0.0, 0.5, 0.0], 0.0)), None, "under $1B is not a treasury");
        assert_eq!(cash_carried(&start, &[]), None);
    }

    #[test]
    fn spans_group_equal_months() {
        use Limit::*;
        assert_eq!(spans(&[Fab, Fab, Cash, Fab]), [(0, 1, Fab), (2, 2, Cash), (3, 3, Fab)]);
        assert!(spans(&[]).is_empty());
    }
}
