// Brings a section of the Settings page into view when the address names it (`/settings#tokens` from the user menu).
import { useEffect, useRef } from 'react';
import { useLocation } from 'react-router';

export function useScrollToHash<T extends HTMLElement = HTMLDivElement>(id: string) {
  const ref = useRef<T>(null);
  const { hash } = useLocation();
  useEffect(() => {
    if (hash === `#${id}`) ref.current?.scrollIntoView({ block: 'start' });
  }, [hash, id]);
  return ref;
}
