// CodeMirror 6 in React: a controlled editor whose colours follow the theme's CSS variables.
import { useEffect, useLayoutEffect, useRef } from 'react';
import { basicSetup } from 'codemirror';
import { EditorState, Compartment, Prec, type Extension } from '@codemirror/state';
import { EditorView, keymap } from '@codemirror/view';
import { indentWithTab } from '@codemirror/commands';
import { HighlightStyle, syntaxHighlighting } from '@codemirror/language';
import { tags as t } from '@lezer/highlight';
import { python } from '@codemirror/lang-python';
import { sql } from '@codemirror/lang-sql';
import { jinja } from '@codemirror/lang-jinja';
import { yaml } from '@codemirror/lang-yaml';
import { markdown } from '@codemirror/lang-markdown';
import { json } from '@codemirror/lang-json';
import type { CompletionContext, CompletionResult } from '@codemirror/autocomplete';

const highlight = HighlightStyle.define([
  { tag: [t.keyword, t.controlKeyword, t.operatorKeyword, t.definitionKeyword, t.moduleKeyword], color: 'var(--syn-keyword)' },
  { tag: [t.string, t.special(t.string), t.regexp], color: 'var(--syn-string)' },
  { tag: [t.number, t.bool, t.null, t.atom], color: 'var(--syn-number)' },
  { tag: [t.comment, t.lineComment, t.blockComment, t.docComment], color: 'var(--syn-comment)', fontStyle: 'italic' },
  { tag: [t.function(t.definition(t.variableName)), t.function(t.variableName), t.definition(t.className)], color: 'var(--syn-def)' },
  { tag: [t.className, t.typeName, t.namespace], color: 'var(--syn-type)' },
  { tag: [t.meta, t.annotation, t.processingInstruction], color: 'var(--syn-decorator)' },
  { tag: [t.operator, t.punctuation], color: 'var(--syn-operator)' },
  { tag: [t.propertyName], color: 'var(--syn-def)' },
  { tag: t.heading, fontWeight: '700', color: 'var(--syn-def)' },
  { tag: t.emphasis, fontStyle: 'italic' },
  { tag: t.strong, fontWeight: '700' },
  { tag: t.link, color: 'var(--syn-string)', textDecoration: 'underline' },
  { tag: t.invalid, color: 'var(--danger)' },
]);

/** A name the editor offers to complete, beside the language's own (a SQL cell's `df_1`, its parents' uuids). */
export interface Completion {
  label: string;
  detail?: string;
}

/** Completes `names` on the word before the cursor, wherever it is (inside `{{ … }}` too). */
function completeNames(names: readonly Completion[]) {
  return (context: CompletionContext): CompletionResult | null => {
    const word = context.matchBefore(/\w+/);
    if (!word && !context.explicit) return null;
    return {
      from: word ? word.from : context.pos,
      options: names.map((n) => ({ label: n.label, detail: n.detail, type: 'variable', boost: 10 })),
      validFor: /^\w*$/,
    };
  };
}

function languageExtension(language: string, completions: readonly Completion[] = []): Extension {
  switch (language) {
    case 'python':
      return python();
    case 'sql': {
      if (completions.length === 0) return sql();
      // One source for the editor's life: the completion machinery tells its own results apart by the source.
      const data = [{ autocomplete: completeNames(completions) }];
      return [sql(), EditorState.languageData.of(() => data)];
    }
    case 'jinja-sql':
      // SQL with Jinja tags (Mage's SQL blocks, dbt models): the names are offered inside `{{ }}`.
      return jinja({ base: sql(), variables: completions.map((c) => ({ label: c.label, detail: c.detail, type: 'variable', boost: 10 })) });
    case 'yaml':
      return yaml();
    case 'markdown':
      return markdown();
    case 'json':
      return json();
    default:
      return [];
  }
}

export interface CodeEditorProps {
  value: string;
  language: string;
  onChange?: (value: string) => void;
  /** Shift+Enter. */
  onRun?: () => void;
  /** Mod+S. */
  onSave?: () => void;
  onFocus?: () => void;
  readOnly?: boolean;
  /** Grow with the content (cells) or fill the parent (files). */
  fill?: boolean;
  /** Wrap long lines instead of scrolling sideways. */
  wrap?: boolean;
  minLines?: number;
  label?: string;
  /** Names to complete beside the language's own. */
  completions?: readonly Completion[];
}

export function CodeEditor({ value, language, onChange, onRun, onSave, onFocus, readOnly, fill, wrap, label, completions }: CodeEditorProps) {
  const host = useRef<HTMLDivElement>(null);
  const view = useRef<EditorView | null>(null);
  const lang = useRef(new Compartment());
  const ro = useRef(new Compartment());
  // The newest callbacks, read by the extensions made once.
  const handlers = useRef({ onChange, onRun, onSave, onFocus });
  useLayoutEffect(() => {
    handlers.current = { onChange, onRun, onSave, onFocus };
  });

  useEffect(() => {
    if (!host.current) return;
    const keys = Prec.highest(
      keymap.of([
        {
          key: 'Shift-Enter',
          run: () => {
            if (!handlers.current.onRun) return false;
            handlers.current.onRun();
            return true;
          },
        },
        {
          key: 'Mod-s',
          preventDefault: true,
          run: () => {
            handlers.current.onSave?.();
            return true;
          },
        },
      ]),
    );
    const state = EditorState.create({
      doc: value,
      extensions: [
        keys,
        basicSetup,
        keymap.of([indentWithTab]),
        syntaxHighlighting(highlight),
        lang.current.of(languageExtension(language, completions)),
        ro.current.of([EditorState.readOnly.of(!!readOnly), EditorView.editable.of(!readOnly)]),
        EditorView.updateListener.of((u) => {
          if (u.docChanged) handlers.current.onChange?.(u.state.doc.toString());
          if (u.focusChanged && u.view.hasFocus) handlers.current.onFocus?.();
        }),
        EditorView.contentAttributes.of({ 'aria-label': label ?? 'Code' }),
        wrap ? EditorView.lineWrapping : [],
        fill ? EditorView.theme({ '&': { height: '100%' } }) : EditorView.theme({ '.cm-content': { minHeight: '3.2em' } }),
      ],
    });
    const v = new EditorView({ state, parent: host.current });
    view.current = v;
    return () => {
      v.destroy();
      view.current = null;
    };
    // The editor is made once; later props flow in through the effects below.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, []);

  // Completions change as parents do; compare them by content, not by the array's identity.
  const completionKey = JSON.stringify(completions ?? []);
  useEffect(() => {
    view.current?.dispatch({ effects: lang.current.reconfigure(languageExtension(language, JSON.parse(completionKey) as Completion[])) });
  }, [language, completionKey]);

  useEffect(() => {
    view.current?.dispatch({
      effects: ro.current.reconfigure([EditorState.readOnly.of(!!readOnly), EditorView.editable.of(!readOnly)]),
    });
  }, [readOnly]);

  // Outside changes (a reload, another file) replace the text.
  useEffect(() => {
    const v = view.current;
    if (!v) return;
    const current = v.state.doc.toString();
    if (current !== value) {
      v.dispatch({ changes: { from: 0, to: current.length, insert: value } });
    }
  }, [value]);

  return <div className="code-editor" ref={host} data-language={language} style={fill ? { height: '100%' } : undefined} />;
}
