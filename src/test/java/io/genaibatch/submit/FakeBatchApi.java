package io.genaibatch.submit;

import io.genaibatch.gemini.BatchApiStub;
import io.genaibatch.gemini.BatchInput;
import io.genaibatch.gemini.BatchJobInfo;
import io.genaibatch.gemini.BatchOutput;
import io.genaibatch.gemini.BatchState;
import io.genaibatch.gemini.FileInfo;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;

/**
 * An in-memory BatchApi that records every call, for the submission's unit tests. Faults the emulator cannot
 * make are scripted here: a create that makes the job and then loses its answer, a client-side refusal.
 */
final class FakeBatchApi extends BatchApiStub {
    /** One create as the API saw it. */
    record Created(
            String name,
            String model,
            String displayName,
            boolean embeddings,
            BatchInput input,
            List<String> inlineLines) {}

    final List<String> calls = new CopyOnWriteArrayList<>();
    final List<Created> created = new CopyOnWriteArrayList<>();
    final Map<String, byte[]> files = new ConcurrentHashMap<>();
    private final AtomicInteger ids = new AtomicInteger();

    /** The next creates make the job, then fail as if the answer was lost. */
    final AtomicInteger loseNextCreateAnswers = new AtomicInteger();
    /** The next inline creates are refused before anything is sent (as the SDK conversion does). */
    final AtomicInteger refuseNextInline = new AtomicInteger();
    /** The next creates fail before reaching the server, with this exception. */
    volatile RuntimeException failNextCreateWith;

    int createsFor(String displayName) {
        return (int) created.stream()
                .filter(c -> c.displayName().equals(displayName))
                .count();
    }

    @Override
    public BatchJobInfo create(String model, String displayName, BatchInput input) {
        return doCreate(model, displayName, input, false);
    }

    @Override
    public BatchJobInfo createEmbeddings(String model, String displayName, BatchInput input) {
        if (input instanceof BatchInput.InlineSpool) {
            throw new IllegalArgumentException("inline embedding batches are refused");
        }
        return doCreate(model, displayName, input, true);
    }

    private BatchJobInfo doCreate(String model, String displayName, BatchInput input, boolean embeddings) {
        calls.add((embeddings ? "createEmbeddings " : "create ") + displayName);
        RuntimeException fail = failNextCreateWith;
        if (fail != null) {
            failNextCreateWith = null;
            throw fail;
        }
        List<String> lines = List.of();
        if (input instanceof BatchInput.InlineSpool s) {
            if (refuseNextInline.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
                throw new IllegalArgumentException(
                        s.spool().getFileName() + " line 1: field \"x\" cannot be sent inline");
            }
            try {
                lines = Files.readAllLines(s.spool());
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        } else if (!files.containsKey(((BatchInput.UploadedFile) input).fileName())) {
            throw new IllegalStateException("no such file " + input);
        }
        String name = "batches/fake-" + ids.incrementAndGet();
        created.add(new Created(name, model, displayName, embeddings, input, lines));
        if (loseNextCreateAnswers.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
            throw new UncheckedIOException(new IOException("connection reset while reading the create answer"));
        }
        return info(name, displayName);
    }

    @Override
    public Stream<BatchJobInfo> list(int pageSize) {
        calls.add("list");
        List<BatchJobInfo> all = new ArrayList<>();
        created.forEach(c -> all.add(info(c.name(), c.displayName())));
        return all.stream();
    }

    @Override
    public FileInfo uploadFile(Path file, String mimeType, String displayName) {
        calls.add("upload " + displayName + " " + mimeType);
        String name = "files/fake-" + ids.incrementAndGet();
        try {
            files.put(name, Files.readAllBytes(file));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return getFile(name);
    }

    @Override
    public FileInfo getFile(String fileName) {
        byte[] bytes = files.get(fileName);
        if (bytes == null) {
            throw new IllegalStateException("no such file " + fileName);
        }
        return new FileInfo(fileName, "", "application/jsonl", bytes.length, Optional.empty(), "ACTIVE");
    }

    private static BatchJobInfo info(String name, String displayName) {
        return new BatchJobInfo(
                name,
                displayName,
                BatchState.PENDING,
                "models/m",
                Optional.of(Instant.EPOCH),
                Optional.empty(),
                Optional.empty(),
                Optional.empty(),
                Optional.empty(),
                new BatchOutput(Optional.empty(), -1));
    }
}
