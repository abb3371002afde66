//! Several env workers for one run (upstream `rl/utils/mpi.py` + `train.py`): every worker runs
//! its own env, sampler and copy of the agent; per iteration each collects one HL transition, the
//! experience is gathered (in rank order) to every rank, the env steps are summed into the global
//! step count, only rank 0 (the learner) stores the transitions and runs
//! `updates_per_transition x transitions gathered` updates, then rank 0's policy is broadcast.
//!
//! ```text
//! comm.rs      Comm (all_gather, broadcast, abort); Solo; ThreadComm (threads of one process)
//! mpi_comm.rs  MpiComm (feature `mpi`): ranks of `mpirun -n N`
//! wire.rs      Report (a worker's transitions + finished episodes) and parameter messages
//! ```
//! Two ways to run N workers, the same loop and the same numbers for the same seed:
//! `train.workers = N` (threads of one process) or `mpirun -n N extract rl …` (one process per rank).

mod comm;
#[cfg(feature = "mpi")]
mod mpi_comm;
mod wire;

pub use comm::{Comm, Solo, ThreadComm};
#[cfg(feature = "mpi")]
pub use mpi_comm::{MpiComm, launched_by_mpirun};
pub use wire::{Report, decode_params, encode_params};
