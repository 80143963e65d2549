package io.genaibatch.gemini;

import static org.assertj.core.api.Assertions.assertThat;

import io.genaibatch.emulator.EmulatorOptions;
import io.genaibatch.emulator.GeminiEmulator;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A file over 2 GiB (where the SDK's int offset overflows) uploads through BatchApi from a JVM with a
 * 64 MB heap, every byte in place: markers written around the 2^31 boundary change the SHA-256 if a chunk
 * lands at a wrong offset.
 */
class LargeUploadIT {
    private static final long SIZE = (1L << 31) + 9L * 1024 * 1024 + 3;

    @TempDir
    Path dir;

    @Test
    void shouldUploadAFileLargerThan2GiBFromASmallHeap() throws Exception {
        // The source file is sparse, but the emulator stores a real copy: skip (not fail) on a small disk.
        long usable = java.nio.file.Files.getFileStore(dir).getUsableSpace();
        org.junit.jupiter.api.Assumptions.assumeTrue(
                usable > SIZE + (1L << 30),
                "needs " + (SIZE + (1L << 30)) / (1L << 20) + " MiB free in " + dir + ", has " + usable / (1L << 20));
        // Step 1: a sparse file past 2 GiB, with markers at the edges of the int range.
        Path file = dir.resolve("over-2gib.jsonl");
        try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "rw")) {
            raf.setLength(SIZE);
            for (long at :
                    new long[] {0, Integer.MAX_VALUE - 8L, 1L << 31, (1L << 31) + 8L * 1024 * 1024 + 1, SIZE - 16}) {
                raf.seek(at);
                raf.write(String.format("@%010d@", at).getBytes(StandardCharsets.US_ASCII));
            }
        }
        String expected = TestSupport.sha256Base64(file);

        try (GeminiEmulator emulator = GeminiEmulator.start(EmulatorOptions.builder()
                .apiKey(TestSupport.API_KEY)
                .dataDir(dir.resolve("emulator"))
                .build())) {
            // Step 2: a 64 MB child JVM uploads it.
            ChildJvm.Result child = ChildJvm.run(dir, "upload", emulator.baseUrl(), "over 2 GiB", file);

            // Step 3: the server holds every byte, as hashed by the server itself.
            assertThat(child.exitCode()).as(child.output()).isZero();
            assertThat(child.output())
                    .containsPattern("UPLOADED files/\\S+ " + SIZE + " " + java.util.regex.Pattern.quote(expected));
        }
    }
}
