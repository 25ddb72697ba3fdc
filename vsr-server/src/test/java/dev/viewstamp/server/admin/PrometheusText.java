package dev.viewstamp.server.admin;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads the Prometheus text format (version 0.0.4) as the tests need it: each sample's value by
 * its name and labels as written ({@code vsr_request_latency_seconds_bucket{le="0.001"}}), and
 * each metric family's type. A line that is neither a comment nor a well-formed sample throws.
 */
public final class PrometheusText {
    private static final Pattern SAMPLE =
            Pattern.compile("([a-zA-Z_:][a-zA-Z0-9_:]*)(\\{[^}]*\\})? (\\S+)( -?\\d+)?");
    private static final Pattern TYPE = Pattern.compile("# TYPE ([a-zA-Z_:][a-zA-Z0-9_:]*) (counter|gauge|histogram|summary|untyped)");

    public final Map<String, Double> samples = new LinkedHashMap<>();
    public final Map<String, String> types = new LinkedHashMap<>();

    public static PrometheusText parse(String text) {
        PrometheusText parsed = new PrometheusText();
        for (String line : text.split("\n")) {
            if (line.isEmpty()) continue;
            if (line.startsWith("#")) {
                Matcher t = TYPE.matcher(line);
                if (t.matches()) parsed.types.put(t.group(1), t.group(2));
                else if (!line.startsWith("# HELP ")) throw new IllegalArgumentException("not a comment of the format: " + line);
                continue;
            }
            Matcher m = SAMPLE.matcher(line);
            if (!m.matches()) throw new IllegalArgumentException("not a sample line: " + line);
            String key = m.group(1) + (m.group(2) == null ? "" : m.group(2));
            String value = m.group(3);
            double v = switch (value) {
                case "+Inf" -> Double.POSITIVE_INFINITY;
                case "-Inf" -> Double.NEGATIVE_INFINITY;
                case "NaN" -> Double.NaN;
                default -> Double.parseDouble(value);
            };
            if (parsed.samples.put(key, v) != null) throw new IllegalArgumentException("sample twice: " + key);
        }
        return parsed;
    }

    /** The value of the sample {@code key}; throws when there is none. */
    public double value(String key) {
        Double v = samples.get(key);
        if (v == null) throw new AssertionError("no sample " + key + " in " + samples.keySet());
        return v;
    }
}
