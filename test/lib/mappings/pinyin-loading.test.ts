import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

/**
 * In a fresh Node process (this one's module cache is shared with other test files): an import
 * of pinyin-pro as an ES module fails there, so loading the center shows whether anything
 * imports it up front; then texts are converted, and after each step the script reports whether
 * the lazy `require` has loaded it.
 */
const BLOCK_ESM_IMPORT = `export async function resolve(specifier, context, next) {
  if (specifier === 'pinyin-pro') throw new Error('pinyin-pro imported as an ES module');
  return next(specifier, context);
}`;
const SCRIPT = `
import { createRequire, register } from 'node:module';
register('data:text/javascript,' + encodeURIComponent(${JSON.stringify(BLOCK_ESM_IMPORT)}));
const cache = createRequire(import.meta.url).cache;
const loaded = () => Object.keys(cache).some((file) => file.includes('/node_modules/pinyin-pro/'));
const steps = {};
await import('./index.ts');
const { compileExpression } = await import('./lib/mappings/expression/compile.ts');
steps.centerLoaded = loaded();
const pinyin = compileExpression('Pinyin([displayName], ".")');
steps.latin = pinyin.evaluate(() => 'Zhang San');
steps.afterLatin = loaded();
steps.han = pinyin.evaluate(() => '张三');
steps.afterHan = loaded();
console.log(JSON.stringify(steps));
`;

describe('pinyin-pro loading', () => {
  it('is not loaded with the center, nor for Latin text, only for the first Han text', () => {
    const output = execFileSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', SCRIPT], { cwd: ROOT, encoding: 'utf8' });
    expect(JSON.parse(output.trim().split('\n').at(-1)!)).toEqual({ centerLoaded: false, latin: 'zhang san', afterLatin: false, han: 'zhang.san', afterHan: true });
  }, 30_000);
});
