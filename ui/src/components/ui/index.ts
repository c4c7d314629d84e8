// The small building blocks the pages share, one file each: badges, alerts, spinners, menus, dialogs.
export { Alert } from './Alert';
export { ConfirmDialog } from './ConfirmDialog';
export { CopyButton } from './CopyButton';
export { DialogActions, DoneAction } from './DialogActions';
export { Empty } from './Empty';
export { ErrorAlert } from './ErrorAlert';
export { KeyValueEditor } from './KeyValueEditor';
export { Loading } from './Loading';
export { Menu, type MenuItem } from './Menu';
export { Modal } from './Modal';
export { Pager } from './Pager';
export { PromptDialog } from './PromptDialog';
export { Spinner } from './Spinner';
export { StatusBadge } from './StatusBadge';
export { TypeBadge } from './TypeBadge';
