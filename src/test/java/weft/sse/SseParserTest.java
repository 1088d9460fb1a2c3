package weft.sse;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;

/** Named for the rules of https://html.spec.whatwg.org/multipage/server-sent-events.html. */
class SseParserTest {

    @Test
    void event() {
        assertEquals(List.of(new SseEvent("", "message", "hey")), parse("""
                data: hey

                """));
    }

    @Test
    void multilineData() {
        assertEquals(List.of(new SseEvent("", "message", "YHOO\n+2\n10")), parse("""
                data: YHOO
                data: +2
                data: 10

                """));
    }

    @Test
    void multilineCrLf() {
        assertEquals(List.of(new SseEvent("", "message", "YHOO\n+2\n10")),
                parse("data: YHOO\r\ndata: +2\r\ndata: 10\r\n\r\n"));
    }

    @Test
    void multilineCr() {
        assertEquals(List.of(new SseEvent("", "message", "YHOO\n+2\n10")),
                parse("data: YHOO\rdata: +2\rdata: 10\r\r"));
    }

    @Test
    void crLfSplitAcrossFeeds() {
        // Were the LF a line end of its own, "a" would be dispatched alone.
        assertEquals(List.of(new SseEvent("", "message", "a\nb")),
                parseInPieces("data: a\r", "\ndata: b\r", "\n\r", "\n"));
    }

    @Test
    void eventType() {
        assertEquals(List.of(new SseEvent("", "add", "73857293")), parse("""
                event: add
                data: 73857293

                """));
    }

    @Test
    void emptyEventTypeMeansMessage() {
        assertEquals(List.of(new SseEvent("", "message", "a")), parse("""
                event:
                data: a

                """));
    }

    @Test
    void eventTypeResetsAfterDispatch() {
        assertEquals(List.of(new SseEvent("", "add", "a"), new SseEvent("", "message", "b")), parse("""
                event: add
                data: a

                data: b

                """));
    }

    @Test
    void blankLineWithoutDataDispatchesNothing() {
        // The blank line still resets the event type.
        assertEquals(List.of(new SseEvent("", "message", "b")), parse("""
                event: add


                data: b

                """));
    }

    @Test
    void emptyDataLineDispatchesEmptyEvent() {
        assertEquals(List.of(new SseEvent("", "message", ""), new SseEvent("", "message", "\n")), parse("""
                data

                data:
                data:

                """));
    }

    @Test
    void trailingLineFeedRemovedOnce() {
        assertEquals(List.of(new SseEvent("", "message", "a\n")), parse("""
                data: a
                data:

                """));
    }

    @Test
    void bomIsSkippedOnce() {
        // A second BOM is part of a field name, so its field is unknown and ignored.
        assertEquals(List.of(new SseEvent("", "message", "a")),
                parse("\uFEFFdata: a\n\n\uFEFFdata: b\n\n"));
        assertEquals(List.of(), parse("\uFEFF\uFEFFdata: a\n\n"));
    }

    @Test
    void bomSplitAcrossFeeds() {
        List<Object> calls = new ArrayList<>();
        SseParser parser = new SseParser(recorder(calls));
        feed(parser, new byte[] {(byte) 0xEF});
        feed(parser, new byte[] {(byte) 0xBB});
        feed(parser, new byte[] {(byte) 0xBF, 'd'});
        feed(parser, "ata: a\n\n".getBytes(UTF_8));
        parser.finish();
        assertEquals(List.of(new SseEvent("", "message", "a")), calls);
    }

    @Test
    void commentsAreIgnoredAndReported() {
        assertEquals(List.of(
                new Comment("hello"),
                new Comment(" two spaces"),
                new Comment(""),
                new Comment("inside an event: fine"),
                new SseEvent("", "message", "a\nb")), parse("""
                : hello
                :  two spaces
                :
                data: a
                :inside an event: fine
                data: b

                """));
    }

    @Test
    void idReusedAcrossEvents() {
        assertEquals(List.of(new SseEvent("1", "message", "a"), new SseEvent("1", "message", "b")), parse("""
                id: 1
                data: a

                data: b

                """));
    }

    @Test
    void idSetWithoutDataStillCounts() {
        assertEquals(List.of(new SseEvent("7", "message", "a")), parse("""
                id: 7

                data: a

                """));
    }

    @Test
    void idWithNullIsIgnored() {
        assertEquals(List.of(new SseEvent("1", "message", "a"), new SseEvent("1", "message", "b")), parse("""
                id: 1
                data: a

                id: 2\u00003
                data: b

                """));
    }

    @Test
    void emptyIdResetsLastEventId() {
        assertEquals(List.of(
                new SseEvent("1", "message", "a"),
                new SseEvent("", "message", "b"),
                new SseEvent("2", "message", "c"),
                new SseEvent("", "message", "d")), parse("""
                id: 1
                data: a

                id:
                data: b

                id: 2
                data: c

                id
                data: d

                """));
    }

    @Test
    void retry() {
        assertEquals(List.of(new Retry(22), new Retry(0), new SseEvent("", "message", "a")), parse("""
                retry: 22
                retry:0
                data: a

                """));
    }

    @Test
    void retryInvalidFormatIgnored() {
        assertEquals(List.of(), parse("""
                retry: 22s
                retry: -1
                retry: 1.5
                retry: +5
                retry:  22
                retry: 2 2
                retry: ２
                retry:
                retry

                """));
    }

    @Test
    void retryTooLargeForLongSaturates() {
        assertEquals(List.of(new Retry(Long.MAX_VALUE)), parse("retry: 99999999999999999999999\n\n"));
    }

    @Test
    void fieldWithoutColon() {
        assertEquals(List.of(new SseEvent("", "message", "\n\na")), parse("""
                data
                data
                event
                data: a

                """));
    }

    @Test
    void onlyOneLeadingSpaceRemoved() {
        assertEquals(List.of(new SseEvent("", " add", " a\nb\n ")), parse("""
                event:  add
                data:  a
                data:b
                data:\s\s

                """));
    }

    @Test
    void colonsAfterTheFirstBelongToTheValue() {
        assertEquals(List.of(new SseEvent("", "message", "a: b:c")), parse("""
                data: a: b:c

                """));
    }

    @Test
    void unknownFieldsIgnored() {
        // Field names are case-sensitive and exact: "DATA" and "data " are not "data".
        assertEquals(List.of(new SseEvent("", "message", "z")), parse("""
                foo: bar
                DATA: x
                data : y
                data: z

                """));
    }

    @Test
    void incompleteEventAtEndIsDiscarded() {
        assertEquals(List.of(new SseEvent("", "message", "a")), parse("""
                data: a

                data: b
                """));
        assertEquals(List.of(), parse("data: a\n"));
    }

    @Test
    void lfThenCrIsTwoLineEnds() {
        assertEquals(List.of(new SseEvent("", "message", "a")), parse("data: a\n\r"));
    }

    @Test
    void unterminatedLastLineIsDiscarded() {
        assertEquals(List.of(), parse("retry: 5"));
        assertEquals(List.of(new SseEvent("", "message", "a")), parse("data: a\n\n: unterminated"));
    }

    @Test
    void utf8SplitAcrossFeeds() {
        byte[] bytes = "data: é😀\n\n".getBytes(UTF_8);
        // "é" is bytes 6-7 and the emoji bytes 8-11: cut inside each.
        assertEquals(List.of(new SseEvent("", "message", "é😀")), parseInPieces(bytes, 7, 9, 10, 11));
    }

    @Test
    void malformedUtf8BecomesReplacementCharacter() {
        byte[] bytes = {'d', 'a', 't', 'a', ':', ' ', (byte) 0xFF, 'x', (byte) 0xC3, '\n', '\n'};
        assertEquals(List.of(new SseEvent("", "message", "\uFFFDx\uFFFD")), parseInPieces(bytes));
    }

    /** BOM, every line ending, comments, retry, IDs, types, multi-byte text, an unfinished tail. */
    private static final String STREAM = "\uFEFF: connected\r\n"
            + "retry: 3000\r\n"
            + "\r\n"
            + "id: 1\n"
            + "event: token\n"
            + "data: {\"text\":\"één, ruïne, café\"}\n"
            + "\n"
            + "id: 2\r"
            + "data: line one\r"
            + "data:  line two 😀\r"
            + "\r"
            + ": ping\r\n"
            + "\r\n"
            + "event: done\r\n"
            + "data\r\n"
            + "\r\n"
            + "data: never dispatched\n";

    @Test
    void realisticStream() {
        assertEquals(List.of(
                new Comment("connected"),
                new Retry(3000),
                new SseEvent("1", "token", "{\"text\":\"één, ruïne, café\"}"),
                new SseEvent("2", "message", "line one\n line two 😀"),
                new Comment("ping"),
                new SseEvent("2", "done", "")), parse(STREAM));
    }

    @Test
    void everySplitGivesTheSameEvents() {
        byte[] bytes = STREAM.getBytes(UTF_8);
        List<Object> whole = parseInPieces(bytes);
        for (int split = 0; split <= bytes.length; split++) {
            assertEquals(whole, parseInPieces(bytes, split), "split at " + split);
        }
        int[] everyByte = new int[bytes.length];
        for (int i = 0; i < everyByte.length; i++) {
            everyByte[i] = i;
        }
        assertEquals(whole, parseInPieces(bytes, everyByte), "one byte at a time");
    }

    @Test
    void parseReadsAStreamLongerThanItsBuffer() throws IOException {
        String data = "x".repeat(20_000);
        List<Object> calls = new ArrayList<>();
        byte[] stream = ("id: 9\r\ndata: " + data + "\r\n\r\ndata: tail").getBytes(UTF_8);
        SseParser.parse(new ByteArrayInputStream(stream), recorder(calls));
        assertEquals(List.of(new SseEvent("9", "message", data)), calls);
    }

    @Test
    void linesOfUnknownFieldsAreIgnoredYetReportedWhole() {
        List<Object> calls = new ArrayList<>();
        SseParser parser = new SseParser(new SseParser.Listener() {
            @Override
            public void onEvent(SseEvent event) { calls.add(event); }

            @Override
            public void onOtherLine(String line) { calls.add("other:" + line); }
        });
        feed(parser, "{\n  \"error\": {\"code\": 500}\n}\ndata: x\nfoo: bar\n\n".getBytes(UTF_8));
        parser.finish();
        assertEquals(List.of("other:{", "other:  \"error\": {\"code\": 500}", "other:}", "other:foo: bar",
                new SseEvent("", "message", "x")), calls);
    }

    record Retry(long millis) {}

    record Comment(String text) {}

    private static List<Object> parse(String stream) {
        return parseInPieces(stream.getBytes(UTF_8));
    }

    private static List<Object> parseInPieces(String... pieces) {
        List<Object> calls = new ArrayList<>();
        SseParser parser = new SseParser(recorder(calls));
        for (String piece : pieces) {
            feed(parser, piece.getBytes(UTF_8));
        }
        parser.finish();
        return calls;
    }

    /** Feeds {@code bytes} cut at the given ascending positions, then finishes. */
    private static List<Object> parseInPieces(byte[] bytes, int... cuts) {
        List<Object> calls = new ArrayList<>();
        SseParser parser = new SseParser(recorder(calls));
        int start = 0;
        for (int cut : cuts) {
            parser.feed(bytes, start, cut - start);
            start = cut;
        }
        parser.feed(bytes, start, bytes.length - start);
        parser.finish();
        return calls;
    }

    private static void feed(SseParser parser, byte[] bytes) {
        parser.feed(bytes, 0, bytes.length);
    }

    private static SseParser.Listener recorder(List<Object> calls) {
        return new SseParser.Listener() {
            @Override
            public void onEvent(SseEvent event) {
                calls.add(event);
            }

            @Override
            public void onRetry(long millis) {
                calls.add(new Retry(millis));
            }

            @Override
            public void onComment(String comment) {
                calls.add(new Comment(comment));
            }
        };
    }
}
