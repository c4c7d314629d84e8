// The project's files: the tree, creating, renaming and deleting a file or folder, and a file's versioned text.
// A change waits until the tree is read again, so the page can select what it created.
import { useMutation, useQueryClient, type QueryClient } from '@tanstack/react-query';
import { $api, api } from './client';

function invalidateTree(qc: QueryClient): Promise<void> {
  return qc.invalidateQueries({ queryKey: ['get', '/files'] });
}

export function useFiles() {
  return $api.useQuery('get', '/files');
}

export function useCreateFile() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: async ({ path, isDir }: { path: string; isDir: boolean }) =>
      (await api.POST('/files', { body: { path, is_dir: isDir, content: isDir ? null : '' } })).data,
    onSuccess: () => invalidateTree(qc),
  });
}

export function useRenameFile() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: async ({ from, to }: { from: string; to: string }) => (await api.POST('/files/rename', { body: { from, to } })).data,
    onSuccess: () => invalidateTree(qc),
  });
}

export function useDeleteFile() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: async ({ path }: { path: string }) => (await api.DELETE('/files', { params: { query: { path } } })).data,
    onSuccess: () => invalidateTree(qc),
  });
}

/**
 * A file's text and the version it was read at. The editor's save state machine (lib/useVersionedText.ts) owns
 * reading and saving the text, so this is a plain call and the write below a mutation it calls.
 */
export async function readFile(path: string): Promise<{ content: string; version: string }> {
  const { data } = await api.GET('/files/content', { params: { query: { path } } });
  return { content: data?.content ?? '', version: data?.version ?? '' };
}

/** Saves a file over the version it was read at (a 409 `file_changed` when it changed on disk meanwhile). */
export function useWriteFile() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: async ({ path, content, version }: { path: string; content: string; version: string }) => {
      const { data } = await api.PUT('/files/content', { body: { path, content, version } });
      return { version: data?.version ?? version };
    },
    // The tree shows sizes; it is read again in the background.
    onSuccess: () => void invalidateTree(qc),
  });
}
