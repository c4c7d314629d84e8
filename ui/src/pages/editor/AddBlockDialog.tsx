// The dialog that adds a block of one type: in Python or SQL (where the type allows SQL), from a template (the
// generic one, or a data source under Mage's groups: Files, APIs, Data lakes, Data warehouses, Databases) or an
// existing file, with a name and its parents.
import { useMemo, useState } from 'react';
import { useBlockTemplates } from '../../api/blocks';
import type { Block, Template } from '../../api/client';
import { useFiles } from '../../api/files';
import { ParentField } from './ParentField';
import { ErrorAlert, Loading, Modal, Spinner } from '../../components/ui';
import { blockType, slugify } from '../../lib/blockTypes';
import { SQL_BLOCK_TYPES } from '../../lib/sqlBlock';

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
  const sqlAllowed = SQL_BLOCK_TYPES.includes(type);
  const [language, setLanguage] = useState<'python' | 'sql'>('python');
  const [source, setSource] = useState<'template' | 'file'>('template');
  const [template, setTemplate] = useState<string | null>(null);
  const [file, setFile] = useState<string | null>(null);
  const [name, setName] = useState('');
  const [nameTouched, setNameTouched] = useState(false);
  const last = blocks.filter((b) => b.type !== 'markdown').at(-1);
  const [linkToLast, setLinkToLast] = useState(false);

  const ofType = (templates.data ?? []).filter((t) => t.type === type && (!sqlAllowed || t.language === language));
  const chosenTemplate = (template && ofType.some((t) => t.key === template) ? template : null) ?? ofType[0]?.key ?? null;
  const sections = templateSections(ofType);
  const extension = type === 'markdown' ? 'md' : language === 'sql' ? 'sql' : 'py';
  const used = new Set(blocks.map((b) => b.file));
  const blockFiles = useMemo(() => {
    const list = (files.data ?? []).filter((f) => !f.is_dir && f.path.endsWith(`.${extension}`) && !f.path.endsWith('__init__.py'));
    // The type's own folder first.
    return list.sort((a, b) => {
      const ka = a.path.startsWith(info.folder + '/') ? 0 : 1;
      const kb = b.path.startsWith(info.folder + '/') ? 0 : 1;
      return ka - kb || a.path.localeCompare(b.path);
    });
  }, [files.data, info.folder, extension]);
  const chosenFile = file && blockFiles.some((f) => f.path === file) ? file : null;

  const suggested = source === 'file' && chosenFile ? slugify(chosenFile.split('/').pop()?.replace(/\.\w+$/, '') ?? '') : '';
  const effectiveName = nameTouched ? name : suggested || name;
  const taken = blocks.some((b) => b.uuid === slugify(effectiveName));
  const valid = !!slugify(effectiveName) && (source === 'template' ? !!chosenTemplate : !!chosenFile);

  const submit = () => {
    if (!valid) return;
    const t = ofType.find((x) => x.key === chosenTemplate);
    onAdd({
      name: effectiveName.trim(),
      type,
      language: source === 'template' ? t?.language : sqlAllowed ? language : type === 'markdown' ? 'markdown' : undefined,
      template: source === 'template' ? (chosenTemplate ?? undefined) : undefined,
      existing_file: source === 'file' ? (chosenFile ?? undefined) : undefined,
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
      {sqlAllowed && (
        <div className="segmented" role="group" aria-label="Language">
          <button type="button" aria-pressed={language === 'python'} onClick={() => setLanguage('python')}>
            Python
          </button>
          <button type="button" aria-pressed={language === 'sql'} onClick={() => setLanguage('sql')}>
            SQL
          </button>
        </div>
      )}
      {sqlAllowed && language === 'sql' && (
        <p className="field__hint">
          The SQL runs on the database of an io_config.yaml profile; <code>{'{{ df_1 }}'}</code> is the first parent&apos;s data. Database,
          profile and write policy are set in the cell.
        </p>
      )}
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
            {sections.map(({ group, items }) => {
              const choices = items.map((t) => (
                <label key={t.key} className={`choice${chosenTemplate === t.key ? ' choice--selected' : ''}`}>
                  <input type="radio" name="template" checked={chosenTemplate === t.key} onChange={() => setTemplate(t.key)} />
                  <span>{t.label}</span>
                  <small>
                    {t.key} · {t.language}
                  </small>
                </label>
              ));
              return group ? (
                <div key={group} className="choice-group" role="group" aria-label={group}>
                  <span className="choice-group__label">{group}</span>
                  <div className="choice-group__items">{choices}</div>
                </div>
              ) : (
                choices
              );
            })}
            {templates.data && ofType.length === 0 && <span className="muted">No template for this type.</span>}
          </div>
        </div>
      ) : (
        <div className="field">
          <span className="field__label">File (“Add to current pipeline”)</span>
          {files.isPending && <Loading what="Loading files" />}
          <ErrorAlert error={files.error} />
          <div className="choice-list" role="radiogroup" aria-label="File">
            {blockFiles.map((f) => (
              <label key={f.path} className={`choice${chosenFile === f.path ? ' choice--selected' : ''}`}>
                <input type="radio" name="file" checked={chosenFile === f.path} onChange={() => setFile(f.path)} />
                <span className="mono">{f.path}</span>
                {used.has(f.path) && <small>already in this pipeline</small>}
              </label>
            ))}
            {files.data && blockFiles.length === 0 && <span className="muted">No .{extension} file in the project.</span>}
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
                ? `A new file ${info.folder}/${slugify(effectiveName) || '…'}.${extension} is written from the template.`
                : 'The block uses the file as it is.'}
          </span>
        </div>
        <ParentField last={last} checked={linkToLast} onChange={setLinkToLast} hint="You can change parents later with “Edit parent blocks” or in the tree." />
      </div>
      <ErrorAlert error={error} title="Could not add the block" />
    </Modal>
  );
}

/** The templates without a group (the generic ones) first, then each group in the order the server lists them. */
function templateSections(templates: Template[]): { group: string | null; items: Template[] }[] {
  const sections: { group: string | null; items: Template[] }[] = [{ group: null, items: [] }];
  for (const t of templates) {
    const group = t.group ?? null;
    const section = sections.find((s) => s.group === group);
    if (section) section.items.push(t);
    else sections.push({ group, items: [t] });
  }
  return sections.filter((s) => s.items.length > 0);
}
