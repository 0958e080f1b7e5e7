import type { RequestHandler } from './$types';
import { m } from '$lib/paraglide/messages';
import { getLocale } from '$lib/paraglide/runtime';

/**
 * The web app manifest, in the request's language (cookie, then Accept-Language): the name a
 * customer sees when installing the app, its description, and `lang`.
 */
export const GET: RequestHandler = () => {
	const manifest = {
		name: 'Ponte',
		short_name: 'Ponte',
		description: m.manifest_description(),
		lang: getLocale(),
		id: '/',
		start_url: '/',
		scope: '/',
		display: 'standalone',
		background_color: '#eef6ff',
		theme_color: '#1f57c4',
		icons: [
			{ src: '/icon-192.png', sizes: '192x192', type: 'image/png', purpose: 'any' },
			{ src: '/icon-512.png', sizes: '512x512', type: 'image/png', purpose: 'any' },
			{ src: '/icon-maskable-512.png', sizes: '512x512', type: 'image/png', purpose: 'maskable' }
		]
	};
	return new Response(JSON.stringify(manifest), {
		headers: {
			'content-type': 'application/manifest+json; charset=utf-8',
			// Its language follows the cookie and the browser's languages.
			vary: 'Accept-Language, Cookie',
			'cache-control': 'no-cache'
		}
	});
};
