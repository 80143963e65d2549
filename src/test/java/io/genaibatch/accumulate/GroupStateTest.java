package io.genaibatch.accumulate;

import static org.assertj.core.api.Assertions.assertThat;

import io.genaibatch.accumulate.GroupState.OpenBatch;
import io.genaibatch.records.RequestKind;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import org.junit.jupiter.api.Test;

class GroupStateTest {

    @Test
    void shouldRoundTripTheCurrentVersion() {
        GroupState state = new GroupState(
                "gemini-2.5-flash",
                RequestKind.EMBED,
                2,
                "3f9a1c2e",
                42,
                new OpenBatch("gemini-2.5-flash-embed-2-3f9a1c2e-41", 7, 1234, 99));
        var serde = GroupState.serde();
        assertThat(serde.deserializer().deserialize("t", serde.serializer().serialize("t", state)))
                .isEqualTo(state);
    }

    @Test
    void shouldWriteEveryStateAsDataOutputStreamDoes() {
        var serializer = GroupState.serde().serializer();
        OpenBatch open = new OpenBatch(
                "gemini-2.5-flash-embed-255-ffffffff-" + Long.MAX_VALUE, Integer.MAX_VALUE, -1, Long.MIN_VALUE);
        for (String model :
                new String[] {"gemini-2.5-flash", "", "\u007f~", "gémini", "nul\u0000", "日本", "x".repeat(70_000)}) {
            for (OpenBatch batch : new OpenBatch[] {null, open, new OpenBatch(model + "-1", 0, 0, 0)}) {
                GroupState state = new GroupState(model, RequestKind.EMBED, 255, "3f9a1c2e", -7, batch);
                if (model.length() > 0xFFFF) {
                    assertThat(org.assertj.core.api.Assertions.catchThrowable(() -> serializer.serialize("t", state)))
                            .isInstanceOf(java.io.UncheckedIOException.class);
                    continue;
                }
                assertThat(serializer.serialize("t", state))
                        .as(model + " " + batch)
                        .isEqualTo(GroupState.writeData(state));
                assertThat(GroupState.serde().deserializer().deserialize("t", serializer.serialize("t", state)))
                        .isEqualTo(state);
            }
        }
    }

    @Test
    void shouldReadAVersion1StateFromAnOlderBuildIgnoringItsHeldRange() throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            out.writeByte(1);
            out.writeUTF("gemini-2.5-pro");
            out.writeByte(RequestKind.GENERATE.ordinal());
            out.writeInt(0);
            out.writeUTF("abcd0123");
            out.writeLong(5);
            out.writeLong(10); // heldHead
            out.writeLong(12); // heldTail
            out.writeBoolean(true);
            out.writeUTF("gemini-2.5-pro-generate-0-abcd0123-4");
            out.writeInt(3);
            out.writeLong(300);
            out.writeLong(1_000);
        }

        GroupState state = GroupState.serde().deserializer().deserialize("t", bytes.toByteArray());

        assertThat(state)
                .isEqualTo(new GroupState(
                        "gemini-2.5-pro",
                        RequestKind.GENERATE,
                        0,
                        "abcd0123",
                        5,
                        new OpenBatch("gemini-2.5-pro-generate-0-abcd0123-4", 3, 300, 1_000)));
    }
}
