import { css } from 'lit';

export const chatStyles = css`
  :host {
    display: flex;
    flex-direction: column;
    min-height: 240px;
    height: 100%;
    box-sizing: border-box;
    border-radius: var(--_radius);
    font-size: 14px;
    line-height: 1.4;
  }
  [part='messages'] {
    flex: 1 1 auto;
    min-height: 0;
    overflow-y: auto;
    margin: 0;
    padding: var(--_gap);
    list-style: none;
    display: flex;
    flex-direction: column;
    gap: var(--_gap);
  }
  [part='messages']:focus-visible,
  button:focus-visible,
  textarea:focus-visible,
  input:focus-visible {
    outline: 2px solid var(--_accent);
    outline-offset: 2px;
  }
  [part='message'] {
    background: var(--_surface);
    border-radius: var(--_radius);
    padding: calc(var(--_gap) * 0.75) var(--_gap);
  }
  .meta {
    display: flex;
    flex-wrap: wrap;
    align-items: baseline;
    gap: calc(var(--_gap) / 2);
  }
  [part='message-author'] {
    font-weight: 600;
  }
  [part='message-time'],
  .mark,
  [part='counter'],
  [part='status'],
  [part='empty'] {
    color: var(--_muted);
    font-size: 12px;
  }
  [part='message-content'] {
    white-space: pre-wrap;
    overflow-wrap: anywhere;
    margin: 2px 0 0;
  }
  .deleted [part='message-content'] {
    font-style: italic;
    color: var(--_muted);
  }
  .actions {
    margin-left: auto;
    display: flex;
    gap: calc(var(--_gap) / 2);
  }
  .actions button,
  [part='load-more-button'],
  .cancel {
    font: inherit;
    font-size: 12px;
    background: none;
    border: none;
    color: var(--_accent);
    cursor: pointer;
    padding: 2px 4px;
    border-radius: calc(var(--_radius) / 2);
  }
  [part='delete-button'] {
    color: var(--_danger);
  }
  [part='empty'],
  [part='status'] {
    margin: auto;
    padding: var(--_gap);
    text-align: center;
  }
  [part='composer'],
  [part='name-form'] {
    display: flex;
    flex-direction: column;
    gap: calc(var(--_gap) / 2);
    padding: var(--_gap);
    border-top: 1px solid var(--_surface);
  }
  .row {
    display: flex;
    gap: var(--_gap);
    align-items: flex-end;
  }
  [part='composer-input'],
  [part='name-input'] {
    flex: 1 1 auto;
    font: inherit;
    color: var(--_text);
    background: var(--_surface);
    border: 1px solid transparent;
    border-radius: var(--_radius);
    padding: calc(var(--_gap) * 0.75);
    resize: none;
    min-height: 2.5em;
    max-height: 10em;
  }
  [part='composer-input'][aria-invalid='true'] {
    border-color: var(--_danger);
  }
  [part='send-button'],
  [part='join-button'] {
    font: inherit;
    font-weight: 600;
    color: var(--_on-accent);
    background: var(--_accent);
    border: none;
    border-radius: var(--_radius);
    padding: calc(var(--_gap) * 0.75) calc(var(--_gap) * 1.5);
    cursor: pointer;
  }
  [part='send-button']:disabled {
    opacity: 0.5;
    cursor: default;
  }
  .over {
    color: var(--_danger);
  }
  [part='error'] {
    color: var(--_danger);
    font-size: 12px;
    margin: 0;
  }
`;
