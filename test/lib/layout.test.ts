import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const LIB = fileURLToPath(new URL('../../lib/', import.meta.url));

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(full);
    return entry.name.endsWith('.ts') ? [full] : [];
  });
}

/** The top folder under lib/ a file sits in; files directly in lib/ are the shared root, not a folder. */
function folderOf(file: string): string | undefined {
  const [first, ...rest] = path.relative(LIB, file).split(path.sep);
  return rest.length > 0 ? first : undefined;
}

/** Folder → the folders its files import from, with one import that shows each edge. */
function folderImports(): Map<string, Map<string, string>> {
  const graph = new Map<string, Map<string, string>>();
  for (const file of sourceFiles(LIB)) {
    const from = folderOf(file);
    if (!from) continue;
    for (const [, specifier] of readFileSync(file, 'utf8').matchAll(/from '(\.{1,2}\/[^']+)'/g)) {
      const target = path.resolve(path.dirname(file), specifier!);
      if (!target.startsWith(LIB)) continue;
      const to = folderOf(target);
      if (!to || to === from) continue;
      if (!graph.has(from)) graph.set(from, new Map());
      graph.get(from)!.set(to, `${path.relative(LIB, file)} imports ${specifier}`);
    }
  }
  return graph;
}

/** Every cycle of folders, each as the path that closes it. */
function cycles(graph: Map<string, Map<string, string>>): string[][] {
  const found: string[][] = [];
  const visit = (folder: string, trail: string[]) => {
    for (const next of graph.get(folder)?.keys() ?? []) {
      if (next === trail[0]) found.push([...trail, next]);
      else if (!trail.includes(next) && next > trail[0]!) visit(next, [...trail, next]);
    }
  };
  for (const folder of [...graph.keys()].sort()) visit(folder, [folder]);
  return found;
}

describe('the layout of lib/', () => {
  it('has no import cycle between its folders', () => {
    const graph = folderImports();
    const explained = cycles(graph).map((cycle) =>
      cycle
        .slice(1)
        .map((to, index) => `${cycle[index]} → ${to} (${graph.get(cycle[index]!)!.get(to)})`)
        .join('; '),
    );
    expect(explained).toEqual([]);
    // The check sees the real graph, not an empty one.
    expect(graph.get('push')?.has('mirror')).toBe(true);
  });

  it('knows nothing about Express: only routes/ imports it', () => {
    const offenders = sourceFiles(LIB).filter((file) => /from 'express'/.test(readFileSync(file, 'utf8')));
    expect(offenders.map((file) => path.relative(LIB, file))).toEqual([]);
  });
});
