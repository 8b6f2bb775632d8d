//! Convolutional units for image models, knowing no lab: 3 × 3 convolution
//! (stride 1 or 2, "same" padding), 2 × 2 average and max pooling, global
//! average pooling, each with its exact backward pass.
//!
//! **Layout.** A batch of images is one `Vec<f64>` in `[n][c][h][w]` order,
//! described by a [`Shape`].
//!
//! **Convolution by im2col.** With zero padding 1 and a 3 × 3 kernel, output
//! pixel `(i, j)` of channel `o` is
//! `y[o,i,j] = b[o] + Σ_{c,a,e} W[o, c, a, e] · x[c, s·i + a − 1, s·j + e − 1]`
//! (`s` the stride, `x` zero outside the image), so the output has
//! `⌈h/s⌉ × ⌈w/s⌉` pixels. Gathering, for every output pixel of every image,
//! the `9·c_in` inputs it reads as one column ("im2col") turns the whole
//! batch into one product `Y = W · cols` (`W` is `c_out × 9·c_in`). The
//! backward pass is two more products: `∂W = ∂Y · colsᵀ` and
//! `∂cols = Wᵀ · ∂Y`, whose columns are scattered back onto the input
//! pixels they came from ("col2im") and summed.
//!
//! **Why through [`matmul`]:** it sums in a fixed order with no fused
//! multiply-add, so the wasm page and the native CLI compute the same bits;
//! im2col and col2im are loops in a fixed order too (col2im adds the 9
//! contributions of a pixel in kernel order, image by image).

use ndarray::{Array2, ArrayView2};

use super::mlp::{matmul, Real};

/// The shape of a batch of images: `n` images of `c` channels, `h × w` pixels.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Shape {
    pub n: usize,
    pub c: usize,
    pub h: usize,
    pub w: usize,
}

impl Shape {
    pub fn len(&self) -> usize {
        self.n * self.c * self.h * self.w
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Pixels of one channel of one image.
    pub fn plane(&self) -> usize {
        self.h * self.w
    }
}

/// A 3 × 3 convolution with "same" zero padding and stride 1 or 2, in f64
/// or f32 ([`Real`]).
#[derive(Clone, Debug, PartialEq)]
pub struct Conv<T: Real = f64> {
    pub c_in: usize,
    pub c_out: usize,
    pub stride: usize,
    /// `c_out × 9·c_in`: row `o`, column `9c + 3a + e` is `W[o, c, a, e]`.
    pub w: Array2<T>,
    pub b: Vec<T>,
}

/// What [`Conv::forward`] keeps for the backward pass: its input.
pub struct ConvCache<T: Real = f64> {
    x: Vec<T>,
    input: Shape,
}

impl Conv {
    /// Zero weights; see [`Conv::he`] for an initialisation.
    pub fn zeros(c_in: usize, c_out: usize, stride: usize) -> Conv {
        assert!(stride == 1 || stride == 2, "stride 1 or 2");
        Conv { c_in, c_out, stride, w: Array2::zeros((c_out, 9 * c_in)), b: vec![0.0; c_out] }
    }

    /// Weights `N(0, 2/(9 c_in))` (He et al., for ReLU) from `gaussian`, zero bias.
    pub fn he(c_in: usize, c_out: usize, stride: usize, mut gaussian: impl FnMut() -> f64) -> Conv {
        let mut conv = Conv::zeros(c_in, c_out, stride);
        let sd = (2.0 / (9 * c_in) as f64).sqrt();
        conv.w.mapv_inplace(|_| sd * gaussian());
        conv
    }
}

impl<T: Real> Conv<T> {
    /// The same convolution with every weight rounded to `U`.
    pub fn cast<U: Real>(&self) -> Conv<U> {
        let b = self.b.iter().map(|&v| v.to_real()).collect();
        Conv { c_in: self.c_in, c_out: self.c_out, stride: self.stride, w: self.w.mapv(T::to_real), b }
    }

    /// The output shape for input shape `s`.
    pub fn output(&self, s: Shape) -> Shape {
        Shape { n: s.n, c: self.c_out, h: s.h.div_ceil(self.stride), w: s.w.div_ceil(self.stride) }
    }

    /// `y = conv(x)`, and what the backward pass needs. Image by image:
    /// `W · cols` of one image is already its output in `[c_out][plane]`
    /// order, and one image's columns stay in cache while they are read.
    pub fn forward(&self, x: &[T], s: Shape) -> (Vec<T>, ConvCache<T>) {
        assert_eq!((x.len(), s.c), (s.len(), self.c_in), "input shape");
        let (one, out) = (Shape { n: 1, ..s }, self.output(Shape { n: 1, ..s }));
        let mut data = Vec::with_capacity(out.len() * s.n);
        for image in x.chunks_exact(one.len().max(1)).take(s.n) {
            let y = matmul(self.w.view(), im2col(image, one, self.stride).view());
            let y = y.as_slice().expect("a fresh product is contiguous");
            for (row, &b) in y.chunks_exact(out.plane().max(1)).zip(&self.b) {
                data.extend(row.iter().map(|&v| v + b));
            }
        }
        (data, ConvCache { x: x.to_vec(), input: s })
    }

    /// What [`Conv::forward`] keeps for input `x`, without computing `y`:
    /// for a backward pass whose forward did not keep it.
    pub fn cache(&self, x: &[T], s: Shape) -> ConvCache<T> {
        ConvCache { x: x.to_vec(), input: s }
    }

    /// Given `dy = ∂L/∂y` (in the output's layout): `∂L/∂x`, and the
    /// gradients of `w` and `b` added into `dw`, `db`. Image by image, in
    /// order: `∂W += (cols ∂Yᵀ)ᵀ` (one image's `∂Y` is `c_out × plane`;
    /// transposing it, not `cols`, is the small copy), `∂b += Σ ∂Y`, and
    /// `∂x = col2im(Wᵀ ∂Y)`.
    pub fn backward(&self, cache: &ConvCache<T>, dy: &[T], dw: &mut Array2<T>, db: &mut [T]) -> Vec<T> {
        let s = cache.input;
        let one = Shape { n: 1, ..s };
        let out = self.output(one);
        let wt = self.w.t().as_standard_layout().into_owned();
        let mut dx = Vec::with_capacity(s.len());
        for (image, dy) in cache.x.chunks_exact(one.len().max(1)).zip(dy.chunks_exact(out.len().max(1))).take(s.n) {
            for (db, row) in db.iter_mut().zip(dy.chunks_exact(out.plane().max(1))) {
                *db += row.iter().fold(T::neg_zero(), |s, &v| s + v);
            }
            let dy = ArrayView2::from_shape((self.c_out, out.plane()), dy).expect("c_out × plane");
            let cols = im2col(image, one, self.stride);
            *dw += &matmul(cols.view(), dy.t()).t();
            dx.extend(col2im(matmul(wt.view(), dy).view(), one, self.stride));
        }
        dx
    }
}

/// Calls `run(pixel, row, column, count)` for every run of (input pixel,
/// im2col entry) pairs of a 3 × 3 window with zero padding: the pairs
/// `(pixel + stride·t, (row, column + t))` for `t < count`, where `pixel`
/// indexes the input and `(row, column)` the `9c × (n · h' w')` matrix. A
/// run is one kernel tap along one output row; taps outside the image are
/// left out (they read zero). The fixed order of the loops is the
/// summation order of [`col2im`].
fn for_each_run(s: Shape, stride: usize, mut run: impl FnMut(usize, usize, usize, usize)) {
    let (ho, wo) = (s.h.div_ceil(stride), s.w.div_ceil(stride));
    for img in 0..s.n {
        for c in 0..s.c {
            let base = (img * s.c + c) * s.plane();
            for a in 0..3 {
                for e in 0..3 {
                    let row = 9 * c + 3 * a + e;
                    // Output columns j whose input column stride·j + e − 1 is inside.
                    let first = usize::from(e == 0);
                    let end = (s.w + 1 - e).div_ceil(stride).min(wo);
                    for i in 0..ho {
                        let y = (stride * i + a) as isize - 1;
                        if y < 0 || y >= s.h as isize || first >= end {
                            continue;
                        }
                        let pixel = base + y as usize * s.w + stride * first + e - 1;
                        run(pixel, row, (img * ho + i) * wo + first, end - first);
                    }
                }
            }
        }
    }
}

/// The `9c × (n · h' w')` matrix of the inputs each output pixel reads
/// (zero where the 3 × 3 window leaves the image); see the module docs.
fn im2col<T: Real>(x: &[T], s: Shape, stride: usize) -> Array2<T> {
    if stride == 1 {
        return im2col_same(x, s);
    }
    let columns = s.n * s.h.div_ceil(stride) * s.w.div_ceil(stride);
    let mut cols = vec![T::zero(); 9 * s.c * columns];
    for_each_run(s, stride, |pixel, row, column, count| {
        let dst = &mut cols[row * columns + column..][..count];
        if stride == 1 {
            dst.copy_from_slice(&x[pixel..pixel + count]);
        } else {
            dst.iter_mut().zip(x[pixel..].iter().step_by(stride)).for_each(|(d, &v)| *d = v);
        }
    });
    Array2::from_shape_vec((9 * s.c, columns), cols).expect("9c × columns")
}

/// [`im2col`] for stride 1, by whole planes: row `(c, a, e)` of an image's
/// block is channel `c` shifted by `(a − 1, e − 1)`, so in row-major order
/// entry `p` reads input `p + (a − 1)·w + e − 1`: one contiguous copy,
/// after which the entries whose window left the image (the first or last
/// output row, and the column that wrapped around to the neighbouring row)
/// are set to zero. The same matrix as the tap-by-tap path (tested), in a
/// few long copies instead of one per tap and output row.
fn im2col_same<T: Real>(x: &[T], s: Shape) -> Array2<T> {
    let (plane, w) = (s.plane(), s.w);
    let columns = s.n * plane;
    let mut cols = vec![T::zero(); 9 * s.c * columns];
    for img in 0..s.n {
        for c in 0..s.c {
            let src = &x[(img * s.c + c) * plane..][..plane];
            for a in 0..3 {
                for e in 0..3 {
                    let dst = &mut cols[(9 * c + 3 * a + e) * columns + img * plane..][..plane];
                    // Output rows whose input row i + a − 1 is inside; entry p reads src[p + off − (w + 1)].
                    let rows = usize::from(a == 0)..s.h - usize::from(a == 2);
                    let off = a * w + e;
                    let start = (rows.start * w).max((w + 1).saturating_sub(off));
                    let end = (rows.end * w).min((plane + w + 1).saturating_sub(off));
                    if start < end {
                        dst[start..end].copy_from_slice(&src[start + off - (w + 1)..end + off - (w + 1)]);
                    }
                    for i in rows {
                        match e {
                            0 => dst[i * w] = T::zero(),
                            2 => dst[i * w + w - 1] = T::zero(),
                            _ => {}
                        }
                    }
                }
            }
        }
    }
    Array2::from_shape_vec((9 * s.c, columns), cols).expect("9c × columns")
}

/// The adjoint of [`im2col`]: each column entry added back onto the input
/// pixel it was read from.
fn col2im<T: Real>(dcols: ArrayView2<T>, s: Shape, stride: usize) -> Vec<T> {
    let dcols = dcols.as_standard_layout();
    let columns = dcols.ncols();
    let dcols = dcols.as_slice().expect("standard layout");
    let mut dx = vec![T::zero(); s.len()];
    for_each_run(s, stride, |pixel, row, column, count| {
        let src = &dcols[row * columns + column..][..count];
        if stride == 1 {
            dx[pixel..pixel + count].iter_mut().zip(src).for_each(|(d, &g)| *d += g);
        } else {
            dx[pixel..].iter_mut().step_by(stride).zip(src).for_each(|(d, &g)| *d += g);
        }
    });
    dx
}

/// How a 2 × 2 pool reduces its window.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Pool {
    Average,
    Max,
}

/// 2 × 2 pooling with stride 2 (`h`, `w` even): the output and, for max
/// pooling, the index of each window's largest input (the first on ties).
/// Generic over the float, so the f32 stages of `gpu::cnn` pool with this code.
pub fn pool2<T: num_traits::Float>(x: &[T], s: Shape, pool: Pool) -> (Vec<T>, Vec<usize>, Shape) {
    assert!(s.h.is_multiple_of(2) && s.w.is_multiple_of(2), "2 × 2 pooling needs even sides");
    let out = Shape { h: s.h / 2, w: s.w / 2, ..s };
    let quarter = T::from(0.25).expect("a float");
    let (mut y, mut argmax) = (vec![T::zero(); out.len()], vec![0; out.len()]);
    for plane in 0..s.n * s.c {
        for i in 0..out.h {
            for j in 0..out.w {
                let at = |a: usize, e: usize| plane * s.plane() + (2 * i + a) * s.w + 2 * j + e;
                let window = [at(0, 0), at(0, 1), at(1, 0), at(1, 1)];
                let k = plane * out.plane() + i * out.w + j;
                match pool {
                    Pool::Average => y[k] = (x[window[0]] + x[window[1]] + x[window[2]] + x[window[3]]) * quarter,
                    Pool::Max => {
                        let best = window.into_iter().fold(window[0], |b, p| if x[p] > x[b] { p } else { b });
                        (y[k], argmax[k]) = (x[best], best);
                    }
                }
            }
        }
    }
    (y, argmax, out)
}

/// The backward pass of [`pool2`]: `∂L/∂x` from `dy`.
pub fn pool2_backward<T: num_traits::Float + std::ops::AddAssign>(
    dy: &[T],
    argmax: &[usize],
    s: Shape,
    pool: Pool,
) -> Vec<T> {
    let out = Shape { h: s.h / 2, w: s.w / 2, ..s };
    let quarter = T::from(0.25).expect("a float");
    let mut dx = vec![T::zero(); s.len()];
    for plane in 0..s.n * s.c {
        for i in 0..out.h {
            for j in 0..out.w {
                let k = plane * out.plane() + i * out.w + j;
                match pool {
                    Pool::Average => {
                        for (a, e) in [(0, 0), (0, 1), (1, 0), (1, 1)] {
                            dx[plane * s.plane() + (2 * i + a) * s.w + 2 * j + e] += quarter * dy[k];
                        }
                    }
                    Pool::Max => dx[argmax[k]] += dy[k],
                }
            }
        }
    }
    dx
}

/// The mean of each channel of each image: `n × c`.
pub fn global_average<T: Real>(x: &[T], s: Shape) -> Array2<T> {
    Array2::from_shape_fn((s.n, s.c), |(img, c)| {
        let base = (img * s.c + c) * s.plane();
        x[base..base + s.plane()].iter().fold(T::neg_zero(), |s, &v| s + v) / T::of(s.plane() as f64)
    })
}

/// The backward pass of [`global_average`].
pub fn global_average_backward<T: Real>(dy: ArrayView2<T>, s: Shape) -> Vec<T> {
    let mut dx = vec![T::zero(); s.len()];
    for img in 0..s.n {
        for c in 0..s.c {
            let g = dy[(img, c)] / T::of(s.plane() as f64);
            let base = (img * s.c + c) * s.plane();
            dx[base..base + s.plane()].iter_mut().for_each(|v| *v = g);
        }
    }
    dx
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn im2col_by_planes_is_the_tap_by_tap_matrix() {
        for (h, w, c, n) in [(8, 8, 2, 3), (5, 7, 1, 2), (16, 16, 3, 1), (1, 4, 2, 1), (3, 1, 1, 2)] {
            let s = Shape { n, c, h, w };
            let x: Vec<f64> = (0..s.len()).map(|i| 1.0 + (i as f64 * 0.7).sin()).collect();
            let mut taps = Array2::zeros((9 * c, n * h * w));
            let columns = taps.ncols();
            let flat = taps.as_slice_mut().unwrap();
            for_each_run(s, 1, |pixel, row, column, count| {
                flat[row * columns + column..][..count].copy_from_slice(&x[pixel..pixel + count]);
            });
            assert_eq!(im2col_same(&x, s), taps, "{h} × {w}, {c} channels, {n} images");
        }
    }

    /// A small deterministic pseudo-random stream in (−1, 1).
    fn stream(seed: u64) -> impl FnMut() -> f64 {
        let mut state = seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1;
        move || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            (state >> 11) as f64 / (1u64 << 52) as f64 - 1.0
        }
    }

    /// `L = Σ r ⊙ pool(tanh(conv(x)))` for fixed `r`: every unit on the path, a scalar to check.
    fn loss(conv: &Conv, x: &[f64], s: Shape, pool: Pool, r: &[f64]) -> f64 {
        let (y, _) = conv.forward(x, s);
        let t: Vec<f64> = y.iter().map(|v| v.tanh()).collect();
        let (p, _, _) = pool2(&t, conv.output(s), pool);
        p.iter().zip(r).map(|(a, b)| a * b).sum()
    }

    #[test]
    fn gradients_match_central_differences_for_every_parameter_and_the_input() {
        for (stride, pool) in [(1, Pool::Max), (2, Pool::Average), (1, Pool::Average)] {
            let s = Shape { n: 2, c: 2, h: 8, w: 8 };
            let mut rand = stream(stride as u64 + 7);
            let conv = Conv::he(2, 3, stride, &mut rand);
            let conv = Conv { b: vec![0.1, -0.2, 0.05], ..conv };
            let x: Vec<f64> = (0..s.len()).map(|_| rand()).collect();
            let out = conv.output(s);
            let pooled = Shape { h: out.h / 2, w: out.w / 2, ..out };
            let r: Vec<f64> = (0..pooled.len()).map(|_| rand()).collect();
            // Exact gradients: back through pooling, tanh, the convolution.
            let (y, cache) = conv.forward(&x, s);
            let t: Vec<f64> = y.iter().map(|v| v.tanh()).collect();
            let (_, argmax, _) = pool2(&t, out, pool);
            let dt = pool2_backward(&r, &argmax, out, pool);
            let dy: Vec<f64> = dt.iter().zip(&t).map(|(d, t)| d * (1.0 - t * t)).collect();
            let (mut dw, mut db) = (Array2::zeros(conv.w.dim()), vec![0.0; conv.c_out]);
            let dx = conv.backward(&cache, &dy, &mut dw, &mut db);
            let h = 1e-6;
            let check = |fd: f64, exact: f64, what: &str| {
                assert!(
                    (fd - exact).abs() < 1e-7 * (1.0 + fd.abs()),
                    "stride {stride} {pool:?} {what}: {fd} vs {exact}"
                );
            };
            for k in [0, 5, 17, 40, 53] {
                let (o, col) = (k / conv.w.ncols(), k % conv.w.ncols());
                let at = |d: f64| {
                    let mut c = conv.clone();
                    c.w[(o, col)] += d;
                    loss(&c, &x, s, pool, &r)
                };
                check((at(h) - at(-h)) / (2.0 * h), dw[(o, col)], "w");
            }
            for o in 0..conv.c_out {
                let at = |d: f64| {
                    let mut c = conv.clone();
                    c.b[o] += d;
                    loss(&c, &x, s, pool, &r)
                };
                check((at(h) - at(-h)) / (2.0 * h), db[o], "b");
            }
            for i in [0, 9, 63, 64, 100, 255] {
                let at = |d: f64| {
                    let mut x = x.clone();
                    x[i] += d;
                    loss(&conv, &x, s, pool, &r)
                };
                check((at(h) - at(-h)) / (2.0 * h), dx[i], "x");
            }
        }
    }

    #[test]
    fn a_centred_one_hot_kernel_is_the_identity_and_stride_two_subsamples() {
        let s = Shape { n: 1, c: 1, h: 4, w: 4 };
        let x: Vec<f64> = (0..16).map(|v| v as f64).collect();
        let mut conv = Conv::zeros(1, 1, 1);
        conv.w[(0, 4)] = 1.0; // the kernel's centre
        assert_eq!(conv.forward(&x, s).0, x);
        let conv2 = Conv { stride: 2, ..conv.clone() };
        assert_eq!(conv2.forward(&x, s).0, vec![0.0, 2.0, 8.0, 10.0]);
        // Control: the kernel's top-left tap shifts the image down-right, with zeros entering.
        let mut shift = Conv::zeros(1, 1, 1);
        shift.w[(0, 0)] = 1.0;
        let y = shift.forward(&x, s).0;
        assert_eq!(&y[..5], &[0.0, 0.0, 0.0, 0.0, 0.0]);
        assert_eq!(y[5], 0.0);
        assert_eq!(y[15], 10.0);
    }

    #[test]
    fn global_average_and_its_backward() {
        let s = Shape { n: 2, c: 1, h: 2, w: 2 };
        let x = [1.0, 2.0, 3.0, 4.0, 0.0, 0.0, 0.0, 8.0];
        let g = global_average(&x, s);
        assert_eq!(g.as_slice().unwrap(), &[2.5, 2.0]);
        let dx = global_average_backward(ndarray::arr2(&[[4.0], [8.0]]).view(), s);
        assert_eq!(dx, vec![1.0, 1.0, 1.0, 1.0, 2.0, 2.0, 2.0, 2.0]);
    }
}
