package io.genaibatch.gemini;

import com.google.genai.Client;
import com.google.genai.errors.ApiException;
import com.google.genai.errors.GenAiIOException;
import com.google.genai.types.BatchJob;
import com.google.genai.types.BatchJobSource;
import com.google.genai.types.ClientOptions;
import com.google.genai.types.CreateBatchJobConfig;
import com.google.genai.types.CreateEmbeddingsBatchJobConfig;
import com.google.genai.types.EmbeddingsBatchJobSource;
import com.google.genai.types.HttpOptions;
import com.google.genai.types.HttpRetryOptions;
import com.google.genai.types.InlinedRequest;
import com.google.genai.types.JobError;
import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.function.Supplier;
import okhttp3.OkHttpClient;
import okhttp3.Response;

/**
 * The calls made through the google-genai SDK, where it is right: create (generate and embeddings),
 * delete, and the Files API's get and delete. Configured so that it does not retry (our
 * {@link RetryPolicy} does), and with an interceptor on its OkHttp client that keeps the Retry-After
 * header the SDK's exceptions do not carry.
 */
final class SdkCalls implements AutoCloseable {
    private final Client client;
    /** Retry-After of the last error answer seen by this thread's SDK call (SDK calls are synchronous). */
    private final ThreadLocal<Duration> lastRetryAfter = new ThreadLocal<>();

    SdkCalls(GeminiSettings settings, OkHttpClient base, Clock clock) {
        OkHttpClient withCapture = base.newBuilder()
                .addInterceptor(chain -> {
                    Response response = chain.proceed(chain.request());
                    if (!response.isSuccessful()) {
                        lastRetryAfter.set(RestClient.parseRetryAfter(response.header("Retry-After"), clock));
                    }
                    return response;
                })
                .build();
        this.client = Client.builder()
                .apiKey(settings.apiKey())
                .httpOptions(sdkHttpOptions(settings))
                .clientOptions(
                        ClientOptions.builder().customHttpClient(withCapture).build())
                .build();
    }

    /**
     * One attempt and no retried status: with attempts(1) alone the SDK still sleeps once after a retriable
     * status before it returns (0.24–1.6 s measured); an empty status list makes it return at once.
     */
    static HttpOptions sdkHttpOptions(GeminiSettings settings) {
        return HttpOptions.builder()
                .baseUrl(settings.baseUrl())
                .apiVersion(settings.apiVersion())
                .timeout((int)
                        Math.min(Integer.MAX_VALUE, settings.requestTimeout().toMillis()))
                .retryOptions(HttpRetryOptions.builder()
                        .attempts(1)
                        .httpStatusCodes(List.of())
                        .build())
                .build();
    }

    BatchJobInfo create(String operation, String model, String displayName, BatchJobSource source) {
        return call(
                operation,
                () -> toInfo(client.batches.create(
                        model,
                        source,
                        CreateBatchJobConfig.builder().displayName(displayName).build())));
    }

    BatchJobInfo createFromInline(String operation, String model, String displayName, List<InlinedRequest> requests) {
        return create(
                operation,
                model,
                displayName,
                BatchJobSource.builder().inlinedRequests(requests).build());
    }

    BatchJobInfo createFromFile(String operation, String model, String displayName, String fileName) {
        return create(
                operation,
                model,
                displayName,
                BatchJobSource.builder().fileName(fileName).build());
    }

    BatchJobInfo createEmbeddingsFromFile(String operation, String model, String displayName, String fileName) {
        return call(
                operation,
                () -> toInfo(client.batches.createEmbeddings(
                        model,
                        EmbeddingsBatchJobSource.builder().fileName(fileName).build(),
                        CreateEmbeddingsBatchJobConfig.builder()
                                .displayName(displayName)
                                .build())));
    }

    void delete(String operation, String jobName) {
        call(operation, () -> client.batches.delete(jobName, null));
    }

    FileInfo getFile(String operation, String fileName) {
        return call(operation, () -> {
            com.google.genai.types.File f = client.files.get(fileName, null);
            return new FileInfo(
                    f.name().orElse(fileName),
                    f.displayName().orElse(""),
                    f.mimeType().orElse(""),
                    f.sizeBytes().orElse(-1L),
                    f.sha256Hash(),
                    f.state().map(Object::toString).orElse(""));
        });
    }

    void deleteFile(String operation, String fileName) {
        call(operation, () -> client.files.delete(fileName, null));
    }

    /** Runs one SDK call and turns its exceptions into ours. */
    private <T> T call(String operation, Supplier<T> sdkCall) {
        lastRetryAfter.remove();
        try {
            return sdkCall.get();
        } catch (ApiException e) {
            throw GeminiApiException.http(operation, e.code(), e.status(), e.message(), lastRetryAfter.get());
        } catch (GenAiIOException e) {
            Throwable cause = e.getCause();
            boolean connectFailed = cause instanceof IOException io && RestClient.neverReachedServer(io);
            throw GeminiApiException.transport(
                    operation, e.getMessage() + (cause == null ? "" : ": " + cause), connectFailed, e);
        } finally {
            lastRetryAfter.remove();
        }
    }

    /** What the SDK's BatchJob carries: no stats, and (for the Gemini API) no error. */
    static BatchJobInfo toInfo(BatchJob job) {
        BatchOutput output = job.dest()
                .map(d -> {
                    Optional<String> file = d.fileName();
                    long inline = d.inlinedResponses().map(l -> (long) l.size()).orElse(-1L);
                    return new BatchOutput(file, inline);
                })
                .orElse(BatchOutput.NONE);
        Optional<ApiError> error = job.error().map(SdkCalls::toError);
        return new BatchJobInfo(
                job.name()
                        .orElseThrow(() -> GeminiApiException.protocol(
                                "create", "the SDK returned a batch job without a name", null)),
                job.displayName().orElse(""),
                BatchState.parse(job.state().map(Object::toString).orElse(null)),
                job.model().orElse(""),
                job.createTime(),
                job.updateTime(),
                job.endTime(),
                Optional.empty(),
                error,
                output);
    }

    private static ApiError toError(JobError e) {
        return new ApiError(e.code().orElse(0), "", e.message().orElse(""));
    }

    @Override
    public void close() {
        client.close();
    }
}
