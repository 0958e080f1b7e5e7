/**
 * Reactive view of one FileTransfers core for the transfer components: a snapshot list
 * refreshed on 'change' (at most ~10 times a second while bytes move), plus the actions.
 * Create one per session (never module-level) and pass it to the components.
 */
import { SvelteMap, SvelteSet } from 'svelte/reactivity';
import {
	isActiveState,
	type FileSource,
	type FileTransfers,
	type MemorySink,
	type TransferInfo
} from '$lib/session/files';
import { chooseSaveTarget, downloadFile } from './save-file';
import {
	finishedAnnouncementText,
	offerAnnouncementText,
	rejectionText,
	sendRefusalText
} from './transfer-text';

/**
 * Texts are kept as functions and worded when read: a customer who switches language sees them
 * in the new one, without the session reloading.
 */
type Text = () => string;

const REFRESH_INTERVAL_MS = 100;

export class FileTransfersState {
	readonly #core: FileTransfers;
	#list = $state.raw<readonly TransferInfo[]>([]);
	#canSend = $state(false);
	#notice = $state.raw<Text | null>(null);
	#sendRefusal = $state.raw<Text[] | null>(null);
	#announcement = $state.raw<Text | null>(null);
	#choosingSaveTarget = new SvelteSet<string>();
	/** Files received in memory (no save picker), downloaded once verified. */
	#memorySinks = new SvelteMap<string, MemorySink>();
	#lastRefreshAt = 0;
	#refreshTimer: ReturnType<typeof setTimeout> | null = null;
	#unsubscribe: Array<() => void>;

	/** Offers waiting for this side's Save or Decline, oldest first. */
	readonly incoming = $derived(
		this.#list.filter((t) => t.direction === 'receive' && t.state === 'offered')
	);
	/** Newest first, as the panel lists them. */
	readonly newestFirst = $derived([...this.#list].reverse());

	constructor(core: FileTransfers) {
		this.#core = core;
		this.#unsubscribe = [
			core.on('change', () => this.#scheduleRefresh()),
			core.on('offer', (offer) => {
				this.#refresh();
				this.#announcement = () => offerAnnouncementText(offer);
			}),
			core.on('finished', (transfer) => this.#onFinished(transfer)),
			core.on('rejected', (rejection) => {
				const peerName = core.peerName;
				this.#notice = () => rejectionText(rejection, peerName);
				this.#announcement = this.#notice;
			})
		];
		this.#refresh();
	}

	get list(): readonly TransferInfo[] {
		return this.#list;
	}

	get canSend(): boolean {
		return this.#canSend;
	}

	get maxFileSize(): number {
		return this.#core.features.maxFileSize;
	}

	/** An incoming file refused without asking (settings, size), shown until dismissed. */
	get notice(): string | null {
		return this.#notice?.() ?? null;
	}

	/** Why the files just chosen could not all be offered (too large, not allowed). */
	get sendRefusal(): string | null {
		return this.#sendRefusal?.map((text) => text()).join(' ') ?? null;
	}

	/** Text for a polite live region: offers and finished transfers, for screen readers. */
	get announcement(): string {
		return this.#announcement?.() ?? '';
	}

	isActive(transfer: TransferInfo): boolean {
		return isActiveState(transfer.state);
	}

	/** True while the save picker for this offer is open (Save is disabled meanwhile). */
	isChoosingSaveTarget(id: string): boolean {
		return this.#choosingSaveTarget.has(id);
	}

	/** Offers each file; refusals (too large, not allowed) become `sendRefusal`. */
	sendFiles(files: Iterable<FileSource>): void {
		const refusals: Text[] = [];
		const maxFileSize = this.maxFileSize;
		for (const file of files) {
			const result = this.#core.send(file);
			if (!result.ok) {
				const { name } = file;
				refusals.push(() => sendRefusalText(name, result.error, maxFileSize));
			}
		}
		this.#sendRefusal = refusals.length > 0 ? refusals : null;
		this.#refresh();
	}

	/** Asks where to save (or falls back to memory + download), then accepts the offer. */
	async save(id: string): Promise<void> {
		const offer = this.#list.find((t) => t.id === id);
		if (!offer || offer.state !== 'offered' || this.#choosingSaveTarget.has(id)) return;
		this.#choosingSaveTarget.add(id);
		try {
			const target = await chooseSaveTarget(offer.name);
			if (target.kind === 'dismissed') return;
			if (target.kind === 'memory') this.#memorySinks.set(id, target.sink);
			this.#core.accept(id, target.sink);
		} finally {
			this.#choosingSaveTarget.delete(id);
		}
	}

	decline(id: string): void {
		this.#core.decline(id);
	}

	cancel(id: string): void {
		this.#core.cancel(id);
	}

	dismissNotice(): void {
		this.#notice = null;
	}

	destroy(): void {
		for (const unsubscribe of this.#unsubscribe) unsubscribe();
		if (this.#refreshTimer !== null) clearTimeout(this.#refreshTimer);
		this.#memorySinks.clear();
	}

	#onFinished(transfer: TransferInfo): void {
		this.#refresh();
		const sink = this.#memorySinks.get(transfer.id);
		this.#memorySinks.delete(transfer.id);
		if (sink && transfer.state === 'done') downloadFile(sink, transfer.name, transfer.type);
		this.#announcement = () => finishedAnnouncementText(transfer);
	}

	/** Progress changes arrive per chunk; the list is re-read at most every 100 ms. */
	#scheduleRefresh(): void {
		if (this.#refreshTimer !== null) return;
		const wait = this.#lastRefreshAt + REFRESH_INTERVAL_MS - Date.now();
		if (wait <= 0) {
			this.#refresh();
			return;
		}
		this.#refreshTimer = setTimeout(() => {
			this.#refreshTimer = null;
			this.#refresh();
		}, wait);
	}

	#refresh(): void {
		this.#lastRefreshAt = Date.now();
		this.#list = this.#core.transfers;
		this.#canSend = this.#core.canSend;
	}
}
