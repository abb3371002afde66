//! Which subtasks each generated episode chains, and in what order: like D4RL's kitchen-mixed, every
//! episode does 4 of the 7 subtasks, and the downstream target sequence (microwave → kettle → bottom
//! burner → light switch) never appears as a whole, so a learner must recombine skills to solve it.
use envs::kitchen::KitchenTask;
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng, rngs::StdRng};

/// Subtasks per generated episode.
pub const TASKS_PER_EPISODE: usize = 4;

/// The 4-subtask order of episode `index` of a data set seeded with `seed` (independent of how the
/// episodes are spread over workers). Orders are uniform over the ordered 4-subsets of the 7
/// subtasks, except `excluded`, which is redrawn.
pub fn episode_order(seed: u64, index: u64, excluded: &[KitchenTask]) -> [KitchenTask; TASKS_PER_EPISODE] {
    let mut rng = StdRng::seed_from_u64(mix(seed, index, 0x6f72_6465_7273));
    loop {
        let mut all = KitchenTask::ALL;
        all.shuffle(&mut rng);
        let order: [KitchenTask; TASKS_PER_EPISODE] = std::array::from_fn(|i| all[i]);
        if order[..] != *excluded {
            return order;
        }
    }
}

/// A seed for attempt `attempt` of episode `index` (scripted-agent randomisation and observation noise).
pub fn episode_seed(seed: u64, index: u64, attempt: u64) -> u64 {
    mix(seed, index, 0x7365_6564 ^ attempt.wrapping_mul(0x9e37_79b9_7f4a_7c15))
}

/// SplitMix64-style mixing of three words into one seed.
fn mix(a: u64, b: u64, c: u64) -> u64 {
    let mut z = a ^ b.wrapping_mul(0xbf58_476d_1ce4_e5b9) ^ c.rotate_left(17);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    let mut rng = StdRng::seed_from_u64(z ^ (z >> 31));
    rng.random()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn orders_are_deterministic_distinct_and_never_the_target() {
        let target = KitchenTask::MIXED;
        let mut seen = std::collections::HashSet::new();
        for i in 0..2000 {
            let o = episode_order(7, i, &target);
            assert_eq!(o, episode_order(7, i, &target));
            assert_ne!(o, target);
            for (k, t) in o.iter().enumerate() {
                assert!(!o[..k].contains(t), "{o:?} repeats a task");
            }
            seen.insert(o);
        }
        // 7·6·5·4 = 840 ordered subsets; 2000 draws cover most of them.
        assert!(seen.len() > 700, "{} distinct orders", seen.len());
        // Every subtask is used, about 4/7 of the time.
        for t in KitchenTask::ALL {
            let n = (0..2000).filter(|&i| episode_order(7, i, &target).contains(&t)).count();
            assert!((1000..1300).contains(&n), "{t:?} in {n} of 2000 episodes");
        }
        assert_ne!(episode_seed(1, 2, 0), episode_seed(1, 2, 1));
        assert_ne!(episode_seed(1, 2, 0), episode_seed(1, 3, 0));
    }
}
