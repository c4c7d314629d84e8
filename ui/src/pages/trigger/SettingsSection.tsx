// A trigger's variables and run settings: skipping while a run is in progress, letting blocks fail, the initial
// run, timeout, run limit and catching up on missed runs.
import { KeyValueEditor } from '../../components/ui';
import { CATCH_UP_HELP, type CatchUp } from '../../lib/triggerForm';
import { Field, type SectionProps } from './Field';

export function VariablesSection({ values, set, shown }: SectionProps) {
  return (
    <section className="form-section">
      <h2>Variables</h2>
      <p className="form-section__sub">Passed to every block as keyword arguments; they override the pipeline’s variables.</p>
      <KeyValueEditor rows={values.variables} onChange={(rows) => set('variables', rows)} />
      {shown.variables && <span className="field__error">{shown.variables}</span>}
    </section>
  );
}

export function SettingsSection({ values, set, shown }: SectionProps) {
  return (
    <section className="form-section">
      <h2>Settings</h2>
      <label className="check">
        <input type="checkbox" checked={values.skipIfPreviousRunning} onChange={(e) => set('skipIfPreviousRunning', e.target.checked)} />
        <span className="check__text">
          <span>Skip run if previous run still in progress</span>
          <small>A slot is skipped while an earlier run of this trigger is still going.</small>
        </span>
      </label>
      <label className="check">
        <input type="checkbox" checked={values.allowBlocksToFail} onChange={(e) => set('allowBlocksToFail', e.target.checked)} />
        <span className="check__text">
          <span>Keep running pipeline even if blocks fail</span>
          <small>Blocks that do not depend on a failed block still run.</small>
        </span>
      </label>
      <label className="check">
        <input type="checkbox" checked={values.createInitialPipelineRun} onChange={(e) => set('createInitialPipelineRun', e.target.checked)} />
        <span className="check__text">
          <span>Create initial pipeline run</span>
          <small>Run the slot that is current when the trigger is enabled, instead of waiting for the next one.</small>
        </span>
      </label>
      <div className="form-grid form-grid--3">
        <Field label="Timeout (seconds)" htmlFor="t-timeout" error={shown.timeout} hint="Empty: no timeout.">
          <input id="t-timeout" className={`input${shown.timeout ? ' input--invalid' : ''}`} inputMode="decimal" value={values.timeout} onChange={(e) => set('timeout', e.target.value)} placeholder="e.g. 3600" />
        </Field>
        <Field label="Status after a timeout" htmlFor="t-timeout-status">
          <select id="t-timeout-status" className="select" value={values.timeoutStatus} onChange={(e) => set('timeoutStatus', e.target.value as 'failed' | 'cancelled')}>
            <option value="failed">Failed</option>
            <option value="cancelled">Cancelled</option>
          </select>
        </Field>
        <Field label="Pipeline run limit" htmlFor="t-limit" error={shown.pipelineRunLimit} hint="At most this many runs at once.">
          <input id="t-limit" className={`input${shown.pipelineRunLimit ? ' input--invalid' : ''}`} inputMode="numeric" value={values.pipelineRunLimit} onChange={(e) => set('pipelineRunLimit', e.target.value)} placeholder="No limit" />
        </Field>
        <Field label="SLA (seconds)" htmlFor="t-sla" error={shown.sla} hint="A run still going this long after its execution date alerts once (trigger_passed_sla).">
          <input id="t-sla" className={`input${shown.sla ? ' input--invalid' : ''}`} inputMode="numeric" value={values.sla} onChange={(e) => set('sla', e.target.value)} placeholder="No SLA" />
        </Field>
      </div>
      {values.scheduleType === 'time' && (
        <div className="field">
          <span className="field__label">Catch up on missed runs</span>
          <div className="choice-list" role="radiogroup" aria-label="Catch up">
            {(['none', 'latest', 'all'] as CatchUp[]).map((c) => (
              <label key={c} className={`choice${values.catchUp === c ? ' choice--selected' : ''}`}>
                <input type="radio" name="catch_up" checked={values.catchUp === c} onChange={() => set('catchUp', c)} />
                <span style={{ textTransform: 'capitalize', minWidth: 52, fontWeight: 600 }}>{c}</span>
                <span className="muted small">{CATCH_UP_HELP[c]}</span>
              </label>
            ))}
          </div>
        </div>
      )}
    </section>
  );
}
