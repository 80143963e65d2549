package io.genaibatch.emulator;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Path;
import java.time.Instant;

/**
 * A Files API file: metadata in memory, bytes on disk at {@code blob}.
 *
 * @param seq    creation order, the key of list paging
 * @param id     the part after {@code files/}
 * @param source UPLOADED (by a client) or GENERATED (a job's responses file)
 */
record StoredFile(
        long seq,
        String id,
        String displayName,
        String mimeType,
        long sizeBytes,
        Instant createTime,
        Instant expirationTime,
        String sha256Base64,
        String source,
        Path blob) {

    String name() {
        return "files/" + id;
    }

    /** The file as its state record holds it (docs/EMULATOR.md, "Persistence"). */
    ObjectNode toRecord(StateDir dir) {
        ObjectNode r = Json.object();
        r.put("seq", seq);
        r.put("id", id);
        r.put("displayName", displayName);
        r.put("mimeType", mimeType);
        r.put("sizeBytes", sizeBytes);
        r.put("createTime", createTime.toString());
        r.put("expirationTime", expirationTime.toString());
        r.put("sha256Hash", sha256Base64);
        r.put("source", source);
        r.put("blob", dir.relative(blob));
        return r;
    }

    static StoredFile fromRecord(com.fasterxml.jackson.databind.JsonNode r, StateDir dir) {
        return new StoredFile(
                r.path("seq").asLong(),
                r.path("id").asText(),
                Json.text(r, "displayName"),
                r.path("mimeType").asText(),
                r.path("sizeBytes").asLong(),
                Instant.parse(r.path("createTime").asText()),
                Instant.parse(r.path("expirationTime").asText()),
                r.path("sha256Hash").asText(),
                r.path("source").asText(),
                dir.resolve(r.path("blob").asText()));
    }

    ObjectNode toJson(String origin, String apiVersion) {
        ObjectNode n = Json.object();
        n.put("name", name());
        if (displayName != null) {
            n.put("displayName", displayName);
        }
        n.put("mimeType", mimeType);
        n.put("sizeBytes", Long.toString(sizeBytes));
        n.put("createTime", createTime.toString());
        n.put("updateTime", createTime.toString());
        n.put("expirationTime", expirationTime.toString());
        n.put("sha256Hash", sha256Base64);
        n.put("uri", origin + "/" + apiVersion + "/files/" + id);
        n.put("downloadUri", origin + "/" + apiVersion + "/files/" + id + ":download?alt=media");
        n.put("state", "ACTIVE");
        n.put("source", source);
        return n;
    }
}
