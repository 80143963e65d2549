package io.genaibatch.accumulate;

import io.genaibatch.records.RequestKind;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.serialization.Serializer;
import org.slf4j.LoggerFactory;

/**
 * What the accumulator keeps per group: the small header of the open batch (never its items: they are on
 * genai.batches already) and the batch counter. Held requests of disabled models are not here: the validate stage
 * keeps pointers to them ({@link HeldRequests}).
 *
 * @param epoch random, drawn once per group state, part of every batch id (see {@link Groups#batchId})
 * @param nextSeq the counter of the next batch id
 * @param open the open batch, or null
 */
record GroupState(String model, RequestKind kind, int shard, String epoch, long nextSeq, OpenBatch open) {

    /** The header of an open batch. openedAt is wall-clock ms. */
    record OpenBatch(String batchId, int count, long bytes, long openedAt) {}

    GroupState withOpen(OpenBatch newOpen, long newNextSeq) {
        return new GroupState(model, kind, shard, epoch, newNextSeq, newOpen);
    }

    /**
     * 2 since holding moved to the validate stage. Version 1 also had the held range (two longs after nextSeq): it
     * is still read, from changelogs written by older builds, and its held range ignored (the old held store is
     * no longer part of the topology; docs/ACCUMULATOR.md says to drain held requests before such an upgrade).
     */
    static final byte VERSION = 2;

    static final byte VERSION_WITH_HELD_RANGE = 1;

    /**
     * A small fixed binary form, DataOutputStream's: this is serialised for every request the accumulate stage
     * batches (each one changes the open batch's count), so the usual state, whose strings are ASCII (model names,
     * hex epochs and batch ids are), is written straight into one array of its exact size; any other goes through
     * DataOutputStream, whose modified UTF-8 the fast form equals for ASCII ({@code GroupStateTest} compares them).
     */
    static Serde<GroupState> serde() {
        Serializer<GroupState> serializer =
                (topic, s) -> s == null ? null : asciiOnly(s) ? writeAscii(s) : writeData(s);
        Deserializer<GroupState> deserializer = (topic, data) -> {
            if (data == null) {
                return null;
            }
            try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(data))) {
                byte version = in.readByte();
                if (version != VERSION && version != VERSION_WITH_HELD_RANGE) {
                    throw new IllegalStateException(
                            "group state version " + version + " is newer than this build (" + VERSION + ")");
                }
                String model = in.readUTF();
                RequestKind kind = RequestKind.values()[in.readByte()];
                int shard = in.readInt();
                String epoch = in.readUTF();
                long nextSeq = in.readLong();
                if (version == VERSION_WITH_HELD_RANGE) {
                    long heldHead = in.readLong();
                    long heldTail = in.readLong();
                    if (heldTail > heldHead) {
                        // Rewritten as the current version at the group's next change: logged a few times at most.
                        LoggerFactory.getLogger(GroupState.class)
                                .error(
                                        "Group {} had {} requests held by an earlier build in "
                                                + "its store accumulate-held, which this build no longer reads: they are in no batch and get "
                                                + "no response; publish them again (docs/ACCUMULATOR.md, upgrading)",
                                        model + "|" + kind + "|" + shard,
                                        heldTail - heldHead);
                    }
                }
                OpenBatch open = in.readBoolean()
                        ? new OpenBatch(in.readUTF(), in.readInt(), in.readLong(), in.readLong())
                        : null;
                return new GroupState(model, kind, shard, epoch, nextSeq, open);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        };
        return Serdes.serdeFrom(serializer, deserializer);
    }

    static byte[] writeData(GroupState s) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(96);
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            out.writeByte(VERSION);
            out.writeUTF(s.model());
            out.writeByte(s.kind().ordinal());
            out.writeInt(s.shard());
            out.writeUTF(s.epoch());
            out.writeLong(s.nextSeq());
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
    }

    private static byte[] writeAscii(GroupState s) {
        OpenBatch open = s.open();
        int size = 1
                + 2
                + s.model().length()
                + 1
                + 4
                + 2
                + s.epoch().length()
                + 8
                + 1
                + (open == null ? 0 : 2 + open.batchId().length() + 4 + 8 + 8);
        ByteBuffer out = ByteBuffer.allocate(size); // big-endian, as DataOutputStream writes
        out.put(VERSION);
        putAscii(out, s.model());
        out.put((byte) s.kind().ordinal());
        out.putInt(s.shard());
        putAscii(out, s.epoch());
        out.putLong(s.nextSeq());
        out.put((byte) (open != null ? 1 : 0));
        if (open != null) {
            putAscii(out, open.batchId());
            out.putInt(open.count());
            out.putLong(open.bytes());
            out.putLong(open.openedAt());
        }
        return out.array();
    }

    /** Every string is characters 1..127 (one byte each in modified UTF-8) and short enough for writeUTF. */
    private static boolean asciiOnly(GroupState s) {
        return isAscii(s.model())
                && isAscii(s.epoch())
                && (s.open() == null || isAscii(s.open().batchId()));
    }

    private static boolean isAscii(String text) {
        if (text.length() > 0xFFFF) {
            return false;
        }
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c == 0 || c > 0x7F) {
                return false;
            }
        }
        return true;
    }

    /** writeUTF of an {@link #isAscii} string: its length as two bytes, then one byte per character. */
    private static void putAscii(ByteBuffer out, String text) {
        out.putShort((short) text.length());
        for (int i = 0; i < text.length(); i++) {
            out.put((byte) text.charAt(i));
        }
    }
}
