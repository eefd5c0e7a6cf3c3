/** Placeholder: filled in by the rest/server work. */
export {};
