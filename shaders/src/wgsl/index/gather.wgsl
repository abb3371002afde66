// gather.wgsl — gather and scatter_add along one dim with f32-coded indices.
//
//   gather:      out[i] = src[coords(i) with coord `dim` replaced by index[view(i)]], out dense
//                with the index's shape. Out-of-range indices read 0 (the CPU path panics; a
//                kernel cannot, so callers validate on the CPU where it matters).
//   scatter_add: out[j] = base[j] + sum over t < index_shape[dim] with index[coords(j), dim = t]
//                == coords(j)[dim] of src[coords(j), dim = t]: each output element gathers its
//                own contributions, so there are no atomics and the order is fixed. One thread
//                per output adds in ascending t (the CPU's order); for long index dims
//                (>= 256) `scatter_add_tree` gives each output a workgroup of 256 threads that
//                stride over t, then add their partial sums in a shared-memory tree.
// Params: `rank` dims (at most 8); `out_shape` the output shape (the index's shape for gather,
//   self's for scatter_add), `idx_shape` the index shape; `src_strides` / `idx_strides` the
//   strided views of src and index (for scatter_add, src has the index's shape).
// Bindings: 0 src (read), 1 index (read), 2 base (read, scatter_add only), 3 out (read_write),
//   4 params (uniform Params).
// Dispatch: gather / scatter_add: one thread per output element, ceil(numel / 256) workgroups
//   of 256 in (x, y); scatter_add_tree: one workgroup of 256 per output element, in (x, y).
// Loop lengths: lavapipe (llvmpipe) stops every loop after 65535 iterations in total per
// invocation, so the host keeps each thread's loop below that (or splits the work).

struct Params {
    numel: u32,
    rank: u32,
    dim: u32,
    src_dim_size: u32,
    src_off: u32,
    idx_off: u32,
    _pad0: u32,
    _pad1: u32,
    out_shape: array<vec4<u32>, 2>,
    idx_shape: array<vec4<u32>, 2>,
    src_strides: array<vec4<u32>, 2>,
    idx_strides: array<vec4<u32>, 2>,
}

@group(0) @binding(0) var<storage, read> src: array<f32>;
@group(0) @binding(1) var<storage, read> index: array<f32>;
@group(0) @binding(2) var<storage, read> base: array<f32>;
@group(0) @binding(3) var<storage, read_write> out: array<f32>;
@group(0) @binding(4) var<uniform> params: Params;

fn at(a: array<vec4<u32>, 2>, d: u32) -> u32 {
    return a[d / 4u][d % 4u];
}

@compute @workgroup_size(256)
fn gather(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
    let i = gid.x + gid.y * nwg.x * 256u;
    if i >= params.numel {
        return;
    }
    var rem = i;
    var s_off = params.src_off;
    var i_off = params.idx_off;
    for (var d = i32(params.rank) - 1; d >= 0; d--) {
        let du = u32(d);
        let s = at(params.out_shape, du);
        let c = rem % s;
        rem = rem / s;
        i_off += c * at(params.idx_strides, du);
        if du != params.dim {
            s_off += c * at(params.src_strides, du);
        }
    }
    let k = index[i_off];
    if k >= 0.0 && k < f32(params.src_dim_size) {
        out[i] = src[s_off + u32(k) * at(params.src_strides, params.dim)];
    } else {
        out[i] = 0.0;
    }
}

var<workgroup> partial: array<f32, 256>;

struct Line {
    s_off: u32,
    i_off: u32,
    want: u32,
    inside: bool,
}

// Where output j's contributions live: src / index offsets of its line along `dim`, the
// slot it collects, and whether the index covers its other coordinates at all.
fn line_of(j: u32) -> Line {
    var rem = j;
    var s_off = params.src_off;
    var i_off = params.idx_off;
    var want = 0u;
    var inside = true;
    for (var d = i32(params.rank) - 1; d >= 0; d--) {
        let du = u32(d);
        let s = at(params.out_shape, du);
        let c = rem % s;
        rem = rem / s;
        if du == params.dim {
            want = c;
        } else {
            inside = inside && c < at(params.idx_shape, du);
            s_off += c * at(params.src_strides, du);
            i_off += c * at(params.idx_strides, du);
        }
    }
    return Line(s_off, i_off, want, inside);
}

@compute @workgroup_size(256)
fn scatter_add(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
    let j = gid.x + gid.y * nwg.x * 256u;
    if j >= params.numel {
        return;
    }
    let line = line_of(j);
    let s_off = line.s_off;
    let i_off = line.i_off;
    let want = line.want;
    var acc = base[j];
    if line.inside {
        let n = at(params.idx_shape, params.dim);
        let ist = at(params.idx_strides, params.dim);
        let sst = at(params.src_strides, params.dim);
        for (var t = 0u; t < n; t++) {
            if index[i_off + t * ist] == f32(want) {
                acc += src[s_off + t * sst];
            }
        }
    }
    out[j] = acc;
}

@compute @workgroup_size(256)
fn scatter_add_tree(
    @builtin(workgroup_id) wid: vec3<u32>,
    @builtin(local_invocation_index) lt: u32,
    @builtin(num_workgroups) nwg: vec3<u32>,
) {
    let j = wid.x + wid.y * nwg.x;
    var acc = 0.0;
    if j < params.numel {
        let line = line_of(j);
        if line.inside {
            let n = at(params.idx_shape, params.dim);
            let ist = at(params.idx_strides, params.dim);
            let sst = at(params.src_strides, params.dim);
            for (var t = lt; t < n; t += 256u) {
                if index[line.i_off + t * ist] == f32(line.want) {
                    acc += src[line.s_off + t * sst];
                }
            }
        }
    }
    partial[lt] = acc;
    workgroupBarrier();
    for (var half = 128u; half > 0u; half = half / 2u) {
        if lt < half {
            partial[lt] = partial[lt] + partial[lt + half];
        }
        workgroupBarrier();
    }
    if lt == 0u && j < params.numel {
        out[j] = base[j] + partial[0];
    }
}
