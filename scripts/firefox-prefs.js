// Firefox preferences for the e2e suite and the bench: screen, camera and microphone without a
// prompt, media that plays without a gesture, no first-run pages and no background traffic.
export const FIREFOX_PREFS = {
	// Screen, camera and microphone without a prompt (the screen is Xvfb's, the others fake).
	'media.navigator.permission.disabled': true,
	'media.navigator.streams.fake': true,
	'media.getusermedia.screensharing.enabled': true,
	// Video plays without a gesture, as Chromium's --autoplay-policy=no-user-gesture-required.
	'media.autoplay.default': 0,
	'media.autoplay.blocking_policy': 0,
	// Web Audio too (the voice tests measure what a page hears with an AnalyserNode).
	'media.autoplay.block-webaudio': false,
	// No first-run pages and no background traffic (puppeteer sets most of these already).
	'browser.aboutwelcome.enabled': false,
	'browser.shell.checkDefaultBrowser': false,
	'browser.startup.homepage_override.mstone': 'ignore',
	'datareporting.policy.dataSubmissionEnabled': false,
	'toolkit.telemetry.reportingpolicy.firstRun': false,
	'app.update.auto': false,
	'extensions.update.enabled': false,
	'browser.safebrowsing.malware.enabled': false,
	'browser.safebrowsing.phishing.enabled': false,
	'network.captive-portal-service.enabled': false,
	'network.connectivity-service.enabled': false,
	'browser.download.manager.showWhenStarting': false
};
