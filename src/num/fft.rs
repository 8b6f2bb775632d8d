//! The fast Fourier transform of a power-of-two length, ours: the same bits
//! natively and in wasm.
//!
//! `X_k = Σ_j x_j e^{∓2πi jk/n}` (− forward, + inverse; unnormalized), by
//! iterative radix-2 Cooley–Tukey: the input in bit-reversed order, then
//! log₂ n passes of butterflies `(a, b) → (a + w b, a − w b)` over spans of
//! 2, 4, …, n, the twiddle `w` read from one table of `n / 2` entries.
//!
//! Why not a library's: the twiddles `e^{−2πik/n}` come from `cos` and
//! `sin`, and the platform's (glibc natively) and the one wasm links
//! differ in the last bit for some angles (for n = 32, k = 11 among them),
//! so rustfft gave the flow lab's page other last bits than `continuum run`.
//! Here every twiddle comes from `libm`, which is the same Rust code on
//! every target, and the passes run in a fixed order.

use num_complex::Complex64;

/// A transform of one length and direction, with its twiddles.
pub struct Fft {
    n: usize,
    /// `e^{∓2πik/n}` for k < n / 2.
    twiddles: Vec<Complex64>,
}

impl Fft {
    /// The forward (`inverse = false`) or inverse transform of length `n`, a
    /// power of two.
    pub fn new(n: usize, inverse: bool) -> Fft {
        assert!(n.is_power_of_two(), "FFT length {n} must be a power of two");
        let sign = if inverse { 1.0 } else { -1.0 };
        let twiddles = (0..n / 2)
            .map(|k| {
                let angle = 2.0 * std::f64::consts::PI * k as f64 / n as f64;
                Complex64::new(libm::cos(angle), sign * libm::sin(angle))
            })
            .collect();
        Fft { n, twiddles }
    }

    /// Transforms every consecutive run of `n` values of `data` in place.
    pub fn process(&self, data: &mut [Complex64]) {
        assert_eq!(data.len() % self.n.max(1), 0, "data is a whole number of transforms");
        for x in data.chunks_exact_mut(self.n.max(1)) {
            self.one(x);
        }
    }

    fn one(&self, x: &mut [Complex64]) {
        let n = self.n;
        if n < 2 {
            return;
        }
        let bits = n.trailing_zeros();
        for i in 0..n {
            let j = i.reverse_bits() >> (usize::BITS - bits);
            if i < j {
                x.swap(i, j);
            }
        }
        let mut span = 2;
        while span <= n {
            let (half, stride) = (span / 2, n / span);
            for block in x.chunks_exact_mut(span) {
                let (lo, hi) = block.split_at_mut(half);
                for (j, (a, b)) in lo.iter_mut().zip(hi.iter_mut()).enumerate() {
                    let t = self.twiddles[j * stride] * *b;
                    *b = *a - t;
                    *a += t;
                }
            }
            span *= 2;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Against the definition (a direct sum, in f64), forward and inverse,
    /// for every length the flow lab uses and the small ones; inverse after
    /// forward gives n times the signal. Control: a shifted signal has
    /// another transform.
    #[test]
    fn the_transform_is_the_dft() {
        for n in [1usize, 2, 4, 8, 16, 32, 64, 128, 256, 512] {
            let signal: Vec<Complex64> =
                (0..n).map(|i| Complex64::new(libm::sin(0.37 * (i * i) as f64), libm::cos(1.3 * i as f64))).collect();
            for inverse in [false, true] {
                let mut ours = signal.clone();
                Fft::new(n, inverse).process(&mut ours);
                let sign = if inverse { 1.0 } else { -1.0 };
                for (k, got) in ours.iter().enumerate() {
                    let want: Complex64 = signal
                        .iter()
                        .enumerate()
                        .map(|(j, x)| {
                            let angle = sign * 2.0 * std::f64::consts::PI * ((j * k) % n) as f64 / n as f64;
                            x * Complex64::new(libm::cos(angle), libm::sin(angle))
                        })
                        .sum();
                    assert!((got - want).norm() < 1e-9 * n as f64, "n = {n}, k = {k}: {got} against {want}");
                }
            }
            let mut round = signal.clone();
            Fft::new(n, false).process(&mut round);
            Fft::new(n, true).process(&mut round);
            assert!(round.iter().zip(&signal).all(|(r, s)| (r / n as f64 - s).norm() < 1e-12));
            if n > 1 {
                let mut shifted: Vec<Complex64> = signal.iter().cycle().skip(1).take(n).copied().collect();
                let mut plain = signal.clone();
                Fft::new(n, false).process(&mut shifted);
                Fft::new(n, false).process(&mut plain);
                assert!(shifted.iter().zip(&plain).any(|(a, b)| (a - b).norm() > 1e-6));
            }
        }
    }
}
