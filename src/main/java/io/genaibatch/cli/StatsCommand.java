package io.genaibatch.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.genaibatch.config.ConfigKeys;
import io.genaibatch.config.GenAiBatchConfig;
import io.genaibatch.jobs.JobsView;
import io.genaibatch.kafka.Topics;
import io.genaibatch.ops.UsageLedger;
import io.genaibatch.ops.UsageLedger.ModelUsage;
import java.io.PrintWriter;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(
        name = "stats",
        mixinStandardHelpOptions = true,
        header = "Requests, tokens, cost and savings per model, from genai.responses.",
        description = {
            "One line per model: requests answered, input and output tokens, what they cost as batch jobs, "
                    + "what they would have cost at the interactive rate, and the saving. Read from genai.responses "
                    + "(committed records only), so the totals cover what its retention (topics.retention) keeps.",
            "Prices are those of cost.prices-file (unset: the example prices of config/prices.yaml, built in); "
                    + "a model without a price shows its tokens and a cost of 0, marked 'no price'.",
            "Exit codes: 0 done, 1 Kafka failure, 2 usage, 4 no such topic."
        })
final class StatsCommand implements Callable<Integer> {
    @Mixin
    CommonOptions options;

    @Spec
    CommandSpec spec;

    @Option(
            names = "--since",
            paramLabel = "DURATION",
            converter = DurationConverter.class,
            description = "Only responses written within this long before now, e.g. 24h or 7d (default: all that "
                    + "genai.responses keeps).")
    Duration since;

    @Option(names = "--model", paramLabel = "MODEL", description = "Only this model.")
    String model;

    @Option(names = "--json", description = "One JSON object (models and total) instead of a table.")
    boolean json;

    @Option(
            names = "--read-timeout",
            defaultValue = "60s",
            paramLabel = "DURATION",
            converter = DurationConverter.class,
            description = "Longest time to read genai.responses to its end (default: ${DEFAULT-VALUE}).")
    Duration readTimeout;

    @Override
    public Integer call() throws Exception {
        return JobsCommand.guarded(spec, () -> {
            PrintWriter out = spec.commandLine().getOut();
            GenAiBatchConfig config = options.load();
            Instant from = since == null ? null : Instant.now().minus(since);
            UsageLedger ledger = UsageLedger.read(config, from, readTimeout);
            List<ModelUsage> lines = ledger.byModel().stream()
                    .filter(l -> model == null || JobsView.sameModel(l.model(), model))
                    .toList();
            ModelUsage total = UsageLedger.total(lines);
            String topic = Topics.from(config).responses();
            String prices = config.find(ConfigKeys.COST_PRICES_FILE).orElse("built-in example prices");
            if (json) {
                out.println(json(topic, from, prices, lines, total, ledger.undecodable()));
            } else if (lines.isEmpty()) {
                out.println("no responses in " + topic + (from == null ? "" : " since " + from)
                        + (model == null ? "" : " for model " + model));
            } else {
                Table table = new Table()
                        .left("MODEL")
                        .right("REQUESTS")
                        .right("INPUT_TOKENS")
                        .right("OUTPUT_TOKENS")
                        .right("BATCH_USD")
                        .right("INTERACTIVE_USD")
                        .right("SAVED_USD")
                        .left("");
                lines.forEach(l -> row(table, l));
                if (lines.size() > 1) {
                    row(table, total);
                }
                table.lines().forEach(out::println);
                out.println("from " + topic + (from == null ? " (all its retention keeps)" : " since " + from)
                        + "; prices: " + prices);
            }
            if (ledger.undecodable() > 0) {
                spec.commandLine()
                        .getErr()
                        .println("genai-batch: " + ledger.undecodable() + " record(s) of " + topic
                                + " could not be decoded and are not counted");
            }
            out.flush();
            return 0;
        });
    }

    private static void row(Table table, ModelUsage l) {
        table.row(
                l.model(),
                Long.toString(l.requests()),
                Long.toString(l.inputTokens()),
                Long.toString(l.outputTokens()),
                usd(l.batchUsd()),
                usd(l.interactiveUsd()),
                usd(l.savedUsd()),
                l.priced() ? "" : "no price");
    }

    private static String usd(double v) {
        return String.format(Locale.ROOT, "%.6f", v);
    }

    private static ObjectNode json(
            String topic, Instant from, String prices, List<ModelUsage> lines, ModelUsage total, long undecodable) {
        ObjectMapper mapper = new ObjectMapper();
        ObjectNode o = mapper.createObjectNode();
        o.put("topic", topic);
        o.put("since", JobsView.iso(from));
        o.put("prices", prices);
        ArrayNode models = o.putArray("models");
        lines.forEach(l -> models.add(l.json(mapper)));
        ObjectNode t = total.json(mapper);
        t.remove("model");
        o.set("total", t);
        o.put("undecodable", undecodable);
        return o;
    }
}
