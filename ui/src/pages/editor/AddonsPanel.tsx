// A block's add-ons and dynamic settings, as Mage's editor offers them: the `dynamic` and `reduce_output` toggles
// (keys of the block's configuration), the conditionals and callbacks attached to it (add a new one from Mage's
// template, attach one the pipeline has, edit its code, detach it).
import { useState } from 'react';
import { useAttachAddon, useDetachAddon } from '../../api/blocks';
import type { Block } from '../../api/client';
import { CodeEditor } from '../../components/CodeEditor';
import { ErrorAlert, Spinner } from '../../components/ui';
import { saveLabel } from '../../lib/saveState';
import type { ConfigurationChange } from './SqlSettings';
import { useCodeCell } from './useCodeCell';

type Kind = 'conditional' | 'callback';
type Addon = Block['conditionals'][number];

const KINDS: { kind: Kind; key: 'conditionals' | 'callbacks'; title: string; hint: string }[] = [
  { kind: 'conditional', key: 'conditionals', title: 'Conditionals', hint: 'The block runs only if every @condition function returns true.' },
  { kind: 'callback', key: 'callbacks', title: 'Callbacks', hint: "Run after the block: @callback('success') with its output, @callback('failure') with its error." },
];

function flag(configuration: unknown, key: string): boolean {
  return !!configuration && typeof configuration === 'object' && (configuration as Record<string, unknown>)[key] === true;
}

export function AddonsPanel({
  pipeline,
  block,
  blocks,
  onConfigure,
}: {
  pipeline: string;
  block: Block;
  /** Every block of the pipeline: the add-ons attached elsewhere can be attached here too. */
  blocks: Block[];
  onConfigure: (change: ConfigurationChange) => Promise<boolean>;
}) {
  const attach = useAttachAddon(pipeline);
  const detach = useDetachAddon(pipeline);
  const [error, setError] = useState<unknown>(null);
  const [editing, setEditing] = useState<string | null>(null);
  const [adding, setAdding] = useState<Kind | null>(null);
  const [name, setName] = useState('');
  const busy = attach.isPending || detach.isPending;

  const act = async (fn: () => Promise<unknown>) => {
    setError(null);
    try {
      await fn();
      return true;
    } catch (e) {
      setError(e);
      return false;
    }
  };
  const create = async (kind: Kind) => {
    if (await act(() => attach.mutateAsync({ block: block.uuid, input: { type: kind, name } }))) {
      setAdding(null);
      setName('');
    }
  };
  const toggle = (key: string, on: boolean) => void onConfigure({ [key]: on ? true : null });

  return (
    <div className="addons" data-testid={`addons-${block.uuid}`} role="group" aria-label={`Add-ons of ${block.uuid}`}>
      <div className="addons__toggles">
        <label title="Each item of this block's output (a list) becomes the input of its own run of every child block">
          <input type="checkbox" checked={flag(block.configuration, 'dynamic')} onChange={(e) => toggle('dynamic', e.target.checked)} data-testid="toggle-dynamic" />{' '}
          Dynamic
        </label>
        <label title="Gather the outputs of this block's dynamic runs into one list for its children">
          <input
            type="checkbox"
            checked={flag(block.configuration, 'reduce_output')}
            onChange={(e) => toggle('reduce_output', e.target.checked)}
            data-testid="toggle-reduce-output"
          />{' '}
          Reduce output
        </label>
      </div>
      <ErrorAlert error={error} title="The add-on was not changed" />
      {KINDS.map(({ kind, key, title, hint }) => {
        const attached = block[key];
        const others = uniqueAddons(blocks.flatMap((b) => b[key])).filter((a) => !attached.some((x) => x.uuid === a.uuid));
        return (
          <div key={kind} className="addons__group" data-testid={`addons-${kind}`}>
            <div className="addons__head">
              <b title={hint}>{title}</b>
              <button type="button" className="btn btn--sm btn--ghost" disabled={busy} onClick={() => setAdding(adding === kind ? null : kind)} data-testid={`add-${kind}`}>
                + New {kind}
              </button>
              {others.length > 0 && (
                <select
                  className="select select--sm"
                  value=""
                  disabled={busy}
                  aria-label={`Attach an existing ${kind}`}
                  onChange={(e) => void act(() => attach.mutateAsync({ block: block.uuid, input: { addon: e.target.value } }))}
                  data-testid={`attach-${kind}`}
                >
                  <option value="">Attach existing…</option>
                  {others.map((a) => (
                    <option key={a.uuid} value={a.uuid}>
                      {a.uuid}
                    </option>
                  ))}
                </select>
              )}
            </div>
            {adding === kind && (
              <form
                className="addons__new row"
                onSubmit={(e) => {
                  e.preventDefault();
                  void create(kind);
                }}
              >
                <input
                  className="input input--sm"
                  autoFocus
                  placeholder={`Name of the new ${kind}`}
                  aria-label={`Name of the new ${kind}`}
                  value={name}
                  onChange={(e) => setName(e.target.value)}
                  data-testid={`new-${kind}-name`}
                />
                <button type="submit" className="btn btn--sm btn--primary" disabled={busy || !name.trim()}>
                  {attach.isPending ? <Spinner /> : null} Create
                </button>
              </form>
            )}
            {attached.length === 0 && adding !== kind && <div className="cell-muted small">None.</div>}
            {attached.map((addon) => (
              <div key={addon.uuid} className="addons__item" data-testid={`addon-${addon.uuid}`}>
                <div className="row">
                  <span className="mono">{addon.uuid}</span>
                  <span className="cell-muted small mono">{addon.file}</span>
                  <button type="button" className="btn btn--sm btn--ghost" onClick={() => setEditing(editing === addon.uuid ? null : addon.uuid)} data-testid={`edit-${addon.uuid}`}>
                    {editing === addon.uuid ? 'Close' : 'Edit code'}
                  </button>
                  <button
                    type="button"
                    className="btn btn--sm btn--ghost btn--danger"
                    disabled={busy}
                    title={`Detach from ${block.uuid} (the file stays)`}
                    onClick={() => void act(() => detach.mutateAsync({ block: block.uuid, addon: addon.uuid }))}
                    data-testid={`detach-${addon.uuid}`}
                  >
                    Detach
                  </button>
                </div>
                {editing === addon.uuid && <AddonCode pipeline={pipeline} addon={addon} />}
              </div>
            ))}
          </div>
        );
      })}
    </div>
  );
}

function uniqueAddons(addons: Addon[]): Addon[] {
  const seen = new Set<string>();
  return addons.filter((a) => (seen.has(a.uuid) ? false : (seen.add(a.uuid), true)));
}

/** An add-on's code, read and autosaved through the block code route (which knows add-ons). */
function AddonCode({ pipeline, addon }: { pipeline: string; addon: Addon }) {
  const cell = useCodeCell(pipeline, addon.uuid);
  return (
    <div className="addons__code" data-testid={`code-${addon.uuid}`}>
      <div className="cell-muted small" data-testid="addon-save-state">
        {cell.loading ? 'Loading…' : saveLabel(cell.state.status)}
        {cell.state.error ? ` — ${cell.state.error}` : ''}
      </div>
      {cell.loadError ? (
        <ErrorAlert error={cell.loadError} title={`Could not read ${addon.file}`} onRetry={() => void cell.reload()} />
      ) : (
        <CodeEditor value={cell.state.content} language="python" onChange={cell.edit} onSave={() => void cell.save()} readOnly={cell.loading} wrap label={`Code of ${addon.uuid}`} />
      )}
    </div>
  );
}
