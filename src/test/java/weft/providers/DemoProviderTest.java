package weft.providers;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

import static org.junit.jupiter.api.Assertions.*;
import static weft.testing.Citations.MARKER;

class DemoProviderTest {

    /** The instructions the research workflow sends, as system prompts, with their placeholders filled in. */
    private static final String PLANNER = "You plan research. Split the user's question into 2 to 5 distinct subtopics "
            + "that together answer it. Answer with JSON only, exactly of the form {\"subtopics\": [\"…\", \"…\"]}.";
    private static final String RESEARCHER = "You research one subtopic of the user's question and write a few focused "
            + "paragraphs on it.\nSubtopic: ";
    private static final String SYNTHESIZER = "You write the final answer to the user's question from the research notes "
            + "below. Cite the supplied documents as [n] where they support a statement.\nResearch notes:\n";
    /** Parsed as strictly as the workflow parses a plan: one JSON value and nothing after it. */
    private static final ObjectMapper JSON = new ObjectMapper();

    /** No delays at all: what most tests want. */
    private final DemoProvider instant = new DemoProvider(Duration.ZERO, 0);

    private record Reply(List<String> tokens, Completion completion) {
        String text() { return String.join("", tokens); }
    }

    private static Reply run(Provider provider, ModelRequest request) throws Exception {
        List<String> tokens = new ArrayList<>();
        Completion completion = provider.complete(request, PartSink.text(tokens::add));
        return new Reply(tokens, completion);
    }

    private static ModelRequest ask(String question) {
        return new ModelRequest(null, null, List.of(ChatMessage.user(question)), List.of(), null);
    }

    private static ModelRequest askWithDocuments(String question, int count) {
        return new ModelRequest(null, "Answer using the sources.", List.of(ChatMessage.user(question)), documents(count), null);
    }

    private static List<Document> documents(int count) {
        return IntStream.rangeClosed(1, count)
                .mapToObj(n -> new Document("doc-" + n, "Source number " + n, "Text of document " + n + ".")).toList();
    }

    private static ModelRequest asAgent(String instruction, String question, List<Document> documents) {
        return new ModelRequest(null, instruction, List.of(ChatMessage.user(question)), documents, null);
    }

    private List<String> plan(String question) throws Exception {
        JsonNode plan = JSON.reader().with(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
                .readTree(run(instant, asAgent(PLANNER, question, List.of())).text());
        List<String> subtopics = new ArrayList<>();
        plan.path("subtopics").forEach(item -> subtopics.add(item.asText()));
        return subtopics;
    }

    /** What the workflow hands the synthesizer: "### subtopic" and the researcher's text, per subtopic. */
    private String researchNotes(String question) throws Exception {
        List<String> sections = new ArrayList<>();
        for (String subtopic : plan(question)) {
            String note = run(instant, asAgent(RESEARCHER + subtopic, question, documents(2))).text();
            sections.add("### " + subtopic + "\n" + note);
        }
        return String.join("\n\n", sections);
    }

    private static String firstSentence(String note) {
        return note.strip().split("(?<=[.!?])\\s", 2)[0];
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
                outcome.complete(slow.complete(ask("What is streaming?"), PartSink.text(piece -> firstToken.countDown())));
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
                outcome.complete(sleepy.complete(ask("What is streaming?"), PartSink.text(piece -> fail("no token expected"))));
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
            assertThrows(InterruptedException.class, () -> instant.complete(ask("What is streaming?"), PartSink.text(piece -> {})));
        } finally {
            Thread.interrupted();
        }
    }

    @Test
    void firstTokenWaitsForConfiguredDelay() throws Exception {
        DemoProvider provider = new DemoProvider(Duration.ofMillis(150), 0);
        long start = System.nanoTime();
        long[] firstAt = {-1};
        provider.complete(ask("What is streaming?"), PartSink.text(piece -> {
            if (firstAt[0] < 0) firstAt[0] = System.nanoTime();
        }));
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

    @Test
    void plannerAnswersAValidPlanOfTwoToFiveSubtopics() throws Exception {
        for (String question : List.of("What is the difference between Kafka and Redis?", "Explain streaming",
                "How does server-sent events streaming work?", "Tell me about the French Revolution",
                "Wat is het verschil tussen een kat en een hond?", "Hoe werkt een wachtrij?", "Waarom is de lucht blauw?",
                "")) {
            Reply reply = run(instant, asAgent(PLANNER, question, List.of()));
            JsonNode plan = JSON.reader().with(DeserializationFeature.FAIL_ON_TRAILING_TOKENS).readTree(reply.text());
            assertTrue(plan.isObject() && plan.size() == 1 && plan.get("subtopics").isArray(), reply.text());
            List<String> subtopics = plan(question);
            assertTrue(subtopics.size() >= 2 && subtopics.size() <= 5, reply.text());
            assertEquals(subtopics.size(), new HashSet<>(subtopics).size(), "distinct: " + reply.text());
            Set<String> asked = new HashSet<>(Arrays.asList(question.toLowerCase(Locale.ROOT).split("[^\\p{L}]+")));
            for (String subtopic : subtopics) {
                int words = subtopic.strip().split("\\s+").length;
                assertTrue(!subtopic.isBlank() && words >= 3 && words <= 8, "short: " + subtopic);
                if (!question.isEmpty()) {
                    assertTrue(Arrays.stream(subtopic.toLowerCase(Locale.ROOT).split("[^\\p{L}]+"))
                            .anyMatch(w -> w.length() >= 3 && asked.contains(w)), "from the question's words: " + subtopic);
                }
            }
            assertEquals(List.of("{\"", "sub", "topics", "\":", " [\""), reply.tokens().subList(0, 5), "streamed in pieces");
            assertEquals(reply.tokens().size(), reply.completion().usage().outputTokens());
            assertEquals(reply.tokens(), run(instant, asAgent(PLANNER, question, List.of())).tokens(), "deterministic");
        }
        assertNotEquals(plan("What is Kafka?"), plan("What is Redis?"));
    }

    @Test
    void plannerSubtopicsAreDutchForADutchQuestion() throws Exception {
        for (String question : List.of("Wat is het verschil tussen een kat en een hond?", "Hoe werkt een wachtrij?")) {
            for (String subtopic : plan(question)) {
                assertTrue(DemoProvider.isDutch(subtopic), subtopic);
                assertFalse(subtopic.matches(".*\\b(of|with|to|behind)\\b.*"), subtopic);
            }
        }
        for (String subtopic : plan("What is the difference between a cat and a dog?")) {
            assertFalse(DemoProvider.isDutch(subtopic), subtopic);
        }
    }

    @Test
    void researchersForDifferentSubtopicsWriteDifferentTexts() throws Exception {
        for (String question : List.of("What is the difference between Kafka and Redis?", "Hoe werkt een wachtrij?")) {
            List<String> subtopics = plan(question);
            List<Reply> notes = new ArrayList<>();
            for (String subtopic : subtopics) notes.add(run(instant, asAgent(RESEARCHER + subtopic, question, List.of())));
            for (int i = 0; i < notes.size(); i++) {
                Reply note = notes.get(i);
                String text = note.text(), subtopic = subtopics.get(i);
                assertTrue(text.toLowerCase(Locale.ROOT).contains(subtopic.toLowerCase(Locale.ROOT)), subtopic + ": " + text);
                int size = note.tokens().size();
                assertTrue(size >= 100 && size <= 230, "shorter than a chat reply: " + size);
                assertTrue(note.tokens().stream().filter("\n\n"::equals).count() >= 1, "paragraphs: " + text);
                assertEquals(DemoProvider.isDutch(question), DemoProvider.isDutch(text), text);
                assertEquals(note.tokens().size(), note.completion().usage().outputTokens());
                assertEquals("stop", note.completion().finishReason());
            }
            // Not one text with the subtopic swapped in: each picks its own sentences and its own length.
            Set<String> bodies = notes.stream()
                    .map(n -> n.text().split("\n\n")[0].replaceFirst("^[^.]*\\.", "")) // first paragraph, less its opener
                    .collect(Collectors.toSet());
            assertEquals(notes.size(), bodies.size(), "different sentences");
            assertTrue(notes.stream().map(n -> n.tokens().size()).distinct().count() > 1, "different lengths");
        }
        String a = run(instant, asAgent(RESEARCHER + "History of Kafka", "What is Kafka?", List.of())).text();
        String b = run(instant, asAgent(RESEARCHER + "Alternatives to Kafka", "What is Kafka?", List.of())).text();
        assertNotEquals(a.replace("history of", "X"), b.replace("alternatives to", "X"));
    }

    @Test
    void synthesizerUsesEveryNotesHeading() throws Exception {
        for (String question : List.of("What is the difference between Kafka and Redis?",
                "Wat is het verschil tussen een kat en een hond?")) {
            String notes = researchNotes(question);
            Reply answer = run(instant, asAgent(SYNTHESIZER + notes, question, documents(2)));
            String text = answer.text();
            for (String section : notes.split("\n\n(?=### )")) {
                String heading = section.lines().findFirst().orElseThrow().substring(4);
                assertTrue(text.contains(heading), "names " + heading + ": " + text);
                // Markers in a note are the researcher's; the answer cites on its own, so compare without them.
                String[] first = firstSentence(section.substring(section.indexOf('\n') + 1))
                        .replaceAll(" \\[\\d+]", "").split(" ");
                assertTrue(IntStream.rangeClosed(0, first.length - 4)
                                .mapToObj(i -> String.join(" ", Arrays.copyOfRange(first, i, i + 4))).anyMatch(text::contains),
                        "reuses four words of the first sentence of " + heading + ": " + text);
            }
            assertEquals(DemoProvider.isDutch(question), DemoProvider.isDutch(text), text);
            assertEquals(answer.tokens().size(), answer.completion().usage().outputTokens());
        }
        String handWritten = "### Origins\nKafka was built at LinkedIn to move activity data around.\n\n"
                + "### Redis in practice\nRedis keeps data in memory [3], so reads are fast. It also persists.";
        String text = run(instant, asAgent(SYNTHESIZER + handWritten, "Kafka or Redis?", List.of())).text();
        assertTrue(text.contains("Origins") && text.contains("Redis in practice"), text);
        assertTrue(text.contains("Kafka was built at LinkedIn"), text);
        assertTrue(text.contains("Redis keeps data in memory, so reads are fast"), "without the note's marker: " + text);
        assertFalse(text.contains("[") || text.contains("]"), "no documents, so no markers: " + text);
    }

    @Test
    void synthesizerCitesTheDocuments() throws Exception {
        String question = "How does server-sent events streaming work?";
        // A single short note leaves few sentences to cite in, yet every document must still be cited.
        for (String notes : List.of(researchNotes(question) + "\n\n### Limits\nA note citing [9] that does not exist.",
                "### Limits\nJust one short note.")) {
            for (int count = 1; count <= 5; count++) {
                Reply answer = run(instant, asAgent(SYNTHESIZER + notes, question, documents(count)));
                Set<Integer> expected = IntStream.rangeClosed(1, count).boxed().collect(Collectors.toSet());
                assertEquals(expected, citedNumbers(answer.text()), count + " documents: " + answer.text());
                List<String> tokens = answer.tokens();
                for (int i = 0; i < tokens.size(); i++) {
                    if (tokens.get(i).contains("[")) {
                        assertEquals(" [", tokens.get(i));
                        assertTrue(tokens.get(i + 1).matches("\\d+]"), tokens.get(i + 1));
                    }
                }
            }
        }
    }

    @Test
    void chatIsUnchangedWithoutARole() throws Exception {
        ModelRequest plain = ask("What is streaming?");
        Reply reply = run(instant, plain);
        assertEquals(reply.tokens(), run(instant, plain).tokens());
        // Pinned from the replies before the workflow roles existed: chat must not have moved.
        assertEquals(274, reply.tokens().size());
        assertEquals(List.of("Good", " question", " about", " stre", "aming", ",", " and", " the", " short", " answer"),
                reply.tokens().subList(0, 10));
        assertEquals(273, run(instant, ask("Wat is het verschil tussen een kat en een hond?")).tokens().size());

        for (String system : List.of("You are friendly. Mention any subtopic you like and keep research notes short.",
                "Reply in JSON if you must, e.g. {\"answer\": \"…\"}.", "Research notes:\nnone yet")) {
            Reply prose = run(instant, asAgent(system, "What is streaming?", List.of()));
            assertTrue(prose.tokens().size() >= 200 && prose.tokens().size() <= 500, system + ": " + prose.tokens().size());
            assertTrue(prose.tokens().stream().filter("\n\n"::equals).count() >= 2, "several paragraphs");
            assertFalse(prose.text().startsWith("{"), prose.text());
            assertTrue(prose.text().contains("streaming"), prose.text());
        }
    }
}
