// The current time for durations of things still running, ticking every second while `ticking`.
import { useEffect, useState } from 'react';

export function useNow(ticking: boolean, everyMs = 1000): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    if (!ticking) return;
    const t = setInterval(() => setNow(Date.now()), everyMs);
    return () => clearInterval(t);
  }, [ticking, everyMs]);
  return now;
}
