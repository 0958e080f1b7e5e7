/** For tests: a clock that moves only when told, running the timers it passes. */
import type { Scheduler } from './throttle';

export class ManualScheduler implements Scheduler {
	time = 0;
	#timers = new Map<number, { at: number; run: () => void }>();
	#next = 1;

	now() {
		return this.time;
	}

	setTimeout(run: () => void, ms: number) {
		const handle = this.#next++;
		this.#timers.set(handle, { at: this.time + ms, run });
		return handle;
	}

	clearTimeout(handle: unknown) {
		this.#timers.delete(handle as number);
	}

	get pending() {
		return this.#timers.size;
	}

	advance(ms: number) {
		const until = this.time + ms;
		for (;;) {
			const due = [...this.#timers.entries()]
				.filter(([, t]) => t.at <= until)
				.sort((a, b) => a[1].at - b[1].at)[0];
			if (!due) break;
			this.#timers.delete(due[0]);
			this.time = due[1].at;
			due[1].run();
		}
		this.time = until;
	}
}
