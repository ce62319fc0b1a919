// `node wc.cjs`: @videoconf/web-components as installed, resolved from CommonJS: both entry
// points, the embed script (`videoconf serve` finds it so: docs/embed.md) and the manifest.
const assert = require('node:assert/strict');
const { readFileSync } = require('node:fs');

for (const specifier of ['@videoconf/web-components', '@videoconf/web-components/vc-chat']) {
  assert.match(require.resolve(specifier), /[\\/]dist[\\/][\w-]+\.cjs$/, specifier);
}
const script = require.resolve('@videoconf/web-components/videoconf.js');
assert.match(
  script,
  /[\\/]node_modules[\\/]@videoconf[\\/]web-components[\\/]dist[\\/]videoconf\.js$/,
);
// Self-contained: no import of another module, static or dynamic, relative or bare.
const code = readFileSync(script, 'utf8');
const imports = code.match(
  /\bimport\s*(?:[\w$*{][^;]*?from\s*)?["'][^"']+["']|\bimport\(\s*["'][^"']+["']\s*\)/g,
);
assert.equal(imports, null, `imports left in videoconf.js: ${imports}`);

const pkg = require('@videoconf/web-components/package.json');
assert.equal(pkg.customElements, 'custom-elements.json');
const manifest = require('@videoconf/web-components/custom-elements.json');
const tags = manifest.modules
  .flatMap((module) => module.declarations ?? [])
  .map((declaration) => declaration.tagName)
  .filter(Boolean);
assert.ok(tags.includes('vc-chat'), `custom-elements.json defines ${tags.join(', ')}`);
console.log(`resolved from CommonJS; videoconf.js self-contained; manifest: ${tags.join(', ')}`);
