//! The classifiers' loss, shared by the dense model on points and the
//! convolutional model on images.

use ndarray::Array2;

use super::rk::Blowup;

/// The mean cross-entropy of softmax(`z`) against labels `y`, and its
/// gradient `∂L/∂z = (softmax(z) − onehot(y)) / n`; a loss that is not
/// finite is a blow-up. `exp` and `log` are the `libm` crate's (plain Rust,
/// the same bits on every target), not the platform's, so the page and the
/// CLI train the same model.
pub fn softmax_cross_entropy(z: Array2<f64>, y: &[usize]) -> Result<(f64, Array2<f64>), Blowup> {
    let n = y.len() as f64;
    let mut loss = 0.0;
    let mut gz = z;
    for (mut row, &label) in gz.rows_mut().into_iter().zip(y) {
        let max = row.fold(f64::NEG_INFINITY, |m, &v| m.max(v));
        row.mapv_inplace(|v| libm::exp(v - max));
        let sum = row.iter().sum::<f64>();
        loss -= libm::log(row[label] / sum);
        row.mapv_inplace(|v| v / sum / n);
        row[label] -= 1.0 / n;
    }
    loss /= n;
    if !loss.is_finite() {
        return Err(Blowup { quantity: "the training loss".into() });
    }
    Ok((loss, gz))
}
