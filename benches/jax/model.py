"""A plain JAX port of terafab's model (model version 6), for issue 13.

What a competent Python user would write: one trajectory (one scenario's parameters,
one policy vector) as a `lax.scan` over months, `vmap` over scenarios and over
candidates, `jit`. f32 by default; f64 with `enable_x64()` (for the check against
terafab's f64 reference).

The truth is the Rust source; each part below names the function it follows:
  src/model/policy.rs   decode                -> decode_policy
  src/model/run.rs      RunSpec::alloc_at     -> alloc_at
  src/model/paths.rs    Paths::series         -> exogenous_paths (un-hoisted: computed
                                                 inside the step, not a table)
  src/model/step.rs     Derived::new, step, record_deployment
  src/model/state.rs    State::initial
  src/model/objective.rs cost                 -> objective_cost
  src/model/aggregate.rs Aggregate::apply     -> aggregate
  src/config/mod.rs     parse_funding         -> RunSettings.from_config

Scenario parameters are not sampled here: `terafab config scenarios` prints them (CSV,
one column per field of `Params`, the names step.rs uses); `load_scenarios` reads it.

Note on vmap: quantities that depend only on the scenario and the month (the exogenous
paths) or only on the candidate and the month (the interpolated allocation) are not
broadcast by vmap, so XLA computes them once per scenario-month (resp. candidate-month),
not once per trajectory-month. Nothing is tabulated by hand; that is just what nested
vmap does with the code as written.
"""

from __future__ import annotations

import csv
import dataclasses
import math
import subprocess
import tomllib
from pathlib import Path

import numpy as np

import jax
import jax.numpy as jnp
from jax import lax

# src/model/policy.rs
CHANNELS = (
    "fab",
    "packaging",
    "market_chips",
    "design",
    "iteration_infra",
    "ground_power",
    "datacenters",
    "launch",
    "satellite_factory",
    "space_power",
)
N_CHANNELS = len(CHANNELS)
GENES_PER_KNOT = N_CHANNELS + 3  # channel logits, design, spend, borrow
(FAB, PACKAGING, MARKET_CHIPS, DESIGN, ITERATION_INFRA, GROUND_POWER, DATACENTERS, LAUNCH,
 SATELLITE_FACTORY, SPACE_POWER) = range(N_CHANNELS)
DESIGN_FRACTION, SPEND_FRACTION, BORROW_FRACTION = N_CHANNELS, N_CHANNELS + 1, N_CHANNELS + 2

TRAILING_MONTHS = 12  # src/model/state.rs
LEARNING_FLOOR = 1e-6  # src/model/step.rs: the least a learning curve multiplies a cost by
TINY = 1e-30  # src/model/real.rs: the floor of safe_div
LN_2 = math.log(2.0)
LN_10 = math.log(10.0)
SECONDS_PER_MONTH = 2_629_800.0  # src/model/objective.rs

REPO = Path(__file__).resolve().parents[2]
DEFAULT_CONFIG = REPO / "configs" / "terafab.toml"


def enable_x64() -> None:
    """Allow float64 arrays (call before creating any array you want in f64)."""
    jax.config.update("jax_enable_x64", True)


# --------------------------------------------------------------------------------------
# Run settings (src/config/mod.rs, src/model/run.rs: RunSpec)
# --------------------------------------------------------------------------------------


def _month_index(ym: str) -> int:
    y, m = ym.split("-")
    return int(y) * 12 + int(m) - 1


DEFAULT_FUNDING = [("2026-04", 15.0), ("2030-01", 10.0), ("2036-01", 0.0)]  # config/mod.rs


@dataclasses.dataclass(frozen=True)
class RunSettings:
    horizon_months: int = 240
    knots: int = 20
    objective: str = "time_to_target"
    target_gw_per_year: float = 1000.0
    sustain_months: int = 12
    system_basis: bool = False
    penalty_months_per_doubling: float = 24.0
    retreat_months_per_doubling: float = 1.0
    aggregate: str = "mean"
    level: float = 0.9
    funding_busd_per_month: tuple = ()

    @staticmethod
    def from_config(path: str | Path = DEFAULT_CONFIG) -> "RunSettings":
        """The run settings of a terafab config (defaults for the keys it omits)."""
        with open(path, "rb") as f:
            raw = tomllib.load(f)
        run, obj, sc = raw.get("run", {}), raw.get("objective", {}), raw.get("scenarios", {})
        horizon = int(run.get("horizon_months", 240))
        start = _month_index(run.get("start", "2026-04"))
        # parse_funding: each step's $B/yr / 12 from its month on, later steps overriding.
        steps = raw.get("funding", {}).get("schedule")
        if steps is None:
            steps = [{"from": f, "busd_per_year": b} for f, b in DEFAULT_FUNDING]
        funding = [0.0] * horizon
        for s in steps:
            offset = max(_month_index(s["from"]) - start, 0)
            for m in range(offset, horizon):
                funding[m] = float(s["busd_per_year"]) / 12.0
        return RunSettings(
            horizon_months=horizon,
            knots=int(run.get("knots", 20)),
            objective=obj.get("kind", "time_to_target"),
            target_gw_per_year=float(obj.get("target_gw_per_year", 1000.0)),
            sustain_months=int(obj.get("sustain_months", 12)),
            system_basis=obj.get("basis", "chip") == "system",
            penalty_months_per_doubling=float(obj.get("penalty_months_per_doubling", 24.0)),
            retreat_months_per_doubling=float(obj.get("retreat_months_per_doubling", 1.0)),
            aggregate=sc.get("aggregate", "mean"),
            level=float(sc.get("level", 0.9)),
            funding_busd_per_month=tuple(funding),
        )

    @property
    def policy_len(self) -> int:
        return self.knots * GENES_PER_KNOT

    @property
    def last_confirmable_month(self) -> int:
        """`T - L + 1` (RunSpec::last_confirmable_month)."""
        return self.horizon_months + 1 - min(self.sustain_months, self.horizon_months)

    def knot_positions(self, dtype):
        """RunSpec::knot_position for every month: the knot at or before it, the next
        knot, and the weight num/den towards it (integers, then one division in `dtype`,
        as the Rust does `R::lit(num) / R::lit(den)`)."""
        T, K = self.horizon_months, self.knots
        months = np.arange(T)
        if K <= 1 or T <= 1:
            j, num, den = np.zeros(T, int), np.zeros(T, int), 1
        else:
            den = T - 1
            j, num = np.divmod(months * (K - 1), den)
        j_next = np.minimum(j + 1, K - 1)
        w = num.astype(dtype) / np.asarray(den, dtype=dtype)
        return j.astype(np.int32), j_next.astype(np.int32), w


# --------------------------------------------------------------------------------------
# Scenarios and policies from terafab
# --------------------------------------------------------------------------------------


def load_scenarios(csv_path=None, *, config=None, terafab_bin=None):
    """Scenario parameters as printed by `terafab config scenarios [CONFIG]`: returns
    (field names, nominal row, sampled rows (S, P)) in float64 numpy."""
    if csv_path is not None:
        text = Path(csv_path).read_text()
    else:
        cmd = [str(terafab_bin), "config", "scenarios"] + ([str(config)] if config else [])
        text = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
    rows = list(csv.reader(text.splitlines()))
    header, body = rows[0], rows[1:]
    assert header[0] == "scenario"
    names = header[1:]
    nominal = [r for r in body if r[0] == "nominal"]
    sampled = [r for r in body if r[0] != "nominal"]
    to = lambda rs: np.array([[float(v) for v in r[1:]] for r in rs], dtype=np.float64)
    return names, to(nominal)[0], to(sampled)


def params_dict(names, values, dtype):
    """Params as a dict of arrays keyed by the Rust field names (leading axis: scenario)."""
    values = np.asarray(values)
    return {n: jnp.asarray(values[..., i], dtype=dtype) for i, n in enumerate(names)}


def decode_policy(x):
    """policy.rs `decode`: the (K * 13,) vector in [-10, 10] to the decoded allocation at
    each knot, (K, 13): softmax shares of the ten channels, then logistic design, spend
    and borrow fractions."""
    g = x.reshape(-1, GENES_PER_KNOT)
    shares = jax.nn.softmax(g[:, :N_CHANNELS], axis=-1)
    fractions = jax.nn.sigmoid(g[:, N_CHANNELS:])
    return jnp.concatenate([shares, fractions], axis=-1)


def encode_policy(knots: np.ndarray) -> np.ndarray:
    """policy.rs `encode` (numpy, f64): decoded knots (K, 13) back into a vector."""
    bound = 10.0
    floor = math.exp(-2.0 * bound)
    out = []
    for a in knots:
        logs = np.log(np.maximum(a[:N_CHANNELS], floor))
        centre = 0.5 * (logs.min() + logs.max())
        out.extend(np.clip(logs - centre, -bound, bound))
        for p in a[N_CHANNELS:]:
            p = min(max(p, 1e-9), 1 - 1e-9)
            out.append(float(np.clip(math.log(p / (1 - p)), -bound, bound)))
    return np.array(out)


def read_policy_toml(path, knots: int | None = None) -> np.ndarray:
    """A policy file (format_version 2) as decoded knots (K, 13), f64; shares normalised
    to sum 1 as parse_policy_toml does."""
    with open(path, "rb") as f:
        raw = tomllib.load(f)
    tables = raw["knot"]
    assert knots is None or len(tables) == knots, (len(tables), knots)
    out = []
    for t in tables:
        shares = np.array([float(t[c]) for c in CHANNELS])
        shares = shares / shares.sum()
        out.append(list(shares) + [float(t["design_compute_fraction"]), float(t["spend_fraction"]),
                                   float(t["borrow_fraction"])])
    return np.array(out)


def write_policy_toml(path, knots: np.ndarray, model_version: int = 4) -> None:
    """Decoded knots as a policy file terafab `simulate` reads (repr: exact floats).
    Version 4 files are read by terafab at model versions 4 and 5 alike."""
    lines = ["format_version = 2", f"model_version = {model_version}", 'interpolation = "linear"']
    for a in knots:
        lines.append("\n[[knot]]")
        lines += [f"{c} = {float(v)!r}" for c, v in zip(CHANNELS, a[:N_CHANNELS])]
        lines.append(f"design_compute_fraction = {float(a[DESIGN_FRACTION])!r}")
        lines.append(f"spend_fraction = {float(a[SPEND_FRACTION])!r}")
        lines.append(f"borrow_fraction = {float(a[BORROW_FRACTION])!r}")
    Path(path).write_text("\n".join(lines) + "\n")


# --------------------------------------------------------------------------------------
# The model (src/model/step.rs and friends)
# --------------------------------------------------------------------------------------


def safe_div(a, b):
    """Real::safe_div: the denominator floored at 1e-30."""
    return a / jnp.maximum(b, TINY)


def delay3_rate(lead):
    """step.rs delay3_rate: r = 3 / (lead + 3)."""
    return 3.0 / (lead + 3.0)


def learning_slope(ratio):
    """step.rs learning_slope: cost ~ x^(log2 ratio)."""
    return jnp.log(ratio) / LN_2


def learned(cumulative, reference, slope):
    """step.rs learned: ((ref + cumulative) / ref)^slope, floored at LEARNING_FLOOR."""
    return jnp.maximum(jnp.exp(slope * jnp.log((reference + cumulative) / reference)), LEARNING_FLOOR)


def ln_arch_multiplier(ln_arch_ceiling, arch_rate, iterations):
    """step.rs ln_arch_multiplier: ln A(N) = ln C (1 - exp(-N rate))."""
    return ln_arch_ceiling * (1.0 - jnp.exp(-iterations * arch_rate))


def delay3(pipe, inflow, rate):
    """step.rs delay3: three stages drained in sequence; returns (pipe, completed)."""
    p0 = pipe[0] + inflow
    out0 = p0 * rate
    p0 = p0 - out0
    p1 = pipe[1] + out0
    out1 = p1 * rate
    p1 = p1 - out1
    p2 = pipe[2] + out1
    out2 = p2 * rate
    p2 = p2 - out2
    return (p0, p1, p2), out2


def derived(p):
    """step.rs Derived::new, plus the log-rates of paths.rs Paths::series: per-scenario
    constants computed once per trajectory."""
    ln1p = lambda r: jnp.log(1.0 + r)
    return dict(
        fab_rate=delay3_rate(p["fab_construction_months"]),
        pkg_rate=delay3_rate(p["packaging_construction_months"]),
        ground_power_rate=delay3_rate(p["ground_power_lead_months"]),
        grid_rate=delay3_rate(p["ground_grid_lead_months"]),
        datacenter_rate=delay3_rate(p["ground_datacenter_lead_months"]),
        launch_rate=delay3_rate(p["space_launch_lead_months"]),
        retire_rate=jnp.minimum(1.0 / p["fleet_chip_life_months"], 1.0),
        fab_capex_slope=learning_slope(p["fab_capex_learning_ratio"]),
        wafer_cost_slope=learning_slope(p["fab_wafer_learning_ratio"]),
        launch_price_slope=learning_slope(p["space_launch_learning_ratio"]),
        ln_arch_ceiling=jnp.log(p["chip_arch_ceiling"]),
        arch_rate=jnp.log(1.0 + p["chip_arch_gain_per_iteration"]) / jnp.log(p["chip_arch_ceiling"]),
        tonnes_per_gw=1e6 / p["space_specific_power_kw_per_t"],
        satellite_slope=learning_slope(p["space_satellite_learning_ratio"]),
        package_slope=learning_slope(p["packaging_unit_learning_ratio"]),
        factory_rate=delay3_rate(p["space_factory_lead_months"]),
        # paths.rs: the log-rates, once
        ln_process_eff=ln1p(p["chip_process_eff_growth_per_year"]),
        ln_price=ln1p(p["market_chip_price_trend_per_year"]),
        ln_rent=ln1p(p["demand_rental_trend_per_year"]),
        ln_supply=ln1p(p["market_supply_growth_per_year"]),
        ln_grid=ln1p(p["ground_grid_supply_growth_per_year"]),
        r_i=ln1p(p["demand_market_growth_initial"]),
        r_f=ln1p(p["demand_market_growth_final"]),
    )


def exogenous_paths(p, k, month):
    """paths.rs Paths::series at one month (computed in the step, not tabulated)."""
    years = month / 12.0
    tau = p["demand_market_growth_decay_years"]
    ln_world_growth = k["r_f"] * years + (k["r_i"] - k["r_f"]) * tau * (1.0 - jnp.exp(-years / tau))
    market_iterations = years * p["chip_market_iterations_per_year"]
    ln_market_arch = ln_arch_multiplier(k["ln_arch_ceiling"], k["arch_rate"], market_iterations)
    start = p["chip_eff_tflops_per_w_at_start"]
    return dict(
        market_eff=jnp.minimum(start * jnp.exp(years * k["ln_process_eff"] + ln_market_arch),
                               p["chip_eff_ceiling_tflops_per_w"]),
        process_eff=start * jnp.exp(years * k["ln_process_eff"]),
        chip_price=p["market_chip_price_busd_per_gw"] * jnp.exp(years * k["ln_price"]),
        rental=p["demand_rental_busd_per_gw_year"] * jnp.exp(years * k["ln_rent"]),
        world_busd=p["demand_market_busd_per_year_at_start"] / 12.0 * jnp.exp(ln_world_growth),
        supply_capacity=p["market_supply_gw_per_year"] / 12.0 * jnp.exp(years * k["ln_supply"]),
        grid_supply=p["ground_grid_supply_gw_per_year"] / 12.0 * jnp.exp(years * k["ln_grid"]),
    )


def initial_state(p, run: RunSettings, dtype):
    """state.rs State::initial: a new entrant with its parents' compute."""
    z = jnp.zeros((), dtype)
    third = p["initial_fab_under_construction_kwspm"] / 3.0
    factory_third = p["initial_satellite_factory_under_construction_gw_per_month"] / 3.0
    grid_third = p["initial_grid_under_construction_gw"] / 3.0
    it = p["fleet_it_power_per_chip"]
    capacity = jnp.minimum(p["initial_ground_power_gw"] / p["ground_pue"], p["initial_datacenter_gw"]) / it
    installed = jnp.minimum(p["initial_installed_ground_gw"], capacity)
    waiting = p["initial_installed_ground_gw"] - installed
    eflops_per_gw = p["initial_fleet_eff_tflops_per_w"] * 1000.0
    return dict(
        cash=p["initial_cash_busd"],
        fab_kwspm=z, fab_pipe=(third, third, third),
        pkg_mpm=z, pkg_pipe=(z, z, z),
        ground_power_gw=p["initial_ground_power_gw"], ground_power_pipe=(z, z, z),
        grid_power_gw=z, grid_pipe=(grid_third, grid_third, grid_third),
        datacenter_gw=p["initial_datacenter_gw"], datacenter_pipe=(z, z, z),
        launch_t_per_month=p["initial_launch_capacity_t_per_month"], launch_pipe=(z, z, z),
        sat_factory_gw_per_month=p["initial_satellite_factory_gw_per_month"],
        sat_factory_pipe=(factory_third, factory_third, factory_third),
        space_power_gw=z,
        installed_ground_gw=installed, installed_space_gw=z,
        flops_ground_eflops=installed * eflops_per_gw, flops_space_eflops=z,
        inventory_gw=waiting, inventory_eflops=waiting * eflops_per_gw,
        iterations=z, infra_busd=z,
        cum_wafers_k=z, cum_fab_built_kwspm=p["initial_fab_under_construction_kwspm"],
        cum_launched_t=z, cum_satellite_gw=z, cum_packages_m=z,
        debt_busd=z, revenue_avg_busd=z,
        deployed_ring_gw=jnp.zeros(TRAILING_MONTHS, dtype),
        sustain_ring_gw=jnp.zeros(run.sustain_months, dtype),
        deployed_last_12m_gw=z, best_deployed_last_12m_gw=z,
        sustained_gw=z, best_sustained_gw=z, retreat_doubling_months=z,
        cum_eflops_months=z, time_to_target_months=z, reached=z,
    )


def alloc_at(knots, j, j_next, w):
    """run.rs RunSpec::alloc_at + Alloc::lerp: the straight line between the month's two
    knots, value by value in the decoded form (shares and fractions, not logits)."""
    a, b = knots[j], knots[j_next]
    return a + w * (b - a)


def record_deployment(s, deployed_gw, month, run: RunSettings):
    """step.rs record_deployment: D = trailing 12-month deployment; the sustained level
    of the window that ends this month is the least D over the last L months; the first
    window at or above the target gives the (interpolated) target month."""
    L = run.sustain_months
    target = run.target_gw_per_year
    ring = s["deployed_ring_gw"].at[month % TRAILING_MONTHS].set(deployed_gw)
    total = jnp.sum(ring)
    s["deployed_ring_gw"] = ring
    s["deployed_last_12m_gw"] = total
    s["best_deployed_last_12m_gw"] = jnp.maximum(s["best_deployed_last_12m_gw"], total)
    sring = s["sustain_ring_gw"].at[month % L].set(total)
    s["sustain_ring_gw"] = sring
    full = month + 1 >= L  # the month counter decides, never a value
    window = jnp.min(sring)
    previous = s["sustained_gw"]
    hit = (window >= target).astype(window.dtype) * (1.0 - s["reached"])  # R::select_ge(window, target, 1, 0)
    within = jnp.clip(safe_div(target - previous, window - previous), 0.0, 1.0)
    first = (month + 1 - L).astype(window.dtype)
    ttt = s["time_to_target_months"] + hit * (first + within - s["time_to_target_months"])
    s["sustained_gw"] = jnp.where(full, window, s["sustained_gw"])
    s["best_sustained_gw"] = jnp.where(full, jnp.maximum(s["best_sustained_gw"], window), s["best_sustained_gw"])
    s["time_to_target_months"] = jnp.where(full, ttt, s["time_to_target_months"])
    reached = jnp.maximum(s["reached"], hit)
    s["reached"] = jnp.where(full, reached, s["reached"])
    # Model version 6's retreat: log2(best so far / level) until the target is reached,
    # both floored at 2^-20 of the target (step.rs RETREAT_FLOOR_OF_TARGET).
    floor = target * 2.0 ** -20
    depth = jnp.log(jnp.maximum(s["best_sustained_gw"], floor) / jnp.maximum(window, floor)) / LN_2
    retreat = s["retreat_doubling_months"] + jnp.where(reached >= 0.5, 0.0, depth)
    s["retreat_doubling_months"] = jnp.where(full, retreat, s["retreat_doubling_months"])
    return s


def step(s, p, k, a, month, funding_busd, run: RunSettings):
    """step.rs `step`: one month, stages 1-7 in the Rust order. `s` is the state dict
    (returned updated), `a` the month's decoded allocation (13,)."""
    s = dict(s)
    dt = s["cash"].dtype
    it = p["fleet_it_power_per_chip"]
    shares = a[:N_CHANNELS]
    design_fraction, spend_fraction, borrow_fraction = a[DESIGN_FRACTION], a[SPEND_FRACTION], a[BORROW_FRACTION]

    # 1. Exogenous paths at the start of the month.
    x = exogenous_paths(p, k, month.astype(dt))
    ceiling = p["chip_eff_ceiling_tflops_per_w"]
    market_eff = x["market_eff"]
    arch_mult = jnp.exp(ln_arch_multiplier(k["ln_arch_ceiling"], k["arch_rate"], s["iterations"]))
    own_eff = jnp.minimum(x["process_eff"] * arch_mult, ceiling)
    chip_price = x["chip_price"]
    ref_price = x["rental"] / (market_eff * 12000.0)
    world_busd = x["world_busd"]
    market_busd = p["demand_addressable_share"] * world_busd
    server_busd_per_gw = p["fleet_server_cost_share"] * chip_price
    market_supply_gw = p["market_max_share"] * jnp.minimum(x["supply_capacity"],
                                                           world_busd / (chip_price + server_busd_per_gw))

    # 2. Funding, revenue (finite demand), electricity (only the payable share runs).
    cash = s["cash"] + funding_busd
    grid_fraction = jnp.minimum(safe_div(s["grid_power_gw"], s["ground_power_gw"]), 1.0)
    electricity_price = p["ground_electricity_busd_per_gw_month"] + grid_fraction * (
        p["ground_grid_electricity_busd_per_gw_month"] - p["ground_electricity_busd_per_gw_month"])
    electricity_full = s["installed_ground_gw"] * it * p["ground_pue"] * electricity_price
    keep_selling = 1.0 - design_fraction
    full_eflops = s["flops_ground_eflops"] + s["flops_space_eflops"]
    sold_list_full = keep_selling * full_eflops * ref_price
    # The price falls with volume, and revenue never exceeds the addressable market (v5).
    price_ratio = jnp.minimum(
        jnp.exp(-p["demand_price_flexibility"] * jnp.log(1.0 + safe_div(sold_list_full, market_busd))),
        safe_div(market_busd, sold_list_full))
    revenue_ground_full = keep_selling * s["flops_ground_eflops"] * ref_price * price_ratio
    revenue_space = keep_selling * s["flops_space_eflops"] * ref_price * price_ratio
    utilisation = jnp.where(cash + revenue_space + revenue_ground_full >= electricity_full, 1.0,
                            safe_div(cash + revenue_space, electricity_full - revenue_ground_full))
    revenue = revenue_space + utilisation * revenue_ground_full
    spend_electricity = utilisation * electricity_full
    cash = jnp.maximum(cash + revenue - spend_electricity, 0.0)
    running_eflops = s["flops_ground_eflops"] * utilisation + s["flops_space_eflops"]
    design_eflops = design_fraction * running_eflops

    # Debt service: interest and 1/term of the principal; what cash cannot pay is refinanced.
    interest = s["debt_busd"] * p["finance_debt_rate_per_year"] / 12.0
    due = interest + s["debt_busd"] / p["finance_debt_term_months"]
    paid = jnp.minimum(due, cash)
    cash = cash - paid
    s["debt_busd"] = s["debt_busd"] + interest - paid
    s["revenue_avg_busd"] = s["revenue_avg_busd"] + (revenue - s["revenue_avg_busd"]) / 12.0

    # 3. Own chips: as many as wafers, packaging, cash and room allow.
    yield_fraction = 1.0 - (1.0 - p["fab_yield_initial_fraction"]) * jnp.exp(
        -s["cum_wafers_k"] / p["fab_yield_ramp_kwafers"])
    kw_per_wafer = p["fab_kw_per_wafer_mature"] * yield_fraction
    wafer_cost_kusd = p["fab_wafer_cost_kusd"] * learned(s["cum_wafers_k"], p["fab_wafer_learning_ref_kwafers"],
                                                         k["wafer_cost_slope"])
    wafer_busd_per_gw = wafer_cost_kusd / kw_per_wafer
    package_kusd = jnp.maximum(
        p["packaging_unit_cost_kusd"] * learned(s["cum_packages_m"], p["packaging_unit_learning_ref_mpkg"],
                                                k["package_slope"]),
        p["packaging_unit_cost_floor_kusd"])
    pkg_busd_per_gw = package_kusd / p["packaging_kw_per_package"]
    fab_cap_gw = s["fab_kwspm"] * kw_per_wafer / 1000.0
    pkg_cap_gw = s["pkg_mpm"] * p["packaging_kw_per_package"]
    cash_cap_gw = cash / (wafer_busd_per_gw + pkg_busd_per_gw + server_busd_per_gw)
    room_gw = (jnp.maximum(jnp.minimum(s["ground_power_gw"] / p["ground_pue"], s["datacenter_gw"]) / it
                           - s["installed_ground_gw"], 0.0)
               + jnp.maximum(s["space_power_gw"] / it - s["installed_space_gw"], 0.0))
    room_left = jnp.maximum(room_gw - s["inventory_gw"], 0.0)
    made_gw = jnp.minimum(jnp.minimum(jnp.minimum(fab_cap_gw, pkg_cap_gw), cash_cap_gw), room_left)
    spend_wafers = made_gw * wafer_busd_per_gw
    spend_pkg_ops = made_gw * pkg_busd_per_gw
    spend_servers_own = made_gw * server_busd_per_gw
    cash = jnp.maximum(cash - spend_wafers - spend_pkg_ops - spend_servers_own, 0.0)
    s["cum_wafers_k"] = s["cum_wafers_k"] + made_gw * 1000.0 / kw_per_wafer
    s["cum_packages_m"] = s["cum_packages_m"] + made_gw / p["packaging_kw_per_package"]
    made_eflops = made_gw * own_eff * 1000.0

    # 4. Discretionary spending: shares of (spend x cash + borrow x headroom).
    debt_limit = p["finance_debt_limit_years_of_revenue"] * 12.0 * s["revenue_avg_busd"]
    headroom = jnp.maximum(debt_limit - s["debt_busd"], 0.0)
    budget = spend_fraction * cash + borrow_fraction * headroom
    alloc = shares * budget  # per channel

    # Fab (learned capex, DELAY3).
    fab_capex = p["fab_capex_busd_per_kwspm"] * learned(s["cum_fab_built_kwspm"], p["fab_capex_learning_ref_kwspm"],
                                                        k["fab_capex_slope"])
    fab_starts = alloc[FAB] / fab_capex
    spend_fab = alloc[FAB]
    s["cum_fab_built_kwspm"] = s["cum_fab_built_kwspm"] + fab_starts
    s["fab_pipe"], done = delay3(s["fab_pipe"], fab_starts, k["fab_rate"])
    s["fab_kwspm"] = s["fab_kwspm"] + done

    # Packaging + HBM.
    pkg_starts = alloc[PACKAGING] / p["packaging_capex_busd_per_mpkg_month"]
    spend_packaging = alloc[PACKAGING]
    s["pkg_pipe"], done = delay3(s["pkg_pipe"], pkg_starts, k["pkg_rate"])
    s["pkg_mpm"] = s["pkg_mpm"] + done

    # Market chips with their servers, up to the venture's share of world supply.
    market_all_in = chip_price + server_busd_per_gw
    market_budget_gw = alloc[MARKET_CHIPS] / market_all_in
    bought_gw = jnp.minimum(jnp.minimum(market_budget_gw, market_supply_gw), jnp.maximum(room_left - made_gw, 0.0))
    spend_market = bought_gw * market_all_in
    bought_eflops = bought_gw * market_eff * 1000.0

    # Iteration infrastructure; design staff and mask sets.
    s["infra_busd"] = s["infra_busd"] + alloc[ITERATION_INFRA]
    spend_infra = alloc[ITERATION_INFRA]
    design_busd = alloc[DESIGN]
    spend_design = design_busd
    ai_share = design_eflops / (design_eflops + p["design_ai_half_eflops"])
    ai_design = 1.0 + (p["design_ai_max_speedup"] - 1.0) * ai_share
    ai_test = 1.0 + (p["design_ai_test_max_speedup"] - 1.0) * ai_share
    staff = jnp.exp(p["design_rd_elasticity"] * jnp.log(2.0 / (1.0 + design_busd / p["design_rd_ref_busd_per_month"])))
    infra = jnp.exp(-p["design_infra_elasticity"] * jnp.log(1.0 + s["infra_busd"] / p["design_infra_ref_busd"]))
    design_months = jnp.maximum(p["design_design_months"] * staff / ai_design, p["design_design_min_months"])
    mask_months = jnp.maximum(p["design_mask_months"] * infra, p["design_mask_min_months"])
    hot_lot_months = jnp.maximum(p["design_hot_lot_months"] * infra, p["design_hot_lot_min_months"])
    test_months = jnp.maximum(p["design_test_months"] * infra / ai_test, p["design_test_min_months"])
    iteration_months = design_months + mask_months + hot_lot_months + test_months
    progress = jnp.minimum(safe_div(1.0, iteration_months), design_busd / p["design_mask_set_cost_busd"])
    s["iterations"] = s["iterations"] + progress

    # Ground power: grid connections first, then own plants, both under the cap.
    power_room = jnp.maximum(
        p["ground_power_cap_gw"] - s["ground_power_gw"]
        - s["ground_power_pipe"][0] - s["ground_power_pipe"][1] - s["ground_power_pipe"][2]
        - s["grid_pipe"][0] - s["grid_pipe"][1] - s["grid_pipe"][2], 0.0)
    grid_supply = p["ground_grid_max_share"] * x["grid_supply"]
    grid_starts = jnp.minimum(jnp.minimum(alloc[GROUND_POWER] / p["ground_grid_connection_busd_per_gw"], grid_supply),
                              power_room)
    grid_spend = grid_starts * p["ground_grid_connection_busd_per_gw"]
    power_starts = jnp.minimum(
        jnp.minimum(jnp.maximum(alloc[GROUND_POWER] - grid_spend, 0.0) / p["ground_power_capex_busd_per_gw"],
                    p["ground_power_build_cap_gw_per_month"]),
        power_room - grid_starts)
    spend_ground = grid_spend + power_starts * p["ground_power_capex_busd_per_gw"]
    s["grid_pipe"], grid_new = delay3(s["grid_pipe"], grid_starts, k["grid_rate"])
    s["grid_power_gw"] = s["grid_power_gw"] + grid_new
    s["ground_power_pipe"], plants_new = delay3(s["ground_power_pipe"], power_starts, k["ground_power_rate"])
    s["ground_power_gw"] = s["ground_power_gw"] + plants_new + grid_new

    # Datacentre halls.
    dc_starts = alloc[DATACENTERS] / p["ground_datacenter_capex_busd_per_gw"]
    spend_dc = alloc[DATACENTERS]
    s["datacenter_pipe"], done = delay3(s["datacenter_pipe"], dc_starts, k["datacenter_rate"])
    s["datacenter_gw"] = s["datacenter_gw"] + done

    # Launch capacity.
    launch_starts = alloc[LAUNCH] / p["space_launch_capex_busd_per_t_month"]
    spend_launch = alloc[LAUNCH]
    s["launch_pipe"], done = delay3(s["launch_pipe"], launch_starts, k["launch_rate"])
    s["launch_t_per_month"] = s["launch_t_per_month"] + done

    # Satellite factories.
    factory_starts = alloc[SATELLITE_FACTORY] / p["space_factory_capex_busd_per_gw_month"]
    spend_factory = alloc[SATELLITE_FACTORY]
    s["sat_factory_pipe"], done = delay3(s["sat_factory_pipe"], factory_starts, k["factory_rate"])
    s["sat_factory_gw_per_month"] = s["sat_factory_gw_per_month"] + done

    # Space power: budget, launch capacity and factory output; satellites and launch learn.
    launch_price = jnp.maximum(
        p["space_launch_price_usd_per_kg"] * learned(s["cum_launched_t"], p["space_launch_learning_ref_t"],
                                                     k["launch_price_slope"]),
        p["space_launch_price_floor_usd_per_kg"])
    satellite_busd_per_gw = jnp.maximum(
        p["space_satellite_cost_busd_per_gw"] * learned(s["cum_satellite_gw"], p["space_satellite_learning_ref_gw"],
                                                        k["satellite_slope"]),
        p["space_satellite_cost_floor_busd_per_gw"])
    space_busd_per_gw = satellite_busd_per_gw + k["tonnes_per_gw"] * launch_price * 1e-6
    space_budget_gw = alloc[SPACE_POWER] / space_busd_per_gw
    space_launch_cap_gw = s["launch_t_per_month"] / k["tonnes_per_gw"]
    space_new_gw = jnp.minimum(jnp.minimum(space_budget_gw, space_launch_cap_gw), s["sat_factory_gw_per_month"])
    spend_space = space_new_gw * space_busd_per_gw
    s["cum_launched_t"] = s["cum_launched_t"] + space_new_gw * k["tonnes_per_gw"]
    s["cum_satellite_gw"] = s["cum_satellite_gw"] + space_new_gw

    # Summed in channel order, as the Rust loop does.
    spent = (spend_fab + spend_packaging + spend_market + spend_design + spend_infra + spend_ground + spend_dc
             + spend_launch + spend_factory + spend_space)
    borrowed = jnp.maximum(spent - cash, 0.0)
    s["debt_busd"] = s["debt_busd"] + borrowed
    s["cash"] = jnp.maximum(cash - spent, 0.0)

    # 5. Retirement.
    keep = 1.0 - k["retire_rate"]
    s["installed_ground_gw"] = s["installed_ground_gw"] * keep
    s["flops_ground_eflops"] = s["flops_ground_eflops"] * keep
    s["installed_space_gw"] = s["installed_space_gw"] * keep
    s["flops_space_eflops"] = s["flops_space_eflops"] * keep
    s["space_power_gw"] = s["space_power_gw"] * keep + space_new_gw
    s["inventory_gw"] = s["inventory_gw"] * keep
    s["inventory_eflops"] = s["inventory_eflops"] * keep

    # 6. Deployment: ground first, then space; the rest waits in inventory.
    pool_gw = s["inventory_gw"] + made_gw + bought_gw
    pool_eflops = s["inventory_eflops"] + made_eflops + bought_eflops
    eflops_per_gw = safe_div(pool_eflops, pool_gw)
    ground_capacity = jnp.minimum(s["ground_power_gw"] / p["ground_pue"], s["datacenter_gw"]) / it
    ground_free = jnp.maximum(ground_capacity - s["installed_ground_gw"], 0.0)
    deployed_ground = jnp.minimum(pool_gw, ground_free)
    space_free = jnp.maximum(s["space_power_gw"] / it - s["installed_space_gw"], 0.0)
    deployed_space = jnp.minimum(pool_gw - deployed_ground, space_free)
    s["installed_ground_gw"] = s["installed_ground_gw"] + deployed_ground
    s["flops_ground_eflops"] = s["flops_ground_eflops"] + deployed_ground * eflops_per_gw
    s["installed_space_gw"] = s["installed_space_gw"] + deployed_space
    s["flops_space_eflops"] = s["flops_space_eflops"] + deployed_space * eflops_per_gw
    s["inventory_gw"] = jnp.maximum(pool_gw - deployed_ground - deployed_space, 0.0)
    s["inventory_eflops"] = s["inventory_gw"] * eflops_per_gw

    # 7. Metrics.
    s["cum_eflops_months"] = s["cum_eflops_months"] + running_eflops
    counted = (it - 1.0) + 1.0 if run.system_basis else 1.0
    s = record_deployment(s, (deployed_ground + deployed_space) * counted, month, run)
    return s


def objective_cost(s, run: RunSettings):
    """objective.rs `cost`."""
    if run.objective == "time_to_target":
        target = run.target_gw_per_year
        best = jnp.maximum(s["best_sustained_gw"], target * 2.0 ** -40)
        doublings_short = jnp.log(target / best) / LN_2
        missed = run.last_confirmable_month + run.penalty_months_per_doubling * jnp.maximum(doublings_short, 0.0)
        charge = run.retreat_months_per_doubling * s["retreat_doubling_months"]
        return jnp.where(s["reached"] >= 0.5, s["time_to_target_months"], missed) + charge
    if run.objective == "final_flops":
        installed = s["flops_ground_eflops"] + s["flops_space_eflops"]
        return -(jnp.log(jnp.maximum(installed, 1e-18)) / LN_10 + 18.0)
    if run.objective == "cumulative_flops":
        return -(jnp.log(jnp.maximum(s["cum_eflops_months"], 1e-18)) / LN_10 + 18.0 + math.log10(SECONDS_PER_MONTH))
    raise ValueError(run.objective)


def trajectory_cost(params, policy, run: RunSettings, dtype=jnp.float32, return_state=False):
    """run.rs run_trajectory: one scenario's params (dict of scalars) and one policy
    vector (K * 13,), a lax.scan over the months; returns the cost."""
    return trajectory_cost_of_knots(params, decode_policy(policy.astype(dtype)), run, dtype, return_state)


def trajectory_cost_of_knots(params, knots, run: RunSettings, dtype=jnp.float32, return_state=False):
    """The same from decoded knots (K, 13), as a policy file gives them (a file's zero
    shares have no exact vector: encode floors them at e^-20)."""
    knots = knots.astype(dtype)
    p = {n: v.astype(dtype) for n, v in params.items()}
    k = derived(p)
    j, j_next, w = run.knot_positions(np.dtype(dtype))
    xs = dict(
        month=jnp.arange(run.horizon_months, dtype=jnp.int32),
        j=jnp.asarray(j), j_next=jnp.asarray(j_next), w=jnp.asarray(w, dtype),
        funding=jnp.asarray(run.funding_busd_per_month, dtype),
    )

    def body(s, x):
        a = alloc_at(knots, x["j"], x["j_next"], x["w"])
        return step(s, p, k, a, x["month"], x["funding"], run), None

    s, _ = lax.scan(body, initial_state(p, run, dtype), xs)
    c = objective_cost(s, run)
    return (c, s) if return_state else c


def aggregate(costs, run: RunSettings):
    """aggregate.rs Aggregate::apply over the last axis (scenarios)."""
    n = costs.shape[-1]
    if run.aggregate == "mean":
        return jnp.mean(costs, axis=-1)
    if run.aggregate == "worst":
        return jnp.max(costs, axis=-1)
    c = jnp.sort(costs, axis=-1)
    if run.aggregate == "quantile":
        h = run.level * (n - 1)
        lo = int(math.floor(h))
        hi = min(lo + 1, n - 1)
        return c[..., lo] + (h - lo) * (c[..., hi] - c[..., lo])
    if run.aggregate == "cvar":
        tail = min(max(int(math.ceil((1.0 - run.level) * n)), 1), n)
        return jnp.mean(c[..., n - tail:], axis=-1)
    raise ValueError(run.aggregate)


def make_evaluator(run: RunSettings, dtype=jnp.float32, decoded=False):
    """The jitted batch evaluator: (policies (N, K*13), params dict of (S,)) -> (costs
    (N, S), aggregate (N,)). vmap over scenarios inside, candidates outside. With
    `decoded`, policies are decoded knots (N, K, 13) instead of vectors."""
    one = lambda params, policy: (trajectory_cost_of_knots if decoded else trajectory_cost)(params, policy, run, dtype)
    over_scenarios = jax.vmap(one, in_axes=(0, None))
    over_candidates = jax.vmap(over_scenarios, in_axes=(None, 0))

    def evaluate(policies, params):
        costs = over_candidates(params, policies)
        return costs, aggregate(costs, run)

    return jax.jit(evaluate)
