export { default as RemoteVoices } from './RemoteVoices.svelte';
export { default as VoiceControls } from './VoiceControls.svelte';
