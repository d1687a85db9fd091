/** A configuration the server cannot start with; the message names the setting or file. */
export class ConfigError extends Error {}
