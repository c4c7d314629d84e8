import { describe, expect, it } from 'vitest';
import { blockDurations, chartDuration, formatDay, formatRate, runHistory, runsPerDay } from './dashboard';
import { readPalette } from './palette';

const palette = readPalette();

describe('runsPerDay', () => {
  it('stacks one series per status with runs, completed and failed always, a zero on days without', () => {
    const data = runsPerDay(
      [
        { day: '2026-03-08', counts: {} },
        { day: '2026-03-09', counts: { completed: 3, cancelled: 1 } },
        { day: '2026-03-10', counts: { failed: 2, completed: 1 } },
      ],
      palette,
    );
    expect(data.labels).toEqual([formatDay('2026-03-08'), formatDay('2026-03-09'), formatDay('2026-03-10')]);
    expect(data.series.map((s) => [s.label, s.values])).toEqual([
      ['completed', [0, 3, 1]],
      ['failed', [0, 0, 2]],
      ['cancelled', [0, 1, 0]],
    ]);
    expect(data.series[0]?.color).toBe(palette.tones.success);
    expect(data.series[1]?.color).toBe(palette.tones.danger);
  });

  it('labels a UTC day whatever the browser zone', () => {
    expect(formatDay('2026-03-01')).toMatch(/1/);
    expect(formatDay('not a day')).toBe('not a day');
  });
});

describe('formatRate', () => {
  it('reads as a percentage, with a decimal below 10 %', () => {
    expect(formatRate(0.5)).toBe('50 %');
    expect(formatRate(2 / 3)).toBe('67 %');
    expect(formatRate(0.025)).toBe('2.5 %');
    expect(formatRate(0)).toBe('0 %');
    expect(formatRate(null)).toBe('—');
  });
});

describe('chartDuration', () => {
  it('drops trailing zeros below a minute', () => {
    expect([chartDuration(0), chartDuration(0.5), chartDuration(8), chartDuration(12.34), chartDuration(125)]).toEqual([
      '0 s',
      '0.5 s',
      '8 s',
      '12.3 s',
      '2 m 05 s',
    ]);
  });
});

describe('runHistory', () => {
  it('gives one bar per run, coloured by its status, and the run ids for links', () => {
    const data = runHistory(
      [
        { id: 7, status: 'completed', created_at: '2026-03-09T10:00:00Z', duration_seconds: 12.5 },
        { id: 9, status: 'failed', created_at: '2026-03-09T11:00:00Z', duration_seconds: 3 },
        { id: 10, status: 'initial', created_at: '2026-03-09T12:00:00Z', duration_seconds: null },
      ],
      palette,
    );
    expect(data.labels).toEqual(['#7', '#9', '#10']);
    expect(data.ids).toEqual([7, 9, 10]);
    expect(data.series[0]?.values).toEqual([12.5, 3, 0]);
    expect(data.series[0]?.color).toEqual([palette.tones.success, palette.tones.danger, palette.tones.neutral]);
  });
});

describe('blockDurations', () => {
  it('puts each block’s median and 90th percentile side by side', () => {
    const data = blockDurations(
      [
        { block: 'load', samples: 3, median_seconds: 2, p90_seconds: 4, max_seconds: 5 },
        { block: 'square', samples: 10, median_seconds: 0.5, p90_seconds: 1.5, max_seconds: 2 },
      ],
      palette,
    );
    expect(data.labels).toEqual(['load', 'square']);
    expect(data.series.map((s) => [s.label, s.values])).toEqual([
      ['median', [2, 0.5]],
      ['90th percentile', [4, 1.5]],
    ]);
  });
});
