export * from './ids.js';
export * from './errors.js';
export * from './duration.js';
export * from './framework-errors.js';
export * from './text.js';
export * from './clock.js';
export * from './openapi-30.js';
export * from './client-error.js';
