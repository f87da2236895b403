// Bar charts drawn as SVG with createElementNS (no chart library: two small charts do not justify one, and
// the CSP allows no inline styles, which most libraries set). Colours come from classes in app.css; each bar
// has a <title> (a tooltip), and every chart comes with a table of its numbers for screen readers.

import {h, s, uid, addDaysIso, dataTable} from './ui.js';

const WIDTH = 760;
const HEIGHT = 240;
const MARGIN = {top: 12, right: 22, bottom: 34, left: 44};
export const SERIES_CLASSES = 8;

function niceMax(value) {
  if (value <= 5) return 5;
  const pow = 10 ** Math.floor(Math.log10(value));
  for (const m of [1, 2, 2.5, 5, 10]) {
    if (m * pow >= value) return m * pow;
  }
  return 10 * pow;
}

function axes(svg, maxValue, plotW, plotH) {
  const ticks = 5;
  for (let i = 0; i <= ticks; i++) {
    const v = (maxValue / ticks) * i;
    const y = MARGIN.top + plotH - (plotH * i) / ticks;
    svg.appendChild(s('line', {x1: MARGIN.left, x2: MARGIN.left + plotW, y1: y, y2: y,
      class: i === 0 ? 'chart-axis' : 'chart-grid'}));
    svg.appendChild(s('text', {x: MARGIN.left - 6, y: y + 4, class: 'chart-label', 'text-anchor': 'end'},
      Number.isInteger(v) ? String(v) : v.toFixed(1)));
  }
}

function xLabels(svg, days, slot, plotH, every) {
  days.forEach((day, i) => {
    if (i % every !== 0) return;
    const x = MARGIN.left + slot * i + slot / 2;
    svg.appendChild(s('text', {x, y: MARGIN.top + plotH + 18, class: 'chart-label', 'text-anchor': 'middle'},
      day.slice(5)));
  });
}

// A stacked bar chart of counts per day. days: ['2026-12-08', …]; byDay: Map date → {series: count};
// series: ordered names. Returns {figure} with the SVG, a legend and the table alternative.
export function stackedBars({title, description, days, byDay, series, every = 15, tableLabel}) {
  const titleId = uid('chart-title');
  const descId = uid('chart-desc');
  const plotW = WIDTH - MARGIN.left - MARGIN.right;
  const plotH = HEIGHT - MARGIN.top - MARGIN.bottom;
  let max = 0;
  for (const day of days) {
    const counts = byDay.get(day) || {};
    max = Math.max(max, series.reduce((sum, name) => sum + (counts[name] || 0), 0));
  }
  const top = niceMax(max);
  const svg = s('svg', {viewBox: `0 0 ${WIDTH} ${HEIGHT}`, role: 'img', 'aria-labelledby': `${titleId} ${descId}`,
    class: 'chart', preserveAspectRatio: 'xMinYMin meet'},
  s('title', {id: titleId}, title),
  s('desc', {id: descId}, description));
  axes(svg, top, plotW, plotH);
  const slot = plotW / days.length;
  const barW = Math.max(1, slot * 0.8);
  days.forEach((day, i) => {
    const counts = byDay.get(day);
    if (!counts) return;
    let y = MARGIN.top + plotH;
    const parts = series.filter((name) => counts[name]).map((name) => `${name} ${counts[name]}`);
    const total = series.reduce((sum, name) => sum + (counts[name] || 0), 0);
    const group = s('g', {class: 'chart-bar'}, s('title', null, `${day}: ${total} (${parts.join(', ')})`));
    series.forEach((name, k) => {
      const n = counts[name] || 0;
      if (!n) return;
      const barH = (plotH * n) / top;
      y -= barH;
      group.appendChild(s('rect', {x: MARGIN.left + slot * i + (slot - barW) / 2, y, width: barW,
        height: Math.max(barH, 0.5), class: `series-${k % SERIES_CLASSES}`}));
    });
    svg.appendChild(group);
  });
  xLabels(svg, days, slot, plotH, every);
  const legend = h('ul', {class: 'legend'}, series.map((name, k) =>
    h('li', null, h('span', {class: ['swatch', `series-${k % SERIES_CLASSES}`], 'aria-hidden': 'true'}), name)));
  const rows = days.filter((d) => byDay.has(d)).map((day) => {
    const counts = byDay.get(day);
    const total = series.reduce((sum, name) => sum + (counts[name] || 0), 0);
    return [day, ...series.map((name) => String(counts[name] || 0)), String(total)];
  });
  const table = h('details', {class: 'chart-table'},
    h('summary', null, 'Show the numbers'),
    dataTable({label: tableLabel || title, columns: [{label: 'Date'}, ...series.map((n) => ({label: n})),
      {label: 'Total'}], rows, empty: 'No data in this period.'}));
  return h('figure', {class: 'chart-figure'}, svg, legend, table);
}

// Consecutive days starting at `first` (YYYY-MM-DD).
export function dayRange(first, count) {
  const out = [];
  for (let i = 0; i < count; i++) out.push(addDaysIso(first, i));
  return out;
}
