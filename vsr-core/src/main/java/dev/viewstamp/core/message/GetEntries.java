package dev.viewstamp.core.message;

/**
 * Repair: the sender asks for entries {@code fromOp + 1 .. toOp} of the chain whose entry at
 * {@code toOp} has checksum {@code toChecksum}. Any replica whose log holds that very entry
 * answers with {@link Entries}, whatever its status or view: the hash chain makes the answer
 * self-authenticating, so the receiver needs to trust nobody.
 *
 * <p>A replica whose journal came back damaged from a crash uses it to fill the holes of its log
 * (docs/STORAGE.md): it knows each missing entry's checksum from its journal's redundant headers
 * or from the next entry's parent checksum.
 */
public record GetEntries(long fromOp, long toOp, long toChecksum, int replica) implements Message {}
