//! Timing harness of the `bench` binary, shaped like the peer scripts' `_common.py`: warm-up,
//! wait for a quiet machine, repetitions of `inner` calls, median seconds per call, and the share
//! of CPU time other processes used while we timed (`foreign_cpu`).

use serde_json::{Map, Value, json};
use std::time::{Duration, Instant};
use tensor::Device;

/// Median and best seconds per call, and the foreign CPU share during the timed repetitions.
#[derive(Clone, Copy, Debug)]
pub struct Timing {
    pub sec: f64,
    pub best: f64,
    pub foreign_cpu: f64,
}

impl Timing {
    /// The timing of one of `n` operations that each timed call ran (median and best divided).
    pub fn per_call(self, n: usize) -> Timing {
        Timing { sec: self.sec / n as f64, best: self.best / n as f64, foreign_cpu: self.foreign_cpu }
    }
}

/// Timed repetitions per measurement (`BENCH_REPS`, default 7, as the peers).
fn reps() -> usize {
    std::env::var("BENCH_REPS").ok().and_then(|s| s.parse().ok()).unwrap_or(7)
}

/// Seconds to wait for other processes to leave the CPUs (`BENCH_QUIET_WAIT`, default 5).
fn quiet_wait() -> f64 {
    std::env::var("BENCH_QUIET_WAIT").ok().and_then(|s| s.parse().ok()).unwrap_or(5.0)
}

/// (busy, total) jiffies of the whole machine, from the first line of `/proc/stat`.
fn machine_jiffies() -> (u64, u64) {
    let text = std::fs::read_to_string("/proc/stat").unwrap_or_default();
    let v: Vec<u64> =
        text.lines().next().unwrap_or("").split_whitespace().skip(1).filter_map(|x| x.parse().ok()).collect();
    if v.len() < 8 {
        return (0, 0);
    }
    (v[0] + v[1] + v[2] + v[5] + v[6] + v[7], v[..8].iter().sum())
}

/// Jiffies this process (all its threads) has spent on a CPU, from `/proc/self/stat`.
fn own_jiffies() -> u64 {
    let text = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    // Fields after the parenthesised command name; utime and stime are fields 14 and 15.
    let rest = text.rsplit_once(')').map(|(_, r)| r).unwrap_or("");
    let f: Vec<&str> = rest.split_whitespace().collect();
    let field = |i: usize| f.get(i).and_then(|x| x.parse::<u64>().ok()).unwrap_or(0);
    field(11) + field(12)
}

/// Blocks until other processes use under 6% of the machine for one second, or the wait ends.
fn wait_quiet() {
    let deadline = Instant::now() + Duration::from_secs_f64(quiet_wait());
    loop {
        let (b0, t0) = machine_jiffies();
        let o0 = own_jiffies();
        std::thread::sleep(Duration::from_millis(500));
        let (b1, t1) = machine_jiffies();
        let foreign = (b1 - b0).saturating_sub(own_jiffies() - o0);
        if (foreign as f64) < 0.06 * (t1 - t0).max(1) as f64 || Instant::now() > deadline {
            return;
        }
    }
}

/// Calls per repetition so one repetition takes about `target` seconds.
fn calibrate(f: &mut impl FnMut(), target: f64) -> usize {
    let t0 = Instant::now();
    f();
    let one = t0.elapsed().as_secs_f64().max(1e-9);
    ((target / one) as usize).clamp(1, 1_000_000)
}

/// Warms `f` up, waits for a quiet machine, then times `reps` repetitions of ~0.1 s each.
pub fn bench(mut f: impl FnMut(), warmup: usize) -> Timing {
    for _ in 0..warmup {
        f();
    }
    let inner = calibrate(&mut f, 0.1);
    wait_quiet();
    let (b0, t0) = machine_jiffies();
    let o0 = own_jiffies();
    let mut per_call: Vec<f64> = (0..reps())
        .map(|_| {
            let t = Instant::now();
            for _ in 0..inner {
                f();
            }
            t.elapsed().as_secs_f64() / inner as f64
        })
        .collect();
    let (b1, t1) = machine_jiffies();
    let foreign = (b1 - b0).saturating_sub(own_jiffies() - o0) as f64 / (t1 - t0).max(1) as f64;
    per_call.sort_by(f64::total_cmp);
    Timing { sec: per_call[per_call.len() / 2], best: per_call[0], foreign_cpu: (foreign * 1000.0).round() / 1000.0 }
}

/// Times `a` and `b` in alternating repetitions (their order swapped every round), so a slow drift
/// of a shared machine hits both alike; returns both timings and the median per-round ratio b / a.
pub fn bench_pair(mut a: impl FnMut(), mut b: impl FnMut(), warmup: usize, rounds: usize) -> (Timing, Timing, f64) {
    for _ in 0..warmup {
        a();
        b();
    }
    let (inner_a, inner_b) = (calibrate(&mut a, 0.1), calibrate(&mut b, 0.1));
    wait_quiet();
    let (b0, t0) = machine_jiffies();
    let o0 = own_jiffies();
    let time = |f: &mut dyn FnMut(), inner: usize| {
        let t = Instant::now();
        for _ in 0..inner {
            f();
        }
        t.elapsed().as_secs_f64() / inner as f64
    };
    let (mut ta, mut tb, mut ratio) = (Vec::new(), Vec::new(), Vec::new());
    for round in 0..rounds.max(1) {
        let (x, y) = if round % 2 == 0 {
            let x = time(&mut a, inner_a);
            (x, time(&mut b, inner_b))
        } else {
            let y = time(&mut b, inner_b);
            (time(&mut a, inner_a), y)
        };
        ta.push(x);
        tb.push(y);
        ratio.push(y / x);
    }
    let (b1, t1) = machine_jiffies();
    let foreign = (b1 - b0).saturating_sub(own_jiffies() - o0) as f64 / (t1 - t0).max(1) as f64;
    let foreign_cpu = (foreign * 1000.0).round() / 1000.0;
    let summary = |mut v: Vec<f64>| {
        v.sort_by(f64::total_cmp);
        Timing { sec: v[v.len() / 2], best: v[0], foreign_cpu }
    };
    ratio.sort_by(f64::total_cmp);
    (summary(ta), summary(tb), ratio[ratio.len() / 2])
}

/// A rayon pool of exactly `threads` workers (each measurement runs inside `pool.install`).
pub fn pool(threads: usize) -> rayon::ThreadPool {
    rayon::ThreadPoolBuilder::new().num_threads(threads).build().expect("bench: cannot start a rayon thread pool")
}

/// The CPU model name from `/proc/cpuinfo`.
pub fn cpu_model() -> String {
    let text = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
    let line = text.lines().find(|l| l.starts_with("model name")).unwrap_or("");
    line.split_once(':').map(|(_, m)| m.trim().to_string()).unwrap_or_else(|| "unknown".into())
}

/// SIMD features the running CPU reports (what the run-time dispatch can use).
pub fn cpu_features() -> String {
    let mut f: Vec<&str> = Vec::new();
    #[cfg(target_arch = "x86_64")]
    {
        if std::arch::is_x86_feature_detected!("avx2") {
            f.push("avx2");
        }
        if std::arch::is_x86_feature_detected!("fma") {
            f.push("fma");
        }
        if std::arch::is_x86_feature_detected!("avx512f") {
            f.push("avx512f");
        }
    }
    f.join(",")
}

/// The device a benchmark runs on, as JSON fields: `device`, and for a GPU its adapter name,
/// backend and type (a software adapter such as lavapipe says `Cpu` there: its timings say
/// nothing about GPU speed).
pub fn device_fields(dev: &Device) -> Value {
    match dev {
        Device::Cpu => json!({"device": "cpu"}),
        Device::Gpu(g) => {
            let i = g.info();
            json!({"device": "gpu", "adapter": i.name, "backend": i.backend, "adapter_type": i.device_type})
        }
    }
}

/// Waits for the device's queued work (GPU benchmarks time completed work, not submission).
pub fn sync(dev: &Device) {
    if let Err(e) = dev.sync() {
        panic!("bench: {e}");
    }
}

/// Prints one JSON line: `fields` first, then the timing and machine fields.
pub fn emit(fields: Value, t: Timing, threads: usize) {
    let mut m: Map<String, Value> = match fields {
        Value::Object(m) => m,
        other => panic!("bench: emit expects a JSON object, got {other}"),
    };
    m.insert("threads".into(), threads.into());
    m.insert("sec".into(), t.sec.into());
    m.insert("sec_best".into(), t.best.into());
    m.insert("foreign_cpu".into(), t.foreign_cpu.into());
    m.insert("cpu".into(), cpu_model().into());
    m.insert("cpu_features".into(), cpu_features().into());
    println!("{}", Value::Object(m));
}
