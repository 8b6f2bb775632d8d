//! The frictionless pendulum θ'' = −G sin θ, the test system of two labs
//! (the depth lab's learned-dynamics study and the Koopman lab's data).

/// Gravitational acceleration in the pendulum's equation, as in both
/// reference codes.
pub const G: f64 = 9.81;
