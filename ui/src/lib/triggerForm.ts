// The trigger form's model: defaults, validation, and conversion to and from the API's shapes. Pure: no React.
import type { Trigger, TriggerInput } from '../api/client';
import { cronError, describeInterval, isPreset } from './schedule';
import { wallTimeToIso, isoToWallTime } from './timezone';

export type CatchUp = 'none' | 'latest' | 'all';
export type TimeoutStatus = 'failed' | 'cancelled';

export interface VariableRow {
  key: string;
  value: string;
}

export interface TriggerFormValues {
  name: string;
  description: string;
  scheduleType: 'time' | 'api';
  /** A preset (`@daily`...) or `custom`. */
  frequency: string;
  cron: string;
  timezone: string;
  /** `YYYY-MM-DDTHH:MM` in `timezone`, or empty. */
  start: string;
  end: string;
  variables: VariableRow[];
  skipIfPreviousRunning: boolean;
  allowBlocksToFail: boolean;
  createInitialPipelineRun: boolean;
  /** Seconds, as typed; empty for none. */
  timeout: string;
  timeoutStatus: TimeoutStatus;
  pipelineRunLimit: string;
  /** Mage's `sla`: seconds after the execution date past which a run still going alerts; empty for none. */
  sla: string;
  catchUp: CatchUp;
  active: boolean;
}

export type TriggerFormErrors = Partial<Record<'name' | 'cron' | 'start' | 'end' | 'timeout' | 'pipelineRunLimit' | 'sla' | 'variables', string>>;

export function defaultTriggerForm(timezone = 'UTC'): TriggerFormValues {
  return {
    name: '',
    description: '',
    scheduleType: 'time',
    frequency: '@daily',
    cron: '0 * * * *',
    timezone,
    start: '',
    end: '',
    variables: [],
    skipIfPreviousRunning: false,
    allowBlocksToFail: false,
    createInitialPipelineRun: false,
    timeout: '',
    timeoutStatus: 'failed',
    pipelineRunLimit: '',
    sla: '',
    catchUp: 'latest',
    active: true,
  };
}

function isNonNegativeNumber(text: string): boolean {
  return /^\d+(\.\d+)?$/.test(text.trim());
}

/** Every problem of the form, by field; empty when it can be sent. */
export function validateTriggerForm(v: TriggerFormValues): TriggerFormErrors {
  const errors: TriggerFormErrors = {};
  if (!v.name.trim()) errors.name = 'A name is required.';
  if (v.scheduleType === 'time' && v.frequency === 'custom') {
    const problem = cronError(v.cron);
    if (problem) errors.cron = problem;
  }
  const start = v.start ? wallTimeToIso(v.start, v.timezone) : null;
  const end = v.end ? wallTimeToIso(v.end, v.timezone) : null;
  if (v.start && !start) errors.start = 'Not a valid date and time.';
  if (v.end && !end) errors.end = 'Not a valid date and time.';
  if (start && end && Date.parse(end) <= Date.parse(start)) errors.end = 'The end must be after the start.';
  if (v.timeout.trim() && (!isNonNegativeNumber(v.timeout) || Number(v.timeout) <= 0)) {
    errors.timeout = 'The timeout is a number of seconds above 0.';
  }
  if (v.pipelineRunLimit.trim() && !/^[1-9]\d*$/.test(v.pipelineRunLimit.trim())) {
    errors.pipelineRunLimit = 'The limit is a whole number of runs, at least 1.';
  }
  if (v.sla.trim() && !/^[1-9]\d*$/.test(v.sla.trim())) {
    errors.sla = 'The SLA is a whole number of seconds, at least 1.';
  }
  const keys = v.variables.map((r) => r.key.trim()).filter((k) => k !== '');
  if (v.variables.some((r) => !r.key.trim() && r.value.trim())) errors.variables = 'Every variable needs a name.';
  else if (new Set(keys).size !== keys.length) errors.variables = 'Variable names must be unique.';
  return errors;
}

export function hasErrors(errors: TriggerFormErrors): boolean {
  return Object.keys(errors).length > 0;
}

/** A typed value turned into JSON: numbers, booleans, null and JSON objects stay typed; anything else is text. */
export function parseVariableValue(text: string): unknown {
  const t = text.trim();
  if (t === '') return '';
  if (/^-?\d+(\.\d+)?$/.test(t) || t === 'true' || t === 'false' || t === 'null' || /^[[{"]/.test(t)) {
    try {
      return JSON.parse(t) as unknown;
    } catch {
      return text;
    }
  }
  return text;
}

export function variablesToObject(rows: VariableRow[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const r of rows) {
    const k = r.key.trim();
    if (k) out[k] = parseVariableValue(r.value);
  }
  return out;
}

export function objectToVariables(obj: Record<string, unknown> | null | undefined): VariableRow[] {
  return Object.entries(obj ?? {}).map(([key, value]) => ({
    key,
    value: typeof value === 'string' ? value : JSON.stringify(value),
  }));
}

/** The schedule interval the form describes (null for API triggers). */
export function intervalOf(v: TriggerFormValues): string | null {
  if (v.scheduleType === 'api') return null;
  return v.frequency === 'custom' ? v.cron.trim() : v.frequency;
}

/** The body of POST /pipelines/{uuid}/triggers or PUT /triggers/{id}. Call only when valid. */
export function toTriggerInput(v: TriggerFormValues): TriggerInput {
  const settings: Record<string, unknown> = {
    skip_if_previous_running: v.skipIfPreviousRunning,
    allow_blocks_to_fail: v.allowBlocksToFail,
    create_initial_pipeline_run: v.createInitialPipelineRun,
    timeout: v.timeout.trim() ? Number(v.timeout) : null,
    timeout_status: v.timeoutStatus,
    pipeline_run_limit: v.pipelineRunLimit.trim() ? Number(v.pipelineRunLimit) : null,
    sla: v.sla.trim() ? Number(v.sla) : null,
    catch_up: v.catchUp,
  };
  return {
    name: v.name.trim(),
    description: v.description.trim() || null,
    schedule_type: v.scheduleType,
    schedule_interval: intervalOf(v),
    timezone: v.timezone,
    start_time: v.start ? wallTimeToIso(v.start, v.timezone) : null,
    end_time: v.end ? wallTimeToIso(v.end, v.timezone) : null,
    status: v.active ? 'active' : 'inactive',
    variables: variablesToObject(v.variables),
    settings,
  };
}

function str(value: unknown, fallback = ''): string {
  return value == null ? fallback : String(value as string | number);
}

/** The form filled from an existing trigger. */
export function fromTrigger(t: Trigger): TriggerFormValues {
  const s = t.settings;
  const interval = t.schedule_interval ?? '@daily';
  const preset = isPreset(interval);
  const tz = t.timezone || 'UTC';
  return {
    name: t.name,
    description: t.description ?? '',
    scheduleType: t.schedule_type === 'api' ? 'api' : 'time',
    frequency: preset ? interval : 'custom',
    cron: preset ? '0 * * * *' : interval,
    timezone: tz,
    start: isoToWallTime(t.start_time, tz),
    end: isoToWallTime(t.end_time, tz),
    variables: objectToVariables(t.variables as Record<string, unknown>),
    skipIfPreviousRunning: s.skip_if_previous_running,
    allowBlocksToFail: s.allow_blocks_to_fail,
    createInitialPipelineRun: s.create_initial_pipeline_run,
    timeout: str(s.timeout),
    timeoutStatus: s.timeout_status,
    pipelineRunLimit: str(s.pipeline_run_limit),
    sla: str(s.sla),
    catchUp: s.catch_up,
    active: t.status === 'active',
  };
}

export const CATCH_UP_HELP: Record<CatchUp, string> = {
  none: 'Skip every slot missed while Wand was down; wait for the next one.',
  latest: 'Run only the most recent missed slot, once, then continue on schedule.',
  all: 'Run every missed slot, oldest first (like a backfill).',
};

/** A ready command that calls an API trigger. */
export function curlCommand(url: string): string {
  return `curl -X POST '${url}' -H 'Content-Type: application/json' -d '{"pipeline_run":{"variables":{}}}'`;
}

/** How a trigger's schedule reads in a list. */
export function scheduleText(t: Trigger): string {
  if (t.schedule_type === 'api') return 'Called through the API';
  const interval = t.schedule_interval ?? '';
  const d = describeInterval(interval);
  return d ? `${d}${interval.startsWith('@') ? '' : ` (${interval})`}` : interval || '—';
}
