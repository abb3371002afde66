//! `frames.png`: a strip of evenly spaced frames of one generated episode, to see what the data looks like.
use std::path::Path;

/// Writes `count` evenly spaced frames of `frames` (row-major `(T, size, size, 3)`) side by side.
pub fn write(path: &Path, frames: &[u8], size: usize, count: usize) -> Result<(), String> {
    let frame = size * size * 3;
    let t = frames.len() / frame;
    if t == 0 || count == 0 {
        return Err(format!("{}: no frames to show", path.display()));
    }
    let count = count.min(t);
    let width = size * count;
    let mut rgb = vec![0u8; width * size * 3];
    for k in 0..count {
        let src = &frames[(k * (t - 1) / (count - 1).max(1)) * frame..][..frame];
        for row in 0..size {
            let dst = (row * width + k * size) * 3;
            rgb[dst..dst + size * 3].copy_from_slice(&src[row * size * 3..(row + 1) * size * 3]);
        }
    }
    let mut bytes = Vec::new();
    let mut encoder = png::Encoder::new(&mut bytes, width as u32, size as u32);
    encoder.set_color(png::ColorType::Rgb);
    encoder.set_depth(png::BitDepth::Eight);
    let mut w = encoder.write_header().map_err(|e| format!("{}: {e}", path.display()))?;
    w.write_image_data(&rgb).map_err(|e| format!("{}: {e}", path.display()))?;
    drop(w);
    crate::plot::write_atomically(path, &bytes).map_err(|e| format!("cannot write {}: {e}", path.display()))
}
