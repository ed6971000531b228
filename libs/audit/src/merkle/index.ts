export * from './merkle-hash.js';
export * from './merkle-accumulator.js';
export * from './merkle-tree.js';
