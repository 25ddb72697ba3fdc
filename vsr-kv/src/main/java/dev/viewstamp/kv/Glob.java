package dev.viewstamp.kv;

/**
 * Redis's glob patterns over bytes, for SCAN's MATCH: {@code *} any run of bytes, {@code ?} one
 * byte, {@code [abc]} a set, {@code [^a]} its complement, {@code [a-z]} a range (either order),
 * and a backslash that makes the next byte literal, inside a set too. A port of Redis's
 * {@code stringmatchlen}, so that odd patterns (an unclosed {@code [}, a trailing backslash) match
 * as they do in Redis. Bytes compare unsigned.
 */
final class Glob {
    private Glob() {}

    /**
     * Redis's limit on nested {@code *}: deeper, the pattern does not match. Without it a pattern of
     * thousands of stars would overflow the stack, on every replica at the same op.
     */
    private static final int NESTING_MAX = 1000;

    static boolean matches(byte[] pattern, byte[] string) {
        // Redis's SCAN skips matching for "*" alone, so it returns even the empty key.
        if (pattern.length == 1 && pattern[0] == '*') return true;
        return matches(pattern, 0, string, 0, new boolean[1], 0);
    }

    /**
     * @param skipLongerMatches set once a {@code *} has tried every suffix of the string and failed:
     *     then an outer {@code *} trying a shorter suffix cannot succeed either (Redis's pruning,
     *     which keeps patterns like {@code *a*a*a*b} from taking exponential time)
     */
    private static boolean matches(byte[] pattern, int p, byte[] string, int s, boolean[] skipLongerMatches,
            int nesting) {
        if (nesting > NESTING_MAX) return false;
        while (p < pattern.length && s < string.length) {
            switch (pattern[p]) {
                case '*' -> {
                    while (p + 1 < pattern.length && pattern[p + 1] == '*') p++;
                    if (p + 1 == pattern.length) return true;
                    for (; s < string.length; s++) {
                        if (matches(pattern, p + 1, string, s, skipLongerMatches, nesting + 1)) return true;
                        if (skipLongerMatches[0]) return false;
                    }
                    skipLongerMatches[0] = true;
                    return false;
                }
                case '?' -> s++;
                case '[' -> {
                    p++;
                    boolean not = p < pattern.length && pattern[p] == '^';
                    if (not) p++;
                    boolean match = false;
                    int c = string[s] & 0xFF;
                    while (true) {
                        if (p < pattern.length - 1 && pattern[p] == '\\') {
                            p++;
                            if ((pattern[p] & 0xFF) == c) match = true;
                        } else if (p >= pattern.length) {
                            // An unclosed set: Redis steps back onto the last byte and ends the set.
                            p--;
                            break;
                        } else if (pattern[p] == ']') {
                            break;
                        } else if (p + 2 < pattern.length && pattern[p + 1] == '-') {
                            int start = pattern[p] & 0xFF;
                            int end = pattern[p + 2] & 0xFF;
                            if (start > end) {
                                int swap = start;
                                start = end;
                                end = swap;
                            }
                            p += 2;
                            if (c >= start && c <= end) match = true;
                        } else if ((pattern[p] & 0xFF) == c) {
                            match = true;
                        }
                        p++;
                    }
                    if (not) match = !match;
                    if (!match) return false;
                    s++;
                }
                default -> {
                    if (pattern[p] == '\\' && p + 1 < pattern.length) p++;
                    if (pattern[p] != string[s]) return false;
                    s++;
                }
            }
            p++;
            if (s == string.length) {
                while (p < pattern.length && pattern[p] == '*') p++;
                break;
            }
        }
        return p == pattern.length && s == string.length;
    }
}
