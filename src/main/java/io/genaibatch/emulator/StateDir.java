package io.genaibatch.emulator;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The emulator's state on disk, for an emulator given a data directory: one JSON file per job
 * ({@code state/jobs/<id>.json}) and per file ({@code state/files/<id>.json}), plus the counters that ids and
 * {@code jobsCreatedByDisplayName} derive from ({@code state/batches.json}, {@code state/files.json}). Content
 * (uploads, job inputs and outputs) stays where it always was under the data directory; records name it by a
 * path relative to that directory, so the directory can be moved between runs.
 *
 * <p>Every write goes to a temp file in the same folder and is then moved over the target, so a crash at any
 * moment leaves either the old or the new record, never half of one (docs/EMULATOR.md, "Persistence").
 */
final class StateDir {
    private static final Logger log = LoggerFactory.getLogger(StateDir.class);

    private final Path dataDir;
    private final Path jobs;
    private final Path files;

    private StateDir(Path dataDir) throws IOException {
        this.dataDir = dataDir;
        this.jobs = Files.createDirectories(dataDir.resolve("state").resolve("jobs"));
        this.files = Files.createDirectories(dataDir.resolve("state").resolve("files"));
    }

    static StateDir open(Path dataDir) throws IOException {
        return new StateDir(dataDir);
    }

    Path jobRecord(String id) {
        return jobs.resolve(id + ".json");
    }

    Path fileRecord(String id) {
        return files.resolve(id + ".json");
    }

    Path batchCounters() {
        return dataDir.resolve("state").resolve("batches.json");
    }

    Path fileCounters() {
        return dataDir.resolve("state").resolve("files.json");
    }

    List<ObjectNode> jobRecords() throws IOException {
        return readAll(jobs);
    }

    List<ObjectNode> fileRecords() throws IOException {
        return readAll(files);
    }

    /** A content path as records keep it: relative to the data directory; null stays null. */
    String relative(Path p) {
        return p == null ? null : dataDir.relativize(p).toString();
    }

    Path resolve(String relative) {
        return relative == null ? null : dataDir.resolve(relative);
    }

    /** Replaces {@code target} with this JSON in one atomic step (temp file in the same folder, then a move). */
    static void write(Path target, JsonNode json) throws IOException {
        Path tmp = Files.createTempFile(target.getParent(), target.getFileName().toString(), ".tmp");
        try {
            Files.write(tmp, Json.MAPPER.writeValueAsBytes(json));
            try {
                Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING);
            }
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    /** The counters record, or an empty object when there is none yet. */
    static ObjectNode read(Path record) throws IOException {
        if (!Files.exists(record)) {
            return Json.object();
        }
        JsonNode n = Json.MAPPER.readTree(record.toFile());
        return n instanceof ObjectNode o ? o : Json.object();
    }

    /**
     * Every {@code *.json} record of a folder. Temp files left by a crash mid-write are removed (their target
     * still holds the previous record); a record that cannot be read is skipped with a warning rather than
     * keeping the emulator from starting.
     */
    private static List<ObjectNode> readAll(Path dir) throws IOException {
        List<ObjectNode> out = new ArrayList<>();
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(dir)) {
            for (Path p : entries) {
                String name = p.getFileName().toString();
                if (name.endsWith(".tmp")) {
                    Files.deleteIfExists(p);
                } else if (name.endsWith(".json")) {
                    try {
                        JsonNode n = Json.MAPPER.readTree(p.toFile());
                        if (n instanceof ObjectNode o) {
                            out.add(o);
                        } else {
                            log.warn("Skipping state record {}: not a JSON object", p);
                        }
                    } catch (IOException e) {
                        log.warn("Skipping state record {}: {}", p, e.toString());
                    }
                }
            }
        }
        return out;
    }
}
