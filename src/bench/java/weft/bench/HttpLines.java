package weft.bench;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/** The few pieces of HTTP/1.1 response parsing the benchmark client needs. */
final class HttpLines {
    private static final int MAX_LINE = 8192;

    private HttpLines() {}

    /** A status line and header fields; names are lower-cased. */
    record Head(int status, Map<String, String> headers) {
        String header(String name) {
            return headers.get(name.toLowerCase(Locale.ROOT));
        }
    }

    /**
     * One line without its CRLF (a bare LF is tolerated), or null if the stream ended before
     * any byte of it. Reads byte by byte, so give it a buffered stream.
     */
    static String readLine(InputStream in) throws IOException {
        var line = new StringBuilder(64);
        for (int b; (b = in.read()) != -1; ) {
            if (b == '\n') {
                int end = line.length();
                if (end > 0 && line.charAt(end - 1) == '\r') line.setLength(end - 1);
                return line.toString();
            }
            if (line.length() == MAX_LINE) throw new IOException("header line longer than " + MAX_LINE + " bytes");
            line.append((char) b); // header bytes are ASCII (ISO-8859-1 at worst)
        }
        if (line.isEmpty()) return null;
        throw new IOException("connection closed in the middle of a line");
    }

    /** Reads the status line (whose first byte the caller may already have read) and the header fields. */
    static Head readHead(String statusLine, InputStream in) throws IOException {
        // "HTTP/1.1 200 OK"
        String[] parts = statusLine.split(" ", 3);
        if (parts.length < 2 || !parts[0].startsWith("HTTP/")) throw new IOException("not an HTTP status line: " + statusLine);
        int status;
        try {
            status = Integer.parseInt(parts[1]);
        } catch (NumberFormatException e) {
            throw new IOException("bad status code in: " + statusLine);
        }
        var headers = new LinkedHashMap<String, String>();
        for (String line; (line = readLine(in)) != null && !line.isEmpty(); ) {
            int colon = line.indexOf(':');
            if (colon > 0) headers.put(line.substring(0, colon).strip().toLowerCase(Locale.ROOT), line.substring(colon + 1).strip());
        }
        return new Head(status, headers);
    }

    /** A short, printable piece of a body, for error messages. */
    static String excerpt(byte[] body) {
        String text = new String(body, StandardCharsets.UTF_8).replaceAll("\\s+", " ").strip();
        return text.length() > 200 ? text.substring(0, 200) + "…" : text;
    }
}
