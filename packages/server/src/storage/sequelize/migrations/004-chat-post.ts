import * as chatAppend from './003-chat-append';
import type { MigrationContext } from './index';

/**
 * `videoconf_post_chat_message(...)` replaces 003's `videoconf_append_chat_message`: a send is
 * now one round trip with nothing read before it. The function finds the sender's participant
 * itself and checks what the chat service used to read first (the room, the caller's
 * participant, a repeated `clientMessageId`): three statements of their own before, on every
 * REST send and every `chat.send` over the WebSocket (bench `http.chat-send.pg`,
 * docs/benchmarks.md). In order:
 *
 * 1. lock the room row (`FOR UPDATE`): senders, kicks, ends and settings changes of a room wait
 *    for each other; refuse a missing room (`VC404`) or an ended or cancelled one (`VC410`);
 * 2. for a user's message (`p_sender_user_id` set): the user's active participant, or `VC403`
 *    — a statement of its own, after the lock: a VOLATILE function takes a fresh snapshot for
 *    each statement, so a kick that committed while this one waited for the lock is seen —
 *    and chat enabled, or `VC423`; a system message (`p_sender_user_id` null) skips both and is
 *    signed `p_system_name`;
 * 3. a message of the same sender in the room with `p_client_message_id` is returned as it is
 *    (the caller tells it from a new one: its id is not `p_id`); under the room lock two sends
 *    of one id cannot both miss it;
 * 4. bump `rooms.last_chat_seq` and insert the message with it.
 *
 * An error rolls the statement back, the seq with it: seqs have no gaps.
 */
const UP = `CREATE FUNCTION videoconf_post_chat_message(
    p_id uuid,
    p_room_id uuid,
    p_sender_user_id uuid,
    p_system_name text,
    p_content text,
    p_client_message_id text,
    p_created_at timestamptz
  ) RETURNS chat_messages
  LANGUAGE plpgsql VOLATILE AS $fn$
  DECLARE
    v_status text;
    v_settings jsonb;
    v_participant_id uuid;
    v_name text := p_system_name;
    v_seq integer;
    v_message chat_messages;
  BEGIN
    SELECT status, settings INTO v_status, v_settings FROM rooms WHERE id = p_room_id FOR UPDATE;
    IF NOT FOUND THEN
      RAISE EXCEPTION 'room not found' USING ERRCODE = 'VC404';
    END IF;
    IF v_status IN ('ended', 'cancelled') THEN
      RAISE EXCEPTION 'room ended' USING ERRCODE = 'VC410';
    END IF;
    IF p_sender_user_id IS NOT NULL THEN
      SELECT id, display_name INTO v_participant_id, v_name FROM participants
        WHERE room_id = p_room_id AND user_id = p_sender_user_id AND left_at IS NULL;
      IF NOT FOUND THEN
        RAISE EXCEPTION 'not a participant' USING ERRCODE = 'VC403';
      END IF;
      IF v_settings->>'chatEnabled' = 'false' THEN
        RAISE EXCEPTION 'chat disabled' USING ERRCODE = 'VC423';
      END IF;
    END IF;
    IF p_client_message_id IS NOT NULL THEN
      IF p_sender_user_id IS NULL THEN
        SELECT * INTO v_message FROM chat_messages
          WHERE room_id = p_room_id AND sender_user_id IS NULL
            AND client_message_id = p_client_message_id;
      ELSE
        SELECT * INTO v_message FROM chat_messages
          WHERE room_id = p_room_id AND sender_user_id = p_sender_user_id
            AND client_message_id = p_client_message_id;
      END IF;
      IF FOUND THEN
        RETURN v_message;
      END IF;
    END IF;
    UPDATE rooms SET last_chat_seq = last_chat_seq + 1 WHERE id = p_room_id
      RETURNING last_chat_seq INTO v_seq;
    INSERT INTO chat_messages (id, room_id, seq, sender_participant_id, sender_user_id,
        sender_display_name, message_type, content, client_message_id, created_at)
      VALUES (p_id, p_room_id, v_seq, v_participant_id, p_sender_user_id, v_name,
        CASE WHEN p_sender_user_id IS NULL THEN 'system' ELSE 'user' END,
        p_content, p_client_message_id, p_created_at)
      RETURNING * INTO v_message;
    RETURN v_message;
  END
  $fn$`;

export async function up({ context }: { context: MigrationContext }): Promise<void> {
  await context.sequelize.query(UP);
  await chatAppend.down({ context });
}

/** Back to 003's function. */
export async function down({ context }: { context: MigrationContext }): Promise<void> {
  await chatAppend.up({ context });
  await context.sequelize.query(
    'DROP FUNCTION IF EXISTS videoconf_post_chat_message(uuid, uuid, uuid, text, text, text, timestamptz)',
  );
}
