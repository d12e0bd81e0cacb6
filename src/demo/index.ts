export { startDemoBackend } from './backend.js';
export { ensureDemo, DEMO, DEMO_LOCAL_HOST } from './register.js';
