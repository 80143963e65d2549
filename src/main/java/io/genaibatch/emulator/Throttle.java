package io.genaibatch.emulator;

import java.io.FilterInputStream;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.io.OutputStream;

/** Slows a stream to a byte rate, to emulate a slow link for uploads and downloads. */
final class Throttle {
    private final long bytesPerSecond;
    private final long startNanos = System.nanoTime();
    private long bytes;

    private Throttle(long bytesPerSecond) {
        this.bytesPerSecond = bytesPerSecond;
    }

    static InputStream in(InputStream in, long bytesPerSecond) {
        if (bytesPerSecond <= 0) {
            return in;
        }
        Throttle t = new Throttle(bytesPerSecond);
        return new FilterInputStream(in) {
            @Override
            public int read() throws IOException {
                int b = super.read();
                if (b >= 0) {
                    t.account(1);
                }
                return b;
            }

            @Override
            public int read(byte[] buf, int off, int len) throws IOException {
                int n = super.read(buf, off, Math.min(len, t.chunk()));
                if (n > 0) {
                    t.account(n);
                }
                return n;
            }
        };
    }

    static OutputStream out(OutputStream out, long bytesPerSecond) {
        if (bytesPerSecond <= 0) {
            return out;
        }
        Throttle t = new Throttle(bytesPerSecond);
        return new FilterOutputStream(out) {
            @Override
            public void write(int b) throws IOException {
                out.write(b);
                t.account(1);
            }

            @Override
            public void write(byte[] buf, int off, int len) throws IOException {
                while (len > 0) {
                    int n = Math.min(len, t.chunk());
                    out.write(buf, off, n);
                    t.account(n);
                    off += n;
                    len -= n;
                }
            }
        };
    }

    /** Small steps (about 1/20 s of traffic) keep the rate smooth instead of bursty. */
    private int chunk() {
        return (int) Math.max(1, Math.min(64 * 1024, bytesPerSecond / 20));
    }

    private void account(int n) throws InterruptedIOException {
        bytes += n;
        long dueNanos = bytes * 1_000_000_000L / bytesPerSecond;
        long aheadNanos = dueNanos - (System.nanoTime() - startNanos);
        if (aheadNanos > 0) {
            try {
                Thread.sleep(aheadNanos / 1_000_000, (int) (aheadNanos % 1_000_000));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new InterruptedIOException("throttled transfer interrupted");
            }
        }
    }
}
