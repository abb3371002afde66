//! Policies (upstream `rl/policies/`): the tanh-squashed Gaussian MLP policy of flat SAC.

mod mlp_policy;

pub use mlp_policy::{MlpPolicy, PolicyOutput};
