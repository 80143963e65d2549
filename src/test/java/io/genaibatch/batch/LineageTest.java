package io.genaibatch.batch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.List;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.junit.jupiter.api.Test;

class LineageTest {

    @Test
    void aChildAndItsDecisionSurviveTheHeader() {
        Lineage split = Lineage.root("b-1")
                .child("b-1", 2, "JOB_EXPIRED", new Lineage.ItemsRange("b-1", 3, 100, 250))
                .decided(Lineage.SPLIT, Lineage.splitIds("b-1.s0"));
        RecordHeaders headers = new RecordHeaders();
        split.addTo(headers);

        Lineage read = Lineage.from(headers).orElseThrow();

        assertEquals(split, read);
        assertEquals(List.of("b-1.s0.s0", "b-1.s0.s1"), read.children());
        assertEquals(new Lineage.ItemsRange("b-1", 3, 100, 250), read.items());
    }

    @Test
    void aPlainRootWritesNoHeaderAndReadsBackAsRoot() {
        RecordHeaders headers = new RecordHeaders();
        Lineage.root("b-7").addTo(headers);

        assertFalse(headers.iterator().hasNext());
        Lineage read = Lineage.orRoot(headers, "b-7");
        assertTrue(read.isRoot());
        assertEquals(1, read.attempt());
        assertEquals("b-7", read.rootBatchId());
    }

    @Test
    void theLastPublishedLineKeySurvivesTheHeaderOfARootAndIsNotInherited() {
        Lineage progress = Lineage.root("b-2").withPublishedThroughKey("genai.requests-0-17");
        RecordHeaders headers = new RecordHeaders();
        progress.addTo(headers);

        Lineage read = Lineage.from(headers).orElseThrow();

        assertEquals(progress, read);
        assertTrue(read.isRoot());
        assertEquals(null, read.child("b-2", 2, "RESULT_MISSING", null).publishedThroughKey());
        String before = "{\"root\":\"b-2\",\"attempt\":1,\"copied\":{\"count\":1,\"bytes\":9,"
                + "\"reasons\":\"RESULT_MISSING\"}}";
        assertEquals(
                null,
                Lineage.parse(before.getBytes(StandardCharsets.UTF_8)).publishedThroughKey(),
                "a header written before the key existed");
    }

    @Test
    void childIdsAreDerivedFromTheParentAlone() {
        assertEquals("m-generate-0-e-4.a2", Lineage.resubmitId("m-generate-0-e-4", 2));
        assertEquals("m-generate-0-e-4.r3", Lineage.rebatchId("m-generate-0-e-4", 3));
        assertEquals(List.of("x.s0", "x.s1"), Lineage.splitIds("x"));
    }

    @Test
    void aHeaderThatIsNotALineageIsRefusedWithWhatWasFound() {
        IllegalArgumentException e = assertThrows(
                IllegalArgumentException.class,
                () -> Lineage.parse("{\"attempt\": 2}".getBytes(StandardCharsets.UTF_8)));
        assertTrue(e.getMessage().contains("\"root\""), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Lineage.parse("nope".getBytes(StandardCharsets.UTF_8)));
    }
}
