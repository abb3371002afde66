//! `ObsStore`: one observation column of the replay buffer — the f32 state prefix of each row, its
//! image suffix quantised to u8 (a quarter of the memory of f32 for image observations), and
//! optional f32 features derived from the stored observation (an agent's frozen-network outputs).

use super::replay_buffer::ObsLayout;
use tensor::Tensor;

/// `x` in [-1, 1] to a byte: `round((x + 1) / 2 * 255)`, clamped (upstream truncates instead of
/// rounding; rounding halves the worst-case error to 1/255).
pub fn encode_pixel(x: f32) -> u8 {
    (((x + 1.0) * 127.5).round()).clamp(0.0, 255.0) as u8
}

/// A stored byte back to [-1, 1]: `b / 255 * 2 - 1`.
pub fn decode_pixel(b: u8) -> f32 {
    b as f32 / 127.5 - 1.0
}

/// Rows of observations, state part and image part in separate flat arrays.
#[derive(Clone, Debug)]
pub(crate) struct ObsStore {
    pub(crate) layout: ObsLayout,
    /// `[rows, state_dim]`, row-major.
    pub(crate) state: Vec<f32>,
    /// `[rows, image_dim]`, row-major.
    pub(crate) image: Vec<u8>,
    /// Width of the derived features of each row (0: none).
    pub(crate) feature_dim: usize,
    /// `[rows, feature_dim]`, row-major.
    pub(crate) features: Vec<f32>,
}

impl ObsStore {
    pub(crate) fn new(layout: ObsLayout, feature_dim: usize, rows: usize) -> ObsStore {
        ObsStore {
            layout,
            state: vec![0.0; rows * layout.state_dim],
            image: vec![0; rows * layout.image_dim],
            feature_dim,
            features: vec![0.0; rows * feature_dim],
        }
    }

    /// Writes the flat observation `obs` into `row`; `what` names the column in the panic message.
    pub(crate) fn write(&mut self, row: usize, obs: &[f32], what: &str) {
        let ObsLayout { state_dim: s, image_dim: i } = self.layout;
        assert!(obs.len() == s + i, "ReplayBuffer::push: {what} has {} values, the layout has {s} + {i}", obs.len());
        self.state[row * s..(row + 1) * s].copy_from_slice(&obs[..s]);
        for (dst, &x) in self.image[row * i..(row + 1) * i].iter_mut().zip(&obs[s..]) {
            *dst = encode_pixel(x);
        }
    }

    /// The flat observations of `rows`, decoded: `[rows.len(), state_dim + image_dim]`.
    pub(crate) fn gather(&self, rows: &[usize]) -> Tensor {
        let ObsLayout { state_dim: s, image_dim: i } = self.layout;
        let mut out = Vec::with_capacity(rows.len() * (s + i));
        for &r in rows {
            out.extend_from_slice(&self.state[r * s..(r + 1) * s]);
            out.extend(self.image[r * i..(r + 1) * i].iter().map(|&b| decode_pixel(b)));
        }
        Tensor::from_vec(out, &[rows.len(), s + i])
    }

    /// Sets the derived features of `row` (`feature_dim` values).
    pub(crate) fn write_features(&mut self, row: usize, features: &[f32]) {
        let f = self.feature_dim;
        self.features[row * f..(row + 1) * f].copy_from_slice(features);
    }

    /// The derived features of `rows`: `[rows.len(), feature_dim]`, `None` without features.
    pub(crate) fn gather_features(&self, rows: &[usize]) -> Option<Tensor> {
        let f = self.feature_dim;
        (f > 0).then(|| {
            let v = rows.iter().flat_map(|&r| self.features[r * f..(r + 1) * f].iter().copied()).collect();
            Tensor::from_vec(v, &[rows.len(), f])
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pixels_round_trip_within_half_a_step() {
        for k in 0..=2000 {
            let x = -1.0 + k as f32 / 1000.0;
            assert!((decode_pixel(encode_pixel(x)) - x).abs() <= 1.0 / 255.0 + 1e-6, "{x}");
        }
        assert_eq!((encode_pixel(-1.0), encode_pixel(1.0), encode_pixel(7.0)), (0, 255, 255));
        assert!((0..=255u8).all(|b| encode_pixel(decode_pixel(b)) == b));
    }
}
