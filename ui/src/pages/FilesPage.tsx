// The project's files: a tree, an editor with version-checked saving, create, rename and delete.
import { useMemo, useState } from 'react';
import { useSearchParams } from 'react-router';
import { ChevronDown, ChevronRight, File, FilePlus, Folder, FolderPlus, Pencil, Trash2 } from 'lucide-react';
import { useAccess } from '../api/auth';
import type { FileEntry } from '../api/client';
import { useCreateFile, useDeleteFile, useFiles, useRenameFile } from '../api/files';
import { ConfirmDialog, Empty, ErrorAlert, Loading, PromptDialog } from '../components/ui';
import { formatBytes } from '../lib/format';
import { buildTree, parentOf, type TreeNode } from '../lib/fileTree';
import { FileEditor } from './files/FileEditor';

type Dialog = { kind: 'new-file' | 'new-folder'; base: string } | { kind: 'rename'; entry: FileEntry } | { kind: 'delete'; entry: FileEntry };

export default function FilesPage() {
  const [search, setSearch] = useSearchParams();
  const selected = search.get('path') ?? '';
  const files = useFiles();
  const createFile = useCreateFile();
  const renameFile = useRenameFile();
  const deleteFile = useDeleteFile();
  const denied = useAccess().denied('editor', 'Changing files');
  const tree = useMemo(() => buildTree(files.data ?? []), [files.data]);
  const entry = files.data?.find((f) => f.path === selected);
  const [open, setOpen] = useState<Set<string>>(() => {
    const s = new Set<string>();
    let p = parentOf(selected);
    while (p) {
      s.add(p);
      p = parentOf(p);
    }
    return s;
  });
  const [dialog, setDialog] = useState<Dialog | null>(null);
  const [busy, setBusy] = useState(false);
  const [dialogError, setDialogError] = useState<unknown>(null);

  const select = (path: string) => {
    const next = new URLSearchParams(search);
    if (path) next.set('path', path);
    else next.delete('path');
    setSearch(next);
  };

  const run = async (fn: () => Promise<unknown>, after?: () => void) => {
    setBusy(true);
    setDialogError(null);
    try {
      // Each change resolves once the tree has been read again.
      await fn();
      setDialog(null);
      after?.();
    } catch (e) {
      setDialogError(e);
    } finally {
      setBusy(false);
    }
  };

  const openFolders = (path: string) => {
    setOpen((o) => {
      const s = new Set(o);
      let p = parentOf(path);
      while (p) {
        s.add(p);
        p = parentOf(p);
      }
      return s;
    });
  };

  const base = entry ? (entry.is_dir ? entry.path : parentOf(entry.path)) : '';

  const renderNodes = (nodes: TreeNode[], depth: number) =>
    nodes.map((n) => {
      const isOpen = open.has(n.entry.path);
      return (
        <div key={n.entry.path}>
          <button
            type="button"
            className={`tree-item${n.entry.is_dir ? ' tree-item--dir' : ''}${selected === n.entry.path ? ' tree-item--selected' : ''}`}
            style={{ paddingLeft: 8 + depth * 14 }}
            onClick={() => {
              if (n.entry.is_dir) {
                setOpen((o) => {
                  const s = new Set(o);
                  if (s.has(n.entry.path)) s.delete(n.entry.path);
                  else s.add(n.entry.path);
                  return s;
                });
              }
              select(n.entry.path);
            }}
            data-path={n.entry.path}
          >
            {n.entry.is_dir ? (isOpen ? <ChevronDown /> : <ChevronRight />) : <span style={{ width: 15 }} />}
            {n.entry.is_dir ? <Folder /> : <File />}
            <span>{n.name}</span>
            {!n.entry.is_dir && <span className="tree-item__size">{formatBytes(n.entry.size)}</span>}
          </button>
          {n.entry.is_dir && isOpen && renderNodes(n.children, depth + 1)}
        </div>
      );
    });

  return (
    <div className="files">
      <div className="files__tree">
        <div className="files__tree-head">
          <h2 className="grow">Files</h2>
          <button
            type="button"
            className="btn btn--sm btn--icon"
            title={denied ?? 'New file'}
            aria-label="New file"
            disabled={!!denied}
            onClick={() => setDialog({ kind: 'new-file', base })}
          >
            <FilePlus />
          </button>
          <button
            type="button"
            className="btn btn--sm btn--icon"
            title={denied ?? 'New folder'}
            aria-label="New folder"
            disabled={!!denied}
            onClick={() => setDialog({ kind: 'new-folder', base })}
          >
            <FolderPlus />
          </button>
        </div>
        <div className="files__list" data-testid="file-tree">
          <ErrorAlert error={files.error} title="Could not list the files" onRetry={() => void files.refetch()} />
          {files.isPending && <Loading what="Loading files" />}
          {renderNodes(tree, 0)}
        </div>
      </div>

      <div className="files__editor">
        {entry && !entry.is_dir ? (
          <FileEditor
            key={entry.path}
            path={entry.path}
            readOnly={denied}
            onRename={() => setDialog({ kind: 'rename', entry })}
            onDelete={() => setDialog({ kind: 'delete', entry })}
          />
        ) : entry?.is_dir ? (
          <>
            <div className="files__editor-bar">
              <Folder style={{ width: 16, color: 'var(--block-exporter)' }} />
              <span className="files__path">{entry.path}/</span>
              <div className="toolbar__grow" />
              <button type="button" className="btn btn--sm" disabled={!!denied} title={denied ?? undefined} onClick={() => setDialog({ kind: 'rename', entry })}>
                <Pencil /> Rename
              </button>
              <button
                type="button"
                className="btn btn--sm btn--danger"
                disabled={!!denied}
                title={denied ?? undefined}
                onClick={() => setDialog({ kind: 'delete', entry })}
              >
                <Trash2 /> Delete
              </button>
            </div>
            <Empty title="A folder">
              <span>Choose a file in the tree, or create one here with the buttons above the tree.</span>
            </Empty>
          </>
        ) : (
          <Empty title={selected && files.data ? `${selected} does not exist` : 'No file open'}>
            <span>Choose a file in the tree to edit it.</span>
          </Empty>
        )}
      </div>

      {(dialog?.kind === 'new-file' || dialog?.kind === 'new-folder') && (
        <PromptDialog
          title={dialog.kind === 'new-file' ? 'New file' : 'New folder'}
          label="Path in the project"
          initial={dialog.base ? `${dialog.base}/` : ''}
          placeholder={dialog.kind === 'new-file' ? 'data_exporters/export_rows.py' : 'utils/helpers'}
          busy={busy}
          error={dialogError}
          onSubmit={(path) =>
            void run(
              () => createFile.mutateAsync({ path, isDir: dialog.kind === 'new-folder' }),
              () => {
                openFolders(path);
                if (dialog.kind === 'new-folder') setOpen((o) => new Set(o).add(path));
                select(path);
              },
            )
          }
          onClose={() => {
            setDialog(null);
            setDialogError(null);
          }}
        />
      )}
      {dialog?.kind === 'rename' && (
        <PromptDialog
          title={`Rename ${dialog.entry.path}`}
          label="New path"
          initial={dialog.entry.path}
          submitLabel="Rename"
          busy={busy}
          error={dialogError}
          onSubmit={(to) =>
            void run(
              () => renameFile.mutateAsync({ from: dialog.entry.path, to }),
              () => {
                openFolders(to);
                select(to);
              },
            )
          }
          onClose={() => {
            setDialog(null);
            setDialogError(null);
          }}
        />
      )}
      {dialog?.kind === 'delete' && (
        <ConfirmDialog
          title={`Delete ${dialog.entry.path}?`}
          busy={busy}
          error={dialogError}
          onConfirm={() => void run(() => deleteFile.mutateAsync({ path: dialog.entry.path }), () => select(''))}
          onClose={() => {
            setDialog(null);
            setDialogError(null);
          }}
        >
          <p style={{ margin: 0 }}>
            {dialog.entry.is_dir ? 'The folder and everything in it are deleted.' : 'The file is deleted.'} This cannot be undone; a
            pipeline that uses it will report the missing file.
          </p>
        </ConfirmDialog>
      )}
    </div>
  );
}
