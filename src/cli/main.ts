#!/usr/bin/env node
// The `vamco` command line's entry. It only turns on Node's compile cache, then loads the rest
// (run.ts): an import here would be loaded before the cache is on. The cache keeps V8's code for
// the ~1,600 files a start reads, which makes a start that found it (a restart, the next command)
// shorter (issue 15). Node's own default place (os.tmpdir()/node-compile-cache, or
// NODE_COMPILE_CACHE), not the data dir: it holds no data, is keyed by Node version and file
// contents, serves every data dir and command, and the data dir's owner-only check would walk
// and re-mode its files at every start. Node before 22.1 has no compile cache; it starts as before.
import module from 'node:module';

(module as { enableCompileCache?: () => unknown }).enableCompileCache?.();
await import('./run.js');
