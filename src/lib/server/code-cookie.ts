export function codeCookieName(sessionId: string) {
	return `ponte_code_${sessionId.replace(/[^A-Za-z0-9_-]/g, '')}`;
}
