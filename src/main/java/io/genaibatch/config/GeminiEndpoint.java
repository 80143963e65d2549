package io.genaibatch.config;

import java.net.InetAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.util.Locale;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * What a Gemini base URL and API version must look like. One set of rules for two callers: the keys and
 * {@link ConfigRules} (so that {@code config validate} refuses what a role would refuse at start), and the Gemini
 * client's settings, whose base URL may also come from GOOGLE_GEMINI_BASE_URL, which no configuration file sees.
 */
public final class GeminiEndpoint {
    private static final Pattern API_VERSION = Pattern.compile("v[0-9][a-z0-9]*");

    private GeminiEndpoint() {}

    /** Why {@code version} cannot be the API version path segment, or empty. */
    public static Optional<String> apiVersionProblem(String version) {
        return API_VERSION.matcher(version).matches()
                ? Optional.empty()
                : Optional.of("must look like v1 or v1beta, found '" + version + "'");
    }

    /** Why {@code url} cannot be a base URL at all, or empty. */
    public static Optional<String> baseUrlShapeProblem(String url) {
        URI uri;
        try {
            uri = URI.create(url);
        } catch (IllegalArgumentException e) {
            return Optional.of("is not a URL: '" + url + "' (" + e.getMessage() + ")");
        }
        if (!("http".equals(uri.getScheme()) || "https".equals(uri.getScheme())) || uri.getHost() == null) {
            return Optional.of("must be http(s)://host[:port][/path], found '" + url + "'");
        }
        return Optional.empty();
    }

    /**
     * Why {@code url} is refused as the base URL given {@code gemini.allow-insecure-http}, or empty: a malformed URL
     * (see {@link #baseUrlShapeProblem}) or plain http to a host that is not loopback, where the API key would cross
     * the network unencrypted.
     */
    public static Optional<String> baseUrlProblem(String url, boolean allowInsecureHttp) {
        Optional<String> shape = baseUrlShapeProblem(url);
        if (shape.isPresent()) {
            return shape.map(p -> ConfigKeys.GEMINI_BASE_URL.name() + " (or GOOGLE_GEMINI_BASE_URL) " + p);
        }
        URI uri = URI.create(url);
        if ("http".equals(uri.getScheme()) && !allowInsecureHttp && !isLoopback(uri.getHost())) {
            return Optional.of(ConfigKeys.GEMINI_BASE_URL.name() + " (or GOOGLE_GEMINI_BASE_URL) '" + url
                    + "' is plain http to a host that is not loopback: the API key would cross the network"
                    + " unencrypted. Use https://, or set " + ConfigKeys.GEMINI_ALLOW_INSECURE_HTTP.name()
                    + "=true to accept it (e.g. an emulator in another container)");
        }
        return Optional.empty();
    }

    /**
     * 127.0.0.0/8, ::1 (also as an IPv4-mapped address) or the name localhost. Decided on the text of the URL, with
     * no DNS lookup: a name that happens to resolve to a loopback address is not trusted to keep doing so.
     */
    static boolean isLoopback(String host) {
        String h = host.toLowerCase(Locale.ROOT);
        if (h.startsWith("[") && h.endsWith("]")) {
            h = h.substring(1, h.length() - 1);
        }
        if (h.equals("localhost")) {
            return true;
        }
        // Only IP literals go to InetAddress, which then does no lookup: a dotted quad, or IPv6 (has a colon).
        if (!h.matches("[0-9]{1,3}(\\.[0-9]{1,3}){3}") && !h.contains(":")) {
            return false;
        }
        try {
            return InetAddress.getByName(h).isLoopbackAddress();
        } catch (UnknownHostException e) {
            return false;
        }
    }
}
