// The pipeline editor: the blocks as notebook cells in order, and beside them the dependency tree. The parts live in
// editor/: the cell, the dialogs, the tree, the notices, and the block changes with their saving state.
import { useCallback, useMemo, useState } from 'react';
import { Link, useParams } from 'react-router';
import { Clock, History, Play } from 'lucide-react';
import type { BlockRun, BlockRunStatus } from '../api/client';
import { useAccess } from '../api/auth';
import { usePipeline } from '../api/pipelines';
import { RoleNotice } from '../components/RoleNotice';
import { ErrorAlert, Loading, Spinner } from '../components/ui';
import { BLOCK_TYPES } from '../lib/blockTypes';
import { BlockCell } from './editor/BlockCell';
import { DependencyTree } from './editor/DependencyTree';
import { EditorDialogs, type EditorDialog } from './editor/EditorDialogs';
import { EditorNotices } from './editor/EditorNotices';
import { useBlockChanges } from './editor/useBlockChanges';

function scrollToCell(block: string) {
  document.getElementById(`cell-${block}`)?.scrollIntoView({ behavior: 'smooth', block: 'start' });
}

export default function PipelineEditorPage() {
  const { uuid = '' } = useParams();
  const detail = usePipeline(uuid);
  const changes = useBlockChanges(uuid);
  // A viewer reads the code and the last outputs; editing and running need an editor.
  const readOnly = useAccess().denied('editor');
  const { busy, updateBlock } = changes;

  const [dialog, setDialog] = useState<EditorDialog | null>(null);
  const [statuses, setStatuses] = useState<Record<string, BlockRunStatus>>({});
  const [focused, setFocused] = useState<string | null>(null);

  const blocks = useMemo(() => detail.data?.blocks ?? [], [detail.data]);

  const onExecuted = useCallback((runs: BlockRun[]) => {
    setStatuses((s) => ({ ...s, ...Object.fromEntries(runs.map((r) => [r.block_uuid, r.status])) }));
  }, []);

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
            {!readOnly && (
              <Link className="btn btn--primary" to={`${base}/triggers`} data-testid="run-pipeline-link">
                <Play /> Run pipeline
              </Link>
            )}
          </div>
        </div>

        <div className="editor__cells">
          <RoleNotice needed="editor" what="Editing or running this pipeline" />
          <EditorNotices pipeline={p} actionError={changes.actionError} onDismiss={changes.clearActionError} />
          {blocks.map((b, i) => (
            <BlockCell
              key={b.uuid}
              pipeline={uuid}
              block={b}
              blocks={blocks}
              index={i}
              count={blocks.length}
              focused={focused === b.uuid}
              onFocus={() => setFocused(b.uuid)}
              onExecuted={onExecuted}
              onMove={(position) => void updateBlock(b.uuid, { position })}
              onEditParents={() => setDialog({ kind: 'parents', block: b })}
              onRename={() => setDialog({ kind: 'rename', block: b })}
              onDelete={() => setDialog({ kind: 'delete', block: b })}
              onConfigure={(configuration) => updateBlock(b.uuid, { configuration })}
              readOnly={readOnly}
            />
          ))}
          {!readOnly && (
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
          )}
        </div>
      </div>

      <DependencyTree
        blocks={blocks}
        statuses={statuses}
        focused={focused}
        updateBlock={readOnly ? undefined : updateBlock}
        onSelect={(id) => {
          setFocused(id);
          scrollToCell(id);
        }}
      />

      <EditorDialogs
        dialog={dialog}
        blocks={blocks}
        changes={changes}
        onClose={() => setDialog(null)}
        onFocus={(id, scroll) => {
          setFocused(id);
          if (scroll) setTimeout(() => scrollToCell(id), 50);
        }}
      />
    </div>
  );
}
