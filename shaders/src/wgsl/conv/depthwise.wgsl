// depthwise.wgsl — depthwise convolution (groups == channels, one filter per channel; NCHW, dense).
//
//   dst[n, ch, oy, ox] = bias[ch] + Σ_{ky, kx} weight[ch, ky, kx]
//                                    * x[n, ch, oy*sh - ph + ky*dh, ox*sw - pw + kx*dw]
//   with taps outside the image contributing nothing (zero padding); `has_bias == 0` reads no bias.
// Bindings: 0 x (read), 1 weight [c, kh*kw] (read), 2 bias [c] (read; any buffer when has_bias
//   is 0), 3 dst (read_write, dense [b, c, oh, ow]), 4 params (uniform Params).
// Dispatch: one thread per output element: ceil(numel / 256) workgroups of 256 folded into
//   (x, y), x <= 65535.

struct Params {
    numel: u32,
    b: u32,
    c: u32,
    has_bias: u32,
    h: u32,
    w: u32,
    oh: u32,
    ow: u32,
    kh: u32,
    kw: u32,
    sh: u32,
    sw: u32,
    ph: u32,
    pw: u32,
    dh: u32,
    dw: u32,
}

@group(0) @binding(0) var<storage, read> x: array<f32>;
@group(0) @binding(1) var<storage, read> weight: array<f32>;
@group(0) @binding(2) var<storage, read> bias: array<f32>;
@group(0) @binding(3) var<storage, read_write> dst: array<f32>;
@group(0) @binding(4) var<uniform> params: Params;

@compute @workgroup_size(256)
fn depthwise(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
    let i = gid.x + gid.y * nwg.x * 256u;
    if i >= params.numel {
        return;
    }
    let p = params;
    let ox = i % p.ow;
    let oy = (i / p.ow) % p.oh;
    let plane = i / (p.ow * p.oh);
    let ch = plane % p.c;
    let base = plane * p.h * p.w;
    var acc = 0.0;
    if p.has_bias != 0u {
        acc = bias[ch];
    }
    for (var ky = 0u; ky < p.kh; ky++) {
        let y = i32(oy * p.sh + ky * p.dh) - i32(p.ph);
        if y < 0 || y >= i32(p.h) {
            continue;
        }
        for (var kx = 0u; kx < p.kw; kx++) {
            let xx = i32(ox * p.sw + kx * p.dw) - i32(p.pw);
            if xx < 0 || xx >= i32(p.w) {
                continue;
            }
            acc += weight[(ch * p.kh + ky) * p.kw + kx] * x[base + u32(y) * p.w + u32(xx)];
        }
    }
    dst[i] = acc;
}
