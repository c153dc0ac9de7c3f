/** Most lines one `read` call returns; the rest is reached with `offset`. */
export const READ_MAX_LINES = 2000;

/** Most bytes of text one `read` call returns. */
export const READ_MAX_BYTES = 50 * 1024;

/** Files up to this size are scanned to the end so `read` can say how many lines they have. */
export const READ_COUNT_MAX_BYTES = 10 * 1024 * 1024;

/** Largest content `write` accepts and largest file `edit` / `apply_patch` load or produce. */
export const MAX_FILE_BYTES = 10 * 1024 * 1024;

/** Largest `apply_patch` input. */
export const MAX_PATCH_BYTES = 10 * 1024 * 1024;
