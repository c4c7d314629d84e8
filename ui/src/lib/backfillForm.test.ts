import { describe, expect, it } from 'vitest';
import { emptyForm, toInput, toRange } from './backfillForm';

describe('backfill form', () => {
  it('makes a date range in UTC', () => {
    const form = { ...emptyForm(), name: ' january ', start: '2024-01-01T00:00', end: '2024-01-30T00:00', units: '2', variables: '{"region": "eu"}' };
    expect(toInput(form)).toEqual({
      input: {
        name: 'january',
        variables: { region: 'eu' },
        start_datetime: '2024-01-01T00:00:00Z',
        end_datetime: '2024-01-30T00:00:00Z',
        interval_type: 'day',
        interval_units: 2,
      },
    });
  });

  it('makes variable sets', () => {
    const form = { ...emptyForm(), mode: 'sets' as const, sets: '[{"region": "eu"}, {"region": "us"}]' };
    expect(toInput(form).input?.variable_sets).toEqual([{ region: 'eu' }, { region: 'us' }]);
  });

  it('says what is wrong', () => {
    expect(toRange(emptyForm())).toEqual({ error: 'Pick a start and an end.' });
    expect(toInput({ ...emptyForm(), start: '2024-02-01T00:00', end: '2024-01-01T00:00' }).error).toMatch(/before the start/);
    expect(toInput({ ...emptyForm(), start: '2024-01-01T00:00', end: '2024-01-02T00:00', units: '0' }).error).toMatch(/at least 1/);
    expect(toInput({ ...emptyForm(), mode: 'sets', sets: '{}' }).error).toMatch(/JSON list/);
    expect(toInput({ ...emptyForm(), mode: 'sets', sets: '[]' }).error).toMatch(/non-empty/);
    expect(toInput({ ...emptyForm(), mode: 'sets', variables: '[1]' }).error).toMatch(/JSON object/);
  });
});
