//! The small safe MuJoCo layer: `Model` (a compiled MJCF scene, shared between simulations), `Sim`
//! (one simulation state) and `Renderer` (offscreen RGB). The only module of the workspace that names
//! `mujoco_rs`.
//!
//! Models are loaded **by file path**, because scenes such as the kitchen `<include>` other files by
//! relative path. Numbers cross this boundary as `f64` (`mjtNum`).
mod render;

use std::path::{Path, PathBuf};
use std::sync::{Arc, Once};

use mujoco_rs::prelude::{MjData, MjModel, MjtObjBase, MjtState, MjtTrn, MjtWarning};

pub use render::{FreeCamera, Renderer};

use crate::EnvError;

/// MuJoCo's multi-line compiler message on one line (`"a\nb"` -> `"a; b"`).
fn one_line(message: &str) -> String {
    message.lines().map(str::trim).filter(|l| !l.is_empty()).collect::<Vec<_>>().join("; ")
}

/// A compiled model, cheap to clone (`Arc`), `Send + Sync`: one model can back many `Sim`s on many
/// threads (the kitchen model is ~200 MB, so vectorised environments share it).
#[derive(Clone, Debug)]
pub struct Model {
    raw: Arc<MjModel>,
    path: PathBuf,
}

/// MuJoCo's warnings that mean the simulation blew up (MuJoCo resets the state when they fire).
const UNSTABLE: [MjtWarning; 3] = [MjtWarning::mjWARN_BADQPOS, MjtWarning::mjWARN_BADQVEL, MjtWarning::mjWARN_BADQACC];

/// Sends MuJoCo's messages to the `log` crate instead of stdout, once per process. Run before the first
/// model is compiled; `Once` makes concurrent first loads wait for it.
fn install_logging() {
    static HOOK: Once = Once::new();
    // SAFETY: every MuJoCo use in this workspace starts with `Model::from_xml`, which calls this first;
    // `Once` blocks the other threads until the hook is installed, so no thread uses MuJoCo meanwhile.
    HOOK.call_once(|| unsafe { mujoco_rs::prelude::install_logging_hook() });
}

impl Model {
    /// Compiles the MJCF file at `path` (relative `<include>`s and meshes resolve from its folder).
    pub fn from_xml(path: &Path) -> Result<Model, EnvError> {
        if !path.is_file() {
            return Err(EnvError::io(path, "no such file"));
        }
        install_logging();
        let raw = MjModel::from_xml(path)
            .map_err(|e| EnvError::Load { path: path.to_path_buf(), message: one_line(&e.to_string()) })?;
        Ok(Model { raw: Arc::new(raw), path: path.to_path_buf() })
    }

    /// The file the model was compiled from.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Number of generalized coordinates (`qpos` length).
    pub fn nq(&self) -> usize {
        self.raw.ffi().nq as usize
    }

    /// Number of degrees of freedom (`qvel` length).
    pub fn nv(&self) -> usize {
        self.raw.ffi().nv as usize
    }

    /// Number of actuators (`ctrl` length).
    pub fn nu(&self) -> usize {
        self.raw.ffi().nu as usize
    }

    /// The physics time step in seconds.
    pub fn timestep(&self) -> f64 {
        self.raw.ffi().opt.timestep
    }

    /// The id of the site called `name`, if the model has one.
    pub fn site_id(&self, name: &str) -> Option<usize> {
        self.raw.name_to_id(MjtObjBase::mjOBJ_SITE, name)
    }

    /// The id of the joint called `name`, if the model has one.
    pub fn joint_id(&self, name: &str) -> Option<usize> {
        self.raw.name_to_id(MjtObjBase::mjOBJ_JOINT, name)
    }

    /// The id of the body called `name`, if the model has one.
    pub fn body_id(&self, name: &str) -> Option<usize> {
        self.raw.name_to_id(MjtObjBase::mjOBJ_BODY, name)
    }

    /// The `[lo, hi]` range of joint `id`, or `None` if it is unlimited.
    pub fn joint_range(&self, id: usize) -> Option<[f64; 2]> {
        self.raw.jnt_limited()[id].then(|| self.raw.jnt_range()[id])
    }

    /// The `qvel` (dof) address of joint `id`.
    pub fn joint_dof_address(&self, id: usize) -> usize {
        self.raw.jnt_dofadr()[id] as usize
    }

    /// The passive damping coefficient of each dof (length `nv`).
    pub fn dof_damping(&self) -> &[f64] {
        self.raw.dof_damping()
    }

    /// The first gain parameter of actuator `id` (the stiffness `kp` of a `<position>` actuator).
    pub fn actuator_gain(&self, id: usize) -> f64 {
        self.raw.actuator_gainprm()[id][0]
    }

    /// For each actuator, the `qpos` address of the joint it drives (`None` if it drives no joint).
    pub fn actuator_qpos_addresses(&self) -> Vec<Option<usize>> {
        let (kinds, targets, qposadr) =
            (self.raw.actuator_trntype(), self.raw.actuator_trnid(), self.raw.jnt_qposadr());
        kinds
            .iter()
            .zip(targets)
            .map(|(kind, [joint, _])| {
                let is_joint = *kind == MjtTrn::mjTRN_JOINT && *joint >= 0;
                is_joint.then(|| qposadr[*joint as usize] as usize)
            })
            .collect()
    }
}

/// One simulation state (`mjData`) of a shared `Model`. `Send`: each worker thread owns its own.
#[derive(Debug)]
pub struct Sim {
    data: MjData<Arc<MjModel>>,
    model: Model,
}

impl Sim {
    /// A fresh state at the model's default configuration (`qpos0`, zero velocity), forward-computed.
    pub fn new(model: &Model) -> Sim {
        let mut sim = Sim { data: MjData::new(model.raw.clone()), model: model.clone() };
        sim.data.forward();
        sim
    }

    pub fn model(&self) -> &Model {
        &self.model
    }

    pub fn qpos(&self) -> &[f64] {
        self.data.qpos()
    }

    pub fn qvel(&self) -> &[f64] {
        self.data.qvel()
    }

    pub fn ctrl(&self) -> &[f64] {
        self.data.ctrl()
    }

    pub fn time(&self) -> f64 {
        self.data.time()
    }

    /// World position of site `id`, as of the last `forward` (or the start of the last `step`: `mj_step`
    /// computes kinematics before integrating, so call `forward` first for positions matching `qpos`).
    pub fn site_xpos(&self, id: usize) -> [f64; 3] {
        self.data.site_xpos()[id]
    }

    /// World orientation of site `id` (row-major 3×3; its columns are the site's axes), with the same
    /// timing as `site_xpos`.
    pub fn site_xmat(&self, id: usize) -> [f64; 9] {
        self.data.site_xmat()[id]
    }

    /// World position of body `id`'s frame, with the same timing as `site_xpos`.
    pub fn body_xpos(&self, id: usize) -> [f64; 3] {
        self.data.xpos()[id]
    }

    /// The bias forces `C(qpos, qvel)` (gravity, Coriolis, centrifugal; length `nv`), with the same timing
    /// as `site_xpos`.
    pub fn qfrc_bias(&self) -> &[f64] {
        self.data.qfrc_bias()
    }

    /// The Jacobian of site `id` (`mj_jacSite`): translational and rotational parts, each row-major
    /// `[3, nv]`, at the kinematics of the last `forward`/`step`.
    pub fn site_jacobian(&self, id: usize) -> (Vec<f64>, Vec<f64>) {
        self.data.jac_site(true, true, id)
    }

    /// Back to MuJoCo's defaults (`mj_resetData`): `qpos0`, zero velocity, zero controls, time 0.
    pub fn reset(&mut self) {
        self.data.reset();
    }

    /// Sets `qpos` and `qvel` (lengths `nq`, `nv`) and recomputes derived quantities (`mj_forward`).
    pub fn set_state(&mut self, qpos: &[f64], qvel: &[f64]) {
        assert_eq!(qpos.len(), self.model.nq(), "Sim::set_state: qpos length");
        assert_eq!(qvel.len(), self.model.nv(), "Sim::set_state: qvel length");
        self.data.qpos_mut().copy_from_slice(qpos);
        self.data.qvel_mut().copy_from_slice(qvel);
        self.data.forward();
    }

    /// MuJoCo's full integration state (`mj_getState` with `mjSTATE_INTEGRATION`: time, `qpos`,
    /// `qvel`, actuator activations, the solver's warm start, controls, applied forces, mocap, ...):
    /// what makes the next `step` reproduce exactly.
    pub fn integration_state(&self) -> Vec<f64> {
        self.data.state(MjtState::mjSTATE_INTEGRATION as u32).into_vec()
    }

    /// Restores [`Sim::integration_state`] (checked: the length this model's state has).
    pub fn set_integration_state(&mut self, state: &[f64]) -> Result<(), EnvError> {
        let spec = MjtState::mjSTATE_INTEGRATION as u32;
        let want = self.model.raw.state_size(spec);
        if state.len() != want {
            return Err(EnvError::State(format!(
                "{}: a simulation state of {} numbers, this model's has {want}",
                self.model.path.display(),
                state.len()
            )));
        }
        self.data.set_state(state, spec).map_err(|e| EnvError::State(e.to_string()))?;
        self.data.forward();
        Ok(())
    }

    /// Sets the actuator controls (length `nu`).
    pub fn set_ctrl(&mut self, ctrl: &[f64]) {
        assert_eq!(ctrl.len(), self.model.nu(), "Sim::set_ctrl: ctrl length");
        self.data.ctrl_mut().copy_from_slice(ctrl);
    }

    /// Recomputes positions, velocities and forces from the current state (`mj_forward`).
    pub fn forward(&mut self) {
        self.data.forward();
    }

    /// Advances `n` physics steps (`mj_step`). Returns `false` if the simulation became unstable
    /// (MuJoCo flagged a NaN/huge position, velocity or acceleration and reset itself).
    pub fn step(&mut self, n: usize) -> bool {
        let before = self.unstable_warnings();
        for _ in 0..n {
            self.data.step();
        }
        self.unstable_warnings() == before && self.qpos().iter().chain(self.qvel()).all(|v| v.is_finite())
    }

    /// How many instability warnings MuJoCo has counted so far.
    fn unstable_warnings(&self) -> i64 {
        UNSTABLE.iter().map(|w| self.data.warning()[*w as usize].number as i64).sum()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const BALL: &str = "<mujoco><worldbody><body name='ball' pos='0 0 1'><freejoint/><geom size='0.1'/>\
        <site name='tip'/></body></worldbody></mujoco>";

    fn ball() -> Model {
        static CALLS: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
        let call = CALLS.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let dir = std::env::temp_dir().join(format!("envs-ball-{}-{call}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("ball.xml");
        std::fs::write(&path, BALL).unwrap();
        let model = Model::from_xml(&path).unwrap();
        std::fs::remove_dir_all(dir).unwrap();
        model
    }

    #[test]
    fn falls_under_gravity() {
        let model = ball();
        assert_eq!((model.nq(), model.nv(), model.nu()), (7, 6, 0));
        let mut sim = Sim::new(&model);
        assert!(sim.step(100));
        // free fall for 0.2 s (semi-implicit Euler): z ~ 1 - g t^2 / 2.
        let z = sim.qpos()[2];
        assert!((z - (1.0 - 0.5 * 9.81 * 0.04)).abs() < 0.01, "z = {z}");
        // mj_step computes kinematics before integrating: site positions lag qpos until `forward`.
        let tip = model.site_id("tip").unwrap();
        assert!(sim.site_xpos(tip)[2] > z);
        sim.forward();
        assert_eq!(sim.site_xpos(tip)[2], z);
    }

    #[test]
    fn kinematics_of_a_free_body() {
        let model = ball();
        let (tip, ball_body) = (model.site_id("tip").unwrap(), model.body_id("ball").unwrap());
        let mut sim = Sim::new(&model);
        assert_eq!(sim.body_xpos(ball_body), [0.0, 0.0, 1.0]);
        assert_eq!(sim.site_xmat(tip), [1.0, 0.0, 0.0, 0.0, 1.0, 0.0, 0.0, 0.0, 1.0]);
        // At rest the bias force is gravity on the free joint's z dof.
        sim.forward();
        let mass = 4.0 / 3.0 * std::f64::consts::PI * 0.1f64.powi(3) * 1000.0;
        assert!((sim.qfrc_bias()[2] - mass * 9.81).abs() < 1e-6, "{:?}", sim.qfrc_bias());
        // The site sits at the body origin: translation rows = identity on the linear dofs, no rotation.
        let (jacp, jacr) = sim.site_jacobian(tip);
        assert_eq!((jacp.len(), jacr.len()), (18, 18));
        for r in 0..3 {
            for c in 0..6 {
                assert_eq!(jacp[r * 6 + c], if r == c { 1.0 } else { 0.0 }, "jacp[{r}][{c}]");
            }
        }
        assert_eq!(model.joint_range(0), None);
        assert_eq!(model.joint_dof_address(0), 0);
        assert_eq!(model.dof_damping(), &[0.0; 6]);
    }

    #[test]
    fn blow_up_is_reported_through_mujoco_warnings() {
        let model = ball();
        let mut sim = Sim::new(&model);
        let mut qvel = vec![0.0; 6];
        qvel[3] = 1e30; // angular velocity far beyond MuJoCo's limit
        sim.set_state(&[0.0, 0.0, 1.0, 1.0, 0.0, 0.0, 0.0], &qvel);
        assert!(!sim.step(2));
        // MuJoCo reset the state itself, so the failure is visible only through its warning counters.
        assert!(sim.qpos().iter().chain(sim.qvel()).all(|v| v.is_finite()));
        assert!(sim.step(1), "a later healthy step is not reported again");
    }
}
