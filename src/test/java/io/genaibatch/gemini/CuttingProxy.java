package io.genaibatch.gemini;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A TCP proxy in front of a server that cuts the connection once, after a given number of bytes went from
 * the client to the server: a network failure in the middle of an upload chunk, which no HTTP-level fault
 * injection can produce. Every later connection passes through untouched.
 */
final class CuttingProxy implements AutoCloseable {
    private final ServerSocket listener;
    private final int targetPort;
    private final long cutAfterBytes;
    private final AtomicLong upstreamBytes = new AtomicLong();
    private final AtomicBoolean cut = new AtomicBoolean();
    private final AtomicInteger connections = new AtomicInteger();
    private final List<Socket> sockets = new CopyOnWriteArrayList<>();
    private final Thread acceptor;

    CuttingProxy(int targetPort, long cutAfterBytes) throws IOException {
        this.targetPort = targetPort;
        this.cutAfterBytes = cutAfterBytes;
        this.listener = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        this.acceptor = new Thread(this::acceptLoop, "cutting-proxy-accept");
        this.acceptor.setDaemon(true);
        this.acceptor.start();
    }

    int port() {
        return listener.getLocalPort();
    }

    boolean hasCut() {
        return cut.get();
    }

    private void acceptLoop() {
        while (!listener.isClosed()) {
            try {
                Socket client = listener.accept();
                Socket server = new Socket(InetAddress.getLoopbackAddress(), targetPort);
                sockets.add(client);
                sockets.add(server);
                int n = connections.incrementAndGet();
                pump(client, server, true, "cutting-proxy-up-" + n);
                pump(server, client, false, "cutting-proxy-down-" + n);
            } catch (IOException e) {
                return;
            }
        }
    }

    private void pump(Socket from, Socket to, boolean upstream, String name) {
        Thread t = new Thread(
                () -> {
                    byte[] buf = new byte[16 * 1024];
                    try (InputStream in = from.getInputStream();
                            OutputStream out = to.getOutputStream()) {
                        int n;
                        while ((n = in.read(buf)) > 0) {
                            if (upstream && !cut.get()) {
                                long before = upstreamBytes.getAndAdd(n);
                                if (before + n > cutAfterBytes && cut.compareAndSet(false, true)) {
                                    out.write(buf, 0, (int) Math.max(0, cutAfterBytes - before));
                                    out.flush();
                                    from.close();
                                    to.close();
                                    return;
                                }
                            }
                            out.write(buf, 0, n);
                            out.flush();
                        }
                    } catch (IOException ignored) {
                        // The other side closed, or we cut it: this pump is done.
                    } finally {
                        closeQuietly(from);
                        closeQuietly(to);
                    }
                },
                name);
        t.setDaemon(true);
        t.start();
    }

    private static void closeQuietly(Socket s) {
        try {
            s.close();
        } catch (IOException ignored) {
            // Already closed.
        }
    }

    @Override
    public void close() throws IOException {
        listener.close();
        for (Socket s : sockets) {
            closeQuietly(s);
        }
        try {
            acceptor.join(5000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
