// `pnpm docs:elements`: the reference tables of docs/web-components.md (attributes and
// properties, methods, events, slots, parts, tokens of every element), rendered from the custom
// elements manifest of @videoconf/web-components, that is from the JSDoc of the element classes
// (`@attr`, `@event`, `@slot`, `@csspart`, `@cssproperty`) and their `static properties`.
//
// Each element's tables live between two markers in the page, under that element's section:
//
//   <!-- elements:vc-chat:start -->
//   …generated…
//   <!-- elements:vc-chat:end -->
//
// An element of the manifest without markers gets a section of its own at the end of the page
// (move it where it belongs: the markers travel with it). Markers of a tag that the manifest does
// not have are an error. With `--check`, nothing is written: the script exits 1 when the page is
// not what it would write (packages/web-components/test/docs-elements.test.ts runs the same check).
//
//   node scripts/docs-elements.mjs [--check]
//
// The manifest is computed from the sources with the analyzer and the options of `pnpm build`
// (`cem analyze --litelement`, packages/web-components/custom-elements-manifest.config.mjs), in
// memory: the page never depends on a stale build.
import { readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';

const root = fileURLToPath(new URL('..', import.meta.url));
export const PACKAGE_DIR = join(root, 'packages/web-components');
export const DOCS_PAGE = join(root, 'docs/web-components.md');

/** The manifest `pnpm build` writes, computed from the sources without writing it. */
export async function elementsManifest() {
  const require = createRequire(join(PACKAGE_DIR, 'package.json'));
  const { cli } = await import(
    pathToFileURL(require.resolve('@custom-elements-manifest/analyzer/cli.js')).href
  );
  return cli({
    argv: ['analyze', '--litelement', '--quiet'],
    cwd: PACKAGE_DIR,
    noWrite: true,
  });
}

/** The elements of a manifest (classes with a tag name), in tag order. */
export function elementsOf(manifest) {
  return manifest.modules
    .flatMap((module) => module.declarations ?? [])
    .filter((declaration) => declaration.customElement && declaration.tagName)
    .sort((a, b) => a.tagName.localeCompare(b.tagName));
}

/** One table cell: one line, pipes escaped. */
const cell = (text) =>
  String(text ?? '')
    .replace(/\s*\n\s*/g, ' ')
    .replace(/\|/g, '\\|')
    .trim();
const code = (text) => `\`${text}\``;

function table(head, rows) {
  return [
    `| ${head.join(' | ')} |`,
    `|${head.map(() => '---').join('|')}|`,
    ...rows.map((row) => `| ${row.map(cell).join(' | ')} |`),
  ].join('\n');
}

/** Public instance members: not private or protected, not static, not `#private`. */
const isPublic = (member) =>
  !member.static &&
  !member.name.startsWith('#') &&
  member.privacy !== 'private' &&
  member.privacy !== 'protected';

/** The generated tables of one element (what goes between its markers). */
export function renderElement(element) {
  const sections = [];
  const members = (element.members ?? []).filter(isPublic);
  const fields = members.filter((member) => member.kind === 'field');

  // Attributes (with the property each one sets), then the properties without an attribute.
  const attributes = element.attributes ?? [];
  const described = new Set();
  const rows = attributes.map((attribute) => {
    const field =
      fields.find((f) => f.name === attribute.fieldName) ??
      fields.find((f) => f.attribute === attribute.name || f.name === attribute.name);
    if (field) described.add(field.name);
    const property = attribute.fieldName ?? field?.name;
    const notes = [field?.readonly && 'read-only', field?.reflects && 'reflected'].filter(Boolean);
    return [
      code(attribute.name),
      property ? [code(`.${property}`), ...notes].join(', ') : '',
      attribute.description ?? field?.description ?? '',
    ];
  });
  for (const field of fields) {
    if (described.has(field.name)) continue;
    rows.push([
      '—',
      `${code(`.${field.name}`)}${field.readonly ? ', read-only' : ''}`,
      field.description ?? '',
    ]);
  }
  if (rows.length > 0) {
    sections.push(
      `**Attributes and properties**\n\n${table(['attribute', 'property', 'meaning'], rows)}`,
    );
  }

  const methods = members.filter((member) => member.kind === 'method');
  if (methods.length > 0) {
    const signature = (method) =>
      `${method.name}(${(method.parameters ?? []).map((p) => p.name).join(', ')})`;
    sections.push(
      `**Methods**\n\n${table(
        ['method', 'meaning'],
        methods.map((method) => [code(signature(method)), method.description ?? '']),
      )}`,
    );
  }

  const events = element.events ?? [];
  if (events.length > 0) {
    sections.push(
      `**Events** (all \`bubbles\` and \`composed\`)\n\n${table(
        ['event', 'when'],
        events.map((event) => [code(event.name), event.description ?? '']),
      )}`,
    );
  }

  const slots = element.slots ?? [];
  if (slots.length > 0) {
    sections.push(
      `**Slots**\n\n${table(
        ['slot', 'content'],
        slots.map((slot) => [slot.name ? code(slot.name) : '(default)', slot.description ?? '']),
      )}`,
    );
  }

  const parts = element.cssParts ?? [];
  if (parts.length > 0) {
    sections.push(
      `**Parts** (\`::part()\`)\n\n${table(
        ['part', 'what'],
        parts.map((part) => [code(part.name), part.description ?? '']),
      )}`,
    );
  }

  const tokens = element.cssProperties ?? [];
  if (tokens.length > 0) {
    sections.push(
      `**Tokens** (CSS custom properties)\n\n${table(
        ['token', 'what'],
        tokens.map((token) => [code(token.name), token.description ?? '']),
      )}`,
    );
  }

  return [
    `<!-- Generated from the package's custom-elements.json by \`pnpm docs:elements\`: edit the element's JSDoc, not these tables. -->`,
    ...sections,
  ].join('\n\n');
}

const markers = (tag) => [`<!-- elements:${tag}:start -->`, `<!-- elements:${tag}:end -->`];
const MARKER = /<!-- elements:([a-z0-9-]+):(start|end) -->/g;

/**
 * The page with every element's region rendered from `manifest`; throws on markers that do not
 * pair up or name a tag the manifest does not have.
 */
export function renderDocs(page, manifest) {
  const elements = elementsOf(manifest);
  const tags = new Set(elements.map((element) => element.tagName));
  const found = new Map();
  for (const [, tag, side] of page.matchAll(MARKER)) {
    const sides = found.get(tag) ?? [];
    sides.push(side);
    found.set(tag, sides);
  }
  for (const [tag, sides] of found) {
    if (sides.join() !== 'start,end') {
      throw new Error(
        `docs/web-components.md: the markers of ${tag} must be one start, then one end`,
      );
    }
    if (!tags.has(tag)) {
      throw new Error(
        `docs/web-components.md: markers of <${tag}>, which the manifest does not define (a define('${tag}', Class) call in packages/web-components/src)`,
      );
    }
  }
  let out = page;
  for (const element of elements) {
    const [start, end] = markers(element.tagName);
    const body = `${start}\n${renderElement(element)}\n${end}`;
    const from = out.indexOf(start);
    if (from === -1) {
      out = `${out.trimEnd()}\n\n## \`<${element.tagName}>\` reference\n\n${body}\n`;
    } else {
      out = out.slice(0, from) + body + out.slice(out.indexOf(end) + end.length);
    }
  }
  return out;
}

async function main() {
  const { values } = parseArgs({ options: { check: { type: 'boolean' } } });
  const page = readFileSync(DOCS_PAGE, 'utf8');
  const next = renderDocs(page, await elementsManifest());
  if (next === page) {
    console.log('docs/web-components.md: the element tables are up to date');
  } else if (values.check) {
    console.error(
      'docs/web-components.md: the element tables are out of date: run pnpm docs:elements',
    );
    process.exitCode = 1;
  } else {
    writeFileSync(DOCS_PAGE, next);
    console.log('docs/web-components.md: element tables rewritten');
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) await main();
