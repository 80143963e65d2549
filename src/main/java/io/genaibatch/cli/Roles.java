package io.genaibatch.cli;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

import io.genaibatch.accumulate.AccumulateRole;
import io.genaibatch.config.GenAiBatchConfig;
import io.genaibatch.run.Role;

/** The roles {@code genai-batch run} knows, in start order. Adding a role: one line in {@link #BUILT}. */
final class Roles {
    private Roles() {
    }

    /** Every role of the design (DESIGN.md §3), built or not yet. */
    static final List<String> KNOWN = List.of("accumulate", "submit", "poll");

    /** The roles this build has, in start order. */
    static final Map<String, Function<GenAiBatchConfig, Role>> BUILT = built();

    private static Map<String, Function<GenAiBatchConfig, Role>> built() {
        Map<String, Function<GenAiBatchConfig, Role>> roles = new LinkedHashMap<>();
        roles.put("accumulate", AccumulateRole::new);
        return java.util.Collections.unmodifiableMap(roles);
    }
}
