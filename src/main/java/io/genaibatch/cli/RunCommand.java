package io.genaibatch.cli;

import io.genaibatch.config.ConfigException;
import io.genaibatch.config.ConfigKeys;
import io.genaibatch.config.GenAiBatchConfig;
import io.genaibatch.ops.Endpoints;
import io.genaibatch.ops.OpsServer;
import io.genaibatch.run.Role;
import io.genaibatch.run.RoleContext;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(
        name = "run",
        mixinStandardHelpOptions = true,
        description = {
            "Run the service's roles in this process until SIGTERM or Ctrl-C, then stop them in order.",
            "Exits non-zero when a role fails on its own."
        })
final class RunCommand implements Callable<Integer> {
    private static final Logger log = LoggerFactory.getLogger(RunCommand.class);

    @Mixin
    CommonOptions options;

    @Mixin
    LogOptions logOptions;

    @Spec
    CommandSpec spec;

    @Option(
            names = "--roles",
            split = ",",
            paramLabel = "ROLE[,ROLE...]",
            description = "Roles to run: accumulate, submit, poll (default: every role this build has).")
    List<String> roles;

    @Option(
            names = "--gemini-base-url",
            paramLabel = "URL",
            description = "Gemini API base URL, e.g. http://127.0.0.1:8089 for the emulator; overrides gemini.base-url "
                    + "(default: GOOGLE_GEMINI_BASE_URL, else the real service). The API key comes from GEMINI_API_KEY "
                    + "or GOOGLE_API_KEY and is never logged.")
    String geminiBaseUrl;

    @Option(
            names = "--http-port",
            paramLabel = "PORT",
            description = "Port of the HTTP endpoint (/metrics, /health/live, /health/ready, the status page); "
                    + "overrides http.port (default ${bundle:default.http.port}); 0 turns it off.")
    Integer httpPort;

    @Override
    public Integer call() throws Exception {
        if (!logOptions.isDefault()) {
            CommandLogging.apply(logOptions.setup(null, CommandLogging.Console.ALL));
        }
        List<String> wanted = selected();
        Map<String, String> overrides = new HashMap<>();
        if (geminiBaseUrl != null) {
            overrides.put(ConfigKeys.GEMINI_BASE_URL.name(), geminiBaseUrl);
        }
        if (httpPort != null) {
            overrides.put(ConfigKeys.HTTP_PORT.name(), httpPort.toString());
        }
        GenAiBatchConfig config = options.load(overrides);
        try (RoleContext context = new RoleContext(config, System.getenv())) {
            List<Role> roles = build(wanted, context);
            Optional<OpsServer> http =
                    Endpoints.serve(config, roles, WindowCommands.policyReader(config), context.telemetry());
            try {
                return runUntilSignal(roles);
            } finally {
                http.ifPresent(OpsServer::close);
            }
        }
    }

    /** The named roles, built in start order. */
    static List<Role> build(List<String> names, RoleContext context) {
        return names.stream().map(name -> Roles.BUILT.get(name).apply(context)).toList();
    }

    private int runUntilSignal(List<Role> roles) {
        CompletableFuture<Void> signalled = new CompletableFuture<>();
        CompletableFuture<Void> finished = new CompletableFuture<>();
        Shutdown.onSignal("run", () -> {
            signalled.complete(null);
            // Hold the JVM's shutdown until the roles are closed (LEAVE_GROUP, last commit).
            finished.join();
        });
        try {
            return run(
                    roles,
                    signalled,
                    spec.commandLine().getOut(),
                    spec.commandLine().getErr());
        } finally {
            finished.complete(null);
        }
    }

    /**
     * Starts the roles in order, waits for {@code stop} or for a role to fail on its own, then closes every started
     * role in reverse order. {@code afterStart} runs once every role has started. 0 when stopped, 1 when a role failed.
     */
    static int run(List<? extends Role> roles, CompletableFuture<?> stop, PrintWriter out, PrintWriter err) {
        return run(roles, stop, out, err, () -> {});
    }

    static int run(
            List<? extends Role> roles,
            CompletableFuture<?> stop,
            PrintWriter out,
            PrintWriter err,
            Runnable afterStart) {
        List<Role> started = new ArrayList<>();
        try {
            for (Role role : roles) {
                started.add(role);
                role.start();
            }
            out.println("Running " + roles.stream().map(Role::name).collect(Collectors.joining(", "))
                    + "; stop with SIGTERM or Ctrl-C.");
            out.flush();
            afterStart.run();
            List<CompletableFuture<?>> any = new ArrayList<>();
            started.forEach(r -> any.add(r.stopped().toCompletableFuture()));
            any.add(stop);
            CompletableFuture.anyOf(any.toArray(CompletableFuture[]::new)).join();
            return 0;
        } catch (RuntimeException | LinkageError e) {
            // A start that threw (whatever it threw: a Kafka client refusing its settings, a class missing from the
            // classpath), or a role that stopped on its own: the same line, the same exit.
            Throwable cause = e instanceof CompletionException && e.getCause() != null ? e.getCause() : e;
            log.error("A role failed: {}; stopping the others", cause.getMessage());
            err.println("genai-batch: " + ErrorMessages.describe(cause));
            return 1;
        } finally {
            for (int i = started.size() - 1; i >= 0; i--) {
                try {
                    started.get(i).close();
                } catch (RuntimeException e) {
                    log.error("Role {} did not stop cleanly", started.get(i).name(), e);
                }
            }
        }
    }

    /** The roles asked for, refused with the list of what exists when one is unknown. */
    List<String> selected() {
        if (roles == null || roles.isEmpty()) {
            return List.copyOf(Roles.BUILT.keySet());
        }
        List<String> problems = new ArrayList<>();
        for (String role : roles) {
            if (!Roles.BUILT.containsKey(role)) {
                problems.add(
                        "--roles: unknown role '" + role + "'; roles are " + String.join(", ", Roles.BUILT.keySet()));
            }
        }
        if (!problems.isEmpty()) {
            throw new ConfigException(problems);
        }
        // Start order is the pipeline's order, whatever order the user wrote.
        return Roles.BUILT.keySet().stream().filter(roles::contains).collect(Collectors.toList());
    }
}
