//! safetensors checkpoints: bit-exact f32 round trips, f16/bf16 within their rounding, metadata,
//! all-or-nothing `load_into` with one-line mismatch reports, and damaged files as errors.

use autograd::Param;
use nn::Module;
use nn::checkpoint::{
    CheckpointError, LoadOptions, StoreDtype, load, load_into, load_module, module_slots, save, save_module,
};
use std::path::PathBuf;
use tensor::Tensor;
use tensor::half::{bf16, f16};

fn scratch(name: &str) -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(format!("ckpt-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

/// Awkward f32 values: signed zero, infinities, NaN, subnormals, extremes, and f16 overflow.
fn awkward() -> Tensor {
    let v = vec![
        0.0,
        -0.0,
        1.0,
        -1.5e-3,
        f32::INFINITY,
        f32::NEG_INFINITY,
        f32::NAN,
        1e-40,
        f32::MAX,
        f32::MIN_POSITIVE,
        70000.0,
        std::f32::consts::PI,
    ];
    Tensor::from_vec(v, &[3, 4])
}

fn entries() -> Vec<(String, Tensor)> {
    vec![
        ("enc.weight".to_string(), awkward()),
        ("enc.bias".to_string(), Tensor::from_vec(vec![0.25, -7.0], &[2])),
        ("step".to_string(), Tensor::scalar(1234.0)),
        ("optim.enc.weight.exp_avg".to_string(), Tensor::full(&[3, 4], 0.1)),
    ]
}

fn bits(t: &Tensor) -> Vec<u32> {
    t.to_vec().iter().map(|v| v.to_bits()).collect()
}

#[test]
fn f32_round_trip_is_bit_exact_with_metadata() {
    let path = scratch("f32").join("run/ckpt.safetensors");
    let meta = vec![("step".to_string(), "1234".to_string()), ("config".to_string(), "{\"lr\": 3e-4}".to_string())];
    save(&path, &entries(), &meta, StoreDtype::F32).unwrap();
    let ckpt = load(&path).unwrap();
    assert_eq!(ckpt.tensors.len(), 4);
    for (name, t) in entries() {
        let got = ckpt.get(&name).unwrap_or_else(|| panic!("{name} missing"));
        assert_eq!(got.shape(), t.shape(), "{name}");
        assert_eq!(bits(got), bits(&t), "{name}");
    }
    assert_eq!(ckpt.meta("step"), Some("1234"));
    assert_eq!(ckpt.meta("config"), Some("{\"lr\": 3e-4}"));
}

#[test]
fn half_precision_round_trips_within_rounding() {
    let dir = scratch("half");
    for (dtype, round) in [
        (StoreDtype::F16, (|v: f32| f16::from_f32(v).to_f32()) as fn(f32) -> f32),
        (StoreDtype::BF16, |v: f32| bf16::from_f32(v).to_f32()),
    ] {
        let path = dir.join(format!("{dtype:?}.safetensors"));
        save(&path, &entries(), &[], dtype).unwrap();
        let got = load(&path).unwrap();
        let want: Vec<u32> = awkward().to_vec().into_iter().map(|v| round(v).to_bits()).collect();
        assert_eq!(bits(got.get("enc.weight").unwrap()), want, "{dtype:?}");
    }
}

#[test]
fn other_dtypes_in_foreign_files_read_as_f32() {
    use safetensors::tensor::{Dtype, TensorView};
    let f64s: Vec<u8> = [0.1f64, -2.0].iter().flat_map(|v| v.to_le_bytes()).collect();
    let i64s: Vec<u8> = [-3i64, 1 << 40].iter().flat_map(|v| v.to_le_bytes()).collect();
    let views = [
        ("d", TensorView::new(Dtype::F64, vec![2], &f64s).unwrap()),
        ("position_ids", TensorView::new(Dtype::I64, vec![1, 2], &i64s).unwrap()),
    ];
    let path = scratch("foreign").join("foreign.safetensors");
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(&path, safetensors::serialize(views, None).unwrap()).unwrap();
    let ckpt = load(&path).unwrap();
    assert_eq!(ckpt.get("d").unwrap().to_vec(), vec![0.1f64 as f32, -2.0]);
    assert_eq!(ckpt.get("position_ids").unwrap().to_vec(), vec![-3.0, (1u64 << 40) as f32]);
    assert_eq!(ckpt.get("position_ids").unwrap().shape(), &[1, 2]);
}

/// A module with two parameters and one buffer, named like a PyTorch model.
struct Toy {
    params: Vec<Param>,
    buffers: Vec<Param>,
}

impl Toy {
    fn new(fill: f32) -> Toy {
        Toy {
            params: vec![
                Param::new("enc.weight", Tensor::full(&[3, 4], fill)),
                Param::new("enc.bias", Tensor::full(&[2], fill)),
            ],
            buffers: vec![Param::new("bn.running_mean", Tensor::full(&[2], fill))],
        }
    }
}

impl Module for Toy {
    fn parameters(&self) -> Vec<Param> {
        self.params.clone()
    }
    fn buffers(&self) -> Vec<Param> {
        self.buffers.clone()
    }
}

#[test]
fn module_save_load_restores_parameters_and_buffers() {
    let path = scratch("module").join("toy.safetensors");
    let src = Toy::new(0.5);
    src.buffers[0].set(Tensor::from_vec(vec![1.0, -1.0], &[2]));
    save_module(&path, &src, &[("epoch".into(), "7".into())]).unwrap();
    let dst = Toy::new(0.0);
    let ckpt = load_module(&path, &dst).unwrap();
    assert_eq!(ckpt.meta("epoch"), Some("7"));
    for (a, b) in module_slots(&src).iter().zip(module_slots(&dst)) {
        assert_eq!(bits(&a.value()), bits(&b.value()), "{}", a.name());
    }
}

#[test]
fn mismatch_is_one_line_listing_everything_and_sets_nothing() {
    let path = scratch("mismatch").join("runs/x/ckpt.safetensors");
    let file = vec![
        ("enc.weight".to_string(), Tensor::zeros(&[4, 3])), // transposed shape
        ("enc.bias".to_string(), Tensor::ones(&[2])),       // fits: must still not be set
        ("dec.bias".to_string(), Tensor::ones(&[2])),       // unexpected
    ];
    save(&path, &file, &[], StoreDtype::F32).unwrap();
    let toy = Toy::new(9.0);
    let err = load_module(&path, &toy).err().unwrap();
    let msg = err.to_string();
    assert!(!msg.contains('\n'), "{msg}");
    assert!(msg.starts_with(&format!("checkpoint {} does not fit the model:", path.display())), "{msg}");
    assert!(msg.contains("missing [bn.running_mean]"), "{msg}");
    assert!(msg.contains("unexpected [dec.bias]"), "{msg}");
    assert!(msg.contains("shape mismatch [enc.weight: file [4, 3] vs model [3, 4]]"), "{msg}");
    let CheckpointError::Mismatch { report, .. } = err else { panic!("wrong variant") };
    assert_eq!(report.missing, vec!["bn.running_mean"]);
    for p in module_slots(&toy) {
        assert!(p.value().to_vec().iter().all(|&v| v == 9.0), "{} was changed", p.name());
    }
}

#[test]
fn module_and_optimizer_parts_of_one_file_load_separately() {
    let path = scratch("parts").join("both.safetensors");
    let toy = Toy::new(2.0);
    let mut all = toy.state_dict();
    all.push(("optim.enc.weight.exp_avg".into(), Tensor::full(&[3, 4], 0.125)));
    all.push(("optim.step".into(), Tensor::scalar(10.0)));
    save(&path, &all, &[], StoreDtype::F32).unwrap();
    let ckpt = load(&path).unwrap();

    let model = Toy::new(0.0);
    assert!(ckpt.load_into(&module_slots(&model), &LoadOptions::default()).is_err(), "optim.* is unexpected");
    ckpt.load_into(&module_slots(&model), &LoadOptions::default().skip_prefix("optim.")).unwrap();
    assert_eq!(model.params[0].value().to_vec(), vec![2.0; 12]);

    let moments = [Param::new("enc.weight.exp_avg", Tensor::zeros(&[3, 4])), Param::new("step", Tensor::scalar(0.0))];
    ckpt.load_into(&moments, &LoadOptions::default().prefix("optim.")).unwrap();
    assert_eq!(moments[1].value().item(), 10.0);

    // Lenient: only the names both sides have; shape mismatches are still errors.
    let partial = [Param::new("enc.bias", Tensor::zeros(&[2])), Param::new("other", Tensor::zeros(&[1]))];
    load_into(&partial, &ckpt.tensors, &path, &LoadOptions::lenient()).unwrap();
    assert_eq!(partial[0].value().to_vec(), vec![2.0, 2.0]);
    let wrong = [Param::new("enc.bias", Tensor::zeros(&[3]))];
    let msg = load_into(&wrong, &ckpt.tensors, &path, &LoadOptions::lenient()).unwrap_err().to_string();
    assert!(msg.contains("shape mismatch [enc.bias: file [2] vs model [3]]"), "{msg}");
}

#[test]
fn duplicate_names_are_refused_on_save() {
    let path = scratch("dup").join("dup.safetensors");
    let dup = vec![("a".to_string(), Tensor::zeros(&[1])), ("a".to_string(), Tensor::ones(&[1]))];
    let msg = save(&path, &dup, &[], StoreDtype::F32).unwrap_err().to_string();
    assert!(msg.contains("tensor name a twice") && msg.contains("dup.safetensors"), "{msg}");
    assert!(!path.exists());
}

#[test]
fn truncated_or_corrupt_files_give_errors_not_panics() {
    let dir = scratch("damage");
    let path = dir.join("good.safetensors");
    save(&path, &entries(), &[("k".into(), "v".into())], StoreDtype::F32).unwrap();
    let bytes = std::fs::read(&path).unwrap();
    let bad = dir.join("bad.safetensors");
    for n in 0..bytes.len() {
        std::fs::write(&bad, &bytes[..n]).unwrap();
        let msg = load(&bad).err().unwrap_or_else(|| panic!("cut to {n} bytes was accepted")).to_string();
        assert!(msg.contains("bad.safetensors") && !msg.contains('\n'), "{msg}");
    }
    for i in 0..bytes.len() {
        let mut copy = bytes.clone();
        copy[i] ^= 0x5a;
        std::fs::write(&bad, &copy).unwrap();
        let _ = load(&bad); // data bytes change values (Ok); header bytes give Err; never a panic
    }
    let msg = load(dir.join("missing.safetensors")).unwrap_err().to_string();
    assert!(msg.contains("missing.safetensors") && msg.contains("cannot read"), "{msg}");
}
