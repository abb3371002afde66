// cell.wgsl — the LSTM cell's pointwise step and its two backward halves (dense rows, gate
// order [i, f, g, o] as PyTorch; tanh's argument clamped to +-15).
//
//   forward:    gates [b, 4h], c [b, h] -> act [b, 4h] = [σ(i), σ(f), tanh(g), σ(o)],
//               c_new = f·c + i·g, h_new = o·tanh(c_new).
//   backward_h: act, c_new, g_h -> d_o = g_h·tanh(c_new)·o(1-o), d_c = g_h·o·(1 - tanh²(c_new)).
//   backward_c: act, c, g_c, d_o -> d_gates [b, 4h] = [g_c·g·i(1-i), g_c·c·f(1-f),
//               g_c·i·(1-g²), d_o (or 0 when has_d_o = 0)], d_c = g_c·f.
// Bindings: 0 in0, 1 in1, 2 in2, 3 in3 (read), 4 out0, 5 out1, 6 out2 (read_write),
//   7 params (uniform Params); per entry point: forward (in0 gates, in1 c; out0 h_new,
//   out1 c_new, out2 act), backward_h (in0 act, in1 c_new, in2 g_h; out0 d_o, out1 d_c),
//   backward_c (in0 act, in1 c, in2 g_c, in3 d_o; out0 d_gates, out1 d_c).
// Dispatch: one thread per (row, unit) of [b, h]: ceil(b*h / 256) workgroups of 256 in (x, y).

struct Params {
    b: u32,
    h: u32,
    has_d_o: u32,
    _pad: u32,
}

@group(0) @binding(0) var<storage, read> in0: array<f32>;
@group(0) @binding(1) var<storage, read> in1: array<f32>;
@group(0) @binding(2) var<storage, read> in2: array<f32>;
@group(0) @binding(3) var<storage, read> in3: array<f32>;
@group(0) @binding(4) var<storage, read_write> out0: array<f32>;
@group(0) @binding(5) var<storage, read_write> out1: array<f32>;
@group(0) @binding(6) var<storage, read_write> out2: array<f32>;
@group(0) @binding(7) var<uniform> params: Params;

fn sigmoid(v: f32) -> f32 {
    let e = exp(-abs(v));
    let s = 1.0 / (1.0 + e);
    return select(e * s, s, v >= 0.0);
}

fn tanh_c(v: f32) -> f32 {
    return tanh(clamp(v, -15.0, 15.0));
}

@compute @workgroup_size(256)
fn forward(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
    let t = gid.x + gid.y * nwg.x * 256u;
    let h = params.h;
    if t >= params.b * h {
        return;
    }
    let r = t / h;
    let j = t % h;
    let row = r * 4u * h;
    let i = sigmoid(in0[row + j]);
    let f = sigmoid(in0[row + h + j]);
    let g = tanh_c(in0[row + 2u * h + j]);
    let o = sigmoid(in0[row + 3u * h + j]);
    out2[row + j] = i;
    out2[row + h + j] = f;
    out2[row + 2u * h + j] = g;
    out2[row + 3u * h + j] = o;
    let c_new = f * in1[t] + i * g;
    out1[t] = c_new;
    out0[t] = o * tanh_c(c_new);
}

@compute @workgroup_size(256)
fn backward_h(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
    let t = gid.x + gid.y * nwg.x * 256u;
    let h = params.h;
    if t >= params.b * h {
        return;
    }
    let o = in0[(t / h) * 4u * h + 3u * h + t % h];
    let tc = tanh_c(in1[t]);
    let gh = in2[t];
    out0[t] = gh * tc * (o * (1.0 - o));
    out1[t] = gh * o * (1.0 - tc * tc);
}

@compute @workgroup_size(256)
fn backward_c(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
    let t = gid.x + gid.y * nwg.x * 256u;
    let h = params.h;
    if t >= params.b * h {
        return;
    }
    let row = (t / h) * 4u * h;
    let j = t % h;
    let i = in0[row + j];
    let f = in0[row + h + j];
    let g = in0[row + 2u * h + j];
    let gc = in2[t];
    out0[row + j] = gc * g * (i * (1.0 - i));
    out0[row + h + j] = gc * in1[t] * (f * (1.0 - f));
    out0[row + 2u * h + j] = gc * i * (1.0 - g * g);
    var d_o = 0.0;
    if params.has_d_o != 0u {
        d_o = in3[t];
    }
    out0[row + 3u * h + j] = d_o;
    out1[t] = gc * f;
}
