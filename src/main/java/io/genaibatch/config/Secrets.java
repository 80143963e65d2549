package io.genaibatch.config;

import java.util.List;
import java.util.Locale;

/** Which settings must never be shown: wherever configuration is printed, their values are replaced. */
public final class Secrets {
    /** What is printed instead of a secret value. */
    public static final String HIDDEN = "(hidden)";

    /**
     * Parts of Kafka client setting names that carry secrets: passwords (ssl.*.password, sasl.*), the JAAS
     * configuration (which embeds them), PEM keys, OAuth client secrets and tokens, and Schema Registry-style
     * user info (user:password).
     */
    private static final List<String> SECRET_PARTS =
            List.of("password", "secret", "jaas", "token", "credentials", "user.info", "keystore.key", "private.key");

    private Secrets() {}

    /** Whether the Kafka client setting {@code name} (without the kafka.properties. prefix) holds a secret. */
    public static boolean isSecret(String name) {
        String n = name.toLowerCase(Locale.ROOT);
        return SECRET_PARTS.stream().anyMatch(n::contains);
    }

    /** The value to show for setting {@code name}. */
    public static String shown(String name, Object value) {
        return isSecret(name) ? HIDDEN : String.valueOf(value);
    }
}
