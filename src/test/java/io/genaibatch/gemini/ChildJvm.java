package io.genaibatch.gemini;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Runs {@link FileTransferMain} in a child JVM with a small heap and the test's class path. */
final class ChildJvm {
    static final String HEAP = "-Xmx64m";

    record Result(int exitCode, String output) {}

    private ChildJvm() {}

    static Result run(Path logDir, String mode, String baseUrl, String fileName, Path path) throws Exception {
        Path java = Paths.get(System.getProperty("java.home"), "bin", "java");
        List<String> command = new ArrayList<>(List.of(
                java.toString(),
                HEAP,
                "-cp",
                System.getProperty("java.class.path"),
                FileTransferMain.class.getName(),
                mode,
                baseUrl,
                fileName,
                path.toString()));
        ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true);
        pb.environment().put("GEMINI_API_KEY", TestSupport.API_KEY);
        pb.environment().remove("GOOGLE_API_KEY");
        Path log = Files.createTempFile(logDir, "child-" + mode + "-", ".log");
        pb.redirectOutput(log.toFile());
        Process p = pb.start();
        if (!p.waitFor(10, TimeUnit.MINUTES)) {
            p.destroyForcibly();
            throw new AssertionError("child JVM (" + mode + ") did not finish in 10 minutes; output: "
                    + Files.readString(log, StandardCharsets.UTF_8));
        }
        return new Result(p.exitValue(), Files.readString(log, StandardCharsets.UTF_8));
    }
}
