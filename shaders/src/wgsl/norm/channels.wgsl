// channels.wgsl — batch norm's fused per-channel kernels over a dense array seen as
// [outer, c, inner] (channel k of element i is (i / inner) % c).
//
//   moments:     mean[k] = sum(x) / count, var[k] = sum((x - mean[k])^2) / count (biased, two
//                passes over the channel inside one workgroup).
//   grad_sums:   s0[k] = sum(g), s1[k] = sum(g * (x - p0[k])).
//   affine:      y = (x - p0[k]) * p1[k] + p2[k].
//   affine_pair: y = (g - p0[k]) * p1[k] + (x - p2[k]) * p3[k].
// Sums use one workgroup of 256 per channel (threads stride over the channel's outer*inner
// elements, then a shared-memory tree): no atomics, deterministic.
// Bindings: 0 x (read), 1 g (read), 2..5 p0..p3 (read, [c] each), 6 out0 (read_write),
//   7 out1 (read_write), 8 params (uniform Params). Each entry point binds only what it uses.
// Dispatch: moments / grad_sums: c workgroups (folded into (x, y), x <= 65535);
//   affine / affine_pair: ceil(numel / 256) workgroups of 256 folded into (x, y).
// Loop lengths: lavapipe (llvmpipe) stops every loop after 65535 iterations in total per
// invocation, so the host keeps each thread's loop below that (or splits the work).

struct Params {
    outer: u32,
    c: u32,
    inner: u32,
    numel: u32,
}

@group(0) @binding(0) var<storage, read> x: array<f32>;
@group(0) @binding(1) var<storage, read> g: array<f32>;
@group(0) @binding(2) var<storage, read> p0: array<f32>;
@group(0) @binding(3) var<storage, read> p1: array<f32>;
@group(0) @binding(4) var<storage, read> p2: array<f32>;
@group(0) @binding(5) var<storage, read> p3: array<f32>;
@group(0) @binding(6) var<storage, read_write> out0: array<f32>;
@group(0) @binding(7) var<storage, read_write> out1: array<f32>;
@group(0) @binding(8) var<uniform> params: Params;

var<workgroup> partial: array<f32, 256>;

// Storage index of the j-th element (0 <= j < outer * inner) of channel k.
fn chan_index(k: u32, j: u32) -> u32 {
    let o = j / params.inner;
    return (o * params.c + k) * params.inner + j % params.inner;
}

fn tree_sum(t: u32, v: f32) -> f32 {
    partial[t] = v;
    workgroupBarrier();
    for (var half = 128u; half > 0u; half = half / 2u) {
        if t < half {
            partial[t] = partial[t] + partial[t + half];
        }
        workgroupBarrier();
    }
    let s = partial[0];
    workgroupBarrier();
    return s;
}

@compute @workgroup_size(256)
fn moments(
    @builtin(workgroup_id) wid: vec3<u32>,
    @builtin(local_invocation_index) t: u32,
    @builtin(num_workgroups) nwg: vec3<u32>,
) {
    let k = wid.x + wid.y * nwg.x;
    let count = params.outer * params.inner;
    let live = k < params.c;
    var s = 0.0;
    if live {
        for (var j = t; j < count; j += 256u) {
            s += x[chan_index(k, j)];
        }
    }
    let mean = tree_sum(t, s) / f32(max(count, 1u));
    var q = 0.0;
    if live {
        for (var j = t; j < count; j += 256u) {
            let d = x[chan_index(k, j)] - mean;
            q += d * d;
        }
    }
    let var_k = tree_sum(t, q) / f32(max(count, 1u));
    if t == 0u && live {
        out0[k] = mean;
        out1[k] = var_k;
    }
}

@compute @workgroup_size(256)
fn grad_sums(
    @builtin(workgroup_id) wid: vec3<u32>,
    @builtin(local_invocation_index) t: u32,
    @builtin(num_workgroups) nwg: vec3<u32>,
) {
    let k = wid.x + wid.y * nwg.x;
    let count = params.outer * params.inner;
    let live = k < params.c;
    var s0 = 0.0;
    var s1 = 0.0;
    if live {
        let m = p0[k];
        for (var j = t; j < count; j += 256u) {
            let idx = chan_index(k, j);
            s0 += g[idx];
            s1 += g[idx] * (x[idx] - m);
        }
    }
    let sum0 = tree_sum(t, s0);
    let sum1 = tree_sum(t, s1);
    if t == 0u && live {
        out0[k] = sum0;
        out1[k] = sum1;
    }
}

@compute @workgroup_size(256)
fn affine(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
    let i = gid.x + gid.y * nwg.x * 256u;
    if i >= params.numel {
        return;
    }
    let k = (i / params.inner) % params.c;
    out0[i] = (x[i] - p0[k]) * p1[k] + p2[k];
}

@compute @workgroup_size(256)
fn affine_pair(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
    let i = gid.x + gid.y * nwg.x * 256u;
    if i >= params.numel {
        return;
    }
    let k = (i / params.inner) % params.c;
    out0[i] = (g[i] - p0[k]) * p1[k] + (x[i] - p2[k]) * p3[k];
}
