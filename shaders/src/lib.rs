//! `shaders`: the WGSL kernel files of the GPU backend and an `include_str!` table over them.
//!
//! Empty for now. The GPU backend (wgpu, one WGSL file per kernel family, validated by naga in
//! a plain `cargo test`) is its own piece of work; until it lands, every tensor runs on the CPU
//! backend and nothing in the workspace claims otherwise.
