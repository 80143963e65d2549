package io.genaibatch.emulator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Collections;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * Who may use {@code /admin} (fault scripting, forced job states): loopback callers always; others only with the
 * emulator's API key, or when the emulator runs with admin-open. A caller that is not loopback is simulated by
 * binding the emulator to this machine's own non-loopback address and calling it there (the connection's source
 * address is then that address, not 127.0.0.1).
 */
class AdminAccessTest {
    private static final String ADMIN = "/admin/clear-faults";

    @Test
    void shouldServeAdminToLoopbackCallersWithoutAKey() throws Exception {
        try (GeminiEmulator emulator =
                GeminiEmulator.start(EmulatorOptions.builder().apiKey("k").build())) {
            assertThat(post(emulator, ADMIN, null).statusCode()).isEqualTo(200);
        }
    }

    @Test
    void shouldRefuseAdminToACallerThatIsNotLoopbackWhenTheEmulatorHasNoKey() throws Exception {
        String address = nonLoopbackAddress();
        try (GeminiEmulator emulator =
                GeminiEmulator.start(EmulatorOptions.builder().host(address).build())) {
            HttpResponse<String> refused = post(emulator, ADMIN, "any");
            assertThat(refused.statusCode()).isEqualTo(403);
            assertThat(refused.body())
                    .contains("PERMISSION_DENIED")
                    .contains("loopback")
                    .contains("--admin-open");
            assertThat(post(emulator, "/admin/fail-next?count=1&status=503", null)
                            .statusCode())
                    .isEqualTo(403);
            // the API itself still answers (no key configured: any caller)
            assertThat(get(emulator, "/v1beta/batches", null).statusCode()).isEqualTo(200);
        }
    }

    @Test
    void shouldServeAdminToACallerThatIsNotLoopbackOnlyWithTheEmulatorsKey() throws Exception {
        String address = nonLoopbackAddress();
        try (GeminiEmulator emulator = GeminiEmulator.start(
                EmulatorOptions.builder().host(address).apiKey("k").build())) {
            assertThat(post(emulator, ADMIN, null).statusCode()).isEqualTo(401);
            assertThat(post(emulator, ADMIN, "wrong").statusCode())
                    .as("a wrong key, as the service answers it")
                    .isEqualTo(400);
            assertThat(post(emulator, ADMIN, "k").statusCode()).isEqualTo(200);
            assertThat(post(emulator, ADMIN + "?key=k", null).statusCode()).isEqualTo(200);
        }
    }

    @Test
    void shouldServeAdminToAnyCallerWhenAdminOpen() throws Exception {
        String address = nonLoopbackAddress();
        try (GeminiEmulator emulator = GeminiEmulator.start(
                EmulatorOptions.builder().host(address).adminOpen(true).build())) {
            assertThat(post(emulator, ADMIN, null).statusCode()).isEqualTo(200);
        }
    }

    /** An IPv4 address of an interface of this machine that is up and not loopback; the test is skipped without. */
    private static String nonLoopbackAddress() throws SocketException {
        Optional<InetAddress> found = Collections.list(NetworkInterface.getNetworkInterfaces()).stream()
                .filter(AdminAccessTest::usable)
                .flatMap(i -> Collections.list(i.getInetAddresses()).stream())
                .filter(a -> a instanceof Inet4Address && !a.isLoopbackAddress() && !a.isLinkLocalAddress())
                .findFirst();
        assumeTrue(
                found.isPresent(),
                "this machine has no non-loopback IPv4 address to bind the emulator to,"
                        + " so a caller that is not loopback cannot be simulated");
        return found.get().getHostAddress();
    }

    private static boolean usable(NetworkInterface i) {
        try {
            return i.isUp() && !i.isLoopback();
        } catch (SocketException e) {
            return false;
        }
    }

    private static HttpResponse<String> post(GeminiEmulator emulator, String path, String key)
            throws IOException, InterruptedException {
        return Sdk.HTTP.send(
                request(emulator, path, key)
                        .POST(HttpRequest.BodyPublishers.noBody())
                        .build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private static HttpResponse<String> get(GeminiEmulator emulator, String path, String key)
            throws IOException, InterruptedException {
        return Sdk.HTTP.send(request(emulator, path, key).GET().build(), HttpResponse.BodyHandlers.ofString());
    }

    private static HttpRequest.Builder request(GeminiEmulator emulator, String path, String key) {
        HttpRequest.Builder b =
                HttpRequest.newBuilder(URI.create(emulator.baseUrl() + path)).timeout(Duration.ofSeconds(10));
        return key == null ? b : b.header("x-goog-api-key", key);
    }
}
