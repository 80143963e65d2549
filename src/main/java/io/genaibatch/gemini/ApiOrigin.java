package io.genaibatch.gemini;

import okhttp3.HttpUrl;
import okhttp3.Interceptor;
import okhttp3.Request;

/**
 * The scheme, host and port of the configured base URL: the only place the API key may go. An upload URL or a
 * redirect can name any host; the key is a long-lived credential for the whole project, so it must not follow
 * them there (docs/GEMINI-CLIENT.md, "Where the API key goes").
 */
record ApiOrigin(String scheme, String host, int port) {
    static final String KEY_HEADER = "x-goog-api-key";

    static ApiOrigin of(HttpUrl url) {
        return new ApiOrigin(url.scheme(), url.host(), url.port());
    }

    /** Same scheme, host and port (OkHttp lower-cases the host and fills in the scheme's default port). */
    boolean matches(HttpUrl url) {
        return scheme.equals(url.scheme()) && host.equals(url.host()) && port == url.port();
    }

    /** {@code scheme://host:port} of a URL, without its path or query (an upload URL's query is its credential). */
    static String describe(HttpUrl url) {
        return of(url).toString();
    }

    @Override
    public String toString() {
        return scheme + "://" + (host.contains(":") ? "[" + host + "]" : host) + ":" + port;
    }

    /**
     * A network interceptor: it sees every request OkHttp sends, redirects included (OkHttp follows them itself
     * and only drops {@code Authorization} across hosts, never our header), and removes the key from any request
     * not for this origin. Covers our own calls and the SDK's, which share the client.
     */
    Interceptor keyStripper() {
        return chain -> {
            Request request = chain.request();
            if (request.header(KEY_HEADER) != null && !matches(request.url())) {
                request = request.newBuilder().removeHeader(KEY_HEADER).build();
            }
            return chain.proceed(request);
        };
    }
}
