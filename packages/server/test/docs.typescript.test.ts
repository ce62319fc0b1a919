// The TypeScript examples of docs/ and README.md type-check against the packages, under the repository's
// compiler options (strict): a user who copies one gets no type error from what it shows.
// Each ```ts block is compiled as a module of its own. Names that a block uses from an earlier
// block or from the reader's own code (`app`, `myIdentityFrom`, `./sessions`) are not declared
// there, so "cannot find name", its consequence "implicitly any", and relative imports that do
// not resolve are not counted; every other error is. Signature sketches and elided
// implementations are marked ```ts no-test.
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const docs = new URL('../../../docs/', import.meta.url);
const here = fileURLToPath(new URL('./', import.meta.url));
/** The client SDK's pages (`client-*.md`) are compiled inside that package, where `@videoconf/client-sdk` resolves. */
const clientSdk = fileURLToPath(new URL('../../client-sdk/test/', import.meta.url));

/** Cannot find name (2304, 2552), and so implicitly any (7006): from an earlier block. */
const UNDECLARED = new Set([2304, 2552, 7006]);
/** Cannot find module (2307) `./…` or `../…`: the reader's own module. */
const readersModule = (d: ts.Diagnostic) =>
  d.code === 2307 && /'\.\.?\//.test(ts.flattenDiagnosticMessageText(d.messageText, '\n'));

function tsBlocks(page: string): { file: string; line: number; code: string }[] {
  const blocks: { file: string; line: number; code: string }[] = [];
  const lines = readFileSync(new URL(page, docs), 'utf8').split('\n');
  for (let i = 0; i < lines.length; i += 1) {
    const fence = /^\s*```ts(\s.*)?$/.exec(lines[i] ?? '');
    if (!fence) continue;
    const skip = (fence[1] ?? '').split(/\s+/).includes('no-test');
    const start = i + 1;
    const body: string[] = [];
    for (i += 1; i < lines.length && !/^\s*```\s*$/.test(lines[i] ?? ''); i += 1) {
      body.push(lines[i] ?? '');
    }
    if (skip) continue;
    const name = `${page.replace(/\W/g, '-')}-${start}`;
    blocks.push({
      file: `${page.startsWith('client-') ? clientSdk : here}__docs-${name}.ts`,
      line: start,
      code: `${body.join('\n')}\nexport {};\n`,
    });
  }
  return blocks;
}

describe('the TypeScript examples of docs/', () => {
  it('type-check', () => {
    const config = ts.getParsedCommandLineOfConfigFile(
      fileURLToPath(new URL('../../../tsconfig.json', import.meta.url)),
      {},
      {
        ...ts.sys,
        onUnRecoverableConfigFileDiagnostic: (d) => {
          throw new Error(String(d.messageText));
        },
      },
    );
    if (!config) throw new Error('no tsconfig');
    // The README's examples ("In your own Fastify app") are read as docs too.
    const pages = [...readdirSync(docs).filter((name) => name.endsWith('.md')), '../README.md'];
    const blocks = pages.flatMap((page) => tsBlocks(page).map((block) => ({ ...block, page })));
    const virtual = new Map(blocks.map((block) => [block.file, block.code]));
    const host = ts.createCompilerHost(config.options);
    const { getSourceFile, fileExists, readFile } = host;
    host.fileExists = (file) => virtual.has(file) || fileExists(file);
    host.readFile = (file) => virtual.get(file) ?? readFile(file);
    host.getSourceFile = (file, language, onError, create) => {
      const code = virtual.get(file);
      return code === undefined
        ? getSourceFile(file, language, onError, create)
        : ts.createSourceFile(file, code, language, true);
    };
    const program = ts.createProgram(
      [...virtual.keys()],
      { ...config.options, noEmit: true },
      host,
    );
    const errors = blocks.flatMap((block) => {
      const source = program.getSourceFile(block.file);
      if (!source) return [`docs/${block.page}:${block.line}: not compiled`];
      return [...program.getSyntacticDiagnostics(source), ...program.getSemanticDiagnostics(source)]
        .filter((d) => !UNDECLARED.has(d.code) && !readersModule(d))
        .map((d) => {
          const { line } = source.getLineAndCharacterOfPosition(d.start ?? 0);
          const text = ts.flattenDiagnosticMessageText(d.messageText, '\n');
          return `docs/${block.page}:${block.line + line + 1}: TS${d.code} ${text}`;
        });
    });
    expect(errors).toEqual([]);
  }, 120_000);
});
