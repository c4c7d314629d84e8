// The backfill form's values, their checks, and the API input they make: a date range (start, end, interval and
// units) or a JSON list of variable sets, with optional variables for every run.
import type { BackfillInput } from '../api/client';

export type IntervalType = NonNullable<BackfillInput['interval_type']>;

export const INTERVAL_TYPES: IntervalType[] = ['second', 'minute', 'hour', 'day', 'week', 'month', 'year', 'custom'];

export interface BackfillForm {
  name: string;
  mode: 'dates' | 'sets';
  /** `YYYY-MM-DDTHH:MM` (a datetime-local input), taken as UTC. */
  start: string;
  end: string;
  intervalType: IntervalType;
  units: string;
  /** A JSON list of objects. */
  sets: string;
  /** A JSON object (may be empty). */
  variables: string;
}

export function emptyForm(): BackfillForm {
  return { name: '', mode: 'dates', start: '', end: '', intervalType: 'day', units: '1', sets: '[\n  {}\n]', variables: '' };
}

/** A datetime-local value as an RFC 3339 UTC time. */
export function utc(local: string): string {
  const withSeconds = local.length === 16 ? `${local}:00` : local;
  return `${withSeconds}Z`;
}

/** The API input the form makes, or what is wrong with it. */
export function toInput(form: BackfillForm): { input?: BackfillInput; error?: string } {
  let variables: Record<string, unknown> | undefined;
  if (form.variables.trim()) {
    const parsed = parseJson(form.variables);
    if (parsed === undefined || typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
      return { error: 'Variables must be a JSON object, like {"region": "eu"}.' };
    }
    variables = parsed as Record<string, unknown>;
  }
  const name = form.name.trim() || undefined;
  if (form.mode === 'sets') {
    const parsed = parseJson(form.sets);
    if (!Array.isArray(parsed) || parsed.length === 0 || !parsed.every((set) => typeof set === 'object' && set !== null && !Array.isArray(set))) {
      return { error: 'Variable sets must be a non-empty JSON list of objects, like [{"region": "eu"}, {"region": "us"}].' };
    }
    return { input: { name, variables, variable_sets: parsed as Record<string, unknown>[] } };
  }
  const range = toRange(form);
  if ('error' in range) return { error: range.error };
  return { input: { name, variables, ...range } };
}

/** The date range of the form, or what is wrong with it. */
export function toRange(
  form: BackfillForm,
): { start_datetime: string; end_datetime: string; interval_type: IntervalType; interval_units: number } | { error: string } {
  if (!form.start || !form.end) return { error: 'Pick a start and an end.' };
  const units = Number(form.units);
  if (!Number.isInteger(units) || units < 1) return { error: 'The interval units must be a whole number of at least 1.' };
  if (form.end < form.start) return { error: 'The end is before the start.' };
  return { start_datetime: utc(form.start), end_datetime: utc(form.end), interval_type: form.intervalType, interval_units: units };
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}
