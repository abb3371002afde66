//! Skill-learning data: the resize against PyTorch (fixtures/gen_resize_fixtures.py), exact window
//! contents of the SPiRL, EXTRACT and BC sources on hand-made files, the segment rule and each quirk
//! switch, the split, batch determinism under any prefetching, and one-line errors for bad inputs.
use envs::dataset::{D4rlWriter, Episode, NO_SUBTASK, WriterOptions, write_labels};
use extract::cluster::Segment;
use extract::data::resize::Resizer;
use extract::data::{DataConfig, DatasetKind, Loader, Observations, SkillDataset, Split, Window};
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::sync::Arc;

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("extract-skill-data-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir.join(name)
}

/// Pixel (y, x, c) of an `s`-sized frame of global step `i`: distinct for nearby steps and positions.
fn pixel(i: usize, y: usize, x: usize, c: usize, s: usize) -> u8 {
    ((i * 16 + c * 4 + y * s + x) % 256) as u8
}

/// `u8 / 255 * 2 - 1`, as the models see a pixel.
fn unit(v: u8) -> f32 {
    v as f32 / 255.0 * 2.0 - 1.0
}

/// A D4RL-schema file with trajectories of `lens` steps: state of step i = [i, i + 0.5, -i], action =
/// [i, -i], frames of side `frame` following `pixel`.
fn write_data(name: &str, lens: &[usize], frame: Option<usize>) -> PathBuf {
    let path = scratch(name);
    let opts = WriterOptions {
        obs_dim: 3,
        act_dim: 2,
        nq: 1,
        nv: 1,
        frame_size: frame,
        subtask_names: vec![],
        attributes: vec![],
        frame_compression: 1,
    };
    let mut w = D4rlWriter::create(&path, opts).unwrap();
    let mut i0 = 0;
    for &len in lens {
        let steps = i0..i0 + len;
        let s = frame.unwrap_or(0);
        let frames = steps.clone().flat_map(|i| (0..s * s * 3).map(move |k| pixel(i, k / 3 / s, k / 3 % s, k % 3, s)));
        w.append(&Episode {
            observations: steps.clone().flat_map(|i| [i as f32, i as f32 + 0.5, -(i as f32)]).collect(),
            actions: steps.clone().flat_map(|i| [i as f32, -(i as f32)]).collect(),
            rewards: vec![0.0; len],
            truncated: false,
            qpos: vec![0.0; len],
            qvel: vec![0.0; len],
            subtask: vec![NO_SUBTASK; len],
            frames: frames.collect(),
        })
        .unwrap();
        i0 += len;
    }
    w.finish().unwrap()
}

/// Labels file with `logprobs[c][i] = -i - c` (K = 2) when `logprobs`.
fn write_clusters(name: &str, labels: &[u8], logprobs: bool) -> PathBuf {
    let path = scratch(name);
    let n = labels.len();
    let lp: Vec<f32> = (0..2 * n).map(|k| -((k % n) as f32) - (k / n) as f32).collect();
    write_labels(&path, labels, logprobs.then_some((&lp[..], 2)), &[]).unwrap();
    path
}

fn rows(t: &tensor::Tensor) -> Vec<f32> {
    t.to_vec()
}

// ---------------------------------------------------------------------------------------- resize

fn pattern(h: usize, w: usize) -> Vec<u8> {
    let mut v = Vec::with_capacity(h * w * 3);
    for y in 0..h {
        for x in 0..w {
            for c in 0..3 {
                v.push(((y * y * 3 + x * 7 + c * 50 + (x * y) % 11 * 13 + ((y / 4 + x / 3) % 2) * 90) % 256) as u8);
            }
        }
    }
    v
}

fn hw(v: &Value) -> (usize, usize) {
    (v[0].as_u64().unwrap() as usize, v[1].as_u64().unwrap() as usize)
}

#[test]
fn resize_matches_torch_antialiased_bilinear() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/resize_reference.json");
    let r: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    for case in r["float_cases"].as_array().unwrap() {
        let (i, o) = (hw(&case["in_hw"]), hw(&case["out_hw"]));
        let src: Vec<f32> = pattern(i.0, i.1).iter().map(|&v| v as f32).collect();
        let got = Resizer::new(i, o).resize_f32(&src, 3);
        let want: Vec<f64> = case["hwc"].as_array().unwrap().iter().map(|v| v.as_f64().unwrap()).collect();
        assert_eq!(got.len(), want.len(), "{i:?} -> {o:?}");
        let err = got.iter().zip(&want).map(|(g, w)| (*g as f64 - w).abs()).fold(0.0, f64::max);
        assert!(err < 1e-3, "{i:?} -> {o:?}: max error {err} (values 0..255)");
    }
    for case in r["u8_cases"].as_array().unwrap() {
        let (i, o) = (hw(&case["in_hw"]), hw(&case["out_hw"]));
        let mut got = vec![0u8; o.0 * o.1 * 3];
        Resizer::new(i, o).resize_u8(&pattern(i.0, i.1), 3, &mut got);
        let want: Vec<u8> = case["hwc"].as_array().unwrap().iter().map(|v| v.as_u64().unwrap() as u8).collect();
        let bad = got.iter().zip(&want).filter(|(g, w)| g != w).count();
        assert_eq!(bad, 0, "{i:?} -> {o:?}: {bad} of {} bytes differ from torch", want.len());
    }
}

#[test]
fn frames_are_resized_at_load_across_read_chunks() {
    // 300 frames cross the loader's 256-frame read chunk.
    let data = write_data("resize_load.h5", &[300], Some(8));
    let cfg = DataConfig {
        data_file: data,
        kind: DatasetKind::Sequence,
        resolution: 4,
        n_input_frames: 2,
        ..Default::default()
    };
    let steps = extract::data::StepData::load(&cfg).unwrap();
    let Observations::Frames { data, res } = &steps.obs else { panic!("frames expected") };
    assert_eq!((*res, data.len()), (4, 300 * 4 * 4 * 3));
    let resizer = Resizer::new((8, 8), (4, 4));
    for i in [0, 255, 256, 299] {
        let src: Vec<u8> = (0..8 * 8 * 3).map(|k| pixel(i, k / 3 / 8, k / 3 % 8, k % 3, 8)).collect();
        let mut want = vec![0u8; 48];
        resizer.resize_u8(&src, 3, &mut want);
        assert_eq!(&data[i * 48..(i + 1) * 48], &want[..], "frame {i}");
    }
}

// ------------------------------------------------------------------------------ SPiRL and BC windows

fn sequence_config(data: PathBuf, use_image: bool) -> DataConfig {
    DataConfig { data_file: data, kind: DatasetKind::Sequence, use_image, resolution: 2, ..Default::default() }
}

#[test]
fn spirl_image_windows_stack_four_frames_and_target_ten_actions() {
    // Trajectories of 20, 15 (too short: 14 + 2 needed) and 30 steps.
    let ds = SkillDataset::load(&sequence_config(write_data("spirl_img.h5", &[20, 15, 30], Some(2)), true)).unwrap();
    assert_eq!(ds.trajectories().unwrap(), &[(0, 20), (35, 30)]);
    assert_eq!((ds.starts(0), ds.starts(1)), (5, 15), "starts in [0, L - 14 - 1)");
    let w = ds.window(1, 2);
    assert_eq!(w.obs_steps, [37, 38, 39, 40]);
    assert_eq!(w.targets, (40..50).map(Some).collect::<Vec<_>>(), "actions[F-1:13] of the window");
    let b = ds.collate(&[ds.window(0, 0), w]);
    assert_eq!((b.obs.shape(), b.actions.shape()), (&[2, 12, 2, 2][..], &[2, 10, 2][..]));
    let obs = rows(&b.obs);
    for (bi, first) in [(0, 0), (1, 37)] {
        for f in 0..4 {
            for c in 0..3 {
                for p in 0..4 {
                    let want = unit(pixel(first + f, p / 2, p % 2, c, 2));
                    assert_eq!(
                        obs[((bi * 12 + f * 3 + c) * 4) + p],
                        want,
                        "batch {bi} frame {f} channel {c} pixel {p}"
                    );
                }
            }
        }
    }
    assert_eq!(rows(&b.actions)[20..24], [40.0, -40.0, 41.0, -41.0]);
    assert_eq!(rows(&b.action_mask), vec![1.0; 20]);
    assert_eq!(rows(&b.last_action_index), [9.0, 9.0]);
    assert_eq!((rows(&b.skills), rows(&b.progress)), (vec![0.0; 2], vec![0.0; 20]));
    assert!(b.skill_logprobs.is_none());
}

#[test]
fn spirl_state_windows_use_the_first_state_and_ten_actions() {
    let ds = SkillDataset::load(&sequence_config(write_data("spirl_state.h5", &[20, 30], None), false)).unwrap();
    assert_eq!(ds.starts(0), 8, "L - 11 - 1");
    let b = ds.collate(&[ds.window(1, 3)]);
    assert_eq!(b.obs.shape(), &[1, 3]);
    assert_eq!(rows(&b.obs), [23.0, 23.5, -23.0]);
    assert_eq!(b.actions.shape(), &[1, 10, 2]);
    assert_eq!(rows(&b.actions)[..2], [23.0, -23.0]);
    assert_eq!(rows(&b.actions)[18..], [32.0, -32.0]);
}

#[test]
fn bc_windows_pair_a_frame_stack_with_the_current_action() {
    let data = write_data("bc.h5", &[12, 12], Some(2));
    let ds = SkillDataset::load(&DataConfig { kind: DatasetKind::SingleStep, ..sequence_config(data, true) }).unwrap();
    assert_eq!(ds.starts(0), 12 - 5 - 1, "upstream BC: subseq_len = F + 1");
    let w = ds.window(1, 4);
    assert_eq!((w.obs_steps.clone(), w.targets.clone()), (vec![16, 17, 18, 19], vec![Some(19)]));
    let b = ds.collate(&[w]);
    assert_eq!((b.actions.shape(), rows(&b.actions)), (&[1, 1, 2][..], vec![19.0, -19.0]));
    assert_eq!(rows(&b.last_action_index), [0.0]);
}

// ------------------------------------------------------------------------------- EXTRACT segments

/// Trajectory A = steps 0..=11, labels 5×4, 2×6, 7×2; trajectory B = steps 12..=19, labels 1×1, 3×7.
const LABELS: [u8; 20] = [5, 5, 5, 5, 2, 2, 2, 2, 2, 2, 7, 7, 1, 3, 3, 3, 3, 3, 3, 3];

/// F = 3 (pad 2), min 3, max 7: small enough to check every index by hand.
fn segment_config(name: &str, logprobs: bool) -> DataConfig {
    DataConfig {
        data_file: write_data(&format!("{name}.h5"), &[12, 8], Some(2)),
        labels_file: Some(write_clusters(&format!("{name}_clusters.h5"), &LABELS, logprobs)),
        kind: DatasetKind::Segments,
        resolution: 2,
        n_input_frames: 3,
        max_subseq_len: 7,
        min_subseq_len: 3,
        ..Default::default()
    }
}

fn seg(start: usize, end: usize, label: u32) -> Segment {
    Segment { start, end, label }
}

fn some(r: std::ops::RangeInclusive<usize>) -> Vec<Option<usize>> {
    r.map(Some).collect()
}

#[test]
fn segments_merge_short_runs_within_trajectories_unless_the_quirk_is_on() {
    let cfg = segment_config("seg_rule", false);
    let ds = SkillDataset::load(&cfg).unwrap();
    // A's short 7-tail joins its last segment; B's leading 1-run merges forward (majority label 3).
    assert_eq!(ds.segments().unwrap(), &[seg(0, 3, 5), seg(4, 11, 2), seg(12, 19, 3)]);
    let quirk = SkillDataset::load(&DataConfig { quirk_merge_across_trajectories: true, ..cfg }).unwrap();
    // Upstream: the 7-run grows across the trajectory end into step 12 and keeps its first label.
    assert_eq!(quirk.segments().unwrap(), &[seg(0, 3, 5), seg(4, 9, 2), seg(10, 12, 7), seg(13, 19, 3)]);
}

#[test]
fn segment_windows_pad_the_first_frame_and_target_from_the_current_frame() {
    let ds = SkillDataset::load(&segment_config("seg_windows", true)).unwrap();
    // Segment 0: L = 4, P = 6 <= 7: one window, the whole padded segment.
    assert_eq!(ds.starts(0), 1);
    let w0 = ds.window(0, 0);
    let third = 1.0 / 3.0;
    assert_eq!(
        w0,
        Window {
            obs_steps: vec![0, 0, 0],
            targets: some(0..=3),
            progress: vec![0.0, third, 2.0 * third, 1.0],
            skill: 5,
            steps: 0..4
        }
    );
    // Segment 1: L = 8, P = 10 > 7: starts 0..=3, T = 7 padded steps, 5 targets.
    assert_eq!(ds.starts(1), 4);
    let ramp = |k: usize| k as f32 / 7.0;
    let first = ds.window(1, 0);
    assert_eq!((first.obs_steps.clone(), first.targets.clone()), (vec![4, 4, 4], some(4..=8)));
    assert_eq!(first.progress, (0..5).map(ramp).collect::<Vec<_>>());
    let last = ds.window(1, 3);
    assert_eq!((last.obs_steps.clone(), last.targets.clone(), last.skill), (vec![5, 6, 7], some(7..=11), 2));
    assert_eq!(last.progress, (3..8).map(ramp).collect::<Vec<_>>());
    assert_eq!(last.steps, 5..12);

    // Collate right-pads segment 0's 4 targets to the batch's 5.
    let b = ds.collate(&[w0, first]);
    assert_eq!((b.obs.shape(), b.actions.shape()), (&[2, 9, 2, 2][..], &[2, 5, 2][..]));
    assert_eq!(rows(&b.actions)[..10], [0.0, 0.0, 1.0, -1.0, 2.0, -2.0, 3.0, -3.0, 0.0, 0.0]);
    assert_eq!(rows(&b.action_mask), [1.0, 1.0, 1.0, 1.0, 0.0, 1.0, 1.0, 1.0, 1.0, 1.0]);
    assert_eq!(rows(&b.last_action_index), [3.0, 4.0]);
    assert_eq!(rows(&b.progress)[..5], [0.0, third, 2.0 * third, 1.0, 0.0]);
    assert_eq!(rows(&b.skills), [5.0, 2.0]);
    // The pad repeats the first frame: all three stacked frames of window 1 are step 4's.
    let obs = rows(&b.obs);
    for f in 0..3 {
        assert_eq!(obs[36 + f * 12..36 + f * 12 + 12], obs[36..48], "frame {f}");
    }
    assert_eq!(obs[36], unit(pixel(4, 0, 0, 0, 2)));
    // logprobs[c][i] = -i - c, averaged over the real steps 0..4 and 4..9.
    assert_eq!(rows(b.skill_logprobs.as_ref().unwrap()), [-1.5, -2.5, -6.0, -7.0]);
}

#[test]
fn quirk_switches_reproduce_upstream_skill_and_targets() {
    let cfg = segment_config("seg_quirks", false);
    let zero = SkillDataset::load(&DataConfig { quirk_pad_skill_zero: true, ..cfg.clone() }).unwrap();
    let skills: Vec<u32> = (0..4).map(|w| zero.window(1, w).skill).collect();
    assert_eq!(skills, [0, 0, 2, 2], "skill 0 while the window starts in the 2-step pad");
    assert!(zero.collate(&[zero.window(0, 0)]).skill_logprobs.is_none(), "no logprobs in the file");

    let all = SkillDataset::load(&DataConfig { quirk_pad_actions_in_targets: true, ..cfg }).unwrap();
    let w = all.window(1, 0);
    assert_eq!(w.targets, [None, None, Some(4), Some(5), Some(6), Some(7), Some(8)]);
    assert_eq!(w.progress[..4], [0.0, 0.0, 0.0, 1.0 / 7.0]);
    assert_eq!(w.skill, 2, "the skill quirk is a separate switch");
    let b = all.collate(&[w, all.window(1, 3)]);
    assert_eq!(b.actions.shape(), &[2, 7, 2]);
    assert_eq!(rows(&b.actions)[..6], [0.0, 0.0, 0.0, 0.0, 4.0, -4.0]);
    assert_eq!(rows(&b.action_mask), vec![1.0; 14], "pad actions count as real targets upstream");
    assert_eq!(all.window(1, 3).targets, some(5..=11));
}

// --------------------------------------------------------------------- split, epoch, determinism

#[test]
fn splits_hold_out_the_last_units() {
    // 3 segments: int(0.99 * 3) = 2 train, 1 val (upstream's SPLIT, no shuffle).
    let ds = SkillDataset::load(&segment_config("split_seg", false)).unwrap();
    assert_eq!((ds.units(Split::Train), ds.units(Split::Val)), (0..2, 2..3));
    let val = ds.batch(Split::Val, 7, 0);
    assert_eq!(rows(&val.skills), vec![3.0; 128], "every val window is segment 2 (label 3)");
    let train = rows(&ds.batch(Split::Train, 7, 0).skills);
    assert!(train.iter().all(|&s| s == 5.0 || s == 2.0) && train.contains(&5.0) && train.contains(&2.0));

    let seq = SkillDataset::load(&sequence_config(write_data("split_seq.h5", &[20, 20, 20, 20], None), false)).unwrap();
    assert_eq!(seq.units(Split::Val), 3..4);
    let obs = rows(&seq.batch(Split::Val, 1, 0).obs);
    assert!(obs.chunks(3).all(|s| (60.0..=67.0).contains(&s[0])), "val windows start in trajectory 3");

    // Upstream's epoch: int(share * N / window): N = 20 steps, window = max_subseq_len 7.
    assert_eq!((ds.epoch_len(Split::Train), ds.epoch_len(Split::Val)), (2, 0));
    let big = DataConfig { batch_size: 1, epoch_cycles_train: 10, ..segment_config("split_epoch", false) };
    assert_eq!(SkillDataset::load(&big).unwrap().batches_per_epoch(Split::Train), 20);
    // N = 80 steps, window = subseq_len 11: int(0.99 * 80 / 11) = 7.
    assert_eq!(seq.epoch_len(Split::Train), 7);
}

fn same(a: &extract::data::Batch, b: &extract::data::Batch) -> bool {
    let t = |x: &extract::data::Batch| {
        [&x.obs, &x.actions, &x.action_mask, &x.progress, &x.skills, &x.last_action_index].map(rows)
    };
    t(a) == t(b) && a.actions.shape() == b.actions.shape()
}

#[test]
fn batches_are_a_function_of_seed_split_and_index_whatever_the_prefetching() {
    let ds = Arc::new(SkillDataset::load(&segment_config("determinism", true)).unwrap());
    assert!(same(&ds.batch(Split::Train, 3, 5), &ds.batch(Split::Train, 3, 5)));
    assert!(!same(&ds.batch(Split::Train, 3, 5), &ds.batch(Split::Train, 3, 6)));
    assert!(!same(&ds.batch(Split::Train, 3, 5), &ds.batch(Split::Train, 4, 5)));

    let serial: Vec<_> = Loader::with_threads(Arc::clone(&ds), Split::Train, 3, 0, 1, 1).take(12).collect();
    let parallel: Vec<_> = Loader::with_threads(Arc::clone(&ds), Split::Train, 3, 0, 3, 7).take(12).collect();
    let resumed: Vec<_> = Loader::new(Arc::clone(&ds), Split::Train, 3, 5).take(7).collect();
    for i in 0..12 {
        assert!(same(&serial[i], &ds.batch(Split::Train, 3, i as u64)), "batch {i}");
        assert!(same(&serial[i], &parallel[i]), "batch {i}: 3 workers");
    }
    for (k, b) in resumed.iter().enumerate() {
        assert!(same(b, &serial[5 + k]), "resumed at 5: batch {}", 5 + k);
    }
    let val = ds.val_batches(2, 9);
    assert!(same(&val[1], &ds.val_batches(2, 9)[1]) && same(&val[0], &ds.batch(Split::Val, 9, 0)));
    let mut loader = Loader::new(ds, Split::Val, 9, 1);
    assert_eq!(loader.next_index(), 1);
    assert!(same(&loader.next().unwrap(), &val[1]));
    assert_eq!(loader.next_index(), 2);
}

// -------------------------------------------------------------------------------------- bad input

fn load_err(cfg: &DataConfig) -> String {
    SkillDataset::load(cfg).map(|_| ()).unwrap_err()
}

#[test]
fn bad_inputs_fail_with_one_line_naming_the_file_and_key() {
    let no_frames = write_data("no_frames.h5", &[20, 20], None);
    let e = load_err(&sequence_config(no_frames.clone(), true));
    assert!(e.contains("no_frames.h5") && e.contains("rendered_frames") && e.contains("use_image"), "{e}");

    let short = write_clusters("short_clusters.h5", &LABELS[..19], false);
    let e = load_err(&DataConfig { labels_file: Some(short), ..segment_config("bad_labels", false) });
    assert!(e.contains("short_clusters.h5") && e.contains("clusters") && e.contains("(20,)"), "{e}");

    // logprobs stored (N, K) instead of (K, N).
    let lp_path = scratch("wrong_logprobs.h5");
    write_labels(&lp_path, &LABELS, None, &[]).unwrap();
    let f = hdf5_metno::File::open_rw(&lp_path).unwrap();
    f.new_dataset::<f32>().shape((20, 2)).create("logprobs").unwrap().write_raw(&[0.0f32; 40]).unwrap();
    drop(f);
    let e = load_err(&DataConfig { labels_file: Some(lp_path), ..segment_config("bad_logprobs", false) });
    assert!(e.contains("wrong_logprobs.h5: `logprobs`: shape [20, 2], expected (K, 20)"), "{e}");

    let e = load_err(&sequence_config(Path::new("/nonexistent/data.h5").into(), false));
    assert!(e.contains("/nonexistent/data.h5") && e.contains("no such file"), "{e}");
    let e = load_err(&DataConfig { labels_file: None, ..segment_config("no_labels", false) });
    assert_eq!(e, "data.labels_file: not set (the `segments` kind needs cluster labels)");
    let e = load_err(&DataConfig { val_fraction: 0.5, ..sequence_config(write_data("one.h5", &[30], None), false) });
    assert!(e.contains("one.h5") && e.contains("1 trajectories") && e.contains("empty train split"), "{e}");
    let e = load_err(&DataConfig { pad_n_steps: Some(3), ..segment_config("bad_pad", false) });
    assert!(e.starts_with("data.pad_n_steps: is 3, expected at most F-1 = 2"), "{e}");
    for e in [e, load_err(&DataConfig::default())] {
        assert!(!e.contains('\n'), "one line: {e}");
    }
}

#[test]
fn config_reads_a_data_table_and_rejects_unknown_keys() {
    let cfg: DataConfig =
        serde_json::from_str(r#"{"data_file": "d.h5", "kind": "single_step", "use_image": false}"#).unwrap();
    assert_eq!((cfg.kind, cfg.subseq_len(), cfg.pad_n_steps(), cfg.window_len()), (DatasetKind::SingleStep, 11, 0, 2));
    let d = DataConfig::default();
    assert_eq!(
        (d.kind, d.resolution, d.subseq_len(), d.pad_n_steps(), d.max_subseq_len),
        (DatasetKind::Segments, 64, 14, 3, 34)
    );
    let e = serde_json::from_str::<DataConfig>(r#"{"data_fil": "d.h5"}"#).unwrap_err().to_string();
    assert!(e.contains("unknown field `data_fil`"), "{e}");
}

// ------------------------------------------------------------------------------------ measurement

/// CPU seconds (user + system) this process has used: unlike wall time, not inflated by other
/// processes sharing the cores.
fn cpu_s() -> f64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    let fields: Vec<&str> = stat.rsplit(')').next().unwrap_or("").split_whitespace().collect();
    let ticks = |i: usize| fields.get(i).and_then(|v| v.parse::<f64>().ok()).unwrap_or(0.0);
    (ticks(11) + ticks(12)) / 100.0
}

/// `VmRSS` and `VmHWM` of this process in MiB.
fn rss_mib() -> (f64, f64) {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let field = |k: &str| {
        let line = status.lines().find(|l| l.starts_with(k)).unwrap_or("");
        line.split_whitespace().nth(1).and_then(|v| v.parse::<f64>().ok()).unwrap_or(0.0) / 1024.0
    };
    (field("VmRSS:"), field("VmHWM:"))
}

/// Load time, RAM and batches/s of each source on the small kitchen set (JSON lines on stdout).
/// `cargo test -p extract --test skill_data -- --ignored --nocapture`; the files come from
/// SKILL_DATA_FILE / SKILL_LABELS_FILE or the default locations below.
#[test]
#[ignore = "needs the generated kitchen data set; a measurement, not a check"]
fn measure_small_kitchen_set() {
    let var = |k: &str, d: &str| PathBuf::from(std::env::var(k).unwrap_or_else(|_| d.to_string()));
    let data = var("SKILL_DATA_FILE", "/work/data/kitchen_mixed_small/kitchen_mixed_data.h5");
    let labels = var(
        "SKILL_LABELS_FILE",
        "/work/data/clusters/kitchen/state_first_diff_KMeans_n_clusters:8_MedFilt(7)/mixed/clusters.h5",
    );
    for (kind, name) in
        [(DatasetKind::Segments, "extract"), (DatasetKind::Sequence, "spirl"), (DatasetKind::SingleStep, "bc")]
    {
        let cfg = DataConfig { data_file: data.clone(), labels_file: Some(labels.clone()), kind, ..Default::default() };
        let (rss0, _) = rss_mib();
        let (t, cpu) = (std::time::Instant::now(), cpu_s());
        let ds = SkillDataset::load(&cfg).unwrap();
        let (load_s, load_cpu_s) = (t.elapsed().as_secs_f64(), cpu_s() - cpu);
        let (rss1, hwm) = rss_mib();
        let (t, cpu) = (std::time::Instant::now(), cpu_s());
        let n = 50;
        let steps: usize = (0..n).map(|i| ds.batch(Split::Train, 0, i).steps()).sum();
        let (per_s, per_cpu_s) = (n as f64 / t.elapsed().as_secs_f64(), n as f64 / (cpu_s() - cpu));
        let units = ds.units(Split::Train).len() + ds.units(Split::Val).len();
        println!(
            "{{\"source\":\"{name}\",\"steps\":{},\"units\":{units},\"load_s\":{load_s:.2},\"load_cpu_s\":{load_cpu_s:.2},\"rss_delta_mib\":{:.0},\"peak_rss_mib\":{hwm:.0},\"batch\":128,\"batches_per_s\":{per_s:.1},\"batches_per_cpu_s\":{per_cpu_s:.1},\"mean_T\":{:.1},\"train_batches_per_epoch\":{}}}",
            ds.steps().len(),
            rss1 - rss0,
            steps as f64 / n as f64,
            ds.batches_per_epoch(Split::Train)
        );
        drop(ds);
    }
}
