/** The apps `praesidium start` can run, in start order. */
export const APP_NAMES = ['sample-model', 'governance', 'gateway'] as const;
export type AppName = (typeof APP_NAMES)[number];
