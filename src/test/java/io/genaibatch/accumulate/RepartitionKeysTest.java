package io.genaibatch.accumulate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import io.genaibatch.kafka.RecordCodec;
import io.genaibatch.kafka.RecordDecodingException;
import io.genaibatch.kafka.ValueFormat;
import io.genaibatch.records.GenAiRequest;
import io.genaibatch.records.RequestKind;
import java.util.Map;
import org.junit.jupiter.api.Test;

class RepartitionKeysTest {
    private static final RecordCodec<GenAiRequest> CODEC = RecordCodec.genAiRequest();

    @Test
    void shouldKeyEveryRequestByTheGroupOfItsModelKindAndShardWhateverItsFormat() {
        RepartitionKeys keys = new RepartitionKeys(4);
        for (ValueFormat format : ValueFormat.values()) {
            for (RequestKind kind : RequestKind.values()) {
                for (String model : new String[] {"gemini-2.5-flash", "models/gémini", ""}) {
                    byte[] key = ("key-" + model + kind).getBytes();
                    GenAiRequest request = new GenAiRequest(model, kind, "{\"contents\":[]}", Map.of("a", "b"), "id");
                    assertThat(keys.of(key, CODEC.encode(request, format)))
                            .isEqualTo(Groups.groupKey(model, kind, Groups.shardOf(key, 4)));
                }
            }
        }
    }

    @Test
    void shouldRefuseAValueThatIsNoRequestAsTheDecoderDoes() {
        assertThat(catchThrowable(() -> new RepartitionKeys(1).of("k".getBytes(), "not a request".getBytes())))
                .isInstanceOf(RecordDecodingException.class);
    }
}
