export * from './config-values.js';
export * from './connector.js';
export * from './connector-error.js';
export * from './generic-connector.js';
export * from './platforms.js';
export * from './registry-metadata.js';
