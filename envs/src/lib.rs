//! `envs`: environments in the Gymnasium shape (the only crate that will link MuJoCo).
//!
//! Empty for now. Franka Kitchen on MuJoCo, offscreen rendering, scripted demonstrations and
//! Pendulum arrive with the kitchen work; nothing here pretends to exist before then.
