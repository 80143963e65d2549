package io.genaibatch.gemini;

import java.nio.file.Path;
import java.nio.file.Paths;

import com.google.genai.Client;

/**
 * The child JVM of {@link LargeDownloadIT}: downloads one file with a small heap, through BatchApi
 * ({@code batchapi}) or the SDK's own download ({@code sdk}), and prints {@code DOWNLOADED <bytes>}.
 *
 * <p>Arguments: mode baseUrl fileName target. The API key comes from GEMINI_API_KEY, as in production.
 */
public final class DownloadMain {
    private DownloadMain() {
    }

    public static void main(String[] args) throws Exception {
        String mode = args[0];
        String baseUrl = args[1];
        String fileName = args[2];
        Path target = Paths.get(args[3]);
        GeminiSettings settings = GeminiSettings.builder().fromEnvironment(System.getenv()).baseUrl(baseUrl)
                .retry(RetrySettings.NO_RETRY).build();
        long bytes;
        if (mode.equals("sdk")) {
            try (Client client = Client.builder().apiKey(settings.apiKey())
                    .httpOptions(SdkCalls.sdkHttpOptions(settings)).build()) {
                client.files.download(fileName, target.toString(), null);
            }
            bytes = java.nio.file.Files.size(target);
        } else {
            try (BatchApi api = BatchApi.open(settings)) {
                bytes = api.downloadFile(fileName, target);
            }
        }
        System.out.println("DOWNLOADED " + bytes + " max heap " + Runtime.getRuntime().maxMemory());
    }
}
