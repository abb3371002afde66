//! Axis ranges and tick placement for the plot writer: linear "nice number" ticks and log-scale decades.

/// One axis: the data interval it shows, in axis space (log10 of the value when `log` is set).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Axis {
    pub lo: f64,
    pub hi: f64,
    pub log: bool,
}

/// A tick: its position in axis space and its label.
#[derive(Debug, Clone, PartialEq)]
pub struct Tick {
    pub at: f64,
    pub label: String,
}

impl Axis {
    /// Axis covering the finite axis-space values `lo..=hi` (`lo <= hi`), with a little padding.
    /// Linear axes get 5% of the span each side; log axes widen to whole decades.
    pub fn fit(lo: f64, hi: f64, log: bool) -> Self {
        if log {
            let (lo, hi) = (lo.floor(), hi.ceil());
            let hi = if hi > lo { hi } else { lo + 1.0 };
            return Self { lo, hi, log };
        }
        let span = hi - lo;
        let pad = if span > 0.0 { 0.05 * span } else { (0.1 * lo.abs()).max(1e-3) };
        Self { lo: lo - pad, hi: hi + pad, log }
    }

    /// Maps an axis-space value to a fraction of the axis length: `lo -> 0`, `hi -> 1`.
    pub fn fraction(&self, v: f64) -> f64 {
        (v - self.lo) / (self.hi - self.lo)
    }

    /// Ticks inside the axis, about `target` of them (at least two on any non-empty axis).
    pub fn ticks(&self, target: usize) -> Vec<Tick> {
        if self.log { self.decade_ticks(target) } else { self.linear_ticks(target) }
    }

    fn linear_ticks(&self, target: usize) -> Vec<Tick> {
        let step = nice_step((self.hi - self.lo) / target.max(2) as f64);
        let decimals = (-step.log10().floor()).max(0.0) as usize;
        let first = (self.lo / step).ceil() as i64;
        let last = (self.hi / step).floor() as i64;
        (first..=last)
            .map(|k| {
                let at = k as f64 * step;
                Tick { at, label: format_linear(at, step, decimals) }
            })
            .collect()
    }

    fn decade_ticks(&self, target: usize) -> Vec<Tick> {
        let (lo, hi) = (self.lo.ceil() as i64, self.hi.floor() as i64);
        let stride = ((hi - lo) as usize).div_ceil(target.max(2)).max(1);
        (lo..=hi).step_by(stride).map(|k| Tick { at: k as f64, label: format_decade(k) }).collect()
    }
}

/// The "nice" step (1, 2 or 5 times a power of ten) closest above `raw`.
pub fn nice_step(raw: f64) -> f64 {
    if !(raw.is_finite() && raw > 0.0) {
        return 1.0;
    }
    let magnitude = 10f64.powf(raw.log10().floor());
    let mantissa = raw / magnitude;
    let nice = match mantissa {
        m if m <= 1.0 => 1.0,
        m if m <= 2.0 => 2.0,
        m if m <= 5.0 => 5.0,
        _ => 10.0,
    };
    nice * magnitude
}

/// Label for a linear tick at `v`: fixed decimals matching the step, scientific when very large or small.
fn format_linear(v: f64, step: f64, decimals: usize) -> String {
    // Snap float noise like 1e-17 (and -0.0) to an exact zero.
    let v = if v.abs() < step * 1e-9 { 0.0 } else { v };
    if v != 0.0 && (v.abs() >= 1e6 || step < 1e-4) {
        return format!("{v:.1e}");
    }
    format!("{v:.decimals$}")
}

/// Label for the log-scale tick 10^k: plain for moderate k, `1e{k}` otherwise.
fn format_decade(k: i64) -> String {
    match k {
        0..=4 => format!("{}", 10i64.pow(k as u32)),
        -3..=-1 => format!("{:.*}", (-k) as usize, 10f64.powi(k as i32)),
        _ => format!("1e{k}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn labels(ticks: &[Tick]) -> Vec<&str> {
        ticks.iter().map(|t| t.label.as_str()).collect()
    }

    #[test]
    fn nice_steps_are_one_two_five() {
        assert_eq!(nice_step(0.13), 0.2);
        assert_eq!(nice_step(3.0), 5.0);
        assert_eq!(nice_step(7.0), 10.0);
        assert_eq!(nice_step(100.0), 100.0);
        assert_eq!(nice_step(0.0), 1.0);
    }

    #[test]
    fn linear_ticks_fall_inside_the_axis() {
        let axis = Axis { lo: -0.3, hi: 2.2, log: false };
        let ticks = axis.ticks(5);
        assert_eq!(labels(&ticks), ["0.0", "0.5", "1.0", "1.5", "2.0"]);
        assert!(ticks.iter().all(|t| (axis.lo..=axis.hi).contains(&t.at)));
    }

    #[test]
    fn integer_steps_have_no_decimals_and_large_values_go_scientific() {
        let axis = Axis { lo: 0.0, hi: 1000.0, log: false };
        assert_eq!(labels(&axis.ticks(5)), ["0", "200", "400", "600", "800", "1000"]);
        let big = Axis { lo: 0.0, hi: 4e6, log: false };
        assert_eq!(big.ticks(4)[1].label, "1.0e6");
    }

    #[test]
    fn fit_pads_linear_and_handles_a_constant_series() {
        let axis = Axis::fit(0.0, 10.0, false);
        assert_eq!((axis.lo, axis.hi), (-0.5, 10.5));
        let flat = Axis::fit(2.0, 2.0, false);
        assert!(flat.lo < 2.0 && flat.hi > 2.0);
        assert!(flat.ticks(5).len() >= 2);
    }

    #[test]
    fn log_axis_snaps_to_decades() {
        let axis = Axis::fit(-2.5, 0.3, true);
        assert_eq!((axis.lo, axis.hi), (-3.0, 1.0));
        assert_eq!(labels(&axis.ticks(6)), ["0.001", "0.01", "0.1", "1", "10"]);
        let same_decade = Axis::fit(0.2, 0.4, true);
        assert_eq!(labels(&same_decade.ticks(6)), ["1", "10"]);
    }

    #[test]
    fn many_decades_are_strided() {
        let axis = Axis { lo: -12.0, hi: 12.0, log: true };
        let ticks = axis.ticks(6);
        assert!(ticks.len() <= 7, "{:?}", labels(&ticks));
        assert_eq!(ticks[0].label, "1e-12");
    }
}
