package io.genaibatch.cli;

import io.genaibatch.accumulate.AccumulateRole;
import io.genaibatch.poll.Poller;
import io.genaibatch.run.Role;
import io.genaibatch.run.RoleContext;
import io.genaibatch.submit.Submitter;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Function;

/** The roles {@code genai-batch run} knows, in start order (the pipeline's). Adding a role: one line in {@link #BUILT}. */
final class Roles {
    private Roles() {}

    /** The roles this build has, in start order. */
    static final Map<String, Function<RoleContext, Role>> BUILT = built();

    private static Map<String, Function<RoleContext, Role>> built() {
        Map<String, Function<RoleContext, Role>> roles = new LinkedHashMap<>();
        roles.put("accumulate", context -> new AccumulateRole(context.config(), context.telemetry()));
        roles.put("submit", context -> new Submitter(context.config(), context.gemini(), context.telemetry()));
        roles.put("poll", context -> new Poller(context.config(), context.gemini(), context.telemetry()));
        return Collections.unmodifiableMap(roles);
    }
}
