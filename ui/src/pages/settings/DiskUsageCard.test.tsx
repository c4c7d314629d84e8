import type { ReactNode } from 'react';
import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { render, screen } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { DiskUsageCard } from './DiskUsageCard';

/** A fake server answering `GET /disk_usage` with `usage`. */
function fakeServer(usage: unknown) {
  vi.stubGlobal(
    'fetch',
    vi.fn(async () => new Response(JSON.stringify(usage), { status: 200, headers: { 'Content-Type': 'application/json' } })),
  );
}

function renderCard(): void {
  const client = new QueryClient({ defaultOptions: { queries: { retry: false } } });
  const wrapper = ({ children }: { children: ReactNode }) => <QueryClientProvider client={client}>{children}</QueryClientProvider>;
  render(<DiskUsageCard />, { wrapper });
}

describe('DiskUsageCard', () => {
  afterEach(() => {
    vi.unstubAllGlobals();
  });

  it('shows the periods in force and the bytes per pipeline', async () => {
    fakeServer({
      outputs_retention: '90d',
      logs_retention: null,
      retention_error: null,
      output_bytes: 3 * 1024 * 1024,
      log_bytes: 2048,
      pipelines: [{ pipeline_uuid: 'etl', runs: 4, output_bytes: 3 * 1024 * 1024, log_bytes: 2048 }],
    });
    renderCard();
    await screen.findByText('90d (variables_retention_period)');
    expect(screen.getByText('for ever (no logging_config.retention_period)')).toBeTruthy();
    expect(screen.getByTestId('disk-outputs').textContent).toBe('3.0 MB');
    expect(screen.getByTestId('disk-logs').textContent).toBe('2.0 KB');
    expect(screen.getByRole('cell', { name: 'etl' })).toBeTruthy();
  });

  it('says why no period applies when metadata.yaml has one Mage could not read', async () => {
    fakeServer({
      outputs_retention: null,
      logs_retention: null,
      retention_error: '`variables_retention_period`: `soon` is not a retention period',
      output_bytes: 0,
      log_bytes: 0,
      pipelines: [],
    });
    renderCard();
    await screen.findByText(/No retention period is applied: .*`soon` is not a retention period/);
    expect(screen.getByText('No outputs or logs on the disk')).toBeTruthy();
  });
});
