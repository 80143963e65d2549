package io.genaibatch.accumulate;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;

import org.junit.jupiter.api.Test;

class SmokeTest {
    @Test
    void smoke() {
        try (AccumulatorDriver d = new AccumulatorDriver(Map.of("window.max-requests", "2"))) {
            d.send("k1", AccumulatorDriver.request("gemini-2.5-flash", "a"));
            d.send("k2", AccumulatorDriver.request("gemini-2.5-flash", "b"));
            d.send(null, AccumulatorDriver.request("gemini-2.5-flash", "c"));
            d.sendJson("k3", "[1,2]");
            System.out.println(d.batchRecords());
            System.out.println(d.responses());
            System.out.println(d.dlq());
            assertThat(d.seals()).hasSize(1);
        }
    }
}
