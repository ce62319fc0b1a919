import { css } from 'lit';

export const waitingRoomStyles = css`
  :host {
    display: block;
    box-sizing: border-box;
    border-radius: var(--_radius);
    font-size: 14px;
    line-height: 1.4;
  }
  button:focus-visible,
  input:focus-visible {
    outline: 2px solid var(--_accent);
    outline-offset: 2px;
  }
  [part='lobby'],
  [part='host'] {
    display: flex;
    flex-direction: column;
    gap: var(--_gap);
    padding: calc(var(--_gap) * 1.5);
  }
  [part='lobby'] {
    align-items: center;
    text-align: center;
  }
  [part='status'] {
    margin: 0;
    font-size: 16px;
    font-weight: 600;
  }
  [part='hint'],
  [part='reason'],
  [part='entry-time'],
  [part='empty'] {
    margin: 0;
    color: var(--_muted);
    font-size: 13px;
  }
  [part='reason'] {
    color: var(--_text);
    font-style: italic;
  }
  [part='header'] {
    display: flex;
    flex-wrap: wrap;
    align-items: center;
    justify-content: space-between;
    gap: var(--_gap);
  }
  [part='title'] {
    font-weight: 600;
    font-size: 15px;
  }
  [part='entries'] {
    margin: 0;
    padding: 0;
    list-style: none;
    display: flex;
    flex-direction: column;
    gap: calc(var(--_gap) / 2);
  }
  [part='entry'] {
    display: flex;
    flex-wrap: wrap;
    align-items: center;
    gap: var(--_gap);
    background: var(--_surface);
    border-radius: var(--_radius);
    padding: calc(var(--_gap) * 0.75) var(--_gap);
  }
  .who {
    display: flex;
    flex-direction: column;
    flex: 1 1 10em;
    min-width: 0;
  }
  [part='entry-name'] {
    font-weight: 600;
    overflow-wrap: anywhere;
  }
  [part='entry-actions'] {
    display: flex;
    gap: calc(var(--_gap) / 2);
  }
  button {
    font: inherit;
    font-weight: 600;
    border-radius: var(--_radius);
    padding: calc(var(--_gap) / 2) calc(var(--_gap) * 1.25);
    cursor: pointer;
  }
  button:disabled {
    opacity: 0.6;
    cursor: default;
  }
  [part='approve-button'],
  [part='approve-all-button'],
  [part='join-button'] {
    color: var(--_on-accent);
    background: var(--_accent);
    border: 1px solid var(--_accent);
  }
  [part='reject-button'],
  [part='confirm-reject-button'] {
    color: var(--_danger);
    background: transparent;
    border: 1px solid currentColor;
  }
  [part='cancel-button'] {
    color: var(--_text);
    background: transparent;
    border: 1px solid var(--_muted);
  }
  [part='reject-form'] {
    flex: 1 1 100%;
    display: flex;
    flex-wrap: wrap;
    align-items: flex-end;
    gap: calc(var(--_gap) / 2);
  }
  [part='reject-form'] label,
  [part='name-form'] label {
    flex: 1 1 100%;
    font-size: 13px;
  }
  [part='reason-input'],
  [part='name-input'] {
    flex: 1 1 12em;
    font: inherit;
    color: var(--_text);
    background: var(--_bg);
    border: 1px solid var(--_muted);
    border-radius: var(--_radius);
    padding: calc(var(--_gap) / 2) calc(var(--_gap) * 0.75);
  }
  [part='name-form'] {
    display: flex;
    flex-wrap: wrap;
    gap: calc(var(--_gap) / 2);
    padding: calc(var(--_gap) * 1.5);
  }
  [part='error'] {
    margin: 0;
    color: var(--_danger);
    font-size: 13px;
  }
`;
