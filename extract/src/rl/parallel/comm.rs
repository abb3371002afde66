//! `Comm`: the two collectives the parallel RL loop needs, over threads of one process
//! ([`ThreadComm`]) or MPI ranks (`MpiComm`, feature `mpi`), and [`Solo`] for one worker.
//!
//! Every rank calls the same collectives in the same order (SPMD). A rank that fails calls
//! [`Comm::abort`], so the others get an error from their next collective instead of waiting forever
//! (threads), or the whole job ends (MPI).

use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError};

/// Collectives among the `size()` workers of one run; rank 0 is the learner.
pub trait Comm {
    fn rank(&self) -> usize;
    fn size(&self) -> usize;
    /// Every rank's `bytes`, in rank order, on every rank.
    fn all_gather(&self, bytes: &[u8]) -> Result<Vec<Vec<u8>>, String>;
    /// Rank 0's `bytes` on every rank (the other ranks' `bytes` are ignored).
    fn broadcast(&self, bytes: &[u8]) -> Result<Vec<u8>, String>;
    /// Tells the other ranks this one has failed with `why`.
    fn abort(&self, why: &str);
    /// A name for logs: `"threads"`, `"mpi"`, `"solo"`.
    fn kind(&self) -> &'static str;
}

/// One worker: collectives return its own data.
#[derive(Clone, Copy, Debug, Default)]
pub struct Solo;

impl Comm for Solo {
    fn rank(&self) -> usize {
        0
    }
    fn size(&self) -> usize {
        1
    }
    fn all_gather(&self, bytes: &[u8]) -> Result<Vec<Vec<u8>>, String> {
        Ok(vec![bytes.to_vec()])
    }
    fn broadcast(&self, bytes: &[u8]) -> Result<Vec<u8>, String> {
        Ok(bytes.to_vec())
    }
    fn abort(&self, _: &str) {}
    fn kind(&self) -> &'static str {
        "solo"
    }
}

/// What the threads of one group share: a slot per rank and a reusable barrier.
struct State {
    slots: Vec<Vec<u8>>,
    arrived: usize,
    generation: u64,
    aborted: Option<String>,
}

struct Shared {
    size: usize,
    state: Mutex<State>,
    wake: Condvar,
}

/// One rank of a group of threads in one process (`ThreadComm::group(n)`), each thread owning one.
pub struct ThreadComm {
    rank: usize,
    shared: Arc<Shared>,
}

impl ThreadComm {
    /// `n` connected ranks, to be moved one per thread.
    pub fn group(n: usize) -> Vec<ThreadComm> {
        assert!(n >= 1, "ThreadComm::group: at least one rank");
        let state = State { slots: vec![Vec::new(); n], arrived: 0, generation: 0, aborted: None };
        let shared = Arc::new(Shared { size: n, state: Mutex::new(state), wake: Condvar::new() });
        (0..n).map(|rank| ThreadComm { rank, shared: shared.clone() }).collect()
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        self.shared.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Waits until every rank has arrived (generation counting makes the barrier reusable); an
    /// abort by another rank ends the wait with its reason.
    fn barrier<'a>(&'a self, mut g: MutexGuard<'a, State>) -> Result<MutexGuard<'a, State>, String> {
        let generation = g.generation;
        g.arrived += 1;
        if g.arrived == self.shared.size {
            (g.arrived, g.generation) = (0, generation + 1);
            self.shared.wake.notify_all();
            return Ok(g);
        }
        loop {
            if g.generation != generation {
                return Ok(g);
            }
            if let Some(why) = &g.aborted {
                return Err(format!("another worker failed: {why}"));
            }
            g = self.shared.wake.wait(g).unwrap_or_else(PoisonError::into_inner);
        }
    }

    /// Deposits with `put`, waits for all, reads with `get`, and waits again so that no rank
    /// deposits the next collective's data before every rank has read this one's.
    fn exchange<R>(&self, put: impl FnOnce(&mut State), get: impl FnOnce(&State) -> R) -> Result<R, String> {
        let mut g = self.lock();
        if let Some(why) = &g.aborted {
            return Err(format!("another worker failed: {why}"));
        }
        put(&mut g);
        let g = self.barrier(g)?;
        let out = get(&g);
        drop(self.barrier(g)?);
        Ok(out)
    }
}

impl Comm for ThreadComm {
    fn rank(&self) -> usize {
        self.rank
    }
    fn size(&self) -> usize {
        self.shared.size
    }
    fn all_gather(&self, bytes: &[u8]) -> Result<Vec<Vec<u8>>, String> {
        self.exchange(|s| s.slots[self.rank] = bytes.to_vec(), |s| s.slots.clone())
    }
    fn broadcast(&self, bytes: &[u8]) -> Result<Vec<u8>, String> {
        let root = self.rank == 0;
        self.exchange(
            |s| {
                if root {
                    s.slots[0] = bytes.to_vec()
                }
            },
            |s| s.slots[0].clone(),
        )
    }
    fn abort(&self, why: &str) {
        let mut g = self.lock();
        g.aborted.get_or_insert_with(|| format!("rank {}: {why}", self.rank));
        self.shared.wake.notify_all();
    }
    fn kind(&self) -> &'static str {
        "threads"
    }
}

impl Drop for ThreadComm {
    /// A rank that unwinds from a panic releases the others.
    fn drop(&mut self) {
        if std::thread::panicking() {
            self.abort("panicked");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn threads_gather_in_rank_order_and_broadcast_rank_0() {
        let out: Vec<(Vec<Vec<u8>>, Vec<u8>)> = std::thread::scope(|s| {
            let handles: Vec<_> = ThreadComm::group(3)
                .into_iter()
                .map(|c| {
                    s.spawn(move || {
                        let mut last = (vec![], vec![]);
                        for round in 0..50u8 {
                            let all = c.all_gather(&[c.rank() as u8, round]).unwrap();
                            let b = c.broadcast(&[round, 7 + c.rank() as u8]).unwrap();
                            assert_eq!(b, vec![round, 7]);
                            last = (all, b);
                        }
                        last
                    })
                })
                .collect();
            handles.into_iter().map(|h| h.join().unwrap()).collect()
        });
        for (all, _) in out {
            assert_eq!(all, vec![vec![0, 49], vec![1, 49], vec![2, 49]]);
        }
    }

    #[test]
    fn an_aborting_rank_releases_the_others_with_its_reason() {
        let errors: Vec<String> = std::thread::scope(|s| {
            let handles: Vec<_> = ThreadComm::group(3)
                .into_iter()
                .map(|c| {
                    s.spawn(move || {
                        if c.rank() == 2 {
                            c.abort("env exploded");
                            return String::new();
                        }
                        c.all_gather(&[1]).unwrap_err()
                    })
                })
                .collect();
            handles.into_iter().map(|h| h.join().unwrap()).collect()
        });
        assert!(errors[..2].iter().all(|e| e.contains("rank 2: env exploded")), "{errors:?}");
    }
}
