package io.genaibatch.config;

import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** How a config value is written and parsed. Each parser throws IllegalArgumentException with a reason a user can act on. */
public enum ConfigType {
    STRING("string") {
        @Override
        Object parse(String raw) {
            return raw;
        }
    },
    INT("integer") {
        @Override
        Object parse(String raw) {
            try {
                return Integer.parseInt(raw.trim().replace("_", "").replace(",", ""));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("expected an integer");
            }
        }
    },
    LONG("integer") {
        @Override
        Object parse(String raw) {
            try {
                return Long.parseLong(raw.trim().replace("_", "").replace(",", ""));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("expected an integer");
            }
        }
    },
    BOOLEAN("true|false") {
        @Override
        Object parse(String raw) {
            return switch (raw.trim().toLowerCase(Locale.ROOT)) {
                case "true", "yes", "on" -> true;
                case "false", "no", "off" -> false;
                default -> throw new IllegalArgumentException("expected true or false");
            };
        }
    },
    /** 500ms, 30s, 10m, 2h, 1d, or ISO-8601 (PT10M). */
    DURATION("duration, e.g. 500ms, 30s, 10m, 2h") {
        @Override
        Object parse(String raw) {
            return parseDuration(raw);
        }
    },
    /** Bytes: 1024, 64KB, 20MB, 2GB (powers of 1000) or 64KiB, 20MiB, 2GiB (powers of 1024). */
    SIZE("size, e.g. 512KB, 20MB, 2GB") {
        @Override
        Object parse(String raw) {
            return parseSize(raw);
        }
    },
    LIST("comma-separated list") {
        @Override
        Object parse(String raw) {
            return Arrays.stream(raw.split(","))
                    .map(String::trim)
                    .filter(s -> !s.isEmpty())
                    .toList();
        }
    };

    private static final Pattern DURATION_PATTERN = Pattern.compile("(\\d+)\\s*(ms|s|m|h|d)");
    private static final Pattern SIZE_PATTERN = Pattern.compile("(\\d+)\\s*(B|KB|MB|GB|KIB|MIB|GIB)?");

    private final String display;

    ConfigType(String display) {
        this.display = display;
    }

    /** What a user should write, for docs and error messages. */
    public String display() {
        return display;
    }

    abstract Object parse(String raw);

    public static Duration parseDuration(String raw) {
        String s = raw.trim();
        if (s.startsWith("P") || s.startsWith("p")) {
            try {
                return Duration.parse(s.toUpperCase(Locale.ROOT));
            } catch (RuntimeException e) {
                throw new IllegalArgumentException("expected a duration such as 30s, 10m or PT10M");
            }
        }
        Matcher m = DURATION_PATTERN.matcher(s.toLowerCase(Locale.ROOT));
        if (!m.matches()) {
            throw new IllegalArgumentException("expected a duration such as 500ms, 30s, 10m, 2h or 1d");
        }
        long n = Long.parseLong(m.group(1));
        return switch (m.group(2)) {
            case "ms" -> Duration.ofMillis(n);
            case "s" -> Duration.ofSeconds(n);
            case "m" -> Duration.ofMinutes(n);
            case "h" -> Duration.ofHours(n);
            default -> Duration.ofDays(n);
        };
    }

    public static long parseSize(String raw) {
        Matcher m = SIZE_PATTERN.matcher(raw.trim().replace("_", "").toUpperCase(Locale.ROOT));
        if (!m.matches()) {
            throw new IllegalArgumentException("expected a size such as 1048576, 512KB, 20MB or 2GB");
        }
        long n = Long.parseLong(m.group(1));
        String unit = m.group(2) == null ? "B" : m.group(2);
        long factor = switch (unit) {
            case "KB" -> 1_000L;
            case "MB" -> 1_000_000L;
            case "GB" -> 1_000_000_000L;
            case "KIB" -> 1L << 10;
            case "MIB" -> 1L << 20;
            case "GIB" -> 1L << 30;
            default -> 1L;
        };
        return Math.multiplyExact(n, factor);
    }

    /** The inverse of parsing, for docs and {@code config list}: 10m rather than PT10M. */
    public static String format(Object value) {
        if (value instanceof Duration d) {
            long ms = d.toMillis();
            if (ms % 86_400_000L == 0 && ms > 0) return ms / 86_400_000L + "d";
            if (ms % 3_600_000L == 0 && ms > 0) return ms / 3_600_000L + "h";
            if (ms % 60_000L == 0 && ms > 0) return ms / 60_000L + "m";
            if (ms % 1000L == 0) return ms / 1000L + "s";
            return ms + "ms";
        }
        if (value instanceof List<?> list) {
            return String.join(",", list.stream().map(String::valueOf).toList());
        }
        return String.valueOf(value);
    }

    public static String formatSize(long bytes) {
        if (bytes > 0 && bytes % 1_000_000_000L == 0) return bytes / 1_000_000_000L + "GB";
        if (bytes > 0 && bytes % 1_000_000L == 0) return bytes / 1_000_000L + "MB";
        if (bytes > 0 && bytes % 1_000L == 0) return bytes / 1_000L + "KB";
        return Long.toString(bytes);
    }
}
