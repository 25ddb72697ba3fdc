/**
 * The key-value store that VR replicates: commands and results with their wire format, the
 * limits, and {@link dev.viewstamp.kv.KvStateMachine}, a deterministic
 * {@link dev.viewstamp.core.service.StateMachine}.
 *
 * <p>The package is pure: no threads, clock or I/O of its own; snapshots write to and restore from
 * streams that the caller opens and owns. Every replica that executes the same commands in the
 * same order ends with the same map, returns the same replies and reports the same
 * {@code stateChecksum()}.
 */
package dev.viewstamp.kv;
