package io.genaibatch.accumulate;

import io.genaibatch.config.ConfigKeys;
import java.util.List;
import java.util.regex.Pattern;

/**
 * {@code models.allowed}: the model names the accumulator batches. Every distinct model name opens a group (a state
 * store entry kept for ever) and an open batch (which the submitter holds resources for until its seal), so names
 * that come from untrusted producers must be bounded before they reach the group stage.
 *
 * <p>Patterns are matched against the normalised name ({@link Models#normalize}: without {@code models/}), and a
 * pattern's own {@code models/} prefix is dropped the same way, so {@code models/gemini-*} and {@code gemini-*} mean
 * the same. {@code *} matches any characters, nothing else is special.
 */
final class AllowedModels {
    private final List<String> patterns;
    private final Pattern regex;

    AllowedModels(List<String> patterns) {
        this.patterns = List.copyOf(patterns);
        StringBuilder re = new StringBuilder();
        for (String p : patterns) {
            String name = p.strip();
            if (name.startsWith("models/")) {
                name = name.substring("models/".length());
            }
            if (re.length() > 0) {
                re.append('|');
            }
            // Quote every literal run; '*' becomes ".*".
            String[] parts = name.split("\\*", -1);
            for (int i = 0; i < parts.length; i++) {
                if (i > 0) {
                    re.append(".*");
                }
                if (!parts[i].isEmpty()) {
                    re.append(Pattern.quote(parts[i]));
                }
            }
        }
        this.regex = Pattern.compile(re.toString());
    }

    /** @param model a normalised model name */
    boolean allows(String model) {
        return regex.matcher(model).matches();
    }

    /** Why {@code model} is refused, for its REJECTED response: the name, the patterns and the key to change. */
    String refusal(String model) {
        return "model '" + model + "' is not in " + ConfigKeys.MODELS_ALLOWED.name() + " ("
                + String.join(", ", patterns)
                + "): it is not batched. If it is a real model, add it (or a pattern matching it) to "
                + ConfigKeys.MODELS_ALLOWED.name() + " in the accumulator's configuration";
    }
}
