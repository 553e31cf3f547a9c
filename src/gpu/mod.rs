//! The GPU backend: the model's monthly step in WGSL, run by wgpu over batches of
//! (candidate, scenario) trajectories. Only this module names wgpu.

pub mod adapter;
pub mod evaluator;
pub mod layout;

pub use evaluator::GpuEvaluator;
