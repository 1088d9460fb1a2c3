package weft.sse;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SseWriterTest {
    private final ByteArrayOutputStream wire = new ByteArrayOutputStream();
    private final SseWriter writer = new SseWriter(wire);

    @Test
    void event() throws IOException {
        writer.event(7, "token", "hello");
        assertWire("""
                id: 7
                event: token
                data: hello

                """);
    }

    @Test
    void eventWithoutType() throws IOException {
        writer.event(7, null, "hello");
        assertWire("""
                id: 7
                data: hello

                """);
    }

    @Test
    void dataWithLf() {
        assertRendered("id: 1\nevent: t\ndata: a\ndata: b\n\n", SseWriter.render(1, "t", "a\nb"));
    }

    @Test
    void dataWithCr() {
        assertRendered("id: 1\nevent: t\ndata: a\ndata: b\n\n", SseWriter.render(1, "t", "a\rb"));
    }

    @Test
    void dataWithCrLf() {
        assertRendered("id: 1\nevent: t\ndata: a\ndata: b\n\n", SseWriter.render(1, "t", "a\r\nb"));
    }

    @Test
    void dataWithLfCrIsTwoLineBreaks() {
        assertRendered("id: 1\nevent: t\ndata: a\ndata: \ndata: b\n\n", SseWriter.render(1, "t", "a\n\rb"));
    }

    @Test
    void emptyDataAndTrailingLineBreakKeepTheirLines() {
        assertRendered("id: 1\nevent: t\ndata: \n\n", SseWriter.render(1, "t", ""));
        assertRendered("id: 1\nevent: t\ndata: a\ndata: \n\n", SseWriter.render(1, "t", "a\n"));
    }

    @Test
    void quotesEmojiAndDiacritics() throws IOException {
        writer.event(42, "token", "{\"text\":\"één, ruïne, café 😀\"}");
        assertWire("""
                id: 42
                event: token
                data: {"text":"één, ruïne, café 😀"}

                """);
    }

    @Test
    void encodesUtf8WhateverThePlatformCharset() {
        byte[] frame = SseWriter.render(0, null, "é😀");
        byte[] data = {'d', 'a', 't', 'a', ':', ' ',
                (byte) 0xC3, (byte) 0xA9, (byte) 0xF0, (byte) 0x9F, (byte) 0x98, (byte) 0x80, '\n', '\n'};
        assertArrayEquals(data, Arrays.copyOfRange(frame, frame.length - data.length, frame.length));
    }

    @Test
    void typeWithLineBreakIsRejected() {
        var e = assertThrows(IllegalArgumentException.class, () -> SseWriter.render(1, "to\nken", "x"));
        assertEquals("event type contains a line break: \"to\\nken\"", e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> SseWriter.render(1, "token\r", "x"));
    }

    @Test
    void retry() throws IOException {
        writer.retry(3000);
        assertWire("retry: 3000\n\n");
        assertThrows(IllegalArgumentException.class, () -> writer.retry(-1));
    }

    @Test
    void commentHeartbeat() throws IOException {
        writer.comment("ping");
        assertWire(": ping\n\n");
    }

    @Test
    void multiLineComment() throws IOException {
        writer.comment("a\r\nb\rc\nd");
        assertWire("""
                : a
                : b
                : c
                : d

                """);
    }

    @Test
    void writesPrerenderedFrame() throws IOException {
        writer.write(SseWriter.render(3, "done", "{}"));
        assertWire("id: 3\nevent: done\ndata: {}\n\n");
    }

    @Test
    void flushesEveryFrame() throws IOException {
        List<String> calls = new ArrayList<>();
        SseWriter writer = new SseWriter(new OutputStream() {
            @Override
            public void write(int b) {
                throw new AssertionError("frames are written whole");
            }

            @Override
            public void write(byte[] b, int off, int len) {
                calls.add("write");
            }

            @Override
            public void flush() {
                calls.add("flush");
            }
        });
        writer.event(1, "t", "a");
        writer.comment("ping");
        writer.retry(5);
        writer.write(new byte[] {'\n'});
        assertEquals(List.of("write", "flush", "write", "flush", "write", "flush", "write", "flush"), calls);
    }

    @Test
    void firstFailureSticks() throws IOException {
        FailingOnce out = new FailingOnce(false);
        SseWriter writer = new SseWriter(out);
        assertFalse(writer.failed());

        IOException first = assertThrows(IOException.class, () -> writer.event(1, "t", "a"));
        assertTrue(writer.failed());
        IOException second = assertThrows(IOException.class, () -> writer.comment("ping"));
        assertSame(first, second.getCause());
        assertThrows(IOException.class, () -> writer.event(2, "t", "b"));
        assertEquals(1, out.calls, "the stream is not touched after the failure");
    }

    @Test
    void failedFlushSticksToo() {
        FailingOnce out = new FailingOnce(true);
        SseWriter writer = new SseWriter(out);

        IOException first = assertThrows(IOException.class, () -> writer.comment("ping"));
        IOException second = assertThrows(IOException.class, () -> writer.retry(1));
        assertSame(first, second.getCause());
        assertEquals(2, out.calls, "one write, one failed flush, nothing after");
    }

    @Test
    void roundTripThroughParser() throws IOException {
        String[] awkward = {
                "", "\n", "\r", "\r\n", "\n\n\n", "a\rb\r\nc\nd", "\r\r\n\n",
                " leading space", "  two leading spaces", "trailing space ", "trailing\n",
                ": looks like a comment", "data: looks like a field", "id: 99", "\n\nevent: x\n\n",
                "\"quoted\" \\ backslash", "één, ruïne, café", "😀\n😀",
                "nul \u0000 inside", "\uFEFFbom",
        };
        List<SseEvent> expected = new ArrayList<>();
        for (int i = 0; i < awkward.length; i++) {
            String type = i % 3 == 0 ? null : i % 3 == 1 ? "token" : " spaced: type";
            writer.event(i, type, awkward[i]);
            String data = awkward[i].replace("\r\n", "\n").replace('\r', '\n');
            expected.add(new SseEvent(Long.toString(i), type == null ? "message" : type, data));
        }
        writer.comment("bye\nnow");

        List<SseEvent> events = new ArrayList<>();
        List<String> comments = new ArrayList<>();
        SseParser parser = new SseParser(new SseParser.Listener() {
            @Override
            public void onEvent(SseEvent event) {
                events.add(event);
            }

            @Override
            public void onComment(String comment) {
                comments.add(comment);
            }
        });
        byte[] bytes = wire.toByteArray();
        parser.feed(bytes, 0, bytes.length);
        parser.finish();

        assertEquals(expected, events);
        assertEquals(List.of("bye", "now"), comments);
    }

    private void assertWire(String expected) {
        assertRendered(expected, wire.toByteArray());
    }

    private static void assertRendered(String expected, byte[] actual) {
        assertArrayEquals(expected.getBytes(UTF_8), actual,
                () -> "expected <" + expected + "> but was <" + new String(actual, UTF_8) + ">");
    }

    /** Fails its first write, or its first flush, then counts any call that still reaches it. */
    private static final class FailingOnce extends OutputStream {
        private final boolean failFlush;
        private boolean failed;
        int calls;

        FailingOnce(boolean failFlush) {
            this.failFlush = failFlush;
        }

        @Override
        public void write(int b) throws IOException {
            write(new byte[] {(byte) b}, 0, 1);
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            calls++;
            if (!failFlush) {
                failOnce();
            }
        }

        @Override
        public void flush() throws IOException {
            calls++;
            if (failFlush) {
                failOnce();
            }
        }

        private void failOnce() throws IOException {
            if (!failed) {
                failed = true;
                throw new IOException("broken pipe");
            }
        }
    }

    @Test
    void utf8LineDataRendersExactlyAsTheSameText() {
        for (String data : List.of("{\"text\":\"één 🎉\"}", "", "two\nlines", "cr\rhere", "crlf\r\nend")) {
            assertArrayEquals(SseWriter.render(7, "delta", data), SseWriter.render(7, "delta", data.getBytes(UTF_8)), data);
        }
        assertEquals("id: 3\nevent: delta\ndata: {\"a\":1}\n\n",
                new String(SseWriter.render(3, "delta", "{\"a\":1}".getBytes(UTF_8)), UTF_8));
    }

    @Test
    void framesReadyTogetherGoOutInOrderWithOneFlush() throws IOException {
        var flushes = new int[1];
        var bytes = new ByteArrayOutputStream();
        var out = new OutputStream() {
            @Override public void write(int b) { bytes.write(b); }
            @Override public void write(byte[] b, int off, int len) { bytes.write(b, off, len); }
            @Override public void flush() { flushes[0]++; }
        };
        var writer = new SseWriter(out);
        writer.write(List.of(SseWriter.render(1, "delta", "a"), SseWriter.render(2, "delta", "b")));
        assertEquals("id: 1\nevent: delta\ndata: a\n\nid: 2\nevent: delta\ndata: b\n\n", bytes.toString(UTF_8));
        assertEquals(1, flushes[0]);
    }
}
