// The open file of the Files page: its text in the code editor, saved (Save or Ctrl+S) over the version it was read
// at; a file changed on disk meanwhile is a conflict resolved by Reload. Read only for a role that may not change
// files.
import { File, Pencil, RotateCcw, Save, Trash2 } from 'lucide-react';
import { readFile, useWriteFile } from '../../api/files';
import { CodeEditor } from '../../components/CodeEditor';
import { ErrorAlert, Spinner } from '../../components/ui';
import { languageOfPath } from '../../lib/blockTypes';
import { saveLabel } from '../../lib/saveState';
import { useVersionedText } from '../../lib/useVersionedText';

export function FileEditor({
  path,
  readOnly,
  onRename,
  onDelete,
}: {
  path: string;
  /** Why the user may not change the file (its role); null when it may. */
  readOnly: string | null;
  onRename: () => void;
  onDelete: () => void;
}) {
  const write = useWriteFile();
  const file = useVersionedText({
    key: path,
    autosave: false,
    load: () => readFile(path),
    save: (content, version) => write.mutateAsync({ path, content, version }),
  });
  const { status, error } = file.state;
  const dirty = file.state.content !== file.state.savedContent;
  return (
    <>
      <div className="files__editor-bar">
        <File style={{ width: 16, color: 'var(--text-faint)' }} />
        <span className="files__path" data-testid="open-file">
          {path}
        </span>
        <span className={`save-state save-state--${status}`} data-testid="file-save-state">
          {status === 'saving' && <Spinner label="Saving" />}
          {file.loading ? 'Loading…' : saveLabel(status)}
        </span>
        <div className="toolbar__grow" />
        {readOnly && <span className="muted small">Read only: {readOnly}</span>}
        <button
          type="button"
          className="btn btn--sm btn--primary"
          disabled={!dirty || status === 'saving' || status === 'conflict' || !!readOnly}
          onClick={() => void file.save()}
          title={readOnly ?? 'Save (Ctrl+S)'}
        >
          <Save /> Save
        </button>
        <button type="button" className="btn btn--sm" onClick={onRename} disabled={!!readOnly} title={readOnly ?? undefined}>
          <Pencil /> Rename
        </button>
        <button type="button" className="btn btn--sm btn--danger" onClick={onDelete} disabled={!!readOnly} title={readOnly ?? undefined}>
          <Trash2 /> Delete
        </button>
      </div>
      {status === 'conflict' && (
        <div style={{ padding: '10px 16px 0' }}>
          <div className="alert alert--warning" role="alert" data-testid="conflict">
            <div className="alert__body">{error}</div>
            <button type="button" className="btn btn--sm" onClick={() => void file.reload()}>
              <RotateCcw /> Reload
            </button>
          </div>
        </div>
      )}
      {status === 'error' && (
        <div style={{ padding: '10px 16px 0' }}>
          <ErrorAlert error={new Error(error ?? 'Not saved')} title="Not saved" onRetry={() => void file.save()} />
        </div>
      )}
      {file.loadError ? (
        <div style={{ padding: 16 }}>
          <ErrorAlert error={file.loadError} title={`Could not open ${path}`} onRetry={() => void file.reload()} />
        </div>
      ) : (
        <div className="files__code">
          <CodeEditor
            value={file.state.content}
            language={languageOfPath(path)}
            onChange={file.edit}
            onSave={() => void file.save()}
            readOnly={file.loading || !!readOnly}
            fill
            label={`Contents of ${path}`}
          />
        </div>
      )}
    </>
  );
}
