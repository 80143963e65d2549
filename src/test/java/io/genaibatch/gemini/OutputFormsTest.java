package io.genaibatch.gemini;

import static org.assertj.core.api.Assertions.assertThat;

import io.genaibatch.emulator.EmulatorOptions;
import io.genaibatch.emulator.GeminiEmulator;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The output forms the real service is reported to produce (docs/PROTOCOL.md, "Real-service behaviour users report"):
 * shuffled inline results, results without their key, per-request errors, and an inline job answered
 * with a file. Each test starts its own emulator with that behaviour.
 */
class OutputFormsTest {
    @TempDir
    Path dir;

    private static GeminiEmulator start(EmulatorOptions.Builder options) throws IOException {
        return GeminiEmulator.start(
                options.apiKey(TestSupport.API_KEY).runningMillis(50).build());
    }

    @Test
    void shouldMapShuffledInlineResultsByKey() throws IOException {
        Map<String, String> prompts = TestSupport.prompts("s", 20);
        Path spool = TestSupport.generateSpool(dir, "s.jsonl", prompts);
        try (GeminiEmulator emulator = start(EmulatorOptions.builder().inlineOutOfOrder(true));
                BatchApi api = BatchApi.open(TestSupport.settings(emulator))) {
            BatchJobInfo job = api.create("gemini-2.5-flash", "b-shuffled", BatchInput.inline(spool));
            TestSupport.awaitDone(api, job.name());

            List<InlineResult> results;
            try (Stream<InlineResult> s = api.inlineResults(job.name())) {
                results = s.toList();
            }
            assertThat(results)
                    .extracting(r -> r.key().orElseThrow())
                    .containsExactlyInAnyOrderElementsOf(prompts.keySet())
                    .isNotEqualTo(List.copyOf(prompts.keySet()));
            results.forEach(r -> assertThat(TestSupport.text(r.response().orElseThrow()))
                    .isEqualTo("echo: " + prompts.get(r.key().orElseThrow())));
        }
    }

    @Test
    void shouldLeaveTheKeyEmptyWhenTheServiceDoesNotEchoMetadata() throws IOException {
        Path spool = TestSupport.generateSpool(dir, "m.jsonl", TestSupport.prompts("m", 3));
        try (GeminiEmulator emulator = start(EmulatorOptions.builder().dropInlineMetadata(true));
                BatchApi api = BatchApi.open(TestSupport.settings(emulator))) {
            BatchJobInfo job = api.create("gemini-2.5-flash", "b-no-meta", BatchInput.inline(spool));
            TestSupport.awaitDone(api, job.name());

            try (Stream<InlineResult> s = api.inlineResults(job.name())) {
                assertThat(s.toList()).hasSize(3).allSatisfy(r -> {
                    assertThat(r.key()).isEmpty();
                    assertThat(r.response()).isPresent();
                });
            }
        }
    }

    @Test
    void shouldKeepTheStatusOfPerRequestErrors() throws IOException {
        Path spool = TestSupport.generateSpool(dir, "e.jsonl", TestSupport.prompts("e", 4));
        try (GeminiEmulator emulator =
                        start(EmulatorOptions.builder().requestErrorRate(1.0).requestErrorCode(429));
                BatchApi api = BatchApi.open(TestSupport.settings(emulator))) {
            BatchJobInfo job = api.create("gemini-2.5-flash", "b-errors", BatchInput.inline(spool));
            BatchJobInfo done = TestSupport.awaitDone(api, job.name());
            assertThat(done.stats()).contains(new BatchStats(4, 0, 4, 0));

            try (Stream<InlineResult> s = api.inlineResults(job.name())) {
                assertThat(s.toList()).hasSize(4).allSatisfy(r -> {
                    assertThat(r.key()).isPresent();
                    assertThat(r.response()).isEmpty();
                    // The SDK drops status on inline errors; our reader keeps it.
                    assertThat(r.error()).hasValueSatisfying(e -> {
                        assertThat(e.code()).isEqualTo(429);
                        assertThat(e.status()).isEqualTo("RESOURCE_EXHAUSTED");
                        assertThat(e.isRetriable()).isTrue();
                    });
                });
            }
        }
    }

    @Test
    void shouldReportAResponsesFileForAnInlineJobAnsweredWithAFile() throws IOException {
        Map<String, String> prompts = TestSupport.prompts("f", 2);
        Path spool = TestSupport.generateSpool(dir, "f.jsonl", prompts);
        try (GeminiEmulator emulator = start(EmulatorOptions.builder().inlineJobsAnswerFile(true));
                BatchApi api = BatchApi.open(TestSupport.settings(emulator))) {
            BatchJobInfo job = api.create("gemini-2.5-flash", "b-inline-file", BatchInput.inline(spool));
            BatchJobInfo done = TestSupport.awaitDone(api, job.name());

            assertThat(done.output().isInline()).isFalse();
            assertThat(done.output().responsesFile()).isPresent();
            Path out = dir.resolve("out.jsonl");
            api.downloadFile(done.output().responsesFile().orElseThrow(), out);
            assertThat(Files.readAllLines(out))
                    .hasSize(2)
                    .allSatisfy(l -> assertThat(l).contains("echo: question f number"));
        }
    }
}
