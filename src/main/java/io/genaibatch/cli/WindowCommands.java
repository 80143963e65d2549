package io.genaibatch.cli;

import io.genaibatch.accumulate.EffectivePolicy;
import io.genaibatch.accumulate.Models;
import io.genaibatch.accumulate.WindowConfigClient;
import io.genaibatch.accumulate.WindowPolicies;
import io.genaibatch.config.ConfigException;
import io.genaibatch.config.ConfigKey;
import io.genaibatch.config.ConfigKeys;
import io.genaibatch.config.GenAiBatchConfig;
import io.genaibatch.ops.WindowPolicyReader;
import io.genaibatch.records.WindowPolicy;
import java.io.PrintWriter;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code config set|get|list|unset}: the run-time window policies on genai.window-config. Values are parsed and
 * checked by the declarations of the {@code window.*} keys before anything contacts Kafka.
 */
final class WindowCommands {
    private WindowCommands() {}

    /** The target of a command: a model, or * for every model. */
    static String target(String model) {
        if (model == null || Models.ALL.equals(model)) {
            return Models.ALL;
        }
        try {
            return Models.normalize(model);
        } catch (IllegalArgumentException e) {
            throw new ConfigException(List.of("--model: " + e.getMessage()));
        }
    }

    @Command(
            name = "set",
            mixinStandardHelpOptions = true,
            description = {
                "Change the window policy of a model (or of every model) at run time, on genai.window-config.",
                "Only the given settings change; the accumulator applies them within seconds, to open batches too.",
                "Invalid values are refused before contacting Kafka (exit 2)."
            })
    static final class Set implements Callable<Integer> {
        @Mixin
        CommonOptions options;

        @Spec
        CommandSpec spec;

        @Option(
                names = "--model",
                paramLabel = "MODEL",
                description = "Model to change, e.g. gemini-2.5-flash; default * (every model).")
        String model;

        @Option(names = "--max-requests", paramLabel = "N", description = "window.max-requests: requests per batch.")
        String maxRequests;

        @Option(names = "--max-bytes", paramLabel = "SIZE", description = "window.max-bytes, e.g. 50MB (at most 2GB).")
        String maxBytes;

        @Option(names = "--max-wait", paramLabel = "DURATION", description = "window.max-wait, e.g. 2m (at most 48h).")
        String maxWait;

        @Option(names = "--shards", paramLabel = "N", description = "window.shards: open batches per (model, kind).")
        String shards;

        @Option(
                names = "--enabled",
                paramLabel = "true|false",
                description = "window.enabled: false holds the model's requests.")
        String enabled;

        @Option(
                names = "--by",
                paramLabel = "WHO",
                description = "Who makes the change, for the audit trail (default: the OS user).")
        String by;

        @Override
        public Integer call() throws Exception {
            GenAiBatchConfig config = options.load();
            String key = target(model);
            List<String> problems = new ArrayList<>();
            Integer newMaxRequests = parse("--max-requests", ConfigKeys.WINDOW_MAX_REQUESTS, maxRequests, problems);
            Long newMaxBytes = parse("--max-bytes", ConfigKeys.WINDOW_MAX_BYTES, maxBytes, problems);
            Duration newMaxWait = parse("--max-wait", ConfigKeys.WINDOW_MAX_WAIT, maxWait, problems);
            Integer newShards = parse("--shards", ConfigKeys.WINDOW_SHARDS, shards, problems);
            Boolean newEnabled = parse("--enabled", ConfigKeys.WINDOW_ENABLED, enabled, problems);
            if (problems.isEmpty()
                    && maxRequests == null
                    && maxBytes == null
                    && maxWait == null
                    && shards == null
                    && enabled == null) {
                problems.add(
                        "nothing to set: give at least one of --max-requests, --max-bytes, --max-wait, --shards, --enabled");
            }
            if (!problems.isEmpty()) {
                throw new ConfigException(problems);
            }
            WindowConfigClient client = new WindowConfigClient(config);
            WindowPolicy current = client.read().policies().get(key);
            WindowPolicy.Builder next = current == null ? WindowPolicy.newBuilder() : WindowPolicy.newBuilder(current);
            if (newMaxRequests != null) next.setMaxRequests(newMaxRequests);
            if (newMaxBytes != null) next.setMaxBytes(newMaxBytes);
            if (newMaxWait != null) next.setMaxWaitMs(newMaxWait.toMillis());
            if (newShards != null) next.setShards(newShards);
            if (newEnabled != null) next.setEnabled(newEnabled);
            next.setUpdatedBy(changedBy(by)).setUpdatedAt(Instant.now());
            client.write(key, next.build());
            PrintWriter out = spec.commandLine().getOut();
            out.println("Window policy of " + key + " written to " + config.get(ConfigKeys.TOPIC_WINDOW_CONFIG) + ".");
            printEffective(out, config, client.read(), key);
            return 0;
        }
    }

    @Command(
            name = "unset",
            mixinStandardHelpOptions = true,
            description = {
                "Remove run-time window settings of a model (or of *): the next source in the order applies again.",
                "Without a setting flag the model's whole record is removed."
            })
    static final class Unset implements Callable<Integer> {
        @Mixin
        CommonOptions options;

        @Spec
        CommandSpec spec;

        @Option(names = "--model", paramLabel = "MODEL", description = "Model, or * (default).")
        String model;

        @Option(names = "--max-requests", description = "Unset window.max-requests.")
        boolean maxRequests;

        @Option(names = "--max-bytes", description = "Unset window.max-bytes.")
        boolean maxBytes;

        @Option(names = "--max-wait", description = "Unset window.max-wait.")
        boolean maxWait;

        @Option(names = "--shards", description = "Unset window.shards.")
        boolean shards;

        @Option(names = "--enabled", description = "Unset window.enabled.")
        boolean enabled;

        @Option(names = "--by", paramLabel = "WHO", description = "Who makes the change (default: the OS user).")
        String by;

        @Override
        public Integer call() throws Exception {
            GenAiBatchConfig config = options.load();
            String key = target(model);
            WindowConfigClient client = new WindowConfigClient(config);
            WindowPolicy current = client.read().policies().get(key);
            PrintWriter out = spec.commandLine().getOut();
            if (current == null) {
                out.println("No run-time window policy for " + key + ": nothing to unset.");
                return 0;
            }
            boolean whole = !(maxRequests || maxBytes || maxWait || shards || enabled);
            WindowPolicy next = null;
            if (!whole) {
                WindowPolicy.Builder b = WindowPolicy.newBuilder(current);
                if (maxRequests) b.setMaxRequests(null);
                if (maxBytes) b.setMaxBytes(null);
                if (maxWait) b.setMaxWaitMs(null);
                if (shards) b.setShards(null);
                if (enabled) b.setEnabled(null);
                b.setUpdatedBy(changedBy(by)).setUpdatedAt(Instant.now());
                next = b.build();
            }
            client.write(key, next);
            out.println(whole ? "Run-time window policy of " + key + " removed." : "Settings of " + key + " unset.");
            printEffective(out, config, client.read(), key);
            return 0;
        }
    }

    @Command(
            name = "get",
            mixinStandardHelpOptions = true,
            description = "Show the effective window policy of a model (or of *) and where each value comes from.")
    static final class Get implements Callable<Integer> {
        @Mixin
        CommonOptions options;

        @Spec
        CommandSpec spec;

        @Option(
                names = "--model",
                paramLabel = "MODEL",
                description = "Model, or * (default): the policy of models without their own.")
        String model;

        @Override
        public Integer call() throws Exception {
            GenAiBatchConfig config = options.load();
            String key = target(model);
            WindowConfigClient.Snapshot snapshot = new WindowConfigClient(config).read();
            PrintWriter out = spec.commandLine().getOut();
            printEffective(out, config, snapshot, key);
            WindowPolicy record = snapshot.policies().get(key);
            if (record != null) {
                out.println("  last changed by " + record.getUpdatedBy() + " at " + record.getUpdatedAt());
            }
            snapshot.ignored().stream()
                    .filter(i -> i.startsWith(key + ":"))
                    .forEach(i -> out.println("  WARNING " + i));
            return 0;
        }
    }

    @Command(
            name = "list",
            mixinStandardHelpOptions = true,
            description =
                    "Show the effective window policy of every model that has one (and of *), with the source of each value.")
    static final class ListPolicies implements Callable<Integer> {
        @Mixin
        CommonOptions options;

        @Spec
        CommandSpec spec;

        @Override
        public Integer call() throws Exception {
            GenAiBatchConfig config = options.load();
            WindowConfigClient.Snapshot snapshot = new WindowConfigClient(config).read();
            PrintWriter out = spec.commandLine().getOut();
            printEffective(out, config, snapshot, Models.ALL);
            for (String m : WindowConfigClient.models(new WindowPolicies(config), snapshot)) {
                printEffective(out, config, snapshot, m);
            }
            snapshot.ignored().forEach(i -> out.println("WARNING " + i));
            return 0;
        }
    }

    /** The window policies as `config get` resolves them, for the status page of `run` and `local`. */
    static WindowPolicyReader policyReader(GenAiBatchConfig config) {
        WindowPolicies policies = new WindowPolicies(config);
        WindowConfigClient client = new WindowConfigClient(config);
        return models -> {
            WindowConfigClient.Snapshot snapshot = client.read();
            java.util.Set<String> all = new java.util.TreeSet<>(models);
            all.addAll(WindowConfigClient.models(policies, snapshot));
            java.util.Map<String, WindowPolicyReader.Policy> resolved = new java.util.TreeMap<>();
            for (String model : all) {
                EffectivePolicy p = policies.resolve(model, snapshot.policies()::get);
                resolved.put(
                        model,
                        new WindowPolicyReader.Policy(
                                p.maxRequests(), p.maxBytes(), p.maxWait(), p.shards(), p.enabled(), p.sources()));
            }
            return resolved;
        };
    }

    static void printEffective(
            PrintWriter out, GenAiBatchConfig config, WindowConfigClient.Snapshot snapshot, String key) {
        EffectivePolicy p = new WindowPolicies(config).resolve(key, snapshot.policies()::get);
        out.println(Models.ALL.equals(key) ? "* (every model without its own setting)" : key);
        row(out, ConfigKeys.WINDOW_MAX_REQUESTS, p.maxRequests(), p);
        row(out, ConfigKeys.WINDOW_MAX_BYTES, p.maxBytes(), p);
        row(out, ConfigKeys.WINDOW_MAX_WAIT, p.maxWait(), p);
        row(out, ConfigKeys.WINDOW_SHARDS, p.shards(), p);
        row(out, ConfigKeys.WINDOW_ENABLED, p.enabled(), p);
    }

    private static void row(PrintWriter out, ConfigKey<?> key, Object value, EffectivePolicy p) {
        out.printf(
                "  %-14s %-10s %s%n",
                ConfigKeys.windowSetting(key), key.format(value), p.sources().get(key.name()));
    }

    /** Who the audit trail names for a change: the --by value, else the OS user running the command. */
    private static String changedBy(String by) {
        return by != null ? by : System.getProperty("user.name", "unknown");
    }

    private static <T> T parse(String flag, ConfigKey<T> key, String raw, List<String> problems) {
        if (raw == null) {
            return null;
        }
        try {
            return key.parse(raw);
        } catch (IllegalArgumentException | ArithmeticException e) {
            problems.add(flag + ": config key '" + key.name() + "' has invalid value '" + raw + "': " + e.getMessage());
            return null;
        }
    }
}
