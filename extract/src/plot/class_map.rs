//! Class-region maps: a 2-D grid of predicted classes as pale colours, with labelled points on top.

use super::canvas::{Align, BLACK, Canvas, Font, Rgb, WHITE};
use super::frame::colour;
use super::{PlotError, write_atomically};
use std::path::Path;

/// Pixel size of the map area; the title sits above it.
const MAP: usize = 400;
const TOP: usize = 32;

/// A class map of the square `[lo, hi]^2`: `grid[row * side + col]` is the class predicted at
/// the cell centre (row 0 at the top, i.e. the largest y); `points` are `(x, y, class)`.
pub struct ClassMap<'a> {
    pub title: &'a str,
    pub lo: f64,
    pub hi: f64,
    pub side: usize,
    pub grid: &'a [usize],
    pub points: &'a [(f64, f64, usize)],
}

fn pale(c: Rgb) -> Rgb {
    c.map(|v| ((v as u16 + 3 * 255) / 4) as u8)
}

/// Writes the map as a PNG (atomically); fails with one line naming the file.
pub fn class_map(path: &Path, map: &ClassMap) -> Result<(), PlotError> {
    if map.side == 0 || map.grid.len() != map.side * map.side || map.hi <= map.lo {
        return Err(PlotError::NoData { path: path.to_path_buf() });
    }
    let mut canvas = Canvas::new(MAP, MAP + TOP, WHITE);
    canvas.text(MAP as i64 / 2, 8, map.title, Font::Bold, Align::Center, BLACK);
    for py in 0..MAP {
        for px in 0..MAP {
            let cell = map.grid[(py * map.side / MAP) * map.side + px * map.side / MAP];
            canvas.blend(px as i64, (py + TOP) as i64, pale(colour(cell)), 1.0);
        }
    }
    let to_px = |v: f64| (v - map.lo) / (map.hi - map.lo) * MAP as f64;
    for &(x, y, c) in map.points {
        let (cx, cy) = (to_px(x), MAP as f64 - to_px(y) + TOP as f64);
        for dy in -2..=2i64 {
            for dx in -2..=2i64 {
                if dx * dx + dy * dy <= 5 {
                    canvas.blend(cx as i64 + dx, cy as i64 + dy, colour(c), 1.0);
                }
            }
        }
    }
    let bytes =
        canvas.encode_png().map_err(|e| PlotError::Encode { path: path.to_path_buf(), message: e.to_string() })?;
    write_atomically(path, &bytes).map_err(|source| PlotError::Io { path: path.to_path_buf(), source })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writes_png_and_rejects_bad_grid() {
        let dir = std::env::temp_dir().join(format!("extract-classmap-test-{}", std::process::id()));
        let path = dir.join("map.png");
        let grid = [0, 1, 2, 1];
        let map = ClassMap { title: "t", lo: -1.0, hi: 1.0, side: 2, grid: &grid, points: &[(0.5, 0.5, 2)] };
        class_map(&path, &map).unwrap();
        let decoder = png::Decoder::new(std::io::BufReader::new(std::fs::File::open(&path).unwrap()));
        let info = decoder.read_info().unwrap();
        assert_eq!((info.info().width, info.info().height), (MAP as u32, (MAP + TOP) as u32));
        let bad = ClassMap { side: 3, ..map };
        assert!(class_map(&path, &bad).is_err());
        let _ = std::fs::remove_dir_all(dir);
    }
}
