//! Online RL (upstream `extract/rl/`), mirroring its folders:
//!
//! ```text
//! agents/sac.rs               SACAgent (ac_agent.py): flat SAC, twin critics, auto-tuned temperature
//! agents/sac_config.rs        its hyperparameters (defaults = upstream's) and per-update metrics
//! components/replay_buffer.rs UniformReplayBuffer (replay_buffer.py): ring buffer, uniform sampling
//! components/obs_store.rs     compact observation storage (f32 state, u8 image part)
//! components/replay_state.rs  replay state dict and its own compact file
//! components/critic.rs        MLPCritic (critic.py), target-network copy and Polyak updates
//! policies/mlp_policy.rs      MLPPolicy (mlp_policies.py) with the tanh squash (policy.py)
//! train.rs                    the training loop of train.py for Gymnasium-style envs (flat agents)
//! ```

pub mod agents;
pub mod components;
pub mod hierarchy;
pub mod policies;
pub mod train;
