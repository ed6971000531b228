/** The apps `praesidium start --apps` can run, in start order. */
export const APP_NAMES = ['sample-model', 'governance', 'gateway', 'worker'] as const;
export type AppName = (typeof APP_NAMES)[number];

/** What `praesidium start` runs without `--apps`: the whole platform (its jobs run in governance). */
export const DEFAULT_APPS: readonly AppName[] = ['sample-model', 'governance', 'gateway'];
