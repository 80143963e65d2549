package io.genaibatch.cli;

import io.genaibatch.config.GenAiBatchConfig;
import io.genaibatch.kafka.KafkaClients;
import io.genaibatch.kafka.TopicAdmin;
import io.genaibatch.kafka.TopicAdmin.TopicStatus;
import io.genaibatch.kafka.Topics;
import java.io.PrintWriter;
import java.util.List;
import java.util.concurrent.Callable;
import org.apache.kafka.clients.admin.Admin;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

@Command(
        name = "topics",
        mixinStandardHelpOptions = true,
        description = "Create or inspect the topics genai-batch uses.",
        subcommands = {TopicsCommand.Create.class, TopicsCommand.Describe.class})
final class TopicsCommand implements Runnable {
    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    interface TopicAction {
        List<TopicStatus> apply(TopicAdmin admin, Topics topics) throws InterruptedException;
    }

    static int run(CommonOptions options, CommandSpec spec, TopicAction action) throws InterruptedException {
        GenAiBatchConfig config = options.load();
        try (Admin admin = new KafkaClients(config).admin()) {
            return report(spec.commandLine().getOut(), action.apply(new TopicAdmin(admin), Topics.from(config)));
        }
    }

    /** Exit code 0 when every topic exists as configured, 3 when one differs (drift), 4 when one is missing. */
    static int report(PrintWriter out, List<TopicStatus> statuses) {
        statuses.forEach(s -> out.println(s.describe()));
        if (statuses.stream().anyMatch(s -> !s.exists())) {
            return 4;
        }
        return statuses.stream().anyMatch(s -> !s.drift().isEmpty()) ? 3 : 0;
    }

    @Command(
            name = "create",
            mixinStandardHelpOptions = true,
            header = "Create every missing topic, then report drift of the others.",
            description = "Creates every missing topic with its configured partitions, replication and cleanup "
                    + "policy, then reports drift of those that already existed (exit 3 on drift).")
    static final class Create implements Callable<Integer> {
        @Mixin
        CommonOptions options;

        @Spec
        CommandSpec spec;

        @Override
        public Integer call() throws Exception {
            return run(options, spec, (admin, topics) -> admin.createMissing(topics.specs()));
        }
    }

    @Command(
            name = "describe",
            mixinStandardHelpOptions = true,
            description =
                    "Show each topic against its configuration: exit 0 as configured, 3 on drift, 4 when one is missing.")
    static final class Describe implements Callable<Integer> {
        @Mixin
        CommonOptions options;

        @Spec
        CommandSpec spec;

        @Override
        public Integer call() throws Exception {
            return run(options, spec, (admin, topics) -> admin.describe(topics.specs()));
        }
    }
}
