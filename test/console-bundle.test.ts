// Route-level code splitting (issue 14): the console's entry chunk holds the shell, and every
// page is a chunk of its own loaded by a dynamic import when first opened; the chart library
// (the largest dependency) is not in the entry.
import { beforeAll, describe, expect, it } from 'vitest';
import fs from 'node:fs';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { WEB_DIST } from '../src/admin/index.js';

const PAGES = ['Dashboard', 'Members', 'Services', 'Access', 'Requests', 'Keys', 'Messages', 'Edoc', 'Trail', 'Users', 'Account', 'Units', 'Agencies', 'Procedures', 'Dossiers', 'Stats', 'Holidays'];

describe('console bundle', () => {
  let entry = '';
  let entryFile = '';
  beforeAll(() => {
    if (!fs.existsSync(path.join(WEB_DIST, 'index.html'))) execFileSync('npx', ['vite', 'build', 'web'], { stdio: 'ignore' });
    const html = fs.readFileSync(path.join(WEB_DIST, 'index.html'), 'utf8');
    entryFile = path.join(WEB_DIST, /<script type="module"[^>]*src="\/([^"]+)"/.exec(html)![1]);
    entry = fs.readFileSync(entryFile, 'utf8');
  });

  it('loads each page from its own chunk by a dynamic import', () => {
    for (const name of PAGES) {
      const m = new RegExp(`import\\(["'\`]\\./(${name}-[\\w-]+\\.js)["'\`]\\)`).exec(entry);
      expect(m, `${name} is imported dynamically by the entry`).not.toBeNull();
      expect(fs.existsSync(path.join(path.dirname(entryFile), m![1]))).toBe(true);
    }
  });

  it('keeps the chart library and page code out of the entry chunk', () => {
    // echarts registers its renderers under these names; the dashboard's own strings are its chunk's.
    expect(entry).not.toContain('echarts');
    expect(entry).not.toContain('chart-traffic');
    // The whole console was one 1.37 MB chunk before the split; the shell is a fraction of it.
    expect(fs.statSync(entryFile).size).toBeLessThan(600_000);
  });

  it('loads the OpenAPI renderer only where a document is shown: its own chunk, imported by the services page alone', () => {
    const dir = path.dirname(entryFile);
    const chunks = fs.readdirSync(dir).filter((f) => f.endsWith('.js'));
    const renderer = chunks.find((f) => /^OpenApiView-[\w-]+\.js$/.test(f));
    expect(renderer, 'the renderer is a chunk of its own').toBeDefined();
    // Swagger UI's own text is in that chunk and in no other.
    expect(fs.readFileSync(path.join(dir, renderer!), 'utf8')).toContain('swagger-ui');
    const importers = chunks.filter((f) => f !== renderer && fs.readFileSync(path.join(dir, f), 'utf8').includes(renderer!));
    expect(importers.map((f) => f.replace(/-[\w-]+\.js$/, ''))).toEqual(['Services']);
    expect(entry).not.toContain(renderer!);
    for (const f of chunks.filter((x) => x !== renderer)) expect(fs.readFileSync(path.join(dir, f), 'utf8'), f).not.toContain('opblock-summary');
  });
});
