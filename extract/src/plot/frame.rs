//! Plot layout and drawing: the plot rectangle, axes with ticks and grid, series polylines, legend.

use super::Series;
use super::axis::Axis;
use super::canvas::{Align, BLACK, Canvas, Font, Rgb, WHITE};

/// The tab10 palette: distinct colours, reused in order after ten series.
const PALETTE: [Rgb; 10] = [
    [31, 119, 180],
    [255, 127, 14],
    [44, 160, 44],
    [214, 39, 40],
    [148, 103, 189],
    [140, 86, 75],
    [227, 119, 194],
    [127, 127, 127],
    [188, 189, 34],
    [23, 190, 207],
];

/// Colour of the series at `index`.
pub fn colour(index: usize) -> Rgb {
    PALETTE[index % PALETTE.len()]
}

const GRID: Rgb = [225, 225, 225];
const LEGEND_BORDER: Rgb = [170, 170, 170];
const LINE_WIDTH: f64 = 2.0;
const TICK_TARGET: usize = 6;

/// The plot rectangle inside the image (pixel edges, inclusive) and the axes it shows.
pub struct Frame {
    left: usize,
    top: usize,
    right: usize,
    bottom: usize,
    x: Axis,
    y: Axis,
}

impl Frame {
    /// Leaves room for the title, y tick labels, the rotated y label and the x labels.
    pub fn layout(width: usize, height: usize, x: Axis, y: Axis, has_title: bool) -> Self {
        let font = Font::Regular;
        let widest_tick = y.ticks(TICK_TARGET).iter().map(|t| font.text_width(&t.label)).max().unwrap_or(0);
        let left = 8 + font.line_height() + 8 + widest_tick + 8;
        let top = if has_title { 12 + Font::Bold.line_height() + 10 } else { 16 };
        let bottom = height - (8 + 2 * font.line_height() + 16);
        let right = width - 24;
        Self { left: left.min(width / 2), top, right, bottom, x, y }
    }

    /// Pixel position of an axis-space point.
    fn to_px(&self, (x, y): (f64, f64)) -> (f64, f64) {
        let (w, h) = ((self.right - self.left) as f64, (self.bottom - self.top) as f64);
        (self.left as f64 + 0.5 + self.x.fraction(x) * w, self.bottom as f64 + 0.5 - self.y.fraction(y) * h)
    }

    /// Grid, tick marks and tick labels, the frame, the axis labels and the title.
    pub fn draw_axes(&self, canvas: &mut Canvas, title: &str, x_label: &str, y_label: &str) {
        self.draw_ticks(canvas);
        let (l, t, r, b) = self.edges();
        canvas.stroke_rect(l, t, r, b, BLACK);
        let font = Font::Regular;
        let half_line = font.line_height() as i64 / 2;
        let x_label_y = b + 8 + font.line_height() as i64 + 4 + half_line;
        canvas.text((l + r) / 2, x_label_y, x_label, font, Align::Center, BLACK);
        canvas.text_vertical(8 + half_line, (t + b) / 2, y_label, font, BLACK);
        let title_y = 12 + Font::Bold.line_height() as i64 / 2;
        canvas.text((l + r) / 2, title_y, title, Font::Bold, Align::Center, BLACK);
    }

    /// Left, top, right and bottom pixel edges of the plot rectangle.
    fn edges(&self) -> (i64, i64, i64, i64) {
        let (l, t) = (self.left as i64, self.top as i64);
        (l, t, self.right as i64, self.bottom as i64)
    }

    /// A grid line, an outside tick mark and a label for every tick of both axes.
    fn draw_ticks(&self, canvas: &mut Canvas) {
        let (l, t, r, b) = self.edges();
        let font = Font::Regular;
        let label_y = b + 8 + font.line_height() as i64 / 2;
        for tick in self.x.ticks(TICK_TARGET) {
            let px = self.to_px((tick.at, self.y.lo)).0 as i64;
            canvas.fill_rect(px, t + 1, px + 1, b, GRID);
            canvas.fill_rect(px, b, px + 1, b + 5, BLACK);
            canvas.text(px, label_y, &tick.label, font, Align::Center, BLACK);
        }
        for tick in self.y.ticks(TICK_TARGET) {
            let py = self.to_px((self.x.lo, tick.at)).1 as i64;
            canvas.fill_rect(l + 1, py, r, py + 1, GRID);
            canvas.fill_rect(l - 5, py, l, py + 1, BLACK);
            canvas.text(l - 8, py, &tick.label, font, Align::Right, BLACK);
        }
    }

    /// Polylines for each run; a run of one point becomes a dot.
    pub fn draw_series(&self, canvas: &mut Canvas, runs: &[Vec<(f64, f64)>], colour: Rgb) {
        for run in runs {
            if let [single] = run.as_slice() {
                let p = self.to_px(*single);
                canvas.line(p, p, 2.0 * LINE_WIDTH, colour);
            }
            for pair in run.windows(2) {
                canvas.line(self.to_px(pair[0]), self.to_px(pair[1]), LINE_WIDTH, colour);
            }
        }
    }

    /// Legend box in the plot corner that hides the fewest points (top-right on ties): a colour
    /// swatch and the name of each series.
    pub fn draw_legend(&self, canvas: &mut Canvas, series: &[Series], runs: &[Vec<Vec<(f64, f64)>>]) {
        if series.iter().all(|s| s.name.is_empty()) {
            return;
        }
        let font = Font::Regular;
        let row = font.line_height() as i64 + 4;
        let widest = series.iter().map(|s| font.text_width(&s.name)).max().unwrap_or(0) as i64;
        let size = (8 + 24 + 6 + widest + 8, 6 + row * series.len() as i64 + 2);
        let (x0, y0) = self.legend_corner(size, runs);
        canvas.fill_rect(x0, y0, x0 + size.0, y0 + size.1, WHITE);
        canvas.stroke_rect(x0, y0, x0 + size.0, y0 + size.1, LEGEND_BORDER);
        for (i, s) in series.iter().enumerate() {
            let y = y0 + 6 + row * i as i64 + row / 2;
            let (a, b) = ((x0 + 8) as f64, (x0 + 32) as f64);
            canvas.line((a, y as f64), (b, y as f64), LINE_WIDTH, colour(i));
            canvas.text(x0 + 38, y, &s.name, font, Align::Left, BLACK);
        }
    }

    /// Top-left pixel of a legend box of `size` in the corner covering the fewest data points.
    fn legend_corner(&self, (w, h): (i64, i64), runs: &[Vec<Vec<(f64, f64)>>]) -> (i64, i64) {
        let (l, t, r, b) = (self.left as i64 + 8, self.top as i64 + 8, self.right as i64 - 8, self.bottom as i64 - 8);
        let corners = [(r - w, t), (l, t), (r - w, b - h), (l, b - h)];
        let pixels: Vec<(f64, f64)> = runs.iter().flatten().flatten().map(|&p| self.to_px(p)).collect();
        let hidden = |&(x0, y0): &(i64, i64)| {
            let inside = |&&(px, py): &&(f64, f64)| {
                (x0 as f64 - 4.0..=(x0 + w) as f64 + 4.0).contains(&px)
                    && (y0 as f64 - 4.0..=(y0 + h) as f64 + 4.0).contains(&py)
            };
            pixels.iter().filter(inside).count()
        };
        // min_by_key keeps the first of equal minima, so ties go to the top-right corner.
        corners.into_iter().min_by_key(hidden).expect("four corners")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn frame() -> Frame {
        let x = Axis { lo: 0.0, hi: 10.0, log: false };
        let y = Axis { lo: 0.0, hi: 10.0, log: false };
        Frame::layout(400, 300, x, y, true)
    }

    #[test]
    fn axis_ends_map_to_the_frame_edges() {
        let f = frame();
        assert_eq!(f.to_px((0.0, 0.0)), (f.left as f64 + 0.5, f.bottom as f64 + 0.5));
        assert_eq!(f.to_px((10.0, 10.0)), (f.right as f64 + 0.5, f.top as f64 + 0.5));
    }

    #[test]
    fn legend_avoids_the_corner_holding_the_data() {
        let f = frame();
        let (right_x, top_y) = f.legend_corner((60, 40), &[]);
        let rising: Vec<(f64, f64)> = (0..=100).map(|i| (i as f64 / 10.0, i as f64 / 10.0)).collect();
        let (x, y) = f.legend_corner((60, 40), &[vec![rising]]);
        assert!(x < right_x && y == top_y, "rising curve: legend goes top-left, got ({x}, {y})");
    }
}
