package io.genaibatch.gemini;

import io.genaibatch.batch.ApiLimits;
import io.genaibatch.config.ConfigKeys;
import io.genaibatch.config.GeminiEndpoint;
import io.genaibatch.config.GenAiBatchConfig;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;

/**
 * Everything {@link BatchApi#open(GeminiSettings)} needs. Immutable; the API key never appears in
 * {@link #toString()}.
 *
 * @param baseUrl          the API's root, e.g. {@code https://generativelanguage.googleapis.com} or an
 *                         emulator's {@code http://127.0.0.1:8089}
 * @param apiKey           sent as {@code x-goog-api-key}
 * @param apiVersion       path prefix of every call; the batch API is documented under {@code v1beta}
 *                         (the SDK 2.0.0 would default to {@code v1})
 * @param connectTimeout   TCP connect timeout
 * @param requestTimeout   longest silence on a socket (read or write) before a call fails; the SDK's
 *                         calls also get it as their whole-call timeout
 * @param uploadChunkBytes bytes per resumable-upload chunk, rounded up to the server's granularity
 * @param maxInlineBytes   largest inline spool file accepted by create (the service refuses 20 MB)
 * @param retry            our retry policy around every call
 * @param allowInsecureHttp accept a plain {@code http://} base URL on a host that is not loopback (default false:
 *                         the key would cross the network unencrypted; loopback is always accepted)
 */
public record GeminiSettings(
        String baseUrl,
        String apiKey,
        String apiVersion,
        Duration connectTimeout,
        Duration requestTimeout,
        int uploadChunkBytes,
        long maxInlineBytes,
        RetrySettings retry,
        boolean allowInsecureHttp) {

    /** The real service: gemini.base-url has no default, unset means this. */
    public static final String DEFAULT_BASE_URL = "https://generativelanguage.googleapis.com";

    public GeminiSettings {
        Objects.requireNonNull(baseUrl, "baseUrl");
        GeminiEndpoint.baseUrlProblem(baseUrl, allowInsecureHttp).ifPresent(problem -> {
            throw new IllegalArgumentException(problem);
        });
        if (apiKey == null || apiKey.isBlank()) {
            throw new IllegalArgumentException("no Gemini API key: set GOOGLE_API_KEY or GEMINI_API_KEY"
                    + " (or the gemini API key in the config file)");
        }
        Objects.requireNonNull(apiVersion, "apiVersion");
        GeminiEndpoint.apiVersionProblem(apiVersion).ifPresent(problem -> {
            throw new IllegalArgumentException(ConfigKeys.GEMINI_API_VERSION.name() + " " + problem);
        });
        positive("connectTimeout", connectTimeout);
        positive("requestTimeout", requestTimeout);
        if (uploadChunkBytes < 256 * 1024) {
            throw new IllegalArgumentException(
                    "gemini upload chunk must be >= 262144 bytes, found " + uploadChunkBytes);
        }
        if (maxInlineBytes < 1) {
            throw new IllegalArgumentException("gemini max inline bytes must be >= 1, found " + maxInlineBytes);
        }
        Objects.requireNonNull(retry, "retry");
    }

    /**
     * Settings from the environment, as the SDK reads it: {@code GOOGLE_API_KEY} wins over
     * {@code GEMINI_API_KEY} when both are set, {@code GOOGLE_GEMINI_BASE_URL} overrides the base URL.
     */
    public static GeminiSettings fromEnvironment(Map<String, String> env) {
        return builder().fromEnvironment(env).build();
    }

    /**
     * Settings from the configuration and the environment: the API key only from the environment
     * ({@code GOOGLE_API_KEY} or {@code GEMINI_API_KEY}), the base URL from {@code gemini.base-url} when set,
     * else {@code GOOGLE_GEMINI_BASE_URL}, else the real service.
     */
    public static GeminiSettings from(GenAiBatchConfig config, Map<String, String> env) {
        Builder b = builder()
                .fromEnvironment(env)
                .apiVersion(config.get(ConfigKeys.GEMINI_API_VERSION))
                .connectTimeout(config.get(ConfigKeys.GEMINI_CONNECT_TIMEOUT))
                .requestTimeout(config.get(ConfigKeys.GEMINI_REQUEST_TIMEOUT))
                .uploadChunkBytes(Math.toIntExact(config.get(ConfigKeys.GEMINI_UPLOAD_CHUNK)))
                .allowInsecureHttp(config.get(ConfigKeys.GEMINI_ALLOW_INSECURE_HTTP))
                .retry(RetrySettings.from(config));
        config.find(ConfigKeys.GEMINI_BASE_URL).ifPresent(b::baseUrl);
        return b.build();
    }

    public static Builder builder() {
        return new Builder();
    }

    public Builder toBuilder() {
        return new Builder()
                .baseUrl(baseUrl)
                .apiKey(apiKey)
                .apiVersion(apiVersion)
                .connectTimeout(connectTimeout)
                .requestTimeout(requestTimeout)
                .uploadChunkBytes(uploadChunkBytes)
                .maxInlineBytes(maxInlineBytes)
                .retry(retry)
                .allowInsecureHttp(allowInsecureHttp);
    }

    /** The key is a secret: it is never printed. */
    @Override
    public String toString() {
        return "GeminiSettings[baseUrl=" + baseUrl + ", apiKey=<redacted>, apiVersion=" + apiVersion
                + ", connectTimeout=" + connectTimeout + ", requestTimeout=" + requestTimeout
                + ", uploadChunkBytes=" + uploadChunkBytes + ", maxInlineBytes=" + maxInlineBytes
                + ", retry=" + retry + ", allowInsecureHttp=" + allowInsecureHttp + "]";
    }

    private static void positive(String name, Duration d) {
        Objects.requireNonNull(d, name);
        if (d.isNegative() || d.isZero()) {
            throw new IllegalArgumentException("gemini " + name + " must be > 0, found " + d);
        }
    }

    /** Mutable builder, starting from the defaults the gemini.* keys declare (ConfigKeys), so there is one set. */
    public static final class Builder {
        private String baseUrl = DEFAULT_BASE_URL;
        private String apiKey;
        private String apiVersion = ConfigKeys.GEMINI_API_VERSION.defaultValue();
        private Duration connectTimeout = ConfigKeys.GEMINI_CONNECT_TIMEOUT.defaultValue();
        private Duration requestTimeout = ConfigKeys.GEMINI_REQUEST_TIMEOUT.defaultValue();
        private int uploadChunkBytes = Math.toIntExact(ConfigKeys.GEMINI_UPLOAD_CHUNK.defaultValue());
        private long maxInlineBytes = ApiLimits.MAX_INLINE_SPOOL_BYTES;
        private RetrySettings retry = RetrySettings.DEFAULTS;
        private boolean allowInsecureHttp = ConfigKeys.GEMINI_ALLOW_INSECURE_HTTP.defaultValue();

        private Builder() {}

        /** Takes the key and base URL from these variables when set (see {@link GeminiSettings#fromEnvironment}). */
        public Builder fromEnvironment(Map<String, String> env) {
            String google = nonBlank(env.get("GOOGLE_API_KEY"));
            String gemini = nonBlank(env.get("GEMINI_API_KEY"));
            if (google != null) {
                apiKey = google;
            } else if (gemini != null) {
                apiKey = gemini;
            }
            String base = nonBlank(env.get("GOOGLE_GEMINI_BASE_URL"));
            if (base != null) {
                baseUrl = base;
            }
            return this;
        }

        public Builder baseUrl(String v) {
            baseUrl = v;
            return this;
        }

        public Builder apiKey(String v) {
            apiKey = v;
            return this;
        }

        public Builder apiVersion(String v) {
            apiVersion = v;
            return this;
        }

        public Builder connectTimeout(Duration v) {
            connectTimeout = v;
            return this;
        }

        public Builder requestTimeout(Duration v) {
            requestTimeout = v;
            return this;
        }

        public Builder uploadChunkBytes(int v) {
            uploadChunkBytes = v;
            return this;
        }

        public Builder maxInlineBytes(long v) {
            maxInlineBytes = v;
            return this;
        }

        public Builder retry(RetrySettings v) {
            retry = v;
            return this;
        }

        public Builder allowInsecureHttp(boolean v) {
            allowInsecureHttp = v;
            return this;
        }

        public GeminiSettings build() {
            return new GeminiSettings(
                    baseUrl,
                    apiKey,
                    apiVersion,
                    connectTimeout,
                    requestTimeout,
                    uploadChunkBytes,
                    maxInlineBytes,
                    retry,
                    allowInsecureHttp);
        }

        private static String nonBlank(String s) {
            return s == null || s.isBlank() ? null : s.trim();
        }
    }
}
