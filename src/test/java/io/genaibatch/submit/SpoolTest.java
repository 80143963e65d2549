package io.genaibatch.submit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.genaibatch.batch.JsonlLine;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SpoolTest {
    @TempDir
    Path dir;

    @Test
    void shouldWriteTheExactJsonlLinesAndStartAfreshWhenABatchIsReadAgain() throws Exception {
        Spool spool = new Spool(dir, "g", "genai.batches");
        byte[] l1 = JsonlLine.bytes("r-1", "{\"contents\":[{\"parts\":[{\"text\":\"é\"}]}]}");
        byte[] l2 = JsonlLine.bytes("r-2", "{\"contents\":[]}");
        try (Spool.Writer w = spool.create(2, "b-1")) {
            w.append(l1);
            w.append(l2);
            assertThat(w.lines()).isEqualTo(2);
            assertThat(w.bytes()).isEqualTo(l1.length + l2.length);
        }
        Path file = spool.path(2, "b-1");
        assertThat(file).hasParent(dir.resolve("g~genai.batches-2"));
        assertThat(Files.readAllBytes(file)).isEqualTo(concat(l1, l2));

        // The first item read again after a restart: the file is rebuilt, not appended to.
        try (Spool.Writer w = spool.create(2, "b-1")) {
            w.append(l1);
        }
        assertThat(Files.readAllBytes(file)).isEqualTo(l1);

        spool.clearPartition(2);
        assertThat(file).doesNotExist();
    }

    @Test
    void shouldKeepFileNamesPortableAndDistinct() {
        assertThat(Spool.fileName("gemini-2.5-flash-generate-0-ab12-7"))
                .isEqualTo("gemini-2.5-flash-generate-0-ab12-7.jsonl");
        assertThat(Spool.fileName("a/b")).startsWith("a_b-").endsWith(".jsonl");
        assertThat(Spool.fileName("a/b")).isNotEqualTo(Spool.fileName("a:b"));
    }

    @Test
    void shouldCreateTheSpoolDirectoriesOwnerOnly() throws Exception {
        assumePosix();
        Path root = dir.resolve("data/submit-spool");
        Spool spool = new Spool(root, "g", "genai.batches");

        spool.create(2, "b-1").close();

        // the spool holds the batches' prompts: nobody but the service's user may read them
        for (Path d : new Path[] {dir.resolve("data"), root, root.resolve("g~genai.batches-2")}) {
            assertThat(permissions(d)).as(d.toString()).isEqualTo("rwx------");
        }
    }

    @Test
    void shouldTightenAnOpenPartitionFolderButLeaveAnExistingRootAsConfigured() throws Exception {
        assumePosix();
        Path root = Files.createDirectories(dir.resolve("spool"));
        Files.setPosixFilePermissions(root, PosixFilePermissions.fromString("rwxr-x---"));
        Path partition = Files.createDirectories(root.resolve("g~genai.batches-0"));
        Files.setPosixFilePermissions(partition, PosixFilePermissions.fromString("rwxr-xr-x"));

        new Spool(root, "g", "genai.batches").create(0, "b-1").close();

        assertThat(permissions(partition)).isEqualTo("rwx------");
        assertThat(permissions(root)).isEqualTo("rwxr-x---");
    }

    private static void assumePosix() {
        assumeTrue(
                FileSystems.getDefault().supportedFileAttributeViews().contains("posix"),
                "permissions are POSIX permissions; this file system has none");
    }

    private static String permissions(Path d) throws IOException {
        return PosixFilePermissions.toString(Files.getPosixFilePermissions(d));
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] out = new byte[a.length + b.length];
        System.arraycopy(a, 0, out, 0, a.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }

    @Test
    void shouldKeepEachGroupsFoldersApartInOneSpoolDirectory(@org.junit.jupiter.api.io.TempDir Path root)
            throws Exception {
        Spool a = new Spool(root, "deployment-a", "genai.batches");
        Spool b = new Spool(root, "deployment-b", "genai.batches");
        a.create(0, "b-1").close();

        b.clearPartition(0);

        assertThat(a.path(0, "b-1")).exists();
        assertThat(b.path(0, "b-1")).isNotEqualTo(a.path(0, "b-1"));
    }

    @Test
    void shouldHoldABoundedNumberOfFilesOpenHoweverManyBatchesAreOpen() throws Exception {
        assumeTrue(Files.isDirectory(Path.of("/proc/self/fd")), "open files are counted in /proc/self/fd");
        Spool spool = new Spool(dir, "g", "genai.batches");
        int batches = 500;
        List<Spool.Writer> writers = new ArrayList<>();
        List<ByteArrayOutputStream> expected = new ArrayList<>();
        for (int b = 0; b < batches; b++) {
            writers.add(spool.create(b % 3, "b-" + b));
            expected.add(new ByteArrayOutputStream());
        }
        // Items of every batch interleaved, as thousands of models' batches arrive on genai.batches.
        for (int item = 0; item < 3; item++) {
            for (int b = 0; b < batches; b++) {
                byte[] line = JsonlLine.bytes(
                        "b-" + b + "-r" + item, "{\"contents\":[{\"parts\":[{\"text\":\"" + item + "\"}]}]}");
                writers.get(b).append(line);
                expected.get(b).writeBytes(line);
            }
        }

        assertThat(openFilesUnder(dir))
                .as("spool files open with %d batches open", batches)
                .isLessThanOrEqualTo(Spool.MAX_OPEN_FILES);
        for (int b = 0; b < batches; b++) {
            writers.get(b).close();
            assertThat(Files.readAllBytes(spool.path(b % 3, "b-" + b)))
                    .as("spool of b-%d", b)
                    .isEqualTo(expected.get(b).toByteArray());
            assertThat(writers.get(b).lines()).isEqualTo(3);
        }
        assertThat(openFilesUnder(dir)).isZero();
    }

    @Test
    void shouldLeaveNoSpoolFileWhenItIsDeletedWhileItsBatchIsOpen() throws Exception {
        Spool spool = new Spool(dir, "g", "genai.batches");
        byte[] line = JsonlLine.bytes("r-1", "{\"contents\":[]}");
        List<Spool.Writer> writers = new ArrayList<>();
        for (int b = 0; b < 200; b++) {
            writers.add(spool.create(0, "b-" + b));
            writers.get(b).append(line);
        }
        Files.delete(spool.path(0, "b-0"));

        // Counted as written, so that the seal matches; the file stays missing, so that the submission reads the
        // batch again from genai.batches instead of sending what is left of it.
        writers.get(0).append(line);
        writers.forEach(Spool.Writer::close);

        assertThat(writers.get(0).lines()).isEqualTo(2);
        assertThat(spool.path(0, "b-0")).doesNotExist();
        assertThat(Files.readAllBytes(spool.path(0, "b-1"))).isEqualTo(line);
    }

    /** Open file descriptors of this JVM on spool files (*.jsonl) under {@code root}. */
    static long openFilesUnder(Path root) throws IOException {
        Path real = root.toRealPath();
        long n = 0;
        try (java.util.stream.Stream<Path> fds = Files.list(Path.of("/proc/self/fd"))) {
            for (Path fd : fds.toList()) {
                try {
                    Path target = Files.readSymbolicLink(fd);
                    if (target.startsWith(real) && target.toString().endsWith(".jsonl")) {
                        n++;
                    }
                } catch (IOException e) {
                    // closed meanwhile
                }
            }
        }
        return n;
    }
}
