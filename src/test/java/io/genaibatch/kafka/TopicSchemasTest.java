package io.genaibatch.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import io.genaibatch.records.BatchJob;
import io.genaibatch.records.BatchRecord;
import io.genaibatch.records.GenAiRequest;
import io.genaibatch.records.GenAiResponse;
import io.genaibatch.records.WindowPolicy;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.apache.avro.Schema;
import org.apache.avro.SchemaNormalization;
import org.junit.jupiter.api.Test;

/** The schemas are the contract other teams code against: hold them to the rules in docs/SCHEMAS.md. */
class TopicSchemasTest {
    private static final List<Schema> VALUE_RECORDS = List.of(
            GenAiRequest.getClassSchema(),
            BatchRecord.getClassSchema(),
            BatchJob.getClassSchema(),
            GenAiResponse.getClassSchema(),
            WindowPolicy.getClassSchema());

    @Test
    void shouldDocumentEveryNamedTypeAndEveryField() {
        List<String> undocumented = new ArrayList<>();
        for (Schema named : namedTypes()) {
            if (named.getDoc() == null || named.getDoc().isBlank()) {
                undocumented.add(named.getName());
            }
            if (named.getType() == Schema.Type.RECORD) {
                for (Schema.Field field : named.getFields()) {
                    if (field.doc() == null || field.doc().isBlank()) {
                        undocumented.add(named.getName() + "." + field.name());
                    }
                }
            }
        }

        assertThat(undocumented).isEmpty();
    }

    @Test
    void shouldPutEveryTypeInTheRecordsNamespace() {
        assertThat(namedTypes()).extracting(Schema::getNamespace).containsOnly("io.genaibatch.records");
    }

    @Test
    void shouldMarkOnlyStringFieldsAsJsonText() {
        List<String> marked = new ArrayList<>();
        for (Schema named : namedTypes()) {
            if (named.getType() != Schema.Type.RECORD) {
                continue;
            }
            for (Schema.Field field : named.getFields()) {
                if (field.getObjectProp(JsonRecordConverter.JSON_TEXT_PROPERTY) != null) {
                    Schema type = field.schema().isNullable()
                            ? field.schema().getTypes().get(1)
                            : field.schema();
                    assertThat(type.getType())
                            .as(named.getName() + "." + field.name())
                            .isEqualTo(Schema.Type.STRING);
                    assertThat(field.getObjectProp(JsonRecordConverter.JSON_TEXT_PROPERTY))
                            .isEqualTo(true);
                    marked.add(named.getName() + "." + field.name());
                }
            }
        }

        assertThat(marked)
                .containsExactlyInAnyOrder("GenAiRequest.request", "BatchItem.request", "GenAiResponse.response");
    }

    @Test
    void shouldGiveEveryTopicRecordItsOwnFingerprint() {
        assertThat(VALUE_RECORDS.stream()
                        .map(SchemaNormalization::parsingFingerprint64)
                        .distinct())
                .hasSize(VALUE_RECORDS.size());
    }

    @Test
    void shouldGiveEveryNullableFieldANullDefault() {
        for (Schema named : namedTypes()) {
            if (named.getType() != Schema.Type.RECORD) {
                continue;
            }
            for (Schema.Field field : named.getFields()) {
                if (field.schema().isNullable()) {
                    assertThat(field.hasDefaultValue())
                            .as(named.getName() + "." + field.name() + " has a default")
                            .isTrue();
                }
            }
        }
    }

    /** Every record and enum reachable from the topic value records. */
    private static Set<Schema> namedTypes() {
        Set<Schema> found = new HashSet<>();
        VALUE_RECORDS.forEach(schema -> collect(schema, found));
        return found;
    }

    private static void collect(Schema schema, Set<Schema> found) {
        switch (schema.getType()) {
            case RECORD -> {
                if (found.add(schema)) {
                    schema.getFields().forEach(field -> collect(field.schema(), found));
                }
            }
            case ENUM -> found.add(schema);
            case UNION -> schema.getTypes().forEach(type -> collect(type, found));
            case ARRAY -> collect(schema.getElementType(), found);
            case MAP -> collect(schema.getValueType(), found);
            default -> {} // primitives name no type
        }
    }
}
