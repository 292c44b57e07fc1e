import { formatClock } from '../format.js';

export interface ChartSeries {
  label: string;
  values: readonly (number | null)[];
  /** CSS class for the stroke colour (chart-1 … chart-4). */
  tone: 'chart-1' | 'chart-2' | 'chart-3' | 'chart-4';
}

const WIDTH = 640;
const HEIGHT = 180;
const PAD = { left: 56, right: 12, top: 12, bottom: 26 };

/** A round axis maximum above `max` (1, 2 or 5 times a power of ten). */
function niceMax(max: number): number {
  if (max <= 0) return 1;
  const power = 10 ** Math.floor(Math.log10(max));
  const step = [1, 2, 5, 10].find((factor) => factor * power >= max) ?? 10;
  return step * power;
}

function pathOf(values: readonly (number | null)[], x: (index: number) => number, y: (value: number) => number): string {
  let path = '';
  let isDrawing = false;
  values.forEach((value, index) => {
    if (value === null) {
      isDrawing = false;
      return;
    }
    path += `${isDrawing ? 'L' : 'M'}${x(index).toFixed(1)},${y(value).toFixed(1)}`;
    isDrawing = true;
  });
  return path;
}

/**
 * A small SVG line chart (no chart library: the first load stays far under its size budget). The
 * summary in aria-label and the legend carry the numbers for people who cannot see the lines.
 */
export function LineChart(props: { title: string; times: readonly string[]; series: readonly ChartSeries[]; format: (value: number) => string; fixedMax?: number; isDaily?: boolean }) {
  const { times, series, format } = props;
  const all = series.flatMap((line) => line.values.filter((value): value is number => value !== null));
  const max = props.fixedMax ?? niceMax(Math.max(0, ...all));
  const innerWidth = WIDTH - PAD.left - PAD.right;
  const innerHeight = HEIGHT - PAD.top - PAD.bottom;
  const x = (index: number) => PAD.left + (times.length <= 1 ? 0 : (index / (times.length - 1)) * innerWidth);
  const y = (value: number) => PAD.top + innerHeight - (Math.min(value, max) / max) * innerHeight;
  const lastOf = (values: readonly (number | null)[]) => [...values].reverse().find((value): value is number => value !== null);
  const summary = series.map((line) => `${line.label} latest ${lastOf(line.values) === undefined ? 'none' : format(lastOf(line.values) ?? 0)}, peak ${all.length === 0 ? 'none' : format(Math.max(0, ...line.values.filter((value): value is number => value !== null)))}`).join('; ');
  const ticks = [0, max / 2, max];
  const labelIndexes = [...new Set(times.length > 0 ? [0, Math.floor((times.length - 1) / 2), times.length - 1] : [])];
  const hasData = all.some((value) => value > 0);
  return (
    <figure class="chart">
      <figcaption>
        <span class="chart-title">{props.title}</span>
        <span class="chart-legend">
          {series.map((line) => (
            <span key={line.label} class="legend-item">
              <span class={`legend-swatch ${line.tone}`} aria-hidden="true" />
              {line.label}: {lastOf(line.values) === undefined ? '—' : format(lastOf(line.values) ?? 0)}
            </span>
          ))}
        </span>
      </figcaption>
      <svg viewBox={`0 0 ${WIDTH} ${HEIGHT}`} role="img" aria-label={`${props.title}. ${hasData ? summary : 'No data in this window'}.`}>
        {ticks.map((tick) => (
          <g key={tick}>
            <line class="chart-grid" x1={PAD.left} x2={WIDTH - PAD.right} y1={y(tick)} y2={y(tick)} />
            <text class="chart-axis" x={PAD.left - 6} y={y(tick) + 4} text-anchor="end">
              {format(tick)}
            </text>
          </g>
        ))}
        {labelIndexes.map((index, position) => (
          <text key={`${index}-${position}`} class="chart-axis" x={x(index)} y={HEIGHT - 6} text-anchor={labelIndexes.length === 1 ? 'start' : position === 0 ? 'start' : position === labelIndexes.length - 1 ? 'end' : 'middle'}>
            {times[index] ? formatClock(times[index] ?? '', props.isDaily) : ''}
          </text>
        ))}
        {series.map((line) => (
          <g key={line.label}>
            <path class={`chart-line ${line.tone}`} d={pathOf(line.values, x, y)} />
            {line.values.map((value, index) =>
              // A point with no neighbour draws no line: mark it (few points, or gaps around it).
              value !== null && (line.values.length <= 24 || (line.values[index - 1] ?? null) === null) && (line.values.length <= 24 || (line.values[index + 1] ?? null) === null) ? (
                <circle key={index} class={`chart-dot ${line.tone}`} cx={x(index)} cy={y(value)} r={3} />
              ) : null,
            )}
          </g>
        ))}
        {!hasData ? (
          <text class="chart-empty" x={WIDTH / 2} y={HEIGHT / 2} text-anchor="middle">
            No events in this window
          </text>
        ) : null}
      </svg>
    </figure>
  );
}
