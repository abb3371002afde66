//! `MpiComm`: [`Comm`] over MPI's world communicator (the `mpi` crate on the system's OpenMPI),
//! one worker per rank, started with `mpirun -n N extract rl …`.
//!
//! Byte messages of any length: `all_gather` first gathers every rank's length, then the bytes
//! (`MPI_Allgatherv`); `broadcast` sends the length, then the bytes (`MPI_Bcast` from rank 0).

use super::comm::Comm;
use mpi::Count;
use mpi::datatype::PartitionMut;
use mpi::environment::Universe;
use mpi::topology::SimpleCommunicator;
use mpi::traits::*;

/// The world of an MPI job (MPI stays initialised while this lives).
pub struct MpiComm {
    world: SimpleCommunicator,
    _universe: Universe,
}

/// True when this process was started by an MPI launcher with more than one rank (OpenMPI's
/// `OMPI_COMM_WORLD_SIZE`, MPICH/Hydra's `PMI_SIZE`); MPI is initialised only then.
pub fn launched_by_mpirun() -> bool {
    ["OMPI_COMM_WORLD_SIZE", "PMI_SIZE"]
        .iter()
        .any(|k| std::env::var(k).ok().and_then(|v| v.parse::<usize>().ok()).is_some_and(|n| n > 1))
}

impl MpiComm {
    /// Initialises MPI (once per process).
    pub fn init() -> Result<MpiComm, String> {
        let universe = mpi::initialize().ok_or("MPI was already initialised in this process")?;
        Ok(MpiComm { world: universe.world(), _universe: universe })
    }
}

fn count(n: usize) -> Result<Count, String> {
    Count::try_from(n).map_err(|_| format!("an MPI message of {n} bytes exceeds MPI's {} limit", Count::MAX))
}

impl Comm for MpiComm {
    fn rank(&self) -> usize {
        self.world.rank() as usize
    }
    fn size(&self) -> usize {
        self.world.size() as usize
    }
    fn all_gather(&self, bytes: &[u8]) -> Result<Vec<Vec<u8>>, String> {
        let mut lens = vec![0u64; self.size()];
        self.world.all_gather_into(&(bytes.len() as u64), &mut lens[..]);
        let counts = lens.iter().map(|&n| count(n as usize)).collect::<Result<Vec<_>, _>>()?;
        let displs: Vec<Count> = counts
            .iter()
            .scan(0 as Count, |at, &n| {
                let here = *at;
                *at += n;
                Some(here)
            })
            .collect();
        let mut buf = vec![0u8; lens.iter().sum::<u64>() as usize];
        {
            let mut parts = PartitionMut::new(&mut buf[..], &counts[..], &displs[..]);
            self.world.all_gather_varcount_into(bytes, &mut parts);
        }
        let mut out = Vec::with_capacity(lens.len());
        let mut at = 0usize;
        for n in lens {
            out.push(buf[at..at + n as usize].to_vec());
            at += n as usize;
        }
        Ok(out)
    }
    fn broadcast(&self, bytes: &[u8]) -> Result<Vec<u8>, String> {
        let root = self.world.process_at_rank(0);
        let mut n = bytes.len() as u64;
        root.broadcast_into(&mut n);
        count(n as usize)?;
        let mut buf = if self.rank() == 0 { bytes.to_vec() } else { vec![0u8; n as usize] };
        root.broadcast_into(&mut buf[..]);
        Ok(buf)
    }
    fn abort(&self, why: &str) {
        eprintln!("error: MPI rank {}: {why}", self.rank());
        self.world.abort(1)
    }
    fn kind(&self) -> &'static str {
        "mpi"
    }
}
