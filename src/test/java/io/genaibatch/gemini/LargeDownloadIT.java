package io.genaibatch.gemini;

import static org.assertj.core.api.Assertions.assertThat;

import io.genaibatch.emulator.EmulatorOptions;
import io.genaibatch.emulator.GeminiEmulator;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
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

    @TempDir
    static Path dir;

    private static GeminiEmulator emulator;
    private static FileInfo stored;
    private static String sourceSha256;

    @BeforeAll
    static void uploadALargeFile() throws IOException {
        // Step 1: an emulator holding a 200 MB file, uploaded with our streaming upload.
        emulator = GeminiEmulator.start(EmulatorOptions.builder()
                .apiKey(TestSupport.API_KEY)
                .dataDir(dir.resolve("emulator"))
                .build());
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
        ChildJvm.Result child = ChildJvm.run(dir, "download", emulator.baseUrl(), stored.name(), target);

        // Step 3: every byte arrived.
        assertThat(child.exitCode()).as(child.output()).isZero();
        assertThat(child.output()).contains("DOWNLOADED " + SIZE);
        assertThat(Files.size(target)).isEqualTo(SIZE);
        assertThat(TestSupport.sha256Base64(target))
                .isEqualTo(stored.sha256Hash().orElseThrow())
                .isEqualTo(sourceSha256);
        Files.delete(target);
    }

    @Test
    void sdkDownloadRunsOutOfMemoryOnTheSameFileAndHeap() throws Exception {
        Path target = dir.resolve("sdk-downloaded.bin");

        ChildJvm.Result child = ChildJvm.run(dir, "sdk-download", emulator.baseUrl(), stored.name(), target);

        assertThat(child.exitCode()).isNotZero();
        assertThat(child.output()).contains("OutOfMemoryError").doesNotContain("DOWNLOADED");
        Files.deleteIfExists(target);
    }
}
