// A block run's log: read page by page when the block is over (the first pages at once, the rest on demand), or
// followed live through server-sent events while it runs (`line` events {index, time, stream, text}, then one `end`
// event {status}).
import { useEffect, useLayoutEffect, useRef, useState } from 'react';
import { apiUrl, type LogLine } from '../api/client';
import { readLogPage } from '../api/runs';

export type LogLineWithIndex = LogLine & { index?: number };
export type LogState = 'loading' | 'live' | 'done' | 'error';

interface Log {
  key: string;
  lines: LogLineWithIndex[];
  state: LogState;
  error: unknown;
  /** Where the rest of a finished log starts, when there is more than was read. */
  next: number | null;
}

/** Lines per page read from the server (its own bound is 10,000 lines or about 1 MiB). */
const PAGE_LINES = 2000;
/** Lines read at once before the reader asks for more, so a huge log does not flood the page. */
const BATCH_LINES = 10000;

/** Reads pages from `cursor` until the log ends or about `BATCH_LINES` lines are in. */
async function readPages(runId: number, block: string, cursor: number) {
  const lines: LogLine[] = [];
  let next: number | null = cursor;
  while (next != null && lines.length < BATCH_LINES) {
    const data = await readLogPage(runId, block, next, PAGE_LINES);
    if (!data) break;
    lines.push(...data.lines);
    next = data.more ? data.next_cursor : null;
  }
  return { lines, next };
}

export function useBlockLog(runId: number, block: string | null, live: boolean, onEnd?: () => void) {
  const key = `${String(runId)}/${block ?? ''}`;
  const [log, setLog] = useState<Log>({ key, lines: [], state: live ? 'live' : 'loading', error: null, next: null });
  const onEndRef = useRef(onEnd);
  useLayoutEffect(() => {
    onEndRef.current = onEnd;
  });

  useEffect(() => {
    if (!block) return;
    const fresh = (state: LogState): Log => ({ key, lines: [], state, error: null, next: null });
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
    readPages(runId, block, 0)
      .then(({ lines, next }) => {
        if (!cancelled) setLog({ key, lines, state: 'done', error: null, next });
      })
      .catch((e: unknown) => {
        if (!cancelled) setLog({ key, lines: [], state: 'error', error: e, next: null });
      });
    return () => {
      cancelled = true;
    };
  }, [key, runId, block, live]);

  const [loadingMore, setLoadingMore] = useState(false);
  const current: Log = log.key === key ? log : { key, lines: [], state: live ? 'live' : 'loading', error: null, next: null };
  const cursor = current.next;
  const loadMore =
    cursor != null && block
      ? () => {
          setLoadingMore(true);
          readPages(runId, block, cursor)
            .then(({ lines, next }) => {
              setLog((prev) => (prev.key === key ? { ...prev, lines: [...prev.lines, ...lines], next } : prev));
            })
            .catch((e: unknown) => {
              setLog((prev) => (prev.key === key ? { ...prev, error: e } : prev));
            })
            .finally(() => {
              setLoadingMore(false);
            });
        }
      : null;
  return { lines: current.lines, state: current.state, error: current.error, loadMore, loadingMore };
}
