//! Figures a person would rather look at than read: line charts (optionally log-scaled)
//! and stacked shares, each drawn once for SVG and once for PNG with an embedded font,
//! so no system font or display is needed, and written atomically.

use crate::atomic::write_atomic;
use anyhow::{Result, anyhow};
use plotters::coord::Shift;
use plotters::prelude::*;
use std::path::Path;
use std::sync::Once;

/// DejaVu Sans (Bitstream Vera licence, see assets/fonts/LICENSE-DejaVu.txt).
static FONT: &[u8] = include_bytes!("../../assets/fonts/DejaVuSans.ttf");

fn register_font() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        for style in [FontStyle::Normal, FontStyle::Bold] {
            // The embedded font is known to parse; a failure would show as missing text.
            let _ = plotters::style::register_font("sans-serif", style, FONT);
        }
    });
}

/// One line of a chart.
#[derive(Debug, Clone)]
pub struct Series {
    pub name: String,
    pub points: Vec<(f64, f64)>,
    pub color: RGBColor,
    /// Drawn as a thin reference line (targets, caps, baselines).
    pub reference: bool,
}

/// One panel of a figure.
#[derive(Debug, Clone)]
pub enum Panel {
    Lines {
        title: String,
        x_label: String,
        y_label: String,
        log_y: bool,
        log_x: bool,
        series: Vec<Series>,
    },
    /// Shares that stack to 1 at each x (spending per channel).
    Stacked {
        title: String,
        x_label: String,
        y_label: String,
        x: Vec<f64>,
        layers: Vec<(String, Vec<f64>)>,
    },
    /// Horizontal bars, one per row, each from `from` to `to` (a tornado's swing, an
    /// index from 0), top row first, with an optional vertical reference line.
    Bars {
        title: String,
        x_label: String,
        rows: Vec<(String, f64, f64)>,
        reference: Option<f64>,
    },
}

pub const PALETTE: [RGBColor; 10] = [
    RGBColor(31, 119, 180),
    RGBColor(255, 127, 14),
    RGBColor(44, 160, 44),
    RGBColor(214, 39, 40),
    RGBColor(148, 103, 189),
    RGBColor(140, 86, 75),
    RGBColor(227, 119, 194),
    RGBColor(127, 127, 127),
    RGBColor(188, 189, 34),
    RGBColor(23, 190, 207),
];

/// Writes `<dir>/<name>.svg` and `<dir>/<name>.png`, panels stacked vertically.
pub fn write_figure(dir: &Path, name: &str, panels: &[Panel]) -> Result<()> {
    register_font();
    let size = (1000u32, 420 * panels.len() as u32);
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, size).into_drawing_area();
        draw(&root, panels)?;
        root.present().map_err(|e| anyhow!("drawing {name}.svg: {e:?}"))?;
    }
    write_atomic(&dir.join(format!("{name}.svg")), svg.as_bytes())?;
    let mut rgb = vec![0u8; (size.0 * size.1 * 3) as usize];
    {
        let root = BitMapBackend::with_buffer(&mut rgb, size).into_drawing_area();
        draw(&root, panels)?;
        root.present().map_err(|e| anyhow!("drawing {name}.png: {e:?}"))?;
    }
    write_atomic(&dir.join(format!("{name}.png")), &encode_png(&rgb, size)?)
}

fn encode_png(rgb: &[u8], (w, h): (u32, u32)) -> Result<Vec<u8>> {
    let mut bytes = Vec::new();
    {
        let mut enc = png::Encoder::new(&mut bytes, w, h);
        enc.set_color(png::ColorType::Rgb);
        enc.set_depth(png::BitDepth::Eight);
        enc.set_compression(png::Compression::Best);
        let mut writer = enc.write_header()?;
        writer.write_image_data(rgb)?;
    }
    Ok(bytes)
}

fn err<E: std::fmt::Debug>(e: E) -> anyhow::Error {
    anyhow!("drawing a chart: {e:?}")
}

fn draw<DB: DrawingBackend>(root: &DrawingArea<DB, Shift>, panels: &[Panel]) -> Result<()>
where
    DB::ErrorType: 'static,
{
    root.fill(&WHITE).map_err(err)?;
    for (area, panel) in root.split_evenly((panels.len(), 1)).iter().zip(panels) {
        match panel {
            Panel::Lines { title, x_label, y_label, log_y, log_x, series } => {
                lines(area, title, x_label, y_label, *log_x, *log_y, series)?
            }
            Panel::Stacked { title, x_label, y_label, x, layers } => stacked(area, title, x_label, y_label, x, layers)?,
            Panel::Bars { title, x_label, rows, reference } => bars(area, title, x_label, rows, *reference)?,
        }
    }
    Ok(())
}

/// Axis transform: log10 for log axes (labels are written back in the data's units).
fn tf(v: f64, log: bool) -> Option<f64> {
    match (log, v.is_finite()) {
        (_, false) => None,
        (true, _) if v <= 0.0 => None,
        (true, _) => Some(v.log10()),
        (false, _) => Some(v),
    }
}

fn label(v: f64, log: bool) -> String {
    // Log axes tick at uneven values (10^0.6 = 3981): keep two significant digits.
    let x = if log { round_significant(10f64.powf(v), 2) } else { v };
    let a = x.abs();
    if a == 0.0 {
        "0".into()
    } else if !(1e-3..1e5).contains(&a) {
        format!("{x:.0e}")
    } else if a >= 100.0 || (x - x.round()).abs() < 1e-9 {
        format!("{x:.0}")
    } else {
        // Two significant digits, trailing zeros trimmed: 0.001, 0.05, 2.5.
        let digits = (1 - a.log10().floor() as i32).max(0) as usize;
        let s = format!("{x:.digits$}");
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    }
}

fn round_significant(x: f64, digits: i32) -> f64 {
    if x == 0.0 || !x.is_finite() {
        return x;
    }
    let scale = 10f64.powi(digits - 1 - x.abs().log10().floor() as i32);
    (x * scale).round() / scale
}

fn range(values: impl Iterator<Item = f64>) -> (f64, f64) {
    let (lo, hi) = values.fold((f64::INFINITY, f64::NEG_INFINITY), |(l, h), v| (l.min(v), h.max(v)));
    if !lo.is_finite() {
        return (0.0, 1.0);
    }
    let pad = ((hi - lo) * 0.05).max(1e-9 * hi.abs().max(1.0));
    (lo - pad, hi + pad)
}

fn lines<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    title: &str,
    x_label: &str,
    y_label: &str,
    log_x: bool,
    log_y: bool,
    series: &[Series],
) -> Result<()>
where
    DB::ErrorType: 'static,
{
    let pts = |s: &Series| -> Vec<(f64, f64)> {
        s.points.iter().filter_map(|&(x, y)| Some((tf(x, log_x)?, tf(y, log_y)?))).collect()
    };
    let all: Vec<(f64, f64)> = series.iter().flat_map(pts).collect();
    let (x0, x1) = range(all.iter().map(|p| p.0));
    let (y0, y1) = range(all.iter().map(|p| p.1));
    let mut chart = ChartBuilder::on(area)
        .caption(title, ("sans-serif", 22))
        .margin(12)
        .x_label_area_size(40)
        .y_label_area_size(70)
        .build_cartesian_2d(x0..x1, y0..y1)
        .map_err(err)?;
    chart
        .configure_mesh()
        .x_desc(x_label)
        .y_desc(y_label)
        .x_label_formatter(&|v| label(*v, log_x))
        .y_label_formatter(&|v| label(*v, log_y))
        .light_line_style(RGBColor(235, 235, 235))
        .draw()
        .map_err(err)?;
    for s in series {
        let style = if s.reference { s.color.stroke_width(1) } else { s.color.stroke_width(2) };
        let color = s.color;
        chart
            .draw_series(LineSeries::new(pts(s), style))
            .map_err(err)?
            .label(s.name.clone())
            .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 18, y)], color.stroke_width(2)));
    }
    chart
        .configure_series_labels()
        .background_style(WHITE.mix(0.85))
        .border_style(RGBColor(200, 200, 200))
        .position(SeriesLabelPosition::UpperLeft)
        .label_font(("sans-serif", 14))
        .draw()
        .map_err(err)?;
    Ok(())
}

fn stacked<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    title: &str,
    x_label: &str,
    y_label: &str,
    x: &[f64],
    layers: &[(String, Vec<f64>)],
) -> Result<()>
where
    DB::ErrorType: 'static,
{
    let (x0, x1) = range(x.iter().copied());
    let mut chart = ChartBuilder::on(area)
        .caption(title, ("sans-serif", 22))
        .margin(12)
        .x_label_area_size(40)
        .y_label_area_size(70)
        .build_cartesian_2d(x0..x1, 0.0..1.0)
        .map_err(err)?;
    chart
        .configure_mesh()
        .x_desc(x_label)
        .y_desc(y_label)
        .x_label_formatter(&|v| label(*v, false))
        .draw()
        .map_err(err)?;
    let mut base = vec![0.0; x.len()];
    for (k, (name, share)) in layers.iter().enumerate() {
        let color = PALETTE[k % PALETTE.len()];
        let top: Vec<f64> = base.iter().zip(share).map(|(b, s)| b + s).collect();
        let mut polygon: Vec<(f64, f64)> = x.iter().copied().zip(top.iter().copied()).collect();
        polygon.extend(x.iter().copied().zip(base.iter().copied()).rev());
        chart
            .draw_series(std::iter::once(Polygon::new(polygon, color.mix(0.85).filled())))
            .map_err(err)?
            .label(name.clone())
            .legend(move |(x, y)| Rectangle::new([(x, y - 5), (x + 14, y + 5)], color.filled()));
        base = top;
    }
    chart
        .configure_series_labels()
        .background_style(WHITE.mix(0.9))
        .border_style(RGBColor(200, 200, 200))
        .position(SeriesLabelPosition::UpperRight)
        .label_font(("sans-serif", 13))
        .draw()
        .map_err(err)?;
    Ok(())
}

fn bars<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    title: &str,
    x_label: &str,
    rows: &[(String, f64, f64)],
    reference: Option<f64>,
) -> Result<()>
where
    DB::ErrorType: 'static,
{
    let ends = rows.iter().flat_map(|r| [r.1, r.2]).chain(reference).filter(|v| v.is_finite());
    let (x0, x1) = range(ends);
    let n = rows.len().max(1) as f64;
    // Labels sit in the y-axis area: wide enough for a config key.
    let longest = rows.iter().map(|r| r.0.chars().count()).max().unwrap_or(4) as u32;
    let mut chart = ChartBuilder::on(area)
        .caption(title, ("sans-serif", 22))
        .margin(12)
        .x_label_area_size(40)
        .y_label_area_size((longest * 7 + 16).clamp(60, 420))
        .build_cartesian_2d(x0..x1, 0.0..n)
        .map_err(err)?;
    let name_at = |v: &f64| -> String {
        let i = (n - v - 0.5).round();
        if (n - v - 0.5 - i).abs() < 0.25 && i >= 0.0 {
            rows.get(i as usize).map_or(String::new(), |r| r.0.clone())
        } else {
            String::new()
        }
    };
    chart
        .configure_mesh()
        .x_desc(x_label)
        .x_label_formatter(&|v| label(*v, false))
        .y_labels(rows.len().max(1) * 2 + 1)
        .y_label_formatter(&name_at)
        .disable_y_mesh()
        .light_line_style(RGBColor(235, 235, 235))
        .draw()
        .map_err(err)?;
    for (i, (_, from, to)) in rows.iter().enumerate() {
        if !(from.is_finite() && to.is_finite()) {
            continue;
        }
        let top = n - i as f64 - 0.15;
        let bottom = n - i as f64 - 0.85;
        let (lo, hi) = (from.min(*to), from.max(*to));
        chart
            .draw_series(std::iter::once(Rectangle::new([(lo, bottom), (hi, top)], PALETTE[0].mix(0.8).filled())))
            .map_err(err)?;
    }
    if let Some(x) = reference {
        chart
            .draw_series(std::iter::once(PathElement::new(vec![(x, 0.0), (x, n)], BLACK.stroke_width(1))))
            .map_err(err)?;
    }
    Ok(())
}
