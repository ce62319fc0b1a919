// Accessibility checks of the elements with axe-core, in a real page of the test browser.
//
//   await expectNoSeriousA11yViolations(page, 'chat with messages');
//
// injects axe-core's own browser build (axe.min.js) into the page once, runs it over the whole
// document (axe walks into open shadow roots by itself, so the elements' insides are checked),
// and fails the test with a readable list of the `serious` and `critical` violations: the rule,
// its help text and link, and each node (a selector through the shadow roots, and axe's summary
// of what is wrong, e.g. the contrast ratio it measured).
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { openTestPage } from '../../../server/test/support/browser';

type Page = Awaited<ReturnType<typeof openTestPage>>['page'];

const require = createRequire(import.meta.url);
let source: string | undefined;
const axeSource = () => {
  source ??= readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');
  return source;
};

/**
 * Rules about the test page itself rather than the elements: the bare page the test browser
 * serves (packages/server/test/support/browser.ts) has no `<html lang>`, which a site sets.
 */
const PAGE_RULES_OFF = { 'html-has-lang': { enabled: false } };

export interface A11yViolation {
  id: string;
  impact: string;
  help: string;
  helpUrl: string;
  nodes: { target: string; summary: string }[];
}

/** The `serious` and `critical` violations axe finds in the page now. */
export async function seriousA11yViolations(page: Page): Promise<A11yViolation[]> {
  const injected = await page.evaluate(() => 'axe' in globalThis);
  if (!injected) await page.addScriptTag({ content: axeSource() });
  return page.evaluate(async (rules) => {
    type Result = {
      id: string;
      impact?: string | null;
      help: string;
      helpUrl: string;
      nodes: { target: unknown[]; failureSummary?: string }[];
    };
    const axe = (globalThis as unknown as { axe: { run(...args: unknown[]): Promise<unknown> } })
      .axe;
    const results = (await axe.run(document, { resultTypes: ['violations'], rules })) as {
      violations: Result[];
    };
    return results.violations
      .filter((v) => v.impact === 'serious' || v.impact === 'critical')
      .map((v) => ({
        id: v.id,
        impact: v.impact ?? '',
        help: v.help,
        helpUrl: v.helpUrl,
        nodes: v.nodes.map((n) => ({
          // A target inside shadow roots is a list of selectors, one per root.
          target: n.target.map((t) => (Array.isArray(t) ? t.join(' >>> ') : String(t))).join(' '),
          summary: (n.failureSummary ?? '').replace(/\s+/g, ' ').trim(),
        })),
      }));
  }, PAGE_RULES_OFF);
}

/** One violation per paragraph: rule, impact, help, link, then each node and what is wrong. */
export function formatA11yViolations(violations: A11yViolation[]): string {
  return violations
    .map((v) =>
      [
        `${v.id} (${v.impact}): ${v.help}\n  ${v.helpUrl}`,
        ...v.nodes.map((n) => `  - ${n.target}\n    ${n.summary}`),
      ].join('\n'),
    )
    .join('\n\n');
}

/** Fails with the formatted list when axe finds a serious or critical violation in `page`. */
export async function expectNoSeriousA11yViolations(page: Page, label: string): Promise<void> {
  const violations = await seriousA11yViolations(page);
  if (violations.length > 0) {
    throw new Error(
      `axe-core: ${violations.length} serious or critical accessibility violation(s) in ${label}:\n\n${formatA11yViolations(violations)}`,
    );
  }
}
