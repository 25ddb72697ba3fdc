/**
 * What a Redis front end needs from the key-value state machine: the table of the Redis commands
 * it replicates ({@link dev.viewstamp.kv.redis.RedisCommands}), to refuse unknown commands and
 * wrong arities locally, and the bytes of a request that runs a batch of them as one op, and of its
 * reply ({@link dev.viewstamp.kv.redis.RedisBatch}).
 *
 * <p>Deviations from Redis 7, on purpose: one database (FLUSHDB is FLUSHALL, and there is no
 * SELECT); strings only, so TYPE says "string" or "none" and SCAN's TYPE matches only "string";
 * keys and values are bounded by {@link dev.viewstamp.kv.KvLimits} and a command over them gets an
 * error naming the limit; "now" is the op's cluster timestamp, not a local clock; a SCAN cursor is a
 * position in a fixed order of keys (a 64-bit mix of the key's content hash) rather than a hash
 * table bucket, so a walk returns each key that exists throughout it exactly once.
 */
package dev.viewstamp.kv.redis;
