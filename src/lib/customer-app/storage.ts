import { get, promisifyRequest, set, type UseStore } from 'idb-keyval';

/**
 * Everything the customer app keeps in this browser lives in one IndexedDB database, so
 * "remove the customer app" knows what to delete.
 */
export const CUSTOMER_DB = 'ponte-customer';
const APP_STORE = 'app';

/**
 * Like idb-keyval's createStore, but the connection closes when someone deletes or upgrades the
 * database: otherwise this page's open connection would block "remove the customer app" until
 * the tab closes.
 */
export function yieldingStore(dbName: string, storeName: string): UseStore {
	let connection: Promise<IDBDatabase> | undefined;
	const open = () => {
		if (connection) return connection;
		const request = indexedDB.open(dbName);
		request.onupgradeneeded = () => request.result.createObjectStore(storeName);
		connection = promisifyRequest(request).then(
			(db) => {
				db.onversionchange = () => {
					db.close();
					connection = undefined;
				};
				db.onclose = () => (connection = undefined);
				return db;
			},
			(error) => {
				connection = undefined;
				throw error;
			}
		);
		return connection;
	};
	return (mode, callback) =>
		open().then((db) => callback(db.transaction(storeName, mode).objectStore(storeName)));
}

let store: UseStore | null = null;
export function appStore(): UseStore {
	store ??= yieldingStore(CUSTOMER_DB, APP_STORE);
	return store;
}

const NAME_KEY = 'customer-name';

export async function rememberCustomerName(name: string): Promise<void> {
	await set(NAME_KEY, name.trim(), appStore());
}

export async function rememberedCustomerName(): Promise<string | null> {
	const name = await get<string>(NAME_KEY, appStore());
	return typeof name === 'string' && name ? name : null;
}
