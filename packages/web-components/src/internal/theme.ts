import { css } from 'lit';

/** The dark defaults, for `theme="dark"` and for `auto` in a dark colour scheme. */
const darkTokens = css`
  --_bg: var(--vc-color-bg, #15181d);
  --_surface: var(--vc-color-surface, #232831);
  --_text: var(--vc-color-text, #e8eaed);
  --_muted: var(--vc-color-muted, #9aa4b2);
  --_accent: var(--vc-color-accent, #6ea1ff);
  --_on-accent: var(--vc-color-on-accent, #0b1220);
  --_danger: var(--vc-color-danger, #ef6b6b);
  color-scheme: dark;
`;

/**
 * The theme tokens. A page sets `--vc-*` on the element (or anywhere above it); the element reads
 * them through private `--_*` properties whose fallbacks are the light or dark defaults:
 * `theme="light"`, `theme="dark"`, or `auto` (the default) following `prefers-color-scheme`.
 */
export const themeStyles = css`
  :host {
    --_font-family: var(--vc-font-family, system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif);
    --_radius: var(--vc-radius, 8px);
    --_gap: var(--vc-gap, 8px);
    --_tile-aspect-ratio: var(--vc-tile-aspect-ratio, 16 / 9);
    --_bg: var(--vc-color-bg, #ffffff);
    --_surface: var(--vc-color-surface, #f1f3f5);
    --_text: var(--vc-color-text, #1a1d21);
    --_muted: var(--vc-color-muted, #5f6b7a);
    --_accent: var(--vc-color-accent, #2563eb);
    --_on-accent: var(--vc-color-on-accent, #ffffff);
    --_danger: var(--vc-color-danger, #c62828);
    color-scheme: light;
    font-family: var(--_font-family);
    color: var(--_text);
    background: var(--_bg);
  }
  :host([theme='dark']) {
    ${darkTokens}
  }
  @media (prefers-color-scheme: dark) {
    :host(:not([theme='light'])) {
      ${darkTokens}
    }
  }
  :host([hidden]) {
    display: none;
  }
  .visually-hidden {
    position: absolute;
    width: 1px;
    height: 1px;
    padding: 0;
    margin: -1px;
    overflow: hidden;
    clip: rect(0 0 0 0);
    white-space: nowrap;
    border: 0;
  }
`;
