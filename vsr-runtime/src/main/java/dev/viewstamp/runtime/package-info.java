/**
 * The runtime: one replica of any {@link dev.viewstamp.core.service.StateMachine} on its data
 * directory, with real threads and a monotonic clock, behind a {@link dev.viewstamp.runtime.Transport}.
 *
 * <p>{@link dev.viewstamp.runtime.ReplicaNode} is the entry point: options, start, status, close,
 * and {@code terminated()} for a process to wait on (it completes with a
 * {@link dev.viewstamp.runtime.NodeFailure} when the node stops on its own). Threads per node:
 * <pre>
 *   transport threads ──deliver──► bounded inbound queue ─┐
 *   journal thread (FileDisk, in order) ──completions──────┼──► replica thread: Replica, service,
 *   checkpoint thread (files, snapshot encoding) ──────────┘     ReplicaStorage; ticks from
 *                                                                 System.nanoTime every tickMillis
 *   replica thread ──send / reply──► transport
 * </pre>
 * A network transport implements {@link dev.viewstamp.runtime.Transport}: {@code start} hands it
 * the node's {@link dev.viewstamp.runtime.Transport.Inbound}, to which it delivers decoded messages
 * and client requests from its own threads; {@code send} and {@code reply} are called on the
 * replica thread and must not block it. {@link dev.viewstamp.runtime.LoopbackTransport} is the
 * in-process one the tests use.
 */
package dev.viewstamp.runtime;
