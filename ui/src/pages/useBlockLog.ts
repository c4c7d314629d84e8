// A block run's log: read once when the block is over, or followed live through server-sent events while it runs
// (`line` events {index, time, stream, text}, then one `end` event {status}).
import { useEffect, useLayoutEffect, useRef, useState } from 'react';
import { api, apiUrl, type LogLine } from '../api/client';

export type LogLineWithIndex = LogLine & { index?: number };
export type LogState = 'loading' | 'live' | 'done' | 'error';

interface Log {
  key: string;
  lines: LogLineWithIndex[];
  state: LogState;
  error: unknown;
}

export function useBlockLog(runId: number, block: string | null, live: boolean, onEnd?: () => void) {
  const key = `${String(runId)}/${block ?? ''}`;
  const [log, setLog] = useState<Log>({ key, lines: [], state: live ? 'live' : 'loading', error: null });
  const onEndRef = useRef(onEnd);
  useLayoutEffect(() => {
    onEndRef.current = onEnd;
  });

  useEffect(() => {
    if (!block) return;
    const fresh = (state: LogState): Log => ({ key, lines: [], state, error: null });
    const update = (fn: (l: Log) => Log) => setLog((prev) => fn(prev.key === key ? prev : fresh(live ? 'live' : 'loading')));

    if (live) {
      const seen = new Set<number>();
      update(() => fresh('live'));
      const source = new EventSource(apiUrl(`/runs/${String(runId)}/logs/${encodeURIComponent(block)}/stream`));
      source.addEventListener('line', (ev) => {
        try {
          const line = JSON.parse((ev as MessageEvent<string>).data) as LogLineWithIndex;
          if (line.index != null) {
            if (seen.has(line.index)) return;
            seen.add(line.index);
          }
          update((l) => ({ ...l, lines: [...l.lines, line] }));
        } catch {
          // A malformed event is skipped.
        }
      });
      source.addEventListener('end', () => {
        source.close();
        update((l) => ({ ...l, state: 'done' }));
        onEndRef.current?.();
      });
      source.onerror = () => {
        // The browser reconnects by itself unless the stream is closed for good.
        if (source.readyState === EventSource.CLOSED) {
          update((l) => ({ ...l, state: 'error', error: new Error('The live log stream was closed.') }));
        }
      };
      return () => source.close();
    }

    // A finished block's log is read once. When a followed block ends, this reads the same lines again and shows
    // them in place (the state keeps the streamed lines of the same key meanwhile).
    let cancelled = false;
    api
      .GET('/runs/{id}/logs/{block_uuid}', { params: { path: { id: runId, block_uuid: block } } })
      .then(({ data }) => {
        if (!cancelled) setLog({ key, lines: data?.lines ?? [], state: 'done', error: null });
      })
      .catch((e: unknown) => {
        if (!cancelled) setLog({ key, lines: [], state: 'error', error: e });
      });
    return () => {
      cancelled = true;
    };
  }, [key, runId, block, live]);

  const current = log.key === key ? log : { key, lines: [], state: live ? 'live' : 'loading', error: null };
  return { lines: current.lines, state: current.state, error: current.error };
}
