//! Policies (upstream `rl/policies/`): the tanh-squashed Gaussian MLP policy of flat SAC, and the
//! prior-initialised skill policies of SPiRL and EXTRACT.

mod hybrid_policy;
mod mlp_policy;
mod prior_policy;

pub use hybrid_policy::{HybridPolicy, HybridPolicyOutput, PriorEval, categorical_with_uniform};
pub use mlp_policy::{MlpPolicy, PolicyOutput};
pub use prior_policy::{PriorPolicy, mc_divergence};
