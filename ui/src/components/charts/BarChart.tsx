// A bar chart on a canvas (Chart.js, only its bar parts registered): stacked or grouped, vertical or horizontal, in
// the theme's colours. This module is its own chunk, loaded when a page first shows a chart (see ./index.tsx).
import { useEffect, useRef } from 'react';
import { BarController, BarElement, CategoryScale, Chart, Legend, LinearScale, Tooltip, type ChartConfiguration } from 'chart.js';
import type { BarData } from '../../lib/dashboard';
import type { Palette } from '../../lib/palette';

Chart.register(BarController, BarElement, CategoryScale, LinearScale, Tooltip, Legend);

export interface BarChartProps {
  data: BarData;
  palette: Palette;
  /** What the chart shows, for screen readers. */
  label: string;
  stacked?: boolean;
  horizontal?: boolean;
  /** How a value reads on the axis and in tooltips. */
  format?: (value: number) => string;
  legend?: boolean;
  height?: number;
  onBarClick?: (index: number) => void;
}

function config(props: BarChartProps): ChartConfiguration<'bar'> {
  const { data, palette, stacked = false, horizontal = false, format = String, legend = true, onBarClick } = props;
  const valueAxis = {
    stacked,
    beginAtZero: true,
    grid: { color: palette.grid },
    border: { color: palette.grid },
    ticks: { color: palette.muted, callback: (value: string | number) => format(Number(value)), maxTicksLimit: 6 },
  };
  const labelAxis = {
    stacked,
    grid: { display: false },
    border: { color: palette.grid },
    ticks: { color: palette.muted, autoSkip: true, maxRotation: 0 },
  };
  return {
    type: 'bar',
    data: {
      labels: data.labels,
      datasets: data.series.map((series) => ({
        label: series.label,
        data: series.values,
        backgroundColor: series.color,
        borderRadius: 2,
        maxBarThickness: 36,
      })),
    },
    options: {
      indexAxis: horizontal ? 'y' : 'x',
      responsive: true,
      maintainAspectRatio: false,
      animation: false,
      color: palette.text,
      scales: horizontal ? { x: valueAxis, y: labelAxis } : { x: labelAxis, y: valueAxis },
      plugins: {
        legend: { display: legend, position: 'bottom', labels: { color: palette.text, boxWidth: 12, boxHeight: 12 } },
        tooltip: {
          callbacks: {
            label: (item) => `${item.dataset.label ?? ''}: ${format(Number(item.raw))}`,
          },
        },
      },
      onClick: onBarClick
        ? (_event, elements) => {
            const first = elements[0];
            if (first) onBarClick(first.index);
          }
        : undefined,
      onHover: onBarClick
        ? (event, elements) => {
            const target = event.native?.target;
            if (target instanceof HTMLElement) target.style.cursor = elements.length ? 'pointer' : 'default';
          }
        : undefined,
    },
  };
}

export default function BarChart(props: BarChartProps) {
  const canvas = useRef<HTMLCanvasElement>(null);
  const chart = useRef<Chart<'bar'> | null>(null);

  useEffect(() => {
    if (!canvas.current) return;
    const next = config(props);
    if (chart.current) {
      chart.current.data = next.data;
      chart.current.options = next.options ?? {};
      chart.current.update();
    } else {
      chart.current = new Chart(canvas.current, next);
    }
  });

  useEffect(
    () => () => {
      chart.current?.destroy();
      chart.current = null;
    },
    [],
  );

  return (
    <div className="chart" style={{ height: props.height ?? 220 }}>
      <canvas ref={canvas} role="img" aria-label={props.label} />
    </div>
  );
}
