//! Online RL (upstream `extract/rl/`), mirroring its folders:
//!
//! ```text
//! components/replay_buffer.rs UniformReplayBuffer (replay_buffer.py): ring buffer, uniform sampling
//! components/obs_store.rs     compact observation storage (f32 state, u8 image part)
//! components/replay_state.rs  replay state dict and its own compact file
//! ```

pub mod components;
