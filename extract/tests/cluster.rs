//! Clustering tools against scipy/scikit-learn reference outputs (fixtures/gen_cluster_fixtures.py),
//! and K-means on well-separated synthetic clusters.
use extract::cluster::{
    KMeans, KMeansConfig, Padding, adjusted_rand_index, median_filter, normalized_mutual_info, silhouette,
};
use rand::{Rng, SeedableRng, rngs::StdRng};
use serde_json::Value;

fn reference() -> Value {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/cluster_reference.json");
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

fn u32s(v: &Value) -> Vec<u32> {
    v.as_array().unwrap().iter().map(|x| x.as_u64().unwrap() as u32).collect()
}

#[test]
fn median_filter_matches_scipy_medfilt() {
    let r = reference();
    for case in r["medfilt"].as_array().unwrap() {
        let (x, window) = (u32s(&case["x"]), case["window"].as_u64().unwrap() as usize);
        assert_eq!(median_filter(&x, window, Padding::Zeros).unwrap(), u32s(&case["y"]), "{x:?}, window {window}");
    }
}

#[test]
fn ari_and_nmi_match_scikit_learn() {
    let r = reference();
    for case in r["agreement"].as_array().unwrap() {
        let (t, p) = (u32s(&case["truth"]), u32s(&case["pred"]));
        let ari = adjusted_rand_index(&t, &p).unwrap();
        let nmi = normalized_mutual_info(&t, &p).unwrap();
        assert!((ari - case["ari"].as_f64().unwrap()).abs() < 1e-9, "ari {ari} vs {}", case["ari"]);
        assert!((nmi - case["nmi"].as_f64().unwrap()).abs() < 1e-9, "nmi {nmi} vs {}", case["nmi"]);
    }
    assert!(adjusted_rand_index(&[0, 1], &[0]).unwrap_err().contains("1 labels against 2"));
}

#[test]
fn silhouette_matches_scikit_learn() {
    let r = reference();
    for case in r["silhouette"].as_array().unwrap() {
        let x: Vec<f32> = case["x"].as_array().unwrap().iter().map(|v| v.as_f64().unwrap() as f32).collect();
        let dim = case["dim"].as_u64().unwrap() as usize;
        let s = silhouette(&x, dim, &u32s(&case["labels"])).unwrap();
        let want = case["score"].as_f64().unwrap();
        assert!((s - want).abs() < 1e-5, "silhouette {s} vs {want}");
    }
}

/// `k` Gaussian blobs (std 1) with centres ~20 apart in `dim` dimensions; points in random order.
fn blobs(k: usize, per: usize, dim: usize, seed: u64) -> (Vec<f32>, Vec<u32>) {
    let mut rng = StdRng::seed_from_u64(seed);
    let centers: Vec<f32> = (0..k * dim).map(|_| rng.random_range(-15.0..15.0f32)).collect();
    let (mut x, mut y) = (Vec::new(), Vec::new());
    for _ in 0..k * per {
        let c = rng.random_range(0..k);
        let noise = || -> f32 { (0..4).map(|_| rng.random_range(-0.866..0.866f32)).sum() };
        let mut noise = noise;
        x.extend((0..dim).map(|j| centers[c * dim + j] + noise()));
        y.push(c as u32);
    }
    (x, y)
}

#[test]
fn kmeans_recovers_separated_clusters() {
    let (x, truth) = blobs(8, 400, 16, 3);
    for cfg in [KMeansConfig::mini_batch(8, 0), KMeansConfig::full(8, 0)] {
        let km = KMeans::fit(&x, 16, &cfg).unwrap();
        let ari = adjusted_rand_index(&truth, &km.predict(&x)).unwrap();
        assert!(ari >= 0.99, "{cfg:?}: ARI {ari}");
        assert_eq!(KMeans::fit(&x, 16, &cfg).unwrap(), km, "seeded: identical refit");
        // Fit on one set, predict another drawn from the same blobs (same seed: same centres).
        let (x2, truth2) = blobs(8, 50, 16, 3);
        let ari2 = adjusted_rand_index(&truth2, &km.predict(&x2)).unwrap();
        assert!(ari2 >= 0.99, "{cfg:?}: held-out ARI {ari2}");
    }
    let err = KMeans::fit(&x[..16 * 5], 16, &KMeansConfig::mini_batch(8, 0)).unwrap_err();
    assert!(err.contains("k = 8") && err.contains("got 5"), "{err}");
    assert!(KMeans::fit(&x[..17], 16, &KMeansConfig::full(2, 0)).unwrap_err().contains("not rows of 16"));
}

/// A two-trajectory file whose states jump between two far-apart values halfway through each.
fn two_phase_file(path: &std::path::Path) {
    use envs::dataset::{D4rlWriter, Episode, WriterOptions};
    let names = vec!["reach".to_string(), "push".to_string()];
    let mut w = D4rlWriter::create(path, WriterOptions::kitchen(None, names)).unwrap();
    for e in 0..2 {
        let t = 40;
        let obs: Vec<f32> = (0..t).flat_map(|i| vec![if i < 20 { 0.0 } else { 10.0 } + 0.01 * e as f32; 60]).collect();
        w.append(&Episode {
            observations: obs,
            actions: vec![0.0; t * 9],
            rewards: vec![0.0; t],
            truncated: false,
            qpos: vec![0.0; t * 30],
            qvel: vec![0.0; t * 29],
            subtask: (0..t).map(|i| (i >= 20) as u8).collect(),
            frames: vec![],
        })
        .unwrap();
    }
    w.finish().unwrap();
}

#[test]
fn cluster_command_writes_labels_and_report_and_rejects_bad_input() {
    use extract::cluster::{ClusterConfig, EmbedderKind, run::run};
    let dir = std::env::temp_dir().join(format!("extract-cluster-{}", std::process::id()));
    let data = dir.join("kitchen_twophase_data.h5");
    two_phase_file(&data);
    let mut cfg = ClusterConfig::new(data.clone());
    (cfg.out_root, cfg.k, cfg.window) = (dir.join("clusters"), 2, 3);
    let s = run(&cfg).unwrap();
    assert!(cfg.out_dir().ends_with("kitchen/state_first_diff_KMeans_n_clusters:2_MedFilt(3)/twophase"));
    let labels = envs::dataset::read_labels(&s.labels_file, Some(80)).unwrap();
    assert_eq!((s.ari, s.nmi), (Some(1.0), Some(1.0)), "the two phases are recovered: {labels:?}");
    for f in ["report.json", "skill_lengths.png", "skill_strip.png"] {
        assert!(cfg.out_dir().join(f).is_file(), "{f}");
    }
    let too_many = ClusterConfig { k: 81, ..cfg.clone() };
    assert!(run(&too_many).unwrap_err().contains("K = 81"));
    let image = ClusterConfig { embedder: EmbedderKind::EfficientNet, ..cfg.clone() };
    let err = run(&image).unwrap_err();
    assert!(err.contains("twophase_data.h5") && err.contains("no `rendered_frames`"), "{err}");
    let missing = ClusterConfig::new(dir.join("nope.h5"));
    let err = run(&missing).unwrap_err();
    assert!(err.contains("nope.h5") && err.contains("no such file"), "{err}");
}
