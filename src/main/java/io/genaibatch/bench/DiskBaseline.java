package io.genaibatch.bench;

import java.io.BufferedOutputStream;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/** The baseline of {@code bench submit-poll}: the batch's JSONL bytes to a file, fsync, read back line by line. */
final class DiskBaseline {
    private final int count;
    private final BenchRequests requests;
    private final PrintWriter out;

    DiskBaseline(int count, BenchRequests requests, PrintWriter out) {
        this.count = count;
        this.requests = requests;
        this.out = out;
    }

    /** Writes, fsyncs, reads and deletes {@code baseline.jsonl} in {@code dir}; prints and returns the times. */
    SubmitPollBenchmark.Baseline measure(Path dir, String label) throws IOException {
        for (int i : new int[] {0, count / 2, count - 1}) {
            requests.checkLine(i);
        }
        Path file = dir.resolve("baseline.jsonl");
        byte[] buf = requests.lineBuffer();
        long written = 0;
        long t0 = System.nanoTime();
        long t1;
        try (FileChannel channel = FileChannel.open(
                        file,
                        StandardOpenOption.CREATE,
                        StandardOpenOption.WRITE,
                        StandardOpenOption.TRUNCATE_EXISTING);
                OutputStream stream = new BufferedOutputStream(Channels.newOutputStream(channel), 64 << 10)) {
            for (int i = 0; i < count; i++) {
                int n = requests.line(i, buf);
                stream.write(buf, 0, n);
                written += n;
            }
            stream.flush();
            t1 = System.nanoTime();
            channel.force(true);
        }
        long t2 = System.nanoTime();
        long lines = 0;
        long chars = 0;
        try (BufferedReader reader = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            String line;
            while ((line = reader.readLine()) != null) {
                lines++;
                chars += line.length() + 1;
            }
        }
        long t3 = System.nanoTime();
        Files.delete(file);
        if (lines != count || chars != written) {
            throw new IllegalStateException("baseline wrote " + count + " lines / " + written + " bytes and read "
                    + lines + " lines / " + chars + " chars");
        }
        SubmitPollBenchmark.Baseline b =
                new SubmitPollBenchmark.Baseline(written, (t1 - t0) / 1e9, (t2 - t1) / 1e9, (t3 - t2) / 1e9);
        out.printf(
                "baseline (%s) write %.2f s + fsync %.2f s + read lines %.2f s = %.2f s (%.0f MB/s)%n",
                label, b.write(), b.fsync(), b.read(), b.total(), written / 1e6 / b.total());
        out.flush();
        return b;
    }
}
