/** Placeholder: filled in by the rest work. */
export {};
