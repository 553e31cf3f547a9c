//! The GPU backend of the evaluator seam. Device, pipeline, bind groups and buffers are
//! built once and reused; each call uploads decoded policies chunk by chunk, dispatches a
//! balanced 2D grid, and reads back one f32 cost per trajectory, with two chunks in flight
//! so the host's decoding and upload of the next chunk overlap the device's work.

use super::adapter::{AdapterSummary, choose_adapter};
use super::layout::{MAX_GROUPS_PER_DIM, RunUniform, WORKGROUP_SIZE, grid, shader_source};
use crate::eval::{DeviceClass, Evaluator, Problem};
use crate::model::Paths;
use crate::model::policy::{ALLOC_PER_KNOT, decode_flat_f32};
use anyhow::{Context, Result, bail};
use std::sync::{Arc, Mutex};

/// Most candidates per dispatch: keeps every binding far below lavapipe's 128 MiB limit.
const MAX_CHUNK_BYTES: u64 = 96 << 20;

#[derive(Debug)]
pub struct GpuEvaluator {
    problem: Problem,
    adapter: AdapterSummary,
    device: wgpu::Device,
    queue: wgpu::Queue,
    pipeline: wgpu::ComputePipeline,
    /// Two sets of chunk buffers: chunk k+1 is decoded and uploaded while chunk k runs.
    slots: [Slot; 2],
    /// Candidates per chunk (buffers are sized for it).
    chunk: usize,
    /// Errors the device reported outside a call (validation, device lost).
    errors: Arc<Mutex<Vec<String>>>,
    /// Decoded policies of the chunk being uploaded (reused across calls).
    staging: Vec<f32>,
    /// Seconds spent waiting for the device since the last `take_device_seconds`.
    device_seconds: f64,
    /// NaN for every cost slot of a full chunk: uploaded before each dispatch so a slot the
    /// kernel never writes reads back as NaN. Built once.
    sentinel: Vec<f32>,
}

/// The buffers one chunk in flight uses.
#[derive(Debug)]
struct Slot {
    run_buf: wgpu::Buffer,
    allocs_buf: wgpu::Buffer,
    costs_buf: wgpu::Buffer,
    readback_buf: wgpu::Buffer,
    bind_group: wgpu::BindGroup,
}

/// A chunk submitted and not yet read back.
struct InFlight<'o> {
    slot: usize,
    submission: wgpu::SubmissionIndex,
    trajectories: usize,
    mapped: std::sync::mpsc::Receiver<Result<(), wgpu::BufferAsyncError>>,
    out: &'o mut [f64],
}

fn storage(device: &wgpu::Device, label: &str, size: u64, usage: wgpu::BufferUsages) -> wgpu::Buffer {
    device.create_buffer(&wgpu::BufferDescriptor {
        label: Some(label),
        size: size.max(16),
        usage,
        mapped_at_creation: false,
    })
}

impl GpuEvaluator {
    /// Builds the context on the adapter named by `adapter` (or wgpu's default choice).
    pub fn new(problem: Problem, adapter: Option<&str>) -> Result<Self> {
        let adapter = choose_adapter(adapter)?;
        let summary = AdapterSummary::from(&adapter.get_info());
        let limits = adapter.limits();
        let (device, queue) = pollster::block_on(adapter.request_device(&wgpu::DeviceDescriptor {
            label: Some("terafab"),
            required_limits: limits.clone(),
            ..Default::default()
        }))
        .with_context(|| format!("cannot open the GPU device {summary}"))?;
        let errors = Arc::new(Mutex::new(Vec::new()));
        let sink = errors.clone();
        device.on_uncaptured_error(Arc::new(move |e: wgpu::Error| sink.lock().unwrap().push(e.to_string())));
        let sink = errors.clone();
        device.set_device_lost_callback(move |reason, msg| {
            let detail = if msg.is_empty() { String::new() } else { format!(": {msg}") };
            sink.lock().unwrap().push(format!("the GPU device was lost ({reason:?}){detail}"));
        });

        let scope = device.push_error_scope(wgpu::ErrorFilter::Validation);
        let module = device.create_shader_module(wgpu::ShaderModuleDescriptor {
            label: Some("step.wgsl"),
            source: wgpu::ShaderSource::Wgsl(shader_source().into()),
        });
        let pipeline = device.create_compute_pipeline(&wgpu::ComputePipelineDescriptor {
            label: Some("trajectories"),
            layout: None,
            module: &module,
            entry_point: Some("main"),
            compilation_options: Default::default(),
            cache: None,
        });
        if let Some(e) = pollster::block_on(scope.pop()) {
            bail!("the WGSL kernel failed to compile on {summary}: {e}");
        }

        let s = problem.scenarios.len();
        if s > MAX_GROUPS_PER_DIM as usize {
            bail!(
                "the GPU backend dispatches one grid layer per scenario, at most {MAX_GROUPS_PER_DIM}; \
                 this problem has {s} scenarios (scenarios.count): use fewer, or --backend cpu"
            );
        }
        let alloc_bytes = (problem.run.knots * ALLOC_PER_KNOT * 4) as u64;
        let per_candidate = alloc_bytes.max(4 * s as u64);
        let binding_limit = limits.max_storage_buffer_binding_size.min(MAX_CHUNK_BYTES);
        let chunk = ((binding_limit / per_candidate) as usize).clamp(1, 1 << 20);
        let usage_in = wgpu::BufferUsages::STORAGE | wgpu::BufferUsages::COPY_DST;
        let scenarios: Vec<f32> = problem.scenarios.iter().flat_map(|p| p.to_vec()).map(|x| x as f32).collect();
        let funding: Vec<f32> = problem.run.funding_busd_per_month.iter().map(|&x| x as f32).collect();
        // Each scenario's exogenous paths, month by month (model::paths), computed in f64.
        let horizon = problem.run.horizon_months;
        let paths: Vec<f32> = problem
            .scenarios
            .iter()
            .flat_map(|p| Paths::table(p, horizon))
            .flat_map(|x| x.to_array())
            .map(|v| v as f32)
            .collect();
        let paths_bytes = (paths.len() * 4) as u64;
        if paths_bytes > binding_limit {
            bail!(
                "{s} scenarios x {horizon} months of exogenous paths need {} MiB in one GPU buffer, more than \
                 the {} MiB the GPU backend uses for one buffer on {summary}; use fewer scenarios \
                 (scenarios.count) or --backend cpu",
                paths_bytes >> 20,
                binding_limit >> 20
            );
        }
        let paths_buf = storage(&device, "paths", paths_bytes, usage_in);
        queue.write_buffer(&paths_buf, 0, bytemuck::cast_slice(&paths));
        let scen_buf = storage(&device, "scenarios", (scenarios.len() * 4) as u64, usage_in);
        let funding_buf = storage(&device, "funding", (funding.len() * 4) as u64, usage_in);
        queue.write_buffer(&scen_buf, 0, bytemuck::cast_slice(&scenarios));
        queue.write_buffer(&funding_buf, 0, bytemuck::cast_slice(&funding));
        let costs_bytes = (chunk * s * 4) as u64;
        let make_slot = || {
            let run_buf = device.create_buffer(&wgpu::BufferDescriptor {
                label: Some("run"),
                size: std::mem::size_of::<RunUniform>() as u64,
                usage: wgpu::BufferUsages::UNIFORM | wgpu::BufferUsages::COPY_DST,
                mapped_at_creation: false,
            });
            let allocs_buf = storage(&device, "allocs", chunk as u64 * alloc_bytes, usage_in);
            let costs_buf = storage(&device, "costs", costs_bytes, usage_in | wgpu::BufferUsages::COPY_SRC);
            // MAP_READ is only allowed together with COPY_DST: results are copied here to read.
            let readback_buf =
                storage(&device, "readback", costs_bytes, wgpu::BufferUsages::MAP_READ | wgpu::BufferUsages::COPY_DST);
            let bind_group = device.create_bind_group(&wgpu::BindGroupDescriptor {
                label: Some("trajectories"),
                layout: &pipeline.get_bind_group_layout(0),
                entries: &[
                    wgpu::BindGroupEntry { binding: 0, resource: run_buf.as_entire_binding() },
                    wgpu::BindGroupEntry { binding: 1, resource: scen_buf.as_entire_binding() },
                    wgpu::BindGroupEntry { binding: 2, resource: allocs_buf.as_entire_binding() },
                    wgpu::BindGroupEntry { binding: 3, resource: funding_buf.as_entire_binding() },
                    wgpu::BindGroupEntry { binding: 4, resource: costs_buf.as_entire_binding() },
                    wgpu::BindGroupEntry { binding: 5, resource: paths_buf.as_entire_binding() },
                ],
            });
            Slot { run_buf, allocs_buf, costs_buf, readback_buf, bind_group }
        };
        let slots = [make_slot(), make_slot()];
        let ev = GpuEvaluator {
            problem,
            adapter: summary,
            device,
            queue,
            pipeline,
            slots,
            chunk,
            errors,
            staging: Vec::new(),
            device_seconds: 0.0,
            sentinel: vec![f32::NAN; chunk * s],
        };
        ev.check_errors()?;
        Ok(ev)
    }

    /// Dispatches at most `n` candidates at a time (at most the size the buffers were
    /// built for); tests use it to exercise several chunks with a small batch.
    pub fn limit_chunk(&mut self, n: usize) {
        self.chunk = self.chunk.min(n.max(1));
    }

    /// Destroys the device, as a driver reset or an unplugged GPU would: tests use it to
    /// prove a lost device is an error (and, under `auto`, a fallback), never a hang.
    #[doc(hidden)]
    pub fn lose_device_for_tests(&self) {
        self.device.destroy();
    }

    fn check_errors(&self) -> Result<()> {
        let errors = std::mem::take(&mut *self.errors.lock().unwrap());
        if errors.is_empty() { Ok(()) } else { bail!("GPU error on {}: {}", self.adapter, errors.join("; ")) }
    }

    /// Decodes, uploads and dispatches one chunk (at most `self.chunk` candidates) in
    /// `slot`, and asks for its results to be mapped; [`Self::finish`] reads them.
    fn submit<'o>(&mut self, slot: usize, policies: &[f64], out: &'o mut [f64]) -> InFlight<'o> {
        let s = self.problem.scenarios.len();
        let n = policies.len() / self.problem.dim();
        let trajectories = n * s;
        let b = &self.slots[slot];
        self.staging.clear();
        decode_flat_f32(policies, &mut self.staging);
        self.queue.write_buffer(&b.allocs_buf, 0, bytemuck::cast_slice(&self.staging));
        // NaN sentinel: a slot the kernel never writes reads back as NaN and fails below.
        self.queue.write_buffer(&b.costs_buf, 0, bytemuck::cast_slice(&self.sentinel[..trajectories]));
        let (x, y) = grid(n as u32);
        let run = RunUniform {
            horizon: self.problem.run.horizon_months as u32,
            knots: self.problem.run.knots as u32,
            n_scenarios: s as u32,
            n_trajectories: trajectories as u32,
            objective: self.problem.run.objective.code(),
            row_stride: x * WORKGROUP_SIZE,
            target_gw: self.problem.run.target_gw_per_year as f32,
            penalty_months: self.problem.run.penalty_months_per_doubling as f32,
            sustain: self.problem.run.sustain_months as u32,
            last_confirmable: self.problem.run.last_confirmable_month() as f32,
            system_basis: u32::from(self.problem.run.system_basis),
            n_candidates: n as u32,
            retreat_months: self.problem.run.retreat_months_per_doubling as f32,
            pad: [0; 3],
        };
        self.queue.write_buffer(&b.run_buf, 0, bytemuck::bytes_of(&run));
        let bytes = (trajectories * 4) as u64;
        let mut encoder = self.device.create_command_encoder(&wgpu::CommandEncoderDescriptor { label: Some("chunk") });
        {
            let mut pass = encoder
                .begin_compute_pass(&wgpu::ComputePassDescriptor { label: Some("step"), timestamp_writes: None });
            pass.set_pipeline(&self.pipeline);
            pass.set_bind_group(0, &b.bind_group, &[]);
            pass.dispatch_workgroups(x, y, s as u32);
        }
        encoder.copy_buffer_to_buffer(&b.costs_buf, 0, &b.readback_buf, 0, bytes);
        let submission = self.queue.submit(Some(encoder.finish()));
        let (tx, mapped) = std::sync::mpsc::channel();
        b.readback_buf.slice(..bytes).map_async(wgpu::MapMode::Read, move |r| {
            let _ = tx.send(r);
        });
        InFlight { slot, submission, trajectories, mapped, out }
    }

    /// Waits for a submitted chunk, copies its costs out and frees its slot.
    fn finish(&mut self, f: InFlight<'_>) -> Result<()> {
        let waiting = std::time::Instant::now();
        self.device
            .poll(wgpu::PollType::Wait { submission_index: Some(f.submission), timeout: None })
            .map_err(|e| anyhow::anyhow!("waiting for the GPU on {} failed: {e}", self.adapter))?;
        self.device_seconds += waiting.elapsed().as_secs_f64();
        self.check_errors()?;
        f.mapped
            .recv()
            .context("the GPU dropped the readback")?
            .map_err(|e| anyhow::anyhow!("reading results back from {} failed: {e}", self.adapter))?;
        let readback = &self.slots[f.slot].readback_buf;
        let slice = readback.slice(..(f.trajectories * 4) as u64);
        {
            let view = slice.get_mapped_range().map_err(|e| anyhow::anyhow!("mapping GPU results failed: {e}"))?;
            let costs: &[f32] = bytemuck::cast_slice(&view);
            for (o, &c) in f.out.iter_mut().zip(costs) {
                *o = c as f64;
            }
        }
        readback.unmap();
        if let Some(i) = f.out.iter().position(|c| c.is_nan()) {
            bail!(
                "the GPU kernel left trajectory {i} of a chunk of {} unwritten (or wrote NaN) on {}",
                f.trajectories,
                self.adapter
            );
        }
        Ok(())
    }
}

impl Evaluator for GpuEvaluator {
    fn describe(&self) -> String {
        format!("gpu: {}", self.adapter)
    }
    fn backend_name(&self) -> &'static str {
        "gpu"
    }
    fn device_name(&self) -> String {
        format!("{} ({})", self.adapter.name, self.adapter.backend)
    }
    fn take_device_seconds(&mut self) -> Option<f64> {
        Some(std::mem::take(&mut self.device_seconds))
    }
    fn device_class(&self) -> DeviceClass {
        if self.adapter.device_type == "Cpu" { DeviceClass::SoftwareGpu } else { DeviceClass::HardwareGpu }
    }
    fn problem(&self) -> &Problem {
        &self.problem
    }
    fn trajectory_costs(&mut self, policies: &[f64], out: &mut [f64]) -> Result<()> {
        let dim = self.problem.dim();
        let s = self.problem.scenarios.len();
        anyhow::ensure!(out.len() == policies.len() / dim * s, "trajectory cost buffer has the wrong length");
        let chunk = self.chunk;
        // Two chunks in flight: submit chunk k+1 (its decoding and upload overlap chunk k's
        // compute), then read chunk k back.
        let mut pending: Option<InFlight<'_>> = None;
        for (k, (p, o)) in policies.chunks(chunk * dim).zip(out.chunks_mut(chunk * s)).enumerate() {
            let next = self.submit(k % 2, p, o);
            if let Some(done) = pending.replace(next)
                && let Err(e) = self.finish(done)
            {
                // Leave no map pending on the other slot: the next call must find both free.
                if let Some(other) = pending.take() {
                    let _ = self.finish(other);
                }
                return Err(e);
            }
        }
        match pending {
            Some(done) => self.finish(done),
            None => Ok(()),
        }
    }
}
