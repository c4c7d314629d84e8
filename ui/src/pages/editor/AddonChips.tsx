import type { Block } from '../../api/client';

/** The conditionals and callbacks attached to a block (Mage's add-ons), each named with its file. */
export function AddonChips({ block }: { block: Pick<Block, 'conditionals' | 'callbacks'> }) {
  return (
    <>
      {block.conditionals.map((addon) => (
        <span
          key={`if-${addon.uuid}`}
          className="chip"
          title={`Conditional ${addon.file}: this block runs only if its @condition functions return true`}
        >
          if {addon.uuid}
        </span>
      ))}
      {block.callbacks.map((addon) => (
        <span
          key={`then-${addon.uuid}`}
          className="chip"
          title={`Callback ${addon.file}: runs after this block, on success or failure`}
        >
          then {addon.uuid}
        </span>
      ))}
    </>
  );
}
