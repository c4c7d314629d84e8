// The dialog that adds a dbt model as a block, as Mage's editor does: a model of one of the project's dbt projects
// (a folder holding dbt_project.yml), whose block is named by its path without `.sql`, with its parents.
import { useState } from 'react';
import type { Block } from '../../api/client';
import { useDbtModels } from '../../api/dbt';
import { ParentField } from './ParentField';
import { ErrorAlert, Loading, Modal, Spinner } from '../../components/ui';
import type { NewBlock } from './AddBlockDialog';

export function AddDbtModelDialog({
  blocks,
  busy,
  error,
  onAdd,
  onClose,
}: {
  blocks: Block[];
  busy: boolean;
  error: unknown;
  onAdd: (block: NewBlock) => void;
  onClose: () => void;
}) {
  const models = useDbtModels();
  const [chosen, setChosen] = useState<string | null>(null);
  const last = blocks.filter((b) => b.type !== 'markdown').at(-1);
  const [linkToLast, setLinkToLast] = useState(false);
  const inPipeline = new Set(blocks.map((b) => b.uuid));
  const list = models.data ?? [];
  const projects = [...new Set(list.map((m) => m.project))];
  const uuid = chosen?.replace(/\.sql$/, '') ?? '';
  const valid = !!chosen && !inPipeline.has(uuid);

  const submit = () => {
    if (!valid || !chosen) return;
    onAdd({ name: uuid, type: 'dbt', language: 'sql', existing_file: chosen, upstream_blocks: linkToLast && last ? [last.uuid] : [] });
  };

  return (
    <Modal
      title="Add a dbt model block"
      onClose={onClose}
      wide
      footer={
        <>
          <button type="button" className="btn" onClick={onClose}>
            Cancel
          </button>
          <button type="button" className="btn btn--primary" disabled={busy || !valid} onClick={submit} data-testid="add-dbt-model">
            {busy && <Spinner />} Add block
          </button>
        </>
      }
    >
      <p className="field__hint">
        The model runs with its dbt project&apos;s profiles.yml. A parent&apos;s output reaches it as{' '}
        <code>{"{{ source('mage_<dbt project>', '<pipeline>_<block>') }}"}</code>; its rows reach the blocks below as a DataFrame.
      </p>
      <div className="field">
        <span className="field__label">Model</span>
        {models.isPending && <Loading what="Looking for dbt models" />}
        <ErrorAlert error={models.error} />
        <div className="choice-list" role="radiogroup" aria-label="dbt model">
          {projects.map((project) => (
            <div key={project} className="choice-group" role="group" aria-label={project}>
              <span className="choice-group__label">{project}</span>
              <div className="choice-group__items">
                {list
                  .filter((m) => m.project === project)
                  .map((m) => (
                    <label key={m.path} className={`choice${chosen === m.path ? ' choice--selected' : ''}`}>
                      <input type="radio" name="dbt-model" checked={chosen === m.path} onChange={() => setChosen(m.path)} />
                      <span>{m.name}</span>
                      <small className="mono">{inPipeline.has(m.path.replace(/\.sql$/, '')) ? 'already in this pipeline' : m.path}</small>
                    </label>
                  ))}
              </div>
            </div>
          ))}
          {models.data && list.length === 0 && (
            <span className="muted">No dbt model in the project: a dbt project is a folder (such as dbt/shop) holding dbt_project.yml, its models under models/.</span>
          )}
        </div>
      </div>
      <ParentField last={last} checked={linkToLast} onChange={setLinkToLast} hint="Its output becomes a source the model can read." />
      <ErrorAlert error={error} title="Could not add the block" />
    </Modal>
  );
}
