// Charts, loaded on first use: the chart library is a chunk of its own, so pages without charts never fetch it.
import { lazy, Suspense } from 'react';
import type { BarChartProps } from './BarChart';

const BarChartChunk = lazy(() => import('./BarChart'));

export type { BarChartProps };

export function BarChart(props: BarChartProps) {
  return (
    <Suspense fallback={<div className="chart chart--loading" style={{ height: props.height ?? 220 }} aria-busy="true" />}>
      <BarChartChunk {...props} />
    </Suspense>
  );
}
