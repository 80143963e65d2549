package io.genaibatch.accumulate;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;

import io.genaibatch.records.RequestKind;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.serialization.Serializer;

/**
 * What the accumulator keeps per group: the small header of the open batch (never its items: they are on
 * genai.batches already), the batch counter and the range of held items.
 *
 * @param epoch random, drawn once per group state, part of every batch id (see {@link Groups#batchId})
 * @param nextSeq the counter of the next batch id
 * @param open the open batch, or null
 * @param heldHead sequence of the oldest held item; held items are heldHead until heldTail (exclusive)
 */
record GroupState(String model, RequestKind kind, int shard, String epoch, long nextSeq, OpenBatch open,
                  long heldHead, long heldTail) {

    /** The header of an open batch. openedAt is wall-clock ms. */
    record OpenBatch(String batchId, int count, long bytes, long openedAt) {
    }

    long heldCount() {
        return heldTail - heldHead;
    }

    GroupState withOpen(OpenBatch newOpen, long newNextSeq) {
        return new GroupState(model, kind, shard, epoch, newNextSeq, newOpen, heldHead, heldTail);
    }

    GroupState withHeld(long newHead, long newTail) {
        return new GroupState(model, kind, shard, epoch, nextSeq, open, newHead, newTail);
    }

    private static final byte VERSION = 1;

    /** A small fixed binary form: this is written to the changelog for every batch change. */
    static Serde<GroupState> serde() {
        Serializer<GroupState> serializer = (topic, s) -> {
            if (s == null) {
                return null;
            }
            ByteArrayOutputStream bytes = new ByteArrayOutputStream(96);
            try (DataOutputStream out = new DataOutputStream(bytes)) {
                out.writeByte(VERSION);
                out.writeUTF(s.model());
                out.writeByte(s.kind().ordinal());
                out.writeInt(s.shard());
                out.writeUTF(s.epoch());
                out.writeLong(s.nextSeq());
                out.writeLong(s.heldHead());
                out.writeLong(s.heldTail());
                out.writeBoolean(s.open() != null);
                if (s.open() != null) {
                    out.writeUTF(s.open().batchId());
                    out.writeInt(s.open().count());
                    out.writeLong(s.open().bytes());
                    out.writeLong(s.open().openedAt());
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            return bytes.toByteArray();
        };
        Deserializer<GroupState> deserializer = (topic, data) -> {
            if (data == null) {
                return null;
            }
            try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(data))) {
                byte version = in.readByte();
                if (version != VERSION) {
                    throw new IllegalStateException("group state version " + version + " is newer than this build (" + VERSION + ")");
                }
                String model = in.readUTF();
                RequestKind kind = RequestKind.values()[in.readByte()];
                int shard = in.readInt();
                String epoch = in.readUTF();
                long nextSeq = in.readLong();
                long heldHead = in.readLong();
                long heldTail = in.readLong();
                OpenBatch open = in.readBoolean() ? new OpenBatch(in.readUTF(), in.readInt(), in.readLong(), in.readLong()) : null;
                return new GroupState(model, kind, shard, epoch, nextSeq, open, heldHead, heldTail);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        };
        return Serdes.serdeFrom(serializer, deserializer);
    }
}
