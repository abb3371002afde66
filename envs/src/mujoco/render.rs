//! Offscreen RGB rendering of a `Model` with no display: mujoco-rs's renderer opens an EGL context on
//! Mesa's software device (llvmpipe). Not `Send`: create and use each `Renderer` on one thread.
//!
//! The kitchen XML asks for a 2560×1920 8×MSAA buffer, 4096² shadow maps and reflections (2–3 fps,
//! ~1 GB). `Renderer` compiles its own copy of the model with fast settings that keep the picture
//! faithful (shared/docs/assets.md): no MSAA, buffer = image size, no shadows, no reflections, and the
//! range-hood light off (without shadows it throws a hotspot on the stove).
use std::sync::Arc;

use mujoco_rs::prelude::{MjData, MjModel, MjtObjBase};
use mujoco_rs::renderer::MjRenderer;
use mujoco_rs::wrappers::mj_visualization::MjvCamera;

use super::{Model, Sim};
use crate::EnvError;

/// A free camera orbiting `lookat` (MuJoCo's `mjCAMERA_FREE`); angles in degrees.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct FreeCamera {
    pub lookat: [f64; 3],
    pub distance: f64,
    pub azimuth: f64,
    pub elevation: f64,
}

impl FreeCamera {
    /// D4RL's kitchen render camera (`KitchenTaskRelaxV1.render`), used for EXTRACT's images.
    pub const D4RL_KITCHEN: FreeCamera =
        FreeCamera { lookat: [-0.2, 0.5, 2.0], distance: 2.2, azimuth: 70.0, elevation: -35.0 };
}

/// Renders states of one model to `height × width × 3` RGB bytes, rows top to bottom.
pub struct Renderer {
    /// The state being drawn, on the fast-settings copy of the model.
    data: MjData<Arc<MjModel>>,
    renderer: MjRenderer,
    width: usize,
    height: usize,
    /// The model's file, for error messages.
    path: std::path::PathBuf,
}

/// The lights that are switched off for rendering (the kitchen's range-hood light).
const DARK_LIGHTS: [&str; 1] = ["ovenlight"];

impl Renderer {
    /// A renderer of `model` at `width × height` pixels seen from `camera`. Fails with the model's
    /// file named when no EGL/OpenGL context can be created (Debian: `libegl1 libegl-mesa0
    /// libgl1-mesa-dri`).
    pub fn new(model: &Model, width: usize, height: usize, camera: FreeCamera) -> Result<Self, EnvError> {
        let fail = |message: String| EnvError::Render { path: model.path().to_path_buf(), message };
        if width == 0 || height == 0 {
            return Err(fail(format!("image size {width}x{height} must be positive")));
        }
        let fast = Arc::new(fast_copy(&model.raw, width, height));
        let mut cam = MjvCamera::new_free(&fast);
        (cam.lookat, cam.distance, cam.azimuth, cam.elevation) =
            (camera.lookat, camera.distance, camera.azimuth, camera.elevation);
        let renderer = MjRenderer::builder()
            .width(width as u32)
            .height(height as u32)
            .camera(cam)
            .build(&fast)
            .map_err(|e| fail(format!("cannot create the offscreen renderer: {e}")))?;
        Ok(Renderer { data: MjData::new(fast), renderer, width, height, path: model.path().to_path_buf() })
    }

    pub fn width(&self) -> usize {
        self.width
    }

    pub fn height(&self) -> usize {
        self.height
    }

    /// Draws the positions of `sim` (its `qpos`; velocities play no part in a picture).
    pub fn render(&mut self, sim: &Sim) -> Result<Vec<u8>, EnvError> {
        self.render_qpos(sim.qpos())
    }

    /// Draws the configuration `qpos` (length `nq`), as EXTRACT renders logged states.
    pub fn render_qpos(&mut self, qpos: &[f64]) -> Result<Vec<u8>, EnvError> {
        assert_eq!(qpos.len(), self.data.qpos().len(), "Renderer::render_qpos: qpos length");
        self.data.qpos_mut().copy_from_slice(qpos);
        self.data.forward();
        let fail = |e: &dyn std::fmt::Display| EnvError::Render { path: self.path.clone(), message: e.to_string() };
        self.renderer.sync_data(&mut self.data).map_err(|e| fail(&e))?;
        self.renderer.render().map_err(|e| fail(&e))?;
        let rgb = self.renderer.rgb_flat().ok_or_else(|| fail(&"RGB output is disabled"))?;
        Ok(rgb.to_vec())
    }
}

impl Renderer {
    /// Writes the last rendered frame as a PNG file.
    pub fn save_png(&self, path: &std::path::Path) -> Result<(), EnvError> {
        self.renderer.save_rgb(path).map_err(|e| EnvError::io(path, e))
    }
}

/// A copy of `raw` with the fast visual settings and an offscreen buffer of `width × height`.
fn fast_copy(raw: &MjModel, width: usize, height: usize) -> MjModel {
    let mut fast = raw.clone();
    let vis = fast.vis_mut();
    vis.quality.offsamples = 0;
    (vis.global.offwidth, vis.global.offheight) = (width as i32, height as i32);
    fast.light_castshadow_mut().fill(false);
    fast.mat_reflectance_mut().fill(0.0);
    for name in DARK_LIGHTS {
        if let Some(id) = fast.name_to_id(MjtObjBase::mjOBJ_LIGHT, name) {
            fast.light_active_mut()[id] = false;
        }
    }
    fast
}
