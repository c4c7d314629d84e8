// Block types (labels, colours, folders) and run statuses (labels, tones).
import type { BlockRunStatus, RunStatus, TriggerStatus } from '../api/client';

export interface BlockTypeInfo {
  type: string;
  label: string;
  /** CSS colour variable of the type. */
  color: string;
  /** The folder its files live in. */
  folder: string;
}

export const BLOCK_TYPES: BlockTypeInfo[] = [
  { type: 'data_loader', label: 'Data loader', color: 'var(--block-loader)', folder: 'data_loaders' },
  { type: 'transformer', label: 'Transformer', color: 'var(--block-transformer)', folder: 'transformers' },
  { type: 'data_exporter', label: 'Data exporter', color: 'var(--block-exporter)', folder: 'data_exporters' },
  { type: 'custom', label: 'Custom', color: 'var(--block-custom)', folder: 'custom' },
  { type: 'sensor', label: 'Sensor', color: 'var(--block-sensor)', folder: 'sensors' },
  { type: 'dbt', label: 'dbt model', color: 'var(--block-dbt)', folder: 'dbt' },
  { type: 'scratchpad', label: 'Scratchpad', color: 'var(--block-scratchpad)', folder: 'scratchpads' },
  { type: 'markdown', label: 'Markdown', color: 'var(--block-markdown)', folder: 'markdowns' },
];

export function blockType(type: string): BlockTypeInfo {
  return (
    BLOCK_TYPES.find((t) => t.type === type) ?? {
      type,
      label: type.replace(/_/g, ' '),
      color: 'var(--block-other)',
      folder: type + 's',
    }
  );
}

/** `skipped`: a block whose conditional did not hold (Mage's condition_failed), neither a failure nor a cancel. */
export type Tone = 'neutral' | 'info' | 'success' | 'danger' | 'warning' | 'muted' | 'skipped';

/** A status the API sends: of a run, a block run or a trigger. */
export type Status = RunStatus | BlockRunStatus | TriggerStatus;

const STATUS_TONES: Record<Status, Tone> = {
  initial: 'neutral',
  queued: 'neutral',
  running: 'info',
  completed: 'success',
  failed: 'danger',
  upstream_failed: 'warning',
  condition_failed: 'skipped',
  cancelled: 'muted',
  active: 'success',
  inactive: 'muted',
};

export function statusTone(status: Status | null | undefined): Tone {
  return (status && STATUS_TONES[status]) || 'neutral';
}

export function statusLabel(status: Status): string {
  return status.replace(/_/g, ' ');
}

/** Statuses after which a run or block run changes no more (until a retry). */
export function isFinished(status: RunStatus | BlockRunStatus | null | undefined): boolean {
  return status === 'completed' || status === 'failed' || status === 'cancelled' || status === 'upstream_failed' || status === 'condition_failed';
}

export const RUN_STATUSES: readonly RunStatus[] = ['initial', 'running', 'completed', 'failed', 'cancelled'];

/** `value` if it names a run status (as a URL parameter may), else `undefined`. */
export function runStatus(value: string | null): RunStatus | undefined {
  return RUN_STATUSES.find((status) => status === value);
}

/** The language of a file by its extension, for the editor. */
export function languageOfPath(path: string): string {
  const ext = path.split('.').pop()?.toLowerCase() ?? '';
  switch (ext) {
    case 'py':
      return 'python';
    case 'sql':
      return 'sql';
    case 'yaml':
    case 'yml':
      return 'yaml';
    case 'md':
    case 'markdown':
      return 'markdown';
    case 'json':
      return 'json';
    default:
      return 'text';
  }
}

/** A block name as the server turns it into a uuid/file name. */
export function slugify(name: string): string {
  return name
    .trim()
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '_')
    .replace(/^_+|_+$/g, '');
}
