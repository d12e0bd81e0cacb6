// Loaded into a Vamco process by bench/latency-split.ts (`node --import`), never by the product:
// where an exchange's time goes at a fixed rate, from inside the process, without changing it.
//   - an exchange's own time: the HTTP server's diagnostics channels, request start → response finish
//   - its backend call: undici's channels, request created → last byte of the answer read
//   - every positional fs.write (the journal's O_DSYNC writes): handed to libuv's pool → callback,
//     i.e. the disk's own time plus the trips to and from the pool thread
//   - the event loop's delay (perf_hooks), what any callback waits for a busy main thread
// On SIGUSR2 the figures so far are written as JSON to $VAMCO_LATENCY_TRACE_OUT.<pid> and reset.
import diagnostics from 'node:diagnostics_channel';
import fs from 'node:fs';
import { monitorEventLoopDelay } from 'node:perf_hooks';

const out = process.env.VAMCO_LATENCY_TRACE_OUT;
const eld = monitorEventLoopDelay({ resolution: 1 });
eld.enable();

let exchanges: number[] = [];
let backend: number[] = [];
let writes: number[] = [];
const started = new WeakMap<object, number>();

diagnostics.subscribe('http.server.request.start', (m) => { started.set((m as { response: object }).response, performance.now()); });
diagnostics.subscribe('http.server.response.finish', (m) => {
  const t = started.get((m as { response: object }).response);
  if (t !== undefined) exchanges.push(performance.now() - t);
});
diagnostics.subscribe('undici:request:create', (m) => { started.set((m as { request: object }).request, performance.now()); });
diagnostics.subscribe('undici:request:trailers', (m) => {
  const t = started.get((m as { request: object }).request);
  if (t !== undefined) backend.push(performance.now() - t);
});

// The journal calls fs.write(fd, buf, off, len, pos, cb) through the module object, so a wrapper
// set before the product loads sees every such call.
const write = fs.write;
(fs as { write: unknown }).write = function traced(this: unknown, ...a: unknown[]) {
  const cb = a[a.length - 1];
  if (a.length === 6 && typeof a[4] === 'number' && typeof cb === 'function') {
    const t = performance.now();
    a[5] = (...r: unknown[]) => { writes.push(performance.now() - t); (cb as (...x: unknown[]) => void)(...r); };
  }
  return (write as (...x: unknown[]) => unknown).apply(fs, a);
};

function summary(xs: number[]): { n: number; meanMs: number; p50Ms: number; p90Ms: number; p99Ms: number } {
  const s = Float64Array.from(xs).sort();
  const at = (p: number) => (s.length ? s[Math.min(s.length - 1, Math.ceil(p * s.length) - 1)] : NaN);
  const r = (x: number) => Math.round(x * 1000) / 1000;
  return { n: s.length, meanMs: r(s.reduce((a, b) => a + b, 0) / (s.length || 1)), p50Ms: r(at(0.5)), p90Ms: r(at(0.9)), p99Ms: r(at(0.99)) };
}

if (out) {
  process.on('SIGUSR2', () => {
    const ms = (ns: number) => Math.round(ns / 1e4) / 100;
    fs.writeFileSync(`${out}.${process.pid}`, JSON.stringify({
      exchange: summary(exchanges), backend: summary(backend), journalWrite: summary(writes),
      eventLoopDelay: { p50Ms: ms(eld.percentile(50)), p99Ms: ms(eld.percentile(99)), maxMs: ms(eld.max) },
    }));
    exchanges = []; backend = []; writes = [];
    eld.reset();
  });
}
