export { AgentRecording, type RecordingTrouble } from './agent-recording.svelte';
export { default as RecordingIndicator } from './RecordingIndicator.svelte';
export { default as RecordingNotice } from './RecordingNotice.svelte';
export { default as RecordingTroubleAlert } from './RecordingTroubleAlert.svelte';
