//! Differentiable ops on `Var`, one file per family; each forward sits beside its backward.

pub mod conv;
pub mod elementwise;
pub mod index;
pub mod linalg;
pub mod reduce;
pub mod shape;
