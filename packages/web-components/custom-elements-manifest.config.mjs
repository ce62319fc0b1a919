// @custom-elements-manifest/analyzer (`cem analyze --litelement`, run by `pnpm build`): the
// manifest `custom-elements.json` at the package's root, from the JSDoc of the element classes
// (`@attr`, `@csspart`, `@cssproperty`, `@event`) and their `static properties`. Every module of
// src/ is read and every `define('vc-…', Class)` call names an element, so elements added later
// are in it without a change here. scripts/docs-elements.mjs renders the tables of
// docs/web-components.md from the same manifest.

/** A custom element name: lowercase, starts with a letter, has a hyphen. */
const TAG = /^[a-z][a-z0-9]*-[a-z0-9-]*$/;

/**
 * The package registers its elements with `define(tag, Class)` (src/internal/define.ts, a no-op
 * the second time) instead of `customElements.define`, which is all the analyzer looks for:
 * each `define('vc-x', VcX)` call becomes the `custom-element-definition` that links the class
 * to its tag, as `customElements.define('vc-x', VcX)` would. The `customElements.define(name,
 * element)` inside define() itself names no element and is dropped.
 */
function defineCalls() {
  return {
    name: 'videoconf: define() calls',
    analyzePhase({ ts, node, moduleDoc, context }) {
      if (!ts.isCallExpression(node) || !ts.isIdentifier(node.expression)) return;
      if (node.expression.text !== 'define') return;
      const [tag, element] = node.arguments;
      if (!tag || !ts.isStringLiteral(tag) || !element || !ts.isIdentifier(element)) return;
      const name = element.text;
      const imported = context.imports?.find((i) => i.name === name && !i.isBareModuleSpecifier);
      // The module path as the manifest names modules: `src/vc-chat/vc-chat.ts`.
      const module = imported
        ? new URL(imported.importPath, `file:///${moduleDoc.path}`).pathname
            .slice(1)
            .replace(/(\/[^./]+)$/, '$1.ts')
        : moduleDoc.path;
      moduleDoc.exports = [
        ...(moduleDoc.exports ?? []),
        { kind: 'custom-element-definition', name: tag.text, declaration: { name, module } },
      ];
    },
    moduleLinkPhase({ moduleDoc }) {
      moduleDoc.exports = moduleDoc.exports?.filter(
        (e) => e.kind !== 'custom-element-definition' || TAG.test(e.name),
      );
    },
  };
}

/**
 * Lit's `static properties` entries with `state: true` are internal reactive state, neither an
 * attribute nor public API (the analyzer's Lit plugin lists them as both).
 */
function internalState() {
  return {
    name: 'videoconf: Lit state is not API',
    analyzePhase({ ts, node, moduleDoc }) {
      if (!ts.isClassDeclaration(node) || !node.name) return;
      const declaration = moduleDoc.declarations?.find((d) => d.name === node.name.text);
      if (!declaration) return;
      const properties = node.members.find(
        (m) =>
          ts.isPropertyDeclaration(m) &&
          m.name.getText() === 'properties' &&
          m.modifiers?.some((x) => x.kind === ts.SyntaxKind.StaticKeyword),
      );
      const object = properties?.initializer;
      if (!object || !ts.isObjectLiteralExpression(object)) return;
      const state = new Set();
      for (const p of object.properties) {
        if (!ts.isPropertyAssignment(p) || !ts.isObjectLiteralExpression(p.initializer)) continue;
        const isState = p.initializer.properties.some(
          (o) =>
            ts.isPropertyAssignment(o) &&
            o.name.getText() === 'state' &&
            o.initializer.kind === ts.SyntaxKind.TrueKeyword,
        );
        if (isState) state.add(p.name.getText());
      }
      declaration.attributes = declaration.attributes?.filter((a) => !state.has(a.fieldName));
      declaration.members = declaration.members?.filter((m) => !state.has(m.name));
    },
  };
}

export default {
  globs: ['src/**/*.ts'],
  exclude: ['src/**/*.styles.ts'],
  outdir: '.',
  // package.json names the manifest itself (`customElements`): the analyzer must not rewrite it.
  packagejson: false,
  plugins: [defineCalls(), internalState()],
};
