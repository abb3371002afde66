//! Offscreen rendering of the kitchen from D4RL's camera (EGL on Mesa's software renderer): image size
//! and layout, a picture that is not blank and changes with the state, and a PNG of the first frame.
use envs::kitchen::{INIT_QPOS, KitchenConfig, KitchenEnv};
use envs::mujoco::{FreeCamera, Renderer};

#[test]
fn renders_the_kitchen_at_64_and_128() {
    let model = KitchenEnv::load_model(&KitchenConfig::default()).unwrap();
    for size in [64, 128] {
        let mut renderer = Renderer::new(&model, size, size, FreeCamera::D4RL_KITCHEN).unwrap();
        let rgb = renderer.render_qpos(&INIT_QPOS).unwrap();
        assert_eq!(rgb.len(), size * size * 3);
        let mean = rgb.iter().map(|v| *v as f64).sum::<f64>() / rgb.len() as f64;
        let distinct: std::collections::HashSet<&[u8]> = rgb.chunks(3).collect();
        assert!(mean > 20.0 && mean < 235.0 && distinct.len() > 100, "{size}: mean {mean}, {} colours", distinct.len());
        // Open the microwave door fully: the picture must change.
        let mut q = INIT_QPOS;
        q[22] = -1.2;
        let open = renderer.render_qpos(&q).unwrap();
        let changed = rgb.chunks(3).zip(open.chunks(3)).filter(|(a, b)| a != b).count();
        assert!(changed > size * size / 100, "{size}: only {changed} pixels changed");
    }
}

#[test]
fn renderers_on_two_threads_share_one_model() {
    let model = KitchenEnv::load_model(&KitchenConfig::default()).unwrap();
    let frame = |q22: f64| {
        let mut renderer = Renderer::new(&model, 64, 64, FreeCamera::D4RL_KITCHEN).unwrap();
        let mut q = INIT_QPOS;
        q[22] = q22;
        renderer.render_qpos(&q).unwrap()
    };
    let serial = [frame(0.0), frame(-1.0)];
    let parallel = std::thread::scope(|s| {
        let a = s.spawn(|| frame(0.0));
        let b = s.spawn(|| frame(-1.0));
        [a.join().unwrap(), b.join().unwrap()]
    });
    assert_eq!(serial, parallel, "each thread's renderer draws the same pictures");
    assert_ne!(serial[0], serial[1]);
}
