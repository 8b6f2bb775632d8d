//! Simple grey shapes rasterised on a small square grid: the images of the
//! transfer lab and of the noise lab's titration study.
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

/// One image of `shape` on a `side × side` grid as the image labs draw it:
/// centred within ±1.5 px (for `side` = 16; every length scales with
/// `side / 16`), radius 4 to 6 px, any rotation, contrast 0.5 to 1 over a
/// background 0 to 0.2, pixel noise of standard deviation 0.03, clamped to
/// [0, 1]; all drawn from `rng` in that order.
pub fn scene(shape: usize, side: usize, rng: &mut impl rand::Rng) -> Vec<f64> {
    let scale = side as f64 / 16.0;
    let centre = (side as f64 - 1.0) / 2.0;
    let place = Placement {
        cx: centre + rng.random_range(-1.5 * scale..1.5 * scale),
        cy: centre + rng.random_range(-1.5 * scale..1.5 * scale),
        radius: rng.random_range(4.0 * scale..6.0 * scale),
        angle: rng.random_range(0.0..std::f64::consts::TAU),
    };
    let contrast = rng.random_range(0.5..1.0);
    let background = rng.random_range(0.0..0.2);
    coverage(shape, side, place)
        .into_iter()
        .map(|c| (background + contrast * c + 0.03 * crate::num::rng::gaussian(rng)).clamp(0.0, 1.0))
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
