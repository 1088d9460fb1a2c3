package weft.providers;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.IntStream;

import static org.junit.jupiter.api.Assertions.*;

class DemoToolsTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final DemoProvider instant = new DemoProvider(Duration.ZERO, 0);

    private static ToolSpec tool(String name, String parameters) throws Exception {
        return new ToolSpec(name, "The " + name + " tool.", JSON.readTree(parameters));
    }

    private static final String ONE_STRING = "{\"type\":\"object\",\"properties\":{\"%s\":{\"type\":\"string\"}},\"required\":[\"%s\"]}";

    private static ToolSpec calculator() throws Exception { return tool("calculator", ONE_STRING.formatted("expression", "expression")); }

    private static ToolSpec clock() throws Exception {
        return tool("clock", "{\"type\":\"object\",\"properties\":{\"timezone\":{\"type\":\"string\"}}}");
    }

    private static ToolSpec documents() throws Exception { return tool("documents", ONE_STRING.formatted("query", "query")); }

    private static ModelRequest ask(String question, List<ToolSpec> tools) {
        return new ModelRequest(null, null, List.of(ChatMessage.user(question)), List.of(), null, tools);
    }

    private static ModelRequest askWithDocuments(String question, List<ToolSpec> tools) {
        List<Document> docs = List.of(new Document("a", "Streaming basics", "Server-sent events keep one response open."),
                new Document("b", "Retries", "A client reconnects with Last-Event-ID."));
        return new ModelRequest(null, null, List.of(ChatMessage.user(question)), docs, null, tools);
    }

    private record Answer(List<Part> parts, Completion completion) {}

    private Answer run(ModelRequest request) throws Exception {
        List<Part> parts = new ArrayList<>();
        Completion completion = instant.complete(request, parts::add);
        return new Answer(parts, completion);
    }

    /** Runs the tools the answer called with {@code results} (by tool name) and asks the model again. */
    private Answer afterResults(ModelRequest request, Answer calls, java.util.Map<String, ToolResultContent> results) throws Exception {
        List<ChatMessage> more = new ArrayList<>();
        more.add(ChatMessage.assistant(calls.completion().text(), calls.completion().toolCalls()));
        for (ToolCall call : calls.completion().toolCalls()) {
            ToolResultContent r = results.get(call.name());
            more.add(ChatMessage.tool(new ToolResult(call.id(), call.name(), r.content(), r.error())));
        }
        return run(request.continued(more));
    }

    private record ToolResultContent(String content, boolean error) {}

    @Test
    void arithmeticCallsTheCalculatorOnceWithTheExpression() throws Exception {
        Answer answer = run(ask("what is 12.5 * (3 + 4)?", List.of(calculator(), clock())));
        List<ToolCall> calls = answer.completion().toolCalls();
        assertEquals(1, calls.size(), calls.toString());
        assertEquals("calculator", calls.getFirst().name());
        assertEquals("{\"expression\":\"12.5 * (3 + 4)\"}", calls.getFirst().arguments());
        assertEquals("tool_calls", answer.completion().finishReason());

        assertEquals("{\"expression\":\"2+2\"}", run(ask("2+2", List.of(calculator()))).completion().toolCalls().getFirst().arguments());
        assertEquals("{\"expression\":\"1/3\"}", run(ask("What's 1/3.", List.of(calculator()))).completion().toolCalls().getFirst().arguments());
    }

    @Test
    void callsStreamAsStartFragmentsEndAfterAShortSentence() throws Exception {
        List<Part> parts = run(ask("what is 12.5 * (3 + 4)?", List.of(calculator()))).parts();
        assertEquals("Let me use the calculator. ", parts.stream()
                .filter(p -> p instanceof Part.Text).map(p -> ((Part.Text) p).text()).reduce("", String::concat));
        int start = IntStream.range(0, parts.size()).filter(i -> parts.get(i) instanceof Part.ToolCallStart).findFirst().orElseThrow();
        assertEquals(new Part.ToolCallStart("call_demo_1", "calculator"), parts.get(start));
        List<Part> fragments = parts.subList(start + 1, parts.size() - 2);
        assertTrue(fragments.size() > 3, "in several fragments: " + fragments);
        assertTrue(fragments.stream().allMatch(p -> p instanceof Part.ToolCallArguments a && a.callId().equals("call_demo_1")
                && a.fragment().length() <= 8));
        assertEquals(new Part.ToolCallEnd("call_demo_1"), parts.get(parts.size() - 2));
        assertInstanceOf(Part.Finish.class, parts.getLast());
    }

    @Test
    void timeQuestionCallsTheClockWithTheZoneItNames() throws Exception {
        List<ToolSpec> tools = List.of(calculator(), clock());
        assertEquals(List.of(new ToolCall("call_demo_1", "clock", "{\"timezone\":\"Europe/Amsterdam\"}")),
                run(ask("What time is it in Europe/Amsterdam?", tools)).completion().toolCalls());
        assertEquals("{\"timezone\":\"Asia/Tokyo\"}",
                run(ask("what's the time in Tokyo", tools)).completion().toolCalls().getFirst().arguments());
        assertEquals("{}", run(ask("What is the current time?", tools)).completion().toolCalls().getFirst().arguments());
        assertEquals("{}", run(ask("What time is it in Atlantis?", tools)).completion().toolCalls().getFirst().arguments(),
                "a place it does not know is left to the clock's default");
    }

    @Test
    void documentsAreSearchedForTheQuestionsKeyWords() throws Exception {
        Answer answer = run(askWithDocuments("How does server-sent events streaming work?", List.of(calculator(), documents())));
        assertEquals(List.of(new ToolCall("call_demo_1", "documents", "{\"query\":\"server-sent events streaming\"}")),
                answer.completion().toolCalls());
        assertTrue(run(ask("How does streaming work?", List.of(documents()))).completion().toolCalls().isEmpty(),
                "no documents, nothing to search");
    }

    @Test
    void aClientToolNamedAfterAWordGetsArgumentsFromItsSchema() throws Exception {
        ToolSpec weather = tool("get_weather", """
                {"type":"object","properties":{
                  "city":{"type":"string"}, "days":{"type":"integer"}, "scale":{"type":"number"},
                  "unit":{"type":"string","enum":["celsius","fahrenheit"]}, "alerts":{"type":"boolean"},
                  "fields":{"type":"array"}, "options":{"type":["object","null"]}, "note":{"type":"string"}},
                 "required":["city","days","scale","unit","alerts","fields","options"]}""");
        Answer answer = run(ask("What's the weather in New York for 3 days?", List.of(calculator(), weather)));
        List<ToolCall> calls = answer.completion().toolCalls();
        assertEquals(1, calls.size(), calls.toString());
        assertEquals("get_weather", calls.getFirst().name());
        JsonNode arguments = JSON.readTree(calls.getFirst().arguments());
        assertEquals("New York", arguments.get("city").asText());
        assertTrue(arguments.get("days").isIntegralNumber() && arguments.get("days").asInt() == 3, arguments.toString());
        assertTrue(arguments.get("scale").isNumber(), arguments.toString());
        assertEquals("celsius", arguments.get("unit").asText());
        assertTrue(arguments.get("alerts").asBoolean());
        assertTrue(arguments.get("fields").isArray() && arguments.get("options").isObject(), arguments.toString());
        assertFalse(arguments.has("note"), "only what is required");
        weft.tools.Arguments.check(arguments, weather.parameters());

        ToolSpec camel = tool("lookupOrderStatus", ONE_STRING.formatted("order", "order"));
        ToolCall byCamelCase = run(ask("Where are my orders?", List.of(camel))).completion().toolCalls().getFirst();
        assertEquals("{\"order\":\"orders\"}", byCamelCase.arguments(), "the last content word");
        assertTrue(run(ask("How do I get there?", List.of(weather))).completion().toolCalls().isEmpty(),
                "a generic part of a name (get) is no reason to call it");
    }

    @Test
    void severalToolsAreCalledAtOnceInTheOrderOffered() throws Exception {
        ToolSpec weather = tool("weather", ONE_STRING.formatted("city", "city"));
        ModelRequest request = askWithDocuments("What time is it in London, what is 6*7 and how is the weather?",
                List.of(documents(), weather, clock(), calculator()));
        Answer answer = run(request);
        assertEquals(List.of("documents", "weather", "clock", "calculator"),
                answer.completion().toolCalls().stream().map(ToolCall::name).toList());
        assertEquals(List.of("call_demo_1", "call_demo_2", "call_demo_3", "call_demo_4"),
                answer.completion().toolCalls().stream().map(ToolCall::id).toList());
        assertEquals("{\"timezone\":\"Europe/London\"}", answer.completion().toolCalls().get(2).arguments());
        assertEquals("{\"expression\":\"6*7\"}", answer.completion().toolCalls().get(3).arguments());
        assertEquals("tool_calls", answer.completion().finishReason());
        assertEquals(answer.parts(), run(request).parts(), "deterministic");
    }

    @Test
    void resultsAreAnsweredInTextWithoutCallingAgain() throws Exception {
        ModelRequest request = ask("what is 12.5 * (3 + 4)?", List.of(calculator()));
        Answer calls = run(request);
        Answer answer = afterResults(request, calls, java.util.Map.of("calculator",
                new ToolResultContent("{\"expression\":\"12.5 * (3 + 4)\",\"result\":\"87.5\"}", false)));
        assertEquals("12.5 * (3 + 4) = 87.5.", answer.completion().text());
        assertTrue(answer.completion().toolCalls().isEmpty());
        assertEquals("stop", answer.completion().finishReason());

        ModelRequest time = ask("What time is it in Europe/Amsterdam?", List.of(clock()));
        String iso = "2025-06-01T14:05:00+02:00";
        String said = afterResults(time, run(time), java.util.Map.of("clock", new ToolResultContent(
                "{\"timezone\":\"Europe/Amsterdam\",\"iso\":\"" + iso + "\"}", false))).completion().text();
        assertTrue(said.contains(iso) && said.contains("Europe/Amsterdam"), said);
    }

    @Test
    void documentResultsAreSummarisedWithTheirMarkers() throws Exception {
        ModelRequest request = askWithDocuments("How does streaming reconnect?", List.of(documents()));
        String results = """
                {"query":"streaming reconnect","results":[
                 {"marker":"[2]","document_id":"b","title":"Retries","passage":"A client reconnects with Last-Event-ID."},
                 {"marker":"[1]","document_id":"a","title":"Streaming basics","passage":"Server-sent events keep one response open."}]}""";
        Answer answer = afterResults(request, run(request), java.util.Map.of("documents", new ToolResultContent(results, false)));
        String text = answer.completion().text();
        assertTrue(text.contains("A client reconnects with Last-Event-ID [2].") && text.contains("open [1]."), text);
        List<String> pieces = answer.parts().stream().filter(p -> p instanceof Part.Text).map(p -> ((Part.Text) p).text()).toList();
        assertTrue(pieces.contains(" [") && pieces.contains("2]"), "markers in two pieces: " + pieces);
    }

    @Test
    void anErrorResultIsSaidToHaveFailedAndWhy() throws Exception {
        ModelRequest request = ask("what is 1/0?", List.of(calculator()));
        String text = afterResults(request, run(request), java.util.Map.of("calculator",
                new ToolResultContent("{\"error\":\"division by zero at 2.\"}", true))).completion().text();
        assertEquals("The calculator tool failed: division by zero at 2.", text);
    }

    @Test
    void anOtherToolsResultIsRepeated() throws Exception {
        ToolSpec weather = tool("get_weather", ONE_STRING.formatted("city", "city"));
        ModelRequest request = ask("What is the weather in Paris?", List.of(weather));
        String text = afterResults(request, run(request), java.util.Map.of("get_weather",
                new ToolResultContent("{\"temperature\":21,\"tags\":[1]}", false))).completion().text();
        assertEquals("The get_weather tool returned {\"temperature\":21,\"tags\":(1)}.", text, "no brackets that read as a citation");
    }

    @Test
    void aQuestionNoToolFitsIsAnsweredAsWithoutTools() throws Exception {
        List<ToolSpec> tools = List.of(calculator(), clock(), tool("get_weather", ONE_STRING.formatted("city", "city")));
        for (String question : List.of("What is streaming?", "Wat is het verschil tussen een kat en een hond?", "")) {
            ModelRequest plain = new ModelRequest(null, null, List.of(ChatMessage.user(question)), List.of(), null);
            Answer without = run(plain), with = run(plain.withTools(tools));
            assertEquals(without.parts().subList(0, without.parts().size() - 1), with.parts().subList(0, with.parts().size() - 1));
            assertEquals("stop", with.completion().finishReason());
            assertTrue(with.completion().toolCalls().isEmpty());
        }
    }

    @Test
    void withoutToolsArithmeticIsAnsweredAsToday() throws Exception {
        ModelRequest plain = new ModelRequest(null, null, List.of(ChatMessage.user("what is 2+2?")), List.of(), null);
        Answer answer = run(plain);
        assertTrue(answer.parts().stream().allMatch(p -> p instanceof Part.Text || p instanceof Part.Finish));
        assertTrue(answer.completion().text().startsWith("Good question about") || answer.completion().text().length() > 200,
                answer.completion().text());
        assertEquals("stop", answer.completion().finishReason());
    }

    @Test
    void usageCountsArgumentFragmentsAsOutput() throws Exception {
        Answer answer = run(ask("what is 12.5 * (3 + 4)?", List.of(calculator())));
        long streamed = answer.parts().stream().filter(p -> p instanceof Part.Text || p instanceof Part.ToolCallArguments).count();
        assertEquals(streamed, answer.completion().usage().outputTokens());
        assertTrue(answer.completion().usage().inputTokens() > Usage.estimateTokens("what is 12.5 * (3 + 4)?"),
                "the tools' specs are part of the prompt");
    }

    @Test
    void maxTokensCutsACallShortWithLength() throws Exception {
        ModelRequest full = ask("what is 12.5 * (3 + 4)?", List.of(calculator()));
        ModelRequest capped = new ModelRequest(null, null, full.messages(), List.of(), 8, full.tools());
        Answer answer = run(capped);
        assertEquals("length", answer.completion().finishReason());
        assertEquals(8, answer.completion().usage().outputTokens());
        assertEquals(run(full).parts().subList(0, answer.parts().size() - 1), answer.parts().subList(0, answer.parts().size() - 1),
                "a prefix of the full answer");
    }

    @Test
    void callIdsGoOnAcrossTheConversation() throws Exception {
        ModelRequest first = ask("2+2", List.of(calculator()));
        List<ToolCall> earlier = run(first).completion().toolCalls();
        ModelRequest next = first.continued(List.of(ChatMessage.assistant("", earlier),
                ChatMessage.tool(new ToolResult(earlier.getFirst().id(), "calculator", "{\"result\":\"4\"}", false)),
                ChatMessage.assistant("2+2 = 4."), ChatMessage.user("and 3*3?")));
        assertEquals(List.of(new ToolCall("call_demo_2", "calculator", "{\"expression\":\"3*3\"}")),
                run(next).completion().toolCalls(), "a fresh question may call tools again, under a new id");
    }

    @Test
    void expressionsAreFoundAsWritten() {
        assertEquals("12.5 * (3 + 4)", DemoTools.arithmetic("what is 12.5 * (3 + 4)?"));
        assertEquals("(2 + 3) * 4", DemoTools.arithmetic("Compute (2 + 3) * 4 please"));
        assertEquals("3 + 4", DemoTools.arithmetic("(so: 3 + 4)"));
        assertEquals("-5 + 3", DemoTools.arithmetic("what is -5 + 3"));
        assertNull(DemoTools.arithmetic("What happened on 2024-05-01?"));
        assertNull(DemoTools.arithmetic("Is version 1.2.3 out?"));
        assertNull(DemoTools.arithmetic("How does server-sent events streaming work?"));
        assertNull(DemoTools.arithmetic("What is 10% of the budget?"));
    }
}
