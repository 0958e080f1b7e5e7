// The bench builds like `npm start` does (scripts/build.js), quietly.
import { ensureBuild as ensureBuildFor } from '../../scripts/build.js';

export function ensureBuild(root) {
	return ensureBuildFor(root, { quiet: true });
}
