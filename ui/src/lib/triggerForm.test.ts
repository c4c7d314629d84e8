import { describe, expect, it } from 'vitest';
import type { Trigger } from '../api/client';
import { describeInterval, nextRuns } from './schedule';
import { wallTimeToIso } from './timezone';
import { curlCommand, defaultTriggerForm, fromTrigger, hasErrors, toTriggerInput, validateTriggerForm, type TriggerFormValues } from './triggerForm';

function form(patch: Partial<TriggerFormValues>): TriggerFormValues {
  return { ...defaultTriggerForm('UTC'), name: 'nightly', ...patch };
}

describe('trigger form validation', () => {
  it('accepts a complete daily schedule', () => {
    expect(validateTriggerForm(form({}))).toEqual({});
  });

  it('requires a name', () => {
    expect(validateTriggerForm(form({ name: '   ' })).name).toBe('A name is required.');
  });

  it('requires a custom cron to parse, with exactly 5 fields', () => {
    expect(validateTriggerForm(form({ frequency: 'custom', cron: '30 2 * * 1-5' })).cron).toBeUndefined();
    expect(validateTriggerForm(form({ frequency: 'custom', cron: '' })).cron).toBe('Enter a cron expression.');
    expect(validateTriggerForm(form({ frequency: 'custom', cron: '0 30 2 * * *' })).cron).toMatch(/5 fields.*has 6/);
    expect(validateTriggerForm(form({ frequency: 'custom', cron: '61 * * * *' })).cron).toBeTruthy();
    expect(validateTriggerForm(form({ frequency: 'custom', cron: 'every day' })).cron).toBeTruthy();
  });

  it('ignores the cron field for presets and API triggers', () => {
    expect(validateTriggerForm(form({ frequency: '@hourly', cron: 'nonsense' }))).toEqual({});
    expect(validateTriggerForm(form({ scheduleType: 'api', frequency: 'custom', cron: 'nonsense' }))).toEqual({});
  });

  it('requires the end to be after the start', () => {
    const errors = validateTriggerForm(form({ start: '2026-05-02T10:00', end: '2026-05-01T10:00' }));
    expect(errors.end).toBe('The end must be after the start.');
    expect(validateTriggerForm(form({ start: '2026-05-01T10:00', end: '2026-05-01T10:00' })).end).toBeTruthy();
    expect(validateTriggerForm(form({ start: '2026-05-01T10:00', end: '2026-05-01T10:01' }))).toEqual({});
  });

  it('checks the timeout, the run limit and the variable names', () => {
    const errors = validateTriggerForm(
      form({ timeout: '-3', pipelineRunLimit: '0', variables: [{ key: 'a', value: '1' }, { key: 'a', value: '2' }] }),
    );
    expect(Object.keys(errors).sort()).toEqual(['pipelineRunLimit', 'timeout', 'variables']);
    expect(hasErrors(errors)).toBe(true);
    expect(validateTriggerForm(form({ variables: [{ key: '', value: 'x' }] })).variables).toBe('Every variable needs a name.');
  });
});

describe('trigger form conversion', () => {
  it('sends the schedule, the times in UTC, typed variables and every setting', () => {
    const input = toTriggerInput(
      form({
        frequency: 'custom',
        cron: '30 2 * * *',
        timezone: 'Europe/Paris',
        start: '2026-07-01T09:30',
        variables: [
          { key: 'n', value: '3' },
          { key: 'flag', value: 'true' },
          { key: 'who', value: 'Ada' },
        ],
        timeout: '600',
        timeoutStatus: 'cancelled',
        pipelineRunLimit: '2',
        catchUp: 'all',
        skipIfPreviousRunning: true,
        active: false,
      }),
    );
    expect(input).toMatchObject({
      name: 'nightly',
      schedule_type: 'time',
      schedule_interval: '30 2 * * *',
      timezone: 'Europe/Paris',
      start_time: '2026-07-01T07:30:00Z',
      end_time: null,
      status: 'inactive',
      variables: { n: 3, flag: true, who: 'Ada' },
      settings: {
        skip_if_previous_running: true,
        allow_blocks_to_fail: false,
        create_initial_pipeline_run: false,
        timeout: 600,
        timeout_status: 'cancelled',
        pipeline_run_limit: 2,
        sla: null,
        catch_up: 'all',
      },
    });
    expect(toTriggerInput(form({ scheduleType: 'api' })).schedule_interval).toBeNull();
  });

  it('fills the form back from a trigger', () => {
    const trigger: Trigger = {
      id: 4,
      pipeline_uuid: 'etl',
      name: 'weekdays',
      schedule_type: 'time',
      schedule_interval: '0 6 * * 1-5',
      timezone: 'America/New_York',
      start_time: '2026-01-05T11:00:00Z',
      status: 'active',
      variables: { limit: 10 },
      settings: {
        catch_up: 'none',
        timeout: 30,
        timeout_status: 'failed',
        skip_if_previous_running: false,
        allow_blocks_to_fail: false,
        create_initial_pipeline_run: false,
        pipeline_run_limit: null,
        sla: 3600,
      },
      created_at: '2026-01-01T00:00:00Z',
    };
    const v = fromTrigger(trigger);
    expect(v).toMatchObject({ frequency: 'custom', cron: '0 6 * * 1-5', start: '2026-01-05T06:00', catchUp: 'none', timeout: '30', sla: '3600', active: true });
    expect(v.variables).toEqual([{ key: 'limit', value: '10' }]);
    expect(toTriggerInput(v).start_time).toBe('2026-01-05T11:00:00Z');
  });

  it('builds a ready curl command for API triggers', () => {
    expect(curlCommand('http://127.0.0.1:6789/api/pipeline_schedules/3/pipeline_runs/abc')).toBe(
      `curl -X POST 'http://127.0.0.1:6789/api/pipeline_schedules/3/pipeline_runs/abc' -H 'Content-Type: application/json' -d '{"pipeline_run":{"variables":{}}}'`,
    );
  });
});

describe('schedule preview', () => {
  it('lists the next 5 runs in the chosen zone', () => {
    const from = new Date('2026-03-10T12:00:00Z');
    const runs = nextRuns({ interval: '@daily', timezone: 'Asia/Tokyo', from });
    expect(runs).toHaveLength(5);
    // Midnight in Tokyo is 15:00 UTC the day before.
    expect(runs[0]?.toISOString()).toBe('2026-03-10T15:00:00.000Z');
    expect(runs[4]?.toISOString()).toBe('2026-03-14T15:00:00.000Z');
  });

  it('respects the start and end', () => {
    const start = new Date(wallTimeToIso('2026-04-01T00:00', 'UTC')!);
    const end = new Date('2026-04-03T12:00:00Z');
    const runs = nextRuns({ interval: '@daily', timezone: 'UTC', start, end, from: new Date('2026-03-01T00:00:00Z') });
    expect(runs.map((d) => d.toISOString().slice(0, 10))).toEqual(['2026-04-01', '2026-04-02', '2026-04-03']);
  });

  it('describes schedules in words', () => {
    expect(describeInterval('30 2 * * 1-5')).toBe('At 02:30, Monday through Friday');
    expect(describeInterval('@hourly')).toBe('Every hour');
    expect(describeInterval('61 * * * *')).toBeNull();
  });
});
