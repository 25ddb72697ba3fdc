/**
 * Checks that client histories of a replicated key-value store are linearizable.
 *
 * <p>The simulator and the end-to-end tests record what each client invoked and what it saw as
 * {@link dev.viewstamp.check.Operation}s and hand them to
 * {@link dev.viewstamp.check.LinearizabilityChecker}. The checker treats each key as an
 * independent register (P-compositionality: a history is linearizable iff each key's sub-history
 * is) and runs Wing &amp; Gong's search with Lowe's memoisation on each, as Porcupine and Knossos's
 * linear checker do, with rules that keep the simulator's long, concurrent histories small: ops
 * every linearization can take or leave are left out, values nobody reads are forgotten, and reads
 * that fit go first (see {@link dev.viewstamp.check.KeySearch}).
 *
 * <p>{@link dev.viewstamp.check.JepsenRegisterHistory} and
 * {@link dev.viewstamp.check.JepsenKvHistory} read recorded Jepsen histories with known
 * verdicts, which validate the checker; {@link dev.viewstamp.check.KvHistory} writes and reads
 * the simulator's own histories; {@link dev.viewstamp.check.Lincheck} is the entry point for
 * the {@code vsr lincheck} command.
 *
 * <p>The package is the module vsr-check, which depends on the JDK only: the simulator, the
 * end-to-end tests, {@code vsr lincheck} and outside users take the checker without the protocol
 * core or the simulator. Whatever turns a driver's own client ops into {@code Operation}s (the
 * simulator's {@code SimClient}, for one) stays with that driver.
 */
package dev.viewstamp.check;
