// A pipeline's blocks: block templates, adding, changing (name, parents, position) and removing a block, its code,
// and executing it from the editor. A change answers with the pipeline's new detail, which goes into the cache.
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { $api, api, type Schemas } from './client';
import { storePipelineDetail } from './pipelines';
import { invalidateRunList } from './runs';

export type NewBlockInput = Schemas['NewBlockInput'];
export type BlockUpdate = Schemas['BlockUpdate'];

export function useBlockTemplates() {
  return $api.useQuery('get', '/block_templates', {}, { staleTime: 300_000 });
}

export function useAddBlock(uuid: string) {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: async (block: NewBlockInput) => (await api.POST('/pipelines/{uuid}/blocks', { params: { path: { uuid } }, body: block })).data,
    onSuccess: (detail) => storePipelineDetail(qc, uuid, detail),
  });
}

export function useUpdateBlock(uuid: string) {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: async ({ block, change }: { block: string; change: BlockUpdate }) =>
      (await api.PUT('/pipelines/{uuid}/blocks/{block}', { params: { path: { uuid, block } }, body: change })).data,
    onSuccess: (detail) => storePipelineDetail(qc, uuid, detail),
  });
}

/** Attaches a conditional or callback to a block: a new one (`type`, `name`) or one the pipeline has (`addon`). */
export function useAttachAddon(uuid: string) {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: async ({ block, input }: { block: string; input: Schemas['AddonInput'] }) =>
      (await api.POST('/pipelines/{uuid}/blocks/{block}/addons', { params: { path: { uuid, block } }, body: input })).data,
    onSuccess: (detail) => storePipelineDetail(qc, uuid, detail),
  });
}

/** Detaches a conditional or callback from a block (attached to none, it leaves the pipeline; its file stays). */
export function useDetachAddon(uuid: string) {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: async ({ block, addon }: { block: string; addon: string }) =>
      (await api.DELETE('/pipelines/{uuid}/blocks/{block}/addons/{addon}', { params: { path: { uuid, block, addon } } })).data,
    onSuccess: (detail) => storePipelineDetail(qc, uuid, detail),
  });
}

export function useDeleteBlock(uuid: string) {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: async ({ block, deleteFile }: { block: string; deleteFile: boolean }) =>
      (
        await api.DELETE('/pipelines/{uuid}/blocks/{block}', {
          params: { path: { uuid, block }, query: { delete_file: deleteFile } },
        })
      ).data,
    onSuccess: (detail) => storePipelineDetail(qc, uuid, detail),
  });
}

/** Runs a block (and, if asked, its ancestors) now; the answer holds the run, its block runs, logs and outputs. */
export function useExecuteBlock(uuid: string, block: string) {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: async ({ withUpstream, variables }: { withUpstream: boolean; variables?: Record<string, unknown> }) =>
      (
        await api.POST('/pipelines/{uuid}/blocks/{block}/execute', {
          params: { path: { uuid, block } },
          body: { with_upstream: withUpstream, ...(variables ? { variables } : {}) },
        })
      ).data,
    onSuccess: () => void invalidateRunList(qc),
  });
}

/**
 * A block's code and the version it was read at. The editor's save state machine (lib/useVersionedText.ts) owns
 * reading and saving the text, so this is a plain call and the write below a mutation it calls.
 */
export async function readBlockCode(uuid: string, block: string): Promise<{ content: string; version: string }> {
  const { data } = await api.GET('/pipelines/{uuid}/blocks/{block}/code', { params: { path: { uuid, block } } });
  return { content: data?.content ?? '', version: data?.version ?? '' };
}

/** Saves a block's code over the version it was read at (a 409 `file_changed` when it changed on disk meanwhile). */
export function useWriteBlockCode(uuid: string, block: string) {
  return useMutation({
    mutationFn: async ({ content, version }: { content: string; version: string }) => {
      const { data } = await api.PUT('/pipelines/{uuid}/blocks/{block}/code', { params: { path: { uuid, block } }, body: { content, version } });
      return { version: data?.version ?? version };
    },
  });
}
