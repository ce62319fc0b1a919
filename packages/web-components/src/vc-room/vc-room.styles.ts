import { css } from 'lit';

export const roomStyles = css`
  :host {
    display: flex;
    flex-direction: column;
    box-sizing: border-box;
    min-height: 480px;
    height: 100%;
    border-radius: var(--_radius);
    font-size: 14px;
    line-height: 1.4;
    overflow: hidden;
  }
  *,
  *::before,
  *::after {
    box-sizing: border-box;
  }
  [hidden] {
    display: none !important;
  }
  h2 {
    font-size: 20px;
    margin: 0 0 calc(var(--_gap) / 2);
  }
  .muted,
  [part='status'] {
    color: var(--_muted);
  }
  button,
  select,
  input {
    font: inherit;
    color: inherit;
  }
  button {
    display: inline-flex;
    align-items: center;
    gap: 6px;
    padding: 8px 14px;
    border-radius: var(--_radius);
    border: 1px solid color-mix(in srgb, var(--_muted) 40%, transparent);
    background: var(--_surface);
    cursor: pointer;
    min-height: 40px;
  }
  button:disabled {
    cursor: not-allowed;
    opacity: 0.55;
  }
  button:focus-visible,
  select:focus-visible,
  input:focus-visible,
  [tabindex]:focus-visible {
    outline: 2px solid var(--_accent);
    outline-offset: 2px;
  }
  /* The background colour on the accent: white in light, near-black in dark (contrast). */
  .primary {
    background: var(--_accent);
    border-color: var(--_accent);
    color: var(--_bg);
    font-weight: 600;
  }
  .danger {
    background: var(--_danger);
    border-color: var(--_danger);
    color: var(--_bg);
    font-weight: 600;
  }
  .toggle .dot {
    width: 10px;
    height: 10px;
    border-radius: 50%;
    background: var(--_muted);
  }
  .toggle[aria-pressed='true'] {
    border-color: var(--_accent);
    box-shadow: inset 0 0 0 1px var(--_accent);
  }
  .toggle[aria-pressed='true'] .dot {
    background: var(--_accent);
  }
  .toggle[aria-pressed='false'] .dot {
    background: var(--_danger);
  }
  [part='error'] {
    color: var(--_danger);
    margin: 0;
  }

  /* pre-join */
  [part='prejoin'] {
    padding: calc(var(--_gap) * 3);
    overflow: auto;
  }
  .prejoin-body {
    display: flex;
    flex-wrap: wrap;
    gap: calc(var(--_gap) * 3);
    margin-top: calc(var(--_gap) * 2);
  }
  .preview {
    flex: 1 1 320px;
    max-width: 640px;
    display: flex;
    flex-direction: column;
    gap: var(--_gap);
  }
  [part='preview-video'],
  [part='preview-off'] {
    width: 100%;
    aspect-ratio: var(--_tile-aspect-ratio);
    border-radius: var(--_radius);
    background: #000;
    object-fit: cover;
    transform: scaleX(-1);
  }
  [part='preview-off'] {
    transform: none;
    display: grid;
    place-items: center;
    background: var(--_surface);
    color: var(--_muted);
  }
  .preview-toggles {
    display: flex;
    gap: var(--_gap);
  }
  .side {
    flex: 1 1 240px;
    max-width: 360px;
    display: flex;
    flex-direction: column;
    gap: calc(var(--_gap) * 1.5);
  }
  .meter-row {
    display: flex;
    flex-direction: column;
    gap: 4px;
  }
  [part='level'] {
    height: 8px;
    border-radius: 4px;
    background: var(--_surface);
    overflow: hidden;
  }
  .level-bar {
    height: 100%;
    background: var(--_accent);
    transition: width 90ms linear;
  }
  [part='devices'] {
    display: flex;
    flex-direction: column;
    gap: var(--_gap);
  }
  .field {
    display: flex;
    flex-direction: column;
    gap: 4px;
  }
  .field > span,
  .meter-row > span {
    color: var(--_muted);
    font-size: 13px;
  }
  select,
  input {
    padding: 8px 10px;
    border-radius: var(--_radius);
    border: 1px solid color-mix(in srgb, var(--_muted) 50%, transparent);
    background: var(--_surface);
    min-height: 40px;
  }
  input[aria-invalid='true'] {
    border-color: var(--_danger);
  }
  [part='join-button'] {
    justify-content: center;
    font-size: 16px;
  }

  /* lobby, joining, ended */
  .center,
  [part='lobby'],
  [part='ended'] {
    flex: 1;
    display: flex;
    flex-direction: column;
    align-items: center;
    justify-content: center;
    gap: calc(var(--_gap) * 2);
    padding: calc(var(--_gap) * 4);
    text-align: center;
  }
  [part='ended'] h2:focus {
    outline: none;
  }
  [part='ended'] h2:focus-visible {
    outline: 2px solid var(--_accent);
  }

  /* in room */
  .room {
    flex: 1;
    display: flex;
    flex-direction: column;
    min-height: 0;
  }
  [part='banner'] {
    padding: var(--_gap) calc(var(--_gap) * 2);
    background: color-mix(in srgb, var(--_danger) 18%, var(--_bg));
    color: var(--_text);
    font-weight: 600;
    text-align: center;
  }
  .room > [part='status'] {
    margin: 0;
    padding: calc(var(--_gap) / 2) calc(var(--_gap) * 2);
    background: var(--_surface);
    text-align: center;
  }
  .room > [part='error'] {
    padding: calc(var(--_gap) / 2) calc(var(--_gap) * 2);
  }
  .main {
    flex: 1;
    display: flex;
    min-height: 0;
    gap: var(--_gap);
    padding: var(--_gap);
  }
  .stage {
    flex: 1;
    min-width: 0;
    min-height: 0;
    overflow: hidden;
    display: flex;
    border-radius: var(--_radius);
    background: color-mix(in srgb, var(--_surface) 60%, var(--_bg));
  }
  .stage > vc-grid {
    flex: 1;
    min-width: 0;
    min-height: 0;
  }
  [part='panel'] {
    flex: 0 0 320px;
    max-width: 45%;
    display: flex;
    flex-direction: column;
    background: var(--_bg);
    border: 1px solid color-mix(in srgb, var(--_muted) 30%, transparent);
    border-radius: var(--_radius);
    min-height: 0;
    overflow: hidden;
  }
  .panel-head {
    display: flex;
    align-items: center;
    justify-content: space-between;
    padding: var(--_gap) var(--_gap) 0 calc(var(--_gap) * 1.5);
  }
  .panel-head h2 {
    font-size: 16px;
    margin: 0;
  }
  .close {
    border: none;
    background: none;
    font-size: 20px;
    min-height: 32px;
    padding: 0 8px;
  }
  .panel-body {
    flex: 1;
    min-height: 0;
    display: flex;
    flex-direction: column;
  }
  .panel-body > * {
    flex: 1;
    min-height: 0;
  }
  [part='controls'] {
    display: flex;
    flex-wrap: wrap;
    align-items: center;
    gap: var(--_gap);
    padding: var(--_gap) calc(var(--_gap) * 1.5);
    border-top: 1px solid color-mix(in srgb, var(--_muted) 25%, transparent);
  }
  .spacer {
    flex: 1;
  }
  [part='badge'] {
    min-width: 20px;
    height: 20px;
    padding: 0 6px;
    border-radius: 10px;
    background: var(--_accent);
    color: var(--_bg);
    font-size: 12px;
    font-weight: 600;
    display: inline-grid;
    place-items: center;
  }
  .confirm {
    display: inline-flex;
    align-items: center;
    gap: var(--_gap);
  }
  @media (max-width: 640px) {
    .main {
      flex-direction: column;
    }
    [part='panel'] {
      flex: 1 1 50%;
      max-width: none;
    }
  }
`;
