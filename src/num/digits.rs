//! The UCI optical recognition of handwritten digits (Alpaydin & Kaynak,
//! 1998; the copy scikit-learn ships as `load_digits`): 1,797 images of
//! 8 × 8 pixels, each pixel the count of "on" pixels in a 4 × 4 block of a
//! 32 × 32 scan, so an integer 0 ..= 16; labels 0 ..= 9. Licensed CC BY 4.0:
//! <https://archive.ics.uci.edu/dataset/80/optical+recognition+of+handwritten+digits>.
//!
//! **Stored** in `data/digits.bin` beside this file: for each image in the
//! original order, its 64 pixels row by row then its label, one byte each
//! (116,805 bytes; about 46 KB gzipped, as the page's server sends it). It
//! is built into the core, so the page and the CLI read the same bytes.
//! Made from scikit-learn 1.9.1's `sklearn/datasets/data/digits.csv.gz`
//! (SHA-256 `09f66e6d…23aa22`); the test below checks the stored bytes.

/// Images in the set.
pub const COUNT: usize = 1797;
/// Pixels per side; values are 0 ..= [`MAX`].
pub const SIDE: usize = 8;
pub const MAX: u8 = 16;
pub const CLASSES: usize = 10;

static BYTES: &[u8] = include_bytes!("data/digits.bin");

/// Image `i`'s 64 pixels (row by row, 0 ..= 16) and its label.
pub fn image(i: usize) -> (&'static [u8], u8) {
    let row = &BYTES[i * (SIDE * SIDE + 1)..(i + 1) * (SIDE * SIDE + 1)];
    (&row[..SIDE * SIDE], row[SIDE * SIDE])
}

/// Every image as pixels scaled to [0, 1] (`COUNT × 64`, row-major) and the labels.
pub fn all() -> (Vec<f64>, Vec<usize>) {
    let mut x = Vec::with_capacity(COUNT * SIDE * SIDE);
    let mut y = Vec::with_capacity(COUNT);
    for i in 0..COUNT {
        let (pixels, label) = image(i);
        x.extend(pixels.iter().map(|&p| p as f64 / MAX as f64));
        y.push(label as usize);
    }
    (x, y)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// FNV-1a, 64 bits: enough to notice any change to the stored bytes.
    fn fnv1a(bytes: &[u8]) -> u64 {
        bytes.iter().fold(0xcbf2_9ce4_8422_2325, |h, &b| (h ^ b as u64).wrapping_mul(0x0100_0000_01b3))
    }

    #[test]
    fn the_stored_digits_are_the_published_set() {
        assert_eq!(BYTES.len(), COUNT * (SIDE * SIDE + 1));
        assert_eq!(fnv1a(BYTES), 0x7768_69cc_e379_5967, "data/digits.bin changed");
        let mut per_class = [0; CLASSES];
        for i in 0..COUNT {
            let (pixels, label) = image(i);
            assert!(pixels.iter().all(|&p| p <= MAX) && (label as usize) < CLASSES);
            per_class[label as usize] += 1;
        }
        // As scikit-learn's `load_digits` describes it: 174 to 183 per class.
        assert_eq!(per_class, [178, 182, 177, 183, 181, 182, 181, 179, 174, 180]);
        // The first image is a 0 (its well-known first row).
        assert_eq!(image(0).0[..8], [0, 0, 5, 13, 9, 1, 0, 0]);
        assert_eq!(image(0).1, 0);
    }
}
