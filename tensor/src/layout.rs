//! Shapes, strides and views: `Layout { shape, strides, offset }` and the broadcasting rules.
//!
//! Every view (reshape of a contiguous tensor, permute, narrow, broadcast, squeeze) is a new
//! `Layout` over the same storage; nothing here touches data.

/// Where the elements of a tensor live in its storage: element `idx` (a multi-index) sits at
/// `offset + sum(idx[d] * strides[d])`. A stride of 0 repeats data (broadcasting).
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct Layout {
    pub shape: Vec<usize>,
    pub strides: Vec<usize>,
    pub offset: usize,
}

/// Row-major strides of a dense tensor of `shape`.
pub fn contiguous_strides(shape: &[usize]) -> Vec<usize> {
    let mut strides = vec![0; shape.len()];
    let mut acc = 1;
    for d in (0..shape.len()).rev() {
        strides[d] = acc;
        acc *= shape[d];
    }
    strides
}

/// Shape two operands broadcast to (NumPy rules), or `None` when they are incompatible.
pub fn broadcast_shape(a: &[usize], b: &[usize]) -> Option<Vec<usize>> {
    let n = a.len().max(b.len());
    let mut out = vec![0; n];
    for i in 0..n {
        let da = if i + a.len() >= n { a[i + a.len() - n] } else { 1 };
        let db = if i + b.len() >= n { b[i + b.len() - n] } else { 1 };
        out[i] = match (da, db) {
            (x, y) if x == y => x,
            (1, y) => y,
            (x, 1) => x,
            _ => return None,
        };
    }
    Some(out)
}

impl Layout {
    pub fn contiguous(shape: &[usize]) -> Self {
        Layout { shape: shape.to_vec(), strides: contiguous_strides(shape), offset: 0 }
    }

    pub fn rank(&self) -> usize {
        self.shape.len()
    }

    pub fn numel(&self) -> usize {
        self.shape.iter().product()
    }

    /// True when elements are dense and in row-major order (a plain slice of storage).
    pub fn is_contiguous(&self) -> bool {
        let mut acc = 1;
        for d in (0..self.shape.len()).rev() {
            if self.shape[d] != 1 && self.strides[d] != acc {
                return false;
            }
            acc *= self.shape[d];
        }
        true
    }

    /// View of this layout broadcast to `shape` (stride 0 on new and size-1 dims), if allowed.
    pub fn broadcast_to(&self, shape: &[usize]) -> Option<Layout> {
        if shape.len() < self.rank() {
            return None;
        }
        let lead = shape.len() - self.rank();
        let mut strides = vec![0; shape.len()];
        for d in 0..self.rank() {
            let (have, want) = (self.shape[d], shape[lead + d]);
            if have == want {
                strides[lead + d] = self.strides[d];
            } else if have != 1 {
                return None;
            }
        }
        Some(Layout { shape: shape.to_vec(), strides, offset: self.offset })
    }

    /// Reorders dimensions: result dim `i` is source dim `perm[i]`.
    pub fn permute(&self, perm: &[usize]) -> Layout {
        Layout {
            shape: perm.iter().map(|&p| self.shape[p]).collect(),
            strides: perm.iter().map(|&p| self.strides[p]).collect(),
            offset: self.offset,
        }
    }

    /// Keeps `len` elements of `dim` starting at `start`.
    pub fn narrow(&self, dim: usize, start: usize, len: usize) -> Layout {
        let mut l = self.clone();
        l.shape[dim] = len;
        l.offset += start * self.strides[dim];
        l
    }

    /// A view with a new shape when the strides allow it without copying (like `torch.view`).
    /// Works dimension group by group: each group of old dims that merges must be dense.
    pub fn reshape(&self, shape: &[usize]) -> Option<Layout> {
        if self.is_contiguous() {
            return Some(Layout { shape: shape.to_vec(), strides: contiguous_strides(shape), offset: self.offset });
        }
        // Squeeze/unsqueeze-only changes keep the non-unit dims and their strides.
        let old: Vec<(usize, usize)> =
            self.shape.iter().zip(&self.strides).filter(|(s, _)| **s != 1).map(|(&s, &st)| (s, st)).collect();
        let new_non_unit: Vec<usize> = shape.iter().copied().filter(|&s| s != 1).collect();
        if old.iter().map(|p| p.0).collect::<Vec<_>>() != new_non_unit {
            return None;
        }
        let mut it = old.iter();
        let strides = shape.iter().map(|&s| if s == 1 { 0 } else { it.next().map(|p| p.1).unwrap_or(0) }).collect();
        Some(Layout { shape: shape.to_vec(), strides, offset: self.offset })
    }

    /// Storage offsets of all elements in row-major order of the view.
    pub fn offsets(&self) -> StridedOffsets<'_> {
        StridedOffsets::new(self)
    }

    /// Range of storage indices this view touches (for bounds checks), `None` if empty.
    pub fn max_offset(&self) -> Option<usize> {
        if self.numel() == 0 {
            return None;
        }
        Some(self.offset + self.shape.iter().zip(&self.strides).map(|(s, st)| (s - 1) * st).sum::<usize>())
    }
}

/// Iterator over storage offsets of a strided view, in row-major element order.
pub struct StridedOffsets<'a> {
    layout: &'a Layout,
    index: Vec<usize>,
    next: Option<usize>,
}

impl<'a> StridedOffsets<'a> {
    fn new(layout: &'a Layout) -> Self {
        let next = if layout.numel() == 0 { None } else { Some(layout.offset) };
        StridedOffsets { layout, index: vec![0; layout.rank()], next }
    }
}

impl Iterator for StridedOffsets<'_> {
    type Item = usize;
    fn next(&mut self) -> Option<usize> {
        let cur = self.next?;
        let l = self.layout;
        let mut off = cur;
        let mut d = l.rank();
        loop {
            if d == 0 {
                self.next = None;
                break;
            }
            d -= 1;
            self.index[d] += 1;
            off += l.strides[d];
            if self.index[d] < l.shape[d] {
                self.next = Some(off);
                break;
            }
            off -= l.strides[d] * l.shape[d];
            self.index[d] = 0;
        }
        Some(cur)
    }
}

/// Normalises a possibly negative dimension index against `rank` (panics with `op` if out of range).
pub fn normalize_dim(dim: isize, rank: usize, op: &str) -> usize {
    let r = rank as isize;
    let d = if dim < 0 { dim + r } else { dim };
    assert!(d >= 0 && d < r, "{op}: dim {dim} out of range for rank {rank}");
    d as usize
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn broadcast_rules() {
        assert_eq!(broadcast_shape(&[3, 1], &[4]), Some(vec![3, 4]));
        assert_eq!(broadcast_shape(&[2, 3], &[3, 2]), None);
        assert_eq!(broadcast_shape(&[], &[5]), Some(vec![5]));
    }

    #[test]
    fn offsets_of_transpose() {
        let l = Layout::contiguous(&[2, 3]).permute(&[1, 0]);
        assert_eq!(l.offsets().collect::<Vec<_>>(), vec![0, 3, 1, 4, 2, 5]);
        assert!(!l.is_contiguous());
        assert!(l.reshape(&[6]).is_none());
        assert!(l.reshape(&[3, 1, 2]).is_some());
    }
}
