// A button that copies a text to the clipboard and says so for a moment.
import { useEffect, useState } from 'react';
import { Check, Copy } from 'lucide-react';

export function CopyButton({ text, label = 'Copy' }: { text: string; label?: string }) {
  const [copied, setCopied] = useState(false);
  useEffect(() => {
    if (!copied) return;
    const t = setTimeout(() => setCopied(false), 1500);
    return () => clearTimeout(t);
  }, [copied]);
  return (
    <button
      type="button"
      className="btn btn--sm"
      onClick={() => {
        const done = () => setCopied(true);
        if (navigator.clipboard && window.isSecureContext) {
          navigator.clipboard.writeText(text).then(done, () => fallbackCopy(text) && done());
        } else if (fallbackCopy(text)) {
          done();
        }
      }}
    >
      {copied ? <Check /> : <Copy />} {copied ? 'Copied' : label}
    </button>
  );
}

/** Copies through a hidden text area where the Clipboard API is not allowed (plain http on another host). */
function fallbackCopy(text: string): boolean {
  const area = document.createElement('textarea');
  area.value = text;
  area.style.position = 'fixed';
  area.style.opacity = '0';
  document.body.appendChild(area);
  area.select();
  try {
    return document.execCommand('copy');
  } catch {
    return false;
  } finally {
    area.remove();
  }
}
