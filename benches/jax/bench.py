#!/usr/bin/env python3
"""Times the JAX port (model.py, f32, jit) against terafab on the CPU, for issue 13.

At each batch size (trajectories = candidates x scenarios; 2^12, 2^14, 2^16 by default):
  jax-compile   lowering + XLA compilation of the jitted batch evaluator (in process)
  jax-call      the compiled call, steady state: median of --repeats calls, each ended by
                block_until_ready (in process; also the CPU time per wall second it used)
  jax-process   a whole `python3 bench.py --jax-once` process: start Python, import jax,
                read the scenarios CSV, build the policies, jit, compile, run once, exit
                (median of --process-repeats; no persistent compilation cache)
  terafab-process  `terafab evaluate --costs-only --backend cpu --sample N -q --out TMP`,
                a whole process (median of --repeats)
  terafab-call  (with --terafab-bench) `terafab bench --backend cpu --json`: terafab's own
                in-process steady state of its f32 SIMD evaluator, the like of jax-call
Prints JSON lines, then a markdown table with trajectory-steps per second and the ratio
terafab / JAX (how many times terafab's throughput is JAX's), and the CPU from lscpu.

Run by hand (not in CI), on a quiet machine:
  python3 benches/jax/bench.py [--bin PATH] [--log2 12 14 16] [--repeats 5] [--terafab-bench]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]


def default_bin() -> str:
    return os.environ.get("TERAFAB_BIN", str(REPO / "target" / "release" / "terafab"))


def cpu_model() -> str:
    try:
        out = subprocess.run(["lscpu"], capture_output=True, text=True, check=True).stdout
        fields = dict(line.split(":", 1) for line in out.splitlines() if ":" in line)
        model = fields.get("Model name", "?").strip()
        cpus = fields.get("CPU(s)", "?").strip()
        return f"{model}, {cpus} CPUs"
    except Exception:  # noqa: BLE001 - a label only
        return platform.processor() or platform.machine()


def policies_for(n_candidates: int, dim: int, seed: int = 1):
    """Uniform vectors in the gene box [-10, 10] (the step has no branches: its time does
    not depend on the values)."""
    import numpy as np

    return np.random.default_rng(seed).uniform(-10.0, 10.0, size=(n_candidates, dim))


def use_cpu_devices(n: int) -> None:
    """--jax-devices: split the host into n XLA CPU devices (before jax is imported)."""
    if n > 1:
        os.environ["XLA_FLAGS"] = (os.environ.get("XLA_FLAGS", "") + f" --xla_force_host_platform_device_count={n}")


def place(policies, params, n_devices: int):
    """With several devices, shard the candidates over them and copy the scenarios to
    each (jit then partitions the computation); with one, leave them be."""
    if n_devices <= 1:
        return policies, params
    import jax
    from jax.sharding import Mesh, NamedSharding, PartitionSpec

    mesh = Mesh(jax.devices()[:n_devices], ("candidates",))
    policies = jax.device_put(policies, NamedSharding(mesh, PartitionSpec("candidates")))
    params = jax.device_put(params, NamedSharding(mesh, PartitionSpec()))
    return policies, params


def jax_once(scenarios_csv: str, config: str, trajectories: int, n_devices: int) -> None:
    """What one plain Python run does: everything from import to the costs."""
    use_cpu_devices(n_devices)
    sys.path.insert(0, str(HERE))
    import jax.numpy as jnp

    import model as M

    run = M.RunSettings.from_config(config)
    names, _, scenarios = M.load_scenarios(scenarios_csv)
    n = max(trajectories // len(scenarios), 1)
    params = M.params_dict(names, scenarios, jnp.float32)
    policies = jnp.asarray(policies_for(n, run.policy_len), jnp.float32)
    policies, params = place(policies, params, n_devices)
    _, agg = M.make_evaluator(run, jnp.float32)(policies, params)
    print(float(agg.block_until_ready().mean()))


def timed(cmd) -> float:
    t = time.perf_counter()
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - t


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--bin", default=default_bin(), help="terafab binary (default: $TERAFAB_BIN or target/release/terafab)")
    ap.add_argument("--config", default=None, help="config file (default: configs/terafab.toml, terafab's embedded one)")
    ap.add_argument("--log2", type=int, nargs="+", default=[12, 14, 16], help="log2 of the trajectories per batch")
    ap.add_argument("--repeats", type=int, default=5, help="timed calls / terafab processes per size (median)")
    ap.add_argument("--process-repeats", type=int, default=5, help="whole JAX processes per size (median); 0 skips")
    ap.add_argument("--terafab-bench", action="store_true", help="also run `terafab bench --backend cpu` (in process)")
    ap.add_argument("--jax-devices", type=int, default=1,
                    help="split the CPU into this many XLA devices and shard the candidates over them (default 1: "
                         "plain jit, which runs this model on one core)")
    ap.add_argument("--jax-once", type=int, default=None, help=argparse.SUPPRESS)
    ap.add_argument("--scenarios-csv", default=None, help=argparse.SUPPRESS)
    args = ap.parse_args()
    config = args.config or str(REPO / "configs" / "terafab.toml")
    if args.jax_once is not None:
        jax_once(args.scenarios_csv, config, args.jax_once, args.jax_devices)
        return 0

    use_cpu_devices(args.jax_devices)
    sys.path.insert(0, str(HERE))
    import jax
    import jax.numpy as jnp
    import numpy as np

    import model as M

    records = []

    def emit(rec):
        records.append(rec)
        print(json.dumps(rec), flush=True)

    work = Path(tempfile.mkdtemp(prefix="terafab-jax-bench-"))
    scen_csv = work / "scenarios.csv"
    cfg_args = [args.config] if args.config else []
    scen_csv.write_text(subprocess.run([args.bin, "config", "scenarios", *cfg_args], check=True,
                                       capture_output=True, text=True).stdout)
    run = M.RunSettings.from_config(config)
    names, _, scenarios = M.load_scenarios(scen_csv)
    S, T = len(scenarios), run.horizon_months
    machine = cpu_model()
    print(f"# {machine}; jax {jax.__version__} on {len(jax.devices())} {jax.devices()[0].platform} device(s); "
          f"terafab {args.bin}; "
          f"{S} scenarios x {T} months", file=sys.stderr)
    params = M.params_dict(names, scenarios, jnp.float32)

    # FLOP of one trajectory-step of the port, as XLA's cost analysis counts the lowered
    # (unoptimised) HLO of the month's allocation + step for one trajectory: every
    # elementwise op (min/max/select included) one flop, exp/log as transcendentals;
    # FLOP = flops + 20 x transcendentals, terafab's convention (src/model/flops.rs).
    p1 = {n_: v[0] for n_, v in params.items()}
    knots = M.decode_policy(jnp.zeros(run.policy_len, jnp.float32))
    j, j_next, w = run.knot_positions(np.float32)

    def one_month(s, month):
        a = M.alloc_at(knots, jnp.asarray(j)[month], jnp.asarray(j_next)[month], jnp.asarray(w)[month])
        return M.step(s, p1, M.derived(p1), a, month, jnp.float32(1.0), run)

    s0 = M.initial_state(p1, run, jnp.float32)
    full = jax.jit(one_month).lower(s0, jnp.int32(5)).cost_analysis()
    per_traj = jax.jit(lambda: M.derived(p1)).lower().cost_analysis()  # Derived: once per trajectory, not per step
    full, per_traj = [(c[0] if isinstance(c, list) else c) for c in (full, per_traj)]
    flops = full.get("flops", 0.0) - per_traj.get("flops", 0.0)
    trans = full.get("transcendentals", 0.0) - per_traj.get("transcendentals", 0.0)
    emit(dict(impl="jax", what="flop_per_step", flops=flops, transcendentals=trans, flop=flops + 20.0 * trans,
              note="XLA cost analysis of the lowered step, less the per-trajectory Derived constants"))

    for k in args.log2:
        n = max((1 << k) // S, 1)
        traj = n * S
        steps = traj * T
        base = dict(trajectories=traj, candidates=n, scenarios=S, months=T, machine=machine,
                    jax_devices=args.jax_devices)
        policies = jnp.asarray(policies_for(n, run.policy_len), jnp.float32)
        policies, params_k = place(policies, params, args.jax_devices)

        # (i) JAX in process: compile, then the steady-state call.
        ev = M.make_evaluator(run, jnp.float32)
        t = time.perf_counter()
        compiled = ev.lower(policies, params_k).compile()
        compile_s = time.perf_counter() - t
        emit(dict(impl="jax", what="compile", seconds=compile_s, **base))
        compiled(policies, params_k)[1].block_until_ready()  # a first call, untimed
        times, cpu = [], []
        for _ in range(args.repeats):
            c0, t = time.process_time(), time.perf_counter()
            compiled(policies, params_k)[1].block_until_ready()
            times.append(time.perf_counter() - t)
            cpu.append(time.process_time() - c0)
        sec = statistics.median(times)
        emit(dict(impl="jax", what="call", seconds=sec, reps=len(times), trajectory_steps_per_s=steps / sec,
                  cpu_seconds_per_second=sum(cpu) / sum(times), **base))

        # JAX as a whole Python process.
        if args.process_repeats > 0:
            cmd = [sys.executable, str(Path(__file__).resolve()), "--jax-once", str(traj), "--scenarios-csv",
                   str(scen_csv), "--jax-devices", str(args.jax_devices),
                   *(["--config", args.config] if args.config else [])]
            ptimes = [timed(cmd) for _ in range(args.process_repeats)]
            sec = statistics.median(ptimes)
            emit(dict(impl="jax", what="process", seconds=sec, reps=len(ptimes), trajectory_steps_per_s=steps / sec,
                      **base))

        # (ii) terafab evaluate as a whole process.
        out = work / f"terafab-{k}"
        cmd = [args.bin, "evaluate", *cfg_args, "--costs-only", "--backend", "cpu", "--sample", str(n), "-q",
               "--out", str(out)]
        ttimes = [timed(cmd) for _ in range(args.repeats)]
        sec = statistics.median(ttimes)
        emit(dict(impl="terafab", what="process", seconds=sec, reps=len(ttimes), trajectory_steps_per_s=steps / sec,
                  **base))

    if args.terafab_bench:
        for k in args.log2:
            out = subprocess.run([args.bin, "bench", *cfg_args, "--backend", "cpu", "--json", "--min-log2", str(k),
                                  "--max-log2", str(k), "--min-seconds", "1"], check=True, capture_output=True,
                                 text=True).stdout
            for line in out.splitlines():
                r = json.loads(line)
                if r["backend"] == "cpu-simd":
                    emit(dict(impl="terafab", what="call", seconds=r["seconds"], reps=r["reps"],
                              trajectory_steps_per_s=r["trajectory_steps_per_s"], trajectories=r["batch"],
                              candidates=r["candidates"], scenarios=r["scenarios"], months=r["steps"],
                              machine=machine, terafab_backend=r["adapter"],
                              flop_per_trajectory_step=r["flop_per_trajectory_step"]))
    shutil.rmtree(work, ignore_errors=True)

    # The table.
    def rate(impl, what, traj):
        r = [x for x in records if x["impl"] == impl and x["what"] == what and x["trajectories"] == traj]
        return r[0] if r else None

    fmt = lambda r: f"{r['trajectory_steps_per_s']:.3g}" if r else "-"
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    print(f"\nCPU: {machine} (load average at the end {load}); JAX {jax.__version__} (f32, jit + vmap + lax.scan); "
          f"terafab {Path(args.bin).name} evaluate --backend cpu (f32 SIMD lanes)\n")
    print("| trajectories | JAX compile (s) | JAX call (steps/s) | JAX process (steps/s) | terafab call (steps/s) "
          "| terafab process (steps/s) | terafab/JAX, call | terafab/JAX, process |")
    print("|---:|---:|---:|---:|---:|---:|---:|---:|")
    for traj in sorted({r["trajectories"] for r in records if "trajectories" in r}):
        comp, jc, jp = rate("jax", "compile", traj), rate("jax", "call", traj), rate("jax", "process", traj)
        tc, tp = rate("terafab", "call", traj), rate("terafab", "process", traj)
        ratio = lambda a, b: f"{a['trajectory_steps_per_s'] / b['trajectory_steps_per_s']:.1f}x" if a and b else "-"
        print(f"| {traj:,} | {comp['seconds']:.1f} | {fmt(jc)} | {fmt(jp)} | {fmt(tc)} | {fmt(tp)} | "
              f"{ratio(tc, jc)} | {ratio(tp, jp)} |" if comp else f"| {traj:,} | - | - | - | {fmt(tc)} | - | - | - |")
    fl = [r for r in records if r["what"] == "flop_per_step"]
    if fl:
        tf = [r for r in records if "flop_per_trajectory_step" in r]
        print(f"\nFLOP per trajectory-step of the port (XLA cost analysis, exp/log at 20): {fl[0]['flop']:.0f} "
              f"({fl[0]['flops']:.0f} ops + {fl[0]['transcendentals']:.0f} exp/log)"
              + (f"; terafab bench counts {tf[0]['flop_per_trajectory_step']:.1f} for its un-hoisted step." if tf
                 else "."))
    jc = [r for r in records if r["impl"] == "jax" and r["what"] == "call"]
    if jc:
        print(f"\nJAX call used {statistics.median(r['cpu_seconds_per_second'] for r in jc):.2f} CPU-seconds per "
              "wall second (threads XLA ran on); terafab uses every core (rayon).")
    return 0


if __name__ == "__main__":
    sys.exit(main())
