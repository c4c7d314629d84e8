// The save state of one editor cell: what the user typed versus what the server has.
//
//   saved ──edit──▶ unsaved ──save──▶ saving ──ok──▶ saved (or unsaved if typed meanwhile)
//                                        └──409──▶ conflict ──reload──▶ saved
//                                        └──error──▶ error (retry on next edit)

export type SaveStatus = 'saved' | 'unsaved' | 'saving' | 'conflict' | 'error';

export interface SaveState {
  status: SaveStatus;
  /** The text in the editor. */
  content: string;
  /** The text the server has at `version`. */
  savedContent: string;
  /** The version read from or returned by the server; sent back with each save. */
  version: string;
  /** The content being saved, while `saving`. */
  inFlight: string | null;
  error: string | null;
}

export type SaveAction =
  | { type: 'loaded'; content: string; version: string }
  | { type: 'edited'; content: string }
  | { type: 'saveStarted' }
  | { type: 'saveSucceeded'; content: string; version: string }
  | { type: 'saveConflict'; message: string }
  | { type: 'saveFailed'; message: string };

export function initialSaveState(content = '', version = ''): SaveState {
  return { status: 'saved', content, savedContent: content, version, inFlight: null, error: null };
}

export function saveReducer(state: SaveState, action: SaveAction): SaveState {
  switch (action.type) {
    case 'loaded':
      return initialSaveState(action.content, action.version);
    case 'edited': {
      if (action.content === state.content) return state;
      if (state.status === 'conflict') return { ...state, content: action.content };
      if (state.status === 'saving') return { ...state, content: action.content };
      const status: SaveStatus = action.content === state.savedContent ? 'saved' : 'unsaved';
      return { ...state, content: action.content, status, error: null };
    }
    case 'saveStarted':
      if (state.status === 'conflict') return state;
      return { ...state, status: 'saving', inFlight: state.content, error: null };
    case 'saveSucceeded': {
      const status: SaveStatus = state.content === action.content ? 'saved' : 'unsaved';
      return { ...state, status, savedContent: action.content, version: action.version, inFlight: null, error: null };
    }
    case 'saveConflict':
      return { ...state, status: 'conflict', inFlight: null, error: action.message };
    case 'saveFailed':
      return { ...state, status: 'error', inFlight: null, error: action.message };
  }
}

/** Whether an autosave should start now (a failed save waits for the next edit or an explicit retry). */
export function needsSave(state: SaveState): boolean {
  return state.status === 'unsaved' && state.content !== state.savedContent;
}

export function saveLabel(status: SaveStatus): string {
  switch (status) {
    case 'saved':
      return 'Saved';
    case 'unsaved':
      return 'Unsaved';
    case 'saving':
      return 'Saving…';
    case 'conflict':
      return 'Changed on disk';
    case 'error':
      return 'Not saved';
  }
}
