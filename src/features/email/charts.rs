//! The email analysis' charts: SVG drawn in the page's HTML (so they show without
//! JavaScript), each with its numbers in a table beside it for screen readers and for
//! reading exact values.

use super::Volume;
use leptos::prelude::*;

const WEEKDAYS: [&str; 7] = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];

/// Sent and received per period as stacked bars (sent below, received above).
#[component]
pub fn VolumeChart(
    id: &'static str,
    title: String,
    /// "Week of" or "Day".
    period: &'static str,
    series: Vec<Volume>,
) -> impl IntoView {
    let max = series
        .iter()
        .map(|v| v.sent + v.received)
        .max()
        .unwrap_or(0)
        .max(1) as f64;
    let (w, h) = (640.0, 180.0);
    let plot = h - 24.0;
    let step = w / series.len().max(1) as f64;
    let gap = if step > 6.0 { 2.0 } else { 0.0 };
    let label_every = (series.len() / 8).max(1);
    let bars = series
        .iter()
        .enumerate()
        .map(|(i, v)| {
            let x = i as f64 * step;
            let sent = f64::from(v.sent) / max * plot;
            let received = f64::from(v.received) / max * plot;
            let label = (i % label_every == 0).then(|| {
                view! { <text x=x y=h - 6.0>{v.start.get(5..).unwrap_or(&v.start).to_owned()}</text> }
            });
            view! {
                <g>
                    <rect class="bar-sent" x=x y=plot - sent width=(step - gap).max(0.5) height=sent></rect>
                    <rect class="bar-received" x=x y=plot - sent - received width=(step - gap).max(0.5) height=received></rect>
                    {label}
                </g>
            }
        })
        .collect_view();
    let title_id = format!("{id}-title");
    let labelled_by = title_id.clone();
    view! {
        <figure class="chart-figure">
            <svg class="chart chart-wide" viewBox=format!("0 0 {w} {h}") role="img" aria-labelledby=labelled_by preserveAspectRatio="none">
                <title id=title_id>{title.clone()}</title>
                {bars}
            </svg>
            <figcaption class="small muted"><span class="swatch swatch-sent"></span>" sent "<span class="swatch swatch-received"></span>" received"</figcaption>
            <details>
                <summary>{format!("{title}: the numbers")}</summary>
                <div class="table-wrap">
                    <table class="table" data-table=id>
                        <thead><tr><th scope="col">{period}</th><th scope="col">"Sent"</th><th scope="col">"Received"</th></tr></thead>
                        <tbody>
                            {series.into_iter().map(|v| view! { <tr><th scope="row">{v.start}</th><td>{v.sent}</td><td>{v.received}</td></tr> }).collect_view()}
                        </tbody>
                    </table>
                </div>
            </details>
        </figure>
    }
}

/// Messages by weekday and hour: darker is more.
#[component]
pub fn Heatmap(cells: Vec<Vec<u32>>, zone: String) -> impl IntoView {
    let max = cells.iter().flatten().copied().max().unwrap_or(0).max(1) as f64;
    let (cell, left, top) = (22.0, 36.0, 16.0);
    let w = left + 24.0 * cell;
    let h = top + 7.0 * cell;
    let hours = (0..24)
        .step_by(3)
        .map(
            |hour| view! { <text x=left + hour as f64 * cell y=11.0>{format!("{hour:02}")}</text> },
        )
        .collect_view();
    let rows = cells
        .iter()
        .enumerate()
        .map(|(d, row)| {
            let y = top + d as f64 * cell;
            let squares = row
                .iter()
                .enumerate()
                .map(|(hour, n)| {
                    let strength = if *n == 0 { 0.0 } else { 0.15 + 0.85 * f64::from(*n) / max };
                    view! {
                        <rect class="heat" x=left + hour as f64 * cell + 1.0 y=y + 1.0 width=cell - 2.0 height=cell - 2.0
                            fill-opacity=format!("{strength:.2}")></rect>
                    }
                })
                .collect_view();
            view! { <g><text x=0.0 y=y + 15.0>{WEEKDAYS[d]}</text>{squares}</g> }
        })
        .collect_view();
    let title = format!("Messages by weekday and hour of day ({zone}); darker squares are busier hours. The table below has the numbers.");
    view! {
        <figure class="chart-figure">
            <svg class="chart chart-heatmap" viewBox=format!("0 0 {w} {h}") role="img" aria-labelledby="heatmap-title">
                <title id="heatmap-title">{title}</title>
                {hours}
                {rows}
            </svg>
            <details>
                <summary>"Messages by weekday and hour: the numbers"</summary>
                <div class="table-wrap">
                    <table class="table table-compact" data-table="heatmap">
                        <thead><tr><th scope="col">"Day"</th>{(0..24).map(|hour| view! { <th scope="col">{format!("{hour:02}")}</th> }).collect_view()}</tr></thead>
                        <tbody>
                            {cells.into_iter().enumerate().map(|(d, row)| view! {
                                <tr><th scope="row">{WEEKDAYS[d]}</th>{row.into_iter().map(|n| view! { <td>{n}</td> }).collect_view()}</tr>
                            }).collect_view()}
                        </tbody>
                    </table>
                </div>
            </details>
        </figure>
    }
}

/// Labelled horizontal bars, longest first as given; the numbers are printed beside each.
#[component]
pub fn BarList(
    id: &'static str,
    title: String,
    unit: &'static str,
    items: Vec<(String, u32)>,
    /// How a value reads (a count by default; a duration for answer times).
    #[prop(default = |n: u32| n.to_string())]
    shown: fn(u32) -> String,
) -> impl IntoView {
    let max = items.iter().map(|(_, n)| *n).max().unwrap_or(0).max(1) as f64;
    let row = 24.0;
    let (label_w, bar_w) = (220.0, 300.0);
    let h = row * items.len().max(1) as f64;
    let bars = items
        .iter()
        .enumerate()
        .map(|(i, (label, n))| {
            let y = i as f64 * row;
            let len = f64::from(*n) / max * bar_w;
            let label: String = if label.chars().count() > 32 {
                format!("{}…", label.chars().take(31).collect::<String>())
            } else {
                label.clone()
            };
            view! {
                <g>
                    <text x=0.0 y=y + 16.0>{label}</text>
                    <rect class="bar" x=label_w y=y + 4.0 width=len.max(1.0) height=row - 8.0></rect>
                    <text x=label_w + len + 6.0 y=y + 16.0>{shown(*n)}</text>
                </g>
            }
        })
        .collect_view();
    let title_id = format!("{id}-title");
    let labelled_by = title_id.clone();
    view! {
        <figure class="chart-figure">
            <svg class="chart chart-bars" viewBox=format!("0 0 {} {h}", label_w + bar_w + 50.0) role="img" aria-labelledby=labelled_by>
                <title id=title_id>{format!("{title}. The table below has the numbers.")}</title>
                {bars}
            </svg>
            <details>
                <summary>{format!("{title}: the numbers")}</summary>
                <div class="table-wrap">
                    <table class="table" data-table=id>
                        <thead><tr><th scope="col">{title.clone()}</th><th scope="col">{unit}</th></tr></thead>
                        <tbody>
                            {items.into_iter().map(|(label, n)| view! { <tr><th scope="row">{label}</th><td>{shown(n)}</td></tr> }).collect_view()}
                        </tbody>
                    </table>
                </div>
            </details>
        </figure>
    }
}
