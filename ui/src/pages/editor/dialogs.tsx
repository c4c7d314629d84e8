// The editor's dialogs: add a block, edit a block's parents, rename a block, delete a block.
import { useMemo, useState } from 'react';
import { useBlockTemplates } from '../../api/blocks';
import type { Block } from '../../api/client';
import { useFiles } from '../../api/files';
import { ConfirmDialog, ErrorAlert, Loading, Modal, Spinner } from '../../components/ui';
import { blockType, slugify } from '../../lib/blockTypes';
import { descendantsOf } from '../../lib/dag';

export function ParentsDialog({
  block,
  blocks,
  busy,
  error,
  onSave,
  onClose,
}: {
  block: Block;
  blocks: Block[];
  busy: boolean;
  error: unknown;
  onSave: (parents: string[]) => void;
  onClose: () => void;
}) {
  const [chosen, setChosen] = useState(() => new Set(block.upstream_blocks));
  const below = useMemo(() => descendantsOf(blocks, block.uuid), [blocks, block.uuid]);
  const candidates = blocks.filter((b) => b.uuid !== block.uuid && b.type !== 'markdown');
  return (
    <Modal
      title={`Parent blocks of ${block.uuid}`}
      onClose={onClose}
      footer={
        <>
          <button type="button" className="btn" onClick={onClose}>
            Cancel
          </button>
          <button
            type="button"
            className="btn btn--primary"
            disabled={busy}
            onClick={() => onSave(blocks.map((b) => b.uuid).filter((id) => chosen.has(id)))}
          >
            {busy && <Spinner />} Save parents
          </button>
        </>
      }
    >
      <p className="muted" style={{ margin: 0 }}>
        The block receives its parents' outputs as arguments, in this order.
      </p>
      {candidates.length === 0 && <p className="muted">This pipeline has no other block yet.</p>}
      <div className="choice-list" role="group" aria-label="Parent blocks">
        {candidates.map((b) => {
          const cycle = below.has(b.uuid);
          return (
            <label key={b.uuid} className={`choice${chosen.has(b.uuid) ? ' choice--selected' : ''}`} style={cycle ? { opacity: 0.55 } : undefined}>
              <input
                type="checkbox"
                checked={chosen.has(b.uuid)}
                disabled={cycle}
                onChange={(e) => {
                  const next = new Set(chosen);
                  if (e.target.checked) next.add(b.uuid);
                  else next.delete(b.uuid);
                  setChosen(next);
                }}
              />
              <span className="mono">{b.uuid}</span>
              <small>{cycle ? 'depends on this block' : blockType(b.type).label}</small>
            </label>
          );
        })}
      </div>
      <ErrorAlert error={error} title="Could not change the parents" />
    </Modal>
  );
}

export function RenameBlockDialog({
  block,
  busy,
  error,
  onRename,
  onClose,
}: {
  block: Block;
  busy: boolean;
  error: unknown;
  onRename: (name: string) => void;
  onClose: () => void;
}) {
  const [name, setName] = useState(block.name);
  const uuid = slugify(name);
  return (
    <Modal
      title={`Rename ${block.uuid}`}
      onClose={onClose}
      footer={
        <>
          <button type="button" className="btn" onClick={onClose}>
            Cancel
          </button>
          <button
            type="button"
            className="btn btn--primary"
            disabled={busy || !uuid || name.trim() === block.name}
            onClick={() => onRename(name)}
          >
            {busy && <Spinner />} Rename
          </button>
        </>
      }
    >
      <label className="field">
        <span>New name</span>
        <input
          autoFocus
          value={name}
          onChange={(e) => setName(e.target.value)}
          onKeyDown={(e) => {
            if (e.key === 'Enter' && uuid && !busy) onRename(name);
          }}
          aria-label="New block name"
        />
      </label>
      <p className="muted" style={{ margin: 0 }}>
        Its uuid becomes <span className="mono">{uuid || '…'}</span>; the blocks below it follow, and its file is renamed
        when no other pipeline uses it.
      </p>
      <ErrorAlert error={error} title="Could not rename the block" />
    </Modal>
  );
}

export interface NewBlock {
  name: string;
  type: string;
  language?: string;
  template?: string;
  existing_file?: string;
  upstream_blocks: string[];
}

export function AddBlockDialog({
  type,
  blocks,
  busy,
  error,
  onAdd,
  onClose,
}: {
  type: string;
  blocks: Block[];
  busy: boolean;
  error: unknown;
  onAdd: (block: NewBlock) => void;
  onClose: () => void;
}) {
  const info = blockType(type);
  const templates = useBlockTemplates();
  const files = useFiles();
  const [source, setSource] = useState<'template' | 'file'>('template');
  const [template, setTemplate] = useState<string | null>(null);
  const [file, setFile] = useState<string | null>(null);
  const [name, setName] = useState('');
  const [nameTouched, setNameTouched] = useState(false);
  const last = blocks.filter((b) => b.type !== 'markdown').at(-1);
  const [linkToLast, setLinkToLast] = useState(false);

  const ofType = (templates.data ?? []).filter((t) => t.type === type);
  const chosenTemplate = template ?? ofType[0]?.key ?? null;
  const used = new Set(blocks.map((b) => b.file));
  const pyFiles = useMemo(() => {
    const list = (files.data ?? []).filter((f) => !f.is_dir && f.path.endsWith('.py') && !f.path.endsWith('__init__.py'));
    // The type's own folder first.
    return list.sort((a, b) => {
      const ka = a.path.startsWith(info.folder + '/') ? 0 : 1;
      const kb = b.path.startsWith(info.folder + '/') ? 0 : 1;
      return ka - kb || a.path.localeCompare(b.path);
    });
  }, [files.data, info.folder]);

  const suggested = source === 'file' && file ? slugify(file.split('/').pop()?.replace(/\.py$/, '') ?? '') : '';
  const effectiveName = nameTouched ? name : suggested || name;
  const taken = blocks.some((b) => b.uuid === slugify(effectiveName));
  const valid = !!slugify(effectiveName) && (source === 'template' ? !!chosenTemplate : !!file);

  const submit = () => {
    if (!valid) return;
    const t = ofType.find((x) => x.key === chosenTemplate);
    onAdd({
      name: effectiveName.trim(),
      type,
      language: source === 'template' ? t?.language : 'python',
      template: source === 'template' ? (chosenTemplate ?? undefined) : undefined,
      existing_file: source === 'file' ? (file ?? undefined) : undefined,
      upstream_blocks: linkToLast && last ? [last.uuid] : [],
    });
  };

  return (
    <Modal
      title={`Add a ${info.label.toLowerCase()} block`}
      onClose={onClose}
      wide
      footer={
        <>
          <button type="button" className="btn" onClick={onClose}>
            Cancel
          </button>
          <button type="button" className="btn btn--primary" disabled={busy || !valid} onClick={submit}>
            {busy && <Spinner />} Add block
          </button>
        </>
      }
    >
      <div className="segmented" role="group" aria-label="Source">
        <button type="button" aria-pressed={source === 'template'} onClick={() => setSource('template')}>
          From a template
        </button>
        <button type="button" aria-pressed={source === 'file'} onClick={() => setSource('file')}>
          Existing file
        </button>
      </div>

      {source === 'template' ? (
        <div className="field">
          <span className="field__label">Template</span>
          {templates.isPending && <Loading what="Loading templates" />}
          <ErrorAlert error={templates.error} />
          <div className="choice-list" role="radiogroup" aria-label="Template">
            {ofType.map((t) => (
              <label key={t.key} className={`choice${chosenTemplate === t.key ? ' choice--selected' : ''}`}>
                <input type="radio" name="template" checked={chosenTemplate === t.key} onChange={() => setTemplate(t.key)} />
                <span>{t.label}</span>
                <small>
                  {t.key} · {t.language}
                </small>
              </label>
            ))}
            {templates.data && ofType.length === 0 && <span className="muted">No template for this type.</span>}
          </div>
        </div>
      ) : (
        <div className="field">
          <span className="field__label">File (“Add to current pipeline”)</span>
          {files.isPending && <Loading what="Loading files" />}
          <ErrorAlert error={files.error} />
          <div className="choice-list" role="radiogroup" aria-label="File">
            {pyFiles.map((f) => (
              <label key={f.path} className={`choice${file === f.path ? ' choice--selected' : ''}`}>
                <input type="radio" name="file" checked={file === f.path} onChange={() => setFile(f.path)} />
                <span className="mono">{f.path}</span>
                {used.has(f.path) && <small>already in this pipeline</small>}
              </label>
            ))}
            {files.data && pyFiles.length === 0 && <span className="muted">No Python file in the project.</span>}
          </div>
        </div>
      )}

      <div className="form-grid">
        <div className="field">
          <label htmlFor="new-block-name">Block name</label>
          <input
            id="new-block-name"
            className="input input--mono"
            value={effectiveName}
            placeholder={`e.g. ${type === 'data_loader' ? 'load_titanic' : type === 'transformer' ? 'clean_rows' : 'export_table'}`}
            onChange={(e) => {
              setName(e.target.value);
              setNameTouched(true);
            }}
            onKeyDown={(e) => {
              if (e.key === 'Enter') submit();
            }}
          />
          <span className={taken ? 'field__error' : 'field__hint'}>
            {taken
              ? 'A block of this name is already in the pipeline.'
              : source === 'template'
                ? `A new file ${info.folder}/${slugify(effectiveName) || '…'}.py is written from the template.`
                : 'The block uses the file as it is.'}
          </span>
        </div>
        <div className="field">
          <span className="field__label">Parent</span>
          {last ? (
            <label className="check">
              <input type="checkbox" checked={linkToLast} onChange={(e) => setLinkToLast(e.target.checked)} />
              <span className="check__text">
                <span>
                  Run after <code>{last.uuid}</code>
                </span>
                <small>You can change parents later with “Edit parent blocks” or in the tree.</small>
              </span>
            </label>
          ) : (
            <span className="field__hint">The first block has no parent.</span>
          )}
        </div>
      </div>
      <ErrorAlert error={error} title="Could not add the block" />
    </Modal>
  );
}

export function DeleteBlockDialog({
  block,
  busy,
  error,
  onDelete,
  onClose,
}: {
  block: Block;
  busy: boolean;
  error: unknown;
  onDelete: (deleteFile: boolean) => void;
  onClose: () => void;
}) {
  const [deleteFile, setDeleteFile] = useState(false);
  return (
    <ConfirmDialog
      title={`Delete block ${block.uuid}?`}
      busy={busy}
      error={error}
      confirmLabel="Delete block"
      onConfirm={() => onDelete(deleteFile)}
      onClose={onClose}
    >
      <p style={{ margin: 0 }}>
        The block is removed from this pipeline; its children lose it as a parent.
        {block.downstream_blocks.length > 0 && (
          <>
            {' '}
            Children: <code>{block.downstream_blocks.join(', ')}</code>.
          </>
        )}
      </p>
      <label className="check">
        <input type="checkbox" checked={deleteFile} onChange={(e) => setDeleteFile(e.target.checked)} />
        <span className="check__text">
          <span>
            Also delete the file <code>{block.file}</code>
          </span>
          <small>Keep it if other pipelines use it.</small>
        </span>
      </label>
    </ConfirmDialog>
  );
}
