package dev.viewstamp.server.cli;

import dev.viewstamp.storage.DataDirectory;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;

/** {@code host:port} addresses as the command line takes them. */
final class Addresses {

    private Addresses() {}

    /** {@code address} as a socket address, resolved now. @throws IllegalArgumentException when it is not host:port */
    static InetSocketAddress parse(String address) {
        int port = DataDirectory.parseAddress(address);
        String host = address.substring(0, address.lastIndexOf(':'));
        if (host.startsWith("[") && host.endsWith("]")) host = host.substring(1, host.length() - 1);
        InetSocketAddress resolved = new InetSocketAddress(host, port);
        if (resolved.isUnresolved()) throw new IllegalArgumentException("'" + address + "': unknown host " + host);
        return resolved;
    }

    static List<InetSocketAddress> parse(List<String> addresses) {
        List<InetSocketAddress> parsed = new ArrayList<>();
        for (String address : addresses) parsed.add(parse(address));
        return parsed;
    }
}
