// A block's code in the editor: read from and autosaved to /pipelines/{uuid}/blocks/{block}/code.
import { api } from '../../api/client';
import { useVersionedText, type VersionedText } from '../../lib/useVersionedText';

export function useCodeCell(pipeline: string, block: string): VersionedText {
  const path = { uuid: pipeline, block };
  return useVersionedText({
    key: `${pipeline}/${block}`,
    autosave: true,
    load: async () => {
      const { data } = await api.GET('/pipelines/{uuid}/blocks/{block}/code', { params: { path } });
      return { content: data?.content ?? '', version: data?.version ?? '' };
    },
    save: async (content, version) => {
      const { data } = await api.PUT('/pipelines/{uuid}/blocks/{block}/code', { params: { path }, body: { content, version } });
      return { version: data?.version ?? version };
    },
  });
}
