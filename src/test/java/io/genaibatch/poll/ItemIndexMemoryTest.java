package io.genaibatch.poll;

import static org.assertj.core.api.Assertions.assertThat;

import io.genaibatch.records.BatchItem;
import io.genaibatch.records.Header;
import io.genaibatch.records.RequestKind;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Guarantee 4 for the key map: the index of a 200,000-item batch (~400 bytes of key, headers and metadata each,
 * ~80 MB in all) is built and walked in a child JVM with a 32 MB heap. The same JVM holding the items in a HashMap
 * runs out of memory: the limit is tight enough to catch an index that kept items on the heap.
 */
class ItemIndexMemoryTest {
    private static final int ITEMS = 200_000;
    private static final String HEAP = "-Xmx32m";

    @Test
    void shouldIndexAndWalkTwoHundredThousandItemsInASmallHeap(@TempDir Path dir) throws Exception {
        Probe result = runProbe(dir, "index");
        assertThat(result.exitCode())
                .as("child JVM output:%n%s", result.output())
                .isZero();
        assertThat(result.output()).contains("walked " + ITEMS + " items");
    }

    @Test
    void shouldRunOutOfThatHeapWhenTheItemsAreKeptOnTheHeap(@TempDir Path dir) throws Exception {
        Probe result = runProbe(dir, "heap");
        assertThat(result.exitCode())
                .as("child JVM output:%n%s", result.output())
                .isNotZero();
        assertThat(result.output()).contains("OutOfMemoryError");
    }

    record Probe(int exitCode, String output) {}

    private static Probe runProbe(Path dir, String mode) throws IOException, InterruptedException {
        Path log = dir.resolve(mode + ".log");
        Process p = new ProcessBuilder(
                        Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                        HEAP,
                        "-XX:+UseSerialGC",
                        "-cp",
                        System.getProperty("java.class.path"),
                        Main.class.getName(),
                        mode,
                        dir.resolve("index").toString(),
                        Integer.toString(ITEMS))
                .redirectErrorStream(true)
                .redirectOutput(log.toFile())
                .start();
        if (!p.waitFor(3, TimeUnit.MINUTES)) {
            p.destroyForcibly();
            throw new AssertionError("the probe did not finish in 3 minutes");
        }
        return new Probe(p.exitValue(), Files.readString(log));
    }

    static BatchItem item(int i) {
        String id = "request-" + i;
        Map<String, String> metadata = new HashMap<>();
        metadata.put("customer", "customer-" + (i % 1000) + "-" + "m".repeat(60));
        metadata.put("trace", Integer.toHexString(i * 31) + "-" + "t".repeat(60));
        return BatchItem.newBuilder()
                .setRequestId(id)
                .setKey(ByteBuffer.wrap(("user-key-" + i + "-" + "k".repeat(60)).getBytes(StandardCharsets.UTF_8)))
                .setHeaders(List.of(new Header(
                        "correlation-id",
                        ByteBuffer.wrap(("c-" + i + "c".repeat(80)).getBytes(StandardCharsets.UTF_8)))))
                .setMetadata(metadata)
                .setModel("gemini-2.5-flash")
                .setKind(RequestKind.GENERATE)
                .setRequest("{}")
                .setRequestBytes(100)
                .setSourceTopic("genai.requests")
                .setSourcePartition(0)
                .setSourceOffset(i)
                .setReceivedAt(Instant.ofEpochMilli(i))
                .build();
    }

    /** The child JVM: builds the index (or a HashMap) of ITEMS items, attaches a result to each, walks them all. */
    public static final class Main {
        private Main() {}

        public static void main(String[] args) {
            String mode = args[0];
            int n = Integer.parseInt(args[2]);
            if (mode.equals("heap")) {
                List<BatchItem> kept = new ArrayList<>();
                for (int i = 0; i < n; i++) {
                    kept.add(item(i));
                }
                System.out.println("kept " + kept.size() + " items on the heap");
                return;
            }
            try (ItemIndex index = ItemIndex.open(Path.of(args[1]))) {
                for (int i = 0; i < n; i++) {
                    index.putItem(item(i), false);
                }
                long count = index.completeItems(false);
                for (int i = 0; i < n; i++) {
                    index.addResult(io.genaibatch.batch.LineKey.of("genai.requests", 0, i), i * 100L, 100);
                }
                index.completeResults(n, u -> {});
                long walked = 0;
                try (ItemIndex.Cursor c = index.entries(0)) {
                    while (c.hasNext()) {
                        if (c.next().result().isPresent()) {
                            walked++;
                        }
                    }
                }
                Runtime rt = Runtime.getRuntime();
                System.out.println("indexed " + count + ", walked " + walked + " items; heap used "
                        + (rt.totalMemory() - rt.freeMemory()) / (1 << 20) + " MiB of " + rt.maxMemory() / (1 << 20));
            }
        }
    }
}
