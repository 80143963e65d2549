package io.genaibatch.gemini;

import java.nio.file.Path;
import java.util.stream.Stream;

/**
 * The base of the tests' fakes of {@link BatchApi}, in the submit and poll tests too: every call throws
 * {@link UnsupportedOperationException} until a fake overrides it, so that a call the code under test was not
 * expected to make fails the test instead of returning a made-up answer. Closing does nothing.
 */
public abstract class BatchApiStub implements BatchApi {

    @Override
    public BatchJobInfo create(String model, String displayName, BatchInput input) {
        throw new UnsupportedOperationException();
    }

    @Override
    public BatchJobInfo createEmbeddings(String model, String displayName, BatchInput input) {
        throw new UnsupportedOperationException();
    }

    @Override
    public BatchJobInfo get(String jobName) {
        throw new UnsupportedOperationException();
    }

    @Override
    public Stream<BatchJobInfo> list(int pageSize) {
        throw new UnsupportedOperationException();
    }

    @Override
    public void cancel(String jobName) {
        throw new UnsupportedOperationException();
    }

    @Override
    public void delete(String jobName) {
        throw new UnsupportedOperationException();
    }

    @Override
    public Stream<InlineResult> inlineResults(String jobName) {
        throw new UnsupportedOperationException();
    }

    @Override
    public FileInfo uploadFile(Path file, String mimeType, String displayName) {
        throw new UnsupportedOperationException();
    }

    @Override
    public FileInfo getFile(String fileName) {
        throw new UnsupportedOperationException();
    }

    @Override
    public void deleteFile(String fileName) {
        throw new UnsupportedOperationException();
    }

    @Override
    public long downloadFile(String fileName, Path target) {
        throw new UnsupportedOperationException();
    }

    @Override
    public void close() {}
}
