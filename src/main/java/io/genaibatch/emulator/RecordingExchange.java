package io.genaibatch.emulator;

import com.sun.net.httpserver.Headers;
import com.sun.net.httpserver.HttpContext;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpPrincipal;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.util.function.IntConsumer;

/**
 * An exchange that tells its request's status to the request log just before the status line goes out, so the log
 * holds a request before its client can see the answer (as MockWebServer's does), whichever handler answers.
 *
 * <p>A wrapper, not an exchange attribute: up to JDK 21 {@code HttpExchange.setAttribute} writes to the
 * {@link HttpContext}'s attributes, which every exchange of the context shares, so under concurrent requests one
 * request's hook fired for another and the request itself was logged only after its answer had gone out.
 */
final class RecordingExchange extends HttpExchange {
    private final HttpExchange delegate;
    private final IntConsumer beforeResponse;

    /** @param beforeResponse told the status before it is sent; called once at most */
    RecordingExchange(HttpExchange delegate, IntConsumer beforeResponse) {
        this.delegate = delegate;
        this.beforeResponse = beforeResponse;
    }

    @Override
    public void sendResponseHeaders(int rCode, long responseLength) throws IOException {
        beforeResponse.accept(rCode);
        delegate.sendResponseHeaders(rCode, responseLength);
    }

    @Override
    public Headers getRequestHeaders() {
        return delegate.getRequestHeaders();
    }

    @Override
    public Headers getResponseHeaders() {
        return delegate.getResponseHeaders();
    }

    @Override
    public URI getRequestURI() {
        return delegate.getRequestURI();
    }

    @Override
    public String getRequestMethod() {
        return delegate.getRequestMethod();
    }

    @Override
    public HttpContext getHttpContext() {
        return delegate.getHttpContext();
    }

    @Override
    public void close() {
        delegate.close();
    }

    @Override
    public InputStream getRequestBody() {
        return delegate.getRequestBody();
    }

    @Override
    public OutputStream getResponseBody() {
        return delegate.getResponseBody();
    }

    @Override
    public InetSocketAddress getRemoteAddress() {
        return delegate.getRemoteAddress();
    }

    @Override
    public int getResponseCode() {
        return delegate.getResponseCode();
    }

    @Override
    public InetSocketAddress getLocalAddress() {
        return delegate.getLocalAddress();
    }

    @Override
    public String getProtocol() {
        return delegate.getProtocol();
    }

    @Override
    public Object getAttribute(String name) {
        return delegate.getAttribute(name);
    }

    @Override
    public void setAttribute(String name, Object value) {
        delegate.setAttribute(name, value);
    }

    @Override
    public void setStreams(InputStream i, OutputStream o) {
        delegate.setStreams(i, o);
    }

    @Override
    public HttpPrincipal getPrincipal() {
        return delegate.getPrincipal();
    }
}
