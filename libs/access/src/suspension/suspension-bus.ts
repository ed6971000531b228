import { EventEmitter } from 'node:events';
import type { SuspensionChange } from './suspension-list.js';

/**
 * In-process news of a suspension or its lifting, sent once it is committed: when gateway and
 * governance share one process (the embedded default), the gateway enforces it from the next call,
 * without waiting for its next read of the list. Other processes read it within a second.
 */
export const suspensionChanges = new EventEmitter<{ changed: [change: SuspensionChange] }>();
suspensionChanges.setMaxListeners(64);
