import { css } from 'lit';

export const gridStyles = css`
  :host {
    display: flex;
    flex-direction: column;
    gap: var(--_gap);
    box-sizing: border-box;
    font-size: 14px;
    line-height: 1.3;
  }
  [part='grid'] {
    display: grid;
    gap: var(--_gap);
    /* At most --_columns columns; fewer (down to one) when the element is narrow. */
    grid-template-columns: repeat(
      auto-fit,
      minmax(min(100%, max(160px, calc((100% - (var(--_columns) - 1) * var(--_gap)) / var(--_columns)))), 1fr)
    );
    align-content: center;
  }
  [part='grid'].with-screen {
    grid-template-columns: repeat(auto-fill, minmax(min(100%, 160px), 1fr));
  }
  .tile {
    position: relative;
    margin: 0;
    min-width: 0;
    aspect-ratio: var(--_tile-aspect-ratio);
    overflow: hidden;
    border-radius: var(--_radius);
    background: var(--_surface);
    outline: 3px solid transparent;
    outline-offset: -3px;
    transition: outline-color 120ms ease-out;
  }
  .tile.speaking {
    outline-color: var(--_accent);
  }
  .tile.screen {
    grid-column: 1 / -1;
    max-height: 75vh;
    background: #000;
  }
  video {
    display: block;
    width: 100%;
    height: 100%;
    object-fit: cover;
    background: #000;
  }
  .screen video {
    object-fit: contain;
  }
  video.mirrored {
    transform: scaleX(-1);
  }
  [part='avatar'] {
    position: absolute;
    inset: 0;
    display: grid;
    place-items: center;
  }
  [part='avatar'] span {
    display: grid;
    place-items: center;
    width: clamp(40px, 28%, 96px);
    aspect-ratio: 1;
    border-radius: 50%;
    background: var(--_accent);
    color: var(--_on-accent);
    font-size: clamp(16px, 4vw, 32px);
    font-weight: 600;
    user-select: none;
  }
  figcaption {
    position: absolute;
    left: calc(var(--_gap) / 2);
    right: calc(var(--_gap) / 2);
    bottom: calc(var(--_gap) / 2);
    display: flex;
    align-items: center;
    gap: 4px;
    pointer-events: none;
  }
  figcaption > * {
    pointer-events: auto;
  }
  [part='tile-name'] {
    min-width: 0;
    overflow: hidden;
    text-overflow: ellipsis;
    white-space: nowrap;
    padding: 2px 6px;
    border-radius: calc(var(--_radius) / 2);
    background: rgb(0 0 0 / 0.6);
    color: #fff;
    font-size: 12px;
  }
  [part='mic-off'] {
    display: inline-grid;
    place-items: center;
    flex: none;
    width: 22px;
    height: 22px;
    border-radius: 50%;
    background: var(--_danger);
  }
  [part='mic-off'] svg {
    width: 14px;
    height: 14px;
    color: #fff;
  }
  [part='quality'] {
    display: inline-grid;
    place-items: center;
    flex: none;
    margin-left: auto;
    padding: 4px 5px;
    border-radius: calc(var(--_radius) / 2);
    background: rgb(0 0 0 / 0.6);
  }
  [part='quality'] svg {
    width: 14px;
    height: 12px;
  }
  [part='quality'] rect.on {
    fill: #4ade80;
  }
  [part='quality'] rect.off {
    fill: rgb(255 255 255 / 0.35);
  }
  [part='quality'][data-quality='poor'] rect.on {
    fill: #fbbf24;
  }
  [part='quality'][data-quality='lost'] rect.off {
    fill: var(--_danger);
  }
  [part='pagination'] {
    display: flex;
    align-items: center;
    justify-content: center;
    gap: var(--_gap);
  }
  [part='prev-button'],
  [part='next-button'],
  [part='sound-button'] {
    font: inherit;
    min-width: 36px;
    min-height: 32px;
    padding: 2px 10px;
    border: 1px solid var(--_muted);
    border-radius: var(--_radius);
    background: var(--_surface);
    color: var(--_text);
    cursor: pointer;
  }
  [part='prev-button'],
  [part='next-button'] {
    font-size: 18px;
    line-height: 1;
  }
  button:disabled {
    opacity: 0.4;
    cursor: default;
  }
  button:focus-visible {
    outline: 2px solid var(--_accent);
    outline-offset: 2px;
  }
  [part='sound-button'] {
    align-self: center;
    background: var(--_accent);
    border-color: var(--_accent);
    color: var(--_on-accent);
    font-weight: 600;
  }
  [part='page-indicator'],
  [part='status'] {
    color: var(--_muted);
    font-size: 12px;
  }
  [part='status'] {
    margin: 0;
    padding: var(--_gap);
    text-align: center;
  }
  .audio {
    display: none;
  }
`;
