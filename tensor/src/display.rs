//! `Debug` printing: shape, device and (abbreviated) values.

use crate::tensor::Tensor;
use std::fmt;

/// At most this many values per dimension are printed; the middle is elided.
const EDGE: usize = 3;

fn write_dim(f: &mut fmt::Formatter<'_>, data: &[f32], shape: &[usize], depth: usize) -> fmt::Result {
    if shape.is_empty() {
        return write!(f, "{:.4}", data[0]);
    }
    let n = shape[0];
    let stride: usize = shape[1..].iter().product();
    let shown: Vec<Option<usize>> = if n > 2 * EDGE {
        (0..EDGE).map(Some).chain([None]).chain((n - EDGE..n).map(Some)).collect()
    } else {
        (0..n).map(Some).collect()
    };
    write!(f, "[")?;
    for (j, item) in shown.into_iter().enumerate() {
        if j > 0 {
            write!(f, ",")?;
            if shape.len() > 1 {
                write!(f, "\n{:width$}", "", width = depth + 1)?;
            } else {
                write!(f, " ")?;
            }
        }
        match item {
            Some(i) => write_dim(f, &data[i * stride..(i + 1) * stride], &shape[1..], depth + 1)?,
            None => write!(f, "...")?,
        }
    }
    write!(f, "]")
}

impl fmt::Debug for Tensor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Tensor(shape={:?}, device={}, ", self.shape(), self.device())?;
        if self.numel() == 0 {
            write!(f, "[]")?;
        } else {
            // A failed GPU read-back is printed, not raised: formatting must not panic.
            match self.try_to_vec() {
                Ok(v) => write_dim(f, &v, self.shape(), 0)?,
                Err(e) => write!(f, "<{e}>")?,
            }
        }
        write!(f, ")")
    }
}

#[cfg(test)]
mod tests {
    use crate::Tensor;

    #[test]
    fn debug_names_shape_and_elides() {
        let s = format!("{:?}", Tensor::arange(10));
        assert!(s.starts_with("Tensor(shape=[10], device=cpu, [0.0000, 1.0000, 2.0000, ..., 7.0000"), "{s}");
        let s = format!("{:?}", Tensor::zeros(&[2, 2]));
        assert!(s.contains("[[0.0000, 0.0000],\n [0.0000, 0.0000]]"), "{s}");
    }
}
