package dev.viewstamp.server.resp;

import dev.viewstamp.runtime.NodeStatus;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * The commands the front end answers itself, without the log: they touch no data (PING, ECHO,
 * SELECT 0), describe this server or connection (INFO, HELLO, CLIENT, CONFIG GET, COMMAND), and
 * are as much of those as `redis-cli`, `redis-benchmark`, Jedis and Lettuce ask for when they
 * connect. One per connection.
 */
final class LocalCommands {

    /** What INFO says the server is: the Redis version whose commands and replies we follow. */
    static final String REDIS_VERSION = "7.0.0";

    private static final Set<String> NAMES = Set.of("ping", "echo", "select", "hello", "client", "config", "command",
            "info", "time", "lastsave", "save", "bgsave", "wait");

    /** CONFIG GET's answers: what a client may read to adapt; durable, one database. */
    private static final Map<String, String> CONFIG = Map.of("save", "", "appendonly", "yes", "appendfsync", "always",
            "databases", "1", "maxmemory", "0", "maxmemory-policy", "noeviction", "timeout", "0");

    private final RespFrontEnd front;
    private final long id;
    private String name;

    LocalCommands(RespFrontEnd front, long id) {
        this.front = front;
        this.id = id;
    }

    /** True for a command answered here. */
    boolean knows(String name) {
        return NAMES.contains(name);
    }

    /** The reply to {@code argv} when it is a command answered here, else null. */
    byte[] answer(String command, List<byte[]> argv) {
        if (!knows(command)) return null;
        int argc = argv.size();
        return switch (command) {
            case "ping" -> argc == 1 ? Resp.PONG : argc == 2 ? Resp.bulk(argv.get(1)) : Resp.wrongArity(command);
            case "echo" -> argc == 2 ? Resp.bulk(argv.get(1)) : Resp.wrongArity(command);
            case "select" -> argc != 2 ? Resp.wrongArity(command) : select(text(argv.get(1)));
            case "hello" -> hello(argv);
            case "client" -> argc < 2 ? Resp.wrongArity(command) : client(argv);
            case "config" -> argc < 2 ? Resp.wrongArity(command) : config(argv);
            case "command" -> argc == 1 ? Resp.EMPTY_ARRAY : commandSub(argv);
            case "info" -> Resp.bulk(info(argc > 1 ? text(argv.get(1)).toLowerCase(Locale.ROOT) : "default"));
            case "time" -> {
                long micros = System.currentTimeMillis() * 1000;
                yield Resp.bulks(List.of("" + micros / 1_000_000, "" + micros % 1_000_000));
            }
            // Every write is durable on a quorum before it is acknowledged: there is nothing to save.
            case "lastsave" -> Resp.integer(System.currentTimeMillis() / 1000);
            case "save" -> Resp.OK;
            case "bgsave" -> Resp.simple("Background saving started");
            case "wait" -> Resp.integer(front.replicaCount() - 1);
            default -> null;
        };
    }

    private static byte[] select(String index) {
        try {
            return Long.parseLong(index) == 0 ? Resp.OK : Resp.error("ERR DB index is out of range");
        } catch (NumberFormatException e) {
            return Resp.error("ERR value is not an integer or out of range");
        }
    }

    /** HELLO [protover [AUTH user pass] [SETNAME name]]: RESP2 only. */
    private byte[] hello(List<byte[]> argv) {
        if (argv.size() >= 2) {
            String version = text(argv.get(1));
            if (!version.equals("2")) {
                return version.matches("\\d+") ? Resp.error("NOPROTO unsupported protocol version")
                        : Resp.error("ERR Protocol version is not an integer or out of range");
            }
            for (int i = 2; i < argv.size(); i++) {
                String option = text(argv.get(i)).toLowerCase(Locale.ROOT);
                if (option.equals("setname") && i + 1 < argv.size()) {
                    name = text(argv.get(++i));
                } else if (option.equals("auth") && i + 2 < argv.size()) {
                    return Resp.error("ERR AUTH is not supported: this server has no users");
                } else {
                    return Resp.error("ERR Syntax error in HELLO option '" + option + "'");
                }
            }
        }
        NodeStatus status = front.status();
        List<byte[]> map = new ArrayList<>();
        map.add(Resp.bulk("server"));
        map.add(Resp.bulk("redis"));
        map.add(Resp.bulk("version"));
        map.add(Resp.bulk(REDIS_VERSION));
        map.add(Resp.bulk("proto"));
        map.add(Resp.integer(2));
        map.add(Resp.bulk("id"));
        map.add(Resp.integer(id));
        map.add(Resp.bulk("mode"));
        map.add(Resp.bulk("standalone"));
        map.add(Resp.bulk("role"));
        map.add(Resp.bulk(status.primary() ? "master" : "replica"));
        map.add(Resp.bulk("modules"));
        map.add(Resp.EMPTY_ARRAY);
        return Resp.array(map);
    }

    private byte[] client(List<byte[]> argv) {
        String sub = text(argv.get(1)).toLowerCase(Locale.ROOT);
        return switch (sub) {
            case "setname" -> {
                if (argv.size() != 3) yield Resp.wrongArity("client|setname");
                name = text(argv.get(2));
                yield Resp.OK;
            }
            case "getname" -> name == null ? Resp.NULL_BULK : Resp.bulk(name);
            case "id" -> Resp.integer(id);
            case "setinfo", "no-evict", "no-touch", "reply" -> Resp.OK;
            case "info" -> Resp.bulk("id=" + id + " name=" + (name == null ? "" : name) + " db=0\n");
            case "list" -> Resp.bulk("id=" + id + " name=" + (name == null ? "" : name) + " db=0\n");
            default -> Resp.error("ERR unknown subcommand '" + sub + "'. Try CLIENT HELP.");
        };
    }

    private static byte[] config(List<byte[]> argv) {
        String sub = text(argv.get(1)).toLowerCase(Locale.ROOT);
        return switch (sub) {
            case "get" -> {
                if (argv.size() < 3) yield Resp.wrongArity("config|get");
                List<String> pairs = new ArrayList<>();
                for (int i = 2; i < argv.size(); i++) {
                    String pattern = text(argv.get(i)).toLowerCase(Locale.ROOT);
                    CONFIG.keySet().stream().sorted().filter(key -> glob(pattern, key)).forEach(key -> {
                        pairs.add(key);
                        pairs.add(CONFIG.get(key));
                    });
                }
                yield Resp.bulks(pairs);
            }
            case "resetstat" -> Resp.OK;
            case "set" -> Resp.error("ERR CONFIG SET is not supported: the configuration is fixed at start");
            default -> Resp.error("ERR unknown subcommand '" + sub + "'. Try CONFIG HELP.");
        };
    }

    private static byte[] commandSub(List<byte[]> argv) {
        String sub = text(argv.get(1)).toLowerCase(Locale.ROOT);
        return switch (sub) {
            case "count" -> Resp.integer(RespFrontEnd.commandCount() + NAMES.size());
            case "docs", "info", "list" -> Resp.EMPTY_ARRAY;
            default -> Resp.error("ERR unknown subcommand '" + sub + "'. Try COMMAND HELP.");
        };
    }

    /** INFO's text: the sections asked for (server, clients, replication; all for "all" or "default"). */
    private String info(String section) {
        boolean all = section.equals("all") || section.equals("default") || section.equals("everything");
        NodeStatus s = front.status();
        StringBuilder out = new StringBuilder();
        if (all || section.equals("server")) {
            out.append("# Server\r\n")
                    .append("redis_version:").append(REDIS_VERSION).append("\r\n")
                    .append("redis_mode:standalone\r\n")
                    .append("os:").append(System.getProperty("os.name")).append(' ')
                    .append(System.getProperty("os.version")).append(' ').append(System.getProperty("os.arch"))
                    .append("\r\n")
                    .append("arch_bits:64\r\n")
                    .append("process_id:").append(ProcessHandle.current().pid()).append("\r\n")
                    .append("tcp_port:").append(front.port()).append("\r\n")
                    .append("uptime_in_seconds:").append(front.uptimeSeconds()).append("\r\n")
                    .append("vsr_replica:").append(s.replicaIndex()).append("\r\n")
                    .append("\r\n");
        }
        if (all || section.equals("clients")) {
            out.append("# Clients\r\n").append("connected_clients:").append(front.connections()).append("\r\n\r\n");
        }
        if (all || section.equals("replication")) {
            out.append("# Replication\r\n")
                    .append("role:").append(s.primary() ? "master" : "slave").append("\r\n")
                    .append("connected_slaves:").append(s.primary() ? front.replicaCount() - 1 : 0).append("\r\n")
                    .append("vsr_view:").append(s.view()).append("\r\n")
                    .append("vsr_status:").append(s.status().toString().toLowerCase(Locale.ROOT)).append("\r\n")
                    .append("vsr_op:").append(s.op()).append("\r\n")
                    .append("vsr_commit:").append(s.commit()).append("\r\n")
                    .append("vsr_primary:").append(s.view() % front.replicaCount()).append("\r\n")
                    .append("\r\n");
        }
        return out.toString();
    }

    private static String text(byte[] bytes) {
        return new String(bytes, StandardCharsets.UTF_8);
    }

    /** Redis's glob for CONFIG GET: only {@code *} and {@code ?}, enough for parameter names. */
    private static boolean glob(String pattern, String text) {
        StringBuilder regex = new StringBuilder();
        for (char c : pattern.toCharArray()) {
            if (c == '*') regex.append(".*");
            else if (c == '?') regex.append('.');
            else regex.append(java.util.regex.Pattern.quote(String.valueOf(c)));
        }
        return text.matches(regex.toString());
    }
}
