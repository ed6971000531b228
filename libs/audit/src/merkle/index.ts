export * from './merkle-tree.js';
export * from './merkle-accumulator.js';
