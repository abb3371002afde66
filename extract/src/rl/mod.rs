//! Online RL (upstream `extract/rl/`), mirroring its folders:
//!
//! ```text
//! agents/sac.rs               SACAgent (ac_agent.py): flat SAC, twin critics, auto-tuned temperature
//! agents/sac_config.rs        its hyperparameters (defaults = upstream's) and per-update metrics
//! agents/sac_loop.rs          flat SAC as a SkillAgent: `extract rl` runs it on the hierarchical loop
//! agents/skill_agent.rs       SkillAgent: what the hierarchical loop needs of an HL agent; ObsView
//! agents/prior_sac.rs         ActionPriorSACAgent (prior_sac_agent.py): SPiRL's skill-space SAC
//! agents/prior_sac_config.rs  its hyperparameters (defaults = upstream kitchen SPiRL)
//! agents/hybrid_sac.rs        HybridSkillSpaceActionPriorSACAgent (hybrid_skill_space_agent.py): EXTRACT
//! agents/hybrid_sac_config.rs its hyperparameters (defaults = upstream kitchen EXTRACT)
//! agents/hl_common.rs         shared by both: temperature step, twin-critic losses, state dicts
//! components/replay_buffer.rs UniformReplayBuffer (replay_buffer.py): ring buffer, uniform sampling
//! components/obs_store.rs     compact observation storage (f32 state, u8 image part)
//! components/replay_state.rs  replay state dict and its own compact file
//! components/critic.rs        MLPCritic (critic.py), target-network copy and Polyak updates
//! components/conv_critic.rs   ConvCritic (critic.py): HybridConvMLPEncoder on (frames, vector)
//! components/skill_critic.rs  SkillCritic: the HL critics, MLP on [state, action] or ConvCritic
//! policies/mlp_policy.rs      MLPPolicy (mlp_policies.py) with the tanh squash (policy.py)
//! policies/prior_policy.rs    PriorInitializedPolicy + LearnedPriorAugmentedPolicy (prior_policies.py)
//! policies/hybrid_policy.rs   HybridLearnedPriorAugmentedPIPolicy (hybrid_policies.py)
//! train.rs                    a single-env loop for flat SAC on Gymnasium-style envs (the Pendulum check)
//! hierarchy/                  skill-based RL: frozen decoders, observations, sampler, loop, videos
//! runner/                     `extract rl`: config file -> env, skill model, agent, run folder
//! parallel/                   several env workers: threads of one process or MPI ranks
//! ```

pub mod agents;
pub mod components;
pub mod hierarchy;
pub mod parallel;
pub mod policies;
pub mod runner;
pub mod train;
