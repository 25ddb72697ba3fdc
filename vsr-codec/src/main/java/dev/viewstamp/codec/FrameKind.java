package dev.viewstamp.codec;

import dev.viewstamp.core.message.Commit;
import dev.viewstamp.core.message.DoViewChange;
import dev.viewstamp.core.message.Entries;
import dev.viewstamp.core.message.GetEntries;
import dev.viewstamp.core.message.GetState;
import dev.viewstamp.core.message.GetSyncChunk;
import dev.viewstamp.core.message.Message;
import dev.viewstamp.core.message.NewState;
import dev.viewstamp.core.message.Prepare;
import dev.viewstamp.core.message.PrepareOk;
import dev.viewstamp.core.message.Recovery;
import dev.viewstamp.core.message.RecoveryResponse;
import dev.viewstamp.core.message.Reply;
import dev.viewstamp.core.message.Request;
import dev.viewstamp.core.message.StartView;
import dev.viewstamp.core.message.StartViewChange;
import dev.viewstamp.core.message.SyncChunk;
import dev.viewstamp.core.message.SyncOffer;

/**
 * The kind field of a frame header: which record the body holds. The codes are part of the wire
 * format (docs/WIRE.md) and never change meaning within a {@link WireFormat#VERSION}; a new kind
 * takes the next free code. Code 0 is never used, so a zeroed header names no kind.
 */
enum FrameKind {
    HELLO(1),
    REQUEST(2),
    REPLY(3),
    PREPARE(4),
    PREPARE_OK(5),
    COMMIT(6),
    START_VIEW_CHANGE(7),
    DO_VIEW_CHANGE(8),
    START_VIEW(9),
    GET_STATE(10),
    NEW_STATE(11),
    GET_ENTRIES(12),
    ENTRIES(13),
    RECOVERY(14),
    RECOVERY_RESPONSE(15),
    SYNC_OFFER(16),
    GET_SYNC_CHUNK(17),
    SYNC_CHUNK(18),
    /** Not a core message: a replica's {@link StatusReport} to its peers (runtime only). */
    STATUS(19);

    /** Codes are dense from 1 (kindCodesAreFixed pins it), so a table one longer than the kinds holds them all. */
    private static final FrameKind[] BY_CODE = new FrameKind[values().length + 1];

    static {
        for (FrameKind kind : values()) BY_CODE[kind.code] = kind;
    }

    final short code;

    FrameKind(int code) {
        this.code = (short) code;
    }

    /** The kind with {@code code}, or null for a code no kind has. */
    static FrameKind ofCode(int code) {
        return code >= 0 && code < BY_CODE.length ? BY_CODE[code] : null;
    }

    static FrameKind of(Message message) {
        return switch (message) {
            case Request m -> REQUEST;
            case Reply m -> REPLY;
            case Prepare m -> PREPARE;
            case PrepareOk m -> PREPARE_OK;
            case Commit m -> COMMIT;
            case StartViewChange m -> START_VIEW_CHANGE;
            case DoViewChange m -> DO_VIEW_CHANGE;
            case StartView m -> START_VIEW;
            case GetState m -> GET_STATE;
            case NewState m -> NEW_STATE;
            case GetEntries m -> GET_ENTRIES;
            case Entries m -> ENTRIES;
            case Recovery m -> RECOVERY;
            case RecoveryResponse m -> RECOVERY_RESPONSE;
            case SyncOffer m -> SYNC_OFFER;
            case GetSyncChunk m -> GET_SYNC_CHUNK;
            case SyncChunk m -> SYNC_CHUNK;
        };
    }
}
