// The project and its server: name and folders, health, project settings (metadata.yaml), and the Python
// environment blocks run with, including installing requirements.txt with its output streamed.
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { $api, api, API_PREFIX, apiErrorFrom, type QueryOptions, type Settings } from './client';

export function useProject(options: QueryOptions = {}) {
  return $api.useQuery('get', '/project', {}, options);
}

export function useHealth() {
  return $api.useQuery('get', '/health');
}

export function useSettings() {
  return $api.useQuery('get', '/project/settings');
}

export function useUpdateSettings() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: async (settings: Settings) => (await api.PUT('/project/settings', { body: settings })).data,
    onSuccess: (saved) => {
      if (saved) qc.setQueryData($api.queryOptions('get', '/project/settings').queryKey, saved);
    },
  });
}

export function usePython() {
  return $api.useQuery('get', '/python');
}

/** How an install of requirements.txt ended, as its stream's `end` event says. */
export interface InstallResult {
  ok: boolean;
  message: string;
}

/**
 * Installs the project's requirements.txt. The server streams the installer's output as server-sent events (a
 * `data:` line per output line, then an `end` event with the result); each line goes to `onLine` as it arrives.
 * Afterwards, whatever the outcome, the Python environment is read again.
 */
export function useInstallRequirements() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: async ({ onLine }: { onLine: (line: string) => void }): Promise<InstallResult | null> => {
      const response = await fetch(`${API_PREFIX}/python/install`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: '{}',
      });
      if (!response.ok) throw await apiErrorFrom(response);
      if (!response.body) throw new Error('the server sent no output');
      const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
      let result: InstallResult | null = null;
      let buffer = '';
      let event = 'message';
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        buffer += value;
        let newline: number;
        while ((newline = buffer.indexOf('\n')) >= 0) {
          const line = buffer.slice(0, newline);
          buffer = buffer.slice(newline + 1);
          if (line.startsWith('event: ')) event = line.slice(7);
          else if (line.startsWith('data: ')) {
            const data = line.slice(6);
            if (event === 'end') result = JSON.parse(data) as InstallResult;
            else onLine(data);
          }
        }
      }
      return result;
    },
    onSettled: () => void qc.invalidateQueries({ queryKey: ['get', '/python'] }),
  });
}
