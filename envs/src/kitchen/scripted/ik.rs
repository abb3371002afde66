//! Damped-least-squares inverse kinematics of the Franka's `end_effector` site, and the conversion of a
//! joint step into a kitchen action.
//!
//! Per control step: `dq = Jᵀ(JJᵀ + λI)⁻¹ v + (I − J⁺J)·k_null·(q_rest − q)` with `J` the 6×7 site
//! Jacobian (translation rows, then rotation rows) and `v` the wanted site twist per step. Joints that
//! would cross a limit while moving outward are locked (their column zeroed) and the step re-solved.
//! The action then asks the position servos for `q + ff·dq + qfrc_bias/kp`: the bias term holds the arm
//! against gravity (action 0 is *not* a hold — the arm would fall), and `ff = damping/(kp·dt)` makes an
//! overdamped joint actually cover `dq` in one step.
use super::math::{M3, V3, from_xmat, solve_spd};
use crate::EnvError;
use crate::kitchen::KitchenEnv;
use crate::mujoco::Sim;

/// Arm joints driven by the IK.
pub const N_ARM: usize = 7;
/// Joint limits are shrunk by this much (rad) so that the servo target never sits on a hard stop.
const LIMIT_MARGIN: f64 = 0.015;
/// Passes of the lock-and-resolve joint-limit loop.
const LIMIT_PASSES: usize = 4;

/// Tracking gains of one phase.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Gains {
    /// Fraction of the position error corrected per step.
    pub kp: f64,
    /// DLS damping λ (larger = smoother near singularities, laggier).
    pub lambda: f64,
    /// Largest site displacement asked per step (m).
    pub vmax: f64,
}

/// Brisk tracking for free motion, handles, knobs and door arcs.
pub const FAST: Gains = Gains { kp: 1.0, lambda: 1e-3, vmax: 0.07 };
/// Gentle tracking for the kettle grasp (fast gains shove the handle before the fingers close).
pub const SOFT: Gains = Gains { kp: 0.6, lambda: 1e-2, vmax: 0.03 };
/// Fraction of the orientation error corrected per step, and its cap (rad per step).
const KR: f64 = 0.7;
const WMAX: f64 = 0.12;
/// Gain of the nullspace pull toward the rest posture (per step).
const K_NULL: f64 = 0.05;

/// What the IK reads of the simulation at one step (true state, not the noisy observation).
#[derive(Clone, Debug)]
pub struct ArmState {
    pub q: [f64; N_ARM],
    pub pos: V3,
    pub rot: M3,
    jac: [[f64; N_ARM]; 6],
    bias: [f64; N_ARM],
}

/// The arm's fixed facts: site, joint limits, servo stiffness and velocity feed-forward.
#[derive(Clone, Debug)]
pub struct Arm {
    site: usize,
    dofs: [usize; N_ARM],
    limits: [[f64; 2]; N_ARM],
    kp: [f64; N_ARM],
    ff: [f64; N_ARM],
    /// Seconds per env step times the action amplitude: the joint motion of action 1.
    action_scale: f64,
}

impl Arm {
    /// Reads the arm of the kitchen scene behind `env`.
    pub fn new(env: &KitchenEnv) -> Result<Arm, EnvError> {
        let model = env.sim().model();
        let missing = |what: String| EnvError::invalid(model.path(), format!("the kitchen scene has no {what}"));
        let site = model.site_id("end_effector").ok_or_else(|| missing("site end_effector".into()))?;
        let (dt, pos_bound) = (env.dt(), &env.franka().pos_bound);
        let mut arm = Arm {
            site,
            dofs: [0; N_ARM],
            limits: [[0.0; 2]; N_ARM],
            kp: [0.0; N_ARM],
            ff: [1.0; N_ARM],
            action_scale: 2.0 * dt,
        };
        for i in 0..N_ARM {
            let name = format!("robot:panda0_joint{}", i + 1);
            let joint = model.joint_id(&name).ok_or_else(|| missing(format!("joint {name}")))?;
            let [lo, hi] = model.joint_range(joint).unwrap_or([f64::NEG_INFINITY, f64::INFINITY]);
            let [blo, bhi] = pos_bound.get(i).copied().unwrap_or([lo, hi]);
            arm.limits[i] = [lo.max(blo) + LIMIT_MARGIN, hi.min(bhi) - LIMIT_MARGIN];
            arm.dofs[i] = model.joint_dof_address(joint);
            // Actuator i drives qpos i (checked by KitchenEnv::with_model).
            arm.kp[i] = model.actuator_gain(i);
            arm.ff[i] = (model.dof_damping()[arm.dofs[i]] / (arm.kp[i] * dt)).max(1.0);
        }
        Ok(arm)
    }

    /// The site pose, Jacobian and bias forces of the current simulation state.
    pub fn read(&self, sim: &Sim) -> ArmState {
        let (jacp, jacr) = sim.site_jacobian(self.site);
        let nv = jacp.len() / 3;
        let jac = std::array::from_fn(|r| {
            let rows = if r < 3 { &jacp[r * nv..] } else { &jacr[(r - 3) * nv..] };
            std::array::from_fn(|c| rows[self.dofs[c]])
        });
        let bias = std::array::from_fn(|i| sim.qfrc_bias()[self.dofs[i]]);
        ArmState {
            q: std::array::from_fn(|i| sim.qpos()[i]),
            pos: sim.site_xpos(self.site),
            rot: from_xmat(sim.site_xmat(self.site)),
            jac,
            bias,
        }
    }

    /// The joint step that moves the site by `twist` = [dx; dω] (m and rad per step), pulling the
    /// redundant dof toward `rest`, never past the joint limits.
    pub fn joint_step(&self, st: &ArmState, twist: [f64; 6], lambda: f64, rest: &[f64; N_ARM]) -> [f64; N_ARM] {
        let mut locked = [false; N_ARM];
        let mut dq = [0.0; N_ARM];
        for _ in 0..LIMIT_PASSES {
            dq = dls(&st.jac, &locked, twist, lambda, st.q, rest);
            let mut changed = false;
            for i in 0..N_ARM {
                let [lo, hi] = self.limits[i];
                let next = st.q[i] + dq[i];
                if !locked[i] && ((next < lo && dq[i] < 0.0) || (next > hi && dq[i] > 0.0)) {
                    locked[i] = true;
                    changed = true;
                }
            }
            if !changed {
                break;
            }
        }
        std::array::from_fn(|i| {
            let [lo, hi] = self.limits[i];
            (st.q[i] + dq[i]).clamp(lo, hi) - st.q[i]
        })
    }

    /// The 7 arm actions that make the servos move by `dq` from the true `st.q` while holding gravity,
    /// given the noisy observed joints `obs_q` that the env integrates from. Where an action would
    /// exceed ±1 the whole step is shortened, so the site keeps its direction instead of bending.
    pub fn action(&self, st: &ArmState, dq: &[f64; N_ARM], obs_q: &[f32]) -> [f64; N_ARM] {
        let hold: [f64; N_ARM] =
            std::array::from_fn(|i| (st.q[i] + st.bias[i] / self.kp[i] - obs_q[i] as f64) / self.action_scale);
        let mov: [f64; N_ARM] = std::array::from_fn(|i| self.ff[i] * dq[i] / self.action_scale);
        let fit = (0..N_ARM)
            .map(|i| match mov[i] {
                m if m > 1e-12 => (1.0 - hold[i]) / m,
                m if m < -1e-12 => (-1.0 - hold[i]) / m,
                _ => 1.0,
            })
            .fold(1.0_f64, f64::min)
            .max(0.0);
        std::array::from_fn(|i| hold[i] + fit * mov[i])
    }
}

/// The site twist that corrects `pos_err` and `rot_err` with gains `g`.
pub fn twist(pos_err: V3, rot_err: V3, g: &Gains) -> [f64; 6] {
    let v = super::math::clip_norm(super::math::scale(pos_err, g.kp), g.vmax);
    let w = super::math::clip_norm(super::math::scale(rot_err, KR), WMAX);
    [v[0], v[1], v[2], w[0], w[1], w[2]]
}

/// One damped-least-squares solve with `locked` columns removed, plus the nullspace rest-posture term.
fn dls(
    jac: &[[f64; N_ARM]; 6],
    locked: &[bool; N_ARM],
    v: [f64; 6],
    lambda: f64,
    q: [f64; N_ARM],
    rest: &[f64; N_ARM],
) -> [f64; N_ARM] {
    let j: [[f64; N_ARM]; 6] =
        std::array::from_fn(|r| std::array::from_fn(|c| if locked[c] { 0.0 } else { jac[r][c] }));
    let mut a: [[f64; 6]; 6] = std::array::from_fn(|r| std::array::from_fn(|s| dot7(&j[r], &j[s])));
    for (r, row) in a.iter_mut().enumerate() {
        row[r] += lambda;
    }
    // J⁺x = Jᵀ (JJᵀ + λI)⁻¹ x
    let pinv = |x: [f64; 6]| -> [f64; N_ARM] {
        let y = solve_spd(&a, &x);
        std::array::from_fn(|c| (0..6).map(|r| j[r][c] * y[r]).sum())
    };
    let mut dq = pinv(v);
    let z: [f64; N_ARM] = std::array::from_fn(|i| if locked[i] { 0.0 } else { K_NULL * (rest[i] - q[i]) });
    let jz: [f64; 6] = std::array::from_fn(|r| dot7(&j[r], &z));
    let back = pinv(jz);
    for i in 0..N_ARM {
        dq[i] += z[i] - back[i];
    }
    dq
}

fn dot7(a: &[f64; N_ARM], b: &[f64; N_ARM]) -> f64 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}
