package weft.bench;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;

/**
 * Decodes an HTTP/1.1 {@code Transfer-Encoding: chunked} body (RFC 9112 §7.1): each chunk is
 * a hex size line, that many bytes, and CRLF; a zero size ends the body (trailers are read and
 * dropped).
 *
 * <p>{@link #read(byte[], int, int)} never waits for more than the underlying stream already
 * has: a streamed SSE frame must reach the parser the moment it arrives, not when a buffer fills.
 * Hence no {@code readNBytes} on the data path, only single reads bounded by the chunk's rest.
 */
final class ChunkedDecoder extends InputStream {
    private final InputStream in;
    private long remaining; // bytes left in the current chunk
    private boolean ended;

    /** {@code in} should be buffered: size lines are read a byte at a time. */
    ChunkedDecoder(InputStream in) {
        this.in = in;
    }

    @Override
    public int read(byte[] buffer, int offset, int length) throws IOException {
        if (length == 0) return 0;
        if (remaining == 0 && !nextChunk()) return -1;
        int n = in.read(buffer, offset, (int) Math.min(length, remaining));
        if (n < 0) throw new EOFException("connection closed inside a chunk");
        remaining -= n;
        if (remaining == 0) expectCrlf();
        return n;
    }

    @Override
    public int read() throws IOException {
        byte[] one = new byte[1];
        return read(one, 0, 1) < 0 ? -1 : one[0] & 0xFF;
    }

    /** True once the zero-size chunk has been read. */
    boolean ended() {
        return ended;
    }

    /** Reads the next size line; false at the end of the body. */
    private boolean nextChunk() throws IOException {
        if (ended) return false;
        String line = HttpLines.readLine(in);
        if (line == null) throw new EOFException("connection closed before the last chunk");
        int semicolon = line.indexOf(';'); // chunk extensions carry nothing we need
        String hex = (semicolon >= 0 ? line.substring(0, semicolon) : line).strip();
        try {
            remaining = Long.parseLong(hex, 16);
        } catch (NumberFormatException e) {
            throw new IOException("bad chunk size line '" + line + "'");
        }
        if (remaining == 0) {
            // Trailer fields, then an empty line.
            for (String trailer; (trailer = HttpLines.readLine(in)) != null && !trailer.isEmpty(); ) { }
            ended = true;
            return false;
        }
        return true;
    }

    private void expectCrlf() throws IOException {
        String line = HttpLines.readLine(in);
        if (line == null || !line.isEmpty()) throw new IOException("chunk not followed by CRLF");
    }
}
