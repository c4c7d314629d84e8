import { describe, expect, it } from 'vitest';
import { initialSaveState, needsSave, saveLabel, saveReducer, type SaveAction, type SaveState } from './saveState';

function run(state: SaveState, ...actions: SaveAction[]): SaveState {
  return actions.reduce(saveReducer, state);
}

describe('the save state of an editor cell', () => {
  const loaded = run(initialSaveState(), { type: 'loaded', content: 'a = 1', version: 'v1' });

  it('starts saved with the version it read', () => {
    expect(loaded.status).toBe('saved');
    expect(loaded.version).toBe('v1');
    expect(needsSave(loaded)).toBe(false);
  });

  it('goes unsaved → saving → saved, keeping the new version', () => {
    const edited = run(loaded, { type: 'edited', content: 'a = 2' });
    expect(edited.status).toBe('unsaved');
    expect(needsSave(edited)).toBe(true);
    const saving = run(edited, { type: 'saveStarted' });
    expect(saving.status).toBe('saving');
    expect(saving.inFlight).toBe('a = 2');
    expect(needsSave(saving)).toBe(false);
    const saved = run(saving, { type: 'saveSucceeded', content: 'a = 2', version: 'v2' });
    expect(saved).toMatchObject({ status: 'saved', version: 'v2', savedContent: 'a = 2', inFlight: null });
    expect(saveLabel(saved.status)).toBe('Saved');
  });

  it('typing back to the saved text is saved again, without a request', () => {
    const back = run(loaded, { type: 'edited', content: 'a = 2' }, { type: 'edited', content: 'a = 1' });
    expect(back.status).toBe('saved');
    expect(needsSave(back)).toBe(false);
  });

  it('stays unsaved when the user typed while a save was in flight', () => {
    const s = run(
      loaded,
      { type: 'edited', content: 'a = 2' },
      { type: 'saveStarted' },
      { type: 'edited', content: 'a = 3' },
      { type: 'saveSucceeded', content: 'a = 2', version: 'v2' },
    );
    expect(s.status).toBe('unsaved');
    expect(s.version).toBe('v2');
    expect(s.content).toBe('a = 3');
    expect(needsSave(s)).toBe(true);
  });

  it('a 409 is a conflict that no edit or autosave leaves; loading again resolves it', () => {
    const conflict = run(
      loaded,
      { type: 'edited', content: 'a = 2' },
      { type: 'saveStarted' },
      { type: 'saveConflict', message: 'changed on disk' },
    );
    expect(conflict.status).toBe('conflict');
    expect(conflict.error).toBe('changed on disk');
    const typed = run(conflict, { type: 'edited', content: 'a = 5' }, { type: 'saveStarted' });
    expect(typed.status).toBe('conflict');
    expect(needsSave(typed)).toBe(false);
    const reloaded = run(typed, { type: 'loaded', content: 'a = 9', version: 'v7' });
    expect(reloaded).toMatchObject({ status: 'saved', content: 'a = 9', version: 'v7', error: null });
  });

  it('a failed save waits for the next edit before trying again', () => {
    const failed = run(loaded, { type: 'edited', content: 'x' }, { type: 'saveStarted' }, { type: 'saveFailed', message: 'disk full' });
    expect(failed.status).toBe('error');
    expect(needsSave(failed)).toBe(false);
    const again = run(failed, { type: 'edited', content: 'xy' });
    expect(again.status).toBe('unsaved');
    expect(needsSave(again)).toBe(true);
  });
});
