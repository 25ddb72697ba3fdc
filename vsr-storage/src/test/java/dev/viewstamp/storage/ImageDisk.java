package dev.viewstamp.storage;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * A test disk whose bytes are one array, recording every write and sync in order, so a test can
 * rebuild the image a crash at any point would leave: after any number of whole writes, within a
 * write, or with only some of the unsynced writes. A sector can be made unreadable (a latent
 * sector error): a read that touches it fails, and a write to it remaps it, as on a real drive.
 */
final class ImageDisk implements Disk {

    /** One recorded operation: a write (data != null) or a sync. */
    record Event(long offset, byte[] data) {
        boolean sync() {
            return data == null;
        }
    }

    private final byte[] image;
    private final int sectorSizeBytes;
    private final List<Event> events = new ArrayList<>();
    private final Set<Long> unreadableSectors = new HashSet<>();

    ImageDisk(int sizeBytes, int sectorSizeBytes) {
        this(new byte[sizeBytes], sectorSizeBytes);
    }

    ImageDisk(byte[] image, int sectorSizeBytes) {
        this.image = image;
        this.sectorSizeBytes = sectorSizeBytes;
    }

    List<Event> events() {
        return events;
    }

    byte[] image() {
        return image;
    }

    @Override
    public int sectorSizeBytes() {
        return sectorSizeBytes;
    }

    @Override
    public long sizeBytes() {
        return image.length;
    }

    /** Sector {@code sector} (counted from the start of the disk) fails every read until it is written. */
    void unreadable(long sector) {
        unreadableSectors.add(sector);
    }

    @Override
    public void read(long offset, byte[] buffer, Completion completion) {
        for (long sector = offset / sectorSizeBytes; sector * sectorSizeBytes < offset + buffer.length; sector++) {
            if (unreadableSectors.contains(sector)) {
                completion.done(new DiskError(DiskError.Kind.READ, "latent sector error at sector " + sector));
                return;
            }
        }
        System.arraycopy(image, (int) offset, buffer, 0, buffer.length);
        completion.done(null);
    }

    @Override
    public void write(long offset, byte[] data, Completion completion) {
        System.arraycopy(data, 0, image, (int) offset, data.length);
        for (long sector = offset / sectorSizeBytes; sector * sectorSizeBytes < offset + data.length; sector++) {
            unreadableSectors.remove(sector);
        }
        events.add(new Event(offset, data.clone()));
        completion.done(null);
    }

    @Override
    public void sync(Completion completion) {
        events.add(new Event(-1, null));
        completion.done(null);
    }

    /** The image after the first {@code count} events, then the first {@code partialBytes} of the next write. */
    static byte[] replay(List<Event> events, int sizeBytes, int count, int partialBytes) {
        byte[] image = new byte[sizeBytes];
        for (int i = 0; i < count; i++) apply(image, events.get(i), Integer.MAX_VALUE);
        if (count < events.size() && partialBytes > 0) apply(image, events.get(count), partialBytes);
        return image;
    }

    static void apply(byte[] image, Event event, int bytesMax) {
        if (event.sync()) return;
        System.arraycopy(event.data(), 0, image, (int) event.offset(), Math.min(bytesMax, event.data().length));
    }

    static byte[] copy(byte[] image) {
        return Arrays.copyOf(image, image.length);
    }
}
