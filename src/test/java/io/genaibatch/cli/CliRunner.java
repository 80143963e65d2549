package io.genaibatch.cli;

import io.genaibatch.kafka.KafkaCluster;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine;

/** Runs the real command line in this JVM and captures what it prints, as a user would see it. */
final class CliRunner {
    record Result(int exitCode, String out, String err) {}

    static Result run(String... args) {
        return run(System.getenv(), args);
    }

    /** As {@link #run(String...)}, with {@code env} as the environment the commands read secrets from. */
    static Result run(java.util.Map<String, String> env, String... args) {
        CommandLine cli = Main.newCommandLine(env);
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        cli.setOut(new PrintWriter(out, true));
        cli.setErr(new PrintWriter(err, true));
        int code = cli.execute(args);
        return new Result(code, out.toString(), err.toString());
    }

    /** {@code --bootstrap-servers} plus topic names unique to one test, so tests on a shared broker stay apart. */
    static List<String> isolatedTopics(KafkaCluster kafka, String prefix) {
        List<String> args = new ArrayList<>(List.of("--bootstrap-servers", kafka.bootstrapServers()));
        KafkaCluster.isolatedTopics(prefix).forEach((key, topic) -> {
            args.add("--set");
            args.add(key + "=" + topic);
        });
        return args;
    }
}
