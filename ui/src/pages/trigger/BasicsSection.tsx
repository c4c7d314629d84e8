// The first section of the trigger form: name, pipeline (chosen when a new trigger has none), description, type
// (schedule or API) and whether it is active.
import type { PipelineSummary } from '../../api/client';
import { Field, type SectionProps } from './Field';

export function BasicsSection({
  values,
  set,
  shown,
  choosePipeline,
  pipelines,
  pipelineChoice,
  onPipelineChoice,
  pipelineError,
  target,
}: SectionProps & {
  /** The pipeline is chosen here (a new trigger opened outside a pipeline). */
  choosePipeline: boolean;
  pipelines: PipelineSummary[];
  pipelineChoice: string;
  onPipelineChoice: (uuid: string) => void;
  pipelineError: string | undefined;
  /** The pipeline the trigger belongs to, shown read-only otherwise. */
  target: string;
}) {
  return (
    <section className="form-section">
      <div className="form-grid">
        <Field label="Name" htmlFor="t-name" error={shown.name}>
          <input id="t-name" className={`input${shown.name ? ' input--invalid' : ''}`} value={values.name} onChange={(e) => set('name', e.target.value)} placeholder="e.g. nightly" />
        </Field>
        {choosePipeline ? (
          <Field label="Pipeline" htmlFor="t-pipeline" error={pipelineError}>
            <select id="t-pipeline" className="select" value={pipelineChoice} onChange={(e) => onPipelineChoice(e.target.value)}>
              <option value="">Choose…</option>
              {pipelines.filter((p) => !p.error).map((p) => (
                <option key={p.uuid} value={p.uuid}>
                  {p.name}
                </option>
              ))}
            </select>
          </Field>
        ) : (
          <Field label="Pipeline">
            <input className="input" value={target} readOnly disabled />
          </Field>
        )}
        <Field label="Description" htmlFor="t-desc" className="span-2">
          <input id="t-desc" className="input" value={values.description} onChange={(e) => set('description', e.target.value)} placeholder="Optional" />
        </Field>
        <div className="field">
          <span className="field__label">Type</span>
          <div className="segmented" role="group" aria-label="Trigger type">
            <button type="button" aria-pressed={values.scheduleType === 'time'} onClick={() => set('scheduleType', 'time')}>
              Schedule
            </button>
            <button type="button" aria-pressed={values.scheduleType === 'api'} onClick={() => set('scheduleType', 'api')}>
              API
            </button>
          </div>
        </div>
        <div className="field">
          <span className="field__label">Status</span>
          <label className="check">
            <input type="checkbox" checked={values.active} onChange={(e) => set('active', e.target.checked)} />
            <span className="check__text">
              <span>Active</span>
              <small>{values.scheduleType === 'api' ? 'An inactive API trigger refuses calls.' : 'An inactive schedule starts no runs.'}</small>
            </span>
          </label>
        </div>
      </div>
    </section>
  );
}
