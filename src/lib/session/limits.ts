/**
 * Sizes the protocol and the pages agree on. A module of its own so a page (the join form) can
 * know them without loading the protocol's validators.
 */
export const MAX_CHAT_LENGTH = 4000;
export const MAX_NAME_LENGTH = 80;
export const MAX_ID_LENGTH = 64;
