//! Label strips: one row per sequence, one coloured cell per step (cluster labels above ground-truth
//! subtasks), to see at a glance where skills start and end.
use super::canvas::{Align, BLACK, Canvas, Font, WHITE};
use super::frame::colour;
use super::{PlotError, write_atomically};
use std::path::Path;

/// One sequence: its label bands (drawn top to bottom) and a caption.
pub struct StripRow {
    pub caption: String,
    /// Each band: one label per step (`None` draws nothing).
    pub bands: Vec<Vec<Option<u32>>>,
}

/// Writes the rows as a PNG with legends `band_legends[b]` (label → name) under the strips.
pub fn label_strips(
    path: &Path,
    title: &str,
    rows: &[StripRow],
    band_legends: &[(&str, Vec<String>)],
) -> Result<(), PlotError> {
    const LEFT: usize = 90;
    const BAND: usize = 9;
    const GAP: usize = 6;
    const TOP: usize = 34;
    let steps = rows.iter().flat_map(|r| r.bands.iter().map(|b| b.len())).max().unwrap_or(0);
    if steps == 0 {
        return Err(PlotError::NoData { path: path.to_path_buf() });
    }
    let px = (900 / steps).clamp(1, 4);
    let row_h = rows.iter().map(|r| r.bands.len()).max().unwrap_or(1) * BAND + GAP;
    let width = (LEFT + steps * px + 20).max(700);
    // Legend entries flow left to right and wrap at the image's right edge.
    let entry_w = |label: &str| 16 + Font::Regular.text_width(label) as i64 + 14;
    let mut placed = Vec::new(); // (band, label index, x, line)
    let mut lines = 0;
    for (b, (_, labels)) in band_legends.iter().enumerate() {
        let mut x = LEFT as i64;
        for (l, label) in labels.iter().enumerate() {
            if x > LEFT as i64 && x + entry_w(label) > width as i64 {
                (x, lines) = (LEFT as i64, lines + 1);
            }
            placed.push((b, l, x, lines));
            x += entry_w(label);
        }
        lines += 1;
    }
    let height = TOP + rows.len() * row_h + lines * 22 + 10;
    let mut c = Canvas::new(width, height, WHITE);
    c.text(10, 8, title, Font::Bold, Align::Left, BLACK);
    for (i, row) in rows.iter().enumerate() {
        let y0 = TOP + i * row_h;
        c.text(8, y0 as i64, &row.caption, Font::Regular, Align::Left, BLACK);
        for (b, band) in row.bands.iter().enumerate() {
            let y = (y0 + b * BAND) as i64;
            for (t, label) in band.iter().enumerate() {
                if let Some(l) = label {
                    let x = (LEFT + t * px) as i64;
                    c.fill_rect(x, y, x + px as i64, y + BAND as i64 - 1, colour(*l as usize));
                }
            }
        }
    }
    let y0 = (TOP + rows.len() * row_h + 6) as i64;
    for &(b, l, x, line) in &placed {
        let y = y0 + 22 * line as i64;
        if l == 0 {
            c.text(8, y, band_legends[b].0, Font::Regular, Align::Left, BLACK);
        }
        let label = &band_legends[b].1[l];
        c.fill_rect(x, y + 3, x + 12, y + 15, colour(l));
        c.text(x + 16, y, label, Font::Regular, Align::Left, BLACK);
    }
    let bytes = c.encode_png().map_err(|e| PlotError::Encode { path: path.to_path_buf(), message: e.to_string() })?;
    write_atomically(path, &bytes).map_err(|source| PlotError::Io { path: path.to_path_buf(), source })
}
