// The pipeline editor: the blocks as notebook cells in order, and beside them the dependency tree.
import { useCallback, useMemo, useState } from 'react';
import { Link, useParams } from 'react-router';
import { Clock, History, Play, X } from 'lucide-react';
import { useAddBlock, useDeleteBlock, useUpdateBlock, type BlockUpdate } from '../api/blocks';
import type { Block, BlockRun } from '../api/client';
import { usePipeline } from '../api/pipelines';
import { DagGraph } from '../components/DagGraph';
import { Alert, ErrorAlert, Loading, Spinner } from '../components/ui';
import { BLOCK_TYPES } from '../lib/blockTypes';
import { BlockCell } from './editor/BlockCell';
import { AddBlockDialog, DeleteBlockDialog, ParentsDialog, RenameBlockDialog, type NewBlock } from './editor/dialogs';

type Dialog =
  | { kind: 'add'; type: string }
  | { kind: 'parents'; block: Block }
  | { kind: 'rename'; block: Block }
  | { kind: 'delete'; block: Block };

export default function PipelineEditorPage() {
  const { uuid = '' } = useParams();
  const detail = usePipeline(uuid);
  const add = useAddBlock(uuid);
  const update = useUpdateBlock(uuid).mutateAsync;
  const remove = useDeleteBlock(uuid);

  const [dialog, setDialog] = useState<Dialog | null>(null);
  const [busy, setBusy] = useState(false);
  const [dialogError, setDialogError] = useState<unknown>(null);
  const [actionError, setActionError] = useState<unknown>(null);
  const [statuses, setStatuses] = useState<Record<string, string>>({});
  const [focused, setFocused] = useState<string | null>(null);

  const blocks = useMemo(() => detail.data?.blocks ?? [], [detail.data]);

  /** Runs a change of the pipeline (its answer updates the cache); errors go to the open dialog, or above the notebook. */
  const change = useCallback(
    async (fn: () => Promise<unknown>, inDialog: boolean): Promise<boolean> => {
      setBusy(true);
      if (inDialog) setDialogError(null);
      else setActionError(null);
      try {
        await fn();
        return true;
      } catch (e) {
        if (inDialog) setDialogError(e);
        else setActionError(e);
        return false;
      } finally {
        setBusy(false);
      }
    },
    [],
  );

  const updateBlock = useCallback(
    (block: string, body: BlockUpdate, inDialog = false) => change(() => update({ block, change: body }), inDialog),
    [change, update],
  );

  const addBlock = async (b: NewBlock) => {
    const ok = await change(() => add.mutateAsync(b), true);
    if (ok) {
      setDialog(null);
      const id = b.name.trim().toLowerCase().replace(/[^a-z0-9]+/g, '_');
      setFocused(id);
      setTimeout(() => document.getElementById(`cell-${id}`)?.scrollIntoView({ behavior: 'smooth', block: 'start' }), 50);
    }
  };

  const onConnect = useCallback(
    (parent: string, child: string) => {
      const target = blocks.find((b) => b.uuid === child);
      if (!target || target.upstream_blocks.includes(parent)) return;
      void updateBlock(child, { upstream_blocks: [...target.upstream_blocks, parent] });
    },
    [blocks, updateBlock],
  );

  const onDisconnect = useCallback(
    (parent: string, child: string) => {
      const target = blocks.find((b) => b.uuid === child);
      if (!target) return;
      void updateBlock(child, { upstream_blocks: target.upstream_blocks.filter((u) => u !== parent) });
    },
    [blocks, updateBlock],
  );

  const onExecuted = useCallback((runs: BlockRun[]) => {
    setStatuses((s) => ({ ...s, ...Object.fromEntries(runs.map((r) => [r.block_uuid, r.status])) }));
  }, []);

  const closeDialog = () => {
    setDialog(null);
    setDialogError(null);
  };

  if (detail.isPending) return <Loading what="Loading the pipeline" />;
  if (detail.error || !detail.data) {
    return (
      <div className="page">
        <div className="breadcrumbs">
          <Link to="/pipelines">Pipelines</Link> / {uuid}
        </div>
        <ErrorAlert error={detail.error ?? new Error('Not found')} title="Could not open the pipeline" onRetry={() => void detail.refetch()} />
      </div>
    );
  }

  const p = detail.data;
  const base = `/pipelines/${encodeURIComponent(uuid)}`;

  return (
    <div className="editor">
      <div className="editor__main">
        <div className="editor__bar">
          <div className="page-header__title">
            <div className="breadcrumbs">
              <Link to="/pipelines">Pipelines</Link> /
            </div>
            <h1 data-testid="pipeline-name">{p.name}</h1>
          </div>
          <div className="page-header__actions">
            {busy && !dialog && (
              <span className="muted small row">
                <Spinner /> Saving…
              </span>
            )}
            <Link className="btn" to={`${base}/runs`}>
              <History /> Runs
            </Link>
            <Link className="btn" to={`${base}/triggers`}>
              <Clock /> Triggers
            </Link>
            <Link className="btn btn--primary" to={`${base}/triggers`} data-testid="run-pipeline-link">
              <Play /> Run pipeline
            </Link>
          </div>
        </div>

        <div className="editor__cells">
          {p.triggers_error && (
            <Alert tone="error">
              <div data-testid="triggers-error">
                <strong>triggers.yaml is not applied</strong> (its triggers stay as they were until it is fixed):{' '}
                {p.triggers_error}
              </div>
            </Alert>
          )}
          {p.warnings.length > 0 && (
            <Alert tone="warning">
              {p.warnings.map((w) => (
                <div key={w}>{w}</div>
              ))}
            </Alert>
          )}
          {actionError != null && (
            <div className="alert alert--error" role="alert">
              <div className="alert__body">{actionError instanceof Error ? actionError.message : String(actionError)}</div>
              <button type="button" className="btn btn--ghost btn--sm btn--icon" aria-label="Dismiss" onClick={() => setActionError(null)}>
                <X />
              </button>
            </div>
          )}
          {blocks.length === 0 && (
            <Alert tone="info">This pipeline has no blocks yet. Add a data loader to start.</Alert>
          )}
          {blocks.map((b, i) => (
            <BlockCell
              key={b.uuid}
              pipeline={uuid}
              block={b}
              index={i}
              count={blocks.length}
              focused={focused === b.uuid}
              onFocus={() => setFocused(b.uuid)}
              onExecuted={onExecuted}
              onMove={(position) => void updateBlock(b.uuid, { position })}
              onEditParents={() => setDialog({ kind: 'parents', block: b })}
              onRename={() => setDialog({ kind: 'rename', block: b })}
              onDelete={() => setDialog({ kind: 'delete', block: b })}
            />
          ))}
          <div className="add-block" data-testid="add-block">
            <span className="add-block__label">+ Add block</span>
            {BLOCK_TYPES.map((t) => (
              <button
                key={t.type}
                type="button"
                className="btn btn--sm"
                style={{ ['--type-color' as string]: t.color }}
                onClick={() => setDialog({ kind: 'add', type: t.type })}
              >
                {t.label}
              </button>
            ))}
          </div>
        </div>
      </div>

      <aside className="editor__side">
        <div className="editor__side-header">
          <h2>Dependency tree</h2>
          <small>Drag from a block’s bottom dot to another block to make it a parent. Select a line and press Delete to remove it.</small>
        </div>
        <div className="editor__tree" data-testid="editor-tree">
          {blocks.length > 0 ? (
            <DagGraph
              blocks={blocks}
              statuses={statuses}
              selected={focused}
              onSelect={(id) => {
                setFocused(id);
                document.getElementById(`cell-${id}`)?.scrollIntoView({ behavior: 'smooth', block: 'start' });
              }}
              onConnect={onConnect}
              onDisconnect={onDisconnect}
            />
          ) : (
            <div className="empty">The tree appears when the pipeline has blocks.</div>
          )}
        </div>
      </aside>

      {dialog?.kind === 'add' && (
        <AddBlockDialog
          type={dialog.type}
          blocks={blocks}
          busy={busy}
          error={dialogError}
          onAdd={(b) => void addBlock(b)}
          onClose={closeDialog}
        />
      )}
      {dialog?.kind === 'parents' && (
        <ParentsDialog
          block={dialog.block}
          blocks={blocks}
          busy={busy}
          error={dialogError}
          onSave={(parents) =>
            void updateBlock(dialog.block.uuid, { upstream_blocks: parents }, true).then((ok) => ok && closeDialog())
          }
          onClose={closeDialog}
        />
      )}
      {dialog?.kind === 'rename' && (
        <RenameBlockDialog
          block={dialog.block}
          busy={busy}
          error={dialogError}
          onRename={(name) =>
            void updateBlock(dialog.block.uuid, { name }, true).then((ok) => {
              if (ok) {
                closeDialog();
                setFocused(name.trim().toLowerCase().replace(/[^a-z0-9]+/g, '_').replace(/^_+|_+$/g, ''));
              }
            })
          }
          onClose={closeDialog}
        />
      )}
      {dialog?.kind === 'delete' && (
        <DeleteBlockDialog
          block={dialog.block}
          busy={busy}
          error={dialogError}
          onDelete={(deleteFile) =>
            void change(() => remove.mutateAsync({ block: dialog.block.uuid, deleteFile }), true).then((ok) => ok && closeDialog())
          }
          onClose={closeDialog}
        />
      )}
    </div>
  );
}
