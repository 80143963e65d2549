package io.genaibatch.gemini;

import com.google.genai.Client;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;

/**
 * The child JVM of the large-file ITs: moves one file with a small heap and prints what happened.
 *
 * <p>Arguments: {@code mode baseUrl fileName path}, mode one of {@code download} (BatchApi.downloadFile
 * of fileName to path), {@code sdk-download} (the SDK's own download) or {@code upload} (BatchApi.uploadFile
 * of path; fileName is the display name). The API key comes from GEMINI_API_KEY, as in production.
 * Prints {@code DOWNLOADED <bytes>} or {@code UPLOADED <name> <bytes> <sha256Hash>}.
 */
public final class FileTransferMain {
    private FileTransferMain() {}

    public static void main(String[] args) throws Exception {
        String mode = args[0];
        String baseUrl = args[1];
        String fileName = args[2];
        Path path = Paths.get(args[3]);
        GeminiSettings settings = GeminiSettings.builder()
                .fromEnvironment(System.getenv())
                .baseUrl(baseUrl)
                .retry(RetrySettings.NO_RETRY)
                .build();
        switch (mode) {
            case "sdk-download" -> {
                try (Client client = Client.builder()
                        .apiKey(settings.apiKey())
                        .httpOptions(SdkCalls.sdkHttpOptions(settings))
                        .build()) {
                    client.files.download(fileName, path.toString(), null);
                }
                System.out.println("DOWNLOADED " + Files.size(path));
            }
            case "download" -> {
                try (BatchApi api = BatchApi.open(settings)) {
                    System.out.println("DOWNLOADED " + api.downloadFile(fileName, path));
                }
            }
            case "upload" -> {
                try (BatchApi api = BatchApi.open(settings)) {
                    FileInfo f = api.uploadFile(path, "application/jsonl", fileName);
                    System.out.println("UPLOADED " + f.name() + " " + f.sizeBytes() + " "
                            + f.sha256Hash().orElse("-"));
                }
            }
            default -> throw new IllegalArgumentException("unknown mode " + mode);
        }
        System.out.println("max heap " + Runtime.getRuntime().maxMemory());
    }
}
