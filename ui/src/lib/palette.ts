// The theme's colours for what is drawn on a canvas (charts), read from the CSS variables of the current theme and
// read again when the theme changes (the `data-theme` attribute of the document).
import { useEffect, useState } from 'react';
import type { Status } from './blockTypes';
import { statusTone, type Tone } from './blockTypes';

export interface Palette {
  text: string;
  muted: string;
  grid: string;
  surface: string;
  tones: Record<Tone, string>;
}

/** The light theme's values, used where no style sheet applies (tests). */
const FALLBACK: Palette = {
  text: '#1b2130',
  muted: '#5f6b7e',
  grid: '#e1e4ea',
  surface: '#ffffff',
  tones: {
    neutral: '#8a94a6',
    info: '#2563eb',
    success: '#16a34a',
    danger: '#dc2626',
    warning: '#d97706',
    muted: '#8a94a6',
    skipped: '#0e7490',
  },
};

export function readPalette(): Palette {
  if (typeof getComputedStyle !== 'function') return FALLBACK;
  const style = getComputedStyle(document.documentElement);
  const css = (name: string, fallback: string) => style.getPropertyValue(name).trim() || fallback;
  const t = FALLBACK.tones;
  return {
    text: css('--text', FALLBACK.text),
    muted: css('--text-muted', FALLBACK.muted),
    grid: css('--border', FALLBACK.grid),
    surface: css('--surface', FALLBACK.surface),
    tones: {
      neutral: css('--text-faint', t.neutral),
      info: css('--info', t.info),
      success: css('--success', t.success),
      danger: css('--danger', t.danger),
      warning: css('--warning', t.warning),
      muted: css('--text-faint', t.muted),
      skipped: css('--skipped', t.skipped),
    },
  };
}

export function statusColor(palette: Palette, status: Status): string {
  return palette.tones[statusTone(status)];
}

/** The palette of the current theme, updated when the theme changes. */
export function usePalette(): Palette {
  const [palette, setPalette] = useState<Palette>(readPalette);
  useEffect(() => {
    if (typeof MutationObserver !== 'function') return;
    const observer = new MutationObserver(() => setPalette(readPalette()));
    observer.observe(document.documentElement, { attributes: true, attributeFilter: ['data-theme'] });
    return () => observer.disconnect();
  }, []);
  return palette;
}
