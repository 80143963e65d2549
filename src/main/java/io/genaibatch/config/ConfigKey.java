package io.genaibatch.config;

import java.util.List;
import java.util.Objects;

/**
 * One configuration key: its name, type, default, the values it accepts and what it does. Every key the service
 * reads is declared once, in {@link ConfigKeys}; the YAML loader, {@code config validate}, {@code --help} texts and
 * docs/CONFIG.md all come from these declarations.
 *
 * @param defaultValue the parsed default, or null when the key has no default (it is then optional and unset)
 */
public record ConfigKey<T>(String name, ConfigType type, T defaultValue, Validator<T> validator, String doc) {

    /** Checks a parsed value; throws IllegalArgumentException saying what is allowed. */
    @FunctionalInterface
    public interface Validator<T> {
        void check(T value);

        /** The allowed range or set, for docs; empty when any value of the type is fine. */
        default String describe() {
            return "";
        }
    }

    public ConfigKey {
        Objects.requireNonNull(name);
        Objects.requireNonNull(type);
        Objects.requireNonNull(doc);
        validator = validator == null ? v -> {} : validator;
    }

    /**
     * Parses and validates a value as a user writes it.
     *
     * @throws IllegalArgumentException saying what is expected or allowed
     */
    @SuppressWarnings("unchecked")
    public T parse(String raw) {
        T value = (T) type.parse(raw);
        validator.check(value);
        return value;
    }

    /** The default as a user would write it. */
    public String defaultText() {
        if (defaultValue == null) {
            return "";
        }
        return format(defaultValue);
    }

    /** Any value of this key as a user would write it: 100MB rather than 100000000, 10m rather than PT10M. */
    public String format(Object value) {
        return type == ConfigType.SIZE ? ConfigType.formatSize((Long) value) : ConfigType.format(value);
    }

    /** Checks an already typed value (e.g. read from a topic), with the same message as {@link #parse}. */
    public void check(T value) {
        validator.check(value);
    }

    static <N extends Comparable<N>> Validator<N> between(N min, N max, String describe) {
        return new Validator<>() {
            @Override
            public void check(N value) {
                if (value.compareTo(min) < 0 || value.compareTo(max) > 0) {
                    throw new IllegalArgumentException("must be " + describe);
                }
            }

            @Override
            public String describe() {
                return describe;
            }
        };
    }

    static Validator<String> oneOf(List<String> allowed) {
        return new Validator<>() {
            @Override
            public void check(String value) {
                if (!allowed.contains(value)) {
                    throw new IllegalArgumentException("must be one of " + String.join(", ", allowed));
                }
            }

            @Override
            public String describe() {
                return String.join(" or ", allowed);
            }
        };
    }

    /** A check that says what is wrong with a value, or nothing when it is fine. */
    static Validator<String> from(
            java.util.function.Function<String, java.util.Optional<String>> problem, String describe) {
        return new Validator<>() {
            @Override
            public void check(String value) {
                problem.apply(value).ifPresent(p -> {
                    throw new IllegalArgumentException(p);
                });
            }

            @Override
            public String describe() {
                return describe;
            }
        };
    }

    static Validator<String> nonBlank() {
        return new Validator<>() {
            @Override
            public void check(String value) {
                if (value.isBlank()) {
                    throw new IllegalArgumentException("must not be empty");
                }
            }

            @Override
            public String describe() {
                return "non-empty";
            }
        };
    }
}
