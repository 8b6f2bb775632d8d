//! Simple shapes rasterised on a small square grid, in grey or in colour:
//! the images of the transfer lab and of the noise lab's titration study.
//!
//! A shape is a region of the plane in units of its radius, centred at the
//! origin ([`inside`]); [`coverage`] draws it at a centre, radius and
//! rotation as the fraction of each pixel it covers, from 3 × 3 samples per
//! pixel (the samples are added in a fixed order: the same bits everywhere).

/// The shapes, by index.
pub const NAMES: [&str; 12] =
    ["disk", "square", "triangle", "ring", "plus", "diamond", "bar —", "bar |", "cross", "L", "T", "frame"];

/// Whether `(u, v)` (in units of the radius, centred) is inside shape `s`.
pub fn inside(s: usize, u: f64, v: f64) -> bool {
    let (au, av) = (u.abs(), v.abs());
    let r = (u * u + v * v).sqrt();
    match s {
        0 => r <= 1.0,
        1 => au.max(av) <= 0.8,
        2 => (-0.8..=0.8).contains(&v) && au <= 0.5 * (v + 0.8) * 0.9,
        3 => (0.55..=1.0).contains(&r),
        4 => au.max(av) <= 1.0 && au.min(av) <= 0.3,
        5 => au + av <= 1.0,
        6 => av <= 0.35 && au <= 1.0,
        7 => au <= 0.35 && av <= 1.0,
        8 => au.max(av) <= 0.9 && (au - av).abs() <= 0.3,
        9 => (-0.9..=-0.4).contains(&u) && av <= 0.9 || (0.4..=0.9).contains(&v) && au <= 0.9,
        10 => (-0.9..=-0.45).contains(&v) && au <= 0.9 || au <= 0.25 && av <= 0.9,
        11 => au.max(av) <= 0.9 && au.max(av) >= 0.55,
        _ => panic!("there are {} shapes", NAMES.len()),
    }
}

/// Where a shape is drawn: centre `(cx, cy)` in pixels (pixel `i` of a row
/// covers `[i − ½, i + ½]`), radius in pixels, rotation in radians.
#[derive(Clone, Copy, Debug)]
pub struct Placement {
    pub cx: f64,
    pub cy: f64,
    pub radius: f64,
    pub angle: f64,
}

/// The fraction of each pixel of a `side × side` image (row-major) that
/// `shape` covers at `place`. An angle of exactly 0 skips the rotation.
pub fn coverage(shape: usize, side: usize, place: Placement) -> Vec<f64> {
    let (s, c) = libm::sincos(place.angle);
    let mut out = vec![0.0; side * side];
    for (i, px) in out.iter_mut().enumerate() {
        let (x, y) = ((i % side) as f64, (i / side) as f64);
        for a in 0..3 {
            for b in 0..3 {
                let (sx, sy) = (x - 0.5 + (a as f64 + 0.5) / 3.0, y - 0.5 + (b as f64 + 0.5) / 3.0);
                let (u, v) = ((sx - place.cx) / place.radius, (sy - place.cy) / place.radius);
                let (u, v) = if place.angle == 0.0 { (u, v) } else { (c * u + s * v, c * v - s * u) };
                if inside(shape, u, v) {
                    *px += 1.0 / 9.0;
                }
            }
        }
    }
    out
}

/// Where [`scene`] and [`scene_rgb`] put a shape: centred within ±1.5 px
/// (for `side` = 16; every length scales with `side / 16`), radius 4 to 6
/// px, any rotation; four draws from `rng`, in that order.
fn placement(side: usize, rng: &mut impl rand::Rng) -> Placement {
    let scale = side as f64 / 16.0;
    let centre = (side as f64 - 1.0) / 2.0;
    Placement {
        cx: centre + rng.random_range(-1.5 * scale..1.5 * scale),
        cy: centre + rng.random_range(-1.5 * scale..1.5 * scale),
        radius: rng.random_range(4.0 * scale..6.0 * scale),
        angle: rng.random_range(0.0..std::f64::consts::TAU),
    }
}

/// One image of `shape` on a `side × side` grid as the image labs draw it:
/// placed by [`placement`], contrast 0.5 to 1 over a background 0 to 0.2,
/// pixel noise of standard deviation 0.03, clamped to [0, 1]; all drawn
/// from `rng` in that order.
pub fn scene(shape: usize, side: usize, rng: &mut impl rand::Rng) -> Vec<f64> {
    let place = placement(side, rng);
    let contrast = rng.random_range(0.5..1.0);
    let background = rng.random_range(0.0..0.2);
    coverage(shape, side, place)
        .into_iter()
        .map(|c| (background + contrast * c + 0.03 * crate::num::rng::gaussian(rng)).clamp(0.0, 1.0))
        .collect()
}

/// The fully saturated colour of hue `h` ∈ [0, 1) at value 1 (HSV with
/// s = v = 1): red at 0, green at ⅓, blue at ⅔; one channel is always 1
/// and one 0.
pub fn hue(h: f64) -> [f64; 3] {
    [5.0, 3.0, 1.0].map(|n: f64| {
        let k = (n + 6.0 * h) % 6.0;
        1.0 - k.min(4.0 - k).clamp(0.0, 1.0)
    })
}

/// [`scene`] in colour: three channels, channel-major (`3 × side²`). The
/// shape has a random hue at brightness 0.5 to 1 (the grey scene's
/// contrast), over a background whose channels are each 0 to 0.2; noise of
/// standard deviation 0.03 in every channel. Drawn from `rng` in that order
/// (placement, contrast, hue, the background's red, green and blue, then
/// the noise channel by channel).
pub fn scene_rgb(shape: usize, side: usize, rng: &mut impl rand::Rng) -> Vec<f64> {
    let place = placement(side, rng);
    let contrast = rng.random_range(0.5..1.0);
    let colour = hue(rng.random_range(0.0..1.0));
    let background: [f64; 3] = std::array::from_fn(|_| rng.random_range(0.0..0.2));
    let cover = coverage(shape, side, place);
    (0..3)
        .flat_map(|ch| cover.iter().map(move |&c| (ch, c)))
        .map(|(ch, c)| {
            (background[ch] + contrast * colour[ch] * c + 0.03 * crate::num::rng::gaussian(rng)).clamp(0.0, 1.0)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_shape_covers_a_fair_part_of_the_image_at_any_angle() {
        for shape in 0..NAMES.len() {
            for angle in [0.0, 0.7, 2.0] {
                let img = coverage(shape, 16, Placement { cx: 7.5, cy: 7.5, radius: 5.0, angle });
                let ink = img.iter().filter(|&&v| v > 0.5).count() as f64 / 256.0;
                assert!((0.05..0.6).contains(&ink), "{} at {angle}: {ink}", NAMES[shape]);
            }
        }
    }

    /// The colour scene draws the grey scene's shape: its brightest channel
    /// per pixel follows the coverage as the grey image does, and its
    /// channels differ (control: the grey scene's one channel).
    #[test]
    fn the_colour_scene_is_the_shape_in_a_hue() {
        use rand::SeedableRng;
        assert_eq!(hue(0.0), [1.0, 0.0, 0.0]);
        assert_eq!(hue(1.0 / 3.0), [0.0, 1.0, 0.0]);
        assert_eq!(hue(0.5), [0.0, 1.0, 1.0]);
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(3);
        let rgb = scene_rgb(0, 16, &mut rng);
        assert_eq!(rgb.len(), 3 * 256);
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(3);
        let place = placement(16, &mut rng);
        let cover = coverage(0, 16, place);
        let bright: Vec<f64> = (0..256).map(|p| (0..3).map(|c| rgb[c * 256 + p]).fold(0.0, f64::max)).collect();
        let inside: Vec<f64> = (0..256).filter(|&p| cover[p] > 0.99).map(|p| bright[p]).collect();
        let outside: Vec<f64> = (0..256).filter(|&p| cover[p] < 0.01).map(|p| bright[p]).collect();
        let mean = |v: &[f64]| v.iter().sum::<f64>() / v.len() as f64;
        assert!(mean(&inside) > mean(&outside) + 0.3, "{} {}", mean(&inside), mean(&outside));
        let spread: f64 = (0..256).map(|p| (rgb[p] - rgb[256 + p]).abs() + (rgb[256 + p] - rgb[512 + p]).abs()).sum();
        assert!(spread > 20.0, "the channels differ: {spread}");
    }

    #[test]
    fn a_quarter_turn_of_a_bar_is_the_other_bar() {
        let place = Placement { cx: 7.5, cy: 7.5, radius: 5.0, angle: 0.0 };
        let turned = coverage(6, 16, Placement { angle: std::f64::consts::FRAC_PI_2, ..place });
        let other = coverage(7, 16, place);
        let diff: f64 = turned.iter().zip(&other).map(|(a, b)| (a - b).abs()).sum();
        assert!(diff < 1.0, "{diff}");
        let same: f64 = coverage(6, 16, place).iter().zip(&other).map(|(a, b)| (a - b).abs()).sum();
        assert!(same > 10.0, "control: the bars differ unturned ({same})");
    }
}
