// A text file the server versions: load it, track edits (saved / unsaved / saving / conflict / error), save it with
// the version that was read (a 409 means it changed on disk meanwhile), and optionally autosave after a pause.
import { useCallback, useEffect, useLayoutEffect, useReducer, useRef, useState } from 'react';
import { ApiError, errorMessage } from '../api/client';
import { initialSaveState, needsSave, saveReducer, type SaveState } from './saveState';

export const AUTOSAVE_DELAY_MS = 1000;

export const CONFLICT_MESSAGE =
  'This file changed on disk since it was opened, so your edit was not saved. Reload to get the newest version (your unsaved edit is lost).';

export interface VersionedTextSource {
  /** Identifies the file; a new key loads again. */
  key: string;
  load: () => Promise<{ content: string; version: string }>;
  save: (content: string, version: string) => Promise<{ version: string }>;
  autosave: boolean;
}

export interface VersionedText {
  state: SaveState;
  loading: boolean;
  loadError: unknown;
  edit: (content: string) => void;
  /** Saves now if needed; resolves true when the server has the editor's text. */
  save: () => Promise<boolean>;
  /** Drops local changes and reads the file again. */
  reload: () => Promise<void>;
}

export function isConflict(error: unknown): boolean {
  return error instanceof ApiError && (error.code === 'file_changed' || error.status === 409);
}

export function useVersionedText(source: VersionedTextSource): VersionedText {
  const [state, dispatch] = useReducer(saveReducer, undefined, () => initialSaveState());
  const [loading, setLoading] = useState(true);
  const [loadError, setLoadError] = useState<unknown>(null);
  const stateRef = useRef(state);
  const sourceRef = useRef(source);
  useLayoutEffect(() => {
    stateRef.current = state;
    sourceRef.current = source;
  });
  const inFlight = useRef<Promise<boolean> | null>(null);
  const { key, autosave } = source;

  const load = useCallback(async () => {
    try {
      const { content, version } = await sourceRef.current.load();
      dispatch({ type: 'loaded', content, version });
      setLoadError(null);
    } catch (e) {
      setLoadError(e);
    } finally {
      setLoading(false);
    }
  }, []);

  const reload = useCallback(async () => {
    setLoading(true);
    await load();
  }, [load]);

  // A new key (another file) loads again; callers usually remount with a React key as well.
  useEffect(() => {
    let cancelled = false;
    sourceRef.current.load().then(
      ({ content, version }) => {
        if (cancelled) return;
        dispatch({ type: 'loaded', content, version });
        setLoadError(null);
        setLoading(false);
      },
      (e: unknown) => {
        if (cancelled) return;
        setLoadError(e);
        setLoading(false);
      },
    );
    return () => {
      cancelled = true;
    };
  }, [key]);

  const saveOnce = useCallback(async (): Promise<boolean> => {
    const s = stateRef.current;
    if (s.status === 'conflict') return false;
    if (s.content === s.savedContent) return true;
    const content = s.content;
    dispatch({ type: 'saveStarted' });
    try {
      const { version } = await sourceRef.current.save(content, s.version);
      dispatch({ type: 'saveSucceeded', content, version });
      return stateRef.current.content === content;
    } catch (e) {
      if (isConflict(e)) dispatch({ type: 'saveConflict', message: CONFLICT_MESSAGE });
      else dispatch({ type: 'saveFailed', message: errorMessage(e) });
      return false;
    }
  }, []);

  const save = useCallback(async (): Promise<boolean> => {
    // One save at a time; a save asked for meanwhile runs after it with the newest text.
    while (inFlight.current) await inFlight.current;
    const p = saveOnce();
    inFlight.current = p;
    try {
      return await p;
    } finally {
      inFlight.current = null;
    }
  }, [saveOnce]);

  const edit = useCallback((content: string) => dispatch({ type: 'edited', content }), []);

  useEffect(() => {
    if (!autosave || !needsSave(state)) return;
    const t = setTimeout(() => void save(), AUTOSAVE_DELAY_MS);
    return () => clearTimeout(t);
  }, [autosave, state, save]);

  return { state, loading, loadError, edit, save, reload };
}
