import { css } from 'lit';

export const participantListStyles = css`
  :host {
    display: flex;
    flex-direction: column;
    gap: var(--_gap);
    box-sizing: border-box;
    padding: var(--_gap);
    border-radius: var(--_radius);
    font-size: 14px;
    line-height: 1.3;
  }
  [part='participants'] {
    display: flex;
    flex-direction: column;
    gap: calc(var(--_gap) / 2);
    margin: 0;
    padding: 0;
    list-style: none;
  }
  [part='participant'] {
    display: flex;
    flex-wrap: wrap;
    align-items: center;
    gap: calc(var(--_gap) / 2) var(--_gap);
    padding: calc(var(--_gap) * 0.75) var(--_gap);
    border-radius: var(--_radius);
    background: var(--_surface);
  }
  .who {
    display: flex;
    flex-wrap: wrap;
    align-items: baseline;
    gap: 0 6px;
    flex: 1 1 8em;
    min-width: 0;
  }
  [part='participant-name'] {
    font-weight: 600;
    overflow-wrap: anywhere;
  }
  .you,
  [part='participant-role'] {
    color: var(--_muted);
    font-size: 12px;
  }
  [part='participant'][data-role='host'] [part='participant-role'],
  [part='participant'][data-role='co_host'] [part='participant-role'] {
    color: var(--_accent);
    font-weight: 600;
  }
  .media {
    display: flex;
    gap: 4px;
  }
  [part='mic-state'],
  [part='camera-state'] {
    display: inline-grid;
    place-items: center;
    width: 26px;
    height: 26px;
    border-radius: 50%;
    color: var(--_text);
  }
  [part='mic-state'].off,
  [part='camera-state'].off {
    color: var(--_danger);
  }
  .icon {
    width: 16px;
    height: 16px;
  }
  .actions {
    display: flex;
    flex-wrap: wrap;
    gap: 4px;
    margin-left: auto;
  }
  .actions button {
    font: inherit;
    font-size: 12px;
    padding: 4px 8px;
    border-radius: calc(var(--_radius) / 2);
    border: 1px solid var(--_muted);
    background: var(--_bg);
    color: var(--_text);
    cursor: pointer;
  }
  [part='promote-button'] {
    border-color: var(--_accent);
    color: var(--_accent);
  }
  [part='kick-button'] {
    border-color: var(--_danger);
    color: var(--_danger);
  }
  .actions button:disabled {
    opacity: 0.45;
    cursor: default;
  }
  button:focus-visible {
    outline: 2px solid var(--_accent);
    outline-offset: 2px;
  }
  [part='error'] {
    margin: 0;
    color: var(--_danger);
    font-size: 12px;
  }
  [part='status'] {
    margin: 0;
    color: var(--_muted);
    text-align: center;
  }
`;
