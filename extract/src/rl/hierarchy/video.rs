//! Evaluation videos as animated PNG (APNG): lossless, played by every web browser, written with the
//! `png` crate the plots already use (no video codec dependency).

use std::path::Path;

/// Writes `frames` (each `res x res x 3` RGB bytes, rows top to bottom) as an endlessly looping APNG
/// at `fps` frames per second, atomically (`<path>.tmp`, then a rename).
pub fn write_apng(path: &Path, frames: &[Vec<u8>], res: usize, fps: u16) -> Result<(), String> {
    let fail = |e: &dyn std::fmt::Display| format!("video {}: {e}", path.display());
    if frames.is_empty() || res == 0 {
        return Err(fail(&"no frames to write"));
    }
    if let Some(bad) = frames.iter().find(|f| f.len() != res * res * 3) {
        return Err(fail(&format!("a frame has {} bytes, expected {res}x{res}x3", bad.len())));
    }
    let mut bytes = Vec::new();
    {
        let mut enc = png::Encoder::new(&mut bytes, res as u32, res as u32);
        enc.set_color(png::ColorType::Rgb);
        enc.set_depth(png::BitDepth::Eight);
        enc.set_animated(frames.len() as u32, 0).map_err(|e| fail(&e))?;
        enc.set_frame_delay(1, fps.max(1)).map_err(|e| fail(&e))?;
        let mut writer = enc.write_header().map_err(|e| fail(&e))?;
        for f in frames {
            writer.write_image_data(f).map_err(|e| fail(&e))?;
        }
        writer.finish().map_err(|e| fail(&e))?;
    }
    let tmp = path.with_extension("tmp");
    std::fs::write(&tmp, &bytes).and_then(|_| std::fs::rename(&tmp, path)).map_err(|e| fail(&e))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn apng_round_trips_its_frames() {
        let dir = std::env::temp_dir().join(format!("apng-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("v.png");
        let frames: Vec<Vec<u8>> = (0..3u8).map(|i| vec![i * 40; 4 * 4 * 3]).collect();
        write_apng(&path, &frames, 4, 10).unwrap();
        let mut reader =
            png::Decoder::new(std::io::BufReader::new(std::fs::File::open(&path).unwrap())).read_info().unwrap();
        assert_eq!(reader.info().animation_control.map(|a| a.num_frames), Some(3));
        let mut buf = vec![0; reader.output_buffer_size().unwrap()];
        for want in &frames {
            let info = reader.next_frame(&mut buf).unwrap();
            assert_eq!(&buf[..info.buffer_size()], &want[..]);
        }
        assert!(write_apng(&path, &[vec![0; 5]], 4, 10).unwrap_err().contains("expected 4x4x3"));
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
