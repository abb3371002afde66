//! PNG line plots for learning curves: axes with ticks, grid, legend, optional log-scale y.
//!
//! Dependency-light on purpose: our own rasteriser (`plot/canvas.rs`) draws anti-aliased lines and
//! text, glyphs come pre-rasterised from the `noto-sans-mono-bitmap` crate (Noto Sans Mono embedded in
//! the binary, so no system fonts are needed on a fresh machine; text is printable ASCII, anything else
//! draws as `?`), and the `png` crate encodes. Files are written atomically: `<path>.tmp`, then a
//! rename.

mod axis;
mod canvas;
mod class_map;
mod frame;
mod strip;

pub use class_map::{ClassMap, class_map};
pub use strip::{StripRow, label_strips};

use std::fmt;
use std::path::{Path, PathBuf};

use axis::Axis;
use canvas::{Canvas, WHITE};
use frame::{Frame, colour};

/// One named curve. Points are drawn in the order given; a non-finite point (or, on a log-scale
/// y axis, a y <= 0) is skipped and breaks the line there.
#[derive(Debug, Clone, PartialEq)]
pub struct Series {
    pub name: String,
    pub points: Vec<(f64, f64)>,
}

impl Series {
    pub fn new(name: impl Into<String>, points: Vec<(f64, f64)>) -> Self {
        Self { name: name.into(), points }
    }
}

/// Image size and y scale.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PlotOptions {
    /// Image width in pixels (at least 160).
    pub width: u32,
    /// Image height in pixels (at least 120).
    pub height: u32,
    /// Logarithmic (base 10) y axis; ticks at whole decades.
    pub log_y: bool,
}

impl Default for PlotOptions {
    fn default() -> Self {
        Self { width: 800, height: 500, log_y: false }
    }
}

/// Why a plot was not written; `Display` is one line naming the file.
#[derive(Debug)]
pub enum PlotError {
    /// No series has a single drawable point.
    NoData { path: PathBuf },
    /// Creating the folder, writing or renaming failed.
    Io { path: PathBuf, source: std::io::Error },
    /// PNG encoding failed.
    Encode { path: PathBuf, message: String },
}

impl fmt::Display for PlotError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PlotError::NoData { path } => write!(
                f,
                "cannot plot {}: no finite points to draw (series empty or all NaN/inf; \
                 a log-scale y also skips values <= 0)",
                path.display()
            ),
            PlotError::Io { path, source } => {
                write!(f, "cannot write plot {}: {source}", path.display())
            }
            PlotError::Encode { path, message } => {
                write!(f, "cannot encode plot {}: {message}", path.display())
            }
        }
    }
}

impl std::error::Error for PlotError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            PlotError::Io { source, .. } => Some(source),
            _ => None,
        }
    }
}

/// Writes a linear-scale line plot of `series` to the PNG file `path` (800x500).
/// Errors with [`PlotError::NoData`] when no series has a finite point.
pub fn line_plot(path: &Path, title: &str, x_label: &str, y_label: &str, series: &[Series]) -> Result<(), PlotError> {
    line_plot_with(path, title, x_label, y_label, series, &PlotOptions::default())
}

/// [`line_plot`] with explicit size and y scale.
pub fn line_plot_with(
    path: &Path,
    title: &str,
    x_label: &str,
    y_label: &str,
    series: &[Series],
    options: &PlotOptions,
) -> Result<(), PlotError> {
    let (w, h) = (options.width, options.height);
    assert!(w >= 160 && h >= 120, "line_plot: image {w}x{h} is too small (minimum 160x120)");
    let runs: Vec<Vec<Vec<(f64, f64)>>> = series.iter().map(|s| drawable_runs(&s.points, options.log_y)).collect();
    let (x_axis, y_axis) = fit_axes(&runs, options.log_y).ok_or_else(|| PlotError::NoData { path: path.into() })?;
    let frame = Frame::layout(w as usize, h as usize, x_axis, y_axis, !title.is_empty());
    let mut canvas = Canvas::new(w as usize, h as usize, WHITE);
    frame.draw_axes(&mut canvas, title, x_label, y_label);
    for (i, series_runs) in runs.iter().enumerate() {
        frame.draw_series(&mut canvas, series_runs, colour(i));
    }
    frame.draw_legend(&mut canvas, series, &runs);
    let png = canvas.encode_png().map_err(|e| PlotError::Encode { path: path.into(), message: e.to_string() })?;
    write_atomically(path, &png).map_err(|source| PlotError::Io { path: path.into(), source })
}

/// Splits `points` into runs of drawable points in axis space (y -> log10 y when `log_y`).
fn drawable_runs(points: &[(f64, f64)], log_y: bool) -> Vec<Vec<(f64, f64)>> {
    let mut runs = vec![Vec::new()];
    for &(x, y) in points {
        let y = if log_y { y.log10() } else { y };
        if x.is_finite() && y.is_finite() {
            runs.last_mut().expect("runs is never empty").push((x, y));
        } else if !runs.last().expect("runs is never empty").is_empty() {
            runs.push(Vec::new());
        }
    }
    runs.retain(|run| !run.is_empty());
    runs
}

/// Axes covering every drawable point, or `None` when there is none.
fn fit_axes(runs: &[Vec<Vec<(f64, f64)>>], log_y: bool) -> Option<(Axis, Axis)> {
    let mut points = runs.iter().flatten().flatten().peekable();
    points.peek()?;
    let (mut x_lo, mut x_hi, mut y_lo, mut y_hi) = (f64::MAX, f64::MIN, f64::MAX, f64::MIN);
    for &(x, y) in points {
        (x_lo, x_hi, y_lo, y_hi) = (x_lo.min(x), x_hi.max(x), y_lo.min(y), y_hi.max(y));
    }
    Some((Axis::fit(x_lo, x_hi, false), Axis::fit(y_lo, y_hi, log_y)))
}

/// Writes `bytes` to `<path>.tmp` and renames it over `path`, creating parent folders.
pub(crate) fn write_atomically(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent)?;
    }
    let mut tmp = path.as_os_str().to_owned();
    tmp.push(".tmp");
    std::fs::write(&tmp, bytes)?;
    std::fs::rename(&tmp, path)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scratch(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("extract-plot-test-{}", std::process::id()));
        dir.join(name)
    }

    fn decode(path: &Path) -> (u32, u32, Vec<u8>) {
        let decoder = png::Decoder::new(std::io::BufReader::new(std::fs::File::open(path).unwrap()));
        let mut reader = decoder.read_info().unwrap();
        let mut buf = vec![0; reader.output_buffer_size().unwrap()];
        let info = reader.next_frame(&mut buf).unwrap();
        buf.truncate(info.buffer_size());
        (info.width, info.height, buf)
    }

    fn curve(name: &str, f: impl Fn(f64) -> f64) -> Series {
        Series::new(name, (0..200).map(|i| (i as f64 * 10.0, f(i as f64))).collect())
    }

    #[test]
    fn writes_a_png_of_the_requested_size_with_every_colour() {
        let path = scratch("curves.png");
        let series = [curve("train", |t| 2.0 * (-t / 40.0).exp()), curve("eval", |t| 1.0 / (1.0 + t / 20.0))];
        let options = PlotOptions { width: 640, height: 400, log_y: false };
        line_plot_with(&path, "Loss", "step", "loss", &series, &options).unwrap();
        let (w, h, pixels) = decode(&path);
        assert_eq!((w, h), (640, 400));
        for c in [colour(0), colour(1)] {
            assert!(pixels.chunks_exact(3).any(|p| p == c), "colour {c:?} missing");
        }
        let mut tmp = path.as_os_str().to_owned();
        tmp.push(".tmp");
        assert!(!Path::new(&tmp).exists(), "temporary file left behind");
    }

    #[test]
    fn log_scale_skips_non_positive_and_non_finite_points() {
        let path = scratch("log.png");
        let mut series = curve("loss", |t| 10f64.powf(-t / 50.0));
        series.points.extend([(2000.0, f64::NAN), (2010.0, 0.0), (2020.0, -1.0), (f64::INFINITY, 1.0)]);
        let options = PlotOptions { log_y: true, ..PlotOptions::default() };
        line_plot_with(&path, "Log loss", "step", "loss", &[series], &options).unwrap();
        assert_eq!(decode(&path).0, 800);
    }

    #[test]
    fn no_drawable_points_is_an_error_naming_the_file() {
        let path = scratch("empty.png");
        let series = [Series::new("nothing", vec![]), Series::new("nan", vec![(0.0, f64::NAN)])];
        let err = line_plot(&path, "t", "x", "y", &series).unwrap_err();
        assert!(matches!(err, PlotError::NoData { .. }));
        let message = err.to_string();
        assert!(message.contains("empty.png") && !message.contains('\n'), "{message}");
        assert!(!path.exists());
        let log_only_negative = [Series::new("neg", vec![(0.0, -1.0)])];
        let options = PlotOptions { log_y: true, ..PlotOptions::default() };
        assert!(line_plot_with(&path, "t", "x", "y", &log_only_negative, &options).is_err());
    }

    #[test]
    fn single_point_and_flat_series_still_plot() {
        let path = scratch("single.png");
        line_plot(&path, "", "x", "y", &[Series::new("one", vec![(3.0, 3.0)])]).unwrap();
        let (_, _, pixels) = decode(&path);
        assert!(pixels.chunks_exact(3).any(|p| p == colour(0)));
        line_plot(&path, "flat", "x", "y", &[curve("flat", |_| 0.5)]).unwrap();
    }

    #[test]
    fn unwritable_path_is_an_io_error_naming_the_file() {
        let blocker = scratch("blocker");
        std::fs::create_dir_all(blocker.parent().unwrap()).unwrap();
        std::fs::write(&blocker, b"a file, not a folder").unwrap();
        let path = blocker.join("plot.png");
        let err = line_plot(&path, "t", "x", "y", &[curve("c", |t| t)]).unwrap_err();
        assert!(matches!(err, PlotError::Io { .. }));
        assert!(err.to_string().contains("plot.png"), "{err}");
    }

    #[test]
    fn runs_break_at_skipped_points() {
        let runs = drawable_runs(&[(0.0, 1.0), (1.0, f64::NAN), (2.0, 2.0), (3.0, 3.0)], false);
        assert_eq!(runs, vec![vec![(0.0, 1.0)], vec![(2.0, 2.0), (3.0, 3.0)]]);
        assert_eq!(drawable_runs(&[(0.0, 100.0)], true), vec![vec![(0.0, 2.0)]]);
        assert!(drawable_runs(&[], false).is_empty());
    }
}
