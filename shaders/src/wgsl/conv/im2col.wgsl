// im2col.wgsl — the window gathers behind conv2d, conv_transpose2d and pooling (NCHW, dense).
//
//   im2col: x [b, c, h, w] -> cols [b, c*kh*kw, oh*ow]; cols[n, (ch*kh + ky)*kw + kx, oy*ow + ox]
//           = x[n, ch, oy*sh - ph + ky*dh, ox*sw - pw + kx*dw], or pad_value outside the image.
//   col2im: the adjoint, cols [b, c*kh*kw, oh*ow] -> x [b, c, h, w], overlapping taps summed.
//           Written as a gather (each image pixel sums the column entries that read it, in
//           (ky, kx) order), so it needs no atomics and is deterministic.
// Bindings: 0 src (read), 1 dst (read_write, dense), 2 params (uniform Params).
// Dispatch: one thread per destination element: ceil(numel / 256) workgroups of 256 folded into
//   (x, y), x <= 65535.

struct Params {
    numel: u32,
    b: u32,
    c: u32,
    pad_value: f32,
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

@group(0) @binding(0) var<storage, read> src: array<f32>;
@group(0) @binding(1) var<storage, read_write> dst: array<f32>;
@group(0) @binding(2) var<uniform> params: Params;

@compute @workgroup_size(256)
fn im2col(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
    let i = gid.x + gid.y * nwg.x * 256u;
    if i >= params.numel {
        return;
    }
    let p = params;
    let spatial = p.oh * p.ow;
    let rows = p.c * p.kh * p.kw;
    let col = i % spatial;
    let row = (i / spatial) % rows;
    let n = i / (spatial * rows);
    let kx = row % p.kw;
    let ky = (row / p.kw) % p.kh;
    let ch = row / (p.kw * p.kh);
    let oy = col / p.ow;
    let ox = col % p.ow;
    let y = i32(oy * p.sh + ky * p.dh) - i32(p.ph);
    let x = i32(ox * p.sw + kx * p.dw) - i32(p.pw);
    var v = p.pad_value;
    if y >= 0 && y < i32(p.h) && x >= 0 && x < i32(p.w) {
        v = src[((n * p.c + ch) * p.h + u32(y)) * p.w + u32(x)];
    }
    dst[i] = v;
}

@compute @workgroup_size(256)
fn col2im(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
    let i = gid.x + gid.y * nwg.x * 256u;
    if i >= params.numel {
        return;
    }
    let p = params;
    let x = i % p.w;
    let y = (i / p.w) % p.h;
    let ch = (i / (p.w * p.h)) % p.c;
    let n = i / (p.w * p.h * p.c);
    let spatial = p.oh * p.ow;
    let rows = p.c * p.kh * p.kw;
    var acc = 0.0;
    for (var ky = 0u; ky < p.kh; ky++) {
        let ty = i32(y + p.ph) - i32(ky * p.dh);
        if ty < 0 || ty % i32(p.sh) != 0 || u32(ty) / p.sh >= p.oh {
            continue;
        }
        let oy = u32(ty) / p.sh;
        for (var kx = 0u; kx < p.kw; kx++) {
            let tx = i32(x + p.pw) - i32(kx * p.dw);
            if tx < 0 || tx % i32(p.sw) != 0 || u32(tx) / p.sw >= p.ow {
                continue;
            }
            let ox = u32(tx) / p.sw;
            let row = (ch * p.kh + ky) * p.kw + kx;
            acc += src[(n * rows + row) * spatial + oy * p.ow + ox];
        }
    }
    dst[i] = acc;
}
