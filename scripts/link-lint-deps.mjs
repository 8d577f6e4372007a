// `hs project lint` looks for its ESLint packages in each UI folder's own node_modules, but npm workspaces install
// them in the root one, so the CLI would skip the folders ("required dependencies are missing"). This links the
// packages a folder's package.json asks for from the root node_modules into the folder's. Idempotent.
import { existsSync, lstatSync, mkdirSync, readFileSync, symlinkSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
for (const folder of ['src/app/cards', 'src/app/settings']) {
  const manifest = JSON.parse(readFileSync(join(root, folder, 'package.json'), 'utf8'));
  for (const name of Object.keys({ ...manifest.dependencies, ...manifest.devDependencies })) {
    const target = join(root, 'node_modules', name);
    const link = join(root, folder, 'node_modules', name);
    if (!existsSync(target) || lstatSync(link, { throwIfNoEntry: false })) continue;
    mkdirSync(dirname(link), { recursive: true });
    symlinkSync(relative(dirname(link), target), link, 'dir');
  }
}
