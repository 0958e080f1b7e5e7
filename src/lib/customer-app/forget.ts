/**
 * "Remove customer app at end": everything Ponte stored in this browser goes. IndexedDB (the
 * idb-keyval stores of the customer app and any other Ponte database, including the device
 * identity for unattended access), Cache Storage (the app shell), Web Storage and the service
 * worker registration. Each part is attempted even if another fails; the result says what
 * could not be removed.
 */
export interface ForgetResult {
	ok: boolean;
	failed: string[];
}

async function deleteDatabase(name: string): Promise<void> {
	await new Promise<void>((resolve, reject) => {
		const request = indexedDB.deleteDatabase(name);
		request.onsuccess = () => resolve();
		request.onerror = () => reject(request.error);
		// Another tab holding the database open: the deletion completes once it closes.
		request.onblocked = () => resolve();
	});
}

export async function forgetCustomerApp(): Promise<ForgetResult> {
	const failed: string[] = [];
	const attempt = async (what: string, work: () => Promise<unknown>) => {
		try {
			await work();
		} catch {
			failed.push(what);
		}
	};
	// The worker still controls this page until it closes: tell it to stop caching first.
	navigator.serviceWorker?.controller?.postMessage({ type: 'forget' });
	await attempt('IndexedDB', async () => {
		if (!('indexedDB' in globalThis)) return;
		// Every database of this origin is Ponte's: the origin serves nothing else.
		const databases = (await indexedDB.databases?.()) ?? [];
		for (const db of databases) if (db.name) await deleteDatabase(db.name);
	});
	await attempt('Cache Storage', async () => {
		if (!('caches' in globalThis)) return;
		for (const key of await caches.keys()) await caches.delete(key);
	});
	await attempt('Web Storage', async () => {
		localStorage.clear();
		sessionStorage.clear();
	});
	await attempt('service worker', async () => {
		if (!('serviceWorker' in navigator)) return;
		for (const registration of await navigator.serviceWorker.getRegistrations()) {
			await registration.unregister();
		}
	});
	return { ok: failed.length === 0, failed };
}
