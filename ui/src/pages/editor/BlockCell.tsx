// One block of the notebook: header, code editor with autosave, run buttons and the last execution's output.
import { useState } from 'react';
import { Link } from 'react-router';
import { GitFork, Play, RotateCcw, ScanSearch } from 'lucide-react';
import { useExecuteBlock } from '../../api/blocks';
import type { Block, BlockRun, LogLine, Output } from '../../api/client';
import { CodeEditor } from '../../components/CodeEditor';
import { LogView, OutputView } from '../../components/OutputView';
import { ErrorAlert, Menu, Spinner, StatusBadge, TypeBadge } from '../../components/ui';
import { blockType } from '../../lib/blockTypes';
import { formatDuration } from '../../lib/format';
import { saveLabel } from '../../lib/saveState';
import { DBT_COMPLETIONS, upstreamCompletions } from '../../lib/sqlBlock';
import { SqlError } from './SqlError';
import { SqlSettings, type ConfigurationChange } from './SqlSettings';
import { useCodeCell } from './useCodeCell';
import { AddonChips } from './AddonChips';
import { AddonsPanel } from './AddonsPanel';
import { DbtLineage } from './DbtLineage';

/** The rows "Compile & preview" shows of a dbt model (`dbt show --limit`). */
const DBT_PREVIEW_ROWS = 100;

export interface Execution {
  runId: number;
  blockRun?: BlockRun;
  logs: LogLine[];
  /** The log goes on past `logs` (read it on the run's page). */
  moreLogs: boolean;
  outputs: Output[];
}

export interface BlockCellProps {
  pipeline: string;
  block: Block;
  /** Every block of the pipeline (for the add-ons panel). */
  blocks: Block[];
  index: number;
  count: number;
  focused: boolean;
  onFocus: () => void;
  onExecuted: (blockRuns: BlockRun[]) => void;
  onMove: (position: number) => void;
  onEditParents: () => void;
  onRename: () => void;
  onDelete: () => void;
  /** Changes keys of the block's configuration (a SQL cell's settings). */
  onConfigure: (change: ConfigurationChange) => Promise<boolean>;
  /** Why the signed-in user may neither edit nor run the block (its role); null or absent when it may. */
  readOnly?: string | null;
}

export function BlockCell({
  pipeline,
  block,
  blocks,
  index,
  count,
  focused,
  onFocus,
  onExecuted,
  onMove,
  onEditParents,
  onRename,
  onDelete,
  onConfigure,
  readOnly,
}: BlockCellProps) {
  const cell = useCodeCell(pipeline, block.uuid);
  const execute = useExecuteBlock(pipeline, block.uuid);
  const [running, setRunning] = useState<null | 'block' | 'upstream' | 'preview'>(null);
  const [execution, setExecution] = useState<Execution | null>(null);
  const [runError, setRunError] = useState<unknown>(null);
  const [showAddons, setShowAddons] = useState(false);
  const [showLineage, setShowLineage] = useState(false);
  const [compiledAt, setCompiledAt] = useState<number | null>(null);
  // Add-ons and the dynamic settings belong to the pipeline's blocks, not to notebook-only ones.
  const takesAddons = block.type !== 'markdown' && block.type !== 'scratchpad';
  const info = blockType(block.type);
  const runnable = block.type !== 'markdown';
  // A dbt model is SQL for dbt (its project's profile, `ref` and `source`), not a SQL block with a database.
  const isDbt = block.type === 'dbt';
  const isSql = block.language === 'sql' && !isDbt;
  const { status, error } = cell.state;

  /** Runs the block (with its upstream blocks), or compiles and previews a dbt model (`preview`). */
  const run = async (withUpstream: boolean, preview = false) => {
    if (!runnable || running || readOnly) return;
    setRunning(preview ? 'preview' : withUpstream ? 'upstream' : 'block');
    setRunError(null);
    try {
      const saved = await cell.save();
      if (!saved) {
        setRunError(new Error('The code could not be saved, so the block was not run.'));
        return;
      }
      const data = await execute.mutateAsync({ withUpstream, variables: preview ? { _wand_dbt_preview: DBT_PREVIEW_ROWS } : undefined });
      if (data) {
        setExecution({
          runId: data.run.id,
          blockRun: data.block_runs.find((b) => b.block_uuid === block.uuid),
          logs: data.logs,
          moreLogs: data.more_logs,
          outputs: data.outputs,
        });
        onExecuted(data.block_runs);
        if (preview) setCompiledAt(Date.now());
      }
    } catch (e) {
      setRunError(e);
    } finally {
      setRunning(null);
    }
  };

  return (
    <section
      className={`cell${focused ? ' cell--focused' : ''}`}
      style={{ ['--cell-color' as string]: info.color }}
      data-testid={`cell-${block.uuid}`}
      id={`cell-${block.uuid}`}
      onFocus={onFocus}
      onClick={onFocus}
    >
      <header className="cell__header">
        <TypeBadge type={block.type} />
        <span className="cell__name">{block.uuid}</span>
        <span className="chip">{block.language}</span>
        <AddonChips block={block} />
        <span className="cell__parents" title={block.upstream_blocks.join(', ')}>
          {block.upstream_blocks.length > 0 ? `← ${block.upstream_blocks.join(', ')}` : ''}
        </span>
        <div className="cell__actions">
          <span className={`save-state save-state--${status}`} data-testid="save-state" title={error ?? undefined}>
            {status === 'saving' && <Spinner label="Saving" />}
            {cell.loading ? 'Loading…' : readOnly ? 'Read only' : saveLabel(status)}
          </span>
          {takesAddons && !readOnly && (
            <button
              type="button"
              className={`btn btn--sm btn--ghost${showAddons ? ' is-active' : ''}`}
              aria-expanded={showAddons}
              onClick={() => setShowAddons(!showAddons)}
              title="Dynamic and reduce-output settings, conditionals and callbacks"
              data-testid="addons-toggle"
            >
              Add-ons
            </button>
          )}
          {isDbt && (
            <button
              type="button"
              className={`btn btn--sm btn--ghost${showLineage ? ' is-active' : ''}`}
              aria-expanded={showLineage}
              onClick={() => setShowLineage(!showLineage)}
              title="The model's parents and children in dbt's manifest"
              data-testid="dbt-lineage-toggle"
            >
              <GitFork /> Lineage
            </button>
          )}
          {isDbt && (
            <button
              type="button"
              className="btn btn--sm"
              onClick={() => void run(false, true)}
              disabled={!!running || cell.loading || !!readOnly}
              title={readOnly ?? `Compile & preview: dbt compile, then dbt show --limit ${String(DBT_PREVIEW_ROWS)} (nothing is built)`}
              data-testid="dbt-preview"
            >
              {running === 'preview' ? <Spinner label="Compiling" /> : <ScanSearch />} Preview
            </button>
          )}
          {runnable && (
            <button
              type="button"
              className="btn btn--sm btn--primary"
              onClick={() => void run(false)}
              disabled={!!running || cell.loading || !!readOnly}
              title={readOnly ?? 'Run block (Shift+Enter)'}
              data-testid="run-block"
            >
              {running === 'block' ? <Spinner label="Running" /> : <Play />} Run
            </button>
          )}
          <Menu
            label="⋯"
            ariaLabel={`Actions of ${block.uuid}`}
            buttonClass="btn btn--sm btn--ghost btn--icon"
            items={
              readOnly
                ? [{ label: 'Read only', hint: readOnly, disabled: true }]
                : [
                    ...(runnable
                      ? [{ label: 'Run with upstream blocks', hint: 'Runs every block this one depends on first', onSelect: () => void run(true) }]
                      : []),
                    { label: 'Edit parent blocks…', onSelect: onEditParents },
                    { label: 'Rename…', onSelect: onRename },
                    'separator',
                    { label: 'Move up', disabled: index === 0, onSelect: () => onMove(index - 1) },
                    { label: 'Move down', disabled: index >= count - 1, onSelect: () => onMove(index + 1) },
                    'separator',
                    { label: 'Delete block…', danger: true, onSelect: onDelete },
                  ]
            }
          />
        </div>
      </header>

      {isDbt && showLineage && <DbtLineage path={block.file} compiledAt={compiledAt} />}
      {takesAddons && showAddons && <AddonsPanel pipeline={pipeline} block={block} blocks={blocks} onConfigure={onConfigure} />}
      {isSql && (
        <fieldset className="plain-fieldset" disabled={!!readOnly}>
          <SqlSettings block={block.uuid} configuration={block.configuration} onChange={onConfigure} />
        </fieldset>
      )}

      <div className="cell__code">
        {cell.loadError ? (
          <div className="cell__notice">
            <ErrorAlert error={cell.loadError} title={`Could not read ${block.file}`} onRetry={() => void cell.reload()} />
          </div>
        ) : (
          <CodeEditor
            value={cell.state.content}
            language={block.language === 'sql' ? 'jinja-sql' : block.language}
            onChange={cell.edit}
            onRun={runnable && !readOnly ? () => void run(false) : undefined}
            onSave={() => void cell.save()}
            readOnly={cell.loading || !!readOnly}
            wrap
            label={`Code of ${block.uuid}`}
            completions={isSql ? upstreamCompletions(block.upstream_blocks) : isDbt ? DBT_COMPLETIONS : undefined}
          />
        )}
      </div>

      {status === 'conflict' && (
        <div className="cell__notice">
          <div className="alert alert--warning" role="alert" data-testid="conflict">
            <div className="alert__body">{error}</div>
            <button type="button" className="btn btn--sm" onClick={() => void cell.reload()}>
              <RotateCcw /> Reload
            </button>
          </div>
        </div>
      )}
      {status === 'error' && (
        <div className="cell__notice">
          <div className="alert alert--error" role="alert">
            <div className="alert__body">Not saved: {error}</div>
            <button type="button" className="btn btn--sm" onClick={() => void cell.save()}>
              Retry
            </button>
          </div>
        </div>
      )}

      {(running || execution || runError != null) && (
        <div className="cell__output" data-testid="cell-output">
          {running && (
            <div className="cell__output-head">
              <Spinner label="Running" /> {running === 'preview' ? 'Compiling and previewing' : running === 'upstream' ? 'Running with upstream blocks' : 'Running block'}…
            </div>
          )}
          <ErrorAlert error={runError} title="Could not run the block" />
          {execution && !running && (
            <>
              <div className="cell__output-head">
                <StatusBadge status={execution.blockRun?.status ?? 'completed'} />
                <span>{formatDuration(execution.blockRun?.duration_seconds)}</span>
                <Link to={`/runs/${String(execution.runId)}`}>Run #{execution.runId}</Link>
              </div>
              {execution.logs.length > 0 && <LogView lines={execution.logs} />}
              {execution.moreLogs && (
                <div className="cell-muted small" data-testid="more-logs">
                  The log goes on: <Link to={`/runs/${String(execution.runId)}`}>read all of it on the run&apos;s page</Link>.
                </div>
              )}
              {execution.blockRun?.error &&
                (isSql ? (
                  <SqlError error={execution.blockRun.error} />
                ) : (
                  <pre className="log" style={{ padding: '8px 12px', color: 'var(--log-err)', whiteSpace: 'pre-wrap' }}>
                    {execution.blockRun.error}
                  </pre>
                ))}
              {execution.blockRun?.status === 'completed' && <OutputView outputs={execution.outputs} />}
            </>
          )}
        </div>
      )}
    </section>
  );
}
