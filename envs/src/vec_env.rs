//! `VecEnv`: several environments stepped together, split over worker threads (Gymnasium's vector env,
//! without auto-reset: the caller resets the envs whose episode ended).
//!
//! Each worker owns a contiguous chunk of envs for the length of one call, so results come back in
//! env order and equal stepping the envs one by one. The workers are kept for the `VecEnv`'s
//! lifetime (a rayon pool of its own; the calling thread steps the first chunk), not spawned per
//! call.
use crate::{Env, StepResult};

/// `n` environments of one type; actions and observations are flat row-major `[n, dim]` buffers.
pub struct VecEnv<E: Env> {
    envs: Vec<E>,
    threads: usize,
    /// `threads - 1` workers (none for one thread, or when the OS refused to start them: then
    /// each call starts scoped threads instead).
    pool: Option<rayon::ThreadPool>,
}

impl<E: Env + Send> VecEnv<E> {
    /// Steps `envs` on as many threads as the machine has cores (at most one per env).
    pub fn new(envs: Vec<E>) -> Self {
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
        Self::with_threads(envs, cores)
    }

    /// Steps `envs` on `threads` worker threads (1 = on the calling thread, no spawning).
    pub fn with_threads(envs: Vec<E>, threads: usize) -> Self {
        assert!(!envs.is_empty(), "VecEnv needs at least one env");
        let threads = threads.clamp(1, envs.len());
        let pool = (threads > 1)
            .then(|| {
                rayon::ThreadPoolBuilder::new()
                    .num_threads(threads - 1)
                    .thread_name(|i| format!("vec-env-{i}"))
                    .build()
                    .ok()
            })
            .flatten();
        VecEnv { envs, threads, pool }
    }

    pub fn len(&self) -> usize {
        self.envs.len()
    }

    pub fn is_empty(&self) -> bool {
        self.envs.is_empty()
    }

    pub fn threads(&self) -> usize {
        self.threads
    }

    pub fn envs(&self) -> &[E] {
        &self.envs
    }

    pub fn envs_mut(&mut self) -> &mut [E] {
        &mut self.envs
    }

    /// Resets every env; with `Some(seed)`, env i is seeded with `seed + i` (Gymnasium's convention).
    pub fn reset(&mut self, seed: Option<u64>) -> Vec<(Vec<f32>, E::Info)> {
        let seeds: Vec<Option<u64>> = (0..self.len() as u64).map(|i| seed.map(|s| s + i)).collect();
        self.map_envs(|i, env| env.reset(seeds[i]))
    }

    /// Resets env `i` alone (after its episode ended).
    pub fn reset_one(&mut self, i: usize, seed: Option<u64>) -> (Vec<f32>, E::Info) {
        self.envs[i].reset(seed)
    }

    /// Steps env i with `actions[i * dim .. (i + 1) * dim]`, `dim` being the action space's dimension.
    pub fn step(&mut self, actions: &[f32]) -> Vec<StepResult<E::Info>> {
        let dim = self.envs[0].action_space().dim();
        assert_eq!(actions.len(), self.len() * dim, "VecEnv::step: actions must be [{}, {dim}] flat", self.len());
        self.map_envs(|i, env| env.step(&actions[i * dim..(i + 1) * dim]))
    }

    /// Runs `f(i, env_i)` for every env, in chunks on the worker threads; results in env order.
    fn map_envs<R: Send>(&mut self, f: impl Fn(usize, &mut E) -> R + Sync) -> Vec<R> {
        if self.threads == 1 {
            return self.envs.iter_mut().enumerate().map(|(i, env)| f(i, env)).collect();
        }
        let chunk = self.envs.len().div_ceil(self.threads);
        let f = &f;
        let run = move |c: usize, envs: &mut [E]| -> Vec<R> {
            envs.iter_mut().enumerate().map(|(j, env)| f(c * chunk + j, env)).collect()
        };
        if let Some(pool) = &self.pool {
            let mut slots: Vec<Option<Vec<R>>> = (0..self.threads).map(|_| None).collect();
            let mut chunks = self.envs.chunks_mut(chunk);
            let first = chunks.next().expect("at least one env");
            let (first_slot, rest) = slots.split_first_mut().expect("threads >= 2");
            pool.in_place_scope(|scope| {
                for ((c, envs), slot) in chunks.enumerate().zip(rest.iter_mut()) {
                    scope.spawn(move |_| *slot = Some(run(c + 1, envs)));
                }
                *first_slot = Some(run(0, first));
            });
            return slots.into_iter().flatten().flatten().collect();
        }
        std::thread::scope(|scope| {
            let mut chunks = self.envs.chunks_mut(chunk);
            let first = chunks.next().expect("at least one env");
            // The calling thread steps the first chunk itself: one spawn fewer per step.
            let workers: Vec<_> = chunks.enumerate().map(|(c, envs)| scope.spawn(move || run(c + 1, envs))).collect();
            let mut out = run(0, first);
            for w in workers {
                out.extend(w.join().unwrap_or_else(|e| std::panic::resume_unwind(e)));
            }
            out
        })
    }
}
