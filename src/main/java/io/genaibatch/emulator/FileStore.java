package io.genaibatch.emulator;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Files API's state: files by id (bytes under {@code dataDir/files}) and open resumable uploads
 * (bytes under {@code dataDir/uploads}). Nothing here holds a file's content in memory.
 */
final class FileStore {
    private static final Logger log = LoggerFactory.getLogger(FileStore.class);
    /** Uploaded files expire after 48 h in the real service; the emulator only reports it. */
    private static final Duration TTL = Duration.ofHours(48);

    private final Path filesDir;
    private final Path uploadsDir;
    private final long seed;
    private final Clock clock;
    private final AtomicLong seq = new AtomicLong();
    private final ConcurrentSkipListMap<Long, StoredFile> bySeq = new ConcurrentSkipListMap<>();
    private final Map<String, StoredFile> byId = new ConcurrentHashMap<>();
    private final Map<String, UploadSession> uploads = new ConcurrentHashMap<>();
    /** Where file records and the id counter are saved; null keeps them in memory only. */
    private final StateDir state;

    FileStore(Path dataDir, long seed, Clock clock, StateDir state) throws IOException {
        this.filesDir = Files.createDirectories(dataDir.resolve("files"));
        this.uploadsDir = Files.createDirectories(dataDir.resolve("uploads"));
        this.seed = seed;
        this.clock = clock;
        this.state = state;
        if (state != null) {
            load();
        }
    }

    /**
     * Reads back the files a previous run saved. Open uploads are not kept (a client starts them again, as after
     * an expired upload URL), so their partial bytes are removed.
     */
    private void load() throws IOException {
        long maxSeq = StateDir.read(state.fileCounters()).path("seq").asLong();
        for (ObjectNode r : state.fileRecords()) {
            try {
                StoredFile f = StoredFile.fromRecord(r, state);
                bySeq.put(f.seq(), f);
                byId.put(f.id(), f);
                maxSeq = Math.max(maxSeq, f.seq());
            } catch (RuntimeException e) {
                log.warn("Skipping a file record that cannot be read ({}): {}", e.toString(), r);
            }
        }
        seq.set(maxSeq);
        try (var parts = Files.newDirectoryStream(uploadsDir)) {
            for (Path part : parts) {
                Files.deleteIfExists(part);
            }
        }
        if (!byId.isEmpty()) {
            log.info("Read back {} files from {}", byId.size(), filesDir);
        }
    }

    /** The next id number, saved before use so that a restart never hands out an id twice. */
    private long nextSeq() throws IOException {
        long n = seq.incrementAndGet();
        if (state != null) {
            synchronized (seq) {
                StateDir.write(state.fileCounters(), Json.object().put("seq", seq.get()));
            }
        }
        return n;
    }

    /** Accepts "files/abc" and "abc", as the real service does. */
    StoredFile get(String nameOrId) {
        String id = nameOrId.startsWith("files/") ? nameOrId.substring("files/".length()) : nameOrId;
        StoredFile f = byId.get(id);
        if (f == null) {
            // The Files API's answer for a file that is not there (deleted, expired after 48 h, never uploaded):
            // 403, not 404.
            throw new ErrorAnswer(
                    403,
                    "PERMISSION_DENIED",
                    "You do not have permission to access the File files/" + id + " or it may not exist.");
        }
        return f;
    }

    void delete(String nameOrId) throws IOException {
        StoredFile f = get(nameOrId);
        if (byId.remove(f.id()) != null) {
            bySeq.remove(f.seq());
            if (state != null) {
                Files.deleteIfExists(state.fileRecord(f.id()));
            }
            Files.deleteIfExists(f.blob());
            log.info("Deleted file {}", f.name());
        }
    }

    Paging.Page<StoredFile> list(int pageSize, String pageToken) {
        return Paging.page(bySeq, pageSize, pageToken);
    }

    UploadSession startUpload(String displayName, String mimeType, long declaredSize) throws IOException {
        long n = nextSeq();
        String uploadId = "up-" + Hashing.id(Hashing.hash(seed, "upload", Long.toString(n)), 20);
        Path part = uploadsDir.resolve(uploadId + ".part");
        Files.deleteIfExists(part);
        Files.createFile(part);
        UploadSession s = new UploadSession(uploadId, displayName, mimeType, declaredSize, part);
        uploads.put(uploadId, s);
        return s;
    }

    UploadSession upload(String uploadId) {
        return uploads.get(uploadId);
    }

    /**
     * Appends one chunk to the session. Bytes count as received as soon as they are on disk, so a chunk cut
     * short by a client crash leaves what arrived, which {@code query} then reports.
     */
    static long append(UploadSession s, InputStream body) throws IOException {
        byte[] buf = new byte[64 * 1024];
        long n = 0;
        try (OutputStream out = Files.newOutputStream(s.partFile, StandardOpenOption.APPEND)) {
            int r;
            while ((r = body.read(buf)) >= 0) {
                out.write(buf, 0, r);
                s.digest.update(buf, 0, r);
                s.received += r;
                n += r;
            }
        }
        return n;
    }

    /** Turns a complete upload into a file; the caller has checked the size. */
    StoredFile finishUpload(UploadSession s) throws IOException {
        String sha = Base64.getEncoder().encodeToString(s.digest.digest());
        // The session stays, so a client that lost the final answer can still query it and learn the file.
        return register(s.partFile, s.displayName, s.mimeType, s.received, sha, "UPLOADED", null);
    }

    void abortUpload(UploadSession s) throws IOException {
        uploads.remove(s.uploadId);
        Files.deleteIfExists(s.partFile);
    }

    /** Registers a file the emulator wrote itself (a job's responses); moves it into the store. */
    StoredFile registerGenerated(Path written, String displayName, String idHint) throws IOException {
        MessageDigest digest = Hashing.sha256();
        byte[] buf = new byte[64 * 1024];
        try (InputStream in = Files.newInputStream(written)) {
            int r;
            while ((r = in.read(buf)) >= 0) {
                digest.update(buf, 0, r);
            }
        }
        String sha = Base64.getEncoder().encodeToString(digest.digest());
        return register(written, displayName, "application/jsonl", Files.size(written), sha, "GENERATED", idHint);
    }

    private StoredFile register(
            Path source, String displayName, String mimeType, long size, String sha, String origin, String idHint)
            throws IOException {
        long n = nextSeq();
        String id = idHint != null ? idHint : Hashing.id(Hashing.hash(seed, "file", Long.toString(n)), 12);
        Path blob = filesDir.resolve(id);
        Files.move(source, blob, StandardCopyOption.REPLACE_EXISTING);
        Instant now = clock.instant();
        StoredFile f = new StoredFile(n, id, displayName, mimeType, size, now, now.plus(TTL), sha, origin, blob);
        if (state != null) {
            StateDir.write(state.fileRecord(id), f.toRecord(state));
        }
        StoredFile replaced = byId.put(id, f);
        if (replaced != null) {
            // A job's output written again (its processing resumed after a restart): one file, listed once.
            bySeq.remove(replaced.seq());
        }
        bySeq.put(n, f);
        log.info("File {} stored: {} bytes, {} ({}, display name {})", f.name(), size, mimeType, origin, displayName);
        return f;
    }
}
