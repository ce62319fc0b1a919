import { type Static, Type } from '@sinclair/typebox';
import { Nullable, NullableTimestamp, Page, PageQuery, Timestamp, Uuid } from './common';
import { MediaToken } from './media';
import { DisplayName, VisibleName } from './names';
import { Participant } from './participants';
import { WaitingEntry } from './waiting-room';

export const RoomStatus = Type.Union([
  Type.Literal('scheduled'),
  Type.Literal('active'),
  Type.Literal('ended'),
  Type.Literal('cancelled'),
]);
export type RoomStatus = Static<typeof RoomStatus>;

export const ScreenSharePolicy = Type.Union([Type.Literal('everyone'), Type.Literal('hosts')]);

export const RoomSettings = Type.Object({
  muteOnJoin: Type.Boolean(),
  cameraOffOnJoin: Type.Boolean(),
  chatEnabled: Type.Boolean(),
  screenShare: ScreenSharePolicy,
});
export type RoomSettings = Static<typeof RoomSettings>;

export const DEFAULT_ROOM_SETTINGS: RoomSettings = {
  muteOnJoin: false,
  cameraOffOnJoin: false,
  chatEnabled: true,
  screenShare: 'everyone',
};

export const RoomSettingsPatch = Type.Partial(RoomSettings);
export type RoomSettingsPatch = Static<typeof RoomSettingsPatch>;

export const Room = Type.Object({
  id: Uuid,
  title: Type.String(),
  description: Nullable(Type.String()),
  hostUserId: Uuid,
  status: RoomStatus,
  maxParticipants: Type.Integer(),
  waitingRoomEnabled: Type.Boolean(),
  isLocked: Type.Boolean(),
  hasPassword: Type.Boolean(),
  scheduledStartAt: NullableTimestamp,
  scheduledEndAt: NullableTimestamp,
  actualStartAt: NullableTimestamp,
  actualEndAt: NullableTimestamp,
  livekitRoomName: Type.String(),
  createdAt: Timestamp,
  updatedAt: Timestamp,
  settings: RoomSettings,
});
export type Room = Static<typeof Room>;

const Title = VisibleName(200);
const Description = Type.String({ maxLength: 2000 });
const MaxParticipants = Type.Integer({ minimum: 1, maximum: 500 });
const RoomPassword = Type.String({ minLength: 1, maxLength: 128 });

export const CreateRoomBody = Type.Object({
  title: Title,
  description: Type.Optional(Nullable(Description)),
  maxParticipants: Type.Optional(MaxParticipants),
  waitingRoomEnabled: Type.Optional(Type.Boolean()),
  password: Type.Optional(Nullable(RoomPassword)),
  scheduledStartAt: Type.Optional(Nullable(Timestamp)),
  scheduledEndAt: Type.Optional(Nullable(Timestamp)),
  settings: Type.Optional(RoomSettingsPatch),
});
export type CreateRoomBody = Static<typeof CreateRoomBody>;

/** Every field of a room that a host may change; all optional (`password: null` clears it). */
export const UpdateRoomBody = Type.Partial(CreateRoomBody);
export type UpdateRoomBody = Static<typeof UpdateRoomBody>;

export const JoinRoomBody = Type.Object({
  displayName: Type.Optional(DisplayName),
  password: Type.Optional(Type.String({ maxLength: 128 })),
});
export type JoinRoomBody = Static<typeof JoinRoomBody>;

/** `GET /rooms`: the rooms the caller hosts, newest first. */
export const RoomListQuery = PageQuery;
export type RoomListQuery = Static<typeof RoomListQuery>;
export const RoomPage = Page(Room);
export type RoomPage = Static<typeof RoomPage>;

/**
 * `200` of `POST /rooms/:id/join`: the caller is an active participant. `media` (when the server
 * has a media server) is the media token `POST /rooms/:id/media/token` would answer, so that a
 * client connects to LiveKit without a second request.
 */
export const JoinedResponse = Type.Object({
  status: Type.Literal('joined'),
  participant: Participant,
  media: Type.Optional(MediaToken),
});
export type JoinedResponse = Static<typeof JoinedResponse>;

/** `202` of `POST /rooms/:id/join`: the caller waits in the lobby until a moderator decides. */
export const WaitingResponse = Type.Object({
  status: Type.Literal('waiting'),
  entry: WaitingEntry,
});
export type WaitingResponse = Static<typeof WaitingResponse>;

/** Either answer of `POST /rooms/:id/join`. */
export type JoinResponse = JoinedResponse | WaitingResponse;
