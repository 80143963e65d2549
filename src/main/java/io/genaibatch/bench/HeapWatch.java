package io.genaibatch.bench;

import com.sun.management.GarbageCollectionNotificationInfo;
import java.io.IOException;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.lang.management.MemoryUsage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Collectors;
import javax.management.Notification;
import javax.management.NotificationEmitter;
import javax.management.NotificationListener;
import javax.management.openmbean.CompositeData;

/**
 * The heap of this JVM as the benchmarks report it, measured from inside (the roles' JVM of {@code bench submit-poll}
 * prints it when it stops):
 * <ul>
 *   <li>{@code peakUsed}: the sum of the heap pools' peak usage ({@link MemoryPoolMXBean#getPeakUsage()}). The pools
 *       peak at different moments, so this is an upper bound of the heap ever in use; with G1 it mostly shows how
 *       far the young generation was let grow before a collection, which G1 sizes from -Xmx;
 *   <li>{@code maxAfterGc}: the largest heap in use right after a collection (from GC notifications): what the
 *       process really held, live data plus what that collection did not reclaim. This is the figure that must stay
 *       well under -Xmx for the role not to run out of memory;
 *   <li>GC count and pause time, and the process's peak resident set ({@code VmHWM}: heap, RocksDB, buffers).
 * </ul>
 */
public final class HeapWatch implements AutoCloseable {
    private static final String PREFIX = "roles-heap";

    private final Set<String> heapPools;
    private final AtomicLong maxAfterGc = new AtomicLong();
    private final List<NotificationEmitter> emitters = new ArrayList<>();
    private final NotificationListener listener = this::onGc;

    /** The figures, in bytes and milliseconds; -1 when not available on this platform. */
    public record Figures(long peakUsed, long maxAfterGc, long maxHeap, long gcCount, long gcMillis, long peakRss) {
        /** One line, {@code roles-heap key=value ...}, for the parent process to read back with {@link #parse}. */
        public String line() {
            return PREFIX + " peakUsed=" + peakUsed + " maxAfterGc=" + maxAfterGc + " maxHeap=" + maxHeap + " gcCount="
                    + gcCount + " gcMillis=" + gcMillis + " peakRss=" + peakRss;
        }

        /** The figures of a {@link #line()}, or null when {@code line} is not one. */
        public static Figures parse(String line) {
            if (!line.startsWith(PREFIX + " ")) {
                return null;
            }
            Map<String, Long> v = new HashMap<>();
            for (String kv : line.substring(PREFIX.length() + 1).trim().split("\\s+")) {
                int eq = kv.indexOf('=');
                if (eq > 0) {
                    v.put(kv.substring(0, eq), Long.parseLong(kv.substring(eq + 1)));
                }
            }
            return new Figures(
                    v.getOrDefault("peakUsed", -1L),
                    v.getOrDefault("maxAfterGc", -1L),
                    v.getOrDefault("maxHeap", -1L),
                    v.getOrDefault("gcCount", -1L),
                    v.getOrDefault("gcMillis", -1L),
                    v.getOrDefault("peakRss", -1L));
        }
    }

    private HeapWatch() {
        heapPools = ManagementFactory.getMemoryPoolMXBeans().stream()
                .filter(p -> p.getType() == MemoryType.HEAP)
                .map(MemoryPoolMXBean::getName)
                .collect(Collectors.toUnmodifiableSet());
    }

    /** Starts listening to this JVM's collections. Close it to stop. */
    public static HeapWatch start() {
        HeapWatch w = new HeapWatch();
        for (GarbageCollectorMXBean gc : ManagementFactory.getGarbageCollectorMXBeans()) {
            if (gc instanceof NotificationEmitter e) {
                e.addNotificationListener(w.listener, null, null);
                w.emitters.add(e);
            }
        }
        return w;
    }

    private void onGc(Notification n, Object handback) {
        if (!GarbageCollectionNotificationInfo.GARBAGE_COLLECTION_NOTIFICATION.equals(n.getType())) {
            return;
        }
        GarbageCollectionNotificationInfo info =
                GarbageCollectionNotificationInfo.from((CompositeData) n.getUserData());
        long after = 0;
        for (Map.Entry<String, MemoryUsage> e :
                info.getGcInfo().getMemoryUsageAfterGc().entrySet()) {
            if (heapPools.contains(e.getKey())) {
                after += e.getValue().getUsed();
            }
        }
        maxAfterGc.accumulateAndGet(after, Math::max);
    }

    /** The figures so far. */
    public Figures figures() {
        long peak = 0;
        for (MemoryPoolMXBean p : ManagementFactory.getMemoryPoolMXBeans()) {
            if (p.getType() == MemoryType.HEAP) {
                peak += p.getPeakUsage().getUsed();
            }
        }
        long count = 0;
        long millis = 0;
        for (GarbageCollectorMXBean gc : ManagementFactory.getGarbageCollectorMXBeans()) {
            count += Math.max(0, gc.getCollectionCount());
            millis += Math.max(0, gc.getCollectionTime());
        }
        return new Figures(peak, maxAfterGc.get(), Runtime.getRuntime().maxMemory(), count, millis, peakRss());
    }

    /** VmHWM of /proc/self/status (Linux), in bytes; -1 elsewhere. */
    static long peakRss() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("VmHWM:")) {
                    return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
                }
            }
        } catch (IOException | RuntimeException e) {
            // Not Linux, or an unexpected format: the figure is simply not reported.
        }
        return -1;
    }

    @Override
    public void close() {
        for (NotificationEmitter e : emitters) {
            try {
                e.removeNotificationListener(listener);
            } catch (javax.management.ListenerNotFoundException ignored) {
                // Already removed.
            }
        }
        emitters.clear();
    }
}
