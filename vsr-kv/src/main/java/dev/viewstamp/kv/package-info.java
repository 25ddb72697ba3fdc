/**
 * The key-value store that VR replicates: commands and results with their wire format, the
 * limits, and {@link dev.viewstamp.kv.KvStateMachine}, a deterministic
 * {@link dev.viewstamp.core.service.StateMachine}.
 *
 * <p>The package is pure: no threads, clock or I/O. Every replica that executes the same commands
 * in the same order ends with the same map, returns the same replies and reports the same
 * {@code stateChecksum()}.
 */
package dev.viewstamp.kv;
