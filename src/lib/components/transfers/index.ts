export { FileTransfersState } from './file-transfers.svelte';
export { default as IncomingFileDialog } from './IncomingFileDialog.svelte';
export { default as SendFileButton } from './SendFileButton.svelte';
export { default as TransfersPanel } from './TransfersPanel.svelte';
export { formatBytes, formatDuration, formatSpeed } from './format';
export { transferErrorText, transferStateText } from './transfer-text';
