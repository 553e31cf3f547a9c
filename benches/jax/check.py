#!/usr/bin/env python3
"""Checks the JAX port (model.py) against terafab.

(a) f64: JAX in float64 against terafab's f64 reference (`terafab simulate --scenario
    all`: every sampled scenario's cost, their aggregate and the nominal scenario's) for
    a few policies: the default run's best policy, the hand-written balanced and
    ground-only policies, a few quasi-random ones from `terafab evaluate --sample`; the
    best and balanced ones again at a 200 GW/yr target (the reached branch); and the
    backtest config with its own policy.
(b) f32: JAX in float32 against `terafab evaluate --backend cpu` (f32 SIMD lanes, the
    evaluator every search uses) on >= 1,000 candidates: quasi-random ones from
    `--sample` and perturbations of the best policy (`--policies`), the latter also at a
    200 GW/yr target; aggregate costs.
    For context it also reports terafab's own f32 error (its costs against JAX f64, which
    (a) shows equals terafab's f64) and JAX f32 against JAX f64 per trajectory.

Tolerances, in months of cost (the time_to_target objective):
  (a) 1e-6 months: the same f64 operations in the same order; only exp/ln (XLA's
      against the C library's) and XLA's order of the 12-month sum may differ.
  (b) 0.15 months = src/eval/tolerance.rs's f32_vs_f64 (0.05, which holds an f32 model
      such as this port to terafab's f64) + simd_vs_f64 (0.10, which holds terafab's SIMD
      lanes to f64): the triangle inequality through the f64 model.
Exits 1 when either is exceeded.

Run by hand (not in CI):  python3 benches/jax/check.py [--bin PATH] [--sample 1024]
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
import model as M  # noqa: E402

M.enable_x64()  # f64 for (a); (b) builds its arrays in f32 explicitly and asserts it
import jax  # noqa: E402
import jax.numpy as jnp  # noqa: E402

TOL_F64 = 1e-6
TOL_F32 = 0.05 + 0.10


def default_bin() -> str:
    return os.environ.get("TERAFAB_BIN", str(M.REPO / "target" / "release" / "terafab"))


def sh(*cmd) -> str:
    return subprocess.run([str(c) for c in cmd], check=True, capture_output=True, text=True).stdout


def gene_names(knots: int):
    """policy.rs gene_names."""
    out = []
    for k in range(1, knots + 1):
        out += [f"k{k}_{c}" for c in M.CHANNELS] + [f"k{k}_design_compute", f"k{k}_spend", f"k{k}_borrow"]
    return out


def edit(text: str, pattern: str, replacement: str) -> str:
    """The config text with one line replaced (which must be there)."""
    out, n = re.subn(pattern, replacement, text, count=1)
    assert n == 1, f"{pattern} is not in the default config"
    return out


def resample_knots(knots: np.ndarray, run: M.RunSettings) -> np.ndarray:
    """Knots of a policy written for another knot count, read off its straight lines at
    this run's knot months (only to get more test policies; not terafab's own resampling)."""
    import dataclasses
    other = dataclasses.replace(run, knots=len(knots))
    j, j_next, w = other.knot_positions(np.float64)
    months = [i * (run.horizon_months - 1) // (run.knots - 1) for i in range(run.knots)]
    out = np.array([knots[j[m]] + w[m] * (knots[j_next[m]] - knots[j[m]]) for m in months])
    out[:, :M.N_CHANNELS] /= out[:, :M.N_CHANNELS].sum(axis=1, keepdims=True)
    return out


def read_policies_csv(path) -> np.ndarray:
    return np.loadtxt(path, delimiter=",", skiprows=1, ndmin=2)[:, 1:]


def read_costs_csv(path) -> np.ndarray:
    return np.loadtxt(path, delimiter=",", skiprows=1, ndmin=2)[:, 1]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--bin", default=default_bin(), help="terafab binary (default: $TERAFAB_BIN or target/release/terafab)")
    ap.add_argument("--config", default=None, help="config file (default: terafab's embedded configs/terafab.toml)")
    ap.add_argument("--sample", type=int, default=1024, help="quasi-random candidates for (b)")
    ap.add_argument("--perturbed", type=int, default=1024, help="perturbations of the best policy for (b)")
    ap.add_argument("--f64-sampled", type=int, default=4, help="quasi-random policies for (a)")
    ap.add_argument("--best-policy", default=str(M.REPO / "docs" / "default-run-v6" / "best_policy.toml"))
    ap.add_argument("--keep", default=None, help="keep the work files in this folder")
    args = ap.parse_args()

    config = args.config or M.DEFAULT_CONFIG
    cfg_args = [args.config] if args.config else []
    run = M.RunSettings.from_config(config)
    work = Path(args.keep or tempfile.mkdtemp(prefix="terafab-jax-check-"))
    work.mkdir(parents=True, exist_ok=True)
    names, nominal, scenarios = M.load_scenarios(config=args.config, terafab_bin=args.bin)
    S = len(scenarios)
    print(f"terafab: {args.bin}\nconfig: {config}: {S} scenarios x {run.horizon_months} months, {run.knots} knots, "
          f"objective {run.objective}, aggregate {run.aggregate}")
    failed = False

    # ---------------------------------------------------------------- (a) f64
    print("\n(a) JAX f64 against terafab's f64 reference (simulate --scenario all: every scenario, the "
          "aggregate, the nominal scenario)")
    t0 = time.time()
    sample_dir = work / "sample"
    sh(args.bin, "evaluate", *cfg_args, "--sample", args.sample, "--backend", "cpu", "--out", sample_dir, "-q")
    sampled = read_policies_csv(sample_dir / "policies.csv")
    # (label, config (None: the default), policy file, vector or None (then the file's
    # knots), the least model version it holds for)
    cases = [("best_policy", args.config, Path(args.best_policy), None, 4)]
    # Model version 4's best policy holds its cash for 15 months: version 6 charges that
    # retreat (~115 months on the nominal scenario), so the charge itself is checked.
    held = M.REPO / "docs" / "default-run-v4-diagonal" / "best_policy.toml"
    if not args.config and held.exists():
        cases.append(("v4 best (holds)", None, held, None, 6))
    for name in ("balanced", "ground-only"):  # hand-written 8-knot files, moved onto this run's knots
        f = work / f"{name}.toml"
        M.write_policy_toml(f, resample_knots(M.read_policy_toml(M.REPO / "configs" / "policies" / f"{name}.toml"),
                                              run))
        cases.append((name, args.config, f, None, 4))
    for i in range(min(args.f64_sampled, len(sampled))):
        f = work / f"sampled{i}.toml"
        M.write_policy_toml(f, np.asarray(M.decode_policy(jnp.asarray(sampled[i], jnp.float64))))
        cases.append((f"sampled #{i}", args.config, f, sampled[i], 4))
    if not args.config:
        # The default target is missed by every policy above; at 200 GW/yr the reached
        # branch (the interpolated month) is scored instead.
        low = work / "target-200.toml"
        text = Path(M.DEFAULT_CONFIG).read_text()
        low.write_text(edit(text, r"(?m)^target_gw_per_year = 1000\.0", "target_gw_per_year = 200.0"))
        cases += [("best @200GW/yr", low, Path(args.best_policy), None, 4),
                  ("balanced @200", low, work / "balanced.toml", None, 4)]
        # A price flexibility of 0.5: model version 5's cap of revenue at the addressable
        # market binds (version 4 had no cap; skipped against such a terafab).
        flex = work / "flexibility-0.5.toml"
        flex.write_text(edit(text, r"(?m)^price_flexibility = 1\.0", "price_flexibility = 0.5"))
        cases.append(("best, flex 0.5", flex, Path(args.best_policy), None, 5))
        # Another calendar, horizon, knot count, funding schedule and starting state (its
        # policy rewritten with a version-4 header, which terafab 4 and 5 both read).
        backtest = work / "backtest-2023-policy.toml"
        M.write_policy_toml(backtest, M.read_policy_toml(M.REPO / "configs" / "policies" / "backtest-2023.toml"))
        cases.append(("backtest-2023", M.REPO / "configs" / "backtest-2023.toml", backtest, None, 4))

    evaluators = {}
    worst_a = 0.0
    for n, (label, cfg, path, vector, since) in enumerate(cases):
        if cfg not in evaluators:
            r = M.RunSettings.from_config(cfg or M.DEFAULT_CONFIG)
            nm, nom, sc = M.load_scenarios(config=cfg, terafab_bin=args.bin)
            evaluators[cfg] = (r, M.make_evaluator(r, jnp.float64), M.make_evaluator(r, jnp.float64, decoded=True),
                               M.params_dict(nm, sc, jnp.float64), M.params_dict(nm, nom[None, :], jnp.float64))
        r, ev_vec, ev_knots, p64, pnom = evaluators[cfg]
        out = work / f"sim{n}"
        sh(args.bin, "simulate", *([cfg] if cfg else []), "--policy", path, "--scenario", "all", "--out", out, "-q")
        summary = json.loads((out / "summary.json").read_text())
        if summary["model_version"] < since:
            print(f"  {label:15s} skipped: this terafab computes model version {summary['model_version']}, "
                  f"the case needs {since}")
            continue
        ref_s = np.array(summary["scenario_costs"])
        ref_agg, ref_nom = summary["aggregate_cost"], summary["cost"]
        if vector is None:
            ev, x = ev_knots, jnp.asarray(M.read_policy_toml(path, r.knots)[None], jnp.float64)
        else:
            ev, x = ev_vec, jnp.asarray(vector[None, :], jnp.float64)
        c, agg = ev(x, p64)
        cn, _ = ev(x, pnom)
        c, agg, cn = np.asarray(c[0]), float(agg[0]), float(cn[0, 0])
        d_s = np.abs(c - ref_s).max()
        d = max(d_s, abs(agg - ref_agg), abs(cn - ref_nom))
        worst_a = max(worst_a, d)
        reached = int((ref_s <= r.last_confirmable_month).sum())
        print(f"  {label:15s} aggregate {ref_agg:11.6f} (JAX {agg:11.6f}), nominal {ref_nom:11.6f}, reached in "
              f"{reached:2d}/{len(ref_s)}; |diff| scenarios max {d_s:.1e}, aggregate {abs(agg - ref_agg):.1e}, "
              f"nominal {abs(cn - ref_nom):.1e}")
    ok = worst_a <= TOL_F64
    failed |= not ok
    print(f"  worst |JAX f64 - terafab f64| = {worst_a:.2e} months (tolerance {TOL_F64:g}): {'ok' if ok else 'FAIL'}"
          f"  [{time.time() - t0:.0f} s]")

    # ---------------------------------------------------------------- (b) f32
    print("\n(b) JAX f32 against terafab evaluate --backend cpu (f32 SIMD), aggregate cost per candidate")
    t0 = time.time()
    best = M.encode_policy(M.read_policy_toml(args.best_policy, run.knots))
    rng = np.random.default_rng(13)
    sigma = np.exp(rng.uniform(np.log(0.05), np.log(2.0), size=(args.perturbed, 1)))
    perturbed = np.clip(best[None, :] + sigma * rng.standard_normal((args.perturbed, best.size)), -10.0, 10.0)
    pert_csv = work / "perturbed.csv"
    with open(pert_csv, "w") as f:
        f.write(",".join(gene_names(run.knots)) + "\n")
        for row in perturbed:
            f.write(",".join(repr(float(v)) for v in row) + "\n")
    pert_dir = work / "perturbed"
    sh(args.bin, "evaluate", *cfg_args, "--policies", pert_csv, "--backend", "cpu", "--out", pert_dir, "-q")
    # label -> (config, policies, terafab's costs)
    sets = {
        f"quasi-random (--sample {args.sample})": (args.config, sampled, read_costs_csv(sample_dir / "costs.csv")),
        f"best policy perturbed ({args.perturbed})": (args.config, read_policies_csv(pert_dir / "policies.csv"),
                                                      read_costs_csv(pert_dir / "costs.csv")),
    }
    if not args.config:  # the same at a target of 200 GW/yr: the reached branch, in f32
        low_dir = work / "perturbed-200"
        sh(args.bin, "evaluate", low, "--policies", pert_csv, "--backend", "cpu", "--out", low_dir, "-q")
        sets[f"best policy perturbed, target 200 GW/yr ({args.perturbed})"] = (
            low, read_policies_csv(low_dir / "policies.csv"), read_costs_csv(low_dir / "costs.csv"))
    all_d, ev32s = [], {}
    for label, (cfg, pol, ref) in sets.items():
        r, ev64, _, p64, _ = evaluators[cfg]
        p32 = {k: v.astype(jnp.float32) for k, v in p64.items()}  # the CSV's f64 values, narrowed once
        if cfg not in ev32s:
            ev32s[cfg] = M.make_evaluator(r, jnp.float32)
            jaxpr = str(jax.make_jaxpr(ev32s[cfg])(jnp.zeros((1, r.policy_len), jnp.float32), p32))
            # Only Python literals (f64 scalars converted on the spot) may be f64, never an array.
            assert not re.search(r"f64\[\d", jaxpr), "the f32 evaluator computes something in f64"
        ev32 = ev32s[cfg]
        c32, a32 = ev32(jnp.asarray(pol, jnp.float32), p32)
        c64, a64 = ev64(jnp.asarray(pol, jnp.float64), p64)
        assert a32.dtype == jnp.float32
        a32, a64 = np.asarray(a32, np.float64), np.asarray(a64)
        d = np.abs(a32 - ref)
        all_d.append(d)
        d_own = np.abs(ref - a64)
        d_traj = np.abs(np.asarray(c32, np.float64) - np.asarray(c64))
        i = int(d.argmax())
        reached = (np.asarray(c64) <= r.last_confirmable_month).mean()
        print(f"  {label}: {len(ref)} candidates, costs {ref.min():.2f} to {ref.max():.2f} months, "
              f"{100 * reached:.0f}% of trajectories reach the target")
        print(f"    |JAX f32 - terafab f32 SIMD|   aggregate: worst {d.max():.2e}, median {np.median(d):.2e} "
              f"(worst at candidate {i}, cost {ref[i]:.3f})")
        print(f"    |terafab f32 SIMD - f64|       aggregate: worst {d_own.max():.2e}, median {np.median(d_own):.2e}")
        print(f"    |JAX f32 - JAX f64|       per trajectory: worst {d_traj.max():.2e}, median {np.median(d_traj):.2e}")
    d = np.concatenate(all_d)
    ok = d.max() <= TOL_F32
    failed |= not ok
    print(f"  over all {len(d)} candidates: worst |JAX f32 - terafab| = {d.max():.2e} months, median "
          f"{np.median(d):.2e} (tolerance {TOL_F32:g}): {'ok' if ok else 'FAIL'}  [{time.time() - t0:.0f} s]")
    if args.keep or failed:
        print(f"\nwork files: {work}")
    else:
        shutil.rmtree(work, ignore_errors=True)
    print("check: " + ("FAILED" if failed else "passed"))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
