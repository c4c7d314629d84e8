// A block's code in the editor: read from and autosaved to /pipelines/{uuid}/blocks/{block}/code.
import { readBlockCode, useWriteBlockCode } from '../../api/blocks';
import { useVersionedText, type VersionedText } from '../../lib/useVersionedText';

export function useCodeCell(pipeline: string, block: string): VersionedText {
  const write = useWriteBlockCode(pipeline, block);
  return useVersionedText({
    key: `${pipeline}/${block}`,
    autosave: true,
    load: () => readBlockCode(pipeline, block),
    save: (content, version) => write.mutateAsync({ content, version }),
  });
}
