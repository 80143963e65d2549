package io.genaibatch.accumulate;

import java.util.HashMap;
import java.util.Map;
import java.util.regex.Pattern;

/** Model names as the accumulator keys them: without the REST {@code models/} prefix, validated. */
public final class Models {
    /** The window-config key that applies to every model. */
    public static final String ALL = "*";

    private static final String PREFIX = "models/";
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,127}");

    private Models() {}

    /**
     * gemini-2.5-flash and models/gemini-2.5-flash both give gemini-2.5-flash.
     *
     * @throws IllegalArgumentException saying what a model name may contain
     */
    public static String normalize(String raw) {
        String name = raw.strip();
        if (name.startsWith(PREFIX)) {
            name = name.substring(PREFIX.length());
        }
        if (!NAME.matcher(name).matches()) {
            throw new IllegalArgumentException(
                    "'" + raw + "' is not a model name: expected letters, digits, '.', '-' or '_' "
                            + "(at most 128, e.g. gemini-2.5-flash), optionally prefixed with models/");
        }
        return name;
    }

    /**
     * {@link #normalize} with the valid names remembered, for a per-record caller: a request carries one of a few
     * model strings, and the regex measured as several percent of the validate stage. Bounded (it starts over when
     * full, so a stream of distinct names costs what it costs without a cache); invalid names are not remembered and
     * throw as {@link #normalize} does. Not thread-safe: one per processor.
     */
    static final class Cache {
        static final int MAX_ENTRIES = 256;
        private final Map<String, String> names = new HashMap<>();

        String normalize(String raw) {
            String name = names.get(raw);
            if (name == null) {
                name = Models.normalize(raw);
                if (names.size() >= MAX_ENTRIES) {
                    names.clear();
                }
                names.put(raw, name);
            }
            return name;
        }
    }
}
