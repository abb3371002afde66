//! Reward bookkeeping of the kitchen subtasks on hand-made 30-d `qpos` vectors (no MuJoCo): D4RL's
//! indices, goals and threshold, and EXTRACT's enforced order.
use envs::kitchen::{BONUS_THRESH, KitchenTask, TaskProgress, goal_vector};

/// A `qpos` with every subtask far from its goal (zeros are > 0.3 away for all seven).
fn undone() -> [f64; 30] {
    [0.0; 30]
}

fn with_done(tasks: &[KitchenTask]) -> [f64; 30] {
    let mut q = undone();
    for t in tasks {
        q[t.indices()].copy_from_slice(t.goal());
    }
    q
}

#[test]
fn zero_state_completes_nothing() {
    for t in KitchenTask::ALL {
        assert!(!t.is_done(&undone()), "{t}");
    }
}

#[test]
fn threshold_is_strict_l2() {
    let t = KitchenTask::BottomBurner;
    let mut q = with_done(&[t]);
    q[11] += 0.2;
    q[12] += 0.2; // distance 0.283 < 0.3
    assert!(t.is_done(&q));
    q[12] += 0.05; // sqrt(0.2^2 + 0.25^2) = 0.32
    assert!(!t.is_done(&q));
    let mut q = with_done(&[KitchenTask::Microwave]);
    q[22] += BONUS_THRESH; // exactly at the threshold: not done
    assert!(!KitchenTask::Microwave.is_done(&q));
}

#[test]
fn names_round_trip() {
    for t in KitchenTask::ALL {
        assert_eq!(t.name().parse::<KitchenTask>().unwrap(), t);
        assert_eq!(t.name().replace(' ', "_").parse::<KitchenTask>().unwrap(), t);
    }
    let err = "oven".parse::<KitchenTask>().unwrap_err();
    assert!(err.to_string().contains("unknown kitchen task \"oven\""), "{err}");
}

#[test]
fn goal_vector_places_goals_at_indices() {
    let g = goal_vector(&KitchenTask::MIXED);
    let nonzero: Vec<usize> = (0..30).filter(|i| g[*i] != 0.0).collect();
    // kettle's two zero quaternion entries (27, 28) stay zero.
    assert_eq!(nonzero, vec![11, 12, 17, 18, 22, 23, 24, 25, 26, 29]);
    assert_eq!((g[22], g[17], g[29]), (-0.75, -0.69, -0.06));
}

#[test]
fn enforced_order_credits_only_the_done_prefix() {
    let mut p = TaskProgress::new(&KitchenTask::MIXED, true);
    // bottom burner done first: not credited (microwave, kettle still open).
    assert!(p.update(&with_done(&[KitchenTask::BottomBurner])).is_empty());
    // microwave now too: microwave credited; bottom burner still waits for the kettle.
    let q = with_done(&[KitchenTask::BottomBurner, KitchenTask::Microwave]);
    assert_eq!(p.update(&q), vec![KitchenTask::Microwave]);
    assert_eq!(p.remaining(), &[KitchenTask::Kettle, KitchenTask::BottomBurner, KitchenTask::LightSwitch]);
    // kettle done: kettle and the already-done bottom burner are credited in the same step.
    let q = with_done(&[KitchenTask::BottomBurner, KitchenTask::Microwave, KitchenTask::Kettle]);
    assert_eq!(p.update(&q), vec![KitchenTask::Kettle, KitchenTask::BottomBurner]);
    // credited tasks are never taken back, even if the microwave closes again.
    assert_eq!(p.update(&with_done(&[KitchenTask::LightSwitch])), vec![KitchenTask::LightSwitch]);
    assert!(p.all_done());
    assert_eq!(
        p.completed(),
        &[KitchenTask::Microwave, KitchenTask::Kettle, KitchenTask::BottomBurner, KitchenTask::LightSwitch]
    );
}

#[test]
fn without_order_any_done_task_is_credited_once() {
    let mut p = TaskProgress::new(&KitchenTask::MIXED, false);
    let q = with_done(&[KitchenTask::BottomBurner, KitchenTask::LightSwitch]);
    assert_eq!(p.update(&q), vec![KitchenTask::BottomBurner, KitchenTask::LightSwitch]);
    assert!(p.update(&q).is_empty());
    assert_eq!(p.remaining(), &[KitchenTask::Microwave, KitchenTask::Kettle]);
}

#[test]
fn tasks_outside_the_list_earn_nothing() {
    let mut p = TaskProgress::new(&[KitchenTask::SlideCabinet], true);
    assert!(p.update(&with_done(&[KitchenTask::HingeCabinet, KitchenTask::TopBurner])).is_empty());
    assert_eq!(p.update(&with_done(&[KitchenTask::SlideCabinet])), vec![KitchenTask::SlideCabinet]);
    assert!(p.all_done());
}
