/** The version of this package (equal to `version` in package.json). */
export const VERSION = "0.1.0";
