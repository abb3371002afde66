//! D4RL-schema files: reading h5py's encodings, our writer's round trip, atomic writes, and one-line
//! errors for missing keys, wrong shapes and broken files.
use envs::dataset::{D4rlFile, D4rlWriter, Episode, NO_SUBTASK, SubtaskLabels, WriterOptions, keys, trajectory_ranges};
use hdf5_metno as hdf5;
use std::path::{Path, PathBuf};

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures").join(name)
}

/// A fresh file path in a folder of its own (tests run in parallel and look at their folders).
fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("envs-dataset-{}", std::process::id())).join(name);
    std::fs::create_dir_all(&dir).unwrap();
    dir.join(name)
}

/// The file `gen_d4rl_fixture.py` writes with h5py, recomputed from its closed form.
#[test]
fn reads_an_h5py_file_in_d4rl_kitchen_layout() {
    let f = D4rlFile::open(&fixture("d4rl_kitchen_like.h5")).unwrap();
    assert_eq!(f.len(), 23);
    let (obs, d) = f.observations().unwrap();
    assert_eq!(d, 60);
    for (k, v) in obs.iter().enumerate() {
        let (i, j) = ((k / 60) as f64, (k % 60) as f64);
        assert_eq!(*v, (0.1 * i + 0.01 * j).sin() as f32, "observations[{k}]");
    }
    let (act, a) = f.actions().unwrap();
    assert_eq!((act.len(), a), (23 * 9, 9));
    assert_eq!(act[9 * 3 + 2], (0.2f64 * 3.0 + 0.1 * 2.0).cos() as f32);
    let rewards = f.rewards().unwrap();
    assert_eq!(rewards.iter().filter(|r| **r == 1.0).count(), 5);
    let terminals = f.terminals().unwrap();
    assert_eq!(trajectory_ranges(&terminals), vec![0..=9, 10..=22]);
    assert_eq!(f.timeouts().unwrap(), Some(vec![false; 23]));
    let (qpos, nq) = f.matrix_f64(keys::QPOS).unwrap();
    assert_eq!((nq, qpos[30 * 4 + 7]), (30, 0.5 * 4.0 + 7.0));
    let (qvel, nv) = f.matrix_f64(keys::QVEL).unwrap();
    assert_eq!((nv, qvel[29 * 2 + 1]), (29, -0.25 * 2.0 + 1.0));
    assert_eq!(f.subtasks().unwrap(), None);
    assert_eq!(f.frame_size().unwrap(), None);
    let err = f.frames(0..1).unwrap_err().to_string();
    assert!(err.contains("rendered_frames") && err.contains("missing"), "{err}");
}

fn episode(t: usize, seed: usize, frame: usize, truncated: bool) -> Episode {
    let v = |n: usize, k: f32| (0..n).map(|i| ((i + seed) as f32 * k).sin()).collect::<Vec<f32>>();
    Episode {
        observations: v(t * 60, 0.37),
        actions: v(t * 9, 0.11),
        rewards: (0..t).map(|i| (i == t / 2) as u8 as f32).collect(),
        truncated,
        qpos: (0..t * 30).map(|i| (i + seed) as f64 * 1e-3 + 1e-12).collect(),
        qvel: (0..t * 29).map(|i| -((i + seed) as f64) * 1e-3).collect(),
        subtask: (0..t).map(|i| if i < 2 { NO_SUBTASK } else { (i % 3) as u8 }).collect(),
        frames: (0..t * frame * frame * 3).map(|i| ((i * 7 + seed) % 251) as u8).collect(),
    }
}

#[test]
fn writer_round_trips_every_key_and_renames_only_on_finish() {
    let path = scratch("round_trip.h5");
    let _ = std::fs::remove_file(&path);
    let names = vec!["microwave".to_string(), "kettle".into(), "light switch".into()];
    let mut opts = WriterOptions::kitchen(Some(8), names.clone());
    opts.attributes.push(("generator".into(), "test {\"seed\": 3}".into()));
    let eps = [episode(7, 0, 8, false), episode(5, 100, 8, true)];
    let mut w = D4rlWriter::create(&path, opts).unwrap();
    for ep in &eps {
        w.append(ep).unwrap();
    }
    assert!(!path.exists(), "the final name appears only on finish");
    assert_eq!((w.episodes(), w.steps()), (2, 12));
    assert_eq!(w.finish().unwrap(), path);
    let dir_entries: Vec<_> = std::fs::read_dir(path.parent().unwrap()).unwrap().flatten().collect();
    assert!(dir_entries.iter().all(|e| !e.file_name().to_string_lossy().contains("partial")));

    let f = D4rlFile::open(&path).unwrap();
    assert_eq!(f.len(), 12);
    let cat = |g: fn(&Episode) -> Vec<f32>| eps.iter().flat_map(g).collect::<Vec<f32>>();
    assert_eq!(f.observations().unwrap(), (cat(|e| e.observations.clone()), 60));
    assert_eq!(f.actions().unwrap(), (cat(|e| e.actions.clone()), 9));
    assert_eq!(f.rewards().unwrap(), cat(|e| e.rewards.clone()));
    let mut terminals = vec![false; 12];
    terminals[6] = true;
    terminals[11] = true;
    assert_eq!(f.terminals().unwrap(), terminals);
    let mut timeouts = vec![false; 12];
    timeouts[11] = true;
    assert_eq!(f.timeouts().unwrap(), Some(timeouts));
    let qpos: Vec<f64> = eps.iter().flat_map(|e| e.qpos.clone()).collect();
    assert_eq!(f.matrix_f64(keys::QPOS).unwrap(), (qpos, 30), "f64 states are stored exactly");
    let labels: Vec<u8> = eps.iter().flat_map(|e| e.subtask.clone()).collect();
    assert_eq!(f.subtasks().unwrap(), Some(SubtaskLabels { labels, names }));
    assert_eq!(f.frame_size().unwrap(), Some((8, 8)));
    let frames: Vec<u8> = eps.iter().flat_map(|e| e.frames.clone()).collect();
    assert_eq!(f.frames(0..12).unwrap(), frames);
    assert_eq!(f.frames(5..9).unwrap(), frames[5 * 192..9 * 192]);
    assert_eq!(f.attribute("generator").unwrap().as_deref(), Some("test {\"seed\": 3}"));
    assert_eq!(f.attribute("nope").unwrap(), None);
    let err = f.frames(10..13).unwrap_err().to_string();
    assert!(err.contains("out of 0..12"), "{err}");
}

#[test]
fn dropped_writer_leaves_nothing_and_bad_episodes_are_rejected() {
    let path = scratch("dropped.h5");
    let _ = std::fs::remove_file(&path);
    let mut w = D4rlWriter::create(&path, WriterOptions::kitchen(None, vec![])).unwrap();
    w.append(&episode(3, 0, 0, false)).unwrap();
    let mut short = episode(3, 0, 0, false);
    short.actions.pop();
    let err = w.append(&short).unwrap_err().to_string();
    assert!(err.contains("`actions` has 26 values, expected 27"), "{err}");
    let err = w.append(&Episode::default()).unwrap_err().to_string();
    assert!(err.contains("empty"), "{err}");
    assert_eq!(w.steps(), 3, "a rejected episode writes nothing");
    drop(w);
    let left: Vec<_> = std::fs::read_dir(path.parent().unwrap())
        .unwrap()
        .flatten()
        .filter(|e| e.file_name().to_string_lossy().contains("dropped"))
        .collect();
    assert!(left.is_empty(), "a dropped writer removes its temporary file: {left:?}");
}

/// Every reader error is one line naming the file (and the key, when one is at fault).
fn expect_err<T>(r: Result<T, envs::EnvError>, path: &Path, needles: &[&str]) {
    let Err(e) = r else { panic!("expected an error for {}", path.display()) };
    let msg = e.to_string();
    assert!(!msg.contains('\n'), "one line: {msg}");
    assert!(msg.contains(&path.display().to_string()), "names the file: {msg}");
    for n in needles {
        assert!(msg.contains(n), "{msg:?} should mention {n:?}");
    }
}

#[test]
fn bad_files_give_one_line_errors_naming_file_and_key() {
    let missing = scratch("does_not_exist.h5");
    expect_err(D4rlFile::open(&missing), &missing, &["no such file"]);

    let text = scratch("not_hdf5.h5");
    std::fs::write(&text, "observations,actions\n1,2\n").unwrap();
    expect_err(D4rlFile::open(&text), &text, &["not a readable HDF5 file"]);

    // A truncated copy of a valid file: opening or reading must fail cleanly, never panic.
    let good = std::fs::read(fixture("d4rl_kitchen_like.h5")).unwrap();
    for cut in [100, 2048, good.len() / 2, good.len() - 10] {
        let p = scratch(&format!("truncated_{cut}.h5"));
        std::fs::write(&p, &good[..cut]).unwrap();
        let read_all = D4rlFile::open(&p).and_then(|f| {
            f.observations()?;
            f.actions()?;
            f.matrix_f64(keys::QPOS)?;
            f.matrix_f64(keys::QVEL)
        });
        expect_err(read_all, &p, &[]);
    }

    // No `terminals`, then observations with the wrong number of rows, then a 3-d actions array.
    let p = scratch("no_terminals.h5");
    {
        let f = hdf5::File::create(&p).unwrap();
        f.new_dataset_builder().with_data(&[1.0f32, 2.0]).create("observations").unwrap();
    }
    expect_err(D4rlFile::open(&p), &p, &["`terminals`", "missing"]);

    let p = scratch("wrong_rows.h5");
    {
        let f = hdf5::File::create(&p).unwrap();
        f.new_dataset_builder().with_data(&[false, false, true]).create("terminals").unwrap();
        let obs = ndarray::Array2::<f32>::zeros((4, 60));
        f.new_dataset_builder().with_data(&obs).create("observations").unwrap();
        let act = ndarray::Array3::<f32>::zeros((3, 9, 2));
        f.new_dataset_builder().with_data(&act).create("actions").unwrap();
        f.new_dataset_builder().with_data(&[0.5f32; 2]).create("rewards").unwrap();
        let frames = ndarray::Array4::<u8>::zeros((3, 4, 4, 1));
        f.new_dataset_builder().with_data(&frames).create("rendered_frames").unwrap();
    }
    let f = D4rlFile::open(&p).unwrap();
    expect_err(f.observations(), &p, &["`observations`", "[4, 60]", "N = 3"]);
    expect_err(f.actions(), &p, &["`actions`", "[3, 9, 2]"]);
    expect_err(f.rewards(), &p, &["`rewards`", "[2]"]);
    expect_err(f.frame_size(), &p, &["`rendered_frames`", "(N, H, W, 3)"]);
    expect_err(f.matrix_f32("infos/qpos"), &p, &["`infos/qpos`", "missing"]);
}
