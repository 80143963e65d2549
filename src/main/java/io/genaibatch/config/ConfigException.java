package io.genaibatch.config;

import java.util.List;

/** A configuration that cannot be used, with every problem found (not only the first). */
public final class ConfigException extends RuntimeException {
    private final List<String> problems;

    public ConfigException(List<String> problems) {
        super(
                problems.size() == 1
                        ? problems.get(0)
                        : "Configuration has " + problems.size() + " problems:\n  - "
                                + String.join("\n  - ", problems));
        this.problems = List.copyOf(problems);
    }

    public List<String> problems() {
        return problems;
    }
}
