/** Placeholder: filled in by the errors work. */
export {};
