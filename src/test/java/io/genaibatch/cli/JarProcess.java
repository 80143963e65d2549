package io.genaibatch.cli;

import io.genaibatch.testkit.Await;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * The shaded jar run as a real process, as a user runs it. Output is captured to files so that the process never
 * blocks on a full pipe; tests wait for a line with a deadline.
 */
final class JarProcess implements AutoCloseable {
    private final Process process;
    private final Path stdout;
    private final Path stderr;

    private JarProcess(Process process, Path stdout, Path stderr) {
        this.process = process;
        this.stdout = stdout;
        this.stderr = stderr;
    }

    static JarProcess start(Path workDir, String... args) throws IOException {
        return start(workDir, java.util.Map.of(), args);
    }

    /** The jar with {@code env} added to this process's environment. */
    static JarProcess start(Path workDir, java.util.Map<String, String> env, String... args) throws IOException {
        Path jar = Path.of(System.getProperty("user.dir"), "target", "genai-batch.jar");
        if (!Files.exists(jar)) {
            throw new IllegalStateException(jar + " is missing: process tests run in `./mvnw verify`, after package");
        }
        List<String> command = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx512m",
                "-jar",
                jar.toString()));
        command.addAll(List.of(args));
        Files.createDirectories(workDir);
        Path out = Files.createTempFile(workDir, "stdout", ".log");
        Path err = Files.createTempFile(workDir, "stderr", ".log");
        ProcessBuilder builder = new ProcessBuilder(command)
                .directory(workDir.toFile())
                .redirectOutput(out.toFile())
                .redirectError(err.toFile());
        builder.environment().putAll(env);
        Process p = builder.start();
        return new JarProcess(p, out, err);
    }

    /** Waits until stdout has a line containing {@code text}, or fails with what the process printed. */
    String awaitStdout(String text, Duration timeout) {
        return Await.until(
                        "'" + text + "' on stdout",
                        timeout,
                        () -> {
                            Optional<String> line = lineContaining(text);
                            if (line.isEmpty() && !process.isAlive()) {
                                throw new AssertionError("process exited with " + process.exitValue()
                                        + " before printing '" + text + "'\n" + describe());
                            }
                            return new Output(line, this);
                        },
                        o -> o.line().isPresent())
                .line()
                .orElseThrow();
    }

    /** A look at stdout; shown, when a wait times out, as what the process printed. */
    private record Output(Optional<String> line, JarProcess process) {
        @Override
        public String toString() {
            try {
                return "\n" + process.describe();
            } catch (IOException e) {
                return "(output unreadable: " + e + ")";
            }
        }
    }

    private Optional<String> lineContaining(String text) throws IOException {
        try (BufferedReader r =
                new BufferedReader(new InputStreamReader(Files.newInputStream(stdout), StandardCharsets.UTF_8))) {
            String line;
            while ((line = r.readLine()) != null) {
                if (line.contains(text)) {
                    return Optional.of(line);
                }
            }
        }
        return Optional.empty();
    }

    /** SIGTERM, then the exit code; fails if the process does not stop in time. */
    int terminate(Duration timeout) throws InterruptedException, IOException {
        process.destroy();
        if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            process.destroyForcibly();
            throw new AssertionError("process did not stop within " + timeout + " of SIGTERM\n" + describe());
        }
        return process.exitValue();
    }

    /** SIGKILL, as a crash: no shutdown hook runs, nothing is flushed or committed. */
    void kill() throws InterruptedException {
        process.destroyForcibly();
        process.waitFor(10, TimeUnit.SECONDS);
    }

    boolean isAlive() {
        return process.isAlive();
    }

    int waitFor(Duration timeout) throws InterruptedException, IOException {
        if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            throw new AssertionError("process still running after " + timeout + "\n" + describe());
        }
        return process.exitValue();
    }

    String stdout() throws IOException {
        return Files.readString(stdout);
    }

    String stderr() throws IOException {
        return Files.readString(stderr);
    }

    String describe() throws IOException {
        return "--- stdout ---\n" + tail(stdout()) + "\n--- stderr ---\n" + tail(stderr());
    }

    private static String tail(String s) {
        return s.length() > 4000 ? "..." + s.substring(s.length() - 4000) : s;
    }

    @Override
    public void close() {
        process.destroyForcibly();
    }
}
