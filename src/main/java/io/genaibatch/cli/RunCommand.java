package io.genaibatch.cli;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Collectors;

import io.genaibatch.config.ConfigException;
import io.genaibatch.config.GenAiBatchConfig;
import io.genaibatch.run.Role;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "run", mixinStandardHelpOptions = true,
        description = {"Run the service's roles in this process until SIGTERM or Ctrl-C, then stop them in order.",
                "Exits non-zero when a role fails on its own."})
final class RunCommand implements Callable<Integer> {
    private static final Logger log = LoggerFactory.getLogger(RunCommand.class);

    @Mixin
    CommonOptions options;
    @Spec
    CommandSpec spec;
    @Option(names = "--roles", split = ",", paramLabel = "ROLE[,ROLE...]",
            description = "Roles to run: accumulate, submit, poll (default: every role this build has).")
    List<String> roles;

    @Override
    public Integer call() throws Exception {
        List<String> wanted = selected();
        GenAiBatchConfig config = options.load();
        List<Role> started = new ArrayList<>();
        CompletableFuture<Void> signalled = new CompletableFuture<>();
        Shutdown.onSignal("run", () -> {
            stopAll(started);
            signalled.complete(null);
        });
        try {
            for (String name : wanted) {
                Role role = Roles.BUILT.get(name).apply(config);
                synchronized (started) {
                    started.add(role);
                }
                role.start();
            }
        } catch (RuntimeException e) {
            stopAll(started);
            throw e;
        }
        spec.commandLine().getOut().println("Running " + String.join(", ", wanted) + "; stop with SIGTERM or Ctrl-C.");
        spec.commandLine().getOut().flush();
        List<CompletableFuture<Void>> stopped = started.stream().map(r -> r.stopped().toCompletableFuture()).toList();
        List<CompletableFuture<?>> any = new ArrayList<>(stopped);
        any.add(signalled);
        try {
            CompletableFuture.anyOf(any.toArray(CompletableFuture[]::new)).join();
        } catch (java.util.concurrent.CompletionException e) {
            log.error("A role failed: {}; stopping the others", e.getCause() == null ? e.toString() : e.getCause().getMessage());
            stopAll(started);
            spec.commandLine().getErr().println("genai-batch: " + ErrorMessages.describe(e.getCause() == null ? e : e.getCause()));
            return 1;
        }
        return 0;
    }

    /** The roles asked for, refused with the list of what exists when one is unknown or not in this build. */
    List<String> selected() {
        if (roles == null || roles.isEmpty()) {
            return List.copyOf(Roles.BUILT.keySet());
        }
        List<String> problems = new ArrayList<>();
        for (String role : roles) {
            if (!Roles.KNOWN.contains(role)) {
                problems.add("--roles: unknown role '" + role + "'; roles are " + String.join(", ", Roles.KNOWN));
            } else if (!Roles.BUILT.containsKey(role)) {
                problems.add("--roles: role '" + role + "' is not in this build yet; available: "
                        + String.join(", ", Roles.BUILT.keySet()));
            }
        }
        if (!problems.isEmpty()) {
            throw new ConfigException(problems);
        }
        // Start order is the pipeline's order, whatever order the user wrote.
        return Roles.BUILT.keySet().stream().filter(roles::contains).collect(Collectors.toList());
    }

    private static void stopAll(List<Role> started) {
        List<Role> copy;
        synchronized (started) {
            copy = new ArrayList<>(started);
        }
        for (int i = copy.size() - 1; i >= 0; i--) {
            try {
                copy.get(i).close();
            } catch (RuntimeException e) {
                log.error("Role {} did not stop cleanly", copy.get(i).name(), e);
            }
        }
    }
}
