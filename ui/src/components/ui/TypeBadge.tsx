// The coloured badge of a block type (data loader, transformer...).
import { blockType } from '../../lib/blockTypes';

export function TypeBadge({ type }: { type: string }) {
  const info = blockType(type);
  return (
    <span className="type-badge" style={{ background: info.color }}>
      {info.label}
    </span>
  );
}
