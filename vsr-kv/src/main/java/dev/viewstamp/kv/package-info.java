/**
 * The key-value store that VR replicates: commands and results with their wire format, the
 * limits, and {@link dev.viewstamp.kv.KvStateMachine}, a deterministic
 * {@link dev.viewstamp.core.service.StateMachine}.
 *
 * <p>Two kinds of request share one store. A {@link dev.viewstamp.kv.KvCommand} (get, put,
 * append, delete, compare-and-set) gets a {@link dev.viewstamp.kv.KvResult}. A
 * {@link dev.viewstamp.kv.redis.RedisBatch} of Redis string commands (see
 * {@link dev.viewstamp.kv.redis.RedisCommands}) gets one RESP2 reply per command, as Redis 7 would
 * send it. Keys may expire: the op's timestamp, the primary's cluster time in Unix milliseconds,
 * is "now", and every key whose expiry time is at or before it is gone before the op runs.
 *
 * <p>The package is pure: no threads, clock or I/O of its own; snapshots write to and restore from
 * streams that the caller opens and owns. Every replica that executes the same commands in the
 * same order, with the same timestamps, ends with the same map and expiry times, returns the same
 * replies and reports the same {@code stateChecksum()}.
 */
package dev.viewstamp.kv;
