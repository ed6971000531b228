import type { ConsolePages } from './console.plugin.js';

/**
 * The console's page groups, one per persona. Each registers its routes (under /console) and its
 * navigation entries; add a group here to add pages.
 */
export const CONSOLE_PAGES: readonly ConsolePages[] = [];
