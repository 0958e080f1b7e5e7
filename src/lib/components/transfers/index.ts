export { FileTransfersState } from './file-transfers.svelte';
export { default as IncomingFileDialog } from './IncomingFileDialog.svelte';
export { default as SendFileButton } from './SendFileButton.svelte';
export { default as TransfersPanel } from './TransfersPanel.svelte';
export { formatBytes, formatTimeLeft, formatSpeed } from '$lib/format';
export { transferErrorText, transferStateText } from './transfer-text';
