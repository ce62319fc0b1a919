// The reference tables of docs/web-components.md are the custom elements manifest rendered
// (scripts/docs-elements.mjs), and the manifest is complete: every element's `part`s and the
// `vc-*` events it emits are in its JSDoc (`@csspart`, `@event`), from which the manifest is made.
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  DOCS_PAGE,
  elementsManifest,
  elementsOf,
  type Manifest,
  type ManifestElement,
  PACKAGE_DIR,
  renderDocs,
} from '../../../scripts/docs-elements.mjs';

let manifest: Manifest;
beforeAll(async () => {
  manifest = await elementsManifest();
});

/** The module of the manifest that declares `element`. */
const moduleOf = (element: ManifestElement) =>
  manifest.modules.find((module) => module.declarations?.includes(element))!;

/** The sources of an element: every .ts file of its folder but the styles. */
function sourcesOf(element: ManifestElement): string {
  const dir = join(PACKAGE_DIR, dirname(moduleOf(element).path));
  return readdirSync(dir)
    .filter((name) => name.endsWith('.ts') && !name.endsWith('.styles.ts'))
    .map((name) => readFileSync(join(dir, name), 'utf8'))
    .join('\n');
}

describe('the custom elements manifest', () => {
  it('names every element the package defines, by its tag', () => {
    const tags = elementsOf(manifest).map((element) => element.tagName);
    expect(tags).toContain('vc-chat');
    const index = readFileSync(join(PACKAGE_DIR, 'src/index.ts'), 'utf8');
    for (const tag of tags) expect(index).toContain(`./${tag}/index`);
  });

  it("lists every static part and every vc-* event of each element's template", () => {
    for (const element of elementsOf(manifest)) {
      const source = sourcesOf(element);
      const parts = new Set(
        [...source.matchAll(/\bpart="([^"$]+)"/g)].flatMap(([, names = '']) => names.split(/\s+/)),
      );
      const events = new Set(
        [...source.matchAll(/\bemit\(\s*[\w.]+,\s*'(vc-[a-z-]+)'/g)].map(([, name = '']) => name),
      );
      const documented = (list?: { name: string }[]) => (list ?? []).map((entry) => entry.name);
      expect(
        [...parts].filter((part) => !documented(element.cssParts).includes(part)),
        `<${element.tagName}>: parts without a @csspart in its JSDoc`,
      ).toEqual([]);
      expect(
        [...events].filter((event) => !documented(element.events).includes(event)),
        `<${element.tagName}>: events without an @event in its JSDoc`,
      ).toEqual([]);
    }
  });
});

describe('docs/web-components.md', () => {
  it('has the tables of every element as the manifest renders them (pnpm docs:elements)', () => {
    const page = readFileSync(DOCS_PAGE, 'utf8');
    expect(renderDocs(page, manifest), 'out of date: run pnpm docs:elements').toBe(page);
  });

  it('gets a section for an element that has no markers yet, and refuses markers of no element', () => {
    const element: ManifestElement = {
      name: 'VcLater',
      tagName: 'vc-later',
      customElement: true,
      attributes: [{ name: 'room', fieldName: 'room', description: 'room id' }],
      cssParts: [{ name: 'tile', description: 'one | tile' }],
    };
    const later: Manifest = {
      schemaVersion: '1.0.0',
      modules: [
        { kind: 'javascript-module', path: 'src/vc-later/vc-later.ts', declarations: [element] },
      ],
    };
    const page = renderDocs('# Page\n', later);
    expect(page).toContain('## `<vc-later>` reference\n\n<!-- elements:vc-later:start -->');
    expect(page).toContain('| `room` | `.room` | room id |');
    expect(page).toContain('| `tile` | one \\| tile |');
    // Rendering again changes nothing, wherever the section was moved.
    expect(renderDocs(page, later)).toBe(page);
    expect(() =>
      renderDocs('<!-- elements:vc-gone:start -->\n<!-- elements:vc-gone:end -->\n', later),
    ).toThrow(/vc-gone/);
  });
});
