//! Choosing an evaluator: `--backend gpu|cpu|auto` (auto: a hardware GPU when there is
//! one, else the CPU, saying why in one line; and the CPU again if the GPU fails mid-run). It
//! lives with the commands because it is the one place that knows both backends; search
//! and evaluation code see only `dyn Evaluator`.

use crate::config::BackendChoice;
use crate::eval::cpu::{CpuEvaluator, Precision};
use crate::eval::fallback::Fallback;
use crate::eval::{Evaluator, Problem};
use crate::gpu::GpuEvaluator;
use crate::input::BadInput;
use anyhow::Result;

/// Builds the evaluator the user asked for. Notes (a fallback to the CPU) go to stderr
/// unless `quiet`.
pub fn make_evaluator(
    problem: Problem,
    choice: BackendChoice,
    adapter: Option<&str>,
    quiet: bool,
) -> Result<Box<dyn Evaluator>> {
    let note = move |m: &str| {
        if !quiet {
            eprintln!("{m}");
        }
    };
    match choice {
        BackendChoice::Cpu if adapter.is_some() => {
            Err(BadInput("--adapter chooses a GPU adapter; it cannot be used with --backend cpu".into()).into())
        }
        BackendChoice::Cpu => Ok(cpu(problem)),
        BackendChoice::Gpu => Ok(Box::new(GpuEvaluator::new(problem, adapter)?)),
        // A software GPU runs the same f32 model on the same CPU cores, through a shader
        // compiler that cannot see what the CPU lanes exploit (a scenario shared by eight
        // candidates, no bounds checks): the lanes measure ~3.6x faster (README,
        // "Throughput"). So auto takes a hardware GPU, else the CPU, unless an adapter is
        // named.
        BackendChoice::Auto
            if let Some(software) =
                adapter.is_none().then(crate::gpu::adapter::default_adapter_if_software).flatten() =>
        {
            note(&format!(
                "backend auto: the only GPU is a software one ({}); the CPU's SIMD lanes are faster, so using the \
                 CPU (--backend gpu uses it anyway)",
                software.name
            ));
            Ok(cpu(problem))
        }
        BackendChoice::Auto => match GpuEvaluator::new(problem.clone(), adapter) {
            Ok(g) => Ok(Box::new(Fallback::new(Box::new(g), Box::new(move || cpu(problem)), Box::new(note)))),
            // An adapter the user named and that does not exist is their mistake to fix,
            // not a reason to run somewhere else.
            Err(e) if e.downcast_ref::<BadInput>().is_some() => Err(e),
            Err(e) => {
                note(&format!("backend auto: no usable GPU ({}); using the CPU", first_line(&format!("{e:#}"))));
                Ok(cpu(problem))
            }
        },
    }
}

/// The CPU backend: f32 in SIMD lanes, held to the f64 reference with the GPU's tolerance
/// (reports re-cost the best policy in f64).
fn cpu(problem: Problem) -> Box<dyn Evaluator> {
    Box::new(CpuEvaluator::new(problem, Precision::Simd))
}

fn first_line(s: &str) -> &str {
    s.lines().next().unwrap_or(s)
}
