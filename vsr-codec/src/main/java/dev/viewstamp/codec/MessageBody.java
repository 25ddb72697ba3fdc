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
 * The body of each message kind: the record's components in declaration order, each in the form
 * its type takes (docs/WIRE.md, "Bodies"). One rule for every kind keeps the layout reviewable
 * against the record, and the two switches below fail to compile when a message is added.
 *
 * <p>Decoding rebuilds the record through its canonical constructor, as the core would, after
 * checking what that constructor would refuse; so no decoded frame throws from a constructor.
 */
final class MessageBody {
    private MessageBody() {}

    static void encode(Message message, BodyWriter w) {
        switch (message) {
            case Request m -> w.i64(m.clientId()).i64(m.requestNumber()).bytes(m.operation());
            case Reply m -> w.i64(m.view()).i64(m.clientId()).i64(m.requestNumber()).u8(statusCode(m.status()))
                    .bytes(m.result()).i32(m.replica());
            case Prepare m -> w.i64(m.view()).i64(m.commit()).i64(m.commitChecksum()).entry(m.entry()).i32(m.replica())
                    .i64(m.checkpointOp()).i64(m.checkpointIdentity());
            case PrepareOk m -> w.i64(m.view()).i64(m.op()).i32(m.replica()).i64(m.incarnation());
            case Commit m -> w.i64(m.view()).i64(m.commit()).i64(m.commitChecksum()).i32(m.replica())
                    .crashVectorOrNull(m.crashVector()).i64(m.checkpointOp()).i64(m.checkpointIdentity());
            case StartViewChange m -> w.i64(m.view()).i32(m.replica()).crashVectorOrNull(m.crashVector());
            case DoViewChange m -> w.i64(m.view()).i64(m.logView()).i64(m.op()).i64(m.commit()).i64(m.anchorOp())
                    .i64(m.anchorChecksum()).entries(m.suffix()).i32(m.replica()).i64(m.damagedOpMax())
                    .crashVectorOrNull(m.crashVector());
            case StartView m -> w.i64(m.view()).i64(m.op()).i64(m.commit()).i64(m.anchorOp()).i64(m.anchorChecksum())
                    .entries(m.suffix()).i32(m.replica());
            case GetState m -> w.i64(m.view()).i64(m.fromOp()).i32(m.replica()).i64(m.nonce());
            case NewState m -> w.i64(m.view()).i64(m.op()).i64(m.committedOp()).i64(m.fromOp()).i64(m.anchorChecksum())
                    .bool(m.complete()).entries(m.entries()).i32(m.replica()).i64(m.nonce());
            case GetEntries m -> w.i64(m.fromOp()).i64(m.toOp()).i64(m.toChecksum()).i32(m.replica());
            case Entries m -> w.entries(m.entries()).i32(m.replica());
            case Recovery m -> w.i64(m.nonce()).crashVector(m.crashVector()).i32(m.replica());
            case RecoveryResponse m -> w.i64(m.nonce()).crashVector(m.crashVector()).i64(m.view()).i32(m.replica());
            case SyncOffer m -> w.i64(m.view()).i64(m.checkpointOp()).i64(m.entryChecksum()).i64(m.entryTimestamp())
                    .i64(m.identity()).i32(m.replica()).i64(m.nonce());
            case GetSyncChunk m -> w.i64(m.checkpointOp()).i64(m.identity()).i64(m.offset()).i32(m.replica())
                    .i64(m.nonce());
            case SyncChunk m -> w.i64(m.checkpointOp()).i64(m.identity()).i64(m.offset()).i64(m.sizeBytes())
                    .i64(m.fileChecksum()).bytes(m.bytes()).i64(m.chunkChecksum()).i32(m.replica());
        }
    }

    /**
     * Decodes a message body of {@code kind}. Java evaluates constructor arguments left to right,
     * so each constructor call below reads the fields in the order {@link #encode} wrote them.
     */
    static Message decode(FrameKind kind, BodyReader r) throws CodecException {
        Message message = switch (kind) {
            case HELLO -> throw r.malformed("a Hello frame where a message was expected");
            case STATUS -> throw r.malformed("a status frame where a message was expected");
            case REQUEST -> new Request(r.i64("clientId"), requestNumber(r), r.bytes("operation"));
            case REPLY -> new Reply(r.i64("view"), r.i64("clientId"), r.i64("requestNumber"), status(r),
                    r.bytes("result"), r.replica("replica"));
            case PREPARE -> new Prepare(r.i64("view"), r.i64("commit"), r.i64("commitChecksum"), r.entry("entry"),
                    r.replica("replica"), r.i64("checkpointOp"), r.i64("checkpointIdentity"));
            case PREPARE_OK -> new PrepareOk(r.i64("view"), r.i64("op"), r.replica("replica"), r.i64("incarnation"));
            case COMMIT -> new Commit(r.i64("view"), r.i64("commit"), r.i64("commitChecksum"), r.replica("replica"),
                    r.crashVectorOrNull("crashVector"), r.i64("checkpointOp"), r.i64("checkpointIdentity"));
            case START_VIEW_CHANGE -> new StartViewChange(r.i64("view"), r.replica("replica"),
                    r.crashVectorOrNull("crashVector"));
            case DO_VIEW_CHANGE -> new DoViewChange(r.i64("view"), r.i64("logView"), r.i64("op"), r.i64("commit"),
                    r.i64("anchorOp"), r.i64("anchorChecksum"), r.entries("suffix"), r.replica("replica"),
                    r.i64("damagedOpMax"), r.crashVectorOrNull("crashVector"));
            case START_VIEW -> new StartView(r.i64("view"), r.i64("op"), r.i64("commit"), r.i64("anchorOp"),
                    r.i64("anchorChecksum"), r.entries("suffix"), r.replica("replica"));
            case GET_STATE -> new GetState(r.i64("view"), r.i64("fromOp"), r.replica("replica"), r.i64("nonce"));
            case NEW_STATE -> new NewState(r.i64("view"), r.i64("op"), r.i64("committedOp"), r.i64("fromOp"),
                    r.i64("anchorChecksum"), r.bool("complete"), r.entries("entries"), r.replica("replica"),
                    r.i64("nonce"));
            case GET_ENTRIES -> new GetEntries(r.i64("fromOp"), r.i64("toOp"), r.i64("toChecksum"), r.replica("replica"));
            case ENTRIES -> new Entries(r.entries("entries"), r.replica("replica"));
            case RECOVERY -> new Recovery(r.i64("nonce"), r.crashVector("crashVector"), r.replica("replica"));
            case RECOVERY_RESPONSE -> new RecoveryResponse(r.i64("nonce"), r.crashVector("crashVector"), r.i64("view"),
                    r.replica("replica"));
            case SYNC_OFFER -> new SyncOffer(r.i64("view"), r.i64("checkpointOp"), r.i64("entryChecksum"),
                    r.i64("entryTimestamp"), r.i64("identity"), r.replica("replica"), r.i64("nonce"));
            case GET_SYNC_CHUNK -> new GetSyncChunk(r.i64("checkpointOp"), r.i64("identity"), r.i64("offset"),
                    r.replica("replica"), r.i64("nonce"));
            case SYNC_CHUNK -> new SyncChunk(r.i64("checkpointOp"), r.i64("identity"), r.i64("offset"),
                    r.i64("sizeBytes"), r.i64("fileChecksum"), r.bytes("bytes"), r.i64("chunkChecksum"),
                    r.replica("replica"));
        };
        r.end();
        return message;
    }

    /** {@link Request}'s constructor refuses a negative request number; refuse it here first, with the field's name. */
    private static long requestNumber(BodyReader r) throws CodecException {
        long requestNumber = r.i64("requestNumber");
        if (requestNumber < 0) throw r.malformed("requestNumber " + requestNumber + " < 0");
        return requestNumber;
    }

    /** Status codes are fixed here rather than taken from ordinals, so reordering the enum cannot change the wire. */
    private static int statusCode(Reply.Status status) {
        return switch (status) {
            case OK -> 0;
            case EVICTED -> 1;
            case TOO_LARGE -> 2;
        };
    }

    private static Reply.Status status(BodyReader r) throws CodecException {
        int code = r.u8("status");
        return switch (code) {
            case 0 -> Reply.Status.OK;
            case 1 -> Reply.Status.EVICTED;
            case 2 -> Reply.Status.TOO_LARGE;
            default -> throw r.malformed("status: unknown code " + code);
        };
    }
}
