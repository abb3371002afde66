//! RGB raster for the plot writer: anti-aliased lines, filled rectangles, bitmap text and PNG encoding.

use noto_sans_mono_bitmap::{FontWeight, RasterHeight, get_raster, get_raster_width};

/// An sRGB colour, 8 bits per channel.
pub type Rgb = [u8; 3];

pub const WHITE: Rgb = [255, 255, 255];
pub const BLACK: Rgb = [0, 0, 0];

/// Font faces the plot uses: pre-rasterised Noto Sans Mono glyphs embedded in the binary.
#[derive(Debug, Clone, Copy)]
pub enum Font {
    /// Tick labels, axis labels and the legend.
    Regular,
    /// The title.
    Bold,
}

impl Font {
    fn weight_height(self) -> (FontWeight, RasterHeight) {
        match self {
            Font::Regular => (FontWeight::Regular, RasterHeight::Size16),
            Font::Bold => (FontWeight::Bold, RasterHeight::Size20),
        }
    }

    /// Advance of one character in pixels (the font is monospaced).
    pub fn char_width(self) -> usize {
        let (weight, height) = self.weight_height();
        get_raster_width(weight, height)
    }

    /// Height of a text line in pixels.
    pub fn line_height(self) -> usize {
        self.weight_height().1.val()
    }

    /// Width of `text` in pixels.
    pub fn text_width(self, text: &str) -> usize {
        text.chars().count() * self.char_width()
    }
}

/// Where a text's anchor point sits relative to the text box.
#[derive(Debug, Clone, Copy)]
pub enum Align {
    /// Anchor at the left edge, vertically centred.
    Left,
    /// Anchor at the centre of the box.
    Center,
    /// Anchor at the right edge, vertically centred.
    Right,
}

/// A `width x height` RGB image, row-major, origin top-left.
pub struct Canvas {
    width: usize,
    height: usize,
    pixels: Vec<Rgb>,
}

impl Canvas {
    /// A canvas filled with `background`.
    pub fn new(width: usize, height: usize, background: Rgb) -> Self {
        Self { width, height, pixels: vec![background; width * height] }
    }

    /// Mixes `colour` into pixel (x, y) with opacity `alpha` in [0, 1]; out-of-bounds pixels are ignored.
    pub fn blend(&mut self, x: i64, y: i64, colour: Rgb, alpha: f64) {
        if x < 0 || y < 0 || x >= self.width as i64 || y >= self.height as i64 || alpha <= 0.0 {
            return;
        }
        let alpha = alpha.min(1.0);
        let pixel = &mut self.pixels[y as usize * self.width + x as usize];
        for (dst, src) in pixel.iter_mut().zip(colour) {
            let mixed = f64::from(*dst) * (1.0 - alpha) + f64::from(src) * alpha;
            *dst = mixed.round() as u8;
        }
    }

    /// Fills the rectangle [x0, x1) x [y0, y1) with `colour`.
    pub fn fill_rect(&mut self, x0: i64, y0: i64, x1: i64, y1: i64, colour: Rgb) {
        for y in y0..y1 {
            for x in x0..x1 {
                self.blend(x, y, colour, 1.0);
            }
        }
    }

    /// Outlines the rectangle [x0, x1] x [y0, y1] with one-pixel lines.
    pub fn stroke_rect(&mut self, x0: i64, y0: i64, x1: i64, y1: i64, colour: Rgb) {
        self.fill_rect(x0, y0, x1 + 1, y0 + 1, colour);
        self.fill_rect(x0, y1, x1 + 1, y1 + 1, colour);
        self.fill_rect(x0, y0, x0 + 1, y1 + 1, colour);
        self.fill_rect(x1, y0, x1 + 1, y1 + 1, colour);
    }

    /// Anti-aliased segment from `a` to `b` (pixel coordinates, pixel centres at +0.5) of `width`
    /// pixels. Coverage falls off linearly over the last pixel, by distance to the segment.
    pub fn line(&mut self, a: (f64, f64), b: (f64, f64), width: f64, colour: Rgb) {
        let reach = width / 2.0 + 1.0;
        let x0 = (a.0.min(b.0) - reach).floor() as i64;
        let x1 = (a.0.max(b.0) + reach).ceil() as i64;
        let y0 = (a.1.min(b.1) - reach).floor() as i64;
        let y1 = (a.1.max(b.1) + reach).ceil() as i64;
        for y in y0.max(0)..=y1.min(self.height as i64) {
            for x in x0.max(0)..=x1.min(self.width as i64) {
                let centre = (x as f64 + 0.5, y as f64 + 0.5);
                let coverage = width / 2.0 + 0.5 - distance_to_segment(centre, a, b);
                self.blend(x, y, colour, coverage);
            }
        }
    }

    /// Draws `text` horizontally; (x, y) is the anchor described by `align`.
    pub fn text(&mut self, x: i64, y: i64, text: &str, font: Font, align: Align, colour: Rgb) {
        let (left, top) = text_origin(x, y, font.text_width(text), font.line_height(), align);
        self.glyphs(text, font, colour, |gx, gy| (left + gx, top + gy));
    }

    /// Draws `text` rotated 90 degrees counter-clockwise (reads bottom to top), centred on (x, y).
    pub fn text_vertical(&mut self, x: i64, y: i64, text: &str, font: Font, colour: Rgb) {
        let (w, h) = (font.text_width(text) as i64, font.line_height() as i64);
        // Unrotated box is w x h; rotated it is h wide and w tall. Glyph pixel (gx, gy) of the
        // unrotated text lands at (gy, w - 1 - gx) inside the rotated box.
        let (left, top) = (x - h / 2, y - w / 2);
        self.glyphs(text, font, colour, |gx, gy| (left + gy, top + w - 1 - gx));
    }

    /// Blends every glyph pixel of `text`, mapping text-box coordinates through `place`.
    fn glyphs(&mut self, text: &str, font: Font, colour: Rgb, place: impl Fn(i64, i64) -> (i64, i64)) {
        let (weight, height) = font.weight_height();
        let advance = font.char_width() as i64;
        for (i, c) in text.chars().enumerate() {
            let Some(glyph) = get_raster(c, weight, height).or_else(|| get_raster('?', weight, height)) else {
                continue;
            };
            for (gy, row) in glyph.rows().enumerate() {
                for (gx, &value) in row.iter().enumerate() {
                    let (px, py) = place(i as i64 * advance + gx as i64, gy as i64);
                    self.blend(px, py, colour, f64::from(value) / 255.0);
                }
            }
        }
    }

    /// Encodes the canvas as an 8-bit RGB PNG.
    pub fn encode_png(&self) -> Result<Vec<u8>, png::EncodingError> {
        let mut bytes = Vec::new();
        let mut encoder = png::Encoder::new(&mut bytes, self.width as u32, self.height as u32);
        encoder.set_color(png::ColorType::Rgb);
        encoder.set_depth(png::BitDepth::Eight);
        let mut writer = encoder.write_header()?;
        writer.write_image_data(self.pixels.as_flattened())?;
        writer.finish()?;
        Ok(bytes)
    }
}

/// Top-left corner of a `w x h` text box whose anchor is (x, y).
fn text_origin(x: i64, y: i64, w: usize, h: usize, align: Align) -> (i64, i64) {
    let (w, h) = (w as i64, h as i64);
    let left = match align {
        Align::Left => x,
        Align::Center => x - w / 2,
        Align::Right => x - w,
    };
    (left, y - h / 2)
}

/// Euclidean distance from point `p` to the segment `a`-`b`.
fn distance_to_segment(p: (f64, f64), a: (f64, f64), b: (f64, f64)) -> f64 {
    let (dx, dy) = (b.0 - a.0, b.1 - a.1);
    let len2 = dx * dx + dy * dy;
    let t = if len2 > 0.0 { (((p.0 - a.0) * dx + (p.1 - a.1) * dy) / len2).clamp(0.0, 1.0) } else { 0.0 };
    let (cx, cy) = (a.0 + t * dx, a.1 + t * dy);
    ((p.0 - cx).powi(2) + (p.1 - cy).powi(2)).sqrt()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn distance_to_segment_covers_interior_and_ends() {
        assert_eq!(distance_to_segment((1.0, 1.0), (0.0, 0.0), (2.0, 0.0)), 1.0);
        assert_eq!(distance_to_segment((5.0, 4.0), (0.0, 0.0), (2.0, 0.0)), 5.0);
        assert_eq!(distance_to_segment((3.0, 4.0), (0.0, 0.0), (0.0, 0.0)), 5.0);
    }

    #[test]
    fn line_colours_pixels_on_the_segment_only() {
        let mut canvas = Canvas::new(20, 20, WHITE);
        canvas.line((2.0, 10.5), (18.0, 10.5), 2.0, BLACK);
        assert_eq!(canvas.pixels[10 * 20 + 10], BLACK);
        assert_eq!(canvas.pixels[2 * 20 + 10], WHITE);
    }

    #[test]
    fn text_draws_ink_inside_its_box() {
        let mut canvas = Canvas::new(100, 40, WHITE);
        canvas.text(50, 20, "Ag", Font::Regular, Align::Center, BLACK);
        let inked: Vec<usize> = (0..canvas.pixels.len()).filter(|&i| canvas.pixels[i] != WHITE).collect();
        assert!(!inked.is_empty());
        let half_w = Font::Regular.text_width("Ag") / 2 + 1;
        assert!(inked.iter().all(|&i| (i % 100).abs_diff(50) <= half_w));
    }

    #[test]
    fn vertical_text_is_taller_than_wide() {
        let mut canvas = Canvas::new(60, 200, WHITE);
        canvas.text_vertical(30, 100, "loss value", Font::Regular, BLACK);
        let inked: Vec<(usize, usize)> =
            (0..canvas.pixels.len()).filter(|&i| canvas.pixels[i] != WHITE).map(|i| (i % 60, i / 60)).collect();
        let span =
            |f: fn(&(usize, usize)) -> usize| inked.iter().map(f).max().unwrap() - inked.iter().map(f).min().unwrap();
        assert!(span(|p| p.1) > 3 * span(|p| p.0));
    }
}
