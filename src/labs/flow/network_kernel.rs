//! `network_kernel.wgsl` on a [`Gpu`]: the vortical adjacency's mat-vecs
//! and sampled columns, computed on the fly in f32. The CPU twins are
//! [`Network::matvec`] and [`Network::column`].
//!
//! The nodes are uploaded once per network ([`NetworkKernel::load`]); Lanczos
//! then sends one vector per mat-vec.

use crate::gpu::{Bindings, Gpu, GpuError, ShaderSpec, WORKGROUP};
use crate::labs::flow::network::Network;

pub const WGSL: &str = include_str!("network_kernel.wgsl");
/// What this side assumes of `network_kernel.wgsl`; the shader tests check naga reads the same.
pub const SHADER: ShaderSpec =
    ShaderSpec { file: "network_kernel.wgsl", wgsl: WGSL, uniform_size: std::mem::size_of::<Dims>(), storage: 3 };
/// Most columns per dispatch along y (WebGPU allows 65 535 workgroups a dimension).
const MAX_COLUMNS: usize = 65_535;

#[repr(C)]
#[derive(Clone, Copy, bytemuck::Pod, bytemuck::Zeroable)]
struct Dims {
    n: u32,
    l: u32,
    periodic: u32,
    floor: f32,
    lx: f32,
    ly: f32,
    _pad: [u32; 2],
}

const NODES: usize = 0;
const INPUT: usize = 1;
const OUT: usize = 2;

pub struct NetworkKernel {
    layout: wgpu::BindGroupLayout,
    matvec: wgpu::ComputePipeline,
    columns: wgpu::ComputePipeline,
    bindings: Bindings,
    dims: Option<Dims>,
}

impl NetworkKernel {
    pub fn new(gpu: &Gpu) -> NetworkKernel {
        let (layout, mut pipelines) = gpu.compute_pipelines("network", WGSL, &["matvec", "columns"], SHADER.storage);
        let columns = pipelines.pop().expect("two pipelines");
        let matvec = pipelines.pop().expect("two pipelines");
        let bindings = Bindings::new(gpu, "network", std::mem::size_of::<Dims>());
        NetworkKernel { layout, matvec, columns, bindings, dims: None }
    }

    /// Uploads the network's nodes, with room for `l` columns.
    pub fn load(&mut self, gpu: &Gpu, net: &Network, l: usize) {
        let n = net.len();
        let nodes: Vec<f32> = (0..n)
            .flat_map(|i| {
                [net.x[i] as f32, net.y[i] as f32, (net.gamma[i].abs() / (4.0 * std::f64::consts::PI)) as f32]
            })
            .collect();
        let (lx, ly) = net.period.unwrap_or((0.0, 0.0));
        let dims = Dims {
            n: n as u32,
            l: l as u32,
            periodic: net.period.is_some() as u32,
            floor: net.min_distance() as f32,
            lx: lx as f32,
            ly: ly as f32,
            _pad: [0; 2],
        };
        self.bindings.ensure(gpu, &self.layout, &[3 * n, n.max(l), n * l.max(1)], n * l.max(1));
        gpu.queue.write_buffer(self.bindings.buffer(NODES), 0, bytemuck::cast_slice(&nodes));
        self.dims = Some(dims);
    }

    /// Runs `pipeline` with `dims` and reads back `out_len` f32s of the output.
    async fn run(
        &self,
        gpu: &Gpu,
        pipeline: &wgpu::ComputePipeline,
        dims: Dims,
        groups: (u32, u32),
        out_len: usize,
    ) -> Result<Vec<f32>, GpuError> {
        gpu.queue.write_buffer(&self.bindings.dims, 0, bytemuck::bytes_of(&dims));
        let mut encoder = self.bindings.encoder(gpu);
        self.bindings.pass(&mut encoder, &[(pipeline, groups)]);
        self.bindings.submit_and_read(gpu, encoder, OUT, out_len).await
    }

    /// y = A x for the loaded network.
    pub async fn matvec(&self, gpu: &Gpu, x: &[f64]) -> Result<Vec<f64>, GpuError> {
        gpu.check()?;
        let dims = self.dims.expect("load() first");
        let n = dims.n as usize;
        let x32: Vec<f32> = x.iter().map(|&v| v as f32).collect();
        gpu.queue.write_buffer(self.bindings.buffer(INPUT), 0, bytemuck::cast_slice(&x32));
        let y = self.run(gpu, &self.matvec, dims, (n.div_ceil(WORKGROUP) as u32, 1), n).await?;
        Ok(y.into_iter().map(f64::from).collect())
    }

    /// Columns `cols` of A, column-major (`out[c * n + i]`); at most the `l` given to `load`.
    pub async fn columns(&self, gpu: &Gpu, cols: &[usize]) -> Result<Vec<f32>, GpuError> {
        gpu.check()?;
        let mut dims = self.dims.expect("load() first");
        assert!(cols.len() <= dims.l as usize && cols.len() <= MAX_COLUMNS, "more columns than loaded for");
        dims.l = cols.len() as u32;
        let n = dims.n as usize;
        let s: Vec<f32> = cols.iter().map(|&c| c as f32).collect();
        gpu.queue.write_buffer(self.bindings.buffer(INPUT), 0, bytemuck::cast_slice(&s));
        self.run(gpu, &self.columns, dims, (n.div_ceil(WORKGROUP) as u32, cols.len() as u32), n * cols.len()).await
    }
}
