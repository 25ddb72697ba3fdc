package dev.viewstamp.core.message;

import java.util.List;

/** The answer to {@link GetEntries}: consecutive entries, the last one being the entry asked for by checksum. */
public record Entries(List<Entry> entries, int replica) implements Message {

    public Entries {
        entries = List.copyOf(entries);
    }
}
