"""Peer numbers for `bench kitchen_step` and `bench render`: gymnasium-robotics' FrankaKitchen-v1
(env steps/s on 1 and 2 processes, raw 40x mj_step in the same run) and MuJoCo's Python renderer
(frames/s at 64 and 128 from D4RL's camera with the same fast settings as ours). One JSON line each.

Setup (throwaway venv; gymnasium-robotics 1.4.2 needs mujoco < 3.4):
    python3 -m venv /tmp/kitchenvenv && /tmp/kitchenvenv/bin/pip install "mujoco<3.4" gymnasium-robotics==1.4.2
Run: MUJOCO_GL=egl /tmp/kitchenvenv/bin/python tests/bench_peers/kitchen.py [step] [render]
(tests/bench_peers/kitchen.sh alternates it with ours three times.)
"""
import json
import multiprocessing as mp
import os
import statistics
import time

import gymnasium as gym
import gymnasium_robotics
import mujoco
import numpy as np

gym.register_envs(gymnasium_robotics)
REPS = int(os.environ.get("BENCH_REPS", "5"))
STEPS = 280


def actions():
    t = np.arange(STEPS)[:, None]
    return (np.sin(t * 0.05 + np.arange(9)[None, :]) * 0.5).astype(np.float32)


def make_env():
    return gym.make("FrankaKitchen-v1", tasks_to_complete=["microwave", "kettle", "bottom burner", "light switch"],
                    max_episode_steps=STEPS)


def episode_seconds(env, acts):
    env.reset(seed=0)
    t0 = time.perf_counter()
    for a in acts:
        env.step(a)
    return time.perf_counter() - t0


def raw_seconds(env, acts):
    """The same episode's physics alone: 40 mj_step per control, controls taken from the env's ctrl."""
    u = env.unwrapped.robot_env
    env.reset(seed=0)
    ctrls = []
    for a in acts:
        env.step(a)
        ctrls.append(u.data.ctrl.copy())
    model, data = u.model, mujoco.MjData(u.model)
    mujoco.mj_resetData(model, data)
    data.qpos[:] = u.init_qpos
    mujoco.mj_forward(model, data)
    t0 = time.perf_counter()
    for c in ctrls:
        data.ctrl[:] = c
        mujoco.mj_step(model, data, nstep=40)
    return time.perf_counter() - t0


def worker(n_eps, q):
    env, acts = make_env(), actions()
    episode_seconds(env, acts)
    q.put(sum(episode_seconds(env, acts) for _ in range(n_eps)))


def emit(**kw):
    kw.update(impl="gymnasium-robotics 1.4.2", mujoco=mujoco.__version__)
    print(json.dumps(kw), flush=True)


def bench_step():
    env, acts = make_env(), actions()
    episode_seconds(env, acts)
    env_t = [episode_seconds(env, acts) / STEPS for _ in range(REPS)]
    raw_t = [raw_seconds(env, acts) / STEPS for _ in range(REPS)]
    e, r = statistics.median(env_t), statistics.median(raw_t)
    emit(bench="kitchen_step", threads=1, sec=e, steps_per_s=1 / e, raw_steps_per_s=1 / r, overhead=e / r - 1)
    # Two processes (Python's GIL rules out threads), each stepping its own env.
    q = mp.Queue()
    n_eps = REPS
    t0 = time.perf_counter()
    procs = [mp.Process(target=worker, args=(n_eps, q)) for _ in range(2)]
    for p in procs:
        p.start()
    for p in procs:
        p.join()
    wall = time.perf_counter() - t0
    busy = [q.get() for _ in procs]
    steps = 2 * n_eps * STEPS
    emit(bench="kitchen_step", threads=2, processes=2, steps_per_s=steps / max(busy), note="2 processes; rate over the slower one's busy time")


def bench_render():
    env = make_env()
    u = env.unwrapped.robot_env
    env.reset(seed=0)
    model = u.model
    for size in (64, 128):
        model.vis.global_.offwidth = model.vis.global_.offheight = size
        model.vis.quality.offsamples = 0
        model.light_castshadow[:] = 0
        model.mat_reflectance[:] = 0
        renderer = mujoco.Renderer(model, size, size)
        cam = mujoco.MjvCamera()
        cam.type = mujoco.mjtCamera.mjCAMERA_FREE
        cam.distance, cam.lookat[:], cam.azimuth, cam.elevation = 2.2, (-0.2, 0.5, 2.0), 70.0, -35.0
        data = mujoco.MjData(model)
        qpos0 = u.init_qpos.copy()

        def frame(i):
            data.qpos[:] = qpos0
            data.qpos[22] = -(i % 30) / 30
            mujoco.mj_forward(model, data)
            renderer.update_scene(data, camera=cam)
            return renderer.render()

        for i in range(5):
            frame(i)
        times = []
        for _ in range(REPS):
            t0 = time.perf_counter()
            for i in range(30):
                frame(i)
            times.append((time.perf_counter() - t0) / 30)
        s = statistics.median(times)
        emit(bench="render", size=size, threads=1, sec=s, frames_per_s=1 / s)
        renderer.close()


if __name__ == "__main__":
    import sys
    which = sys.argv[1:] or ["step", "render"]
    if "step" in which:
        bench_step()
    if "render" in which:
        bench_render()
