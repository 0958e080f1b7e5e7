export { AgentAnnotation, type ShownPicture } from './agent-annotation.svelte';
export { default as AnnotationNotice } from './AnnotationNotice.svelte';
export { default as AnnotationPicture } from './AnnotationPicture.svelte';
export { default as AnnotationSurface } from './AnnotationSurface.svelte';
export { default as AnnotationTools } from './AnnotationTools.svelte';
export { default as MarksLayer } from './MarksLayer.svelte';
