package io.genaibatch.gemini;

import java.nio.file.Path;
import java.util.stream.Stream;

/**
 * The one seam through which genai-batch talks to the Gemini Batch and Files API. Nothing outside this
 * package sees the google-genai SDK; docs/GEMINI-CLIENT.md says which call goes through the SDK and which
 * through our own HTTP, and why.
 *
 * <p>Every method runs under the {@link RetryPolicy} of the settings and reports failure as a
 * {@link GeminiApiException}. Job names are {@code batches/...}, file names {@code files/...}. File
 * operations stream from and to disk: no method holds a whole file on the heap. Thread-safe.
 */
public interface BatchApi extends AutoCloseable {

    /** A client for these settings; close it when done. */
    static BatchApi open(GeminiSettings settings) {
        return GeminiBatchApi.open(settings);
    }

    /**
     * A client whose calls all run under this policy (instead of one built from {@code settings.retry()}):
     * the way to share one policy, and its circuit breaker, between clients.
     */
    static BatchApi open(GeminiSettings settings, RetryPolicy retryPolicy) {
        return new GeminiBatchApi(settings, retryPolicy, java.time.Clock.systemUTC());
    }

    /**
     * Creates a generate-content batch job. Inline input carries each line's key as {@code metadata.key}.
     * Not retried after a failure that may have reached the server (a retry could create a second job):
     * on such an error, look the job up by displayName before creating again.
     *
     * @param model       e.g. {@code gemini-2.5-flash} or {@code models/gemini-2.5-flash}
     * @param displayName our batch id, the key to find the job again after a crash
     */
    BatchJobInfo create(String model, String displayName, BatchInput input);

    /**
     * Creates an embeddings batch job from an uploaded JSONL file. Inline input is refused: inline
     * embedding requests carry no key, so their results could only be matched by position.
     */
    BatchJobInfo createEmbeddings(String model, String displayName, BatchInput input);

    /**
     * Why this client does not call the API now (its circuit breaker is open: calls fail at once), empty when it does.
     * Cheap, never calls the API: readiness checks ask it.
     */
    default java.util.Optional<String> unavailable() {
        return java.util.Optional.empty();
    }

    /** The job with its stats, error and output location. */
    BatchJobInfo get(String jobName);

    /** Every job, fetching pages of {@code pageSize} lazily as the stream is consumed; close the stream. */
    Stream<BatchJobInfo> list(int pageSize);

    /** Cancels the job; throws (404 NOT_FOUND) when there is no such job. */
    void cancel(String jobName);

    /** Deletes the job; throws (404 NOT_FOUND) when there is no such job. */
    void delete(String jobName);

    /**
     * The inlined responses of a finished inline job, read from one streamed GET of the job: each result
     * is parsed on its own as the stream is consumed. Close the stream (try-with-resources).
     *
     * @throws IllegalStateException (from the first read) when the job has no inline output
     */
    Stream<InlineResult> inlineResults(String jobName);

    /** Uploads the file with the resumable protocol, streamed from disk; resumes after interruptions. */
    FileInfo uploadFile(Path file, String mimeType, String displayName);

    /** The file's metadata. */
    FileInfo getFile(String fileName);

    /** Deletes an uploaded or generated file. */
    void deleteFile(String fileName);

    /**
     * Streams the file's bytes to {@code target} (replaced atomically once complete). The bytes go first to
     * {@code <target>.part}, which a failed or interrupted download leaves in place: the next call for the same target
     * asks only for the rest ({@code Range: bytes=N-}) instead of starting over.
     *
     * @return the number of bytes written
     */
    long downloadFile(String fileName, Path target);

    @Override
    void close();
}
