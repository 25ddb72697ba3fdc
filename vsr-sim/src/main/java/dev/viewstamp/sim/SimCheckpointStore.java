package dev.viewstamp.sim;

import dev.viewstamp.core.Prng;
import dev.viewstamp.core.check.Check;
import dev.viewstamp.storage.CheckpointStore;
import dev.viewstamp.storage.Disk;
import dev.viewstamp.storage.DiskError;
import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.TreeMap;

/**
 * The simulator's checkpoint files: whole files in memory beside a {@link SimDisk}, operations
 * that complete on {@link #tick} in issue order (a write after a drawn sync latency), and the
 * faults the file system has, drawn from the seed:
 *
 * <ul>
 *   <li>a crash loses every write not yet complete (its file is not there, or the one it replaced
 *       is) and every delete not yet complete (the file stays);
 *   <li>a full disk (the {@link SimDisk}'s: one file system) fails writes with {@code NO_SPACE};
 *   <li>a failed sync ({@link #failNextSync}) fails a write with {@code SYNC}, and no file is left;
 *   <li>data faults ({@link Faults}), aimed at state sync: a chunk read for a peer comes back with
 *       a flipped bit or not at all, the staged file may be damaged or gone when its install
 *       reads it, and a crash may damage or lose the staged file;
 *   <li>own-file faults ({@link #ownFileFaults}): a crash may damage or lose one complete file,
 *       often the one the superblock names, which the restart then fetches from a peer
 *       (docs/CHECKPOINTS.md, section 5).
 * </ul>
 *
 * A served chunk's flipped bit models damage as seen by the fetcher, who must refuse the file at
 * its install and fetch it again elsewhere. The store draws from the seed only while it has files
 * or work, and for faults only while they are on.
 */
final class SimCheckpointStore implements CheckpointStore {

    /**
     * The chance, per chunk read for a peer, per read of the staged file at its install, and per
     * crash for the staged file, that the bytes come back with a flipped bit, or not at all.
     */
    record Faults(double corruptProbability, double lostProbability) {
        /** Off. */
        static final Faults NONE = new Faults(0, 0);
    }

    private record Op(long completeTick, Runnable action) {}

    private final Prng prng;
    private final SimDisk disk;
    private final int latencyTicksMax;
    private Faults faults = Faults.NONE;
    private double ownFileFaultProbability;
    private final TreeMap<Long, byte[]> files = new TreeMap<>();
    /** The staged file of a state sync and its op, or null and -1. */
    private byte[] staged;
    private long stagedOp = -1;
    private final ArrayDeque<Op> pending = new ArrayDeque<>();
    private long now;
    private boolean failNextSync;
    long corruptedFiles;
    long lostFiles;
    /** Complete files a crash damaged or lost ({@link #ownFileFaults}). */
    long ownFilesDamaged;

    /** Files beside {@code disk}, drawing from {@code prng} (the disk's own), syncs within {@code latencyTicksMax}. */
    SimCheckpointStore(Prng prng, SimDisk disk, int latencyTicksMax) {
        this.prng = prng;
        this.disk = disk;
        this.latencyTicksMax = latencyTicksMax;
    }

    /** The data faults of state sync's reads and staged file ({@link Faults}). */
    void faults(Faults value) {
        faults = value;
    }

    /**
     * The chance, per crash, that one of the complete files, drawn at random, is damaged (a flipped
     * bit) or lost, each as likely: a disk that takes data faults loses checkpoint files too.
     */
    void ownFileFaults(double probability) {
        ownFileFaultProbability = probability;
    }

    @Override
    public void write(long op, byte[] file, Disk.Completion completion) {
        byte[] copy = file.clone();
        schedule(prng.between(1, latencyTicksMax), () -> {
            if (disk.full()) {
                completion.done(new DiskError(DiskError.Kind.NO_SPACE, "No space left on device"));
            } else if (failNextSync) {
                failNextSync = false;
                completion.done(new DiskError(DiskError.Kind.SYNC, "Input/output error"));
            } else {
                files.put(op, copy);
                completion.done(null);
            }
        });
    }

    @Override
    public void read(long op, ReadCompletion completion) {
        schedule(1, () -> {
            byte[] file = files.get(op);
            if (file == null) {
                completion.done(null, new DiskError(DiskError.Kind.READ, "checkpoint-" + op + ".vsr is missing"));
            } else {
                completion.done(file.clone(), null);
            }
        });
    }

    @Override
    public void delete(long op, Disk.Completion completion) {
        schedule(1, () -> {
            files.remove(op);
            completion.done(null);
        });
    }

    @Override
    public void list(ListCompletion completion) {
        schedule(1, () -> completion.done(files.keySet().stream().mapToLong(Long::longValue).toArray(), null));
    }

    @Override
    public void writeStaged(long op, long offset, byte[] bytes, Disk.Completion completion) {
        byte[] copy = bytes.clone();
        schedule(prng.between(1, latencyTicksMax), () -> {
            if (disk.full()) {
                completion.done(new DiskError(DiskError.Kind.NO_SPACE, "No space left on device"));
            } else if (failNextSync) {
                failNextSync = false;
                completion.done(new DiskError(DiskError.Kind.SYNC, "Input/output error"));
            } else {
                byte[] before = offset == 0 || stagedOp != op || staged == null ? new byte[0] : staged;
                staged = Arrays.copyOf(before, (int) offset + copy.length);
                System.arraycopy(copy, 0, staged, (int) offset, copy.length);
                stagedOp = op;
                completion.done(null);
            }
        });
    }

    @Override
    public void readRange(long op, long offset, int lengthMax, ReadCompletion completion) {
        schedule(1, () -> {
            byte[] file = files.get(op);
            if (file == null || lost()) {
                completion.done(null, new DiskError(DiskError.Kind.READ, "checkpoint-" + op + ".vsr is missing"));
                return;
            }
            int from = (int) Math.min(file.length, Math.max(0, offset));
            byte[] bytes = Arrays.copyOfRange(file, from, (int) Math.min(file.length, (long) from + lengthMax));
            corrupt(bytes); // in what is read, not in the file: see the class comment
            completion.done(bytes, null);
        });
    }

    @Override
    public void readStaged(long op, ReadCompletion completion) {
        schedule(1, () -> {
            if (staged != null && lost()) staged = null;
            if (staged != null) corrupt(staged);
            if (staged == null || stagedOp != op) {
                completion.done(null, new DiskError(DiskError.Kind.READ, "checkpoint-" + op + ".vsr.staged is missing"));
            } else {
                completion.done(staged.clone(), null);
            }
        });
    }

    @Override
    public void promoteStaged(long op, Disk.Completion completion) {
        schedule(prng.between(1, latencyTicksMax), () -> {
            if (staged == null || stagedOp != op) {
                completion.done(new DiskError(DiskError.Kind.READ, "checkpoint-" + op + ".vsr.staged is missing"));
            } else if (failNextSync) {
                failNextSync = false;
                completion.done(new DiskError(DiskError.Kind.SYNC, "Input/output error"));
            } else {
                files.put(op, staged);
                staged = null;
                stagedOp = -1;
                completion.done(null);
            }
        });
    }

    @Override
    public void discardStaged(Disk.Completion completion) {
        schedule(1, () -> {
            staged = null;
            stagedOp = -1;
            completion.done(null);
        });
    }

    /** The next write's sync fails. */
    void failNextSync() {
        failNextSync = true;
    }

    /** Advances time and runs the operations that are due, in issue order. */
    void tick() {
        now++;
        while (!pending.isEmpty() && pending.peekFirst().completeTick() <= now) pending.pollFirst().action().run();
    }

    boolean idle() {
        return pending.isEmpty();
    }

    /** A crash: operations not yet complete never happen; the staged file may be damaged or lost ({@link Faults}). */
    void crash() {
        pending.clear();
        if (staged != null && lost()) {
            staged = null;
            stagedOp = -1;
        }
        if (staged != null) corrupt(staged);
        if (ownFileFaultProbability > 0 && !files.isEmpty() && prng.chance(ownFileFaultProbability)) damageOwnFile();
    }

    /** One complete file, drawn at random, is lost or gets a flipped bit. */
    private void damageOwnFile() {
        long[] ops = ops();
        long op = ops[prng.nextInt(ops.length)];
        if (prng.chance(0.5)) {
            files.remove(op);
        } else {
            byte[] file = files.get(op);
            file[prng.nextInt(file.length)] ^= (byte) (1 << prng.nextInt(8));
        }
        ownFilesDamaged++;
    }

    /** Loses the file of the checkpoint at {@code op} (a scenario's fault). */
    void loseFile(long op) {
        files.remove(op);
    }

    /** Flips a bit in the file of the checkpoint at {@code op} (a scenario's fault). */
    void damageFile(long op) {
        byte[] file = files.get(op);
        Check.that(file != null, "scenario: a checkpoint file to damage", op, 0);
        file[file.length / 2] ^= 0x10;
    }

    /** Whether these bytes are lost now ({@link Faults#lostProbability}); counts it. */
    private boolean lost() {
        if (faults.lostProbability() == 0 || !prng.chance(faults.lostProbability())) return false;
        lostFiles++;
        return true;
    }

    /** Flips a bit of {@code bytes} at {@link Faults#corruptProbability}; counts it. */
    private void corrupt(byte[] bytes) {
        if (faults.corruptProbability() == 0 || bytes.length == 0 || !prng.chance(faults.corruptProbability())) return;
        bytes[prng.nextInt(bytes.length)] ^= (byte) (1 << prng.nextInt(8));
        corruptedFiles++;
    }

    /** The disk is replaced by a blank one: no files. */
    void wipe() {
        pending.clear();
        files.clear();
        staged = null;
        stagedOp = -1;
        failNextSync = false;
    }

    /** The ops of the complete files, for tests. */
    long[] ops() {
        return files.keySet().stream().mapToLong(Long::longValue).toArray();
    }

    private void schedule(long latencyTicks, Runnable action) {
        long last = pending.isEmpty() ? now : pending.peekLast().completeTick();
        pending.addLast(new Op(Math.max(last, now + latencyTicks), action));
    }
}
