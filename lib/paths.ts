import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The package's own folder, found from this file rather than the working directory, so that
 * views and static files are found whether the package runs from source (tsx, vitest) or from dist/.
 */
function findPackageRoot(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  while (!existsSync(path.join(dir, 'views')) || !existsSync(path.join(dir, 'package.json'))) {
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error('scim-sync-center: cannot find the package folder with views/');
    dir = parent;
  }
  return dir;
}

export const PACKAGE_ROOT = findPackageRoot();
export const VIEWS_DIR = path.join(PACKAGE_ROOT, 'views');
export const PUBLIC_DIR = path.join(PACKAGE_ROOT, 'public');
