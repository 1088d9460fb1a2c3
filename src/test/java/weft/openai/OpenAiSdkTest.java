package weft.openai;

import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.core.JsonValue;
import com.openai.errors.BadRequestException;
import com.openai.errors.NotFoundException;
import com.openai.helpers.ChatCompletionAccumulator;
import com.openai.models.FunctionDefinition;
import com.openai.models.FunctionParameters;
import com.openai.models.chat.completions.ChatCompletion;
import com.openai.models.chat.completions.ChatCompletionChunk;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import com.openai.models.chat.completions.ChatCompletionStreamOptions;
import com.openai.models.models.Model;
import com.openai.models.responses.Response;
import com.openai.models.responses.ResponseCreateParams;
import com.openai.models.responses.ResponseOutputItem;
import com.openai.models.responses.ResponseStreamEvent;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import weft.testing.TestServer;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * OpenAI's own Java SDK as the client: it parses every chunk and object into its typed models
 * (and fails on what it cannot read), and its accumulator folds a stream the way OpenAI's
 * clients do. What it reads from Weft is what a user's application will read.
 */
class OpenAiSdkTest {
    private static TestServer server;
    private static OpenAIClient client;

    @BeforeAll
    static void start() {
        server = TestServer.start(Map.of("WEFT_PROVIDER", "demo"));
        client = OpenAIOkHttpClient.builder().baseUrl(server.uri("/v1").toString()).apiKey("not-checked")
                .maxRetries(0).build();
    }

    @AfterAll
    static void stop() {
        client.close();
        server.close();
    }

    private static ChatCompletionCreateParams.Builder ask(String question) {
        return ChatCompletionCreateParams.builder().model("demo").addSystemMessage("Be brief.").addUserMessage(question)
                .maxCompletionTokens(16);
    }

    @Test
    void theSdksStreamFoldsToTheSameCompletionAsTheNonStreamedAnswer() {
        var accumulator = ChatCompletionAccumulator.create();
        var pieces = new ArrayList<String>();
        var params = ask("How do server-sent events work?")
                .streamOptions(ChatCompletionStreamOptions.builder().includeUsage(true).build()).build();
        try (var stream = client.chat().completions().createStreaming(params)) {
            stream.stream().forEach(chunk -> {
                accumulator.accumulate(chunk);
                chunk.choices().forEach(c -> c.delta().content().filter(s -> !s.isEmpty()).ifPresent(pieces::add));
            });
        }
        ChatCompletion streamed = accumulator.chatCompletion();
        ChatCompletion whole = client.chat().completions().create(ask("How do server-sent events work?").build());

        String text = streamed.choices().getFirst().message().content().orElseThrow();
        assertTrue(pieces.size() > 3, "it arrived in pieces: " + pieces);
        assertEquals(String.join("", pieces), text);
        assertEquals(whole.choices().getFirst().message().content().orElseThrow(), text, "the demo model is deterministic");
        assertEquals(ChatCompletion.Choice.FinishReason.LENGTH, streamed.choices().getFirst().finishReason());
        assertEquals(16, streamed.usage().orElseThrow().completionTokens());
        assertTrue(streamed.id().startsWith("chatcmpl-r_"), streamed.id());
    }

    @Test
    void aFunctionCallArrivesAsTheSdksToolCall() {
        var weather = FunctionDefinition.builder().name("get_weather").description("The weather in a city")
                .parameters(FunctionParameters.builder()
                        .putAdditionalProperty("type", JsonValue.from("object"))
                        .putAdditionalProperty("properties", JsonValue.from(Map.of("city", Map.of("type", "string"))))
                        .putAdditionalProperty("required", JsonValue.from(List.of("city")))
                        .build())
                .build();
        var params = ChatCompletionCreateParams.builder().model("demo").addUserMessage("What is the weather in Utrecht?")
                .addFunctionTool(weather).build();

        var accumulator = ChatCompletionAccumulator.create();
        try (var stream = client.chat().completions().createStreaming(params)) {
            stream.stream().forEach(accumulator::accumulate);
        }
        for (ChatCompletion answer : List.of(accumulator.chatCompletion(), client.chat().completions().create(params))) {
            var choice = answer.choices().getFirst();
            assertEquals(ChatCompletion.Choice.FinishReason.TOOL_CALLS, choice.finishReason());
            var call = choice.message().toolCalls().orElseThrow().getFirst().asFunction();
            assertEquals("get_weather", call.function().name());
            assertEquals("{\"city\":\"Utrecht\"}", call.function().arguments());
        }
    }

    @Test
    void theSdksResponsesStreamIsEveryEventValidNumberedInOrderAndEndsInTheResponseItRetrieves() {
        var params = ResponseCreateParams.builder().model("demo").input("How do server-sent events work?")
                .maxOutputTokens(16).build();
        var deltas = new ArrayList<String>();
        var numbers = new ArrayList<Long>();
        Response completed = null;
        try (var stream = client.responses().createStreaming(params)) {
            for (ResponseStreamEvent event : stream.stream().toList()) {
                event.validate(); // throws on a missing or mistyped field
                event.outputTextDelta().ifPresent(d -> {
                    deltas.add(d.delta());
                    numbers.add(d.sequenceNumber());
                });
                if (event.completed().isPresent()) fail("16 tokens cut the answer: it is incomplete, not completed");
                if (event.incomplete().isPresent()) completed = event.incomplete().get().response();
            }
        }
        assertTrue(deltas.size() > 3, "it arrived in pieces: " + deltas);
        for (int i = 1; i < numbers.size(); i++) assertTrue(numbers.get(i) > numbers.get(i - 1), numbers.toString());
        assertTrue(completed != null, "the stream ended with response.incomplete");
        Response last = completed;
        assertEquals("max_output_tokens", last.incompleteDetails().orElseThrow().reason().orElseThrow().asString());
        assertEquals(String.join("", deltas), text(last));
        Response retrieved = client.responses().retrieve(last.id());
        assertEquals(text(last), text(retrieved));

        Response next = client.responses().create(ResponseCreateParams.builder().model("demo").input("And then?")
                .previousResponseId(last.id()).maxOutputTokens(8).build());
        assertEquals(last.id(), next.previousResponseId().orElseThrow(), "the conversation goes on");
    }

    private static String text(Response response) {
        var text = new StringBuilder();
        for (ResponseOutputItem item : response.output()) {
            item.message().ifPresent(m -> m.content().forEach(c -> c.outputText().ifPresent(t -> text.append(t.text()))));
        }
        return text.toString();
    }

    @Test
    void theModelListHasTheDemoAndTheWorkflows() {
        var ids = new ArrayList<String>();
        client.models().list().autoPager().forEach(m -> ids.add(m.id()));
        assertTrue(ids.containsAll(List.of("demo", "workflow/research")), ids.toString());
        Model research = client.models().retrieve("workflow/research");
        assertEquals("weft", research.ownedBy());
    }

    @Test
    void errorsBecomeTheSdksExceptionsWithWeftsMessage() {
        var unknown = assertThrows(NotFoundException.class,
                () -> client.chat().completions().create(ask("x").model("workflow/nope").build()));
        assertTrue(unknown.getMessage().contains("there is no workflow 'nope'"), unknown.getMessage());
        var tooMany = assertThrows(BadRequestException.class, () -> client.chat().completions().create(ask("x").n(2).build()));
        assertTrue(tooMany.getMessage().contains("one choice"), tooMany.getMessage());
    }

    @Test
    void aChunkTheSdkReadsHasEveryFieldItRequires() {
        var params = ask("streams").build();
        try (var stream = client.chat().completions().createStreaming(params)) {
            List<ChatCompletionChunk> chunks = stream.stream().toList();
            for (ChatCompletionChunk chunk : chunks) chunk.validate(); // throws on a missing or mistyped field
            assertEquals(ChatCompletionChunk.Choice.FinishReason.LENGTH, chunks.getLast().choices().getFirst().finishReason().orElseThrow());
        }
    }
}
