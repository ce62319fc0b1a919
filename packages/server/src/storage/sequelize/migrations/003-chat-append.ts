import type { MigrationContext } from './index';

/**
 * `videoconf_append_chat_message(...)`: appends a chat message in one statement, so that the
 * room's row lock, which serialises the senders of a room, is held for one round trip and the
 * commit, not for a conversation of four statements (bench `http.chat-send.pg`,
 * docs/benchmarks.md). The rules are those `appendMessage` kept in a transaction before:
 *
 * 1. bump `rooms.last_chat_seq` (locks the room row: senders, kicks and ends wait for each other);
 * 2. refuse a missing room (`VC404`) or an ended or cancelled one (`VC410`);
 * 3. refuse a sender participant that is not active (`VC403`) — a statement of its own, after
 *    the lock: a VOLATILE function takes a fresh snapshot for each statement, so a kick that
 *    committed while this one waited for the lock is seen;
 * 4. insert the message with the new seq and return it.
 *
 * An error (those three, or a unique violation of `chat_messages_client_message_id_key` when a
 * retry raced) rolls the statement back, the seq with it: seqs have no gaps.
 */
const UP = `CREATE FUNCTION videoconf_append_chat_message(
    p_id uuid,
    p_room_id uuid,
    p_sender_participant_id uuid,
    p_sender_user_id uuid,
    p_sender_display_name text,
    p_message_type text,
    p_content text,
    p_client_message_id text,
    p_created_at timestamptz
  ) RETURNS chat_messages
  LANGUAGE plpgsql VOLATILE AS $fn$
  DECLARE
    v_seq integer;
    v_status text;
    v_message chat_messages;
  BEGIN
    UPDATE rooms SET last_chat_seq = last_chat_seq + 1 WHERE id = p_room_id
      RETURNING last_chat_seq, status INTO v_seq, v_status;
    IF NOT FOUND THEN
      RAISE EXCEPTION 'room not found' USING ERRCODE = 'VC404';
    END IF;
    IF v_status IN ('ended', 'cancelled') THEN
      RAISE EXCEPTION 'room ended' USING ERRCODE = 'VC410';
    END IF;
    IF p_sender_participant_id IS NOT NULL AND NOT EXISTS (
      SELECT 1 FROM participants
      WHERE id = p_sender_participant_id AND room_id = p_room_id AND left_at IS NULL
    ) THEN
      RAISE EXCEPTION 'not a participant' USING ERRCODE = 'VC403';
    END IF;
    INSERT INTO chat_messages (id, room_id, seq, sender_participant_id, sender_user_id,
        sender_display_name, message_type, content, client_message_id, created_at)
      VALUES (p_id, p_room_id, v_seq, p_sender_participant_id, p_sender_user_id,
        p_sender_display_name, p_message_type, p_content, p_client_message_id, p_created_at)
      RETURNING * INTO v_message;
    RETURN v_message;
  END
  $fn$`;

export async function up({ context }: { context: MigrationContext }): Promise<void> {
  await context.sequelize.query(UP);
}

export async function down({ context }: { context: MigrationContext }): Promise<void> {
  await context.sequelize.query(
    'DROP FUNCTION IF EXISTS videoconf_append_chat_message(uuid, uuid, uuid, uuid, text, text, text, text, timestamptz)',
  );
}
