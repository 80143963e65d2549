package io.genaibatch.gemini;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import io.genaibatch.emulator.EmulatorOptions;
import io.genaibatch.emulator.GeminiEmulator;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A file larger than the downloading JVM's heap goes through BatchApi.downloadFile, because it streams;
 * the SDK's own download runs out of memory on the same file in the same heap.
 */
class LargeDownloadIT {
    private static final long SIZE = 200L * 1000 * 1000;
    private static final String CHILD_HEAP = "-Xmx64m";

    @TempDir
    static Path dir;

    private static GeminiEmulator emulator;
    private static FileInfo stored;
    private static String sourceSha256;

    @BeforeAll
    static void uploadALargeFile() throws IOException {
        // Step 1: an emulator holding a 200 MB file, uploaded with our streaming upload.
        emulator = GeminiEmulator.start(EmulatorOptions.builder().apiKey(TestSupport.API_KEY)
                .dataDir(dir.resolve("emulator")).build());
        Path source = TestSupport.patternFile(dir, "large.bin", SIZE);
        sourceSha256 = TestSupport.sha256Base64(source);
        try (BatchApi api = BatchApi.open(TestSupport.settings(emulator))) {
            stored = api.uploadFile(source, "application/jsonl", "large");
        }
        Files.delete(source);
        assertThat(stored.sizeBytes()).isEqualTo(SIZE);
        assertThat(stored.sha256Hash()).contains(sourceSha256);
    }

    @AfterAll
    static void stop() {
        if (emulator != null) {
            emulator.close();
        }
    }

    @Test
    void shouldDownloadAFileLargerThanTheHeapThroughBatchApi() throws Exception {
        Path target = dir.resolve("downloaded.bin");

        // Step 2: a child JVM with a 64 MB heap downloads it.
        Child child = runChild("batchapi", target);

        // Step 3: every byte arrived.
        assertThat(child.exitCode).as(child.output).isZero();
        assertThat(child.output).contains("DOWNLOADED " + SIZE);
        assertThat(Files.size(target)).isEqualTo(SIZE);
        assertThat(TestSupport.sha256Base64(target)).isEqualTo(stored.sha256Hash().orElseThrow())
                .isEqualTo(sourceSha256);
        Files.delete(target);
    }

    @Test
    void sdkDownloadRunsOutOfMemoryOnTheSameFileAndHeap() throws Exception {
        Path target = dir.resolve("sdk-downloaded.bin");

        Child child = runChild("sdk", target);

        assertThat(child.exitCode).isNotZero();
        assertThat(child.output).contains("OutOfMemoryError").doesNotContain("DOWNLOADED");
        Files.deleteIfExists(target);
    }

    private record Child(int exitCode, String output) {
    }

    private static Child runChild(String mode, Path target) throws Exception {
        Path java = Paths.get(System.getProperty("java.home"), "bin", "java");
        List<String> command = new ArrayList<>(List.of(java.toString(), CHILD_HEAP, "-cp",
                System.getProperty("java.class.path"), DownloadMain.class.getName(), mode, emulator.baseUrl(),
                stored.name(), target.toString()));
        ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true);
        pb.environment().put("GEMINI_API_KEY", TestSupport.API_KEY);
        pb.environment().remove("GOOGLE_API_KEY");
        Path log = dir.resolve("child-" + mode + ".log");
        pb.redirectOutput(log.toFile());
        Process p = pb.start();
        if (!p.waitFor(5, TimeUnit.MINUTES)) {
            p.destroyForcibly();
            throw new AssertionError("child JVM (" + mode + ") did not finish in 5 minutes; output: "
                    + Files.readString(log, StandardCharsets.UTF_8));
        }
        return new Child(p.exitValue(), Files.readString(log, StandardCharsets.UTF_8));
    }
}
