package weft.edge;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Requests written byte for byte on a socket, for what {@code java.net.http} will not send
 * (no {@code Host}, two of them, a {@code Host} of our choosing). Answers with a
 * {@code Content-Length} or none; each request on a connection of its own.
 */
record RawHttp(int status, String head, String body) {
    private static final Pattern LENGTH = Pattern.compile("(?im)^content-length:\\s*(\\d+)\\s*$");

    static RawHttp send(int port, String request) {
        try (var socket = new Socket("127.0.0.1", port)) {
            socket.setSoTimeout(10_000);
            socket.getOutputStream().write(request.getBytes(StandardCharsets.UTF_8));
            InputStream in = socket.getInputStream();
            var head = new ByteArrayOutputStream();
            while (!head.toString(StandardCharsets.ISO_8859_1).endsWith("\r\n\r\n")) {
                int b = in.read();
                if (b < 0) throw new IOException("the server closed before the end of its head: " + head);
                head.write(b);
            }
            String text = head.toString(StandardCharsets.ISO_8859_1);
            Matcher length = LENGTH.matcher(text);
            String body = length.find() ? new String(in.readNBytes(Integer.parseInt(length.group(1))), StandardCharsets.UTF_8) : "";
            return new RawHttp(Integer.parseInt(text.substring(9, 12)), text, body);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** {@code GET path} with the given header lines (each ending in CRLF). */
    static RawHttp get(int port, String path, String headerLines) {
        return send(port, "GET " + path + " HTTP/1.1\r\n" + headerLines + "\r\n");
    }

    /** A header's value, case-insensitive on the name; null if absent. */
    String header(String name) {
        Matcher m = Pattern.compile("(?im)^" + Pattern.quote(name) + ":\\s*(.*?)\\s*$").matcher(head);
        return m.find() ? m.group(1) : null;
    }

    com.fasterxml.jackson.databind.JsonNode json() {
        try {
            return weft.testing.TestServer.JSON.readTree(body);
        } catch (IOException e) {
            throw new AssertionError("not JSON: " + head + body, e);
        }
    }

    /** The error's code, as the contract shapes errors. */
    String errorCode() {
        return json().path("error").path("code").asText();
    }

    String errorMessage() {
        return json().path("error").path("message").asText();
    }

    boolean hasHeader(String name) {
        return head.toLowerCase(Locale.ROOT).contains("\r\n" + name.toLowerCase(Locale.ROOT) + ":");
    }
}
