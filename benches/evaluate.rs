//! Criterion bench of the evaluator seam on the default model: trajectory-steps per second
//! per backend, and for the SIMD lanes per instruction set this CPU runs (`cpu_simd_avx2`,
//! `cpu_simd_sse2`, `cpu_simd_avx512`). `TERAFAB_BENCH_TINY=1` shrinks the batch so CI
//! proves it runs for free.

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use rand::{Rng, SeedableRng};
use terafab::eval::cpu::{CpuEvaluator, Precision};
use terafab::eval::simd::SimdPath;
use terafab::eval::{Evaluator, Problem};

fn batch(problem: &Problem, n: usize) -> Vec<f64> {
    let mut rng = rand_xoshiro::Xoshiro256PlusPlus::seed_from_u64(1);
    (0..n * problem.dim()).map(|_| rng.random_range(-4.0..4.0)).collect()
}

fn bench(c: &mut Criterion) {
    let tiny = std::env::var_os("TERAFAB_BENCH_TINY").is_some();
    let exp = terafab::config::default_experiment();
    let problem = Problem::from_experiment(&exp);
    let n = if tiny { 16 } else { 4096 };
    let policies = batch(&problem, n);
    let steps = (n * problem.scenarios.len() * problem.run.horizon_months) as u64;
    let mut group = c.benchmark_group("evaluate_default_model");
    group.throughput(Throughput::Elements(steps));
    if tiny {
        group.sample_size(10);
    }
    for &path in SimdPath::supported() {
        let mut ev = CpuEvaluator::new(problem.clone(), Precision::Simd).with_simd(path).expect("a supported path");
        let mut out = vec![0.0; n];
        let name = format!("cpu_simd_{}", format!("{path:?}").to_lowercase());
        group.bench_function(name, |b| b.iter(|| ev.evaluate(&policies, &mut out).unwrap()));
    }
    for (name, precision) in [("cpu_f32", Precision::F32), ("cpu_f64", Precision::F64)] {
        let mut ev = CpuEvaluator::new(problem.clone(), precision);
        let mut out = vec![0.0; n];
        group.bench_function(name, |b| b.iter(|| ev.evaluate(&policies, &mut out).unwrap()));
    }
    // The GPU backend, when this machine has an adapter (lavapipe in CI).
    if !terafab::gpu::adapter::list_adapters().is_empty() {
        let mut ev = terafab::gpu::GpuEvaluator::new(problem.clone(), None).expect("GPU evaluator");
        let mut out = vec![0.0; n];
        group.bench_function("gpu", |b| b.iter(|| ev.evaluate(&policies, &mut out).unwrap()));
    }
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
