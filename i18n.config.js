/**
 * Paraglide's options, shared by Vite (dev, build, Vitest) and `scripts/compile-messages.js`
 * (run by `npm install` and `npm run check`, so the type checker sees the messages).
 *
 * The locale comes from the PONTE_LOCALE cookie (the switcher, an agent's preference), then the
 * browser's languages, then English. Messages live in messages/<locale>.json; a new language is
 * one more file and one entry in project.inlang/settings.json.
 */
/** @type {import('@inlang/paraglide-js').CompilerOptions} */
export const paraglideOptions = {
	project: './project.inlang',
	outdir: './src/lib/paraglide',
	strategy: ['cookie', 'preferredLanguage', 'baseLocale'],
	cookieName: 'PONTE_LOCALE',
	emitGitIgnore: false,
	emitPrettierIgnore: false
};
