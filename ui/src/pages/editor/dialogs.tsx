// The editor's dialogs, one file each: add a block (a dbt model has its own), edit a block's parents, rename a block, delete a block.
export { AddBlockDialog, type NewBlock } from './AddBlockDialog';
export { AddDbtModelDialog } from './AddDbtModelDialog';
export { DeleteBlockDialog } from './DeleteBlockDialog';
export { ParentsDialog } from './ParentsDialog';
export { RenameBlockDialog } from './RenameBlockDialog';
