/** Every text the elements show or announce, by key. `{name}` placeholders are filled in. */
export const en = {
  connecting: 'Connecting…',
  unavailable: 'Chat is unavailable',
  messagesLabel: 'Chat messages',
  empty: 'No messages yet',
  loadOlder: 'Load older messages',
  loading: 'Loading…',
  edited: 'edited',
  deleted: 'This message was deleted',
  edit: 'Edit',
  editLabel: 'Edit your message',
  delete: 'Delete',
  deleteLabel: 'Delete the message from {name}',
  inputLabel: 'Message',
  placeholder: 'Write a message…',
  send: 'Send',
  save: 'Save',
  cancel: 'Cancel',
  editing: 'Editing your message',
  characters: '{count} of {max} characters',
  tooLong: 'The message is too long',
  newMessage: '{name}: {text}',
  guestName: 'Your name',
  join: 'Join',
  // vc-waiting-room
  waitingKnock: 'Ask to join',
  waitingStatus: 'Waiting for the host to let you in',
  waitingHint: 'You asked to join as {name}. Keep this page open.',
  waitingRejected: 'The host did not let you in',
  waitingReason: 'Reason: {reason}',
  waitingEnded: 'The meeting has ended',
  waitingFailed: 'Could not join the meeting',
  waitingTitle: 'Waiting room ({count})',
  waitingListLabel: 'People waiting to join',
  waitingEmpty: 'Nobody is waiting',
  waitingSince: 'waiting since {time}',
  waitingAdmit: 'Admit',
  waitingAdmitLabel: 'Admit {name}',
  waitingReject: 'Reject',
  waitingRejectLabel: 'Reject {name}',
  waitingReasonLabel: 'Reason for {name} (optional)',
  waitingAdmitAll: 'Admit all ({count})',
  waitingKnocked: '{name} is waiting to join',
  waitingAdmitFailed: 'Could not admit {name}: {message}',
  waitingRejectFailed: 'Could not reject {name}: {message}',
  waitingAdmitAllFailed: 'Could not admit everyone: {message}',
  // end vc-waiting-room
} as const;

export type StringKey = keyof typeof en;
export type Strings = Record<StringKey, string>;

export const ru: Strings = {
  connecting: 'Подключение…',
  unavailable: 'Чат недоступен',
  messagesLabel: 'Сообщения чата',
  empty: 'Сообщений пока нет',
  loadOlder: 'Загрузить более ранние сообщения',
  loading: 'Загрузка…',
  edited: 'изменено',
  deleted: 'Сообщение удалено',
  edit: 'Изменить',
  editLabel: 'Изменить своё сообщение',
  delete: 'Удалить',
  deleteLabel: 'Удалить сообщение от {name}',
  inputLabel: 'Сообщение',
  placeholder: 'Напишите сообщение…',
  send: 'Отправить',
  save: 'Сохранить',
  cancel: 'Отмена',
  editing: 'Редактирование сообщения',
  characters: '{count} из {max} символов',
  tooLong: 'Сообщение слишком длинное',
  newMessage: '{name}: {text}',
  guestName: 'Ваше имя',
  join: 'Войти',
  // vc-waiting-room
  waitingKnock: 'Попросить войти',
  waitingStatus: 'Ждём, когда организатор вас впустит',
  waitingHint: 'Вы попросили войти как {name}. Не закрывайте страницу.',
  waitingRejected: 'Организатор не впустил вас',
  waitingReason: 'Причина: {reason}',
  waitingEnded: 'Встреча завершена',
  waitingFailed: 'Не удалось войти во встречу',
  waitingTitle: 'Зал ожидания ({count})',
  waitingListLabel: 'Ожидают входа',
  waitingEmpty: 'Никто не ждёт',
  waitingSince: 'ждёт с {time}',
  waitingAdmit: 'Впустить',
  waitingAdmitLabel: 'Впустить: {name}',
  waitingReject: 'Отклонить',
  waitingRejectLabel: 'Отклонить: {name}',
  waitingReasonLabel: 'Причина для {name} (необязательно)',
  waitingAdmitAll: 'Впустить всех ({count})',
  waitingKnocked: '{name} ждёт входа',
  waitingAdmitFailed: 'Не удалось впустить {name}: {message}',
  waitingRejectFailed: 'Не удалось отклонить {name}: {message}',
  waitingAdmitAllFailed: 'Не удалось впустить всех: {message}',
  // end vc-waiting-room
};

const languages: Record<string, Strings> = { en, ru };

/** The strings of `lang` (its primary subtag: `ru-RU` is `ru`; unknown ones are English), with `overrides` on top. */
export function stringsFor(lang: string | undefined, overrides?: Partial<Strings>): Strings {
  const base = languages[(lang ?? '').toLowerCase().split('-')[0] ?? ''] ?? en;
  return overrides ? { ...base, ...overrides } : base;
}

/** Fills `{name}` placeholders of `text` from `values`. */
export function format(text: string, values: Record<string, string | number>): string {
  return text.replace(/\{(\w+)\}/g, (whole, key: string) =>
    key in values ? String(values[key]) : whole,
  );
}
