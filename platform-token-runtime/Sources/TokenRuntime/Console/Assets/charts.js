// Charts drawn as SVG by this file (no library): a stacked bar per day, each series with its own
// fill pattern as well as colour (so it reads in greyscale), a legend, every value as the bar
// segment's <title> (shown on hover) and in a table beside the chart.
import { h, usd } from './api.js';

const COLOURS = ['#1f4e79', '#c55a11', '#548235', '#7030a0', '#bf9000', '#2e75b6', '#843c0c', '#595959'];
// Pattern shapes, in the same order: solid, diagonal hatching, dots, cross-hatching, horizontal
// lines, vertical lines, back-diagonal, checks. A series is told apart by shape without colour.
const SHAPES = ['solid', 'diagonal', 'dots', 'cross', 'horizontal', 'vertical', 'backdiagonal', 'checks'];
let chartCount = 0;

function pattern(id, index) {
  const colour = COLOURS[index % COLOURS.length];
  const shape = SHAPES[index % SHAPES.length];
  const p = h('svg:pattern', { id, width: 6, height: 6, patternUnits: 'userSpaceOnUse' });
  p.appendChild(h('svg:rect', { width: 6, height: 6, fill: shape === 'solid' ? colour : '#ffffff' }));
  const line = (d) => p.appendChild(h('svg:path', { d, stroke: colour, 'stroke-width': 1.6, fill: 'none' }));
  switch (shape) {
    case 'diagonal': line('M-1,7 L7,-1 M-1,1 L1,-1 M5,7 L7,5'); break;
    case 'backdiagonal': line('M-1,-1 L7,7 M5,-1 L7,1 M-1,5 L1,7'); break;
    case 'cross': line('M-1,7 L7,-1 M-1,-1 L7,7'); break;
    case 'horizontal': line('M0,3 L6,3'); break;
    case 'vertical': line('M3,0 L3,6'); break;
    case 'dots': p.appendChild(h('svg:circle', { cx: 3, cy: 3, r: 1.6, fill: colour })); break;
    case 'checks':
      p.appendChild(h('svg:rect', { width: 3, height: 3, fill: colour }));
      p.appendChild(h('svg:rect', { x: 3, y: 3, width: 3, height: 3, fill: colour }));
      break;
    default: break;
  }
  return p;
}

function swatch(patternID, index) {
  const svg = h('svg:svg', { width: 14, height: 14, viewBox: '0 0 14 14', 'aria-hidden': 'true', class: 'swatch' });
  svg.appendChild(h('svg:defs', {}, pattern(patternID, index)));
  svg.appendChild(h('svg:rect', { width: 14, height: 14, fill: `url(#${patternID})`, stroke: '#333', 'stroke-width': 1 }));
  return svg;
}

/**
 * Spend per day stacked by series.
 * @param {string} title  the caption
 * @param {string[]} days  x categories (YYYY-MM-DD), oldest first
 * @param {{name: string, values: number[]}[]} series  nano-dollars per day, in `days` order
 */
export function stackedBars(title, days, series) {
  const id = 'chart' + ++chartCount;
  const width = 640;
  const height = 240;
  const left = 64;
  const bottom = 28;
  const top = 10;
  const plotHeight = height - top - bottom;
  const totals = days.map((_, i) => series.reduce((sum, s) => sum + (s.values[i] || 0), 0));
  const max = Math.max(1, ...totals);
  const slot = (width - left - 8) / Math.max(1, days.length);
  const barWidth = Math.max(2, slot * 0.7);

  const svg = h('svg:svg', {
    viewBox: `0 0 ${width} ${height}`, role: 'img', 'aria-labelledby': id + '-title', class: 'chart', preserveAspectRatio: 'xMinYMin meet',
  });
  svg.appendChild(h('svg:title', { id: id + '-title' }, title));
  const defs = h('svg:defs');
  series.forEach((_, index) => defs.appendChild(pattern(`${id}-p${index}`, index)));
  svg.appendChild(defs);
  // Axis and three gridlines with their values.
  for (const fraction of [0, 0.5, 1]) {
    const y = top + plotHeight * (1 - fraction);
    svg.appendChild(h('svg:line', { x1: left, x2: width - 4, y1: y, y2: y, class: 'grid' }));
    svg.appendChild(h('svg:text', { x: left - 6, y: y + 4, 'text-anchor': 'end', class: 'axis' }, usd(max * fraction)));
  }
  days.forEach((dayName, i) => {
    const x = left + i * slot + (slot - barWidth) / 2;
    let y = top + plotHeight;
    series.forEach((s, index) => {
      const value = s.values[i] || 0;
      if (value <= 0) return;
      const barHeight = Math.max(1, (value / max) * plotHeight);
      y -= barHeight;
      const rect = h('svg:rect', {
        x: x.toFixed(1), y: y.toFixed(1), width: barWidth.toFixed(1), height: barHeight.toFixed(1), fill: `url(#${id}-p${index})`,
        stroke: '#333', 'stroke-width': 0.5, class: 'bar',
      });
      rect.appendChild(h('svg:title', {}, `${dayName} · ${s.name}: ${usd(value)}`));
      svg.appendChild(rect);
    });
    if (i % Math.ceil(days.length / 6) === 0 || i === days.length - 1) {
      svg.appendChild(h('svg:text', { x: (x + barWidth / 2).toFixed(1), y: height - 8, 'text-anchor': 'middle', class: 'axis' }, dayName.slice(5)));
    }
  });

  const legend = h('ul', { class: 'legend', 'aria-label': 'series' },
    series.map((s, index) => h('li', {}, swatch(`${id}-l${index}`, index), ' ', s.name)));

  // The same numbers as a table: days with spend, one column per series and the day's total.
  const table = h('table', { class: 'data' },
    h('caption', {}, title + ' (table)'),
    h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, 'Day'), series.map((s) => h('th', { scope: 'col' }, s.name)), h('th', { scope: 'col' }, 'Total'))),
    h('tbody', {}, days.map((dayName, i) => (totals[i] > 0
      ? h('tr', {}, h('th', { scope: 'row' }, dayName), series.map((s) => h('td', { class: 'num' }, usd(s.values[i] || 0))), h('td', { class: 'num' }, usd(totals[i])))
      : null))));
  if (!totals.some((t) => t > 0)) table.querySelector('tbody').appendChild(h('tr', {}, h('td', { colspan: series.length + 2 }, 'No spend in this period.')));

  return h('figure', { class: 'chart-block' }, h('figcaption', {}, title), h('div', { class: 'chart-and-table' }, h('div', { class: 'chart-box' }, svg, legend), h('div', { class: 'table-box' }, table)));
}

/** Rows of `group_by=day,model` (or day alone) as `stackedBars` series over `days`. */
export function seriesByModel(rows, days) {
  const index = new Map(days.map((d, i) => [d, i]));
  const byModel = new Map();
  for (const row of rows) {
    const i = index.get(row.day);
    if (i === undefined) continue;
    const name = row.model || 'all models';
    if (!byModel.has(name)) byModel.set(name, new Array(days.length).fill(0));
    byModel.get(name)[i] += Number(row.spend_nano_usd || 0);
  }
  return [...byModel.entries()]
    .map(([name, values]) => ({ name, values, total: values.reduce((a, b) => a + b, 0) }))
    .sort((a, b) => b.total - a.total);
}
