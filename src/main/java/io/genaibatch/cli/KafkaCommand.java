package io.genaibatch.cli;

import io.genaibatch.kafka.EmbeddedKafkaBroker;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(
        name = "kafka",
        mixinStandardHelpOptions = true,
        header = "Run a single-node KRaft Kafka broker in this process, for development.",
        description = "Data is kept in --data-dir across restarts; SIGTERM or Ctrl-C stops it cleanly.")
final class KafkaCommand implements Callable<Integer> {
    @Option(names = "--port", defaultValue = "9092", description = "Client port (default: ${DEFAULT-VALUE}).")
    int port;

    @Option(
            names = "--data-dir",
            defaultValue = "genai-batch-data/kafka",
            description = "Where the broker keeps its logs and metadata (default: ${DEFAULT-VALUE}).")
    Path dataDir;

    @Override
    public Integer call() throws InterruptedException {
        EmbeddedKafkaBroker broker = new EmbeddedKafkaBroker(dataDir, port, Map.of()).start();
        CountDownLatch stopped = new CountDownLatch(1);
        Shutdown.onSignal("kafka", () -> {
            broker.close();
            stopped.countDown();
        });
        System.out.println(
                "Kafka broker ready at " + broker.bootstrapServers() + " (data in " + broker.dataDir() + ")");
        stopped.await();
        return 0;
    }
}
