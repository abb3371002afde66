//! Small fixed-size linear algebra for the scripted controllers: 3-vectors, rotation matrices (row-major
//! `[[f64; 3]; 3]`, columns = the frame's axes in world), rotation vectors, and an SPD solve.
pub type V3 = [f64; 3];
pub type M3 = [[f64; 3]; 3];

pub const IDENTITY: M3 = [[1.0, 0.0, 0.0], [0.0, 1.0, 0.0], [0.0, 0.0, 1.0]];

pub fn add(a: V3, b: V3) -> V3 {
    [a[0] + b[0], a[1] + b[1], a[2] + b[2]]
}

pub fn sub(a: V3, b: V3) -> V3 {
    [a[0] - b[0], a[1] - b[1], a[2] - b[2]]
}

pub fn scale(a: V3, s: f64) -> V3 {
    [a[0] * s, a[1] * s, a[2] * s]
}

pub fn dot(a: V3, b: V3) -> f64 {
    a[0] * b[0] + a[1] * b[1] + a[2] * b[2]
}

pub fn norm(a: V3) -> f64 {
    dot(a, a).sqrt()
}

/// `a` shortened to length `max` if it is longer.
pub fn clip_norm(a: V3, max: f64) -> V3 {
    let n = norm(a);
    if n > max { scale(a, max / n) } else { a }
}

/// A MuJoCo `xmat` (row-major 9) as a matrix.
pub fn from_xmat(x: [f64; 9]) -> M3 {
    [[x[0], x[1], x[2]], [x[3], x[4], x[5]], [x[6], x[7], x[8]]]
}

/// Column `j` of `m` (the frame's `j`-th axis in world coordinates).
pub fn column(m: &M3, j: usize) -> V3 {
    [m[0][j], m[1][j], m[2][j]]
}

pub fn mul(a: &M3, b: &M3) -> M3 {
    std::array::from_fn(|i| std::array::from_fn(|j| (0..3).map(|k| a[i][k] * b[k][j]).sum()))
}

pub fn mul_v(a: &M3, v: V3) -> V3 {
    std::array::from_fn(|i| dot(a[i], v))
}

pub fn transpose(a: &M3) -> M3 {
    std::array::from_fn(|i| std::array::from_fn(|j| a[j][i]))
}

/// Rotation by `angle` about world z.
pub fn rot_z(angle: f64) -> M3 {
    let (s, c) = angle.sin_cos();
    [[c, -s, 0.0], [s, c, 0.0], [0.0, 0.0, 1.0]]
}

/// Rotation by `angle` about world y.
pub fn rot_y(angle: f64) -> M3 {
    let (s, c) = angle.sin_cos();
    [[c, 0.0, s], [0.0, 1.0, 0.0], [-s, 0.0, c]]
}

/// Rotation by `angle` about world x.
pub fn rot_x(angle: f64) -> M3 {
    let (s, c) = angle.sin_cos();
    [[1.0, 0.0, 0.0], [0.0, c, -s], [0.0, s, c]]
}

/// Rodrigues: the rotation of `|w|` radians about `w / |w|`.
pub fn from_rotvec(w: V3) -> M3 {
    let angle = norm(w);
    if angle < 1e-12 {
        return IDENTITY;
    }
    let k = scale(w, 1.0 / angle);
    let (s, c) = angle.sin_cos();
    let kx: M3 = [[0.0, -k[2], k[1]], [k[2], 0.0, -k[0]], [-k[1], k[0], 0.0]];
    let kk = mul(&kx, &kx);
    std::array::from_fn(|i| std::array::from_fn(|j| IDENTITY[i][j] + s * kx[i][j] + (1.0 - c) * kk[i][j]))
}

/// The rotation vector (axis · angle, angle in [0, π]) of rotation `r`.
pub fn rotvec(r: &M3) -> V3 {
    let cos = ((r[0][0] + r[1][1] + r[2][2] - 1.0) / 2.0).clamp(-1.0, 1.0);
    let angle = cos.acos();
    let v = [r[2][1] - r[1][2], r[0][2] - r[2][0], r[1][0] - r[0][1]];
    let s = angle.sin();
    if s > 1e-6 {
        return scale(v, angle / (2.0 * s));
    }
    if angle < 1.0 {
        return scale(v, 0.5);
    }
    // Near π: the axis is the column of (R + I) / 2 with the largest diagonal.
    let i = (0..3).max_by(|a, b| r[*a][*a].total_cmp(&r[*b][*b])).unwrap_or(0);
    let axis = [(r[0][i] + IDENTITY[0][i]) / 2.0, (r[1][i] + IDENTITY[1][i]) / 2.0, (r[2][i] + IDENTITY[2][i]) / 2.0];
    scale(axis, angle / norm(axis).max(1e-12))
}

/// The rotation error `from -> to` as a world rotation vector (`rotvec(to · fromᵀ)`).
pub fn rot_error(to: &M3, from: &M3) -> V3 {
    rotvec(&mul(to, &transpose(from)))
}

/// `from` turned toward `to` by at most `max_angle` radians.
pub fn rotate_towards(from: &M3, to: &M3, max_angle: f64) -> M3 {
    let w = rot_error(to, from);
    if norm(w) <= max_angle { *to } else { mul(&from_rotvec(clip_norm(w, max_angle)), from) }
}

/// Solves `a x = b` for a symmetric positive definite `a` (Cholesky). `a` must be SPD, which the damped
/// least-squares matrices `J Jᵀ + λI` (λ > 0) always are.
pub fn solve_spd<const N: usize>(a: &[[f64; N]; N], b: &[f64; N]) -> [f64; N] {
    let mut l = [[0.0; N]; N];
    for i in 0..N {
        for j in 0..=i {
            let s: f64 = a[i][j] - (0..j).map(|k| l[i][k] * l[j][k]).sum::<f64>();
            l[i][j] = if i == j { s.max(1e-12).sqrt() } else { s / l[j][j] };
        }
    }
    let mut y = [0.0; N];
    for i in 0..N {
        y[i] = (b[i] - (0..i).map(|k| l[i][k] * y[k]).sum::<f64>()) / l[i][i];
    }
    let mut x = [0.0; N];
    for i in (0..N).rev() {
        x[i] = (y[i] - (i + 1..N).map(|k| l[k][i] * x[k]).sum::<f64>()) / l[i][i];
    }
    x
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rotvec_inverts_rodrigues() {
        for w in [[0.3, -0.2, 0.5], [0.0, 0.0, 3.0], [1e-8, 0.0, 0.0], [2.0, 1.0, -0.5]] {
            let back = rotvec(&from_rotvec(w));
            assert!(norm(sub(back, w)) < 1e-9, "{w:?} -> {back:?}");
        }
        let r = mul(&rot_z(0.4), &rot_y(-0.3));
        assert!(norm(rot_error(&r, &r)) < 1e-12);
        let turned = rotate_towards(&IDENTITY, &rot_z(1.0), 0.25);
        assert!(norm(sub(rotvec(&turned), [0.0, 0.0, 0.25])) < 1e-12);
    }

    #[test]
    fn cholesky_solves() {
        let a = [[4.0, 1.0, 0.5], [1.0, 3.0, 0.2], [0.5, 0.2, 2.0]];
        let x = solve_spd(&a, &[1.0, 2.0, 3.0]);
        for i in 0..3 {
            let ax: f64 = (0..3).map(|j| a[i][j] * x[j]).sum();
            assert!((ax - [1.0, 2.0, 3.0][i]).abs() < 1e-12);
        }
    }
}
