//! `cargo bench --bench conv`: the convolutional units (`num::conv`,
//! `num::cnn`), as medians over repeated runs and as ratios measured in the
//! same run.
//!
//! The problem: the titration study's CNN (16 × 16 one-channel images,
//! conv 8 → max pool → conv 16 → max pool → dense to 6 classes), a batch of
//! 64. Timed: one forward pass, and one training step (forward, backward,
//! Adam). With `CONTINUUM_REF_PYTHON` set (as `make bench` does), JAX does
//! the same in the same run (`tools/ref/conv.py`: `lax.conv_general_dilated`
//! under `jit`, on the same weights and images; its logits are compared with
//! ours), and the ratios ours ÷ JAX are printed; so is the wasm build under
//! Node (`tools/ref/wasm_conv.mjs`), whose logits must be ours bit for bit
//! (goal: within 2× of JAX). Also timed: the f32 twin of
//! `conv.wgsl` and the kernel on whatever adapter wgpu finds, for the first
//! layer's forward pass over the batch.

mod common;
use common::median_ms;

use continuum::gpu::conv::{self, ConvKernel, PackedConv};
use continuum::gpu::Gpu;
use continuum::num::cnn::{benchmark_problem, Classifier, Cnn};
use continuum::num::conv::Shape;
use continuum::num::optim::Adam;
use ndarray::Array2;

/// The problem's sizes (`num::cnn::benchmark_problem`).
const BATCH: usize = 64;
const SIDE: usize = 16;
const CLASSES: usize = 6;

fn main() {
    let (cnn, x, y) = benchmark_problem();
    println!("conv: CNN 1 → 8 → 16 channels on {SIDE} × {SIDE}, batch {BATCH} ({} parameters)", cnn.params());

    let forward_ms = median_ms(21, || {
        std::hint::black_box(cnn.apply(x.view()));
    });
    let mut model = Classifier::Cnn(cnn.clone());
    let mut adam = Adam::new(1e-3);
    let step_ms = median_ms(21, || {
        std::hint::black_box(model.train_step(x.view(), &y, &mut adam));
    });
    println!("  forward pass: {forward_ms:.3} ms (median of 21)");
    println!("  training step (forward, backward, Adam): {step_ms:.3} ms");

    // The first layer in f32: the twin of conv.wgsl, and the kernel.
    let packed = PackedConv::new(&cnn.convs[0]);
    let s = Shape { n: BATCH, c: 1, h: SIDE, w: SIDE };
    let x32: Vec<f32> = x.iter().map(|&v| v as f32).collect();
    let twin_ms = median_ms(21, || {
        std::hint::black_box(conv::forward(&packed, &x32, s));
    });
    println!("  first layer, f32 twin of conv.wgsl: {twin_ms:.3} ms");
    match pollster::block_on(Gpu::new(None)) {
        Ok(gpu) => {
            let mut kernel = ConvKernel::new(&gpu);
            let gpu_ms = median_ms(21, || {
                std::hint::black_box(pollster::block_on(kernel.forward(&gpu, &packed, &x32, s)).unwrap());
            });
            println!(
                "  first layer, conv.wgsl on {} ({}, with upload and read-back): {gpu_ms:.3} ms",
                gpu.adapter, gpu.backend
            );
        }
        Err(e) => println!("  first layer on the GPU: not measured ({e})"),
    }
    references(&cnn, &x, &y, forward_ms, step_ms);
}

/// JAX's times for the same network and batch, and the ratios, when
/// `make bench` has set up the reference tools (`CONTINUUM_REF_PYTHON`).
fn references(cnn: &Cnn, x: &Array2<f64>, y: &[usize], forward_ms: f64, step_ms: f64) {
    let Ok(python) = std::env::var("CONTINUUM_REF_PYTHON") else {
        println!("  JAX: not measured (run `make bench`, which sets CONTINUUM_REF_PYTHON)");
        return;
    };
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("target/bench");
    std::fs::create_dir_all(&dir).unwrap();
    let json = dir.join("conv.json");
    let problem = serde_json::json!({
        "convs": cnn.convs.iter().map(|c| serde_json::json!({
            "c_in": c.c_in, "c_out": c.c_out, "w": c.w.iter().collect::<Vec<_>>(), "b": c.b,
        })).collect::<Vec<_>>(),
        "head_w": cnn.head.layers[0].w.iter().collect::<Vec<_>>(),
        "head_b": cnn.head.layers[0].b.iter().collect::<Vec<_>>(),
        "classes": CLASSES,
        "side": SIDE,
        "x": x.iter().collect::<Vec<_>>(),
        "y": y,
        "logits": cnn.apply(x.view()).iter().collect::<Vec<_>>(),
    });
    std::fs::write(&json, problem.to_string()).unwrap();
    let script = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tools/ref/conv.py");
    let out = match std::process::Command::new(&python).arg(&script).arg(&json).output() {
        Ok(out) if out.status.success() => out,
        Ok(out) => {
            println!("  JAX failed: {}", String::from_utf8_lossy(&out.stderr).lines().last().unwrap_or(""));
            return;
        }
        Err(e) => {
            println!("  JAX: could not run {python}: {e}");
            return;
        }
    };
    let Ok(r) = serde_json::from_slice::<serde_json::Value>(&out.stdout) else {
        println!("  JAX: unreadable output");
        return;
    };
    let (jf, js) = (r["forward_ms"].as_f64().unwrap_or(f64::NAN), r["step_ms"].as_f64().unwrap_or(f64::NAN));
    wasm(&dir, cnn, x, forward_ms, step_ms, (jf, js));
    println!(
        "  JAX (jit, CPU): forward {jf:.3} ms, training step {js:.3} ms; logits differ from ours by at most {:.1e}",
        r["max_diff"].as_f64().unwrap_or(f64::NAN)
    );
    println!(
        "  ratio ours ÷ JAX: forward {:.2}, training step {:.2} (goal: ≤ 1 natively)",
        forward_ms / jf,
        step_ms / js
    );
}

/// The wasm build's times under Node and the ratios against native and JAX,
/// with its logits compared bit for bit with ours.
fn wasm(dir: &std::path::Path, cnn: &Cnn, x: &Array2<f64>, forward_ms: f64, step_ms: f64, (jf, js): (f64, f64)) {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    if !root.join("www/pkg/continuum_bg.wasm").exists() {
        println!("  wasm: not measured (build it first: make wasm)");
        return;
    }
    let bin = dir.join("conv-logits.f64");
    let logits: Vec<u8> = cnn.apply(x.view()).iter().flat_map(|v| v.to_le_bytes()).collect();
    std::fs::write(&bin, logits).unwrap();
    let out = std::process::Command::new("node").arg(root.join("tools/ref/wasm_conv.mjs")).arg(&bin).output();
    let Some(r) = out
        .ok()
        .filter(|o| o.status.success())
        .and_then(|o| serde_json::from_slice::<serde_json::Value>(&o.stdout).ok())
    else {
        println!("  wasm: node tools/ref/wasm_conv.mjs failed");
        return;
    };
    let (wf, ws) = (r["forward_ms"].as_f64().unwrap_or(f64::NAN), r["step_ms"].as_f64().unwrap_or(f64::NAN));
    println!(
        "  wasm (Node, 1 thread): forward {wf:.3} ms, training step {ws:.3} ms; same bits as native: {}",
        r["identical"]
    );
    println!(
        "  ratio wasm ÷ native: forward {:.2}, step {:.2}; wasm ÷ JAX: forward {:.2}, step {:.2} (goal: ≤ 2)",
        wf / forward_ms,
        ws / step_ms,
        wf / jf,
        ws / js
    );
}
