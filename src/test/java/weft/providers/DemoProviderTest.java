package weft.providers;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

import static org.junit.jupiter.api.Assertions.*;

class DemoProviderTest {
    private static final Pattern MARKER = Pattern.compile("\\[(\\d+)]");

    /** No delays at all: what most tests want. */
    private final DemoProvider instant = new DemoProvider(Duration.ZERO, 0);

    private record Reply(List<String> tokens, Completion completion) {
        String text() { return String.join("", tokens); }
    }

    private static Reply run(Provider provider, ModelRequest request) throws Exception {
        List<String> tokens = new ArrayList<>();
        Completion completion = provider.complete(request, tokens::add);
        return new Reply(tokens, completion);
    }

    private static ModelRequest ask(String question) {
        return new ModelRequest(null, null, List.of(ChatMessage.user(question)), List.of(), null);
    }

    private static ModelRequest askWithDocuments(String question, int count) {
        List<Document> documents = IntStream.rangeClosed(1, count)
                .mapToObj(n -> new Document("doc-" + n, "Source number " + n, "Text of document " + n + "."))
                .toList();
        return new ModelRequest(null, "Answer using the sources.", List.of(ChatMessage.user(question)), documents, null);
    }

    private static Set<Integer> citedNumbers(String text) {
        Set<Integer> cited = new TreeSet<>();
        Matcher m = MARKER.matcher(text);
        while (m.find()) cited.add(Integer.parseInt(m.group(1)));
        return cited;
    }

    @Test
    void namesItselfDemo() {
        assertEquals("demo", instant.name());
        assertEquals("weft-demo-1", instant.defaultModel());
    }

    @Test
    void sameRequestGivesSameTokens() throws Exception {
        ModelRequest request = askWithDocuments("How does server-sent events streaming work?", 3);
        assertEquals(run(instant, request).tokens(), run(instant, request).tokens());
        assertEquals(run(instant, request).tokens(), run(new DemoProvider(Duration.ZERO, 0), request).tokens());
    }

    @Test
    void differentInputsGiveDifferentReplies() throws Exception {
        String kafka = run(instant, ask("What is Kafka?")).text().replace("Kafka", "X");
        String redis = run(instant, ask("What is Redis?")).text().replace("Redis", "X");
        assertNotEquals(kafka, redis, "replies differ beyond the echoed key word");
        assertTrue(run(instant, ask("What is Kafka?")).text().contains("Kafka"));
    }

    @Test
    void dutchInputGetsDutchReply() throws Exception {
        assertTrue(DemoProvider.isDutch("Wat is het verschil tussen een kat en een hond?"));
        String text = run(instant, ask("Wat is het verschil tussen een kat en een hond?")).text();
        assertTrue(text.contains(" het ") || text.contains(" een ") || text.contains(" je "), text);
        assertFalse(text.contains(" the "), text);
        assertTrue(text.contains("kat") || text.contains("hond"), "echoes the question: " + text);
    }

    @Test
    void englishInputGetsEnglishReply() throws Exception {
        assertFalse(DemoProvider.isDutch("What is streaming?"));
        String text = run(instant, ask("What is streaming?")).text();
        assertTrue(text.contains(" the "), text);
        assertFalse(text.contains(" het "), text);
        assertTrue(text.contains("streaming"), text);
    }

    @Test
    void citesEverySuppliedDocumentWithinRange() throws Exception {
        for (int count = 1; count <= 5; count++) {
            for (String question : List.of("Explain streaming", "Hoe werkt een wachtrij?", "Why use SSE?")) {
                String text = run(instant, askWithDocuments(question, count)).text();
                Set<Integer> expected = IntStream.rangeClosed(1, count).boxed().collect(Collectors.toSet());
                assertEquals(expected, citedNumbers(text), count + " documents: " + text);
            }
        }
        String many = run(instant, askWithDocuments("Explain streaming", 8)).text();
        assertTrue(citedNumbers(many).stream().allMatch(n -> n >= 1 && n <= 8), many);
    }

    @Test
    void citationMarkersArriveSplitAcrossTwoTokens() throws Exception {
        List<String> tokens = run(instant, askWithDocuments("Explain streaming", 2)).tokens();
        int markers = 0;
        for (int i = 0; i < tokens.size(); i++) {
            if (tokens.get(i).contains("[")) {
                assertEquals(" [", tokens.get(i));
                assertTrue(tokens.get(i + 1).matches("\\d+]"), tokens.get(i + 1));
                markers++;
            }
        }
        assertTrue(markers >= 2);
    }

    @Test
    void mentionsDocumentTitlesNowAndThen() throws Exception {
        long withTitle = IntStream.range(0, 20).filter(i -> {
            try {
                return run(instant, askWithDocuments("Question " + i + " about caching", 3)).text().contains("Source number");
            } catch (Exception e) {
                throw new AssertionError(e);
            }
        }).count();
        assertTrue(withTitle > 0 && withTitle < 20, "titles appear in some replies, not all: " + withTitle);
    }

    @Test
    void noMarkersWithoutDocuments() throws Exception {
        for (String question : List.of("What is streaming?", "Wat is [1] eigenlijk?", "Explain SSE", "")) {
            for (String token : run(instant, ask(question)).tokens()) {
                assertFalse(token.contains("[") || token.contains("]"), question + ": " + token);
            }
        }
    }

    @Test
    void maxTokensCapsOutputExactlyAndFinishesWithLength() throws Exception {
        ModelRequest full = askWithDocuments("Explain streaming", 2);
        ModelRequest capped = new ModelRequest(null, full.system(), full.messages(), full.documents(), 17);
        Reply reply = run(instant, capped);
        assertEquals(17, reply.tokens().size());
        assertEquals("length", reply.completion().finishReason());
        assertEquals(17, reply.completion().usage().outputTokens());
        assertEquals(run(instant, full).tokens().subList(0, 17), reply.tokens(), "a capped reply is a prefix");

        ModelRequest generous = new ModelRequest(null, full.system(), full.messages(), full.documents(), 10_000);
        assertEquals("stop", run(instant, generous).completion().finishReason());
    }

    @Test
    void defaultReplyIsAFewHundredTokens() throws Exception {
        for (String question : List.of("What is streaming?", "Wat is het verschil tussen een kat en een hond?", "x")) {
            Reply reply = run(instant, ask(question));
            assertTrue(reply.tokens().size() >= 200 && reply.tokens().size() <= 500, "" + reply.tokens().size());
            assertEquals("stop", reply.completion().finishReason());
            assertTrue(reply.tokens().stream().filter("\n\n"::equals).count() >= 2, "several paragraphs");
            assertTrue(reply.tokens().stream().skip(1).filter(t -> !t.equals("\n\n"))
                    .anyMatch(t -> t.startsWith(" ")), "words carry their leading space");
        }
    }

    @Test
    void usageCountsEmittedTokens() throws Exception {
        ModelRequest request = new ModelRequest(null, "Be brief.",
                List.of(ChatMessage.user("Hi"), ChatMessage.assistant("Hello!"), ChatMessage.user("What is SSE?")),
                List.of(new Document("a", "Spec", "Server-sent events are a one-way stream.")), null);
        Reply reply = run(instant, request);
        Usage usage = reply.completion().usage();
        assertEquals(reply.tokens().size(), usage.outputTokens());
        long expectedInput = Usage.estimateTokens("Be brief.") + Usage.estimateTokens("Hi")
                + Usage.estimateTokens("Hello!") + Usage.estimateTokens("What is SSE?")
                + Usage.estimateTokens("Spec") + Usage.estimateTokens("Server-sent events are a one-way stream.");
        assertEquals(expectedInput, usage.inputTokens());
        assertFalse(usage.estimated());
    }

    @Test
    void interruptStopsAtOnce() throws Exception {
        DemoProvider slow = new DemoProvider(Duration.ZERO, 0.2); // five seconds between tokens
        CountDownLatch firstToken = new CountDownLatch(1);
        CompletableFuture<Completion> outcome = new CompletableFuture<>();
        Thread runner = Thread.ofVirtual().start(() -> {
            try {
                outcome.complete(slow.complete(ask("What is streaming?"), piece -> firstToken.countDown()));
            } catch (Throwable t) {
                outcome.completeExceptionally(t);
            }
        });
        assertTrue(firstToken.await(5, TimeUnit.SECONDS));
        runner.interrupt();
        ExecutionException e = assertThrows(ExecutionException.class, () -> outcome.get(2, TimeUnit.SECONDS));
        assertInstanceOf(InterruptedException.class, e.getCause());
    }

    @Test
    void interruptDuringFirstTokenDelayStopsAtOnce() throws Exception {
        DemoProvider sleepy = new DemoProvider(Duration.ofHours(1), 60);
        CompletableFuture<Completion> outcome = new CompletableFuture<>();
        Thread runner = Thread.ofVirtual().start(() -> {
            try {
                outcome.complete(sleepy.complete(ask("What is streaming?"), piece -> fail("no token expected")));
            } catch (Throwable t) {
                outcome.completeExceptionally(t);
            }
        });
        runner.interrupt();
        ExecutionException e = assertThrows(ExecutionException.class, () -> outcome.get(2, TimeUnit.SECONDS));
        assertInstanceOf(InterruptedException.class, e.getCause());
    }

    @Test
    void interruptStopsEvenWithoutDelays() {
        Thread.currentThread().interrupt();
        try {
            assertThrows(InterruptedException.class, () -> instant.complete(ask("What is streaming?"), piece -> {}));
        } finally {
            Thread.interrupted();
        }
    }

    @Test
    void firstTokenWaitsForConfiguredDelay() throws Exception {
        DemoProvider provider = new DemoProvider(Duration.ofMillis(150), 0);
        long start = System.nanoTime();
        long[] firstAt = {-1};
        provider.complete(ask("What is streaming?"), piece -> {
            if (firstAt[0] < 0) firstAt[0] = System.nanoTime();
        });
        assertTrue(firstAt[0] - start >= Duration.ofMillis(150).toNanos());
    }

    @Test
    void tokensFollowTheConfiguredRate() throws Exception {
        DemoProvider provider = new DemoProvider(Duration.ZERO, 200);
        ModelRequest request = new ModelRequest(null, null, List.of(ChatMessage.user("Explain SSE")), List.of(), 41);
        long start = System.nanoTime();
        run(provider, request);
        assertTrue(System.nanoTime() - start >= Duration.ofMillis(200).toNanos(), "40 gaps at 200 tokens/s");
    }
}
