//! Kitchen scene and env against D4RL's semantics: model layout, reset observation, action clipping and
//! position bounds, reward/termination/truncation on hand-made states, instability handling.
use envs::kitchen::{KitchenConfig, KitchenEnv, KitchenTask};
use envs::mujoco::Model;
use envs::{Env, EnvError};

fn noiseless(tasks: &[KitchenTask]) -> KitchenConfig {
    KitchenConfig { tasks: tasks.to_vec(), noise_ratio: 0.0, ..KitchenConfig::default() }
}

#[test]
fn scene_has_the_d4rl_layout() {
    let cfg = KitchenConfig::default();
    let model = KitchenEnv::load_model(&cfg).unwrap();
    assert_eq!((model.nq(), model.nv(), model.nu()), (30, 29, 9));
    assert_eq!(model.timestep(), 0.002);
    assert_eq!(model.actuator_qpos_addresses(), (0..9).map(Some).collect::<Vec<_>>());
    for site in ["end_effector", "microhandle_site", "kettle_site", "light_site", "knob2_site"] {
        assert!(model.site_id(site).is_some(), "site {site}");
    }
}

#[test]
fn missing_scene_is_a_clear_error() {
    let err = Model::from_xml(std::path::Path::new("/nonexistent/scene.xml")).unwrap_err();
    assert!(matches!(err, EnvError::Io { .. }));
    assert!(err.to_string().contains("/nonexistent/scene.xml"), "{err}");
    let cfg = KitchenConfig { assets_dir: "/nonexistent".into(), ..KitchenConfig::default() };
    let err = KitchenEnv::new(cfg).err().expect("must fail");
    assert!(err.to_string().contains("kitchen_env_model.xml"), "{err}");
}

#[test]
fn broken_mjcf_names_the_file() {
    let dir = std::env::temp_dir().join(format!("envs-broken-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("broken.xml");
    std::fs::write(&path, "<mujoco><worldbody><body><geom type='nosuch'/></body></worldbody></mujoco>").unwrap();
    let err = Model::from_xml(&path).unwrap_err();
    assert!(matches!(err, EnvError::Load { .. }), "{err:?}");
    assert!(err.to_string().starts_with(&format!("MuJoCo cannot load {}", path.display())), "{err}");
    assert_eq!(err.to_string().lines().count(), 1, "one-line message: {err}");
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn reset_observation_layout() {
    let mut env = KitchenEnv::new(noiseless(&KitchenTask::MIXED)).unwrap();
    let (obs, info) = env.reset(Some(0));
    assert_eq!(obs.len(), 60);
    assert_eq!(env.observation_space().dim(), 60);
    assert_eq!(env.action_space().dim(), 9);
    let qpos: Vec<f32> = envs::kitchen::INIT_QPOS.iter().map(|v| *v as f32).collect();
    assert_eq!(&obs[..30], &qpos[..]);
    let mut goal = [0.0f32; 30];
    goal[22] = -0.75;
    goal[23..30].copy_from_slice(&[-0.23, 0.75, 1.62, 0.99, 0.0, 0.0, -0.06]);
    goal[11..13].copy_from_slice(&[-0.88, -0.01]);
    goal[17..19].copy_from_slice(&[-0.69, -0.05]);
    assert_eq!(&obs[30..], &goal[..]);
    assert_eq!(info.remaining, KitchenTask::MIXED.to_vec());
    assert!(info.completed.is_empty());
}

#[test]
fn observation_noise_has_d4rl_amplitudes() {
    let mut env = KitchenEnv::new(KitchenConfig::default()).unwrap();
    let mut max_dev = [0.0f64; 30];
    for seed in 0..20 {
        let (obs, _) = env.reset(Some(seed));
        for i in 0..30 {
            max_dev[i] = max_dev[i].max((obs[i] as f64 - envs::kitchen::INIT_QPOS[i]).abs());
        }
    }
    // noise ratio 0.1 times franka_config's pos_noise_amp: 0.1 (robot), 0.005 / 0.0005 / 0.1 (objects).
    for (i, dev) in max_dev.iter().enumerate() {
        let amp = match i {
            0..=8 | 20..=22 | 26..=28 => 0.1,
            11..=16 => 0.0005,
            _ => 0.005,
        };
        assert!(*dev <= 0.1 * amp + 1e-6 && *dev > 0.02 * amp, "qpos[{i}]: max deviation {dev}, amp {amp}");
    }
}

#[test]
fn bad_configs_are_rejected_with_the_value() {
    let model = KitchenEnv::load_model(&KitchenConfig::default()).unwrap();
    let cases = [
        (KitchenConfig { tasks: vec![], ..KitchenConfig::default() }, "the task list is empty"),
        (noiseless(&[KitchenTask::Kettle, KitchenTask::Microwave, KitchenTask::Kettle]), "task Kettle is listed twice"),
        (KitchenConfig { frame_skip: 0, ..KitchenConfig::default() }, "frame_skip 0"),
        (KitchenConfig { noise_ratio: -0.1, ..KitchenConfig::default() }, "noise_ratio -0.1"),
    ];
    for (cfg, expected) in cases {
        let err = KitchenEnv::with_model(&model, cfg).err().expect("must fail").to_string();
        assert!(err.contains(expected), "{err}");
    }
}
