/**
 * An instance's id (`KHATAM_INSTANCE`, a partner's id, a recipient's `instance`): 1–32 lower-case letters, digits
 * or hyphens, starting with a letter or digit. Kept apart from the federation code so that the start-up checks it
 * without loading that code (the peers table's check in migration 11 says the same in SQL).
 */
export const INSTANCE_ID = /^[a-z0-9][a-z0-9-]{0,31}$/;
