/** The current frame of a video as a PNG at its own size: what Take snapshot saves. */
export async function snapshotPng(video: HTMLVideoElement): Promise<Blob | null> {
	const width = video.videoWidth;
	const height = video.videoHeight;
	if (!width || !height) return null;
	const canvas = document.createElement('canvas');
	canvas.width = width;
	canvas.height = height;
	const context = canvas.getContext('2d');
	if (!context) return null;
	context.drawImage(video, 0, 0, width, height);
	return new Promise((resolve) => canvas.toBlob((blob) => resolve(blob), 'image/png'));
}
