// Newer / Older buttons for a list read a page at a time through a keyset cursor, with the page's number.
import { ChevronLeft, ChevronRight } from 'lucide-react';

export function Pager({ number, onNewer, onOlder, hasOlder }: { number: number; onNewer: () => void; onOlder: () => void; hasOlder: boolean }) {
  return (
    <div className="pager">
      <span data-testid="page-number">Page {number}</span>
      <button type="button" className="btn btn--sm" onClick={onNewer} disabled={number === 1}>
        <ChevronLeft /> Newer
      </button>
      <button type="button" className="btn btn--sm" onClick={onOlder} disabled={!hasOlder}>
        Older <ChevronRight />
      </button>
    </div>
  );
}
