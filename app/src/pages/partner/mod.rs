//! Partner area: registration and the partner's own organisation.

pub mod profile;
pub mod signup;
