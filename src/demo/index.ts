export { startDemoBackend } from './backend.js';
export { ensureDemo, DEMO } from './register.js';
