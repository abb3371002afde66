//! Kernel parameters: the `Params` uniform each WGSL kernel reads (built word by word in the
//! field order of its WGSL struct), and strided views merged to the fewest dims.

use crate::layout::Layout;

/// Most dims a kernel's view can have after merging (two `vec4<u32>` per array in WGSL).
pub(crate) const MAX_RANK: usize = 8;

/// A `Params` uniform under construction: 32-bit words, padded to 16-byte rows.
#[derive(Default)]
pub(crate) struct Params(Vec<u32>);

impl Params {
    pub(crate) fn u(mut self, v: usize) -> Self {
        self.0.push(v as u32);
        self
    }

    pub(crate) fn f(mut self, v: f32) -> Self {
        self.0.push(v.to_bits());
        self
    }

    /// Pads to the next 16-byte row (WGSL aligns `vec4` and arrays of them to 16).
    pub(crate) fn row(mut self) -> Self {
        while !self.0.len().is_multiple_of(4) {
            self.0.push(0);
        }
        self
    }

    /// An `array<vec4<u32>, 2>` holding `v` (at most 8 values, zero-filled).
    pub(crate) fn arr8(self, v: &[usize]) -> Self {
        let mut s = self.row();
        for i in 0..MAX_RANK {
            s.0.push(v.get(i).copied().unwrap_or(0) as u32);
        }
        s
    }

    pub(crate) fn bytes(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(self.0.len() * 4 + 16);
        for w in &self.0 {
            out.extend_from_slice(&w.to_le_bytes());
        }
        while !out.len().is_multiple_of(16) {
            out.push(0);
        }
        out
    }
}

/// The shape and per-operand strides of `N` views of one shape, with size-1 dims dropped and
/// neighbouring dims merged where every operand is dense across them. At least one dim.
pub(crate) fn coalesce<const N: usize>(shape: &[usize], layouts: [&Layout; N]) -> (Vec<usize>, [Vec<usize>; N]) {
    let mut out: Vec<usize> = Vec::new();
    let mut strides: [Vec<usize>; N] = std::array::from_fn(|_| Vec::new());
    for (d, &size) in shape.iter().enumerate() {
        if size == 1 {
            continue;
        }
        let merge = !out.is_empty() && (0..N).all(|i| strides[i].last().copied() == Some(layouts[i].strides[d] * size));
        if merge {
            if let Some(last) = out.last_mut() {
                *last *= size;
            }
            for i in 0..N {
                if let Some(s) = strides[i].last_mut() {
                    *s = layouts[i].strides[d];
                }
            }
        } else {
            out.push(size);
            for i in 0..N {
                strides[i].push(layouts[i].strides[d]);
            }
        }
    }
    if out.is_empty() {
        out.push(1);
        for s in strides.iter_mut() {
            s.push(0);
        }
    }
    (out, strides)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn merges_dense_dims_and_keeps_transposes() {
        let a = Layout::contiguous(&[2, 3, 4]);
        let (s, [st]) = coalesce(&[2, 3, 4], [&a]);
        assert_eq!((s, st), (vec![24], vec![1]));
        let t = Layout::contiguous(&[3, 2]).permute(&[1, 0]);
        let (s, [st]) = coalesce(&[2, 3], [&t]);
        assert_eq!((s, st), (vec![2, 3], vec![1, 2]));
        let p = Params::default().u(1).f(2.0).arr8(&[3, 4]);
        assert_eq!(p.bytes().len(), 48);
    }
}
