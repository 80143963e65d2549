package io.genaibatch.emulator;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * proto3 JSON field names: every field the emulator reads is accepted by its lowerCamelCase and its snake_case
 * name (create bodies, upload metadata, JSONL lines, inline requests), answers are camelCase; and the batch's
 * int64 {@code priority}, accepted as string or number, stored and echoed. Raw HTTP, as the REST samples send.
 */
class FieldNamesTest {
    private static GeminiEmulator emulator;

    @BeforeAll
    static void start() throws Exception {
        emulator = GeminiEmulator.start(EmulatorOptions.builder()
                .runningMillis(10)
                .embeddingDimension(16)
                .build());
    }

    @AfterAll
    static void stop() {
        emulator.close();
    }

    @Test
    void shouldConvertCamelToSnake() {
        assertThat(Json.snakeCase("outputDimensionality")).isEqualTo("output_dimensionality");
        assertThat(Json.snakeCase("inputConfig")).isEqualTo("input_config");
        assertThat(Json.snakeCase("requests")).isEqualTo("requests");
        assertThat(Json.field(Json.object().put("file_name", "a"), "fileName").asText())
                .isEqualTo("a");
        assertThat(Json.field(Json.object().put("file_name", "a").put("fileName", "b"), "fileName")
                        .asText())
                .isEqualTo("b");
        assertThat(Json.field(Json.object(), "fileName")).isNull();
    }

    /** Uploads content with the resumable protocol by hand, the start metadata in the given spelling. */
    private static JsonNode upload(String metadataJson, String content) throws Exception {
        byte[] bytes = content.getBytes(StandardCharsets.UTF_8);
        HttpResponse<String> started = Sdk.HTTP.send(
                Sdk.request(emulator, "/upload/v1beta/files")
                        .header("X-Goog-Upload-Protocol", "resumable")
                        .header("X-Goog-Upload-Command", "start")
                        .header("X-Goog-Upload-Header-Content-Length", Integer.toString(bytes.length))
                        .header("Content-Type", "application/json")
                        .POST(HttpRequest.BodyPublishers.ofString(metadataJson))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        String url = started.headers().firstValue("X-Goog-Upload-URL").orElseThrow();
        HttpResponse<String> done = Sdk.HTTP.send(
                HttpRequest.newBuilder(URI.create(url))
                        .header("X-Goog-Upload-Command", "upload, finalize")
                        .header("X-Goog-Upload-Offset", "0")
                        .POST(HttpRequest.BodyPublishers.ofByteArray(bytes))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(done.statusCode()).as(done.body()).isEqualTo(200);
        return Sdk.json(done.body()).path("file");
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "{\"file\":{\"displayName\":\"named\",\"mimeType\":\"jsonl\"}}",
                "{\"file\":{\"display_name\":\"named\",\"mime_type\":\"jsonl\"}}"
            })
    void shouldReadUploadMetadataInEitherSpelling(String metadata) throws Exception {
        JsonNode file = upload(metadata, "{}\n");
        assertThat(file.path("displayName").asText()).isEqualTo("named");
        assertThat(file.path("mimeType").asText()).isEqualTo("jsonl");
        assertThat(file.has("display_name")).isFalse();
    }

    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    void shouldCreateFileJobsInEitherSpellingAndReadJsonlLinesInEither(boolean snake) throws Exception {
        String lines =
                "{\"key\":\"camel\",\"request\":{\"content\":{\"parts\":[{\"text\":\"a\"}]},\"outputDimensionality\":8}}\n"
                        + "{\"key\":\"snake\",\"request\":{\"content\":{\"parts\":[{\"text\":\"a\"}]},\"output_dimensionality\":4}}\n";
        String file = upload("{\"file\":{\"display_name\":\"emb\"}}", lines)
                .path("name")
                .asText();
        String body = snake
                ? "{\"batch\":{\"display_name\":\"snake-emb\",\"input_config\":{\"file_name\":\"" + file + "\"}}}"
                : "{\"batch\":{\"displayName\":\"camel-emb\",\"inputConfig\":{\"fileName\":\"" + file + "\"}}}";
        HttpResponse<String> created =
                Sdk.post(emulator, "/v1beta/models/gemini-embedding-001:asyncBatchEmbedContent", body);
        assertThat(created.statusCode()).as(created.body()).isEqualTo(200);
        JsonNode metadata = Sdk.json(created.body()).path("metadata");
        assertThat(metadata.path("displayName").asText()).isEqualTo(snake ? "snake-emb" : "camel-emb");
        assertThat(metadata.path("inputConfig").path("fileName").asText()).isEqualTo(file);

        JsonNode done = Sdk.awaitRawDone(emulator, metadata.path("name").asText());
        String responses = done.at("/response/responsesFile").asText();
        String out = Sdk.get(emulator, "/v1beta/" + responses + ":download?alt=media")
                .body();
        assertThat(out.lines().map(l -> {
                    try {
                        JsonNode n = Sdk.json(l);
                        return n.path("key").asText() + "="
                                + n.at("/response/embedding/values").size();
                    } catch (java.io.IOException e) {
                        throw new IllegalStateException(e);
                    }
                }))
                .containsExactly("camel=8", "snake=4");
    }

    @Test
    void shouldReadInlineRequestsInSnakeCaseAndKeepMetadataAsGiven() throws Exception {
        String body = "{\"batch\":{\"display_name\":\"inline-snake\",\"input_config\":{\"requests\":{\"requests\":["
                + "{\"request\":{\"contents\":[{\"role\":\"user\",\"parts\":[{\"text\":\"one two\"}]}],"
                + "\"system_instruction\":{\"parts\":[{\"text\":\"be brief\"}]},\"generation_config\":{\"max_output_tokens\":5}},"
                + "\"metadata\":{\"my_key\":\"v\"}}]}}}}";
        HttpResponse<String> created = Sdk.post(emulator, "/v1beta/models/gemini-2.5-flash:batchGenerateContent", body);
        assertThat(created.statusCode()).as(created.body()).isEqualTo(200);
        JsonNode done =
                Sdk.awaitRawDone(emulator, Sdk.json(created.body()).path("name").asText());
        JsonNode item = done.at("/response/inlinedResponses/inlinedResponses/0");
        // systemInstruction counted: 2 words of contents + 2 of the instruction.
        assertThat(item.at("/response/usageMetadata/promptTokenCount").asInt()).isEqualTo(4);
        assertThat(item.path("metadata").path("my_key").asText()).isEqualTo("v");
        assertThat(done.at("/metadata/displayName").asText()).isEqualTo("inline-snake");
    }

    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    void shouldCreateGenerateFileJobsInEitherSpellingAndReadSystemInstructionInEither(boolean snake) throws Exception {
        String instruction = snake ? "system_instruction" : "systemInstruction";
        String lines = "{\"key\":\"k\",\"request\":{\"contents\":[{\"parts\":[{\"text\":\"one two\"}]}],\""
                + instruction + "\":{\"parts\":[{\"text\":\"be brief now\"}]}}}\n";
        String file = upload("{\"file\":{\"mime_type\":\"jsonl\"}}", lines)
                .path("name")
                .asText();
        String body = snake
                ? "{\"batch\":{\"input_config\":{\"file_name\":\"" + file + "\"}}}"
                : "{\"batch\":{\"inputConfig\":{\"fileName\":\"" + file + "\"}}}";
        HttpResponse<String> created = Sdk.post(emulator, "/v1beta/models/gemini-2.5-flash:batchGenerateContent", body);
        assertThat(created.statusCode()).as(created.body()).isEqualTo(200);

        JsonNode done =
                Sdk.awaitRawDone(emulator, Sdk.json(created.body()).path("name").asText());
        String out = Sdk.get(
                        emulator,
                        "/v1beta/" + done.at("/response/responsesFile").asText() + ":download?alt=media")
                .body();
        // 2 words of contents + 3 of the instruction, whichever spelling carried it.
        assertThat(Sdk.json(out.strip())
                        .at("/response/usageMetadata/promptTokenCount")
                        .asInt())
                .isEqualTo(5);
    }

    @Test
    void shouldReadInlineEmbeddingRequestsInSnakeCase() throws Exception {
        String body = "{\"batch\":{\"input_config\":{\"requests\":{\"requests\":["
                + "{\"request\":{\"content\":{\"parts\":[{\"text\":\"a\"}]},\"output_dimensionality\":\"4\",\"task_type\":\"CLUSTERING\"}},"
                + "{\"request\":{\"content\":{\"parts\":[{\"text\":\"b\"}]},\"outputDimensionality\":8.0}}]}}}}";
        HttpResponse<String> created =
                Sdk.post(emulator, "/v1beta/models/gemini-embedding-001:asyncBatchEmbedContent", body);
        assertThat(created.statusCode()).as(created.body()).isEqualTo(200);
        JsonNode done =
                Sdk.awaitRawDone(emulator, Sdk.json(created.body()).path("name").asText());
        JsonNode items = done.at("/response/inlinedResponses/inlinedResponses");
        // int64/int32 in proto3 JSON: a string or any whole-number notation.
        assertThat(items.get(0).at("/response/embedding/values").size()).isEqualTo(4);
        assertThat(items.get(1).at("/response/embedding/values").size()).isEqualTo(8);
    }

    @Test
    void shouldRefuseAFractionalDimensionForThatRequestOnly() throws Exception {
        String body = "{\"batch\":{\"inputConfig\":{\"requests\":{\"requests\":["
                + "{\"request\":{\"content\":{\"parts\":[{\"text\":\"a\"}]},\"outputDimensionality\":8.5}},"
                + "{\"request\":{\"content\":{\"parts\":[{\"text\":\"b\"}]},\"outputDimensionality\":\"8\"}}]}}}}";
        HttpResponse<String> created =
                Sdk.post(emulator, "/v1beta/models/gemini-embedding-001:asyncBatchEmbedContent", body);
        JsonNode items = Sdk.awaitRawDone(
                        emulator, Sdk.json(created.body()).path("name").asText())
                .at("/response/inlinedResponses/inlinedResponses");
        assertThat(items.get(0).at("/error/code").asInt()).isEqualTo(400);
        assertThat(items.get(1).at("/response/embedding/values").size()).isEqualTo(8);
    }

    @ParameterizedTest
    @ValueSource(strings = {"/v1beta/batches", "/v1beta/files"})
    void shouldPageListsWithQueryParametersInEitherSpelling(String path) throws Exception {
        upload("{\"file\":{}}", "{}\n");
        upload("{\"file\":{}}", "{}\n");
        Sdk.post(emulator, "/v1beta/models/gemini-2.5-flash:batchGenerateContent", inlineBody(null));
        Sdk.post(emulator, "/v1beta/models/gemini-2.5-flash:batchGenerateContent", inlineBody(null));
        String items = path.endsWith("files") ? "files" : "operations";
        for (String[] names : new String[][] {{"pageSize", "pageToken"}, {"page_size", "page_token"}}) {
            JsonNode first =
                    Sdk.json(Sdk.get(emulator, path + "?" + names[0] + "=1").body());
            assertThat(first.path(items).size()).as(names[0]).isEqualTo(1);
            JsonNode second = Sdk.json(Sdk.get(
                            emulator,
                            path + "?" + names[0] + "=1&" + names[1] + "="
                                    + first.path("nextPageToken").asText())
                    .body());
            assertThat(second.path(items).size()).as(names[1]).isEqualTo(1);
            assertThat(second.path(items).get(0).path("name"))
                    .as(names[1])
                    .isNotEqualTo(first.path(items).get(0).path("name"));
        }
    }

    private static String inlineBody(String priorityJson) {
        return "{\"batch\":{" + (priorityJson == null ? "" : "\"priority\":" + priorityJson + ",")
                + "\"inputConfig\":{\"requests\":{\"requests\":[{\"request\":{\"contents\":[{\"parts\":[{\"text\":\"p\"}]}]}}]}}}}";
    }

    @Test
    void shouldAcceptStoreAndEchoPriorityAsInt64String() throws Exception {
        HttpResponse<String> asString =
                Sdk.post(emulator, "/v1beta/models/gemini-2.5-flash:batchGenerateContent", inlineBody("\"-7\""));
        assertThat(asString.statusCode()).as(asString.body()).isEqualTo(200);
        JsonNode created = Sdk.json(asString.body());
        assertThat(created.at("/metadata/priority").isTextual()).isTrue();
        assertThat(created.at("/metadata/priority").asText()).isEqualTo("-7");
        JsonNode got = Sdk.awaitRawDone(emulator, created.path("name").asText());
        assertThat(got.at("/metadata/priority").asText()).isEqualTo("-7");

        HttpResponse<String> asNumber = Sdk.post(
                emulator, "/v1beta/models/gemini-2.5-flash:batchGenerateContent", inlineBody("9007199254740993"));
        assertThat(Sdk.json(asNumber.body()).at("/metadata/priority").asText()).isEqualTo("9007199254740993");

        for (String whole : new String[] {"5.0", "\"5e0\""}) {
            HttpResponse<String> accepted =
                    Sdk.post(emulator, "/v1beta/models/gemini-2.5-flash:batchGenerateContent", inlineBody(whole));
            assertThat(Sdk.json(accepted.body()).at("/metadata/priority").asText())
                    .as(whole)
                    .isEqualTo("5");
        }

        HttpResponse<String> none =
                Sdk.post(emulator, "/v1beta/models/gemini-2.5-flash:batchGenerateContent", inlineBody(null));
        assertThat(Sdk.json(none.body()).path("metadata").has("priority")).isFalse();

        for (String bad : new String[] {"\"high\"", "1.5", "true", "\" 5 \""}) {
            HttpResponse<String> refused =
                    Sdk.post(emulator, "/v1beta/models/gemini-2.5-flash:batchGenerateContent", inlineBody(bad));
            assertThat(refused.statusCode()).as(bad).isEqualTo(400);
            assertThat(Sdk.json(refused.body()).at("/error/status").asText()).isEqualTo("INVALID_ARGUMENT");
        }
    }
}
