//! Skill-learning data: the SPiRL sequence data set, EXTRACT's cluster-segment data set, image
//! preparation (128 -> 64 resize, [-1, 1] scaling, frame stacks) and a background batch loader.

mod batch;

pub use batch::Batch;
