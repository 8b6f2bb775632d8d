//! The GPU context: one wgpu device and queue, made once and shared by every
//! kernel — WebGPU in the browser, Vulkan, Metal or DX12 natively.
//!
//! Every way the GPU can be unavailable is an ordinary [`GpuError`], so the
//! caller can fall back to the CPU twin: no adapter, an adapter without
//! compute shaders, a failed device request, and a device lost later.
//!
//! Readbacks are awaited, never busy-waited: [`read_back`] maps the buffer
//! and awaits a oneshot channel that the map callback completes. Natively we
//! drive the device with a blocking poll first; in the browser control returns
//! to the event loop, which resolves the map.
//!
//! Rules every kernel shares live here once: [`WORKGROUP`], and
//! [`ShaderSpec`], what a kernel's Rust side assumes of its shader (the
//! shader tests check it against what naga reads from the WGSL).

pub mod cnn;
pub mod conv;
pub mod dense;
pub mod lbm;

/// Threads per workgroup of every kernel: each entry point of each shader
/// says `@workgroup_size(64)`, and the shader tests check it equals this.
pub const WORKGROUP: usize = 64;

/// What a kernel's host code assumes about its shader.
#[derive(Clone, Copy, Debug)]
pub struct ShaderSpec {
    /// The file beside the kernel, for messages.
    pub file: &'static str,
    pub wgsl: &'static str,
    /// `size_of` the `#[repr(C)]` struct written to the shader's one uniform
    /// binding; naga's layout of the WGSL struct must have the same size.
    pub uniform_size: usize,
    /// Storage buffers, at bindings 1..=storage of group 0 after the uniform
    /// at binding 0, as [`Bindings`] lays them out.
    pub storage: usize,
}

use std::sync::{Arc, Mutex};

/// Why the GPU path is not available (the CPU path still is).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum GpuError {
    /// No adapter at all (no WebGPU in this browser, or no driver natively).
    NoAdapter(String),
    /// The adapter cannot run compute shaders.
    NoCompute(String),
    /// The adapter refused to make a device.
    Device(String),
    /// The device was lost after it was made (driver reset, destroyed, …).
    Lost(String),
    /// A GPU command was rejected (validation, out of memory); its results
    /// cannot be trusted, so the GPU path stops here.
    Failed(String),
    /// A readback failed.
    Readback(String),
}

impl std::fmt::Display for GpuError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            GpuError::NoAdapter(why) => write!(f, "no GPU adapter: {why}"),
            GpuError::NoCompute(name) => write!(f, "the GPU adapter {name} cannot run compute shaders"),
            GpuError::Device(why) => write!(f, "the GPU refused a device: {why}"),
            GpuError::Lost(why) => write!(f, "the GPU device was lost: {why}"),
            GpuError::Failed(why) => write!(f, "a GPU command failed: {why}"),
            GpuError::Readback(why) => write!(f, "reading back from the GPU failed: {why}"),
        }
    }
}

impl std::error::Error for GpuError {}

/// Called once if the device is lost, with a message for people.
pub type LostHook = Box<dyn Fn(String) + Send + 'static>;

/// A device, its queue, and what we know about the adapter behind them.
pub struct Gpu {
    pub device: wgpu::Device,
    pub queue: wgpu::Queue,
    /// Human-readable adapter name, e.g. `llvmpipe (LLVM 15.0.7, 256 bits)`.
    pub adapter: String,
    /// The backend in use: `vulkan`, `metal`, `dx12` or `webgpu`.
    pub backend: String,
    lost: Arc<Mutex<Option<String>>>,
    failed: Arc<Mutex<Option<String>>>,
}

impl Gpu {
    /// Finds an adapter that can run compute shaders and makes a device on it.
    /// `on_lost` runs if the device is lost later.
    pub async fn new(on_lost: Option<LostHook>) -> Result<Gpu, GpuError> {
        let mut desc = wgpu::InstanceDescriptor::new_without_display_handle();
        desc.backends = if cfg!(target_arch = "wasm32") {
            wgpu::Backends::BROWSER_WEBGPU
        } else {
            wgpu::Backends::VULKAN | wgpu::Backends::METAL | wgpu::Backends::DX12
        };
        let instance = wgpu::Instance::new(desc);
        let adapter = instance
            .request_adapter(&wgpu::RequestAdapterOptions {
                power_preference: wgpu::PowerPreference::HighPerformance,
                force_fallback_adapter: false,
                compatible_surface: None,
                ..Default::default()
            })
            .await
            .map_err(|e| GpuError::NoAdapter(e.to_string()))?;
        let info = adapter.get_info();
        let backend = info.backend.to_str().to_string();
        let adapter_name = if info.name.is_empty() { backend.clone() } else { info.name.clone() };
        let downlevel = adapter.get_downlevel_capabilities();
        if !downlevel.flags.contains(wgpu::DownlevelFlags::COMPUTE_SHADERS) {
            return Err(GpuError::NoCompute(adapter_name));
        }
        let (device, queue) = adapter
            .request_device(&wgpu::DeviceDescriptor {
                label: Some("continuum"),
                required_features: wgpu::Features::empty(),
                required_limits: adapter.limits(),
                ..Default::default()
            })
            .await
            .map_err(|e| GpuError::Device(e.to_string()))?;

        let lost = Arc::new(Mutex::new(None));
        let flag = Arc::clone(&lost);
        device.set_device_lost_callback(move |reason, message| {
            let text = match reason {
                wgpu::DeviceLostReason::Destroyed => format!("destroyed ({message})"),
                wgpu::DeviceLostReason::Unknown => message,
            };
            if let Ok(mut slot) = flag.lock() {
                *slot = Some(text.clone());
            }
            if let Some(hook) = &on_lost {
                hook(text);
            }
        });
        // wgpu's default handler panics; record the error instead so the
        // caller can fall back to the CPU.
        let failed = Arc::new(Mutex::new(None));
        let slot = Arc::clone(&failed);
        device.on_uncaptured_error(Arc::new(move |error: wgpu::Error| {
            if let Ok(mut slot) = slot.lock() {
                slot.get_or_insert_with(|| error.to_string());
            }
        }));
        Ok(Gpu { device, queue, adapter: adapter_name, backend, lost, failed })
    }

    /// `Err` once the device has been lost or a command has failed; kernels
    /// check this before dispatching and after reading back.
    pub fn check(&self) -> Result<(), GpuError> {
        if let Some(why) = self.lost.lock().ok().and_then(|slot| slot.clone()) {
            return Err(GpuError::Lost(why));
        }
        if let Some(why) = self.failed.lock().ok().and_then(|slot| slot.clone()) {
            return Err(GpuError::Failed(why));
        }
        Ok(())
    }

    /// Destroys the device, as a driver reset would. For tests of the
    /// lost-device path; the lost hook runs as it would for a real loss.
    pub fn simulate_loss(&self) {
        self.device.destroy();
        // Natively the lost callback runs from a poll; in the browser the
        // device's `lost` promise resolves on its own.
        #[cfg(not(target_arch = "wasm32"))]
        let _ = self.device.poll(wgpu::PollType::Poll);
    }

    /// Makes a compute pipeline from WGSL source with entry point `main`.
    pub fn compute_pipeline(&self, label: &str, wgsl: &str) -> wgpu::ComputePipeline {
        let module = self.device.create_shader_module(wgpu::ShaderModuleDescriptor {
            label: Some(label),
            source: wgpu::ShaderSource::Wgsl(wgsl.into()),
        });
        self.device.create_compute_pipeline(&wgpu::ComputePipelineDescriptor {
            label: Some(label),
            layout: None,
            module: &module,
            entry_point: Some("main"),
            compilation_options: Default::default(),
            cache: None,
        })
    }

    /// Pipelines for several entry points of one WGSL module that share one
    /// bind group: an explicit layout with a uniform block at binding 0 and
    /// `storage` read-write storage buffers at bindings 1…, as [`Bindings`]
    /// makes them. (Automatic layouts differ per pipeline, so one bind group
    /// could not serve them all.)
    pub fn compute_pipelines(
        &self,
        label: &str,
        wgsl: &str,
        entry_points: &[&str],
        storage: usize,
    ) -> (wgpu::BindGroupLayout, Vec<wgpu::ComputePipeline>) {
        let entry = |binding: u32, ty: wgpu::BufferBindingType| wgpu::BindGroupLayoutEntry {
            binding,
            visibility: wgpu::ShaderStages::COMPUTE,
            ty: wgpu::BindingType::Buffer { ty, has_dynamic_offset: false, min_binding_size: None },
            count: None,
        };
        let mut entries = vec![entry(0, wgpu::BufferBindingType::Uniform)];
        entries.extend((1..=storage as u32).map(|b| entry(b, wgpu::BufferBindingType::Storage { read_only: false })));
        let layout = self
            .device
            .create_bind_group_layout(&wgpu::BindGroupLayoutDescriptor { label: Some(label), entries: &entries });
        let pipeline_layout = self.device.create_pipeline_layout(&wgpu::PipelineLayoutDescriptor {
            label: Some(label),
            bind_group_layouts: &[Some(&layout)],
            immediate_size: 0,
        });
        let module = self.device.create_shader_module(wgpu::ShaderModuleDescriptor {
            label: Some(label),
            source: wgpu::ShaderSource::Wgsl(wgsl.into()),
        });
        let pipelines = entry_points
            .iter()
            .map(|name| {
                self.device.create_compute_pipeline(&wgpu::ComputePipelineDescriptor {
                    label: Some(name),
                    layout: Some(&pipeline_layout),
                    module: &module,
                    entry_point: Some(name),
                    compilation_options: Default::default(),
                    cache: None,
                })
            })
            .collect();
        (layout, pipelines)
    }

    /// A storage buffer of `len` f32s that kernels read or write.
    pub fn storage_buffer(&self, label: &str, len: usize) -> wgpu::Buffer {
        self.device.create_buffer(&wgpu::BufferDescriptor {
            label: Some(label),
            size: (len.max(1) * 4) as u64,
            usage: wgpu::BufferUsages::STORAGE | wgpu::BufferUsages::COPY_DST | wgpu::BufferUsages::COPY_SRC,
            mapped_at_creation: false,
        })
    }

    /// A buffer the CPU can map to read `len` f32s back.
    pub fn staging_buffer(&self, label: &str, len: usize) -> wgpu::Buffer {
        self.device.create_buffer(&wgpu::BufferDescriptor {
            label: Some(label),
            size: (len.max(1) * 4) as u64,
            usage: wgpu::BufferUsages::MAP_READ | wgpu::BufferUsages::COPY_DST,
            mapped_at_creation: false,
        })
    }
}

/// How far a GPU result is from its CPU twin: the largest
/// `|gpu − cpu| / (1 + |cpu|)` — relative for large values, absolute near 0,
/// where devices evaluate `tanh` and friends by different formulas. A
/// non-finite GPU value counts as infinitely far.
pub fn parity_error(gpu: &[f32], cpu: &[f32]) -> f32 {
    assert_eq!(gpu.len(), cpu.len(), "results of different sizes");
    gpu.iter()
        .zip(cpu)
        .map(|(g, c)| if g.is_finite() { (g - c).abs() / (1.0 + c.abs()) } else { f32::INFINITY })
        .fold(0.0, f32::max)
}

/// Reads the first `len` f32s of a mapped-readable `staging` buffer whose copy
/// has been submitted. Awaits the map; never spins.
pub async fn read_back(gpu: &Gpu, staging: &wgpu::Buffer, len: usize) -> Result<Vec<f32>, GpuError> {
    gpu.check()?;
    let bytes = (len * 4) as u64;
    let slice = staging.slice(..bytes);
    let (sender, receiver) = futures_channel::oneshot::channel();
    slice.map_async(wgpu::MapMode::Read, move |result| {
        let _ = sender.send(result);
    });
    #[cfg(not(target_arch = "wasm32"))]
    gpu.device.poll(wgpu::PollType::wait_indefinitely()).map_err(|e| GpuError::Readback(e.to_string()))?;
    match receiver.await {
        Ok(Ok(())) => {}
        Ok(Err(e)) => {
            gpu.check()?;
            return Err(GpuError::Readback(e.to_string()));
        }
        Err(_) => {
            gpu.check()?;
            return Err(GpuError::Readback("the map callback was dropped".into()));
        }
    }
    let out = {
        let view = slice.get_mapped_range().map_err(|e| GpuError::Readback(e.to_string()))?;
        bytemuck::cast_slice::<u8, f32>(&view).to_vec()
    };
    staging.unmap();
    gpu.check()?;
    Ok(out)
}

/// A kernel's buffers: a uniform block of sizes at binding 0, grow-only
/// storage buffers of 4-byte words (f32, or u32 tables) at bindings 1, 2, …,
/// a staging buffer to read the output back, and the bind group over them,
/// rebuilt only when a buffer grows.
pub struct Bindings {
    label: &'static str,
    pub dims: wgpu::Buffer,
    /// (buffer, capacity in f32s), in binding order after `dims`.
    storage: Vec<(wgpu::Buffer, usize)>,
    staging: Option<(wgpu::Buffer, usize)>,
    group: Option<wgpu::BindGroup>,
}

impl Bindings {
    pub fn new(gpu: &Gpu, label: &'static str, dims_bytes: usize) -> Bindings {
        let dims = gpu.device.create_buffer(&wgpu::BufferDescriptor {
            label: Some(label),
            size: dims_bytes as u64,
            usage: wgpu::BufferUsages::UNIFORM | wgpu::BufferUsages::COPY_DST,
            mapped_at_creation: false,
        });
        Bindings { label, dims, storage: Vec::new(), staging: None, group: None }
    }

    /// Makes storage buffer `i` hold at least `lens[i]` f32s and the staging
    /// buffer `staging` f32s, keeping every buffer that is large enough.
    pub fn ensure(&mut self, gpu: &Gpu, layout: &wgpu::BindGroupLayout, lens: &[usize], staging: usize) {
        let mut grew = self.storage.len() != lens.len();
        if grew {
            self.storage.clear();
        }
        for (i, &len) in lens.iter().enumerate() {
            match self.storage.get(i) {
                Some((_, cap)) if *cap >= len => {}
                _ => {
                    let slot = (gpu.storage_buffer(self.label, len), len);
                    if i < self.storage.len() {
                        self.storage[i] = slot;
                    } else {
                        self.storage.push(slot);
                    }
                    grew = true;
                }
            }
        }
        if self.staging.as_ref().is_none_or(|(_, cap)| *cap < staging) {
            self.staging = Some((gpu.staging_buffer(self.label, staging), staging));
        }
        if grew || self.group.is_none() {
            let order: Vec<usize> = (0..self.storage.len()).collect();
            self.group = Some(self.group_over(gpu, layout, &order));
        }
    }

    /// A bind group over these buffers with storage buffer `order[i]` at
    /// binding `i + 1` (for example two populations swapped, so that steps
    /// ping-pong between them instead of copying one over the other).
    pub fn group_over(&self, gpu: &Gpu, layout: &wgpu::BindGroupLayout, order: &[usize]) -> wgpu::BindGroup {
        let mut entries = vec![wgpu::BindGroupEntry { binding: 0, resource: self.dims.as_entire_binding() }];
        entries.extend(order.iter().enumerate().map(|(i, &b)| wgpu::BindGroupEntry {
            binding: i as u32 + 1,
            resource: self.storage[b].0.as_entire_binding(),
        }));
        gpu.device.create_bind_group(&wgpu::BindGroupDescriptor { label: Some(self.label), layout, entries: &entries })
    }

    /// One compute pass with this bind group, running `dispatches` in order,
    /// each a pipeline and its workgroup counts along x and y.
    pub fn pass(&self, encoder: &mut wgpu::CommandEncoder, dispatches: &[(&wgpu::ComputePipeline, (u32, u32))]) {
        let groups: Vec<_> = dispatches.iter().map(|&(pipeline, size)| (self.group(), pipeline, size)).collect();
        self.pass_over(encoder, &groups);
    }

    /// One compute pass running `dispatches` in order, each with its own
    /// bind group (one of this kernel's: [`Bindings::group_over`]).
    pub fn pass_over(
        &self,
        encoder: &mut wgpu::CommandEncoder,
        dispatches: &[(&wgpu::BindGroup, &wgpu::ComputePipeline, (u32, u32))],
    ) {
        let mut pass = encoder
            .begin_compute_pass(&wgpu::ComputePassDescriptor { label: Some(self.label), timestamp_writes: None });
        for &(group, pipeline, (x, y)) in dispatches {
            pass.set_bind_group(0, group, &[]);
            pass.set_pipeline(pipeline);
            pass.dispatch_workgroups(x, y, 1);
        }
    }

    /// Submits `encoder` with a copy of the first `len` f32s of storage
    /// buffer `i` appended, and reads them back once the work is done.
    pub async fn submit_and_read(
        &self,
        gpu: &Gpu,
        mut encoder: wgpu::CommandEncoder,
        i: usize,
        len: usize,
    ) -> Result<Vec<f32>, GpuError> {
        encoder.copy_buffer_to_buffer(self.buffer(i), 0, self.staging(), 0, (len * 4) as u64);
        gpu.queue.submit([encoder.finish()]);
        read_back(gpu, self.staging(), len).await
    }

    /// A command encoder labelled for this kernel.
    pub fn encoder(&self, gpu: &Gpu) -> wgpu::CommandEncoder {
        gpu.device.create_command_encoder(&wgpu::CommandEncoderDescriptor { label: Some(self.label) })
    }

    /// Storage buffer `i` (binding `i + 1`).
    pub fn buffer(&self, i: usize) -> &wgpu::Buffer {
        &self.storage[i].0
    }

    pub fn staging(&self) -> &wgpu::Buffer {
        &self.staging.as_ref().expect("ensure() first").0
    }

    pub fn group(&self) -> &wgpu::BindGroup {
        self.group.as_ref().expect("ensure() first")
    }
}
