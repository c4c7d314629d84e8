// The pipelines list: search, create (standard batch), rename, clone, delete.
import { useMemo, useState } from 'react';
import { Link, useNavigate } from 'react-router';
import { ChevronDown, Plus, Search } from 'lucide-react';
import { useAccess } from '../api/auth';
import type { PipelineSummary } from '../api/client';
import { useClonePipeline, useCreatePipeline, useDeletePipeline, usePipelines, useRenamePipeline } from '../api/pipelines';
import { ConfirmDialog, Empty, ErrorAlert, Loading, Menu, PromptDialog, StatusBadge } from '../components/ui';
import { relativeTime } from '../lib/format';

type Dialog =
  | { kind: 'create' }
  | { kind: 'rename'; pipeline: PipelineSummary }
  | { kind: 'clone'; pipeline: PipelineSummary }
  | { kind: 'delete'; pipeline: PipelineSummary };

export function PipelinesPage() {
  const navigate = useNavigate();
  const list = usePipelines({ refetchInterval: 10_000 });
  const denied = useAccess().denied('editor', 'Changing pipelines');
  const [search, setSearch] = useState('');
  const [dialog, setDialog] = useState<Dialog | null>(null);

  const create = useCreatePipeline();
  const rename = useRenamePipeline();
  const clone = useClonePipeline();
  const remove = useDeletePipeline();
  const closeOnSuccess = { onSuccess: () => setDialog(null) };

  const rows = useMemo(() => {
    const q = search.trim().toLowerCase();
    const all = list.data ?? [];
    return q ? all.filter((p) => p.name.toLowerCase().includes(q) || p.uuid.toLowerCase().includes(q)) : all;
  }, [list.data, search]);

  const closeDialog = () => {
    setDialog(null);
    create.reset();
    rename.reset();
    clone.reset();
    remove.reset();
  };

  return (
    <div className="page">
      <div className="page-header">
        <div className="page-header__title">
          <h1>Pipelines</h1>
          <span className="page-header__sub">Python blocks wired into DAGs: load, transform, export.</span>
        </div>
        <div className="page-header__actions">
          <Menu
            label={
              <>
                <Plus /> New <ChevronDown />
              </>
            }
            buttonClass="btn btn--primary"
            testId="new-pipeline"
            items={[
              {
                label: 'Standard (batch)',
                hint: denied ?? 'Blocks of Python, SQL or Markdown',
                disabled: !!denied,
                onSelect: () => setDialog({ kind: 'create' }),
              },
              { label: 'Data integration', hint: 'Not yet available', disabled: true },
              { label: 'Streaming', hint: 'Not yet available', disabled: true },
            ]}
          />
        </div>
      </div>

      <div className="toolbar">
        <div className="row" style={{ position: 'relative' }}>
          <Search style={{ position: 'absolute', left: 9, width: 15, color: 'var(--text-faint)' }} />
          <input
            className="input"
            style={{ paddingLeft: 30, width: 300 }}
            type="search"
            placeholder="Search pipelines"
            aria-label="Search pipelines"
            value={search}
            onChange={(e) => setSearch(e.target.value)}
          />
        </div>
        <span className="muted small">{list.data ? `${String(rows.length)} of ${String(list.data.length)}` : ''}</span>
      </div>

      <ErrorAlert error={list.error} title="Could not load the pipelines" onRetry={() => void list.refetch()} />
      {list.isPending && <Loading what="Loading pipelines" />}

      {list.data && (
        <div className="table-wrap">
          <table className="table" data-testid="pipelines-table">
            <thead>
              <tr>
                <th>Name</th>
                <th className="num">Blocks</th>
                <th>Last run</th>
                <th className="num">Triggers</th>
                <th style={{ width: 1 }} />
              </tr>
            </thead>
            <tbody>
              {rows.map((p) => (
                <tr key={p.uuid} data-testid={`pipeline-row-${p.uuid}`}>
                  <td>
                    <div className="name-cell">
                      <Link to={`/pipelines/${encodeURIComponent(p.uuid)}/edit`}>{p.name}</Link>
                      {p.name !== p.uuid && <small>{p.uuid}</small>}
                      {p.error && <span className="cell-error">Invalid: {p.error}</span>}
                      {p.triggers_error && (
                        <span className="cell-error" data-testid={`triggers-error-${p.uuid}`}>
                          triggers.yaml not applied: {p.triggers_error}
                        </span>
                      )}
                    </div>
                  </td>
                  <td className="num">{p.error ? '—' : p.blocks}</td>
                  <td>
                    {p.last_run ? (
                      <Link to={`/runs/${String(p.last_run.id)}`} className="row" style={{ gap: 8 }}>
                        <StatusBadge status={p.last_run.status} />
                        <span className="cell-muted small">{relativeTime(p.last_run.created_at)}</span>
                      </Link>
                    ) : (
                      <span className="cell-muted">Never run</span>
                    )}
                  </td>
                  <td className="num">
                    <Link to={`/pipelines/${encodeURIComponent(p.uuid)}/triggers`}>{p.triggers}</Link>
                  </td>
                  <td>
                    <div className="row nowrap">
                      <Link className="btn btn--sm" to={`/pipelines/${encodeURIComponent(p.uuid)}/edit`}>
                        {denied ? 'Open' : 'Edit'}
                      </Link>
                      <Link className="btn btn--sm" to={`/pipelines/${encodeURIComponent(p.uuid)}/runs`}>
                        Runs
                      </Link>
                      <Menu
                        label="⋯"
                        ariaLabel={`More actions for ${p.name}`}
                        buttonClass="btn btn--sm btn--ghost btn--icon"
                        items={[
                          { label: 'Triggers', onSelect: () => void navigate(`/pipelines/${encodeURIComponent(p.uuid)}/triggers`) },
                          { label: 'Rename…', disabled: !!denied, onSelect: () => setDialog({ kind: 'rename', pipeline: p }) },
                          { label: 'Clone…', disabled: !!denied, onSelect: () => setDialog({ kind: 'clone', pipeline: p }) },
                          'separator',
                          { label: 'Delete…', danger: true, disabled: !!denied, hint: denied ?? undefined, onSelect: () => setDialog({ kind: 'delete', pipeline: p }) },
                        ]}
                      />
                    </div>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
          {rows.length === 0 && (
            <Empty title={search ? 'No pipeline matches your search' : 'No pipelines yet'}>
              {!search && <span>Use “+ New → Standard (batch)” to create the first one.</span>}
            </Empty>
          )}
        </div>
      )}

      {dialog?.kind === 'create' && (
        <PromptDialog
          title="New standard (batch) pipeline"
          label="Name"
          placeholder="e.g. titanic"
          hint="The pipeline's folder (its uuid) is made from the name."
          busy={create.isPending}
          error={create.error}
          onSubmit={(name) =>
            create.mutate(
              { name },
              {
                onSuccess: (p) => {
                  if (p) void navigate(`/pipelines/${encodeURIComponent(p.uuid)}/edit`);
                },
              },
            )
          }
          onClose={closeDialog}
        />
      )}
      {dialog?.kind === 'rename' && (
        <PromptDialog
          title={`Rename ${dialog.pipeline.name}`}
          label="New name"
          initial={dialog.pipeline.name}
          hint="Like Mage, the pipeline's uuid follows its name."
          submitLabel="Rename"
          busy={rename.isPending}
          error={rename.error}
          onSubmit={(name) => rename.mutate({ uuid: dialog.pipeline.uuid, name }, closeOnSuccess)}
          onClose={closeDialog}
        />
      )}
      {dialog?.kind === 'clone' && (
        <PromptDialog
          title={`Clone ${dialog.pipeline.name}`}
          label="Name of the copy"
          initial={`${dialog.pipeline.name} copy`}
          hint="Copies the blocks and their links, not the triggers or runs."
          submitLabel="Clone"
          busy={clone.isPending}
          error={clone.error}
          onSubmit={(name) => clone.mutate({ uuid: dialog.pipeline.uuid, name }, closeOnSuccess)}
          onClose={closeDialog}
        />
      )}
      {dialog?.kind === 'delete' && (
        <ConfirmDialog
          title={`Delete ${dialog.pipeline.name}?`}
          busy={remove.isPending}
          error={remove.error}
          onConfirm={() => remove.mutate({ uuid: dialog.pipeline.uuid }, closeOnSuccess)}
          onClose={closeDialog}
        >
          <p style={{ margin: 0 }}>
            The pipeline folder <code>pipelines/{dialog.pipeline.uuid}</code> is removed. Block files stay in the project.
          </p>
        </ConfirmDialog>
      )}
    </div>
  );
}
