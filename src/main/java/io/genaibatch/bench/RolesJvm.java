package io.genaibatch.bench;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The roles' JVM of {@code bench submit-poll} ({@code genai-batch bench roles --roles submit,poll} at a small heap):
 * started with the run's settings, its stdout copied to {@code roles.out} and read for its start marker and its heap
 * figures, stopped by closing its stdin.
 */
final class RolesJvm {
    private final String heapSize;
    private final List<String> jvmOptions;
    private final PrintWriter out;

    private Process roles;
    private volatile HeapWatch.Figures heap;
    private final AtomicLong startedAt = new AtomicLong();
    /** This JVM's nanoTime when the start marker was read. */
    private final AtomicLong startSeen = new AtomicLong();

    private Thread output;

    RolesJvm(String heapSize, List<String> jvmOptions, PrintWriter out) {
        this.heapSize = heapSize;
        this.jvmOptions = jvmOptions;
        this.out = out;
    }

    /** The roles' clock (epoch milliseconds) when they reported their start; 0 before. */
    long startedAt() {
        return startedAt.get();
    }

    /** This JVM's nanoTime when the start marker was read; 0 before. */
    long startSeenNanos() {
        return startSeen.get();
    }

    /** The heap figures the roles printed when they stopped; null when they did not stop normally. */
    HeapWatch.Figures heap() {
        return heap;
    }

    /** Throws when the roles' JVM has exited. */
    void checkAlive(Path rolesDir) {
        Process p = roles;
        if (p != null && !p.isAlive()) {
            throw new IllegalStateException("the roles' JVM exited with " + p.exitValue()
                    + " before the job was published; see " + rolesDir.resolve("roles.log"));
        }
    }

    void start(Map<String, String> settings, Path rolesDir) throws IOException {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<String> command = new ArrayList<>();
        command.add(java);
        command.add("-Xmx" + heapSize);
        // An OOM must leave evidence: a heap dump next to the roles' log, and the process gone at once.
        command.add("-XX:+HeapDumpOnOutOfMemoryError");
        command.add("-XX:HeapDumpPath=" + rolesDir);
        command.add("-XX:+ExitOnOutOfMemoryError");
        command.add("-Xlog:gc:file=" + rolesDir.resolve("gc.log"));
        command.addAll(jvmOptions);
        command.add("-cp");
        command.add(System.getProperty("java.class.path"));
        command.add("io.genaibatch.cli.Main");
        command.add("bench");
        command.add("roles");
        command.add("--roles");
        command.add("submit,poll");
        settings.forEach((k, v) -> {
            command.add("--set");
            command.add(k + "=" + v);
        });
        ProcessBuilder pb = new ProcessBuilder(command)
                .redirectError(rolesDir.resolve("roles.log").toFile());
        // The emulator takes any key; the Gemini client insists on one.
        pb.environment().put("GEMINI_API_KEY", "bench-emulator-key");
        pb.environment().remove("GOOGLE_API_KEY");
        out.println("roles    " + String.join(" ", command.subList(0, command.indexOf("-cp"))) + " -cp ... "
                + "io.genaibatch.cli.Main bench roles --roles submit,poll (log: " + rolesDir.resolve("roles.log")
                + ")");
        out.flush();
        roles = pb.start();
        Path stdout = rolesDir.resolve("roles.out");
        Process started = roles;
        output = new Thread(() -> readOutput(started, stdout), "bench-roles-output");
        output.setDaemon(true);
        output.start();
    }

    private void readOutput(Process process, Path copy) {
        try (BufferedReader in =
                        new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
                var file = Files.newBufferedWriter(copy)) {
            String line;
            while ((line = in.readLine()) != null) {
                file.write(line);
                file.newLine();
                file.flush();
                if (line.startsWith(SubmitPollBenchmark.STARTED_MARKER + " ")) {
                    startSeen.set(System.nanoTime());
                    startedAt.set(Long.parseLong(line.substring(SubmitPollBenchmark.STARTED_MARKER.length() + 1)
                            .trim()));
                }
                HeapWatch.Figures f = HeapWatch.Figures.parse(line);
                if (f != null) {
                    heap = f;
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Closes the roles' stdin, which stops them in order; they print their heap figures and exit. */
    void stop() throws InterruptedException {
        Process p = roles;
        if (p == null) {
            return;
        }
        roles = null;
        try {
            p.getOutputStream().close();
        } catch (IOException ignored) {
            // Already gone.
        }
        if (!p.waitFor(3, TimeUnit.MINUTES)) {
            out.println("the roles' JVM did not stop within 3 minutes of being asked; killing it");
            p.destroyForcibly();
            p.waitFor(30, TimeUnit.SECONDS);
        }
        if (output != null) {
            output.join(10_000);
        }
    }
}
