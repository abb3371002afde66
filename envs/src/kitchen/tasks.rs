//! The seven kitchen subtasks (D4RL's `OBS_ELEMENT_INDICES` / `OBS_ELEMENT_GOALS`) and the bookkeeping
//! of one episode's reward: which tasks remain, in order, and which were completed this step.
//!
//! Pure Rust on the 30-d `qpos` observation, so the reward semantics are tested without MuJoCo.
use std::fmt;
use std::str::FromStr;

use crate::EnvError;

/// A subtask counts as done when the L2 distance between its `qpos` elements and its goal is below this
/// (D4RL's `BONUS_THRESH`).
pub const BONUS_THRESH: f64 = 0.3;

/// One of the seven kitchen subtasks.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum KitchenTask {
    BottomBurner,
    TopBurner,
    LightSwitch,
    SlideCabinet,
    HingeCabinet,
    Microwave,
    Kettle,
}

impl KitchenTask {
    /// All seven, in D4RL's `ALL_TASKS` order.
    pub const ALL: [KitchenTask; 7] = [
        KitchenTask::BottomBurner,
        KitchenTask::TopBurner,
        KitchenTask::LightSwitch,
        KitchenTask::SlideCabinet,
        KitchenTask::HingeCabinet,
        KitchenTask::Microwave,
        KitchenTask::Kettle,
    ];

    /// SPiRL/EXTRACT's downstream task (`kitchen-mixed-v0`): microwave → kettle → bottom burner → light.
    pub const MIXED: [KitchenTask; 4] =
        [KitchenTask::Microwave, KitchenTask::Kettle, KitchenTask::BottomBurner, KitchenTask::LightSwitch];

    /// D4RL's name (`'bottom burner'`, …), used in configs and logs.
    pub fn name(self) -> &'static str {
        match self {
            KitchenTask::BottomBurner => "bottom burner",
            KitchenTask::TopBurner => "top burner",
            KitchenTask::LightSwitch => "light switch",
            KitchenTask::SlideCabinet => "slide cabinet",
            KitchenTask::HingeCabinet => "hinge cabinet",
            KitchenTask::Microwave => "microwave",
            KitchenTask::Kettle => "kettle",
        }
    }

    /// The `qpos` indices (0..30) this task is judged on.
    pub fn indices(self) -> std::ops::Range<usize> {
        match self {
            KitchenTask::BottomBurner => 11..13,
            KitchenTask::TopBurner => 15..17,
            KitchenTask::LightSwitch => 17..19,
            KitchenTask::SlideCabinet => 19..20,
            KitchenTask::HingeCabinet => 20..22,
            KitchenTask::Microwave => 22..23,
            KitchenTask::Kettle => 23..30,
        }
    }

    /// The goal values at `indices()`.
    pub fn goal(self) -> &'static [f64] {
        match self {
            KitchenTask::BottomBurner => &[-0.88, -0.01],
            KitchenTask::TopBurner => &[-0.92, -0.01],
            KitchenTask::LightSwitch => &[-0.69, -0.05],
            KitchenTask::SlideCabinet => &[0.37],
            KitchenTask::HingeCabinet => &[0.0, 1.45],
            KitchenTask::Microwave => &[-0.75],
            KitchenTask::Kettle => &[-0.23, 0.75, 1.62, 0.99, 0.0, 0.0, -0.06],
        }
    }

    /// L2 distance between `qpos[indices()]` and `goal()`.
    pub fn distance(self, qpos: &[f64]) -> f64 {
        qpos[self.indices()].iter().zip(self.goal()).map(|(q, g)| (q - g) * (q - g)).sum::<f64>().sqrt()
    }

    /// True when `distance(qpos) < BONUS_THRESH`.
    pub fn is_done(self, qpos: &[f64]) -> bool {
        self.distance(qpos) < BONUS_THRESH
    }
}

impl fmt::Display for KitchenTask {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for KitchenTask {
    type Err = EnvError;

    /// Accepts D4RL's names (`"bottom burner"`) and the snake-case form (`"bottom_burner"`).
    fn from_str(s: &str) -> Result<Self, EnvError> {
        let wanted = s.trim().replace('_', " ");
        KitchenTask::ALL.into_iter().find(|t| t.name() == wanted).ok_or_else(|| {
            let names: Vec<_> = KitchenTask::ALL.iter().map(|t| t.name()).collect();
            EnvError::Config(format!("unknown kitchen task {s:?}; expected one of {names:?}"))
        })
    }
}

/// The 30-d goal vector of D4RL's observation: zeros except each task's goal at its indices.
pub fn goal_vector(tasks: &[KitchenTask]) -> [f64; 30] {
    let mut goal = [0.0; 30];
    for task in tasks {
        goal[task.indices()].copy_from_slice(task.goal());
    }
    goal
}

/// The tasks of one episode: those still to do (in order) and those done (in completion order).
#[derive(Clone, Debug, PartialEq)]
pub struct TaskProgress {
    remaining: Vec<KitchenTask>,
    completed: Vec<KitchenTask>,
    enforce_order: bool,
}

impl TaskProgress {
    /// A fresh episode over `tasks`. With `enforce_order`, a task is only credited once every task
    /// before it in the list has been (SPiRL/EXTRACT's `ENFORCE_TASK_ORDER`).
    pub fn new(tasks: &[KitchenTask], enforce_order: bool) -> Self {
        TaskProgress { remaining: tasks.to_vec(), completed: Vec::new(), enforce_order }
    }

    /// Credits the tasks that `qpos` completes and returns them (the step's reward is their count).
    ///
    /// EXTRACT's rule: walk the remaining tasks in order; a task that is done is credited if no earlier
    /// remaining task was found undone (always, without `enforce_order`); credited tasks are removed.
    pub fn update(&mut self, qpos: &[f64]) -> Vec<KitchenTask> {
        let mut newly = Vec::new();
        let mut all_done_so_far = true;
        for &task in &self.remaining {
            let done = task.is_done(qpos);
            if done && (all_done_so_far || !self.enforce_order) {
                newly.push(task);
            }
            all_done_so_far &= done;
        }
        self.remaining.retain(|t| !newly.contains(t));
        self.completed.extend_from_slice(&newly);
        newly
    }

    /// The bookkeeping of an episode over `tasks` in which `completed` (in credit order) are done.
    pub fn resume(tasks: &[KitchenTask], enforce_order: bool, completed: &[KitchenTask]) -> Result<Self, EnvError> {
        if let Some(t) = completed.iter().find(|t| !tasks.contains(t)) {
            return Err(EnvError::State(format!("{:?} is done but not one of the tasks {tasks:?}", t.name())));
        }
        let remaining = tasks.iter().copied().filter(|t| !completed.contains(t)).collect();
        Ok(TaskProgress { remaining, completed: completed.to_vec(), enforce_order })
    }

    /// Tasks still to do, in order.
    pub fn remaining(&self) -> &[KitchenTask] {
        &self.remaining
    }

    /// Tasks done so far this episode, in the order they were credited.
    pub fn completed(&self) -> &[KitchenTask] {
        &self.completed
    }

    /// True when every task is done.
    pub fn all_done(&self) -> bool {
        self.remaining.is_empty()
    }
}
