package io.genaibatch.gemini;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

/** A {@link BatchApi} that counts the bytes of the files it uploads and downloads; the rest is the delegate's. */
public final class MeteredBatchApi implements BatchApi {
    private final BatchApi api;
    private final Counter uploaded;
    private final Counter downloaded;

    public MeteredBatchApi(BatchApi api, MeterRegistry registry) {
        this.api = api;
        this.uploaded = Counter.builder("genai.gemini.upload")
                .baseUnit("bytes")
                .description("bytes of input files uploaded")
                .register(registry);
        this.downloaded = Counter.builder("genai.gemini.download")
                .baseUnit("bytes")
                .description("bytes of result files downloaded")
                .register(registry);
    }

    @Override
    public FileInfo uploadFile(Path file, String mimeType, String displayName) {
        FileInfo info = api.uploadFile(file, mimeType, displayName);
        try {
            uploaded.increment(Files.size(file));
        } catch (IOException e) {
            // Uploaded, so it was readable a moment ago; a file gone since is not worth failing the upload for.
        }
        return info;
    }

    @Override
    public long downloadFile(String fileName, Path target) {
        long bytes = api.downloadFile(fileName, target);
        downloaded.increment(bytes);
        return bytes;
    }

    @Override
    public BatchJobInfo create(String model, String displayName, BatchInput input) {
        return api.create(model, displayName, input);
    }

    @Override
    public BatchJobInfo createEmbeddings(String model, String displayName, BatchInput input) {
        return api.createEmbeddings(model, displayName, input);
    }

    @Override
    public java.util.Optional<String> unavailable() {
        return api.unavailable();
    }

    @Override
    public BatchJobInfo get(String jobName) {
        return api.get(jobName);
    }

    @Override
    public Stream<BatchJobInfo> list(int pageSize) {
        return api.list(pageSize);
    }

    @Override
    public void cancel(String jobName) {
        api.cancel(jobName);
    }

    @Override
    public void delete(String jobName) {
        api.delete(jobName);
    }

    @Override
    public Stream<InlineResult> inlineResults(String jobName) {
        return api.inlineResults(jobName);
    }

    @Override
    public FileInfo getFile(String fileName) {
        return api.getFile(fileName);
    }

    @Override
    public void deleteFile(String fileName) {
        api.deleteFile(fileName);
    }

    @Override
    public void close() {
        api.close();
    }
}
