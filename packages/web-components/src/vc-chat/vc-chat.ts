import {
  type ChatFeature,
  type ChatMessage,
  type Conference,
  type ConferenceOptions,
  type ConferenceState,
  type Participant,
  setupChat,
} from '@videoconf/client-sdk';
import { html, nothing, type PropertyValues } from 'lit';
import { emit } from '../internal/events';
import { format } from '../internal/i18n';
import { MAX_MESSAGE_LENGTH, messageLength } from '../internal/message-length';
import { StoreController } from '../internal/store-controller';
import { VcElement } from '../internal/vc-element';
import { chatStyles } from './vc-chat.styles';

/** Pixels from the top of the list at which older messages are paged in. */
const LOAD_OLDER_AT = 48;
/** Pixels from the bottom within which the list follows new messages. */
const STICK_TO_BOTTOM = 32;

/**
 * The room's chat: history (older pages load on scroll), live messages, edit and delete of one's
 * own messages (a host or co-host deletes any), "edited" and "deleted" marks, a composer (Enter
 * sends, Shift+Enter starts a new line) with the character limit shown. Messages are text, never
 * HTML. Alone it joins the room without media; inside `<vc-room>` it uses the room's connection.
 *
 * @attr server - base URL of the videoconf server (it must allow the page's origin: `CORS_ORIGINS`)
 * @attr room - room id
 * @attr token - a bearer access token; or set `.getToken` for fresh ones
 * @attr invite - an invite token: the element asks for a name (unless `display-name` is set),
 *   redeems it and chats as that guest
 * @attr display-name - name to show when joining
 * @attr lang - `en` (default) or `ru`; `.strings` overrides any text
 * @attr theme - `light`, `dark` or `auto` (default: follows `prefers-color-scheme`)
 * @attr unread - messages of others received while the chat was not visible (set by the
 *   element and reflected to the attribute)
 *
 * @event vc-chat-message - a new message arrived (`detail.message`), one's own included
 * @event vc-error - a join, send, edit or delete failed (`detail.code`, `detail.message`)
 *
 * @csspart messages - the list of messages (scrolls; older pages load at its top)
 * @csspart message - one message
 * @csspart message-author - the sender's name
 * @csspart message-content - the text of a message
 * @csspart message-time - when it was sent
 * @csspart edit-button - edits one's own message
 * @csspart delete-button - deletes a message
 * @csspart edited-mark - the "edited" mark of a message
 * @csspart cancel-button - cancels an edit
 * @csspart load-more-button - loads older messages
 * @csspart empty - shown when there are no messages
 * @csspart status - connecting, or chat unavailable
 * @csspart composer - the form at the bottom
 * @csspart composer-input - the text area
 * @csspart counter - characters used of the limit
 * @csspart send-button - sends (or saves an edit)
 * @csspart error - the last failure
 * @csspart name-form - asks a guest's name before redeeming an `invite`
 * @csspart name-input - the guest's name
 * @csspart join-button - joins with that name
 *
 * @cssproperty --vc-font-family - the font
 * @cssproperty --vc-color-bg - the element's background
 * @cssproperty --vc-color-surface - messages and the input
 * @cssproperty --vc-color-text - the text
 * @cssproperty --vc-color-muted - times, marks, the counter
 * @cssproperty --vc-color-accent - the send button, links, focus rings
 * @cssproperty --vc-color-danger - delete, errors, over the limit
 * @cssproperty --vc-radius - corners of messages, fields and buttons
 * @cssproperty --vc-gap - spacing
 */
export class VcChat extends VcElement {
  static override styles = [...VcElement.styles, chatStyles];

  static override properties = {
    ...VcElement.properties,
    draft: { state: true },
    editing: { state: true },
    loadingOlder: { state: true },
    errorText: { state: true },
    announcement: { state: true },
    visible: { state: true },
  };

  declare protected draft: string;
  declare protected editing: ChatMessage | null;
  declare protected loadingOlder: boolean;
  declare protected errorText: string;
  declare protected announcement: string;
  declare protected visible: boolean;

  #chat: ChatFeature | null = null;
  #stops: (() => void)[] = [];
  #deleted = new Map<string, ChatMessage>();
  #messages = new StoreController<ChatMessage[]>(this, []);
  #hasMore = new StoreController<boolean>(this, false);
  #unread = new StoreController<number>(this, 0);
  #state = new StoreController<ConferenceState>(this, 'idle');
  #self = new StoreController<Participant | null>(this, null);
  #observer: IntersectionObserver | null = null;
  #intersecting = false;
  #stickToBottom = true;
  /** Distance from the bottom to keep while older messages are prepended. */
  #keepFromBottom: number | null = null;

  constructor() {
    super();
    this.draft = '';
    this.editing = null;
    this.loadingOlder = false;
    this.errorText = '';
    this.announcement = '';
    this.visible = false;
  }

  /** Messages of others received while the chat was not visible (also the `unread` attribute). */
  get unread(): number {
    return this.#unread.value;
  }

  protected override conferenceOptions(): ConferenceOptions {
    return { media: false };
  }

  protected override conferenceChanged(conference: Conference | null): void {
    for (const stop of this.#stops) stop();
    this.#stops = [];
    this.#chat?.dispose();
    this.#chat = conference ? setupChat(conference) : null;
    this.#deleted.clear();
    this.editing = null;
    this.#stickToBottom = true;
    this.#messages.setStore(this.#chat?.messages ?? null);
    this.#hasMore.setStore(this.#chat?.hasMore ?? null);
    this.#unread.setStore(this.#chat?.unread ?? null);
    this.#state.setStore(conference?.state ?? null);
    this.#self.setStore(conference?.self ?? null);
    if (!conference) return;
    this.#stops.push(
      conference.onRealtime('chat.message', ({ data }) => {
        const { message } = data;
        emit(this, 'vc-chat-message', { message });
        if (!this.#isOwn(message)) {
          this.announcement = format(this.text.newMessage, {
            name: message.senderDisplayName,
            text: message.content,
          });
        }
      }),
      conference.onRealtime('chat.message.deleted', ({ data }) => this.#markDeleted(data.message)),
    );
  }

  override connectedCallback(): void {
    super.connectedCallback();
    document.addEventListener('visibilitychange', this.#visibilityChanged);
    if (typeof IntersectionObserver !== 'undefined') {
      this.#observer = new IntersectionObserver((entries) => {
        this.#intersecting = entries.some((e) => e.isIntersecting);
        this.#visibilityChanged();
      });
      this.#observer.observe(this);
    }
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    document.removeEventListener('visibilitychange', this.#visibilityChanged);
    this.#observer?.disconnect();
    this.#observer = null;
    for (const stop of this.#stops) stop();
    this.#stops = [];
    this.#chat?.dispose();
    this.#chat = null;
  }

  #visibilityChanged = () => {
    this.visible = this.#intersecting && document.visibilityState === 'visible';
  };

  #isOwn(message: ChatMessage): boolean {
    const self = this.#self.value;
    return self !== null && message.senderUserId !== null && message.senderUserId === self.userId;
  }

  #markDeleted(message: ChatMessage) {
    this.#deleted.set(message.id, {
      ...message,
      deletedAt: message.deletedAt ?? new Date().toISOString(),
    });
    if (this.editing?.id === message.id) this.#cancelEdit();
    this.requestUpdate();
  }

  get #list(): HTMLElement | null {
    return this.renderRoot.querySelector('[part="messages"]');
  }

  protected override willUpdate(changed: PropertyValues<this>): void {
    super.willUpdate(changed);
    const list = this.#list;
    if (list) {
      this.#stickToBottom =
        list.scrollHeight - list.scrollTop - list.clientHeight <= STICK_TO_BOTTOM;
    }
  }

  protected override updated(changed: PropertyValues<this>): void {
    super.updated(changed);
    const list = this.#list;
    if (list) {
      if (this.#keepFromBottom !== null && !this.loadingOlder) {
        list.scrollTop = list.scrollHeight - this.#keepFromBottom;
        this.#keepFromBottom = null;
      } else if (this.#stickToBottom && this.#keepFromBottom === null) {
        list.scrollTop = list.scrollHeight;
      }
    }
    if (this.visible && this.#unread.value > 0) this.#chat?.markRead();
    const unread = this.#unread.value;
    if (unread > 0) this.setAttribute('unread', String(unread));
    else this.removeAttribute('unread');
  }

  async #loadOlder() {
    const chat = this.#chat;
    const list = this.#list;
    if (!chat || this.loadingOlder || !this.#hasMore.value) return;
    this.loadingOlder = true;
    if (list) this.#keepFromBottom = list.scrollHeight - list.scrollTop;
    try {
      await chat.loadOlder();
    } catch (error) {
      this.#fail(error);
    } finally {
      this.loadingOlder = false;
    }
  }

  #onScroll = (event: Event) => {
    const list = event.currentTarget as HTMLElement;
    if (list.scrollTop <= LOAD_OLDER_AT) void this.#loadOlder();
  };

  #fail(error: unknown) {
    this.reportError(error);
    this.errorText = error instanceof Error ? error.message : String(error);
  }

  #onInput = (event: Event) => {
    this.draft = (event.target as HTMLTextAreaElement).value;
  };

  #onKeyDown = (event: KeyboardEvent) => {
    if (event.key === 'Enter' && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      void this.#submit();
    } else if (event.key === 'Escape' && this.editing) {
      event.preventDefault();
      this.#cancelEdit();
    }
  };

  #onSubmit = (event: Event) => {
    event.preventDefault();
    void this.#submit();
  };

  get #canSend(): boolean {
    const length = messageLength(this.draft);
    const state = this.#state.value;
    return (
      this.#chat !== null &&
      (state === 'connected' || state === 'reconnecting') &&
      length > 0 &&
      length <= MAX_MESSAGE_LENGTH
    );
  }

  async #submit() {
    const chat = this.#chat;
    if (!chat || !this.#canSend) return;
    const content = this.draft;
    const editing = this.editing;
    this.errorText = '';
    this.draft = '';
    this.editing = null;
    this.#stickToBottom = true;
    try {
      if (editing) await chat.edit(editing.id, content);
      else await chat.send(content);
    } catch (error) {
      this.#fail(error);
      if (this.draft === '') {
        this.draft = content;
        this.editing = editing;
      }
    }
  }

  #startEdit(message: ChatMessage) {
    this.editing = message;
    this.draft = message.content;
    this.errorText = '';
    void this.updateComplete.then(() => {
      const input = this.renderRoot.querySelector<HTMLTextAreaElement>('[part="composer-input"]');
      input?.focus();
      input?.setSelectionRange(input.value.length, input.value.length);
    });
  }

  #cancelEdit() {
    this.editing = null;
    this.draft = '';
  }

  async #remove(message: ChatMessage) {
    const chat = this.#chat;
    if (!chat) return;
    this.errorText = '';
    try {
      await chat.remove(message.id);
      this.#markDeleted(message);
    } catch (error) {
      this.#fail(error);
    }
  }

  #time(iso: string): string {
    try {
      return new Intl.DateTimeFormat(this.lang || 'en', {
        hour: '2-digit',
        minute: '2-digit',
      }).format(new Date(iso));
    } catch {
      return new Date(iso).toLocaleTimeString();
    }
  }

  #renderMessage(message: ChatMessage) {
    const t = this.text;
    const deleted = this.#deleted.has(message.id);
    const own = this.#isOwn(message);
    const canDelete = !deleted && (own || (this.conference?.isModerator ?? false));
    const canEdit = !deleted && own && message.messageType === 'user';
    return html`<li part="message" class=${deleted ? 'deleted' : ''} data-id=${message.id}>
      <div class="meta">
        <span part="message-author">${message.senderDisplayName}</span>
        <time part="message-time" datetime=${message.createdAt}>${this.#time(message.createdAt)}</time>
        ${message.editedAt && !deleted ? html`<span class="mark" part="edited-mark">${t.edited}</span>` : nothing}
        <span class="actions">
          ${
            canEdit
              ? html`<button type="button" part="edit-button" aria-label=${t.editLabel}
                  @click=${() => this.#startEdit(message)}>${t.edit}</button>`
              : nothing
          }
          ${
            canDelete
              ? html`<button type="button" part="delete-button"
                  aria-label=${format(t.deleteLabel, { name: message.senderDisplayName })}
                  @click=${() => void this.#remove(message)}>${t.delete}</button>`
              : nothing
          }
        </span>
      </div>
      <p part="message-content">${deleted ? t.deleted : message.content}</p>
    </li>`;
  }

  #renderNameForm() {
    const t = this.text;
    const submit = (event: Event) => {
      event.preventDefault();
      const input = this.renderRoot.querySelector<HTMLInputElement>('[part="name-input"]');
      const name = input?.value.trim();
      if (name) this.displayName = name;
    };
    return html`<form part="name-form" @submit=${submit}>
      <label for="name">${t.guestName}</label>
      <div class="row">
        <input id="name" part="name-input" required maxlength="100" autocomplete="name" />
        <button part="join-button" type="submit">${t.join}</button>
      </div>
    </form>`;
  }

  protected override render() {
    const t = this.text;
    if (this.needsName) return this.#renderNameForm();
    const state = this.#state.value;
    const final = ['left', 'kicked', 'ended', 'rejected', 'error'].includes(state);
    if (!this.#chat || final) {
      return html`<p part="status" role="status">${final ? t.unavailable : t.connecting}</p>`;
    }
    const items = [...this.#messages.value];
    for (const message of this.#deleted.values()) {
      if (!items.some((m) => m.id === message.id)) items.push(message);
    }
    items.sort((a, b) => a.seq - b.seq);
    const length = messageLength(this.draft);
    const over = length > MAX_MESSAGE_LENGTH;
    const ready = state === 'connected' || state === 'reconnecting';
    return html`
      ${ready ? nothing : html`<p part="status" role="status">${t.connecting}</p>`}
      <ol part="messages" tabindex="0" aria-label=${t.messagesLabel} @scroll=${this.#onScroll}>
        ${
          this.#hasMore.value
            ? html`<li class="more"><button type="button" part="load-more-button"
                ?disabled=${this.loadingOlder}
                @click=${() => void this.#loadOlder()}>${this.loadingOlder ? t.loading : t.loadOlder}</button></li>`
            : nothing
        }
        ${items.map((message) => this.#renderMessage(message))}
      </ol>
      ${items.length === 0 && ready ? html`<p part="empty">${t.empty}</p>` : nothing}
      <div class="visually-hidden" role="status" aria-live="polite" aria-atomic="true">${this.announcement}</div>
      <form part="composer" @submit=${this.#onSubmit}>
        ${
          this.editing
            ? html`<div class="meta"><span class="mark">${t.editing}</span>
                <button type="button" class="cancel" part="cancel-button" @click=${() => this.#cancelEdit()}>${t.cancel}</button></div>`
            : nothing
        }
        <div class="row">
          <label class="visually-hidden" for="input">${t.inputLabel}</label>
          <textarea
            id="input"
            part="composer-input"
            rows="2"
            placeholder=${t.placeholder}
            aria-describedby="counter"
            aria-invalid=${over ? 'true' : 'false'}
            ?disabled=${!ready}
            .value=${this.draft}
            @input=${this.#onInput}
            @keydown=${this.#onKeyDown}
          ></textarea>
          <button type="submit" part="send-button" ?disabled=${!this.#canSend}>
            ${this.editing ? t.save : t.send}
          </button>
        </div>
        <span id="counter" part="counter" class=${over ? 'over' : ''}>
          ${format(t.characters, { count: length, max: MAX_MESSAGE_LENGTH })}${over ? html` — ${t.tooLong}` : nothing}
        </span>
        ${this.errorText ? html`<p part="error" role="alert">${this.errorText}</p>` : nothing}
      </form>
    `;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'vc-chat': VcChat;
  }
}
